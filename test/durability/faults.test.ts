// Faults beyond kill -9 (issue 13), while providers keep sending batches to a running `suanli serve`:
// - PostgreSQL restarted under it, by a fast and then an immediate shutdown (a server of the test's own, with
//   synchronous_commit on, so that an acknowledged commit survives its crash);
// - SQLite's disk filling up: the data dir lies on a size-limited tmpfs (mounted by the test; it needs root, as CI
//   runs) that a filler file brings to a few MB free; ingestion then fills it, and removing the filler frees it.
// Clients get 503 database_unavailable with Retry-After (never a 500), re-send what was refused, the server recovers by
// itself (the same process throughout), and at the end every acknowledged record is stored exactly once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { killAllServers, sleep, startServer, type ServerProcess } from './server-process.js';
import { rng, sharedDatabase, tableChecks, testSeed, validRecord, type SharedDatabase, type WireRecord } from './workload.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';

/** Bounds: senders, records per batch, how long the whole run may take, how long a client waits after a 503 at most. */
const senders = 3;
const batch_records = 200;
const run_ms_max = Number(process.env.FAULTS_RUN_MS ?? 150_000);
const retry_wait_ms_max = 500;

interface Batch {
  records: WireRecord[];
  state: 'pending' | 'acked';
  attempts: number;
}

interface Run {
  acked(): number;
  unavailable(): number;
  /** Stops making new batches, re-sends every refused one until it is acknowledged, and ends the senders. */
  finish(): Promise<void>;
  /** The end of the server's output, for a failure's message. */
  output(): string;
  /** Ends the senders at once (a failed test). */
  stop(): Promise<void>;
  problems: string[];
  batches: Batch[];
}

/** Senders that post new batches and re-send refused ones (after min(Retry-After, retry_wait_ms_max)), as a provider would. */
function ingest(server: ServerProcess, key: string, parties: SharedDatabase['parties'], seed: number): Run {
  const batches: Batch[] = [];
  const retry: Batch[] = [];
  const problems: string[] = [];
  let acked = 0;
  let unavailable = 0;
  let making = true;
  let stopped = false;
  let n = 0;
  const send = async () => {
    while (!stopped) {
      const b =
        retry.shift() ??
        (making
          ? (() => {
              const i = n++;
              const random = rng((seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0);
              const fresh: Batch = {
                records: Array.from({ length: batch_records }, (_, j) => validRecord(parties, `f${seed}-${i}-${j}`, random)),
                state: 'pending',
                attempts: 0,
              };
              batches.push(fresh);
              return fresh;
            })()
          : undefined);
      if (b === undefined) {
        if (batches.every((x) => x.state === 'acked')) return;
        await sleep(50);
        continue;
      }
      b.attempts++;
      let res: Response;
      let text: string;
      try {
        res = await fetch(`${server.url}/api/v1/usage`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ records: b.records }),
          signal: AbortSignal.timeout(30_000),
        });
        text = await res.text();
      } catch (error) {
        problems.push(`no answer from the server: ${String(error)}`);
        retry.push(b);
        continue;
      }
      if (res.status === 200) {
        const a = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] };
        if (a.rejected.length !== 0 || a.accepted + a.duplicates !== b.records.length)
          problems.push(`answer ${text.slice(0, 200)} for ${b.records.length} records`);
        if (b.attempts === 1 && a.duplicates !== 0) problems.push(`a first send found ${a.duplicates} duplicates`);
        b.state = 'acked';
        acked += b.records.length;
      } else if (res.status === 503) {
        unavailable++;
        const body = JSON.parse(text) as { error: { code: string } };
        const after = Number(res.headers.get('retry-after'));
        if (body.error.code !== 'database_unavailable' || !(after >= 1))
          problems.push(`503 without database_unavailable and Retry-After: ${text.slice(0, 200)}`);
        retry.push(b);
        await sleep(Math.min(after * 1000, retry_wait_ms_max));
      } else {
        problems.push(`${res.status}: ${text.slice(0, 300)}`);
        retry.push(b);
        await sleep(retry_wait_ms_max);
      }
    }
  };
  const running = Array.from({ length: senders }, () => send());
  const output = () => server.output().slice(-2000);
  return {
    acked: () => acked,
    unavailable: () => unavailable,
    problems,
    batches,
    output,
    finish: async () => {
      making = false;
      await Promise.all(running);
    },
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

async function waitFor(what: string, done: () => boolean, deadline_ms: number, run?: Run): Promise<void> {
  while (!done()) {
    if (Date.now() > deadline_ms) {
      await run?.stop();
      throw new Error(
        `timed out waiting until ${what}${run === undefined ? '' : `; ${run.acked()} acknowledged, problems: ${run.problems.slice(0, 3).join(' | ')}; server output: ${run.output()}`}`,
      );
    }
    await sleep(50);
  }
}

/** Every acknowledged record once, nothing else, rollups agreeing with rows — straight from the tables. */
async function checkStored(shared: SharedDatabase, run: Run): Promise<void> {
  const store = shared.open();
  try {
    const t = await tableChecks(store, shared.parties.provider_id);
    expect(t.repeated).toBe(0);
    expect(t.rows).toBe(run.batches.reduce((s, b) => s + b.records.length, 0));
    expect({ records: t.rollup_records, amount_fen: t.rollup_amount_fen }).toEqual({ records: String(t.rows), amount_fen: t.rows_amount_fen });
  } finally {
    await store.close();
  }
}

const no_postgres = inject('postgresUrl') === null;
describe.skipIf(no_postgres)('PostgreSQL restarted under ingestion (fast, then immediate shutdown)', () => {
  let pg: PostgresServer | null = null;
  let shared: SharedDatabase | null = null;
  afterAll(async () => {
    killAllServers();
    await shared?.dispose();
    await pg?.stop();
  });

  it(
    'answers 503 with Retry-After while it is down, recovers by itself, and loses or doubles nothing',
    async () => {
      const deadline = Date.now() + run_ms_max;
      pg = await startPostgres({ durable: true });
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only checks that the method is there
      expect(pg.restart, 'a server of our own').toBeDefined();
      shared = await sharedDatabase('postgres', 'faults-pg', { admin_url: pg.url });
      const server = await startServer(shared.settings);
      const run = ingest(server, shared.parties.provider_key, shared.parties, testSeed('faults postgres'));
      const restarts: string[] = [];
      for (const mode of ['fast', 'immediate'] as const) {
        const before = run.acked();
        await waitFor('batches are acknowledged', () => run.acked() >= before + 4 * batch_records, deadline, run);
        const t0 = Date.now();
        await pg.restart!(mode);
        restarts.push(`${mode} ${Date.now() - t0} ms`);
      }
      const after = run.acked();
      await waitFor('ingestion goes on after the restarts', () => run.acked() >= after + 4 * batch_records, deadline, run);
      await run.finish();
      console.log(
        `[faults postgres] restarts: ${restarts.join(', ')}; ${run.acked()} records acknowledged, ${run.unavailable()} answers 503; ${run.batches.length} batches`,
      );
      expect(run.problems, run.output()).toEqual([]);
      expect(run.unavailable(), 'some batch should have met the database down').toBeGreaterThan(0);
      // the same process, healthy
      expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
      await server.stop();
      await checkStored(shared, run);
    },
    run_ms_max + 60_000,
  );
});

/** Can this process mount a tmpfs (root, and a kernel that lets it)? */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const mountable = canMount();
describe.skipIf(!mountable)(
  `SQLite's disk full under ingestion${mountable ? '' : ' — skipped: this machine cannot mount a tmpfs (root and CAP_SYS_ADMIN needed)'}`,
  () => {
    const mount_point = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-small-disk-'));
    let mounted = false;
    let shared: SharedDatabase | null = null;
    afterAll(async () => {
      killAllServers();
      await shared?.dispose();
      if (mounted) execFileSync('umount', [mount_point], { stdio: 'ignore' });
      fs.rmSync(mount_point, { recursive: true, force: true });
    });

    it(
      'answers 503 with Retry-After while the disk is full, recovers by itself once space is freed, and loses or doubles nothing',
      async () => {
        const deadline = Date.now() + run_ms_max;
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mount_point]);
        mounted = true;
        const data_dir = path.join(mount_point, 'data');
        fs.mkdirSync(data_dir);
        shared = await sharedDatabase('sqlite', 'faults-disk', { data_dir });
        const server = await startServer(shared.settings);
        // leave about 6 MB free: a filler file takes the rest
        const free = () => {
          const s = fs.statfsSync(mount_point);
          return s.bavail * s.bsize;
        };
        const filler = path.join(mount_point, 'filler');
        const fd = fs.openSync(filler, 'w');
        const chunk = Buffer.alloc(1024 * 1024, 1);
        while (free() > 6 * 1024 * 1024) fs.writeSync(fd, chunk);
        fs.closeSync(fd);
        const run = ingest(server, shared.parties.provider_key, shared.parties, testSeed('faults sqlite disk'));
        await waitFor('the disk is full (a 503)', () => run.unavailable() > 0, deadline, run);
        const full_at = run.acked();
        await sleep(1000); // full for a while: every sender meets it
        fs.rmSync(filler);
        await waitFor('ingestion goes on after space is freed', () => run.acked() >= full_at + 4 * batch_records, deadline, run);
        await run.finish();
        console.log(
          `[faults sqlite] disk full after ${full_at} records; ${run.acked()} acknowledged in all, ${run.unavailable()} answers 503; ${run.batches.length} batches`,
        );
        expect(run.problems, run.output()).toEqual([]);
        expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
        await server.stop();
        await checkStored(shared, run);
      },
      run_ms_max + 60_000,
    );
  },
);
