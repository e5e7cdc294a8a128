// The SQLite capacity reader, on a worker thread (./capacity-records.ts): it reads the next page of a cluster × model's
// records (the covering index usage_records_capacity) while the main thread sweeps the page before, and hands each page
// over as one Float64Array of [seq, count, started_at_ms, ended_at_ms] × rows, transferred, not copied. It only reads,
// through its own connection (committed data only).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { capacity_page_sql, type CapacityReaderConfig, type Page, type PageRequest } from './capacity-records.js';
import { failedAnswer, type WorkerAnswer } from './worker-thread.js';

const config = workerData as CapacityReaderConfig;
const port = parentPort!;
const db = new Database(config.file, { fileMustExist: true });
db.pragma('busy_timeout = 60000');
const stmt = db.prepare(capacity_page_sql).raw(true);

port.on('message', (m: PageRequest) => {
  try {
    const buf = new Float64Array(m.limit * 4);
    let n = 0;
    for (const r of stmt.iterate(m.cluster_id, m.accelerator, m.to_ms, m.from_ms, m.after_start, m.after_start, m.after_seq, m.limit) as Iterable<unknown[]>) {
      const o = n * 4;
      buf[o] = Number(r[0]);
      buf[o + 1] = Number(r[1]);
      buf[o + 2] = Number(r[2]);
      buf[o + 3] = Number(r[3]);
      n++;
    }
    port.postMessage({ id: m.id, ok: true, result: { n, buf } } satisfies WorkerAnswer<Page>, [buf.buffer]);
  } catch (error) {
    port.postMessage(failedAnswer(m.id, error) satisfies WorkerAnswer<Page>);
  }
});
