// Usage records: the idempotent batch write (the hot path), listing with a cursor, and summaries from the rollups.
// The idempotency key and its record are written in one statement under one unique index, inside one transaction
// with the rollup update, so an acknowledged batch is whole and a failed one leaves nothing behind.
// On SQLite, batches that arrive together (concurrent requests) share one commit: a commit writes every B-tree page
// the transaction touched, and random record_ids touch about one index page per record, so one commit for several
// batches writes far fewer pages than one commit each (docs/performance.md).
import { sql, type Kysely, type Transaction } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import type { UsageDerived, UsageInput } from '../domain/usage/validate-usage.js';
import { sameUsageContent } from '../domain/usage/validate-usage.js';
import type { Connection } from './database.js';
import type { Database } from './schema.js';

export interface UsageRow { input: UsageInput; derived: UsageDerived }
export type InsertOutcome = 'accepted' | 'duplicate' | 'conflict';

export interface StoredUsage extends UsageInput {
  seq: number;
  provider_id: string;
  card_s: number;
  compute_gflop: bigint | null;
  received_at_ms: number;
}

export interface UsageFilter {
  provider_id?: string;
  enterprise_id?: string;
  cluster_id?: string;
  accelerator?: string;
  /** started_at in [from_ms, to_ms) */
  from_ms?: number;
  to_ms?: number;
  after_seq?: number;
}

export const summary_groups = ['enterprise', 'provider', 'accelerator', 'domestic', 'day', 'month'] as const;
export type SummaryGroup = (typeof summary_groups)[number];

export interface SummaryFilter {
  provider_id?: string;
  enterprise_id?: string;
  accelerator?: string;
  domestic?: boolean;
  /** YYYY-MM-DD, inclusive, on the UTC day of started_at */
  from_day?: string;
  /** YYYY-MM-DD, exclusive */
  to_day?: string;
}

export interface SummaryRow {
  key: string;
  records: number;
  card_s: bigint;
  /** card-seconds on models without a throughput figure: they count card-hours only */
  card_s_unnormalized: bigint;
  compute_gflop: bigint;
  amount_fen: bigint;
}

interface ExistingRow {
  record_id: string; cluster_id: string; enterprise_id: string; accelerator_id: string; count: number;
  started_at_ms: number | bigint; ended_at_ms: number | bigint; amount_fen: number | bigint; job_ref: string | null;
  workload: string | null; energy_wh: number | bigint | null;
}

function existingToInput(r: ExistingRow): UsageInput {
  return {
    record_id: r.record_id, cluster_id: r.cluster_id, enterprise_id: r.enterprise_id, accelerator: r.accelerator_id,
    count: Number(r.count), started_at_ms: Number(r.started_at_ms), ended_at_ms: Number(r.ended_at_ms),
    amount_fen: Number(r.amount_fen), job_ref: r.job_ref, workload: r.workload as UsageInput['workload'],
    energy_wh: r.energy_wh === null ? null : Number(r.energy_wh),
  };
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

interface RollupDelta { provider_id: string; enterprise_id: string; accelerator_id: string; day: string; records: number; card_s: number; compute_gflop: bigint; amount_fen: number }

const day_ms = 86_400_000;

function rollupDeltas(provider_id: string, rows: readonly UsageRow[]): RollupDelta[] {
  const by = new Map<string, RollupDelta>();
  const days = new Map<number, string>(); // UTC day number → YYYY-MM-DD: a Date and its ISO string per record cost more
  for (const { input, derived } of rows) {
    const n = Math.floor(input.started_at_ms / day_ms);
    let day = days.get(n);
    if (day === undefined) {
      day = utcDay(n * day_ms);
      days.set(n, day);
    }
    const key = `${input.enterprise_id}\u0000${input.accelerator}\u0000${day}`;
    let d = by.get(key);
    if (!d) {
      d = { provider_id, enterprise_id: input.enterprise_id, accelerator_id: input.accelerator, day, records: 0, card_s: 0, compute_gflop: 0n, amount_fen: 0 };
      by.set(key, d);
    }
    d.records += 1;
    d.card_s += derived.card_s;
    d.compute_gflop += derived.compute_gflop ?? 0n;
    d.amount_fen += input.amount_fen;
  }
  // A fixed order of row locks keeps concurrent writers on PostgreSQL from deadlocking.
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}

/** Rows per PostgreSQL statement: the rows travel as one array per column, so there is no limit of 65,535 parameters. */
const pg_chunk_rows = 5000;

/**
 * INSERT … SELECT FROM unnest(one array per column): one statement with 15 parameters whatever the row count, which
 * the server parses and plans in no time, where a multi-row VALUES list of 1,000 rows carries 15,000 parameters to
 * build, send, parse and plan. Rows are inserted in the order given (unnest yields its arrays in order).
 */
async function insertRecordsPostgres(trx: Transaction<Database>, provider_id: string, chunk: readonly UsageRow[], received_at_ms: number): Promise<{ record_id: string }[]> {
  const input = <K extends keyof UsageInput>(key: K) => chunk.map((r) => r.input[key]);
  const result = await sql<{ record_id: string }>`INSERT INTO usage_records (provider_id, record_id, cluster_id, enterprise_id, accelerator_id,
      count, started_at_ms, ended_at_ms, amount_fen, job_ref, workload, energy_wh, card_s, compute_gflop, received_at_ms)
    SELECT ${provider_id}::text, u.*, ${received_at_ms}::int8 FROM unnest(${input('record_id')}::text[], ${input('cluster_id')}::text[],
      ${input('enterprise_id')}::text[], ${input('accelerator')}::text[], ${input('count')}::int4[], ${input('started_at_ms')}::int8[],
      ${input('ended_at_ms')}::int8[], ${input('amount_fen')}::int8[], ${input('job_ref')}::text[], ${input('workload')}::text[],
      ${input('energy_wh')}::int8[], ${chunk.map((r) => r.derived.card_s)}::int8[], ${chunk.map((r) => r.derived.compute_gflop)}::int8[]) AS u
    ON CONFLICT (provider_id, record_id) DO NOTHING RETURNING record_id`.execute(trx);
  return result.rows;
}

const existing_columns = ['record_id', 'cluster_id', 'enterprise_id', 'accelerator_id', 'count', 'started_at_ms', 'ended_at_ms',
  'amount_fen', 'job_ref', 'workload', 'energy_wh'] as const;

/** A batch waiting for the next SQLite group commit. */
interface PendingBatch {
  provider_id: string;
  rows: readonly UsageRow[];
  received_at_ms: number;
  resolve: (outcomes: InsertOutcome[]) => void;
  reject: (error: unknown) => void;
}
type BatchResult = { ok: true; outcomes: InsertOutcome[] } | { ok: false; error: unknown };

/** At most this many rows share a SQLite commit (a single larger batch still goes whole, alone). */
const group_rows_max = 10_000;

export class UsageRepository {
  private sqliteStatements: {
    insert: SqliteDatabase.Statement;
    existing: SqliteDatabase.Statement;
    rollup: SqliteDatabase.Statement;
    /** Each batch in its own transaction (the fallback), or the whole group in one. */
    single: (b: PendingBatch) => InsertOutcome[];
    group: (batches: readonly PendingBatch[]) => InsertOutcome[][];
  } | null = null;
  private sqlitePending: PendingBatch[] = [];
  private sqliteFlushScheduled = false;

  constructor(private readonly connection: Connection) {}

  private get db(): Kysely<Database> { return this.connection.db; }

  /**
   * Writes a validated batch in one transaction; an outcome per row, in the order given. Resolves only once the
   * batch is committed. On SQLite the batch joins the batches of other requests waiting at this turn of the event
   * loop: one transaction and one commit for all, with the same outcomes as one after the other.
   */
  async insertBatch(provider_id: string, rows: readonly UsageRow[], received_at_ms: number): Promise<InsertOutcome[]> {
    if (rows.length === 0) return [];
    if (this.connection.sqlite !== null) {
      const statements = this.prepareSqlite(this.connection.sqlite);
      return new Promise<InsertOutcome[]>((resolve, reject) => {
        this.sqlitePending.push({ provider_id, rows, received_at_ms, resolve, reject });
        if (!this.sqliteFlushScheduled) {
          this.sqliteFlushScheduled = true;
          // setImmediate runs after the pending I/O callbacks: the request bodies that have arrived by now join in.
          setImmediate(() => void this.flushSqlite(statements));
        }
      });
    }
    return this.insertBatchPostgres(provider_id, rows, received_at_ms);
  }

  private async flushSqlite(statements: NonNullable<UsageRepository['sqliteStatements']>): Promise<void> {
    let rows = 0;
    let take = 0;
    while (take < this.sqlitePending.length && (take === 0 || rows + this.sqlitePending[take]!.rows.length <= group_rows_max)) {
      rows += this.sqlitePending[take]!.rows.length;
      take++;
    }
    const group = this.sqlitePending.splice(0, take);
    if (this.sqlitePending.length > 0) setImmediate(() => void this.flushSqlite(statements));
    else this.sqliteFlushScheduled = false;
    const one = (b: PendingBatch): BatchResult => {
      try {
        return { ok: true, outcomes: statements.single(b) };
      } catch (error) {
        return { ok: false, error };
      }
    };
    let results: BatchResult[];
    try {
      // Holding Kysely's single SQLite connection keeps any other query out of our transaction.
      results = await this.db.connection().execute(async () => {
        if (group.length === 1) return [one(group[0]!)];
        try {
          return statements.group(group).map((outcomes): BatchResult => ({ ok: true, outcomes }));
        } catch {
          // Something failed and the whole group was rolled back: nothing of it is stored. Savepoints would isolate
          // the failing batch, but they cost a sub-journal write of every page touched, so instead the batches are
          // written again, each in its own transaction, in the same order: only the failing one fails.
          return group.map(one);
        }
      });
    } catch (error) {
      results = group.map((): BatchResult => ({ ok: false, error }));
    }
    group.forEach((b, i) => {
      const r = results[i]!;
      if (r.ok) b.resolve(r.outcomes);
      else b.reject(r.error);
    });
  }

  private prepareSqlite(sqlite: SqliteDatabase.Database) {
    if (this.sqliteStatements) return this.sqliteStatements;
    const insert = sqlite.prepare(`INSERT INTO usage_records (provider_id, record_id, cluster_id, enterprise_id, accelerator_id,
      count, started_at_ms, ended_at_ms, amount_fen, job_ref, workload, energy_wh, card_s, compute_gflop, received_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id, record_id) DO NOTHING`);
    const existing = sqlite.prepare(`SELECT ${existing_columns.join(', ')} FROM usage_records WHERE provider_id = ? AND record_id = ?`);
    const rollup = sqlite.prepare(`INSERT INTO usage_rollups (provider_id, enterprise_id, accelerator_id, day, records, card_s, compute_gflop, amount_fen)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id, enterprise_id, accelerator_id, day) DO UPDATE SET
      records = usage_rollups.records + excluded.records, card_s = usage_rollups.card_s + excluded.card_s,
      compute_gflop = usage_rollups.compute_gflop + excluded.compute_gflop, amount_fen = usage_rollups.amount_fen + excluded.amount_fen`);
    const batch = (provider_id: string, rows: readonly UsageRow[], received_at_ms: number): InsertOutcome[] => {
      const outcomes: InsertOutcome[] = [];
      const inserted: UsageRow[] = [];
      for (const row of rows) {
        const r = row.input;
        const info = insert.run(provider_id, r.record_id, r.cluster_id, r.enterprise_id, r.accelerator, r.count, r.started_at_ms,
          r.ended_at_ms, r.amount_fen, r.job_ref, r.workload, r.energy_wh, row.derived.card_s, row.derived.compute_gflop, received_at_ms);
        if (info.changes === 1) {
          outcomes.push('accepted');
          inserted.push(row);
        } else {
          const before = existing.get(provider_id, r.record_id) as ExistingRow;
          outcomes.push(sameUsageContent(existingToInput(before), r) ? 'duplicate' : 'conflict');
        }
      }
      for (const d of rollupDeltas(provider_id, inserted)) {
        rollup.run(d.provider_id, d.enterprise_id, d.accelerator_id, d.day, d.records, d.card_s, d.compute_gflop, d.amount_fen);
      }
      return outcomes;
    };
    const single = sqlite.transaction((b: PendingBatch) => batch(b.provider_id, b.rows, b.received_at_ms));
    // A batch that throws ends the group: better-sqlite3 rolls the whole transaction back (see flushSqlite).
    const group = sqlite.transaction((batches: readonly PendingBatch[]) => batches.map((b) => batch(b.provider_id, b.rows, b.received_at_ms)));
    this.sqliteStatements = { insert, existing, rollup, single: (b) => single.immediate(b), group: (batches) => group.immediate(batches) };
    return this.sqliteStatements;
  }

  private async insertBatchPostgres(provider_id: string, rows: readonly UsageRow[], received_at_ms: number): Promise<InsertOutcome[]> {
    // Locks are taken in record_id order so that two writers of overlapping batches cannot deadlock.
    const order = rows.map((_, i) => i).sort((a, b) => {
      const x = rows[a]!.input.record_id, y = rows[b]!.input.record_id;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().setIsolationLevel('read committed').execute(async (trx) => {
          const inserted = new Set<string>();
          for (let i = 0; i < order.length; i += pg_chunk_rows) {
            const chunk = order.slice(i, i + pg_chunk_rows).map((k) => rows[k]!);
            const got = await insertRecordsPostgres(trx, provider_id, chunk, received_at_ms);
            for (const g of got) inserted.add(g.record_id);
          }
          const others = rows.filter((r) => !inserted.has(r.input.record_id)).map((r) => r.input.record_id);
          const before = new Map<string, UsageInput>();
          for (let i = 0; i < others.length; i += 2000) {
            const found = await trx.selectFrom('usage_records').select([...existing_columns]).where('provider_id', '=', provider_id)
              .where('record_id', 'in', others.slice(i, i + 2000)).execute();
            for (const f of found) before.set(f.record_id, existingToInput(f as ExistingRow));
          }
          await this.upsertRollups(trx, rollupDeltas(provider_id, rows.filter((r) => inserted.has(r.input.record_id))));
          return rows.map((r): InsertOutcome => {
            if (inserted.has(r.input.record_id)) return 'accepted';
            const b = before.get(r.input.record_id);
            if (b === undefined) throw new Error(`usage record ${r.input.record_id} neither inserted nor found`);
            return sameUsageContent(b, r.input) ? 'duplicate' : 'conflict';
          });
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < 5) continue; // deadlock / serialization: retry whole batch
        throw error;
      }
    }
  }

  private async upsertRollups(trx: Transaction<Database>, deltas: RollupDelta[]): Promise<void> {
    for (let i = 0; i < deltas.length; i += pg_chunk_rows) {
      const chunk = deltas.slice(i, i + pg_chunk_rows);
      const column = <K extends keyof RollupDelta>(key: K) => chunk.map((d) => d[key]);
      // Rows keep the order of `deltas` (unnest yields its arrays in order), so the row locks are taken in that order.
      await sql`INSERT INTO usage_rollups (provider_id, enterprise_id, accelerator_id, day, records, card_s, compute_gflop, amount_fen)
        SELECT * FROM unnest(${column('provider_id')}::text[], ${column('enterprise_id')}::text[], ${column('accelerator_id')}::text[],
          ${column('day')}::text[], ${column('records')}::int8[], ${column('card_s')}::int8[], ${column('compute_gflop')}::int8[],
          ${column('amount_fen')}::int8[])
        ON CONFLICT (provider_id, enterprise_id, accelerator_id, day) DO UPDATE SET
          records = usage_rollups.records + excluded.records, card_s = usage_rollups.card_s + excluded.card_s,
          compute_gflop = usage_rollups.compute_gflop + excluded.compute_gflop, amount_fen = usage_rollups.amount_fen + excluded.amount_fen`
        .execute(trx);
    }
  }

  async list(filter: UsageFilter, limit: number): Promise<StoredUsage[]> {
    // compute may pass 2^53: read it as text so that neither driver rounds it
    let q = this.db.selectFrom('usage_records').selectAll()
      .select(sql<string | null>`cast(compute_gflop as text)`.as('compute_gflop_text')).orderBy('seq').limit(limit);
    if (filter.provider_id !== undefined) q = q.where('provider_id', '=', filter.provider_id);
    if (filter.enterprise_id !== undefined) q = q.where('enterprise_id', '=', filter.enterprise_id);
    if (filter.cluster_id !== undefined) q = q.where('cluster_id', '=', filter.cluster_id);
    if (filter.accelerator !== undefined) q = q.where('accelerator_id', '=', filter.accelerator);
    if (filter.from_ms !== undefined) q = q.where('started_at_ms', '>=', filter.from_ms);
    if (filter.to_ms !== undefined) q = q.where('started_at_ms', '<', filter.to_ms);
    if (filter.after_seq !== undefined) q = q.where('seq', '>', filter.after_seq);
    const rows = await q.execute();
    return rows.map((r) => ({
      ...existingToInput(r as ExistingRow), seq: Number(r.seq), provider_id: r.provider_id, card_s: Number(r.card_s),
      compute_gflop: r.compute_gflop_text === null ? null : BigInt(r.compute_gflop_text), received_at_ms: Number(r.received_at_ms),
    }));
  }

  async count(filter: { provider_id?: string } = {}): Promise<number> {
    let q = this.db.selectFrom('usage_records').select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (filter.provider_id !== undefined) q = q.where('provider_id', '=', filter.provider_id);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Sums from the daily rollups, grouped as asked; exact integers (the sums are read as text). */
  async summary(group: SummaryGroup, filter: SummaryFilter): Promise<SummaryRow[]> {
    const key = {
      enterprise: sql<string>`r.enterprise_id`,
      provider: sql<string>`r.provider_id`,
      accelerator: sql<string>`r.accelerator_id`,
      domestic: sql<string>`case when a.domestic = 1 then 'true' else 'false' end`,
      day: sql<string>`r.day`,
      month: sql<string>`substr(r.day, 1, 7)`,
    }[group];
    let q = this.db.selectFrom('usage_rollups as r').innerJoin('accelerators as a', 'a.id', 'r.accelerator_id')
      .select([
        key.as('key'),
        sql<string>`cast(sum(r.records) as text)`.as('records'),
        sql<string>`cast(sum(r.card_s) as text)`.as('card_s'),
        sql<string>`cast(sum(case when a.dense_gflops is null then r.card_s else 0 end) as text)`.as('card_s_unnormalized'),
        sql<string>`cast(sum(r.compute_gflop) as text)`.as('compute_gflop'),
        sql<string>`cast(sum(r.amount_fen) as text)`.as('amount_fen'),
      ])
      .groupBy(key).orderBy(key);
    if (filter.provider_id !== undefined) q = q.where('r.provider_id', '=', filter.provider_id);
    if (filter.enterprise_id !== undefined) q = q.where('r.enterprise_id', '=', filter.enterprise_id);
    if (filter.accelerator !== undefined) q = q.where('r.accelerator_id', '=', filter.accelerator);
    if (filter.domestic !== undefined) q = q.where('a.domestic', '=', filter.domestic ? 1 : 0);
    if (filter.from_day !== undefined) q = q.where('r.day', '>=', filter.from_day);
    if (filter.to_day !== undefined) q = q.where('r.day', '<', filter.to_day);
    const rows = await q.execute();
    return rows.map((r) => ({
      key: String(r.key), records: Number(r.records), card_s: BigInt(r.card_s), card_s_unnormalized: BigInt(r.card_s_unnormalized),
      compute_gflop: BigInt(r.compute_gflop), amount_fen: BigInt(r.amount_fen),
    }));
  }
}
