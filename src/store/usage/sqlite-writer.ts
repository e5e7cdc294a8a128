// The SQLite usage writer, on a worker thread (started by ./write.ts through ../worker-thread.ts): it commits batches
// (grouped: the batches that queued up while the last commit ran share the next one) while the main thread goes on
// parsing and validating requests on the other core. It runs the same statements (./sql.ts) and computes the same
// effects (./effects.ts) as the other write paths; the main thread decides outcomes (duplicate or conflict) from the
// rows it sends back.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { deliveredDigest, sortIds } from '../../domain/integrity/batch-delivery.js';
import { OfficeCalendar } from '../../domain/calendar.js';
import { BatchEffects, durationsToRaise } from './effects.js';
import { groupValues, statements } from './sql.js';
import {
  requestRows,
  type KeepRejections,
  type WriteRecords,
  type WriteResult,
  type WriterAnswer,
  type WriterConfig,
  type WriterRequest,
} from './writer-protocol.js';
import type { ExistingRow } from './rows.js';
import { failedAnswer } from '../worker-thread.js';

const config = workerData as WriterConfig;
const calendar = new OfficeCalendar(config.time_zone);
const port = parentPort!;
const db = new Database(config.file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${config.synchronous}`);
// The main connection may hold the write lock for a while (filing a claim over a million records): wait for it.
db.pragma('busy_timeout = 60000');
db.defaultSafeIntegers(false);

const prepared = {
  insert_record: db.prepare(statements.insert_record),
  existing: db.prepare<[string, string], ExistingRow>(statements.existing),
  insert_signed_batch: db.prepare<unknown[], { id: number }>(statements.insert_signed_batch),
  record_delivery: db.prepare(statements.record_delivery),
  add_rollup: db.prepare(statements.add_rollup),
  add_group: db.prepare(statements.add_group),
  pair_duration: db.prepare<[string, string], { duration_ms_max: number }>(statements.pair_duration),
  raise_pair_duration: db.prepare(statements.raise_pair_duration),
  queue_window: db.prepare(statements.queue_window),
};
// Prepared on first use, so that clean batches never touch them.
let rejection_statements: { insert: Database.Statement; prune: Database.Statement } | null = null;

function writeRecords(b: WriteRecords): WriteResult {
  const result: WriteResult = [];
  let batch_id: number | null = null;
  if (b.signed !== null) {
    const s = b.signed;
    batch_id = prepared.insert_signed_batch.get(
      b.provider_id,
      s.key_id,
      s.signature,
      Buffer.from(s.body.buffer, s.body.byteOffset, s.body.byteLength),
      s.body_sha256,
      b.received_at_ms,
    )!.id;
  }
  const effects = new BatchEffects(b.provider_id, calendar, b.queue_checks);
  const accepted_ids: string[] = [];
  for (const w of b.rows) {
    // arguments spelled out: a spread of the tuple costs the thread measurably more per record
    const info = prepared.insert_record.run(
      b.provider_id,
      w[0],
      w[1],
      w[2],
      w[3],
      w[4],
      w[5],
      w[6],
      w[7],
      w[8],
      w[9],
      w[10],
      w[11],
      w[12],
      b.received_at_ms,
      batch_id,
    );
    if (info.changes === 1) {
      result.push(null);
      effects.add(w[1], w[2], w[3], w[5], w[6], w[7], w[11], w[12], w[9], w[10], batch_id !== null);
      if (b.signed !== null) accepted_ids.push(w[0]);
    } else {
      result.push(prepared.existing.get(b.provider_id, w[0])!);
    }
  }
  for (const d of effects.rollups()) {
    prepared.add_rollup.run(d.provider_id, d.enterprise_id, d.accelerator_id, d.day, d.records, d.card_s, d.compute_gflop, d.amount_fen.total);
  }
  for (const g of effects.groupDeltas()) prepared.add_group.run(...groupValues(g));
  const longest = effects.longestDurations();
  const known = new Map<string, number>();
  for (const l of longest) {
    const k = prepared.pair_duration.get(l.cluster_id, l.accelerator_id);
    if (k !== undefined) known.set(`${l.cluster_id}\u0000${l.accelerator_id}`, Number(k.duration_ms_max));
  }
  for (const l of durationsToRaise(longest, known)) prepared.raise_pair_duration.run(l.cluster_id, l.accelerator_id, l.duration_ms);
  for (const w of effects.checkWindows()) prepared.queue_window.run(w.cluster_id, w.accelerator_id, w.day);
  if (batch_id !== null && b.signed !== null) {
    const ids = sortIds(accepted_ids);
    prepared.record_delivery.run(ids.length, deliveredDigest(b.signed.body_sha256, ids), JSON.stringify(ids), batch_id);
  }
  return result;
}

function keepRejections(b: KeepRejections): WriteResult {
  rejection_statements ??= { insert: db.prepare(statements.insert_rejection), prune: db.prepare(statements.prune_rejections) };
  for (const r of b.rejections) rejection_statements.insert.run(b.provider_id, b.received_at_ms, ...r);
  rejection_statements.prune.run(b.provider_id, b.provider_id, config.rejections_kept_max);
  return [];
}

const write = (r: WriterRequest): WriteResult => (r.kind === 'records' ? writeRecords(r) : keepRejections(r));
const single = db.transaction(write);
const group = db.transaction((requests: WriterRequest[]) => requests.map(write));

const queue: WriterRequest[] = [];
let scheduled = false;

function flush(): void {
  let rows = 0;
  let take = 0;
  while (take < queue.length && (take === 0 || rows + requestRows(queue[take]!) <= config.group_rows_max)) {
    rows += requestRows(queue[take]!);
    take++;
  }
  const requests = queue.splice(0, take);
  const one = (r: WriterRequest): WriterAnswer => {
    try {
      return { id: r.id, ok: true, result: single.immediate(r) };
    } catch (error) {
      return failedAnswer(r.id, error);
    }
  };
  let answers: WriterAnswer[];
  if (requests.length === 1) answers = [one(requests[0]!)];
  else {
    try {
      answers = group.immediate(requests).map((result, i) => ({ id: requests[i]!.id, ok: true, result }));
    } catch {
      // The whole group rolled back: write each request again on its own, in order, so that only a failing one fails.
      answers = requests.map(one);
    }
  }
  port.postMessage(answers);
  if (queue.length > 0) setImmediate(flush);
  else scheduled = false;
}

port.on('message', (m: WriterRequest) => {
  queue.push(m);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
