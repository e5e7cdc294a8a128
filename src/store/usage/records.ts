// Reading stored usage records: a page in commit order with a cursor, by id or id prefix, the superseded ones, counts.
import { sql } from 'kysely';
import type { UsageInput } from '../../domain/usage/validate-usage.js';
import type { Connection } from '../database.js';
import { byCodeUnits, content_columns, existingToInput, type ExistingRow } from './rows.js';

export interface StoredUsage extends UsageInput {
  seq: number;
  /** PostgreSQL: the transaction that inserted it (commit-order paging); 0 on SQLite. */
  xid: bigint;
  provider_id: string;
  card_s: number;
  compute_gflop: bigint | null;
  received_at_ms: number;
  /** The signed batch that delivered it, with the key that signed it; null when it came unsigned. */
  signed: { batch_id: number; key_id: string } | null;
}

export interface UsageFilter {
  provider_id?: string;
  enterprise_id?: string;
  cluster_id?: string;
  accelerator?: string;
  /** started_at in [from_ms, to_ms) */
  from_ms?: number;
  to_ms?: number;
  /** The cursor: on SQLite a seq; on PostgreSQL a (transaction id, seq) position in commit order (migration 0011). */
  after?: UsageCursor;
}

export interface UsageCursor {
  xid: bigint;
  seq: number;
}

/** "seq" (SQLite), or "xid.seq" (PostgreSQL); a bare seq on PostgreSQL is read as (0, seq): from the oldest rows on. */
export function parseUsageCursor(text: string): UsageCursor {
  const [a, b] = text.split('.');
  return b === undefined ? { xid: 0n, seq: Number(a) } : { xid: BigInt(a!), seq: Number(b) };
}
export const formatUsageCursor = (c: UsageCursor, engine: 'sqlite' | 'postgres'): string => (engine === 'postgres' ? `${c.xid}.${c.seq}` : String(c.seq));

export class UsageRecords {
  constructor(private readonly connection: Connection) {}

  async list(filter: UsageFilter, limit: number): Promise<StoredUsage[]> {
    // compute may pass 2^53: read it as text so that neither driver rounds it
    let q = this.connection.db
      .selectFrom('usage_records')
      .selectAll()
      .select(sql<string | null>`cast(compute_gflop as text)`.as('compute_gflop_text'))
      .select((eb) => eb.selectFrom('usage_batches').select('key_id').whereRef('usage_batches.id', '=', 'usage_records.batch_id').as('signing_key_id'))
      .limit(limit);
    if (this.connection.engine === 'postgres') {
      // commit order: (xid, seq), and only rows of transactions older than every one still in flight
      q = q
        .select(sql<string>`cast(xid as text)`.as('xid_text'))
        .orderBy(sql`xid`)
        .orderBy('seq')
        .where(sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`);
      if (filter.after !== undefined) q = q.where(sql<boolean>`(xid, seq) > (${filter.after.xid.toString()}::bigint, ${filter.after.seq}::bigint)`);
    } else {
      q = q.orderBy('seq');
      if (filter.after !== undefined) q = q.where('seq', '>', filter.after.seq);
    }
    if (filter.provider_id !== undefined) q = q.where('provider_id', '=', filter.provider_id);
    if (filter.enterprise_id !== undefined) q = q.where('enterprise_id', '=', filter.enterprise_id);
    if (filter.cluster_id !== undefined) q = q.where('cluster_id', '=', filter.cluster_id);
    if (filter.accelerator !== undefined) q = q.where('accelerator_id', '=', filter.accelerator);
    if (filter.from_ms !== undefined) q = q.where('started_at_ms', '>=', filter.from_ms);
    if (filter.to_ms !== undefined) q = q.where('started_at_ms', '<', filter.to_ms);
    const rows = await q.execute();
    return rows.map((r) => ({
      ...existingToInput(r as ExistingRow),
      seq: Number(r.seq),
      xid: 'xid_text' in r && typeof r.xid_text === 'string' ? BigInt(r.xid_text) : 0n,
      provider_id: r.provider_id,
      card_s: Number(r.card_s),
      compute_gflop: r.compute_gflop_text === null ? null : BigInt(r.compute_gflop_text),
      received_at_ms: Number(r.received_at_ms),
      signed: r.batch_id === null || r.signing_key_id === null ? null : { batch_id: Number(r.batch_id), key_id: r.signing_key_id },
    }));
  }

  /**
   * The stored records of a provider whose record_id starts with one of `prefixes`, by prefix (each list in record_id
   * order). A prefix must end in a letter or digit: the index is read as the range [prefix, prefix with its last
   * character raised by one), which holds under any collation that orders letters and digits as ASCII does
   * (PostgreSQL's locale collations skip punctuation at the first level); what else the range holds is filtered here.
   */
  async byIdPrefixes(provider_id: string, prefixes: readonly string[]): Promise<Map<string, UsageInput[]>> {
    const out = new Map<string, UsageInput[]>(prefixes.map((p) => [p, []]));
    const upper = (p: string) => {
      const last = p.at(-1) ?? '';
      if (!/^[0-9a-y]$/i.test(last) || /[zZ]/.test(last)) throw new Error(`internal: id prefix ${JSON.stringify(p)} must end in 0-9 or a-y`);
      return p.slice(0, -1) + (last === '9' ? 'a' : String.fromCharCode(last.charCodeAt(0) + 1));
    };
    const lengths = [...new Set(prefixes.map((p) => p.length))].sort((a, b) => b - a);
    for (let i = 0; i < prefixes.length; i += 100) {
      const chunk = prefixes.slice(i, i + 100);
      const rows = await this.connection.db
        .selectFrom('usage_records')
        .select([...content_columns])
        .where('provider_id', '=', provider_id)
        .where((eb) => eb.or(chunk.map((p) => eb.and([eb('record_id', '>=', p), eb('record_id', '<', upper(p))]))))
        .execute();
      for (const r of rows) {
        const list = lengths.map((n) => out.get(r.record_id.slice(0, n))).find((l) => l !== undefined);
        list?.push(existingToInput(r as ExistingRow));
      }
    }
    for (const list of out.values()) list.sort((a, b) => byCodeUnits(a.record_id, b.record_id));
    return out;
  }

  /** Every superseded record (migration 0013), in seq order, read a page at a time. */
  async *superseded(): AsyncGenerator<{
    record_id: string;
    provider_id: string;
    replacement_id: number;
    batch_id: number | null;
    count: number;
    started_at_ms: number;
    ended_at_ms: number;
    amount_fen: number;
  }> {
    let after = -1;
    for (;;) {
      const page = await this.connection.db
        .selectFrom('usage_superseded')
        .select(['seq', 'record_id', 'provider_id', 'replacement_id', 'batch_id', 'count', 'started_at_ms', 'ended_at_ms', 'amount_fen'])
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(1000)
        .execute();
      for (const r of page) {
        yield {
          record_id: r.record_id,
          provider_id: r.provider_id,
          replacement_id: Number(r.replacement_id),
          batch_id: r.batch_id === null ? null : Number(r.batch_id),
          count: Number(r.count),
          started_at_ms: Number(r.started_at_ms),
          ended_at_ms: Number(r.ended_at_ms),
          amount_fen: Number(r.amount_fen),
        };
      }
      if (page.length < 1000) return;
      after = Number(page[page.length - 1]!.seq);
    }
  }

  /** A provider's standing records (not superseded) with these ids, as stored. */
  async standing(provider_id: string, ids: readonly string[]): Promise<UsageInput[]> {
    const out: UsageInput[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await this.connection.db
        .selectFrom('usage_records')
        .select([...content_columns])
        .where('provider_id', '=', provider_id)
        .where('record_id', 'in', ids.slice(i, i + 1000))
        .execute();
      out.push(...rows.map((r) => existingToInput(r as ExistingRow)));
    }
    return out;
  }

  async count(filter: { provider_id?: string } = {}): Promise<number> {
    let q = this.connection.db.selectFrom('usage_records').select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (filter.provider_id !== undefined) q = q.where('provider_id', '=', filter.provider_id);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
