// Usage records: the idempotent batch write (the hot path), listing with a cursor, and summaries from the rollups.
// The idempotency key and its record are written in one statement under one unique index, inside one transaction
// with the rollup update, so an acknowledged batch is whole and a failed one leaves nothing behind.
// On SQLite, batches that arrive together (concurrent requests) share one commit, each under its own savepoint:
// a commit writes every B-tree page the batch touched, and random record_ids touch about one index page per record,
// so one commit for several batches writes far fewer pages than one commit each (docs/performance.md).
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

function rollupDeltas(provider_id: string, rows: readonly UsageRow[]): RollupDelta[] {
  const by = new Map<string, RollupDelta>();
  for (const { input, derived } of rows) {
    const day = utcDay(input.started_at_ms);
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
    group: (batches: readonly PendingBatch[]) => BatchResult[];
  } | null = null;
  private sqlitePending: PendingBatch[] = [];
  private sqliteFlushScheduled = false;

  constructor(private readonly connection: Connection) {}

  private get db(): Kysely<Database> { return this.connection.db; }

  /**
   * Writes a validated batch in one transaction; an outcome per row, in the order given. Resolves only once the
   * batch is committed. On SQLite the batch joins the batches of other requests waiting at this turn of the event
   * loop: one commit for all, a savepoint each, the same outcomes as one after the other.
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
    if (process.env.DEBUG_GROUP) (await import("node:fs")).appendFileSync(process.env.DEBUG_GROUP, `group ${group.length} rows ${rows}\n`);
    if (this.sqlitePending.length > 0) setImmediate(() => void this.flushSqlite(statements));
    else this.sqliteFlushScheduled = false;
    let results: BatchResult[];
    try {
      // Holding Kysely's single SQLite connection keeps any other query out of our transaction.
      results = await this.db.connection().execute(async () => statements.group(group));
    } catch (error) {
      for (const b of group) b.reject(error); // not committed: nothing of any batch in the group was stored
      return;
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
    const batch = sqlite.transaction((provider_id: string, rows: readonly UsageRow[], received_at_ms: number): InsertOutcome[] => {
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
    });
    // Called inside `group`'s transaction, `batch` runs under a savepoint: a batch that throws is rolled back alone.
    const group = sqlite.transaction((batches: readonly PendingBatch[]): BatchResult[] => batches.map((b): BatchResult => {
      // An error that ends the whole transaction (disk full, I/O) must not let the next batches run in autocommit mode:
      // throwing here rolls back the group and fails every batch of it (the earlier ones were lost with the transaction).
      if (!sqlite.inTransaction) throw new Error('the SQLite transaction ended early; no batch of the group was stored');
      try {
        return { ok: true, outcomes: batch(b.provider_id, b.rows, b.received_at_ms) };
      } catch (error) {
        return { ok: false, error };
      }
    }));
    this.sqliteStatements = { insert, existing, rollup, group: (batches) => group.immediate(batches) };
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
          for (let i = 0; i < order.length; i += 2000) {
            const chunk = order.slice(i, i + 2000).map((k) => rows[k]!);
            const got = await trx.insertInto('usage_records').values(chunk.map(({ input: r, derived }) => ({
              provider_id, record_id: r.record_id, cluster_id: r.cluster_id, enterprise_id: r.enterprise_id, accelerator_id: r.accelerator,
              count: r.count, started_at_ms: r.started_at_ms, ended_at_ms: r.ended_at_ms, amount_fen: r.amount_fen, job_ref: r.job_ref,
              workload: r.workload, energy_wh: r.energy_wh, card_s: derived.card_s, compute_gflop: derived.compute_gflop, received_at_ms,
            }))).onConflict((oc) => oc.columns(['provider_id', 'record_id']).doNothing()).returning('record_id').execute();
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
    for (let i = 0; i < deltas.length; i += 1000) {
      await trx.insertInto('usage_rollups').values(deltas.slice(i, i + 1000))
        .onConflict((oc) => oc.columns(['provider_id', 'enterprise_id', 'accelerator_id', 'day']).doUpdateSet({
          records: sql`usage_rollups.records + excluded.records`,
          card_s: sql`usage_rollups.card_s + excluded.card_s`,
          compute_gflop: sql`usage_rollups.compute_gflop + excluded.compute_gflop`,
          amount_fen: sql`usage_rollups.amount_fen + excluded.amount_fen`,
        })).execute();
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
