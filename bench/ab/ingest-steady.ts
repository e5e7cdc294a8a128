// A/B of in-process ingest (bench/ab/run.sh): one untimed batch first (it starts the SQLite writer thread), then N records
// timed, batch by batch; prints the first batch's time and the steady rate as one JSON line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { Store } from '../../src/store/store.js';
import { UsageIngest } from '../../src/ingest/usage-pipeline.js';
import { makeRecords, withParties, createParties } from '../support.js';
const n = Number(process.argv[2] ?? 200000);
const batch = Number(process.argv[3] ?? 10000);
const records = makeRecords(n + batch);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abb-'));
const config = loadConfig({}, { data_dir: dir, log_level: 'silent', sqlite_synchronous: 'FULL' });
const store = Store.open(config);
await store.migrate(Date.now());
const parties = await createParties(store, Date.now());
const mine = withParties(records, parties);
const ingest = new UsageIngest(store, config);
let t0 = performance.now();
await ingest.ingest(parties.provider_id, mine.slice(0, batch), Date.now());
const first = performance.now() - t0;
t0 = performance.now();
for (let i = batch; i < mine.length; i += batch) await ingest.ingest(parties.provider_id, mine.slice(i, i + batch), Date.now());
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ tree: process.cwd(), batch, first_batch_ms: Math.round(first), steady_per_s: Math.round(n / s) }));
await store.close();
fs.rmSync(dir, { recursive: true });
