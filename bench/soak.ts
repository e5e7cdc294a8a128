// The soak test (`npm run soak [-- OPTIONS]`): a few minutes of mixed traffic against a real `suanli serve` on
// loopback: providers ingesting batches, enterprises reading summaries and paging their usage, and slow clients
// (a body trickled a few bytes a second, headers sent then nothing, headers trickled). It asserts no errors, every
// accepted record stored, no stall and a flat resident set; prints the figures and writes them as JSON under
// .bench-tmp/results/. Bounded: it stops at --duration, always stops the server and removes its directories
// (also on Ctrl-C). Not part of `npm test`.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../src/config.js';
import { operator_actor } from '../src/store/audit-repository.js';
import { hashApiKey, Store } from '../src/store/store.js';
import { createDatabase, startPostgres, type PostgresServer } from '../test/support/postgres.js';
import {
  cpuSecondsOf,
  creditCode,
  enterprise_count,
  fmtInt,
  freshDir,
  inventory_from_ms,
  machineFacts,
  makeRecordFactory,
  models,
  removeDir,
  startServer,
  suanliCommand,
  table,
  tmp_root,
  type WireRecord,
} from './support.js';

type Engine = 'sqlite' | 'postgres';

interface SoakOptions {
  duration_s: number;
  providers: number;
  enterprises: number;
  engine: Engine;
  /** records per POST */
  batch: number;
  /** records/s per provider; 0: as fast as the server answers */
  rate: number;
  /** pause of each enterprise between two reads, ms */
  think_ms: number;
  /** seconds between two samples of the server's RSS and health latency */
  sample_s: number;
}

const help = [
  'usage: npm run soak -- [OPTIONS]',
  '',
  '  --duration SECONDS   how long the traffic runs (default 180)',
  '  --providers N        concurrent ingesting providers, one keep-alive client each (default 3)',
  '  --enterprises N      concurrent enterprises reading summaries and paging usage (default 5)',
  '  --engine E           sqlite | postgres (default sqlite; postgres: a throwaway server from the system binaries)',
  '  --batch N            records per POST /api/v1/usage (default 500)',
  '  --rate N             records/s per provider (default 0: as fast as the server answers)',
  '  --think MS           pause of each enterprise between two reads (default 20)',
  '  --sample SECONDS     interval of the RSS and health samples (default 2)',
  '',
  'SUANLI_* variables of the environment are passed on to the server (e.g. SUANLI_INCREMENTAL_CHECKS=off).',
].join('\n');

function parseOptions(argv: readonly string[]): SoakOptions {
  const o: SoakOptions = { duration_s: 180, providers: 3, enterprises: 5, engine: 'sqlite', batch: 500, rate: 0, think_ms: 20, sample_s: 2 };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = v === undefined ? NaN : Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number ≥ ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--duration':
        o.duration_s = num(flag, value(), 1);
        break;
      case '--providers':
        o.providers = Math.floor(num(flag, value(), 1));
        break;
      case '--enterprises':
        o.enterprises = Math.floor(num(flag, value(), 1));
        break;
      case '--batch':
        o.batch = Math.floor(num(flag, value(), 1));
        break;
      case '--rate':
        o.rate = num(flag, value(), 0);
        break;
      case '--think':
        o.think_ms = num(flag, value(), 0);
        break;
      case '--sample':
        o.sample_s = num(flag, value(), 0.1);
        break;
      case '--engine': {
        const e = value();
        if (e !== 'sqlite' && e !== 'postgres') throw new Error(`--engine: sqlite or postgres, got ${e ?? 'nothing'}`);
        o.engine = e;
        break;
      }
      case '--help':
      case '-h':
        console.log(help);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// The parties: providers (a cluster and a key each), enterprises (a key each), and one provider for the slow client,
// so that what the slow client delivers (or not) is counted apart from the well-behaved providers.

interface ProviderParty {
  id: string;
  cluster_id: string;
  key: string;
}
interface EnterpriseParty {
  id: string;
  key: string;
}
/** `enterprises`: all of them; the first --enterprises read (the others only receive records). */
interface SoakParties {
  providers: ProviderParty[];
  slow: ProviderParty;
  enterprises: EnterpriseParty[];
}

// Each enterprise rents from one provider (enterprise j from provider j mod P) and every provider numbers its own
// jobs: the synthetic streams then hold no job billed twice, which the incremental duplicate checks would rightly
// report by the thousand. A provider streams about 20,000 records a day of the window (2,000,000 over Aug–Oct, see stream_n): some 18,000
// cards busy on average, so each cluster has 32,768 of each model, and the incremental checks, which run all along,
// sweep realistic (mostly unremarkable) windows instead of drowning in capacity overruns.
const cluster_cards = 32_768;
const stream_n = 2_000_000;

const newKey = (tag: string) => `sk_soak_${tag}_${randomBytes(20).toString('hex')}`;

async function createSoakParties(store: Store, o: SoakOptions): Promise<SoakParties> {
  const now = Date.now();
  const enterprises: EnterpriseParty[] = [];
  const total = Math.max(enterprise_count, o.enterprises, o.providers);
  for (let i = 0; i < total; i++) {
    const e = await store.organizations.create(
      { kind: 'enterprise', name: `Soak AI Lab ${i}`, credit_code: creditCode(5171 + i * 7919), region: '310000', sector: 'large_models', size: 'small' },
      operator_actor,
      now,
    );
    if (!e) throw new Error(`could not create enterprise ${i}`);
    const key = newKey('e');
    await store.apiKeys.create(
      { org_id: e.id, role: 'enterprise', label: 'soak', key_hash: hashApiKey(key), key_prefix: key.slice(0, 6) },
      operator_actor,
      now,
    );
    enterprises.push({ id: e.id, key });
  }
  const provider = async (name: string): Promise<ProviderParty> => {
    const p = await store.organizations.create({ kind: 'provider', name, region: '310000' }, operator_actor, now);
    if (!p) throw new Error(`could not create provider ${name}`);
    const cluster = await store.clusters.create(
      {
        provider_id: p.id,
        name: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-c1`,
        region: '310000',
        inventory: models.map((m) => ({ accelerator: m.id, count: cluster_cards, valid_from_ms: inventory_from_ms, valid_to_ms: null })),
      },
      operator_actor,
      now,
    );
    if (!cluster) throw new Error(`could not create the cluster of ${name}`);
    const key = newKey('p');
    await store.apiKeys.create({ org_id: p.id, role: 'provider', label: 'soak', key_hash: hashApiKey(key), key_prefix: key.slice(0, 6) }, operator_actor, now);
    return { id: p.id, cluster_id: cluster.id, key };
  };
  const providers: ProviderParty[] = [];
  for (let i = 0; i < o.providers; i++) providers.push(await provider(`Soak Compute ${i}`));
  const slow = await provider('Soak Slow Link');
  return { providers, slow, enterprises };
}

// ---------------------------------------------------------------------------------------------------------------
// The server: `suanli serve` on 127.0.0.1 as bench/support.ts startServer starts it, but in its own process group
// (a Ctrl-C reaches only the soak, which then stops the server itself) and with its warnings and errors kept: a
// failed background integrity check, for one, is logged and never reaches a client.

interface SoakServer {
  url: string;
  pid: number;
  log_lines: LogLine[];
  stop(): Promise<void>;
}
interface LogLine {
  at_s: number;
  level: number;
  msg: string;
  err: string | null;
  line: string;
}

async function startSoakServer(env: Record<string, string>, t0: () => number): Promise<SoakServer> {
  const log_lines: LogLine[] = [];
  let partial = '';
  const onOutput = (text: string) => {
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue; // the "listening at" banner
      try {
        const j = JSON.parse(line) as { level?: number; msg?: string; err?: { code?: string; message?: string } };
        if ((j.level ?? 0) >= 40) {
          log_lines.push({
            at_s: t0(),
            level: j.level ?? 0,
            msg: j.msg ?? '',
            err: j.err ? `${j.err.code ?? ''} ${j.err.message ?? ''}`.trim() : null,
            line: line.slice(0, 2000),
          });
        }
      } catch {
        log_lines.push({ at_s: t0(), level: 50, msg: 'unparsed output', err: null, line: line.slice(0, 2000) });
      }
    }
  };
  const server = await startServer({ SUANLI_LOG_LEVEL: 'warn', ...env }, { detached: true, onOutput });
  return { ...server, log_lines };
}

function memoryOf(pid: number): { rss_kb: number; anon_kb: number; file_kb: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rss_kb: kb('VmRSS'), anon_kb: kb('RssAnon'), file_kb: kb('RssFile') };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Slow clients: raw sockets, so that nothing buffers or times out on our side.

interface SlowOutcome {
  name: string;
  behaviour: string;
  bytes_planned: number;
  bytes_sent: number;
  started_s: number;
  ended_s: number | null;
  /** 'answered' | 'closed by the server' | 'socket error' | 'still open at the end (closed by the soak)' */
  outcome: string;
  status: number | null;
  answer: string | null;
}

interface SlowClient {
  done: Promise<SlowOutcome>;
  abort(): void;
}

/**
 * Sends `head` and `body`; `trickle` says which part goes out `chunk` bytes at a time, one chunk every `interval_ms`
 * ('head': the request line at once, then the header lines; 'body': the whole head at once; 'stall': the head at
 * once and then nothing).
 */
function slowClient(
  name: string,
  behaviour: string,
  port: number,
  head: string,
  body: Buffer,
  trickle: 'head' | 'body' | 'stall',
  chunk: number,
  interval_ms: number,
  now_s: () => number,
): SlowClient {
  const head_bytes = Buffer.from(head, 'latin1');
  const all = Buffer.concat([head_bytes, body]);
  const out: SlowOutcome = {
    name,
    behaviour,
    bytes_planned: all.length,
    bytes_sent: 0,
    started_s: now_s(),
    ended_s: null,
    outcome: 'pending',
    status: null,
    answer: null,
  };
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  let received = Buffer.alloc(0);
  let timer: NodeJS.Timeout | null = null;
  let aborted = false;
  let error: Error | null = null;
  const send = (n: number) => {
    if (socket.destroyed || out.bytes_sent >= all.length) return;
    const piece = all.subarray(out.bytes_sent, Math.min(all.length, out.bytes_sent + n));
    out.bytes_sent += piece.length;
    socket.write(piece);
  };
  socket.on('connect', () => {
    const first = trickle === 'head' ? head.indexOf('\r\n') + 2 : trickle === 'body' || trickle === 'stall' ? head_bytes.length : 0;
    send(first);
    if (trickle !== 'stall') {
      timer = setInterval(() => {
        send(chunk);
        if (out.bytes_sent >= all.length && timer) {
          clearInterval(timer);
          timer = null;
        }
      }, interval_ms);
    }
  });
  socket.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d]);
  });
  socket.on('error', (e) => {
    error = e;
  });
  const done = new Promise<SlowOutcome>((resolve) => {
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      out.ended_s = now_s();
      const text = received.toString('utf8');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      out.status = m ? Number(m[1]) : null;
      const split = text.indexOf('\r\n\r\n');
      out.answer = m ? text.slice(split >= 0 ? split + 4 : 0).slice(0, 400) : null;
      out.outcome = m
        ? 'answered'
        : aborted
          ? 'still open at the end (closed by the soak)'
          : error
            ? `socket error: ${(error as Error).message}`
            : 'closed by the server';
      resolve(out);
    });
  });
  return {
    done,
    abort: () => {
      aborted = true;
      socket.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------

interface Sample {
  t_s: number;
  rss_mb: number;
  anon_mb: number;
  file_mb: number;
  health_ms: number | null;
  posts: number;
  records: number;
  reads: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (n: number, places = 2) => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function latencyFigures(values: readonly number[]): { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null } {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : round(v, 1));
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? null) };
}

const ms = (v: number | null) => (v === null ? '—' : v.toFixed(1));

/** Least-squares slope of y over x. */
function slope(points: readonly { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? null : num / den;
}

// Memory rule. The first third of the run is the warm-up: by its end the server has answered every kind of request
// many times, so V8's heap, the SQLite page caches (or the pg pool) and the usage writer have reached their working
// size. The middle and the last third then see the same traffic for the same time: a flat server has the same RSS
// in both, a leak (memory that grows with requests or records) has more in the last. Single samples swing by a GC
// sawtooth of ~100 MB with 1,000-item pages and 500-record batches in flight, so the rule compares medians of the
// two windows: median RSS of the last third ≤ 1.25 × median RSS of the middle third. The slope after the warm-up
// is printed beside it.
const rss_factor_max = 1.25;
/**
 * A stall: this long without a completed ingest batch, or without a completed read, or a health check slower.
 * A server held up by a slow client would stall for that client's whole life (tens of seconds; Node's headers
 * timeout is 60 s); 10 s is well above the worst latency of a well-behaved request seen on a busy 2-core machine.
 */
const stall_ms_max = 10_000;

async function main(): Promise<number> {
  let o: SoakOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${help}`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const machine = machineFacts();
  const load_before = os.loadavg()[0]!;
  log(
    `soak — ${machine.date_utc}, ${machine.nproc} cores (${machine.cpu}), node ${machine.node}; engine ${o.engine}, ${o.duration_s} s, ` +
      `${o.providers} providers × batch ${o.batch}${o.rate > 0 ? ` at ${o.rate} records/s` : ' (unpaced)'}, ${o.enterprises} enterprises, 3 slow clients`,
  );
  if (load_before > 0.5) log(`  WARNING: load average ${load_before.toFixed(2)} before the run: other work on this machine will skew the figures`);

  // ----- stop: at the deadline, or early on Ctrl-C. A second Ctrl-C (not the copy of the first that tsx or npm
  // relays within a moment) exits at once: the exit handlers kill the children and remove the directory.
  let stopping = false;
  let interrupted = false;
  let interrupted_at = 0;
  let wake: (() => void) | null = null;
  const onSigint = () => {
    if (interrupted) {
      if (performance.now() - interrupted_at < 2_000) return;
      log('second interrupt: exiting now');
      process.exit(130);
    }
    interrupted = true;
    interrupted_at = performance.now();
    stopping = true;
    log('interrupted: stopping the traffic, then the server');
    wake?.();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const dir = freshDir('soak');
  const removeOnExit = () => removeDir(dir);
  process.once('exit', removeOnExit);
  let pg_server: PostgresServer | null = null;
  let server: SoakServer | null = null;
  const slow_clients: SlowClient[] = [];
  const failures: string[] = [];
  try {
    // ----- database and parties
    let database_url: string | null = null;
    if (o.engine === 'postgres') {
      pg_server = await startPostgres();
      database_url = await createDatabase(pg_server.url, `soak_${process.pid}_${Date.now()}`);
    }
    const config: Config = loadConfig({}, { data_dir: dir, log_level: 'silent', ...(database_url === null ? {} : { database_url }) });
    const setup = Store.open(config);
    let parties: SoakParties;
    try {
      await setup.migrate(Date.now());
      parties = await createSoakParties(setup, o);
    } finally {
      await setup.close();
    }
    const admin_key = newKey('admin');
    const readers = parties.enterprises.slice(0, o.enterprises);
    const customers = (index: number) => parties.enterprises.filter((_, j) => j % o.providers === index).map((e) => e.id);

    // ----- server
    let run_started = performance.now();
    const now_s = () => (performance.now() - run_started) / 1000;
    // SUANLI_* settings in the soak's environment go to the server too (SUANLI_INCREMENTAL_CHECKS=off, …)
    const passed_env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('SUANLI_') && e[1] !== undefined));
    server = await startSoakServer(
      {
        ...passed_env,
        SUANLI_DATA_DIR: dir,
        SUANLI_ADMIN_KEY: admin_key,
        ...(database_url === null ? {} : { DATABASE_URL: database_url }),
      },
      now_s,
    );
    const api = `${server.url}/api/v1`;
    const port = Number(new URL(server.url).port);
    log(`  server: ${suanliCommand().label} serve at ${server.url} (pid ${server.pid}), data in ${path.relative(process.cwd(), dir)}`);

    // ----- counters
    const counts = { posts: 0, records: 0, summary_reads: 0, page_reads: 0, page_items: 0, page_passes: 0, health: 0 };
    const gaps = { post_last: 0, post_max: 0, post_max_at_s: 0, read_last: 0, read_max: 0, read_max_at_s: 0 };
    const completed = (kind: 'post' | 'read') => {
      const t = performance.now() - run_started;
      const gap = t - gaps[`${kind}_last`];
      if (gap > gaps[`${kind}_max`]) {
        gaps[`${kind}_max`] = gap;
        gaps[`${kind}_max_at_s`] = round(t / 1000, 1);
      }
      gaps[`${kind}_last`] = t;
    };
    const accepted_by_provider = new Map<string, number>(parties.providers.map((p) => [p.id, 0]));
    const lat = { post: [] as number[], summary: [] as number[], page: [] as number[], health: [] as number[] };
    const non2xx: { at_s: number; what: string; status: number; body: string }[] = [];
    const request_errors: { at_s: number; what: string; error: string }[] = [];
    const inconsistencies: { at_s: number; what: string; detail: string }[] = [];
    const note = <T>(list: T[], item: T) => {
      if (list.length < 1000) list.push(item);
    };

    /** One request of a well-behaved client: status and body, or null after a counted failure. */
    const call = async (what: string, url: string, init: RequestInit, into: number[]): Promise<unknown> => {
      const t = performance.now();
      try {
        const res = await fetch(url, init);
        const text = await res.text();
        into.push(performance.now() - t);
        if (res.status < 200 || res.status > 299) {
          note(non2xx, { at_s: round(now_s(), 1), what, status: res.status, body: text.slice(0, 500) });
          return null;
        }
        return JSON.parse(text) as unknown;
      } catch (error) {
        note(request_errors, { at_s: round(now_s(), 1), what, error: String((error as Error & { cause?: unknown }).cause ?? error) });
        return null;
      }
    };

    // ----- providers: batches of a chronological stream (a fresh stream when one runs out), unique v4 UUID record_ids
    const provider = async (p: ProviderParty, index: number) => {
      let seed = 1_000 + index * 100;
      const enterprise_ids = customers(index);
      let next = makeRecordFactory({ cluster_id: p.cluster_id, enterprise_ids }, stream_n, { seed });
      let made = 0;
      let job = 0;
      let sent = 0;
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${p.key}` };
      while (!stopping) {
        if (made + o.batch > stream_n) {
          next = makeRecordFactory({ cluster_id: p.cluster_id, enterprise_ids }, stream_n, { seed: ++seed });
          made = 0;
        }
        const records: WireRecord[] = Array.from({ length: o.batch }, () => ({ ...next(), job_ref: `slurm-p${index}:${++job}` }));
        made += o.batch;
        const answer = (await call(
          `POST /usage (provider ${index})`,
          `${api}/usage`,
          { method: 'POST', headers, body: JSON.stringify({ records }) },
          lat.post,
        )) as { accepted: number; duplicates: number; rejected: unknown[] } | null;
        if (answer !== null) {
          counts.posts++;
          completed('post');
          counts.records += answer.accepted;
          accepted_by_provider.set(p.id, accepted_by_provider.get(p.id)! + answer.accepted);
          if (answer.accepted !== records.length) {
            note(inconsistencies, {
              at_s: round(now_s(), 1),
              what: `POST /usage (provider ${index})`,
              detail: `accepted ${answer.accepted} of ${records.length}, ${answer.duplicates} duplicates, rejected ${JSON.stringify(answer.rejected.slice(0, 2))}`,
            });
          }
        }
        sent += records.length;
        if (o.rate > 0) {
          const wait = (sent / o.rate) * 1000 - (performance.now() - run_started);
          if (wait > 0) await sleep(Math.min(wait, 1_000));
        }
      }
    };

    // ----- enterprises: summaries by every grouping (and one with a day range), one page of usage after each
    const groupings = [
      'group_by=enterprise',
      'group_by=month',
      'group_by=day',
      'group_by=accelerator',
      'group_by=domestic',
      'group_by=provider',
      'group_by=day&from=2026-09-01&to=2026-10-01',
    ];
    const limits = [100, 1_000, 250];
    const enterprise = async (e: EnterpriseParty, index: number) => {
      const headers = { authorization: `Bearer ${e.key}` };
      let cursor: string | null = null;
      let last_seq = 0;
      let last_total = 0;
      let k = index;
      while (!stopping) {
        const q = groupings[k % groupings.length]!;
        const s = (await call(`GET /usage/summary?${q} (enterprise ${index})`, `${api}/usage/summary?${q}`, { headers }, lat.summary)) as {
          items: { key: string; records: number }[];
          totals: { records: number };
        } | null;
        if (s !== null) {
          counts.summary_reads++;
          completed('read');
          const sum = s.items.reduce((t, i) => t + i.records, 0);
          if (sum !== s.totals.records)
            note(inconsistencies, {
              at_s: round(now_s(), 1),
              what: `summary ${q} (enterprise ${index})`,
              detail: `items sum to ${sum}, totals say ${s.totals.records}`,
            });
          if (q === 'group_by=enterprise' && s.items.some((i) => i.key !== e.id))
            note(inconsistencies, {
              at_s: round(now_s(), 1),
              what: `summary ${q} (enterprise ${index})`,
              detail: `another enterprise's row: ${s.items.map((i) => i.key).join(', ')}`,
            });
          if (!q.includes('from=')) {
            if (s.totals.records < last_total)
              note(inconsistencies, {
                at_s: round(now_s(), 1),
                what: `summary ${q} (enterprise ${index})`,
                detail: `total records went down from ${last_total} to ${s.totals.records}`,
              });
            last_total = Math.max(last_total, s.totals.records);
          }
        }
        const limit = limits[k % limits.length]!;
        const page_url = `${api}/usage?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`;
        const p = (await call(`GET /usage (enterprise ${index})`, page_url, { headers }, lat.page)) as {
          items: { seq: number; enterprise_id: string }[];
          next_cursor: string | null;
        } | null;
        if (p !== null) {
          counts.page_reads++;
          completed('read');
          counts.page_items += p.items.length;
          for (const item of p.items) {
            if (item.enterprise_id !== e.id || item.seq <= last_seq) {
              note(inconsistencies, {
                at_s: round(now_s(), 1),
                what: `GET /usage (enterprise ${index})`,
                detail: `item seq ${item.seq} (after ${last_seq}) of enterprise ${item.enterprise_id}`,
              });
              break;
            }
            last_seq = item.seq;
          }
          cursor = p.next_cursor;
          if (cursor === null) {
            counts.page_passes++;
            last_seq = 0;
          }
        }
        k++;
        if (o.think_ms > 0) await sleep(o.think_ms);
      }
    };

    // ----- sampler: RSS of the server (all its threads) and the latency of GET /health, every sample_s
    const samples: Sample[] = [];
    const mem_errors: string[] = [];
    const sample = async () => {
      const m = memoryOf(server!.pid);
      const t = performance.now();
      const h = await call('GET /health', `${api}/health`, {}, lat.health);
      const health_ms = h === null ? null : performance.now() - t;
      if (h !== null) counts.health++;
      if (m === null) {
        mem_errors.push(`no /proc/${server!.pid}/status at ${now_s().toFixed(1)} s`);
        return;
      }
      samples.push({
        t_s: round(now_s(), 2),
        rss_mb: round(m.rss_kb / 1024, 1),
        anon_mb: round(m.anon_kb / 1024, 1),
        file_mb: round(m.file_kb / 1024, 1),
        health_ms: health_ms === null ? null : round(health_ms, 1),
        posts: counts.posts,
        records: counts.records,
        reads: counts.summary_reads + counts.page_reads,
      });
    };
    const sampler = async () => {
      let n = 0;
      while (!stopping) {
        await sample();
        // the next multiple of sample_s (one that went by during a slow sample is skipped, not made up)
        n = Math.max(n + 1, Math.ceil((performance.now() - run_started) / (o.sample_s * 1000)));
        const wait = n * o.sample_s * 1000 - (performance.now() - run_started);
        if (wait > 0)
          await new Promise<void>((r) => {
            const t = setTimeout(r, wait);
            wake = () => {
              clearTimeout(t);
              r();
            };
          });
      }
    };

    // ----- run; the slow clients, all on the slow provider's key, start with the others
    const cpu0 = cpuSecondsOf(server.pid);
    const client_cpu0 = process.cpuUsage();
    run_started = performance.now();
    const slow_record = {
      ...makeRecordFactory({ cluster_id: parties.slow.cluster_id, enterprise_ids: [parties.enterprises[0]!.id] }, 1, { seed: 99 })(),
      job_ref: 'slurm-slow:1',
    };
    const slow_body = Buffer.from(JSON.stringify({ records: [slow_record] }), 'utf8');
    const head = (extra = '') =>
      `POST /api/v1/usage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${parties.slow.key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${slow_body.length}\r\nConnection: close\r\n${extra}\r\n`;
    // the body at a few bytes a second, so that it is complete at about 60 % of the run
    const body_chunk = Math.max(1, Math.ceil(slow_body.length / (o.duration_s * 0.6)));
    const padded_head = head('X-Soak-Padding: ' + 'slow'.repeat(40) + '\r\n');
    slow_clients.push(
      slowClient(
        'slow body',
        `headers at once, then the ${slow_body.length}-byte body ${body_chunk} byte(s)/s`,
        port,
        head(),
        slow_body,
        'body',
        body_chunk,
        1_000,
        now_s,
      ),
      slowClient('stalled body', 'headers at once (Content-Length set), then nothing', port, head(), slow_body, 'stall', 0, 1_000, now_s),
      slowClient(
        'slow headers',
        `the ${padded_head.length}-byte head 2 bytes/s (never reaches the body)`,
        port,
        padded_head,
        slow_body,
        'head',
        2,
        1_000,
        now_s,
      ),
    );

    const deadline = setTimeout(() => {
      stopping = true;
      wake?.();
    }, o.duration_s * 1000);
    const loops = [...parties.providers.map(provider), ...readers.map(enterprise), sampler()];
    const progress = setInterval(() => {
      const s = samples[samples.length - 1];
      log(
        `  ${now_s().toFixed(0).padStart(4)} s  ${fmtInt(counts.records).padStart(11)} records  ${fmtInt(counts.summary_reads)} summaries  ` +
          `${fmtInt(counts.page_reads)} pages  RSS ${s?.rss_mb ?? '?'} MB  health ${s?.health_ms ?? '?'} ms` +
          `${non2xx.length + request_errors.length + inconsistencies.length > 0 ? `  FAILURES ${non2xx.length + request_errors.length + inconsistencies.length}` : ''}`,
      );
    }, 15_000);
    await Promise.all(loops);
    clearTimeout(deadline);
    clearInterval(progress);
    const run_s = now_s();
    await sample(); // the last sample, after the traffic
    const cpu1 = cpuSecondsOf(server.pid);
    const client_cpu = process.cpuUsage(client_cpu0);

    // ----- slow clients: what they got by now; those still open are closed by us (the server must not need them gone)
    const slow_pending = slow_clients.map((c) => c.done);
    const settled = await Promise.race([Promise.all(slow_pending), sleep(200).then(() => null)]);
    const slow_closed_at_s = now_s();
    if (settled === null) for (const c of slow_clients) c.abort();
    const slow: SlowOutcome[] = await Promise.all(slow_pending);

    // ----- stored vs accepted: the rollups (admin summary by provider) and the table (a count per provider)
    const by_provider = (await call(
      'GET /usage/summary?group_by=provider (administrator)',
      `${api}/usage/summary?group_by=provider`,
      { headers: { authorization: `Bearer ${admin_key}` } },
      [],
    )) as { items: { key: string; records: number }[] } | null;
    // the findings of the incremental checks that ran all along (informative: the data are synthetic)
    const findings: Record<string, number> = {};
    let findings_cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const fp = (await call(
        'GET /findings (administrator)',
        `${api}/findings?limit=1000${findings_cursor === null ? '' : `&cursor=${encodeURIComponent(findings_cursor)}`}`,
        { headers: { authorization: `Bearer ${admin_key}` } },
        [],
      )) as { items: { kind: string }[]; next_cursor: string | null } | null;
      if (fp === null) break;
      for (const i of fp.items) findings[i.kind] = (findings[i.kind] ?? 0) + 1;
      findings_cursor = fp.next_cursor;
      if (findings_cursor === null) break;
    }
    await sleep(200); // the server's log lines about the closed slow clients
    const log_lines = server.log_lines;
    await server.stop();
    server = null;
    const check = Store.open(config);
    const stored_by_provider = new Map<string, number>();
    try {
      for (const p of [...parties.providers, parties.slow]) stored_by_provider.set(p.id, await check.usage.count({ provider_id: p.id }));
    } finally {
      await check.close();
    }
    const rollup_by_provider = new Map((by_provider?.items ?? []).map((i) => [i.key, i.records]));
    const counted = parties.providers.map((p, i) => ({
      provider: `provider ${i}`,
      id: p.id,
      accepted: accepted_by_provider.get(p.id)!,
      stored: stored_by_provider.get(p.id)!,
      rollups: rollup_by_provider.get(p.id) ?? 0,
    }));
    const slow_body_outcome = slow.find((s) => s.name === 'slow body')!;
    const slow_expected =
      slow_body_outcome.status === 200 ? 1 : slow_body_outcome.status === null && slow_body_outcome.bytes_sent === slow_body_outcome.bytes_planned ? null : 0;
    const slow_stored = stored_by_provider.get(parties.slow.id)!;
    const slow_rollups = rollup_by_provider.get(parties.slow.id) ?? 0;

    // ----- memory
    const third = run_s / 3;
    const traffic = samples.filter((s) => s.t_s <= run_s);
    const first = traffic.filter((s) => s.t_s < third);
    const middle = traffic.filter((s) => s.t_s >= third && s.t_s < 2 * third);
    const last = traffic.filter((s) => s.t_s >= 2 * third);
    const median = (xs: readonly Sample[]) =>
      xs.length
        ? percentile(
            xs.map((s) => s.rss_mb).sort((a, b) => a - b),
            50,
          )
        : null;
    const maxOf = (xs: readonly Sample[]) => (xs.length ? Math.max(...xs.map((s) => s.rss_mb)) : null);
    const rss = samples.map((s) => s.rss_mb);
    const middle_median = median(middle);
    const last_median = median(last);
    const rss_limit = middle_median === null ? null : middle_median * rss_factor_max;
    const trend_mb_per_min = slope(traffic.filter((s) => s.t_s >= third).map((s) => ({ x: s.t_s / 60, y: s.rss_mb })));
    const memory_judged = middle.length >= 3 && last.length >= 3;
    const memory_flat = !memory_judged || last_median! <= rss_limit!;

    // ----- stalls: batches and reads kept completing all along; health answered in time
    const stalls: string[] = [];
    if (gaps.post_max > stall_ms_max) stalls.push(`no ingest batch completed for ${(gaps.post_max / 1000).toFixed(1)} s (until ${gaps.post_max_at_s} s)`);
    if (gaps.read_max > stall_ms_max) stalls.push(`no read completed for ${(gaps.read_max / 1000).toFixed(1)} s (until ${gaps.read_max_at_s} s)`);
    for (const s of samples) if (s.health_ms !== null && s.health_ms > stall_ms_max) stalls.push(`GET /health took ${s.health_ms} ms at ${s.t_s} s`);

    // ----- verdict
    if (non2xx.length > 0) failures.push(`${non2xx.length} non-2xx answers to well-behaved clients, first: ${JSON.stringify(non2xx[0])}`);
    if (request_errors.length > 0) failures.push(`${request_errors.length} request errors, first: ${JSON.stringify(request_errors[0])}`);
    if (inconsistencies.length > 0) failures.push(`${inconsistencies.length} inconsistent answers, first: ${JSON.stringify(inconsistencies[0])}`);
    if (by_provider === null) failures.push('the administrator summary by provider failed');
    for (const c of counted) {
      if (c.accepted !== c.stored || c.accepted !== c.rollups)
        failures.push(`${c.provider}: accepted ${c.accepted}, stored ${c.stored} (table), ${c.rollups} (rollups)`);
    }
    if (slow_stored !== slow_rollups) failures.push(`slow provider: ${slow_stored} stored (table) but ${slow_rollups} in the rollups`);
    if (slow_expected !== null && slow_stored !== slow_expected)
      failures.push(
        `slow provider: expected ${slow_expected} stored record(s) from the slow body's answer (${slow_body_outcome.status ?? slow_body_outcome.outcome}), found ${slow_stored}`,
      );
    for (const s of slow) if (s.status !== null && s.status >= 500) failures.push(`slow client "${s.name}" got ${s.status}: ${s.answer ?? ''}`);
    if (stalls.length > 0) failures.push(`${stalls.length} stalls, first: ${stalls[0]}`);
    if (mem_errors.length > 0) failures.push(mem_errors[0]!);
    if (!memory_flat) {
      failures.push(
        `memory not flat: median RSS of the last third ${last_median} MB > ${rss_factor_max} × the median of the middle third (${middle_median} MB) = ${round(rss_limit!, 1)} MB`,
      );
    }
    // A request the soak itself cut off (a slow client closed at the end) is logged by the server as an error
    // ("unexpected error", ECONNRESET aborted): counted and shown, not a failure; any other error line is.
    const is_own_abort = (l: LogLine) => l.at_s >= slow_closed_at_s && l.err !== null && /ECONNRESET|aborted/.test(l.err);
    const own_aborts = log_lines.filter(is_own_abort);
    const server_errors = log_lines.filter((l) => l.level >= 50 && !is_own_abort(l));
    if (server_errors.length > 0) failures.push(`${server_errors.length} errors in the server's log, first: ${server_errors[0]!.line.slice(0, 600)}`);
    if (interrupted) failures.push('interrupted before the end of --duration');

    // ----- report
    const load_after = os.loadavg()[0]!;
    const server_cpu = cpu0 && cpu1 ? { user: round(cpu1.user - cpu0.user), system: round(cpu1.system - cpu0.system) } : null;
    const f = {
      post: latencyFigures(lat.post),
      summary: latencyFigures(lat.summary),
      page: latencyFigures(lat.page),
      health: latencyFigures(lat.health),
    };
    const rss_figures = {
      min: rss.length ? Math.min(...rss) : null,
      first_third_median: median(first),
      first_third_max: maxOf(first),
      middle_third_median: middle_median,
      middle_third_max: maxOf(middle),
      last_third_median: last_median,
      last_third_max: maxOf(last),
      max: rss.length ? Math.max(...rss) : null,
      limit: rss_limit === null ? null : round(rss_limit, 1),
      trend_after_first_third_mb_per_min: trend_mb_per_min === null ? null : round(trend_mb_per_min, 3),
      judged: memory_judged,
    };
    const rate_in = (from: number, to: number) => {
      const a = samples.filter((s) => s.t_s >= from).at(0);
      const b = samples.filter((s) => s.t_s <= to).at(-1);
      return a && b && b.t_s > a.t_s ? (b.records - a.records) / (b.t_s - a.t_s) : null;
    };
    const out: string[] = [];
    out.push('');
    out.push(`suanli soak — ${machine.date_utc}`);
    out.push(
      `machine: ${machine.nproc} cores (${machine.cpu}), ${machine.memory_gib} GiB RAM, ${machine.platform}, node ${machine.node}; load average (1 min) ${load_before.toFixed(2)} before, ${load_after.toFixed(2)} after`,
    );
    out.push(
      `server: ${suanliCommand().label} serve on ${o.engine} (127.0.0.1 only); ${o.providers} providers (batch ${o.batch}${o.rate > 0 ? `, ${o.rate} records/s each` : ', unpaced'}), ` +
        `${o.enterprises} of ${parties.enterprises.length} enterprises reading (think ${o.think_ms} ms), 3 slow clients; samples every ${o.sample_s} s`,
    );
    out.push('');
    out.push(`duration: ${run_s.toFixed(1)} s of traffic${interrupted ? ' (INTERRUPTED)' : ''}`);
    out.push(
      `ingested: ${fmtInt(counts.records)} records in ${fmtInt(counts.posts)} batches, ${fmtInt(counts.records / run_s)} records/s ` +
        `(first third ${fmtInt(rate_in(0, third) ?? 0)}/s, last third ${fmtInt(rate_in(2 * third, run_s) ?? 0)}/s)`,
    );
    out.push(
      `reads: ${fmtInt(counts.summary_reads)} summaries, ${fmtInt(counts.page_reads)} usage pages (${fmtInt(counts.page_items)} items, ${counts.page_passes} complete passes)`,
    );
    out.push(
      `server CPU: ${server_cpu ? `${server_cpu.user} s user + ${server_cpu.system} s system (${round((server_cpu.user + server_cpu.system) / run_s)} cores on average)` : '—'}; ` +
        `soak client CPU ${round((client_cpu.user + client_cpu.system) / 1e6)} s`,
    );
    out.push('');
    out.push(
      table(
        ['request', 'count', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        [
          [`POST /usage (${o.batch} records)`, fmtInt(f.post.n), ms(f.post.p50), ms(f.post.p95), ms(f.post.p99), ms(f.post.max)],
          ['GET /usage/summary', fmtInt(f.summary.n), ms(f.summary.p50), ms(f.summary.p95), ms(f.summary.p99), ms(f.summary.max)],
          ['GET /usage (page)', fmtInt(f.page.n), ms(f.page.p50), ms(f.page.p95), ms(f.page.p99), ms(f.page.max)],
          ['GET /health (sampler)', fmtInt(f.health.n), ms(f.health.p50), ms(f.health.p95), ms(f.health.p99), ms(f.health.max)],
        ],
      ),
    );
    out.push('');
    out.push(
      table(
        ['provider', 'accepted', 'stored (table)', 'stored (rollups)'],
        [
          ...counted.map((c) => [c.provider, fmtInt(c.accepted), fmtInt(c.stored), fmtInt(c.rollups)]),
          ['slow provider', slow_expected === null ? '0 or 1' : String(slow_expected), fmtInt(slow_stored), fmtInt(slow_rollups)],
        ],
      ),
    );
    out.push('');
    out.push('slow clients:');
    for (const s of slow) {
      out.push(
        `  ${s.name.padEnd(13)} ${s.behaviour}; sent ${s.bytes_sent} of ${s.bytes_planned} bytes; ${s.outcome}` +
          `${s.ended_s === null ? '' : ` after ${s.ended_s.toFixed(1)} s`}${s.status === null ? '' : `: ${s.status} ${(s.answer ?? '').replace(/\s+/g, ' ').slice(0, 160)}`}`,
      );
    }
    out.push('');
    out.push(
      table(
        ['server RSS (MB)', 'samples', 'median', 'max'],
        [
          ['first third (warm-up)', String(first.length), String(rss_figures.first_third_median ?? '—'), String(rss_figures.first_third_max ?? '—')],
          ['middle third', String(middle.length), String(middle_median ?? '—'), String(rss_figures.middle_third_max ?? '—')],
          ['last third', String(last.length), String(last_median ?? '—'), String(rss_figures.last_third_max ?? '—')],
        ],
      ),
    );
    out.push(
      `  min ${rss_figures.min ?? '—'}, max ${rss_figures.max ?? '—'}; slope after the warm-up ${rss_figures.trend_after_first_third_mb_per_min ?? '—'} MB/min; ` +
        `at the end anon ${samples.at(-1)?.anon_mb ?? '?'} MB, file-backed ${samples.at(-1)?.file_mb ?? '?'} MB`,
    );
    out.push(
      `memory rule: median RSS of the last third ≤ ${rss_factor_max} × median of the middle third = ${rss_figures.limit ?? '—'} MB: ` +
        `${!memory_judged ? 'not judged (too few samples; run longer)' : memory_flat ? 'met' : 'NOT MET'}`,
    );
    out.push(
      `stall rule: ≤ ${stall_ms_max / 1000} s without a completed batch / read / health answer; longest: ` +
        `${(gaps.post_max / 1000).toFixed(2)} s (batches), ${(gaps.read_max / 1000).toFixed(2)} s (reads), ${ms(f.health.max)} ms (health)`,
    );
    const spark = samples.filter((_, i) => i % Math.max(1, Math.ceil(samples.length / 12)) === 0 || i === samples.length - 1);
    out.push(`RSS samples: ${spark.map((s) => `${s.t_s.toFixed(0)}s ${s.rss_mb}`).join(', ')}`);
    out.push(
      `findings of the incremental checks: ${
        Object.keys(findings).length
          ? Object.entries(findings)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')
          : 'none'
      }` + `${process.env.SUANLI_INCREMENTAL_CHECKS === 'off' ? ' (SUANLI_INCREMENTAL_CHECKS=off)' : ''}`,
    );
    out.push(
      `server log: ${log_lines.length} warning/error lines, ${server_errors.length} errors not caused by the soak${server_errors.length ? `; first: ${server_errors[0]!.line.slice(0, 300)}` : ''}`,
    );
    if (own_aborts.length > 0) {
      out.push(
        `  ${own_aborts.length} of them when the soak closed its unfinished slow clients: logged at level ${own_aborts[0]!.level} as "${own_aborts[0]!.msg}" (${own_aborts[0]!.err}); not counted as failures`,
      );
    }
    out.push('');
    out.push(
      failures.length === 0 ? 'PASS: no errors, every accepted record stored, no stall, memory flat' : `FAIL:\n${failures.map((x) => `  - ${x}`).join('\n')}`,
    );
    process.stdout.write(`${out.join('\n')}\n`);

    const results_dir = path.join(tmp_root, 'results');
    fs.mkdirSync(results_dir, { recursive: true });
    const file = path.join(results_dir, `soak-${o.engine}-${machine.date_utc.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(
      file,
      `${JSON.stringify(
        {
          benchmark: 'soak',
          machine,
          load_average_1min: { before: load_before, after: load_after },
          options: o,
          server: suanliCommand().label,
          passed: failures.length === 0,
          failures,
          interrupted,
          duration_s: round(run_s),
          counts,
          records_per_s: round(counts.records / run_s),
          records_per_s_first_third: rate_in(0, third),
          records_per_s_last_third: rate_in(2 * third, run_s),
          latency_ms: f,
          server_cpu_s: server_cpu,
          client_cpu_s: round((client_cpu.user + client_cpu.system) / 1e6),
          stored: { providers: counted, slow_provider: { expected: slow_expected, stored: slow_stored, rollups: slow_rollups } },
          slow_clients: slow,
          memory: { rule: `median RSS of the last third ≤ ${rss_factor_max} × median RSS of the middle third`, ...rss_figures },
          longest_gap_s: { batches: round(gaps.post_max / 1000), reads: round(gaps.read_max / 1000) },
          stalls,
          non2xx: non2xx.slice(0, 20),
          request_errors: request_errors.slice(0, 20),
          inconsistencies: inconsistencies.slice(0, 20),
          findings,
          server_log: log_lines.slice(0, 50),
          server_log_own_aborts: own_aborts.length,
          samples,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`\nJSON: ${path.relative(process.cwd(), file)}\n`);
    return interrupted ? 130 : failures.length === 0 ? 0 : 1;
  } finally {
    for (const c of slow_clients) c.abort();
    await server?.stop();
    await pg_server?.stop();
    removeDir(dir);
    process.off('exit', removeOnExit);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
