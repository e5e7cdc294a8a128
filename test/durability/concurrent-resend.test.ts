// Idempotency under concurrency: providers re-send overlapping batches at the same moment — through one process
// (inject, and a listening server hit by several fetch loops) and through several `suanli serve` processes sharing
// one database. Afterwards every record id is stored exactly once, the answers add up (the accepted sum to the
// distinct ids; accepted + duplicates + rejected to the records sent), and the daily rollups equal the row sums.
import type { UsageCursor } from '../../src/store/usage/records.js';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/context.js';
import type { Store } from '../../src/store/store.js';
import { describeEachEngine, type EngineDb } from '../support/engines.js';
import { createParties, testApi, type Parties } from '../support/api.js';
import { killAllServers, startServer, type ServerProcess } from './server-process.js';
import {
  invalidRecord,
  listAllOverHttp,
  pick,
  postUsage,
  rng,
  sharedDatabase,
  summaryFromRows,
  summaryNumbers,
  summaryOverHttp,
  tableChecks,
  testSeed,
  validRecord,
  type IngestAnswer,
  type PostResult,
  type SharedDatabase,
  type Summary,
  type WireRecord,
} from './workload.js';

interface Workload {
  batches: WireRecord[][];
  /** valid record ids that occur in some batch */
  distinct: Set<string>;
  invalid: Set<string>;
  records_sent: number;
}

/**
 * batches_n batches of batch_records records drawn (without repetition inside a batch) from a pool of pool_ids valid
 * records, so batches overlap heavily; each batch also carries invalid_per_batch records of its own that are rejected.
 */
function overlappingBatches(
  p: Parties,
  prefix: string,
  seed: number,
  o: { pool_ids: number; batches_n: number; batch_records: number; invalid_per_batch: number },
): Workload {
  const random = rng(seed);
  const pool = Array.from({ length: o.pool_ids }, (_, i) => validRecord(p, `${prefix}-${i}`, random));
  const distinct = new Set<string>();
  const invalid = new Set<string>();
  const batches: WireRecord[][] = [];
  for (let b = 0; b < o.batches_n; b++) {
    const order = pool.map((_, i) => i);
    for (let i = 0; i < o.batch_records; i++) {
      // partial Fisher–Yates: the first batch_records are a random sample
      const j = i + pick(random, order.length - i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const records = order.slice(0, o.batch_records).map((i) => pool[i]!);
    for (const r of records) distinct.add(r.record_id);
    for (let k = 0; k < o.invalid_per_batch; k++) {
      const bad = invalidRecord(p, `${prefix}-bad-${b}-${k}`);
      invalid.add(bad.record_id);
      records.splice(pick(random, records.length + 1), 0, bad);
    }
    batches.push(records);
  }
  return { batches, distinct, invalid, records_sent: batches.reduce((s, b) => s + b.length, 0) };
}

/** Each answer accounts for its own batch; together the accepted count every distinct id once. */
function checkAnswers(w: Workload, sent: { batch: number; answer: IngestAnswer }[], resends_of_all: number) {
  for (const { batch, answer } of sent) {
    const records = w.batches[batch]!;
    expect(answer.accepted + answer.duplicates + answer.rejected.length).toBe(records.length);
    expect(answer.rejected.every((r) => r.code === 'count_exceeds_inventory' && w.invalid.has(r.record_id!))).toBe(true);
    expect(answer.rejected.length).toBe(records.filter((r) => w.invalid.has(r.record_id)).length);
  }
  const total = sent.reduce(
    (t, s) => ({
      accepted: t.accepted + s.answer.accepted,
      duplicates: t.duplicates + s.answer.duplicates,
      rejected: t.rejected + s.answer.rejected.length,
    }),
    { accepted: 0, duplicates: 0, rejected: 0 },
  );
  expect(total.accepted).toBe(w.distinct.size);
  expect(total.accepted + total.duplicates + total.rejected).toBe(w.records_sent * resends_of_all);
  return total;
}

/** All rows of a provider straight from the store, in commit order (bounded paging). */
async function storedRows(store: Store, provider_id: string) {
  const out: { record_id: string; started_at: string; amount_fen: number }[] = [];
  let after: UsageCursor | undefined;
  for (let page = 0; page < 1000; page++) {
    const rows = await store.usage.list({ provider_id, ...(after === undefined ? {} : { after }) }, 1000);
    out.push(...rows.map((r) => ({ record_id: r.record_id, started_at: new Date(r.started_at_ms).toISOString(), amount_fen: r.amount_fen })));
    if (rows.length < 1000) return out;
    const last = rows[rows.length - 1]!;
    after = { xid: last.xid, seq: last.seq };
  }
  throw new Error('too many rows');
}

/** Stored exactly once each, nothing else stored, and the rollups (summary) equal the row sums. */
async function checkStored(store: Store, provider_id: string, w: Workload, summary: () => Promise<Summary>) {
  const rows = await storedRows(store, provider_id);
  expect(rows.length).toBe(w.distinct.size);
  expect(new Set(rows.map((r) => r.record_id))).toEqual(w.distinct);
  const t = await tableChecks(store, provider_id);
  expect(t.repeated).toBe(0);
  expect(t.rows).toBe(w.distinct.size);
  expect({ records: t.rollup_records, amount_fen: t.rollup_amount_fen }).toEqual({ records: String(t.rows), amount_fen: t.rows_amount_fen });
  expect(summaryNumbers(await summary())).toEqual(summaryFromRows(rows));
}

const in_process = { pool_ids: 2000, batches_n: 20, batch_records: 500, invalid_per_batch: 2 };

describeEachEngine('concurrent overlapping re-sends in one process', (db: () => EngineDb) => {
  let app: App | null = null;
  afterAll(async () => {
    await app?.close();
  });

  it('inject: 20 batches of 500 from a pool of 2,000 ids, all at once, twice over', async () => {
    const api = await testApi(db());
    const p = await createParties(api, 'inject');
    const seed = testSeed(`concurrent inject ${db().engine}`);
    const w = overlappingBatches(p, `inj${seed}`, seed, in_process);
    const send = () =>
      Promise.all(
        w.batches.map(async (records, batch) => {
          const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
          expect(res.statusCode, res.body).toBe(200);
          return { batch, answer: res.json() as IngestAnswer };
        }),
      );
    // Twice the same 20 batches in one burst: 40 requests racing for the same 2,000 ids.
    const sent = (await Promise.all([send(), send()])).flat();
    const total = checkAnswers(w, sent, 2);
    expect(total.duplicates).toBe(2 * in_process.batches_n * in_process.batch_records - w.distinct.size);
    await checkStored(db().store, p.provider_id, w, async () => {
      const res = await api.call('GET', `/api/v1/usage/summary?group_by=day&provider_id=${p.provider_id}`);
      return res.json() as Summary;
    });
    await api.app.close();
  }, 60_000);

  it('a listening server on 127.0.0.1:0, hit by 4 concurrent fetch loops sending every batch twice', async () => {
    const setup = await testApi(db());
    const p = await createParties(setup, 'listen');
    await setup.app.close();
    app = await buildApp({ config: db().config, store: db().store, logger: false });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const seed = testSeed(`concurrent listen ${db().engine}`);
    const w = overlappingBatches(p, `lis${seed}`, seed, in_process);
    // every batch twice, shuffled, so that the two sends of one batch usually run in different loops at once
    const random = rng(seed ^ 0x5bd1e995);
    const queue = [...w.batches.keys(), ...w.batches.keys()];
    for (let i = queue.length - 1; i > 0; i--) {
      const j = pick(random, i + 1);
      [queue[i], queue[j]] = [queue[j]!, queue[i]!];
    }
    const sent: { batch: number; answer: IngestAnswer }[] = [];
    const failures: string[] = [];
    const loop = async () => {
      for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
        const res = await postUsage(address, p.provider_key, w.batches[batch]!);
        if (res.ok) sent.push({ batch, answer: res.body });
        else failures.push(`batch ${batch}: ${res.status} ${res.error}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => loop()));
    expect(failures).toEqual([]);
    checkAnswers(w, sent, 2);
    await checkStored(db().store, p.provider_id, w, () => summaryOverHttp(address, p.provider_id));
  }, 60_000);
});

const multi_process = { pool_ids: 3000, batches_n: 24, batch_records: 500, invalid_per_batch: 3 };
const servers_n = 3;

for (const engine of ['postgres', 'sqlite'] as const) {
  const unavailable = engine === 'postgres' && inject('postgresUrl') === null;
  describe.skipIf(unavailable)(
    `concurrent overlapping re-sends to ${servers_n} suanli serve processes on one database [${engine}]${unavailable ? ' — skipped: PostgreSQL is not available' : ''}`,
    () => {
      let shared: SharedDatabase | null = null;
      afterAll(async () => {
        killAllServers();
        await shared?.dispose();
      });

      it('each batch is sent to two processes at once; every id is stored once and the rollups agree', async () => {
        shared = await sharedDatabase(engine, `multi-${engine}`);
        const p = shared.parties;
        const settings = shared.settings;
        const servers: ServerProcess[] = await Promise.all(Array.from({ length: servers_n }, () => startServer(settings)));
        const seed = testSeed(`concurrent ${servers_n} processes ${engine}`);
        const w = overlappingBatches(p, `mp${seed}`, seed, multi_process);
        // Every batch to two different processes; 12 loops keep all three busy at once.
        const random = rng(seed ^ 0x27d4eb2d);
        const jobs = w.batches.flatMap((_, b) => [
          { batch: b, server: b % servers_n },
          { batch: b, server: (b + 1) % servers_n },
        ]);
        for (let i = jobs.length - 1; i > 0; i--) {
          const j = pick(random, i + 1);
          [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
        }
        const sent: { batch: number; answer: IngestAnswer }[] = [];
        const failures: string[] = [];
        const loop = async () => {
          for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) {
            const res: PostResult = await postUsage(servers[job.server]!.url, p.provider_key, w.batches[job.batch]!);
            if (res.ok) sent.push({ batch: job.batch, answer: res.body });
            else failures.push(`batch ${job.batch} on process ${job.server}: ${res.status} ${res.error}`);
          }
        };
        await Promise.all(Array.from({ length: 12 }, () => loop()));
        expect(failures, servers.map((s) => s.output()).join('\n---\n')).toEqual([]);
        const total = checkAnswers(w, sent, 2);
        // Every process lists the same rows and reports the same rollups.
        for (const s of servers) {
          const listed = await listAllOverHttp(s.url, p.provider_id);
          expect(listed.length).toBe(w.distinct.size);
          expect(summaryNumbers(await summaryOverHttp(s.url, p.provider_id))).toEqual(summaryFromRows(listed));
        }
        await Promise.all(servers.map((s) => s.stop()));
        const store = shared.open();
        try {
          await checkStored(store, p.provider_id, w, async () => {
            const rows = await store.usage.summary('day', { provider_id: p.provider_id });
            return {
              items: rows.map((r) => ({ key: r.key, records: r.records, amount_fen: r.amount_fen.toString() })),
              totals: { records: rows.reduce((s, r) => s + r.records, 0), amount_fen: rows.reduce((s, r) => s + r.amount_fen, 0n).toString() },
            };
          });
        } finally {
          await store.close();
        }
        console.log(
          `[concurrent ${servers_n} processes ${engine}] seed ${seed}: ${sent.length} answers, ${total.accepted} accepted ` +
            `(= ${w.distinct.size} distinct ids), ${total.duplicates} duplicates, ${total.rejected} rejected of ${2 * w.records_sent} sent`,
        );
      }, 60_000);
    },
  );
}
