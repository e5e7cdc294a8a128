// Shared pieces of the benchmarks: options, the synthetic usage records, the parties they belong to, child
// processes (a `suanli` server or importer), machine facts and a plain-text table.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { operator_actor } from '../src/store/audit-repository.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { creditCodeCheckChar } from '../src/domain/org/credit-code.js';
import { hashApiKey, type Store } from '../src/store/store.js';
import { mulberry32 } from '../test/support/prng.js';
import type SqliteDatabase from 'better-sqlite3';

export const repo_root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Scratch space for databases and files; git-ignored. */
export const tmp_root = path.join(repo_root, '.bench-tmp');

// ---------------------------------------------------------------------------------------------------------------
// Options

export interface BenchOptions {
  records: number;
  import_records: number;
  /** usage records stored for the integrity benchmark's capacity sweep */
  capacity_records: number;
  /** 'all' or one engine */
  engines: readonly ('sqlite' | 'postgres')[];
  skip_import: boolean;
  clients: number;
  /** Keep the test server's fast settings (fsync off) instead of switching PostgreSQL to durable commits. */
  pg_fast: boolean;
  /** started_at at random over the window instead of a chronological stream */
  random_times: boolean;
  /** compile src/ into .bench-tmp/build for the child processes */
  build: boolean;
}

export const option_help = [
  '--records N          usage records per ingest measurement (default 200000)',
  '--import-records N   lines of the JSONL file for the import measurement (default 1000000)',
  '--capacity-records N usage records stored for the integrity capacity sweep (default 10000000; 0 skips it)',
  '--engine E           sqlite | postgres | all (default all)',
  '--clients N          concurrent HTTP clients (default 4)',
  '--no-import          skip the file-import measurement',
  '--pg-fast            use the test PostgreSQL server (fsync=off) instead of one with durable commits, like production',
  '--random-times       started_at at random over Aug–Oct in every batch (default: a chronological stream, as providers report)',
  '--build              compile src/ into .bench-tmp/build and run the server and importer on it with plain node',
  '                     (default: dist/ when it is newer than src/, else node --import tsx src/cli/main.ts)',
];

function positiveInt(name: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value.replace(/_/g, '')) || Number(value.replace(/_/g, '')) < 1) {
    throw new Error(`${name} needs a positive whole number, got ${value ?? 'nothing'}`);
  }
  return Number(value.replace(/_/g, ''));
}

/** Splits argv into benchmark names and options. */
export function parseArgs(argv: readonly string[]): { names: string[]; options: BenchOptions } {
  const names: string[] = [];
  const options: BenchOptions = {
    records: 200_000,
    import_records: 1_000_000,
    capacity_records: 10_000_000,
    engines: ['sqlite', 'postgres'],
    skip_import: false,
    clients: 4,
    pg_fast: false,
    random_times: false,
    build: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--records':
        options.records = positiveInt(flag, value());
        break;
      case '--import-records':
        options.import_records = positiveInt(flag, value());
        break;
      case '--capacity-records': {
        const v = value();
        options.capacity_records = v === '0' ? 0 : positiveInt(flag, v);
        break;
      }
      case '--clients':
        options.clients = positiveInt(flag, value());
        break;
      case '--no-import':
        options.skip_import = true;
        break;
      case '--pg-fast':
        options.pg_fast = true;
        break;
      case '--random-times':
        options.random_times = true;
        break;
      case '--build':
        options.build = true;
        break;
      case '--engine': {
        const e = value();
        if (e === 'all') options.engines = ['sqlite', 'postgres'];
        else if (e === 'sqlite' || e === 'postgres') options.engines = [e];
        else throw new Error(`--engine: sqlite, postgres or all, got ${e ?? 'nothing'}`);
        break;
      }
      default:
        if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
        names.push(a);
    }
  }
  return { names, options };
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic usage: one provider, one cluster (4096 × Ascend 910B, 4096 × A800 PCIe from 2026-01-01), 30 enterprises,
// jobs started over August–October 2026. Everything but record_id comes from a seeded generator, so that two runs
// ingest the same shape of data; record_id is a random v4 UUID, as real providers send.

export const inventory_from_ms = Date.parse('2026-01-01T00:00:00Z');
export const models = [
  { id: 'huawei-ascend-910b', cards: 4096, fen_per_card_hour: 800, watts: 310, share: 0.6 },
  { id: 'nvidia-a800-80gb-pcie', cards: 4096, fen_per_card_hour: 1200, watts: 250, share: 0.4 },
] as const;
export const enterprise_count = 30;
const window_from_ms = Date.parse('2026-08-01T00:00:00Z');
const window_to_ms = Date.parse('2026-11-01T00:00:00Z');

/** mulberry32: small, fast, good enough for synthetic data. */
export const prng = mulberry32;

export interface Parties {
  provider_id: string;
  cluster_id: string;
  enterprise_ids: string[];
  provider_key: string;
}

/** A usage record on the wire (ISO instants), as a provider sends it. */
export interface WireRecord {
  record_id: string;
  cluster_id: string;
  enterprise_id: string;
  accelerator: string;
  count: number;
  started_at: string;
  ended_at: string;
  amount_fen: number;
  job_ref: string;
  workload: 'training' | 'inference';
  energy_wh?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const counts = [1, 1, 2, 4, 8, 8, 8, 16, 32, 64];

/**
 * Makes the records of a stream of n, one per call. By default the stream is chronological, as providers report jobs
 * as they finish (started_at rises through August–October; a batch of 1,000 of 200,000 covers about half a day); with
 * `random_times` every record starts at a random instant of the window, so that every batch touches every day.
 */
export function makeRecordFactory(
  parties: Pick<Parties, 'cluster_id' | 'enterprise_ids'>,
  n: number,
  options: { seed?: number; random_times?: boolean } = {},
): () => WireRecord {
  const rnd = prng(options.seed ?? 20260801);
  const span_s = (window_to_ms - window_from_ms) / 1000 - 86_400;
  let i = 0;
  let job = 1_000_000;
  return () => {
    const model = rnd() < models[0].share ? models[0] : models[1];
    const count = counts[Math.floor(rnd() * counts.length)]!;
    const at = options.random_times ? rnd() : (i + rnd()) / n;
    i++;
    const started = window_from_ms + Math.floor(at * span_s) * 1000;
    const seconds = 60 + Math.floor(rnd() * rnd() * 6 * 3600); // short jobs, most under an hour
    const training = rnd() < 0.7;
    const r: WireRecord = {
      record_id: randomUUID(),
      cluster_id: parties.cluster_id,
      enterprise_id: parties.enterprise_ids[Math.floor(rnd() * parties.enterprise_ids.length)]!,
      accelerator: model.id,
      count,
      started_at: iso(started),
      ended_at: iso(started + seconds * 1000),
      amount_fen: Math.round((count * seconds * model.fen_per_card_hour) / 3600),
      job_ref: `slurm:${job++}`,
      workload: training ? 'training' : 'inference',
    };
    if (rnd() < 0.5) r.energy_wh = Math.round((count * seconds * model.watts) / 3600);
    return r;
  };
}

/** n records, with placeholder party ids that `withParties` swaps for the real ones of each fresh database. */
export function makeRecords(n: number, random_times = false): WireRecord[] {
  const placeholders = {
    cluster_id: 'c_placeholder000000000',
    enterprise_ids: Array.from({ length: enterprise_count }, (_, i) => `e_${String(i).padStart(20, '0')}`),
  };
  const next = makeRecordFactory(placeholders, n, { random_times });
  return Array.from({ length: n }, next);
}

/** The same records (same record_ids, same content) pointing at this database's cluster and enterprises. */
export function withParties(records: readonly WireRecord[], parties: Pick<Parties, 'cluster_id' | 'enterprise_ids'>): WireRecord[] {
  return records.map((r) => ({ ...r, cluster_id: parties.cluster_id, enterprise_id: parties.enterprise_ids[Number(r.enterprise_id.slice(2))]! }));
}

export function creditCode(n: number): string {
  const org8 = String(10_000_000 + (n % 89_999_999)).padStart(8, '0');
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  const c = 11 - (org8.split('').reduce((s, d, i) => s + Number(d) * w[i]!, 0) % 11);
  const body = `91310000${org8}${c === 10 ? 'X' : c === 11 ? '0' : String(c)}`;
  return body + creditCodeCheckChar(body);
}

/** Creates the provider, its cluster, the enterprises and a provider API key through suanli's own repositories. */
export async function createParties(store: Store, now_ms: number): Promise<Parties> {
  const provider = await store.organizations.create({ kind: 'provider', name: 'Bench Compute Co.', region: '310000' }, operator_actor, now_ms);
  if (!provider) throw new Error('could not create the provider');
  const cluster = await store.clusters.create(
    {
      provider_id: provider.id,
      name: 'sh-bench',
      region: '310000',
      inventory: models.map((m) => ({ accelerator: m.id, count: m.cards, valid_from_ms: inventory_from_ms, valid_to_ms: null })),
    },
    operator_actor,
    now_ms,
  );
  if (!cluster) throw new Error('could not create the cluster');
  const enterprise_ids: string[] = [];
  for (let i = 0; i < enterprise_count; i++) {
    const e = await store.organizations.create(
      { kind: 'enterprise', name: `Bench AI Lab ${i}`, credit_code: creditCode(4711 + i * 7919), region: '310000', sector: 'large_models', size: 'small' },
      operator_actor,
      now_ms,
    );
    if (!e) throw new Error(`could not create enterprise ${i}`);
    enterprise_ids.push(e.id);
  }
  const provider_key = `sk_bench_${randomBytes(24).toString('hex')}`;
  await store.apiKeys.create(
    { org_id: provider.id, role: 'provider', label: 'bench', key_hash: hashApiKey(provider_key), key_prefix: provider_key.slice(0, 6) },
    operator_actor,
    now_ms,
  );
  return { provider_id: provider.id, cluster_id: cluster.id, enterprise_ids, provider_key };
}

// ---------------------------------------------------------------------------------------------------------------
// Files and directories

export function freshDir(label: string): string {
  fs.mkdirSync(tmp_root, { recursive: true });
  return fs.mkdtempSync(path.join(tmp_root, `${label}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

let private_build: string | null = null;

/**
 * Compiles src/ with the project's tsconfig into .bench-tmp/build/dist (the catalog beside it, as in the repository),
 * so that child processes run plain node on the current sources, as production does, without touching dist/.
 */
export function buildPrivateDist(): string {
  const out = path.join(tmp_root, 'build');
  fs.rmSync(out, { recursive: true, force: true });
  const tsc = path.join(repo_root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(repo_root, 'tsconfig.json'), '--outDir', path.join(out, 'dist'), '--sourceMap', 'false'], {
    cwd: repo_root,
    encoding: 'utf8',
  });
  const main = path.join(out, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`tsc produced no ${main}:\n${r.stdout}${r.stderr}`);
  fs.cpSync(path.join(repo_root, 'catalog'), path.join(out, 'catalog'), { recursive: true });
  // The dashboard's built files, served at / (npm run build:web makes them).
  const web = path.join(repo_root, 'dist', 'web');
  if (fs.existsSync(web)) fs.cpSync(web, path.join(out, 'dist', 'web'), { recursive: true });
  private_build = main;
  return main;
}

/** Where the server that startServer() starts finds the dashboard's built files (dist/web beside its dist/cli). */
export function servedWebRoot(): string {
  return private_build !== null ? path.join(path.dirname(path.dirname(private_build)), 'web') : path.join(repo_root, 'dist', 'web');
}

/**
 * How to start the `suanli` CLI in a child process: the private build of --build; else the built dist/ when it is at
 * least as new as every source file (plain node, what production runs); else the sources through tsx (same code, but
 * a slower start and a module-loader thread that adds to the resident set).
 */
export function suanliCommand(): { argv: string[]; label: string } {
  if (private_build !== null) return { argv: [process.execPath, private_build], label: `node ${path.relative(repo_root, private_build)} (--build)` };
  const dist = path.join(repo_root, 'dist', 'cli', 'main.js');
  if (fs.existsSync(dist) && newestMtime(path.join(repo_root, 'dist'), '.js') >= newestMtime(path.join(repo_root, 'src'), '.ts')) {
    return { argv: [process.execPath, dist], label: 'node dist/cli/main.js' };
  }
  return { argv: [process.execPath, '--import', 'tsx', path.join(repo_root, 'src', 'cli', 'main.ts')], label: 'node --import tsx src/cli/main.ts' };
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

/** CPU seconds a process has used so far in user and in system (kernel) mode, from /proc; null when unreadable. */
export function cpuSecondsOf(pid: number): { user: number; system: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat) in clock ticks; USER_HZ is 100 on Linux
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return null;
  }
}

export interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  node_args?: readonly string[];
  /** In its own process group: a Ctrl-C then reaches only the benchmark, which stops the server itself. */
  detached?: boolean;
  /** Every piece of the server's stdout and stderr, before and after it listens. */
  onOutput?: (text: string) => void;
}

/** Starts `suanli serve` on 127.0.0.1 with a free port and waits for its "listening at" line. */
export async function startServer(env: Record<string, string>, options: ServerOptions = {}): Promise<Server> {
  const cmd = suanliCommand();
  const child = spawn(cmd.argv[0]!, [...(options.node_args ?? []), ...cmd.argv.slice(1), 'serve'], {
    cwd: repo_root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', HOST: '127.0.0.1', PORT: '0', SUANLI_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached === true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd.label} serve`);
  killOnExit(child);
  let output = ''; // until it listens, for the error message
  let listening = false;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (!listening) output += text;
    options.onOutput?.(text);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`suanli serve did not start within 60 s:\n${output}`)), 60_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const check = () => {
      const m = /listening at (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        listening = true;
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code, signal) => {
      if (!listening) fail(new Error(`suanli serve exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`the server listens at ${url}, not on loopback`);
  return {
    url,
    pid,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Kills a child we started if the benchmark dies half-way. */
export function killOnExit(child: ChildProcess): void {
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

export interface MeasuredRun {
  exit_code: number | null;
  stdout: string;
  stderr: string;
  wall_s: number;
  peak_rss_kb: number | null;
  rss_method: string;
}

/**
 * Runs a command to completion and reports its peak resident set size: through `/usr/bin/time -v` when present,
 * else by polling VmHWM in /proc/PID/status until it exits.
 */
export async function runMeasured(argv: readonly string[], env: Record<string, string>): Promise<MeasuredRun> {
  const time_bin = fs.existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-v', 'true']).status === 0 ? '/usr/bin/time' : null;
  const full = time_bin ? [time_bin, '-v', ...argv] : [...argv];
  const started = performance.now();
  const child = spawn(full[0]!, full.slice(1), { cwd: repo_root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  let polled = 0;
  const poll = time_bin
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polled = Math.max(polled, Number(m[1]));
        } catch {
          /* exited */
        }
      }, 20);
  const exit_code = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  if (poll) clearInterval(poll);
  const wall_s = (performance.now() - started) / 1000;
  if (time_bin) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    return { exit_code, stdout, stderr, wall_s, peak_rss_kb: m ? Number(m[1]) : null, rss_method: '/usr/bin/time -v (Maximum resident set size)' };
  }
  return { exit_code, stdout, stderr, wall_s, peak_rss_kb: polled || null, rss_method: 'polled /proc/PID/status VmHWM every 20 ms' };
}

// ---------------------------------------------------------------------------------------------------------------
// Machine and output

export interface MachineFacts {
  date_utc: string;
  nproc: number;
  cpu: string;
  memory_gib: number;
  node: string;
  platform: string;
}

export function machineFacts(): MachineFacts {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return {
    date_utc: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** A plain-text table; `left` holds the number of leading (text) columns aligned left, the rest (figures) align right. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], left = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtRatio = (n: number | null) => (n === null ? '—' : n.toFixed(2));

// ---------------------------------------------------------------------------------------------------------------
// A throwaway PostgreSQL server with production durability (fsync, synchronous_commit, full_page_writes on), unlike
// the test server of test/support/postgres.ts, which switches them off for speed. Same binaries, same user rules:
// initdb and postgres refuse to run as root, so as root they run as the `postgres` system user.

export interface PgServer {
  url: string;
  version: string;
  settings: Record<string, string>;
  stop(): Promise<void>;
}

function unprivileged(): { uid: number; gid: number; home: string } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const line = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? '';
  const f = line.split(':');
  if (f.length < 7 || Number(f[2]) === 0) throw new Error('running as root and there is no unprivileged "postgres" user to run PostgreSQL as');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server in a fresh directory under /tmp; stop() (or this process's exit) removes it. */
export async function startDurablePostgres(binaries: { initdb: string; postgres: string }): Promise<PgServer> {
  const pg = (await import('pg')).default;
  const user = unprivileged();
  const base = fs.mkdtempSync(path.join('/tmp', 'suanli-bench-pg-'));
  const data = path.join(base, 'data');
  const sock = path.join(base, 'sock');
  fs.mkdirSync(sock);
  if (user) {
    fs.chownSync(base, user.uid, user.gid);
    fs.chownSync(sock, user.uid, user.gid);
  }
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { PATH: process.env.PATH ?? '', LC_ALL: 'C', HOME: user?.home ?? process.env.HOME ?? '/' };
  const init = spawnSync(binaries.initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C'], {
    cwd: base,
    env,
    encoding: 'utf8',
    ...as,
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  const port = await freePort();
  const log = fs.openSync(path.join(base, 'server.log'), 'w');
  if (user) fs.fchownSync(log, user.uid, user.gid);
  const child = spawn(
    binaries.postgres,
    ['-D', data, '-k', sock, '-h', '127.0.0.1', '-p', String(port), '-c', 'max_connections=100', '-c', 'shared_buffers=128MB'],
    { cwd: base, env, detached: true, stdio: ['ignore', log, log], ...as },
  );
  fs.closeSync(log);
  child.unref();
  const cleanup = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && fs.existsSync(path.join(data, 'postmaster.pid'))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    fs.rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const started = Date.now();
  for (;;) {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const version = (await c.query<{ v: string }>('select version() as v')).rows[0]!.v;
      const settings: Record<string, string> = {};
      for (const name of ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers']) {
        settings[name] = (await c.query<Record<string, string>>(`show ${name}`)).rows[0]![name]!;
      }
      await c.end();
      return {
        url,
        version,
        settings,
        stop: async () => {
          process.removeListener('exit', cleanup);
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            child.kill('SIGINT');
            await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
          }
          cleanup();
        },
      };
    } catch (error) {
      await c.end().catch(() => undefined);
      if (Date.now() - started > 30_000 || child.exitCode !== null) {
        cleanup();
        throw new Error(`PostgreSQL did not start: ${String(error)}\n${fs.readFileSync(path.join(base, 'server.log'), 'utf8').slice(-4000)}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A usage_records row in column order, as RawUsageFill writes it. */
export type RawUsageRow = [
  provider_id: string,
  record_id: string,
  cluster_id: string,
  enterprise_id: string,
  accelerator_id: string,
  count: number,
  started_at_ms: number,
  ended_at_ms: number,
  amount_fen: number,
  job_ref: string | null,
  workload: string | null,
  energy_wh: number | null,
  card_s: number,
  compute_gflop: number | null,
  received_at_ms: number,
];
const raw_usage_columns =
  '(provider_id, record_id, cluster_id, enterprise_id, accelerator_id, count, started_at_ms, ended_at_ms, amount_fen, job_ref, workload, energy_wh, card_s, compute_gflop, received_at_ms)';
const raw_usage_width = 15;

/**
 * Benchmark set-up on SQLite: usage_records filled through raw prepared multi-row INSERTs, journal and sync off, with
 * the secondary indexes dropped during the fill and built again after (`rebuildIndexes`), committed every
 * `rows_per_transaction` rows. Not how suanli writes: a fast way to a large table for what is measured after.
 */
export class RawUsageFill {
  written = 0;
  private readonly indexes: { name: string; sql: string }[];
  private readonly insertMany: SqliteDatabase.Statement;
  private readonly insertOne: SqliteDatabase.Statement;
  private readonly params: RawUsageRow[number][] = [];
  private in_transaction = 0;

  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    private readonly options: {
      rows_per_insert: number;
      rows_per_transaction: number;
      required_indexes?: readonly string[];
      onCommit?: (written: number) => void;
    },
  ) {
    this.indexes = sqlite.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'usage_records' and sql is not null").all() as {
      name: string;
      sql: string;
    }[];
    for (const name of options.required_indexes ?? []) {
      if (!this.indexes.some((i) => i.name === name)) throw new Error(`usage_records has no index ${name}: the schema changed`);
    }
    sqlite.pragma('journal_mode = OFF');
    sqlite.pragma('synchronous = OFF');
    sqlite.pragma('cache_size = -262144');
    for (const i of this.indexes) sqlite.exec(`drop index ${i.name}`);
    const one = `(${Array(raw_usage_width).fill('?').join(',')})`;
    this.insertMany = sqlite.prepare(`insert into usage_records ${raw_usage_columns} values ${Array(options.rows_per_insert).fill(one).join(',')}`);
    this.insertOne = sqlite.prepare(`insert into usage_records ${raw_usage_columns} values ${one}`);
    sqlite.exec('begin');
  }

  add(row: RawUsageRow): void {
    this.params.push(...row);
    if (this.params.length < this.options.rows_per_insert * raw_usage_width) return;
    this.flush();
    this.in_transaction += this.options.rows_per_insert;
    if (this.in_transaction >= this.options.rows_per_transaction) {
      this.sqlite.exec('commit');
      this.sqlite.exec('begin');
      this.in_transaction = 0;
      this.options.onCommit?.(this.written);
    }
  }

  /** Writes what is left and commits. */
  finish(): void {
    this.flush();
    this.sqlite.exec('commit');
  }

  rebuildIndexes(): void {
    for (const i of this.indexes) this.sqlite.exec(i.sql);
  }

  private flush(): void {
    const rows = this.params.length / raw_usage_width;
    if (rows === this.options.rows_per_insert) this.insertMany.run(this.params);
    else for (let r = 0; r < rows; r++) this.insertOne.run(this.params.slice(r * raw_usage_width, (r + 1) * raw_usage_width));
    this.written += rows;
    this.params.length = 0;
  }
}
