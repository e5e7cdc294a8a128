// The SQLite usage writer, on a worker thread: it commits batches (grouped: the batches that queued up while the last
// commit ran share the next one) while the main thread goes on parsing and validating requests on the other core.
// Plain JavaScript so that it runs the same under node, tsx and vitest. It only does SQL: the main thread decides
// outcomes (duplicate or conflict) from the rows it sends back, and computed each row's UTC day.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';

const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${workerData.synchronous}`);
// The main connection may hold the write lock for a while (filing a claim over a million records): wait for it.
db.pragma('busy_timeout = 60000');
db.defaultSafeIntegers(false);

const insert = db.prepare(`INSERT INTO usage_records (provider_id, record_id, cluster_id, enterprise_id, accelerator_id,
  count, started_at_ms, ended_at_ms, amount_fen, job_ref, workload, energy_wh, card_s, compute_gflop, received_at_ms, batch_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id, record_id) DO NOTHING`);
const insertSignedBatch = db.prepare(`INSERT INTO usage_batches (provider_id, key_id, signature, body, body_sha256, received_at_ms)
  VALUES (?, ?, ?, ?, ?, ?)`);
const recordDelivery = db.prepare('UPDATE usage_batches SET delivered_count = ?, delivered_digest = ?, delivered_ids = ? WHERE id = ?');
// The same as deliveredDigest and sortIds of src/domain/integrity/batch-delivery.ts (test/integrity/batch-delivery.test.ts
// holds the digests this thread stores to the TypeScript function).
function deliveredDigest(body_sha256, sorted_ids) {
  const h = createHash('sha256').update(body_sha256);
  for (const id of sorted_ids) h.update('\u0000').update(id);
  return h.digest('hex');
}
const byCodeUnits = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
// A window the incremental checks must look at again (src/service/integrity-checker.ts).
const queueWindow = db.prepare('INSERT INTO check_queue (cluster_id, accelerator_id, day) VALUES (?, ?, ?)');
const DAY_MS = 86_400_000;
const pairDuration = db.prepare('SELECT duration_ms_max FROM usage_pair_stats WHERE cluster_id = ? AND accelerator_id = ?');
const raisePairDuration = db.prepare(`INSERT INTO usage_pair_stats (cluster_id, accelerator_id, duration_ms_max) VALUES (?, ?, ?)
  ON CONFLICT (cluster_id, accelerator_id) DO UPDATE SET duration_ms_max = max(usage_pair_stats.duration_ms_max, excluded.duration_ms_max)`);
const existing = db.prepare(`SELECT record_id, cluster_id, enterprise_id, accelerator_id, count, started_at_ms, ended_at_ms,
  amount_fen, job_ref, workload, energy_wh FROM usage_records WHERE provider_id = ? AND record_id = ?`);
const rollup = db.prepare(`INSERT INTO usage_rollups (provider_id, enterprise_id, accelerator_id, day, records, card_s, compute_gflop, amount_fen)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id, enterprise_id, accelerator_id, day) DO UPDATE SET
  records = usage_rollups.records + excluded.records, card_s = usage_rollups.card_s + excluded.card_s,
  compute_gflop = usage_rollups.compute_gflop + excluded.compute_gflop, amount_fen = usage_rollups.amount_fen + excluded.amount_fen`);

// Rejected records kept for GET /api/v1/usage/rejections (usage-repository.ts keepRejections): a job of their own, sent
// after the batch's records committed. Prepared on first use, so that clean batches never touch them.
let rejectionStatements = null;
function keepRejections(b) {
  rejectionStatements ??= {
    insert: db.prepare(`INSERT INTO usage_rejections (provider_id, received_at_ms, record_index, record_id, code, field, message)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    // the same statement as pruneRejections in usage-repository.ts
    prune: db.prepare(`DELETE FROM usage_rejections WHERE provider_id = ?
      AND id <= (SELECT id FROM usage_rejections WHERE provider_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`),
  };
  for (const r of b.rejections) rejectionStatements.insert.run(b.provider_id, b.received_at_ms, r[0], r[1], r[2], r[3], r[4]);
  rejectionStatements.prune.run(b.provider_id, b.provider_id, workerData.rejections_kept_max);
}

// A row: [record_id, cluster_id, enterprise_id, accelerator, count, started_at_ms, ended_at_ms, amount_fen, job_ref,
//         workload, energy_wh, card_s, compute_gflop (bigint | null), day]
function writeBatch(b) {
  const result = []; // per row: null when inserted, else the stored row
  const sums = new Map();
  const windows = b.queue_checks ? new Set() : null;
  const durations = new Map(); // cluster \u0000 model → the longest accepted record of the batch
  let batch_id = null;
  if (b.signed) {
    const s = b.signed;
    batch_id = Number(insertSignedBatch.run(b.provider_id, s.key_id, s.signature, Buffer.from(s.body.buffer, s.body.byteOffset, s.body.byteLength), s.body_sha256, b.received_at_ms).lastInsertRowid);
  }
  for (const r of b.rows) {
    const info = insert.run(b.provider_id, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], b.received_at_ms, batch_id);
    if (info.changes === 1) {
      result.push(null);
      const pair = `${r[1]}\u0000${r[3]}`;
      const d = r[6] - r[5];
      if (!(durations.get(pair) >= d)) durations.set(pair, d);
      if (windows !== null) {
        const last = Math.floor((r[6] - 1) / DAY_MS);
        for (let d = Math.floor(r[5] / DAY_MS); d <= last; d++) windows.add(`${r[1]}\u0000${r[3]}\u0000${d}`);
      }
      const key = `${r[2]}\u0000${r[3]}\u0000${r[13]}`;
      let s = sums.get(key);
      if (!s) { s = [r[2], r[3], r[13], 0, 0, 0n, 0, 0n]; sums.set(key, s); }
      s[3] += 1; s[4] += r[11]; s[5] += r[12] ?? 0n;
      // The bills in Number arithmetic while the sum is exact, folded into a bigint (s[7]) before it passes 2^53.
      const amount = s[6] + r[7];
      if (Number.isSafeInteger(amount)) s[6] = amount; else { s[7] += BigInt(s[6]); s[6] = r[7]; }
    } else {
      result.push(existing.get(b.provider_id, r[0]));
    }
  }
  // A fixed order of rollup rows, as on PostgreSQL.
  for (const key of [...sums.keys()].sort()) {
    const s = sums.get(key);
    rollup.run(b.provider_id, s[0], s[1], s[2], s[3], s[4], s[5], s[7] === 0n ? s[6] : s[7] + BigInt(s[6]));
  }
  for (const [pair, d] of durations) {
    const [cluster_id, accelerator_id] = pair.split('\u0000');
    const known = pairDuration.get(cluster_id, accelerator_id);
    if (known === undefined || Number(known.duration_ms_max) < d) raisePairDuration.run(cluster_id, accelerator_id, d);
  }
  if (windows !== null) {
    for (const key of [...windows].sort()) {
      const [cluster_id, accelerator_id, day] = key.split('\u0000');
      queueWindow.run(cluster_id, accelerator_id, Number(day));
    }
  }
  if (batch_id !== null) {
    const ids = [];
    for (let i = 0; i < b.rows.length; i++) if (result[i] === null) ids.push(b.rows[i][0]);
    ids.sort(byCodeUnits);
    recordDelivery.run(ids.length, deliveredDigest(b.signed.body_sha256, ids), JSON.stringify(ids), batch_id);
  }
  if (b.rejections) keepRejections(b);
  return result;
}

const single = db.transaction((b) => writeBatch(b));
const group = db.transaction((batches) => batches.map(writeBatch));
const rows_max = workerData.group_rows_max;

let queue = [];
let scheduled = false;
const size = (b) => b.rows.length + (b.rejections ? b.rejections.length : 0);

function flush() {
  let rows = 0;
  let take = 0;
  while (take < queue.length && (take === 0 || rows + size(queue[take]) <= rows_max)) { rows += size(queue[take]); take++; }
  const batches = queue.splice(0, take);
  const one = (b) => {
    try { return { id: b.id, ok: true, result: single.immediate(b) }; } catch (error) { return { id: b.id, ok: false, error: String(error?.message ?? error), code: error?.code ?? null }; }
  };
  let answers;
  if (batches.length === 1) answers = [one(batches[0])];
  else {
    try {
      answers = group.immediate(batches).map((result, i) => ({ id: batches[i].id, ok: true, result }));
    } catch {
      // The whole group rolled back: write each batch again on its own, in order, so that only a failing one fails.
      answers = batches.map(one);
    }
  }
  parentPort.postMessage(answers);
  if (queue.length > 0) setImmediate(flush);
  else scheduled = false;
}

parentPort.on('message', (m) => {
  queue.push(m);
  if (!scheduled) { scheduled = true; setImmediate(flush); }
});
