// The statements that store usage records and their effects (./effects.ts), each written once. The single-row ones are
// in SQLite's dialect with `?` placeholders: the SQLite writer thread prepares them, and runStatement runs them through
// Kysely on either engine (numbering the placeholders for PostgreSQL). The PostgreSQL writers take many rows in one
// statement (one array per column through unnest: 15 parameters whatever the row count) and share the conflict rules.
import { CompiledQuery, sql } from 'kysely';
import type { Connection } from '../database.js';
import type { Tx } from '../write-transaction.js';
import { durationsToRaise, type CheckWindow, type PairDuration, type RollupDelta } from './effects.js';
import type { UsageRow } from './rows.js';

type Engine = Connection['engine'];

export const record_columns = [
  'provider_id',
  'record_id',
  'cluster_id',
  'enterprise_id',
  'accelerator_id',
  'count',
  'started_at_ms',
  'ended_at_ms',
  'amount_fen',
  'job_ref',
  'workload',
  'energy_wh',
  'card_s',
  'compute_gflop',
  'received_at_ms',
  'batch_id',
] as const;

/** A stored record's columns with its seq: what a replacement moves and the rollups' rebuild reads. */
export const stored_columns = ['seq', ...record_columns] as const;

const rollup_columns = 'provider_id, enterprise_id, accelerator_id, day, records, card_s, compute_gflop, amount_fen';
const rollup_conflict = `ON CONFLICT (provider_id, enterprise_id, accelerator_id, day) DO UPDATE SET
  records = usage_rollups.records + excluded.records, card_s = usage_rollups.card_s + excluded.card_s,
  compute_gflop = usage_rollups.compute_gflop + excluded.compute_gflop, amount_fen = usage_rollups.amount_fen + excluded.amount_fen`;
/** Two raises of one pair racing (PostgreSQL) both end at the longer: the greater of stored and new is kept. */
const pairConflict = (engine: Engine) =>
  `ON CONFLICT (cluster_id, accelerator_id) DO UPDATE SET duration_ms_max = ${engine === 'postgres' ? 'GREATEST' : 'max'}(usage_pair_stats.duration_ms_max, excluded.duration_ms_max)`;
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Single-row statements, SQLite's dialect. */
export const statements = {
  /** An id already stored is left as it is: the caller compares it with `existing`. */
  insert_record: `INSERT INTO usage_records (${record_columns.join(', ')}) VALUES (${marks(record_columns.length)}) ON CONFLICT (provider_id, record_id) DO NOTHING`,
  existing: `SELECT record_id, cluster_id, enterprise_id, accelerator_id, count, started_at_ms, ended_at_ms, amount_fen, job_ref, workload, energy_wh
    FROM usage_records WHERE provider_id = ? AND record_id = ?`,
  insert_signed_batch: 'INSERT INTO usage_batches (provider_id, key_id, signature, body, body_sha256, received_at_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
  record_delivery: 'UPDATE usage_batches SET delivered_count = ?, delivered_digest = ?, delivered_ids = ? WHERE id = ?',
  add_rollup: `INSERT INTO usage_rollups (${rollup_columns}) VALUES (${marks(8)}) ${rollup_conflict}`,
  pair_duration: 'SELECT duration_ms_max FROM usage_pair_stats WHERE cluster_id = ? AND accelerator_id = ?',
  raise_pair_duration: `INSERT INTO usage_pair_stats (cluster_id, accelerator_id, duration_ms_max) VALUES (?, ?, ?) ${pairConflict('sqlite')}`,
  queue_window: 'INSERT INTO check_queue (cluster_id, accelerator_id, day) VALUES (?, ?, ?)',
  insert_rejection: 'INSERT INTO usage_rejections (provider_id, received_at_ms, record_index, record_id, code, field, message) VALUES (?, ?, ?, ?, ?, ?, ?)',
  /** Deletes a provider's rejections beyond its newest `keep`: (provider_id, provider_id, keep). */
  prune_rejections: `DELETE FROM usage_rejections WHERE provider_id = ?
    AND id <= (SELECT id FROM usage_rejections WHERE provider_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
} as const;

/** Runs one of `statements` in `tx`: `?` becomes $1, $2, … on PostgreSQL (none of the statements holds a `?` in text). */
export async function runStatement<R = unknown>(tx: Tx, engine: Engine, text: string, params: readonly unknown[]): Promise<R[]> {
  let i = 0;
  const q = engine === 'postgres' ? text.replaceAll('?', () => `$${++i}`) : text;
  return (await tx.executeQuery<R>(CompiledQuery.raw(q, [...params]))).rows;
}

/** The values of a record in record_columns order. */
export const recordValues = (provider_id: string, r: UsageRow, received_at_ms: number, batch_id: number | null): unknown[] => [
  provider_id,
  r.input.record_id,
  r.input.cluster_id,
  r.input.enterprise_id,
  r.input.accelerator,
  r.input.count,
  r.input.started_at_ms,
  r.input.ended_at_ms,
  r.input.amount_fen,
  r.input.job_ref,
  r.input.workload,
  r.input.energy_wh,
  r.derived.card_s,
  r.derived.compute_gflop,
  received_at_ms,
  batch_id,
];

/** Stores a signed batch's body; answers its id. */
export async function insertSignedBatch(
  tx: Tx,
  engine: Engine,
  provider_id: string,
  s: { key_id: string; signature: string; body: Uint8Array; body_sha256: string },
  received_at_ms: number,
): Promise<number> {
  const [row] = await runStatement<{ id: number | string | bigint }>(tx, engine, statements.insert_signed_batch, [
    provider_id,
    s.key_id,
    s.signature,
    s.body,
    s.body_sha256,
    received_at_ms,
  ]);
  return Number(row!.id);
}

/**
 * Stores records: on PostgreSQL one INSERT … SELECT FROM unnest per 5,000 rows, in the order given; on SQLite one
 * prepared insert per row. Answers the ids inserted (an id already stored is skipped).
 */
export async function insertRecords(
  tx: Tx,
  engine: Engine,
  provider_id: string,
  rows: readonly UsageRow[],
  received_at_ms: number,
  batch_id: number | null,
): Promise<string[]> {
  const inserted: string[] = [];
  if (engine === 'sqlite') {
    for (const r of rows) {
      const result = await tx.executeQuery(CompiledQuery.raw(statements.insert_record, recordValues(provider_id, r, received_at_ms, batch_id)));
      if (result.numAffectedRows === 1n) inserted.push(r.input.record_id);
    }
    return inserted;
  }
  for (let i = 0; i < rows.length; i += pg_chunk_rows) {
    const chunk = rows.slice(i, i + pg_chunk_rows);
    const input = <K extends keyof UsageRow['input']>(key: K) => chunk.map((r) => r.input[key]);
    const result = await sql<{ record_id: string }>`INSERT INTO usage_records (${sql.raw(record_columns.join(', '))})
      SELECT ${provider_id}::text, u.*, ${received_at_ms}::int8, ${batch_id}::int8 FROM unnest(${input('record_id')}::text[], ${input('cluster_id')}::text[],
        ${input('enterprise_id')}::text[], ${input('accelerator')}::text[], ${input('count')}::int4[], ${input('started_at_ms')}::int8[],
        ${input('ended_at_ms')}::int8[], ${input('amount_fen')}::int8[], ${input('job_ref')}::text[], ${input('workload')}::text[],
        ${input('energy_wh')}::int8[], ${chunk.map((r) => r.derived.card_s)}::int8[], ${chunk.map((r) => r.derived.compute_gflop)}::int8[]) AS u
      ON CONFLICT (provider_id, record_id) DO NOTHING RETURNING record_id`.execute(tx);
    for (const r of result.rows) inserted.push(r.record_id);
  }
  return inserted;
}

/** Rows per PostgreSQL statement: the rows travel as one array per column, so there is no limit of 65,535 parameters. */
const pg_chunk_rows = 5000;

/** Adds the deltas to the rollups (`sign` -1n subtracts them, dropping days left with no record), in the order given. */
export async function addRollups(tx: Tx, engine: Engine, deltas: readonly RollupDelta[], sign: 1n | -1n = 1n): Promise<void> {
  if (engine === 'sqlite') {
    for (const d of deltas) {
      await runStatement(tx, engine, statements.add_rollup, [
        d.provider_id,
        d.enterprise_id,
        d.accelerator_id,
        d.day,
        BigInt(d.records) * sign,
        BigInt(d.card_s) * sign,
        d.compute_gflop * sign,
        d.amount_fen.total * sign,
      ]);
    }
  } else {
    for (let i = 0; i < deltas.length; i += pg_chunk_rows) {
      const chunk = deltas.slice(i, i + pg_chunk_rows);
      const column = (f: (d: RollupDelta) => unknown) => chunk.map(f);
      // unnest yields its arrays in order, so the row locks are taken in the order of `deltas`
      await sql`INSERT INTO usage_rollups (${sql.raw(rollup_columns)})
        SELECT * FROM unnest(${column((d) => d.provider_id)}::text[], ${column((d) => d.enterprise_id)}::text[], ${column((d) => d.accelerator_id)}::text[],
          ${column((d) => d.day)}::text[], ${column((d) => BigInt(d.records) * sign)}::int8[], ${column((d) => BigInt(d.card_s) * sign)}::int8[],
          ${column((d) => d.compute_gflop * sign)}::int8[], ${column((d) => d.amount_fen.total * sign)}::int8[])
        ${sql.raw(rollup_conflict)}`.execute(tx);
    }
  }
  if (sign < 0n && deltas.length > 0) {
    // a day left with nothing is no day of usage
    await tx
      .deleteFrom('usage_rollups')
      .where('provider_id', 'in', [...new Set(deltas.map((d) => d.provider_id))])
      .where('records', '=', 0)
      .execute();
  }
}

/**
 * Raises usage_pair_stats.duration_ms_max where `longest` holds a longer record than any stored. Read first without a
 * lock and write only what grows (rarely, after a pair's first records), so concurrent batches of one cluster do not
 * queue on that row; the conflict rule keeps two racing raises right.
 */
export async function raisePairDurations(tx: Tx, engine: Engine, longest: readonly PairDuration[]): Promise<void> {
  if (longest.length === 0) return;
  const known = await tx
    .selectFrom('usage_pair_stats')
    .select(['cluster_id', 'accelerator_id', 'duration_ms_max'])
    .where('cluster_id', 'in', [...new Set(longest.map((l) => l.cluster_id))])
    .execute();
  const raise = durationsToRaise(longest, new Map(known.map((k) => [`${k.cluster_id}\u0000${k.accelerator_id}`, Number(k.duration_ms_max)])));
  if (raise.length === 0) return;
  if (engine === 'sqlite') {
    for (const l of raise) await runStatement(tx, engine, statements.raise_pair_duration, [l.cluster_id, l.accelerator_id, l.duration_ms]);
    return;
  }
  await sql`INSERT INTO usage_pair_stats (cluster_id, accelerator_id, duration_ms_max)
    SELECT c, a, d FROM unnest(${raise.map((l) => l.cluster_id)}::text[], ${raise.map((l) => l.accelerator_id)}::text[], ${raise.map((l) => l.duration_ms)}::int8[]) AS t(c, a, d)
    ${sql.raw(pairConflict('postgres'))}`.execute(tx);
}

/** Queues cluster × model × day windows for the incremental checks (src/service/integrity-checker.ts). */
export async function queueWindows(tx: Tx, engine: Engine, windows: readonly CheckWindow[]): Promise<void> {
  if (windows.length === 0) return;
  if (engine === 'sqlite') {
    for (const w of windows) await runStatement(tx, engine, statements.queue_window, [w.cluster_id, w.accelerator_id, w.day]);
    return;
  }
  await sql`INSERT INTO check_queue (cluster_id, accelerator_id, day)
    SELECT c, a, d FROM unnest(${windows.map((k) => k.cluster_id)}::text[], ${windows.map((k) => k.accelerator_id)}::text[], ${windows.map((k) => k.day)}::int4[]) AS t(c, a, d)`.execute(
    tx,
  );
}
