// The statements that store usage records and their effects (./effects.ts), each written once. The single-row ones are
// in SQLite's dialect with `?` placeholders: the SQLite writer thread prepares them, and runStatement runs them through
// Kysely on either engine (numbering the placeholders for PostgreSQL). The PostgreSQL writers take many rows in one
// statement (one array per column through unnest: 15 parameters whatever the row count) and share the conflict rules.
import { CompiledQuery, sql } from 'kysely';
import type { Connection } from '../database.js';
import type { Tx } from '../write-transaction.js';
import { durationsToRaise, type CheckWindow, type GroupDelta, type PairDuration, type RollupDelta } from './effects.js';
import type { UsageRow } from './rows.js';
import type { OfficeCalendar } from '../../domain/calendar.js';

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
const group_key = 'enterprise_id, day, provider_id, cluster_id, accelerator_id, workload, price_key, signed';
const group_sums = 'records, card_s, amount_fen, metered_records, metered_wh, unmetered_card_s, first_started_at_ms, last_started_at_ms';
/** Sums add up; the first and last start widen (a removal narrows them again: recomputeGroupBounds). */
const groupConflict = (engine: Engine) => {
  const [least, greatest] = engine === 'postgres' ? ['LEAST', 'GREATEST'] : ['min', 'max'];
  return `ON CONFLICT (${group_key}) DO UPDATE SET records = usage_groups.records + excluded.records,
  card_s = usage_groups.card_s + excluded.card_s, amount_fen = usage_groups.amount_fen + excluded.amount_fen,
  metered_records = usage_groups.metered_records + excluded.metered_records, metered_wh = usage_groups.metered_wh + excluded.metered_wh,
  unmetered_card_s = usage_groups.unmetered_card_s + excluded.unmetered_card_s,
  first_started_at_ms = ${least}(usage_groups.first_started_at_ms, excluded.first_started_at_ms),
  last_started_at_ms = ${greatest}(usage_groups.last_started_at_ms, excluded.last_started_at_ms)`;
};
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
  add_group: `INSERT INTO usage_groups (${group_key}, ${group_sums}) VALUES (${marks(16)}) ${groupConflict('sqlite')}`,
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
/** A rollup delta as the 8 values of add_rollup, its sums times `sign`. */
const rollupValues = (d: RollupDelta, sign: 1n | -1n): unknown[] => [
  d.provider_id,
  d.enterprise_id,
  d.accelerator_id,
  d.day,
  BigInt(d.records) * sign,
  BigInt(d.card_s) * sign,
  d.compute_gflop * sign,
  d.amount_fen.total * sign,
];

/**
 * Upserts rows of values: on SQLite one prepared single-row statement each; on PostgreSQL one array per column through
 * unnest (`types`: each column's array type), in chunks. unnest yields its arrays in order, so the row locks are taken
 * in the order of `rows`.
 */
async function upsertRows(
  tx: Tx,
  engine: Engine,
  rows: readonly unknown[][],
  sqlite_statement: string,
  pg: { table: string; columns: string; types: readonly string[]; conflict: string },
): Promise<void> {
  if (engine === 'sqlite') {
    for (const r of rows) await runStatement(tx, engine, sqlite_statement, r);
    return;
  }
  for (let i = 0; i < rows.length; i += pg_chunk_rows) {
    const chunk = rows.slice(i, i + pg_chunk_rows);
    const arrays = pg.types.map((type, k) => sql`${chunk.map((r) => r[k])}::${sql.raw(type)}[]`);
    await sql`INSERT INTO ${sql.table(pg.table)} (${sql.raw(pg.columns)}) SELECT * FROM unnest(${sql.join(arrays)}) ${sql.raw(pg.conflict)}`.execute(tx);
  }
}

export async function addRollups(tx: Tx, engine: Engine, deltas: readonly RollupDelta[], sign: 1n | -1n = 1n): Promise<void> {
  await upsertRows(
    tx,
    engine,
    deltas.map((d) => rollupValues(d, sign)),
    statements.add_rollup,
    { table: 'usage_rollups', columns: rollup_columns, types: ['text', 'text', 'text', 'text', 'int8', 'int8', 'int8', 'int8'], conflict: rollup_conflict },
  );
  if (sign < 0n && deltas.length > 0) {
    // a day left with nothing is no day of usage
    await tx
      .deleteFrom('usage_rollups')
      .where('provider_id', 'in', [...new Set(deltas.map((d) => d.provider_id))])
      .where('records', '=', 0)
      .execute();
  }
}

/** A group delta as the 16 values of add_group, its sums times `sign`. */
export const groupValues = (g: GroupDelta, sign: 1n | -1n = 1n): unknown[] => [
  g.enterprise_id,
  g.day,
  g.provider_id,
  g.cluster_id,
  g.accelerator_id,
  g.workload,
  g.price_key,
  g.signed,
  BigInt(g.records) * sign,
  BigInt(g.card_s) * sign,
  g.amount_fen.total * sign,
  BigInt(g.metered_records) * sign,
  g.metered_wh.total * sign,
  BigInt(g.unmetered_card_s) * sign,
  g.first_started_at_ms,
  g.last_started_at_ms,
];

/**
 * Adds group deltas to usage_groups (sign -1: takes records away, as a replacement does; a group left empty is
 * deleted, and the first and last start of the others are read again from their records).
 */
export async function addGroups(tx: Tx, engine: Engine, deltas: readonly GroupDelta[], calendar: OfficeCalendar, sign: 1n | -1n = 1n): Promise<void> {
  await upsertRows(
    tx,
    engine,
    deltas.map((g) => groupValues(g, sign)),
    statements.add_group,
    {
      table: 'usage_groups',
      columns: `${group_key}, ${group_sums}`,
      types: ['text', 'text', 'text', 'text', 'text', 'text', 'int8', 'int2', 'int8', 'int8', 'int8', 'int8', 'int8', 'int8', 'int8', 'int8'],
      conflict: groupConflict('postgres'),
    },
  );
  if (sign < 0n && deltas.length > 0) {
    const providers = [...new Set(deltas.map((d) => d.provider_id))];
    await tx.deleteFrom('usage_groups').where('provider_id', 'in', providers).where('records', '=', 0).execute();
    for (const g of deltas) await recomputeGroupBounds(tx, g, calendar);
  }
}

/** The first and last start of a group, read again from its records (after some were taken away). */
async function recomputeGroupBounds(tx: Tx, g: GroupDelta, calendar: OfficeCalendar): Promise<void> {
  // the records of the group: its provider, enterprise, cluster, model, workload and signedness, started on its day
  // (first..last of the delta lie on that day), and in its price bucket
  const bucket =
    g.price_key < 0
      ? sql`card_s = 0 and amount_fen <> 0`
      : sql`((card_s = 0 and amount_fen = 0 and ${g.price_key} = 0) or (card_s > 0 and (amount_fen * 3600 + card_s - 1) / card_s = ${g.price_key}))`;
  const bounds = await sql<{ first: number | string | null; last: number | string | null }>`select min(started_at_ms) as first, max(started_at_ms) as last
    from usage_records where provider_id = ${g.provider_id} and enterprise_id = ${g.enterprise_id} and cluster_id = ${g.cluster_id}
      and accelerator_id = ${g.accelerator_id} and coalesce(workload, '') = ${g.workload}
      and (case when batch_id is null then 0 else 1 end) = ${g.signed} and ${bucket}
      and started_at_ms >= ${calendar.dayStartMs(g.day)} and started_at_ms < ${calendar.dayStartMs(calendar.nextDay(g.day))}`.execute(tx);
  const b = bounds.rows[0];
  if (b === undefined || b.first === null || b.last === null) return;
  await tx
    .updateTable('usage_groups')
    .set({ first_started_at_ms: Number(b.first), last_started_at_ms: Number(b.last) })
    .where('enterprise_id', '=', g.enterprise_id)
    .where('day', '=', g.day)
    .where('provider_id', '=', g.provider_id)
    .where('cluster_id', '=', g.cluster_id)
    .where('accelerator_id', '=', g.accelerator_id)
    .where('workload', '=', g.workload)
    .where('price_key', '=', g.price_key)
    .where('signed', '=', g.signed)
    .execute();
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
