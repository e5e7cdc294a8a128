// Usage records: the idempotent batch write (the hot path), listing with a cursor, and summaries from the rollups.
// The idempotency key and its record are written in one statement under one unique index, inside one transaction
// with the rollup update, so an acknowledged batch is whole and a failed one leaves nothing behind.
// On SQLite, batches that arrive together (concurrent requests) share one commit: a commit writes every B-tree page
// the transaction touched, and random record_ids touch about one index page per record, so one commit for several
// batches writes far fewer pages than one commit each (docs/performance.md).
import { sql, type Kysely, type Transaction } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { deliveredDigest, sortIds } from '../domain/integrity/batch-delivery.js';
import { usage_reject_codes, type UsageDerived, type UsageInput } from '../domain/usage/validate-usage.js';
import { sameUsageContent } from '../domain/usage/validate-usage.js';
import type { Connection } from './database.js';
import type { Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';
import { readFenSum, sumFen } from './exact-sum.js';
import { FenSum } from '../domain/money/fen.js';
import { utcDay } from '../domain/calendar.js';
import type { AuditActor } from './audit-repository.js';
import { replaceUsage, type ReplaceOutcome } from './usage-replacement.js';

export interface UsageRow { input: UsageInput; derived: UsageDerived }
export type InsertOutcome = 'accepted' | 'duplicate' | 'conflict';

/** A batch that arrived signed: kept byte for byte, and each record it delivered points at it. */
export interface SignedBatch { key_id: string; signature: string; body: Uint8Array; body_sha256: string }

export interface InsertOptions {
  signed?: SignedBatch | null;
  /** Queue the cluster × model × day windows of accepted records for the incremental checks. */
  queue_checks: boolean;
}

const day_ms_ = 86_400_000;

/** The check_queue keys of records: every UTC day each ran in. Sorted, so that row locks come in one order. */
export function checkWindows(rows: readonly { cluster_id: string; accelerator: string; started_at_ms: number; ended_at_ms: number }[]): { cluster_id: string; accelerator_id: string; day: number }[] {
  const keys = new Map<string, { cluster_id: string; accelerator_id: string; day: number }>();
  for (const r of rows) {
    const last = Math.floor((r.ended_at_ms - 1) / day_ms_);
    for (let day = Math.floor(r.started_at_ms / day_ms_); day <= last; day++) {
      keys.set(`${r.cluster_id}\u0000${r.accelerator}\u0000${String(day).padStart(8, '0')}`, { cluster_id: r.cluster_id, accelerator_id: r.accelerator, day });
    }
  }
  return [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}

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

export interface UsageCursor { xid: bigint; seq: number }

/** "seq" (SQLite), or "xid.seq" (PostgreSQL); a bare seq on PostgreSQL is read as (0, seq): from the oldest rows on. */
export function parseUsageCursor(text: string): UsageCursor {
  const [a, b] = text.split('.');
  return b === undefined ? { xid: 0n, seq: Number(a) } : { xid: BigInt(a!), seq: Number(b) };
}
export const formatUsageCursor = (c: UsageCursor, engine: 'sqlite' | 'postgres'): string => (engine === 'postgres' ? `${c.xid}.${c.seq}` : String(c.seq));

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

export interface ExistingRow {
  record_id: string; cluster_id: string; enterprise_id: string; accelerator_id: string; count: number;
  started_at_ms: number | bigint; ended_at_ms: number | bigint; amount_fen: number | bigint; job_ref: string | null;
  workload: string | null; energy_wh: number | bigint | null;
}

export function existingToInput(r: ExistingRow): UsageInput {
  return {
    record_id: r.record_id, cluster_id: r.cluster_id, enterprise_id: r.enterprise_id, accelerator: r.accelerator_id,
    count: Number(r.count), started_at_ms: Number(r.started_at_ms), ended_at_ms: Number(r.ended_at_ms),
    amount_fen: Number(r.amount_fen), job_ref: r.job_ref, workload: r.workload as UsageInput['workload'],
    energy_wh: r.energy_wh === null ? null : Number(r.energy_wh),
  };
}

/** A batch's additions to one daily rollup; the bills summed exactly (a batch of 10,000 bills passes 2^53 fen). */
export interface RollupDelta { provider_id: string; enterprise_id: string; accelerator_id: string; day: string; records: number; card_s: number; compute_gflop: bigint; amount_fen: FenSum }

const day_ms = 86_400_000;

export function rollupDeltas(provider_id: string, rows: readonly UsageRow[]): RollupDelta[] {
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
      d = { provider_id, enterprise_id: input.enterprise_id, accelerator_id: input.accelerator, day, records: 0, card_s: 0, compute_gflop: 0n, amount_fen: new FenSum() };
      by.set(key, d);
    }
    d.records += 1;
    d.card_s += derived.card_s;
    d.compute_gflop += derived.compute_gflop ?? 0n;
    d.amount_fen.add(input.amount_fen);
  }
  // A fixed order of row locks keeps concurrent writers on PostgreSQL from deadlocking.
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}

/**
 * Raises usage_pair_stats.duration_ms_max where the batch holds a longer record than any stored. Read first without a
 * lock and write only what grows (rarely, after a pair's first records), so concurrent batches of one cluster do not
 * queue on that row; GREATEST keeps two racing raises right.
 */
async function raisePairDurations(trx: Transaction<Database>, accepted: readonly UsageRow[]): Promise<void> {
  const longest = new Map<string, { cluster_id: string; accelerator_id: string; d: number }>();
  for (const { input } of accepted) {
    const key = `${input.cluster_id}\u0000${input.accelerator}`;
    const d = input.ended_at_ms - input.started_at_ms;
    const cur = longest.get(key);
    if (cur === undefined || cur.d < d) longest.set(key, { cluster_id: input.cluster_id, accelerator_id: input.accelerator, d });
  }
  if (longest.size === 0) return;
  const known = await trx.selectFrom('usage_pair_stats').select(['cluster_id', 'accelerator_id', 'duration_ms_max'])
    .where('cluster_id', 'in', [...new Set([...longest.values()].map((l) => l.cluster_id))]).execute();
  const have = new Map(known.map((k) => [`${k.cluster_id}\u0000${k.accelerator_id}`, Number(k.duration_ms_max)]));
  const raise = [...longest.entries()].filter(([key, l]) => !((have.get(key) ?? -1) >= l.d)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, l]) => l);
  if (raise.length === 0) return;
  await sql`INSERT INTO usage_pair_stats (cluster_id, accelerator_id, duration_ms_max)
    SELECT c, a, d FROM unnest(${raise.map((l) => l.cluster_id)}::text[], ${raise.map((l) => l.accelerator_id)}::text[], ${raise.map((l) => l.d)}::int8[]) AS t(c, a, d)
    ON CONFLICT (cluster_id, accelerator_id) DO UPDATE SET duration_ms_max = GREATEST(usage_pair_stats.duration_ms_max, excluded.duration_ms_max)`.execute(trx);
}

/** Rows per PostgreSQL statement: the rows travel as one array per column, so there is no limit of 65,535 parameters. */
const pg_chunk_rows = 5000;

/**
 * INSERT … SELECT FROM unnest(one array per column): one statement with 15 parameters whatever the row count, which
 * the server parses and plans in no time, where a multi-row VALUES list of 1,000 rows carries 15,000 parameters to
 * build, send, parse and plan. Rows are inserted in the order given (unnest yields its arrays in order).
 */
async function insertRecordsPostgres(trx: Transaction<Database>, provider_id: string, chunk: readonly UsageRow[], received_at_ms: number, batch_id: number | null): Promise<{ record_id: string }[]> {
  const input = <K extends keyof UsageInput>(key: K) => chunk.map((r) => r.input[key]);
  const result = await sql<{ record_id: string }>`INSERT INTO usage_records (provider_id, record_id, cluster_id, enterprise_id, accelerator_id,
      count, started_at_ms, ended_at_ms, amount_fen, job_ref, workload, energy_wh, card_s, compute_gflop, received_at_ms, batch_id)
    SELECT ${provider_id}::text, u.*, ${received_at_ms}::int8, ${batch_id}::int8 FROM unnest(${input('record_id')}::text[], ${input('cluster_id')}::text[],
      ${input('enterprise_id')}::text[], ${input('accelerator')}::text[], ${input('count')}::int4[], ${input('started_at_ms')}::int8[],
      ${input('ended_at_ms')}::int8[], ${input('amount_fen')}::int8[], ${input('job_ref')}::text[], ${input('workload')}::text[],
      ${input('energy_wh')}::int8[], ${chunk.map((r) => r.derived.card_s)}::int8[], ${chunk.map((r) => r.derived.compute_gflop)}::int8[]) AS u
    ON CONFLICT (provider_id, record_id) DO NOTHING RETURNING record_id`.execute(trx);
  return result.rows;
}

const existing_columns = ['record_id', 'cluster_id', 'enterprise_id', 'accelerator_id', 'count', 'started_at_ms', 'ended_at_ms',
  'amount_fen', 'job_ref', 'workload', 'energy_wh'] as const;

/** At most this many rows share a SQLite commit (a single larger batch still goes whole, alone). */
const group_rows_max = 10_000;

/**
 * Rejections kept per provider: its newest. Each write prunes the provider's older ones beyond the bound, so the table
 * holds at most this many rows per provider (a few hundred bytes each: a few MB); on PostgreSQL two batches of one
 * provider written at once may leave a few more until its next write. One full batch at the default
 * SUANLI_BATCH_RECORDS_MAX; a larger batch keeps its first rejections by index.
 */
export const rejections_kept_max = 10_000;
/** Characters kept of a rejection's texts: the record_id as sent (the wire limit), the field path, the message. */
export const rejection_chars_max = { record_id: 128, field: 200, message: 500 } as const;

/**
 * Codes a kept rejection carries: the pipeline's (a rejected record), and those `suanli import sacct` gives a line it
 * could not make a record of. The latter are sacct_reject_codes of src/ingest/sacct/outcome.ts, repeated here because
 * the store does not import ingest; a compile-time check there keeps the two lists the same.
 */
export const sacct_line_reject_codes = [
  'malformed_sacct', 'other_cluster', 'inconsistent_elapsed', 'inconsistent_gpu_count', 'unmapped_account', 'unmapped_gres',
] as const;
export const stored_rejection_codes = [...usage_reject_codes, ...sacct_line_reject_codes] as const;
export type StoredRejectionCode = (typeof stored_rejection_codes)[number];

/** A rejected record of a batch, as POST /api/v1/usage answers it, or a line an import rejected before a record existed. */
export interface UsageRejection { index: number; record_id: string | null; code: StoredRejectionCode; field: string | null; message: string }
export interface StoredRejection extends UsageRejection { id: number; provider_id: string; received_at_ms: number }
export interface RejectionFilter {
  provider_id?: string;
  code?: StoredRejectionCode;
  /** received_at in [from_ms, to_ms) */
  from_ms?: number;
  to_ms?: number;
  /** the cursor: rejections older than this id */
  before_id?: number;
}

/** At most `n` UTF-16 units, never ending in half a surrogate pair, NUL replaced (PostgreSQL refuses it in text). */
function clip(s: string, n: number): string {
  let t = s;
  if (t.length > n) {
    t = t.slice(0, n);
    if (/[\uD800-\uDBFF]$/.test(t)) t = t.slice(0, -1);
  }
  return t.includes('\u0000') ? t.replaceAll('\u0000', '\uFFFD') : t;
}

/** The same statement the SQLite writer prepares: deletes a provider's rejections beyond the newest `keep`. */
const pruneRejections = (provider_id: string, keep: number) => sql`DELETE FROM usage_rejections WHERE provider_id = ${provider_id}
  AND id <= (SELECT id FROM usage_rejections WHERE provider_id = ${provider_id} ORDER BY id DESC LIMIT 1 OFFSET ${keep})`;

interface WriterAnswer { id: number; ok: boolean; result?: (ExistingRow | null)[]; error?: string; code?: string | null }

export class UsageRepository {
  private writer: { worker: Worker; next_id: number; waiting: Map<number, { rows: readonly UsageRow[]; resolve: (o: InsertOutcome[]) => void; reject: (e: unknown) => void }> } | null = null;

  constructor(private readonly connection: Connection) {}

  private get db(): Kysely<Database> { return this.connection.db; }

  /**
   * Writes a validated batch in one transaction; an outcome per row, in the order given. Resolves only once the
   * batch is committed. On SQLite a worker thread commits (src/store/sqlite-usage-writer.mjs): batches that queue up
   * while a commit runs share the next one, with the same outcomes as one after the other, and the main thread goes
   * on parsing requests meanwhile.
   */
  async insertBatch(provider_id: string, rows: readonly UsageRow[], received_at_ms: number, options: InsertOptions = { queue_checks: false }): Promise<InsertOutcome[]> {
    if (rows.length === 0) return [];
    if (this.connection.sqlite !== null) {
      const writer = this.sqliteWriter(this.connection.sqlite);
      const id = writer.next_id++;
      const days = new Map<number, string>();
      const wire = rows.map(({ input: r, derived }) => {
        const day_ms = r.started_at_ms - (r.started_at_ms % 86_400_000);
        let day = days.get(day_ms);
        if (day === undefined) { day = utcDay(r.started_at_ms); days.set(day_ms, day); }
        return [r.record_id, r.cluster_id, r.enterprise_id, r.accelerator, r.count, r.started_at_ms, r.ended_at_ms, r.amount_fen, r.job_ref,
          r.workload, r.energy_wh, derived.card_s, derived.compute_gflop, day];
      });
      return new Promise<InsertOutcome[]>((resolve, reject) => {
        writer.waiting.set(id, { rows, resolve, reject });
        writer.worker.postMessage({ id, provider_id, received_at_ms, rows: wire, signed: options.signed ?? null, queue_checks: options.queue_checks });
      });
    }
    return this.insertBatchPostgres(provider_id, rows, received_at_ms, options);
  }

  /**
   * Keeps a batch's rejections for GET /api/v1/usage/rejections (the first rejections_kept_max of those given) and prunes
   * the provider's oldest beyond that bound. Diagnostic: the ingest pipeline calls it after the batch's own transaction
   * has committed, so a failure here never costs an accepted record, and a clean batch never calls it. On SQLite the
   * writer thread writes them (sharing a commit with the batches queued with them), so the main thread never waits on
   * the write lock.
   */
  async keepRejections(provider_id: string, rejections: readonly UsageRejection[], received_at_ms: number): Promise<void> {
    if (rejections.length === 0) return;
    // Written in reverse: ids then fall as the index rises, so that newest-first (id descending) reads a batch in index order.
    const kept = rejections.slice(0, rejections_kept_max).reverse();
    const wire = kept.map((r) => [r.index, r.record_id === null ? null : clip(r.record_id, rejection_chars_max.record_id), r.code,
      r.field === null ? null : clip(r.field, rejection_chars_max.field), clip(r.message, rejection_chars_max.message)] as const);
    if (this.connection.sqlite !== null) {
      const writer = this.sqliteWriter(this.connection.sqlite);
      const id = writer.next_id++;
      await new Promise<InsertOutcome[]>((resolve, reject) => {
        writer.waiting.set(id, { rows: [], resolve, reject });
        writer.worker.postMessage({ id, provider_id, received_at_ms, rows: [], rejections: wire, signed: null, queue_checks: false });
      });
      return;
    }
    const column = (i: 0 | 1 | 2 | 3 | 4) => wire.map((w) => w[i]);
    await writeTransaction(this.connection, async (tx) => {
      await sql`INSERT INTO usage_rejections (provider_id, received_at_ms, record_index, record_id, code, field, message)
        SELECT ${provider_id}::text, ${received_at_ms}::int8, t.* FROM unnest(${column(0)}::int4[], ${column(1)}::text[], ${column(2)}::text[],
          ${column(3)}::text[], ${column(4)}::text[]) AS t`.execute(tx);
      await pruneRejections(provider_id, rejections_kept_max).execute(tx);
    });
  }

  private sqliteWriter(sqlite: SqliteDatabase.Database) {
    if (this.writer) return this.writer;
    const synchronous = Number(sqlite.pragma('synchronous', { simple: true })) === 1 ? 'NORMAL' : 'FULL';
    const worker = new Worker(new URL('./sqlite-usage-writer.mjs', import.meta.url), { workerData: { file: sqlite.name, synchronous, group_rows_max, rejections_kept_max } });
    const writer = { worker, next_id: 1, waiting: new Map<number, { rows: readonly UsageRow[]; resolve: (o: InsertOutcome[]) => void; reject: (e: unknown) => void }>() };
    worker.on('message', (answers: WriterAnswer[]) => {
      for (const a of answers) {
        const w = writer.waiting.get(a.id);
        if (!w) continue;
        writer.waiting.delete(a.id);
        if (!a.ok || !a.result) {
          w.reject(Object.assign(new Error(a.error ?? 'usage write failed'), { code: a.code ?? undefined }));
          continue;
        }
        const result = a.result;
        w.resolve(w.rows.map((row, i): InsertOutcome => {
          const before = result[i];
          if (before === null || before === undefined) return 'accepted';
          return sameUsageContent(existingToInput(before), row.input) ? 'duplicate' : 'conflict';
        }));
      }
      // An idle writer must not keep the process alive; a busy one must.
      if (writer.waiting.size === 0) worker.unref(); else worker.ref();
    });
    const fail = (error: unknown) => {
      for (const w of writer.waiting.values()) w.reject(error);
      writer.waiting.clear();
      if (this.writer === writer) this.writer = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite usage writer stopped (exit ${code})`)));
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (value: unknown) => { worker.ref(); post(value); };
    this.writer = writer;
    return writer;
  }

  /** Stops the SQLite writer thread (after the batches it holds); the store closes its connection after this. */
  async close(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    while (writer.waiting.size > 0) await new Promise((r) => setTimeout(r, 5));
    this.writer = null;
    await writer.worker.terminate();
  }

  private async insertBatchPostgres(provider_id: string, rows: readonly UsageRow[], received_at_ms: number, options: InsertOptions): Promise<InsertOutcome[]> {
    // Locks are taken in record_id order so that two writers of overlapping batches cannot deadlock.
    const order = rows.map((_, i) => i).sort((a, b) => {
      const x = rows[a]!.input.record_id, y = rows[b]!.input.record_id;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().setIsolationLevel('read committed').execute(async (trx) => {
          const inserted = new Set<string>();
          let batch_id: number | null = null;
          if (options.signed) {
            const s = options.signed;
            const b = await trx.insertInto('usage_batches').values({ provider_id, key_id: s.key_id, signature: s.signature, body: s.body, body_sha256: s.body_sha256, received_at_ms })
              .returning('id').executeTakeFirstOrThrow();
            batch_id = Number(b.id);
          }
          for (let i = 0; i < order.length; i += pg_chunk_rows) {
            const chunk = order.slice(i, i + pg_chunk_rows).map((k) => rows[k]!);
            const got = await insertRecordsPostgres(trx, provider_id, chunk, received_at_ms, batch_id);
            for (const g of got) inserted.add(g.record_id);
          }
          const others = rows.filter((r) => !inserted.has(r.input.record_id)).map((r) => r.input.record_id);
          const before = new Map<string, UsageInput>();
          for (let i = 0; i < others.length; i += 2000) {
            const found = await trx.selectFrom('usage_records').select([...existing_columns]).where('provider_id', '=', provider_id)
              .where('record_id', 'in', others.slice(i, i + 2000)).execute();
            for (const f of found) before.set(f.record_id, existingToInput(f as ExistingRow));
          }
          const accepted = rows.filter((r) => inserted.has(r.input.record_id));
          if (batch_id !== null && options.signed) {
            const ids = sortIds(accepted.map((r) => r.input.record_id));
            await trx.updateTable('usage_batches').set({ delivered_count: ids.length, delivered_digest: deliveredDigest(options.signed.body_sha256, ids), delivered_ids: JSON.stringify(ids) })
              .where('id', '=', batch_id).execute();
          }
          await this.upsertRollups(trx, rollupDeltas(provider_id, accepted));
          await raisePairDurations(trx, accepted);
          if (options.queue_checks && accepted.length > 0) {
            const w = checkWindows(accepted.map((r) => r.input));
            await sql`INSERT INTO check_queue (cluster_id, accelerator_id, day)
              SELECT c, a, d FROM unnest(${w.map((k) => k.cluster_id)}::text[], ${w.map((k) => k.accelerator_id)}::text[], ${w.map((k) => k.day)}::int4[]) AS t(c, a, d)`.execute(trx);
          }
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
      const column = <K extends Exclude<keyof RollupDelta, 'amount_fen'>>(key: K) => chunk.map((d) => d[key]);
      // Rows keep the order of `deltas` (unnest yields its arrays in order), so the row locks are taken in that order.
      await sql`INSERT INTO usage_rollups (provider_id, enterprise_id, accelerator_id, day, records, card_s, compute_gflop, amount_fen)
        SELECT * FROM unnest(${column('provider_id')}::text[], ${column('enterprise_id')}::text[], ${column('accelerator_id')}::text[],
          ${column('day')}::text[], ${column('records')}::int8[], ${column('card_s')}::int8[], ${column('compute_gflop')}::int8[],
          ${chunk.map((d) => d.amount_fen.total)}::int8[])
        ON CONFLICT (provider_id, enterprise_id, accelerator_id, day) DO UPDATE SET
          records = usage_rollups.records + excluded.records, card_s = usage_rollups.card_s + excluded.card_s,
          compute_gflop = usage_rollups.compute_gflop + excluded.compute_gflop, amount_fen = usage_rollups.amount_fen + excluded.amount_fen`
        .execute(trx);
    }
  }

  async list(filter: UsageFilter, limit: number): Promise<StoredUsage[]> {
    // compute may pass 2^53: read it as text so that neither driver rounds it
    let q = this.db.selectFrom('usage_records').selectAll()
      .select(sql<string | null>`cast(compute_gflop as text)`.as('compute_gflop_text'))
      .select((eb) => eb.selectFrom('usage_batches').select('key_id').whereRef('usage_batches.id', '=', 'usage_records.batch_id').as('signing_key_id'))
      .limit(limit);
    if (this.connection.engine === 'postgres') {
      // commit order: (xid, seq), and only rows of transactions older than every one still in flight
      q = q.select(sql<string>`cast(xid as text)`.as('xid_text')).orderBy(sql`xid`).orderBy('seq')
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
      ...existingToInput(r as ExistingRow), seq: Number(r.seq), xid: 'xid_text' in r && typeof r.xid_text === 'string' ? BigInt(r.xid_text) : 0n, provider_id: r.provider_id, card_s: Number(r.card_s),
      compute_gflop: r.compute_gflop_text === null ? null : BigInt(r.compute_gflop_text), received_at_ms: Number(r.received_at_ms),
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
      const rows = await this.db.selectFrom('usage_records').select([...existing_columns]).where('provider_id', '=', provider_id)
        .where((eb) => eb.or(chunk.map((p) => eb.and([eb('record_id', '>=', p), eb('record_id', '<', upper(p))]))))
        .execute();
      for (const r of rows) {
        const list = lengths.map((n) => out.get(r.record_id.slice(0, n))).find((l) => l !== undefined);
        list?.push(existingToInput(r as ExistingRow));
      }
    }
    for (const list of out.values()) list.sort((a, b) => (a.record_id < b.record_id ? -1 : a.record_id > b.record_id ? 1 : 0));
    return out;
  }

  /** Stores `rows` in place of the stored records `replaced`, or nothing (./usage-replacement.ts). */
  replace(provider_id: string, replaced: readonly UsageInput[], rows: readonly UsageRow[], at_ms: number, reason: string, actor: AuditActor, queue_checks: boolean, signed: SignedBatch | null = null): Promise<ReplaceOutcome> {
    return replaceUsage(this.connection, provider_id, replaced, rows, at_ms, reason, actor, queue_checks, signed);
  }

  /** Every superseded record (migration 0013), in seq order, read a page at a time. */
  async *superseded(): AsyncGenerator<{ record_id: string; provider_id: string; replacement_id: number; batch_id: number | null; count: number; started_at_ms: number; ended_at_ms: number; amount_fen: number }> {
    let after = -1;
    for (;;) {
      const page = await this.db.selectFrom('usage_superseded').select(['seq', 'record_id', 'provider_id', 'replacement_id', 'batch_id', 'count', 'started_at_ms', 'ended_at_ms', 'amount_fen'])
        .where('seq', '>', after).orderBy('seq').limit(1000).execute();
      for (const r of page) {
        yield { record_id: r.record_id, provider_id: r.provider_id, replacement_id: Number(r.replacement_id), batch_id: r.batch_id === null ? null : Number(r.batch_id),
          count: Number(r.count), started_at_ms: Number(r.started_at_ms), ended_at_ms: Number(r.ended_at_ms), amount_fen: Number(r.amount_fen) };
      }
      if (page.length < 1000) return;
      after = Number(page[page.length - 1]!.seq);
    }
  }

  /** A provider's standing records (not superseded) with these ids, as stored. */
  async standing(provider_id: string, ids: readonly string[]): Promise<UsageInput[]> {
    const out: UsageInput[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await this.db.selectFrom('usage_records').select([...existing_columns]).where('provider_id', '=', provider_id).where('record_id', 'in', ids.slice(i, i + 1000)).execute();
      out.push(...rows.map((r) => existingToInput(r as ExistingRow)));
    }
    return out;
  }

  /** Kept rejections, newest first (a batch in index order), filtered; `before_id` continues a page. */
  async rejections(filter: RejectionFilter, limit: number): Promise<StoredRejection[]> {
    let q = this.db.selectFrom('usage_rejections').selectAll().orderBy('id', 'desc').limit(limit);
    if (filter.provider_id !== undefined) q = q.where('provider_id', '=', filter.provider_id);
    if (filter.code !== undefined) q = q.where('code', '=', filter.code);
    if (filter.from_ms !== undefined) q = q.where('received_at_ms', '>=', filter.from_ms);
    if (filter.to_ms !== undefined) q = q.where('received_at_ms', '<', filter.to_ms);
    if (filter.before_id !== undefined) q = q.where('id', '<', filter.before_id);
    return (await q.execute()).map((r) => ({
      id: Number(r.id), provider_id: r.provider_id, received_at_ms: Number(r.received_at_ms), index: Number(r.record_index),
      record_id: r.record_id, code: r.code as StoredRejectionCode, field: r.field, message: r.message,
    }));
  }

  async count(filter: { provider_id?: string } = {}): Promise<number> {
    let q = this.db.selectFrom('usage_records').select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (filter.provider_id !== undefined) q = q.where('provider_id', '=', filter.provider_id);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Sums from the daily rollups, grouped as asked; exact integers (the sums are read as text; money by sumFen). */
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
        sumFen(this.connection.engine, sql.ref('r.amount_fen')).as('amount_fen'),
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
      compute_gflop: BigInt(r.compute_gflop), amount_fen: readFenSum(r.amount_fen),
    }));
  }
}
