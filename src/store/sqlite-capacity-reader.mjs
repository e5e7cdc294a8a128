// The SQLite capacity reader, on a worker thread: it reads the next page of a cluster × model's records (the covering
// index usage_records_capacity) while the main thread sweeps the page before, and hands each page over as one
// Float64Array of [seq, count, started_at_ms, ended_at_ms] × rows, transferred, not copied. Plain JavaScript so that it
// runs the same under node, tsx and vitest; it only reads, through its own connection (committed data only).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 60000');
const stmt = db.prepare(workerData.sql).raw(true);

parentPort.on('message', (m) => {
  try {
    const buf = new Float64Array(m.limit * 4);
    let n = 0;
    for (const r of stmt.iterate(m.cluster_id, m.accelerator, m.to_ms, m.from_ms, m.after_start, m.after_start, m.after_seq, m.limit)) {
      const o = n * 4;
      buf[o] = Number(r[0]); buf[o + 1] = Number(r[1]); buf[o + 2] = Number(r[2]); buf[o + 3] = Number(r[3]);
      n++;
    }
    parentPort.postMessage({ id: m.id, ok: true, n, buf }, [buf.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: m.id, ok: false, error: String(error?.message ?? error) });
  }
});
