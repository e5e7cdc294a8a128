// An answer means durable: `suanli serve` is SIGKILLed at random moments while providers' batches are in flight,
// restarted on the same data, and afterwards every acknowledged record is there exactly once, every batch is
// all-or-nothing, and the daily rollups agree with the rows. SQLite (the default) and PostgreSQL.
// DURABILITY_SEED=n replays the same workload and kill delays (the seed is printed).
import { afterAll, describe, expect, inject, it } from 'vitest';
import { killAllServers, startServer, sleep, type ServerProcess } from './server-process.js';
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
  type SharedDatabase,
  type WireRecord,
} from './workload.js';

/**
 * Bounds: kills per engine (25 on each of the two engines: at least 50 in all, docs/performance.md; DURABILITY_KILLS=n
 * for a longer or shorter run), concurrent senders, records per batch, the kill delay after the senders start.
 */
const rounds =
  process.env.DURABILITY_KILLS !== undefined && /^\d+$/.test(process.env.DURABILITY_KILLS) ? Math.max(1, Number(process.env.DURABILITY_KILLS)) : 25;
const senders = 4;
const batch_records_max = 300;
const kill_delay_ms_min = 50;
const kill_delay_ms_max = 400;

interface Batch {
  n: number;
  records: WireRecord[];
  valid_ids: string[];
  invalid_ids: string[];
  /** new: never sent; unknown: sent, no answer (killed in flight); acked: a 200 answer came back. */
  state: 'new' | 'unknown' | 'acked';
  attempts: number;
}

for (const engine of ['sqlite', 'postgres'] as const) {
  const unavailable = engine === 'postgres' && inject('postgresUrl') === null;
  describe.skipIf(unavailable)(`kill -9 during ingest [${engine}]${unavailable ? ' — skipped: PostgreSQL is not available' : ''}`, () => {
    let shared: SharedDatabase | null = null;
    let server: ServerProcess | null = null;
    afterAll(async () => {
      killAllServers();
      await shared?.dispose();
    });

    it(
      `keeps every acknowledged record exactly once across ${rounds} SIGKILLs; batches are all-or-nothing; rollups agree`,
      async () => {
        const started_ms = Date.now();
        shared = await sharedDatabase(engine, `kill-${engine}`);
        const { parties: p } = shared;
        const seed = testSeed(`kill-during-ingest ${engine}`);
        const random = rng(seed);

        const batches: Batch[] = [];
        const newBatch = (): Batch => {
          const n = batches.length;
          // A batch's content depends on (seed, n) only, not on which sender happened to draw it.
          const r = rng((seed + Math.imul(n + 1, 0x9e3779b1)) >>> 0);
          const size = 1 + pick(r, batch_records_max);
          const b: Batch = { n, records: [], valid_ids: [], invalid_ids: [], state: 'new', attempts: 0 };
          for (let i = 0; i < size; i++) {
            const id = `s${seed}-b${n}-r${i}`;
            if (i > 0 && r() < 0.02) {
              b.records.push(invalidRecord(p, id));
              b.invalid_ids.push(id);
            } else {
              b.records.push(validRecord(p, id, r));
              b.valid_ids.push(id);
            }
          }
          batches.push(b);
          return b;
        };

        const problems: string[] = [];
        /** Re-sends that found their batch already stored: committed, then killed before the answer went out. */
        let committed_unanswered = 0;
        /** A 200 answer must account for every record; a re-send of an unanswered batch finds it wholly stored or not at all. */
        const checkAnswer = (b: Batch, a: IngestAnswer, retry: boolean) => {
          const rejected = a.rejected.map((x) => x.record_id).sort();
          if (a.accepted + a.duplicates + a.rejected.length !== b.records.length)
            problems.push(`batch ${b.n}: answer ${JSON.stringify({ ...a, rejected: a.rejected.length })} for ${b.records.length} records`);
          if (JSON.stringify(rejected) !== JSON.stringify([...b.invalid_ids].sort()) || a.rejected.some((x) => x.code !== 'count_exceeds_inventory')) {
            problems.push(`batch ${b.n}: rejected ${JSON.stringify(a.rejected.slice(0, 5))}, expected ${b.invalid_ids.length} count_exceeds_inventory`);
          }
          const whole = a.accepted === b.valid_ids.length && a.duplicates === 0;
          const already = retry && a.accepted === 0 && a.duplicates === b.valid_ids.length;
          if (already) committed_unanswered++;
          if (!whole && !already)
            problems.push(
              `batch ${b.n} (attempt ${b.attempts}): accepted ${a.accepted}, duplicates ${a.duplicates} of ${b.valid_ids.length} valid — partially stored before`,
            );
        };

        let kills = 0;
        let interrupted = 0;
        let retried = 0;
        for (let round = 0; round < rounds; round++) {
          server = await startServer(shared.settings);
          const url = server.url;
          // The client retries what got no answer, as a provider would.
          const retry = batches.filter((b) => b.state === 'unknown');
          let stopping = false;
          const loop = async () => {
            while (!stopping) {
              const b = retry.shift() ?? newBatch();
              const is_retry = b.state === 'unknown';
              b.attempts++;
              const res = await postUsage(url, p.provider_key, b.records);
              if (res.ok) {
                checkAnswer(b, res.body, is_retry);
                if (is_retry) retried++;
                b.state = 'acked';
              } else {
                if (b.state === 'new') b.state = 'unknown';
                if (stopping) interrupted++;
                else problems.push(`round ${round}, batch ${b.n}: no answer while the server was up: ${res.status} ${res.error}`);
              }
            }
          };
          const loops = Array.from({ length: senders }, () => loop());
          await sleep(kill_delay_ms_min + pick(random, kill_delay_ms_max - kill_delay_ms_min + 1));
          stopping = true;
          await server.kill();
          kills++;
          await Promise.all(loops);
          expect(problems, server.output()).toEqual([]);
        }

        // After the last kill: a fresh process on the same data, before anything is re-sent.
        server = await startServer(shared.settings);
        const verify = async (label: string) => {
          const listed = await listAllOverHttp(server!.url, p.provider_id);
          const count = new Map<string, number>();
          for (const r of listed) count.set(r.record_id, (count.get(r.record_id) ?? 0) + 1);
          const twice = [...count].filter(([, n]) => n > 1).map(([id]) => id);
          expect(twice, `${label}: stored more than once`).toEqual([]);
          const sent = new Map<string, WireRecord>();
          const invalid = new Set<string>();
          for (const b of batches) {
            for (const r of b.records) sent.set(r.record_id, r);
            for (const id of b.invalid_ids) invalid.add(id);
          }
          const strangers = listed.filter((r) => !sent.has(r.record_id) || invalid.has(r.record_id)).map((r) => r.record_id);
          expect(strangers, `${label}: stored but never sent, or invalid`).toEqual([]);
          const altered = listed.filter((r) => r.amount_fen !== sent.get(r.record_id)!.amount_fen || r.started_at !== sent.get(r.record_id)!.started_at);
          expect(
            altered.map((r) => r.record_id),
            `${label}: stored with other content`,
          ).toEqual([]);
          let acked_records = 0;
          let unknown_present = 0;
          const lost: string[] = [];
          const partial: string[] = [];
          for (const b of batches) {
            const present = b.valid_ids.filter((id) => count.has(id)).length;
            if (b.state === 'acked') {
              acked_records += b.valid_ids.length;
              if (present !== b.valid_ids.length)
                lost.push(`batch ${b.n}: ${b.valid_ids.length - present} of ${b.valid_ids.length} acknowledged records missing`);
            } else if (b.state === 'unknown') {
              if (present !== 0 && present !== b.valid_ids.length) partial.push(`batch ${b.n}: ${present} of ${b.valid_ids.length} stored`);
              if (present > 0) unknown_present++;
            }
          }
          expect(lost, `${label}: acknowledged records lost`).toEqual([]);
          expect(partial, `${label}: batches partially stored`).toEqual([]);
          expect(summaryNumbers(await summaryOverHttp(server!.url, p.provider_id)), `${label}: rollups against rows`).toEqual(summaryFromRows(listed));
          return { listed: listed.length, acked_records, unknown_present };
        };

        const after_kills = await verify('after the kills');
        const unknown = batches.filter((b) => b.state === 'unknown');
        // Now re-send what never got an answer: each is found whole or not at all, and then everything is there.
        for (const b of unknown) {
          b.attempts++;
          const res = await postUsage(server.url, p.provider_key, b.records);
          expect(res.ok, res.ok ? '' : `${res.status} ${res.error}`).toBe(true);
          if (res.ok) checkAnswer(b, res.body, true);
          b.state = 'acked';
        }
        expect(problems).toEqual([]);
        const after_resend = await verify('after re-sending the unanswered batches');
        expect(after_resend.listed).toBe(batches.reduce((s, b) => s + (b.state === 'new' ? 0 : b.valid_ids.length), 0));

        // Straight from the tables, with the server stopped cleanly: no (provider_id, record_id) twice, rollups = rows.
        await server.stop();
        const store = shared.open();
        try {
          const t = await tableChecks(store, p.provider_id);
          expect(t.repeated).toBe(0);
          expect(t.rows).toBe(after_resend.listed);
          expect({ records: t.rollup_records, amount_fen: t.rollup_amount_fen }).toEqual({ records: String(t.rows), amount_fen: t.rows_amount_fen });
        } finally {
          await store.close();
        }
        expect(kills).toBe(rounds);
        expect(interrupted, 'the kills should catch requests in flight').toBeGreaterThan(0);
        console.log(
          `[kill-during-ingest ${engine}] seed ${seed}: ${kills} SIGKILLs, ${interrupted} requests cut off, ` +
            `${batches.length} batches; after the kills ${after_kills.acked_records} acknowledged records checked ` +
            `(${after_kills.listed} stored; ${unknown.length} unanswered batches, ${after_kills.unknown_present} of them stored whole); ` +
            `${retried + unknown.length} re-sends found all-or-nothing (${committed_unanswered} committed before the kill but unanswered); ${after_resend.listed} records at the end; ${Date.now() - started_ms} ms`,
        );
      },
      120_000 + rounds * 20_000,
    );
  });
}
