// Real Prometheus servers for tests (Debian's `prometheus` and `promtool`, 2.42 on CI).
//
// startBackfilledPrometheus() writes series as OpenMetrics text, turns them into TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics` and starts a private `prometheus` on them;
// startScrapedPrometheus() starts one on an empty TSDB that scrapes the given targets (startExporter() serves
// a text exposition that the test sets). Each server listens on a free 127.0.0.1 port, keeps everything in its
// own temporary directory, and is killed and removed by close(), or when the test process exits without it.
// Under CI a missing Prometheus is an error; elsewhere the suites are skipped with the reason.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { armExitCleanup, exited, freePort, isExecutable, log_tail_chars, pollUntilReady, readLog, sleep, spawnServer, stopChild } from './processes.js';

const start_timeout_ms = 30_000;
const stop_timeout_ms = 10_000;
const promtool_timeout_ms = 120_000;
/** One block for up to a year of backfilled data: promtool re-reads the whole input once per block (2 h by default). */
const backfill_block_duration = '8760h';
const poll_interval_ms = 100;

// ---------------------------------------------------------------------------
// Binaries

type Located = { path: string } | { why: string };

/** $ENV_VAR when set (then it must be executable), else /usr/bin/<name>, else the first <name> on PATH. */
function locate(name: string, env_var: string): Located {
  const given = process.env[env_var];
  if (given !== undefined && given !== '') {
    return isExecutable(given) ? { path: given } : { why: `${env_var}=${given} is not an executable file` };
  }
  const candidates = [
    join('/usr/bin', name),
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter((d) => d !== '')
      .map((d) => join(d, name)),
  ];
  const found = candidates.find(isExecutable);
  return found !== undefined ? { path: found } : { why: `${name} not found in /usr/bin or on PATH (set ${env_var} or apt-get install prometheus)` };
}

/** The prometheus and promtool binaries ($PROMETHEUS_BIN / $PROMTOOL_BIN, /usr/bin, PATH), or null when either is missing. */
export function prometheusBinaries(): { prometheus: string; promtool: string } | null {
  const prometheus = locate('prometheus', 'PROMETHEUS_BIN');
  const promtool = locate('promtool', 'PROMTOOL_BIN');
  return 'path' in prometheus && 'path' in promtool ? { prometheus: prometheus.path, promtool: promtool.path } : null;
}

/** Why a real Prometheus cannot run here, or null when it can (under CI the suites fail instead of skipping). */
export function prometheusUnavailable(): string | null {
  const why = [locate('prometheus', 'PROMETHEUS_BIN'), locate('promtool', 'PROMTOOL_BIN')].flatMap((l) => ('why' in l ? [l.why] : []));
  return why.length === 0 ? null : `Prometheus not available: ${why.join('; ')}`;
}

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * describe(name, body) when Prometheus is available. Otherwise the suite is skipped with the reason printed,
 * except under CI (.ci/run installs prometheus), where a failing test says what is missing.
 */
export function describeWithPrometheus(name: string, body: () => void): void {
  const unavailable = prometheusUnavailable();
  if (unavailable === null) {
    describe(name, body);
  } else if (isCI()) {
    describe(name, () => {
      it('Prometheus is installed under CI', () => {
        throw new Error(unavailable);
      });
    });
  } else {
    console.warn(`${name}: skipped: ${unavailable}`);
    describe.skip(name, body);
  }
}

// ---------------------------------------------------------------------------
// Series and expositions

export type Labels = Record<string, string>;

/** One series to backfill: its labels (__name__ included) and its samples, [t_ms, value]. */
export interface BackfillSeries {
  labels: Labels;
  samples: [t_ms: number, value: number][];
}

/** One target scraped by the test Prometheus. */
export interface ScrapeTarget {
  job: string;
  /** e.g. http://127.0.0.1:PORT/metrics (query parameters become the scrape's params) */
  url: string;
  scrape_interval_s: number;
  /** Prometheus's default is true: explicit timestamps in the exposition are kept. */
  honor_timestamps?: boolean;
  honor_labels?: boolean;
  /** Target labels added to every series scraped from it. */
  labels?: Labels;
}

export interface RealPrometheus {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The TSDB directory (--storage.tsdb.path). */
  dataDir: string;
  /** The server's log so far (its last few thousand characters). */
  log(): string;
  /** Kills the server and removes its directory; idempotent. */
  close(): Promise<void>;
}

const metric_name_re = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const label_name_re = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value quoted as both the text format and OpenMetrics want it: \\, \" and \n escaped. */
function quoteLabelValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** {a="x",b="y"} in label-name order, __name__ left out (it is the metric name), empty values left out (an empty label is no label). */
function formatLabels(labels: Labels): string {
  const parts: string[] = [];
  for (const name of Object.keys(labels).sort()) {
    if (name === '__name__') continue;
    if (!label_name_re.test(name) || name.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(name)}`);
    const value = labels[name]!;
    if (value !== '') parts.push(`${name}=${quoteLabelValue(value)}`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function metricName(labels: Labels): string {
  const name = labels.__name__;
  if (name === undefined || !metric_name_re.test(name)) throw new Error(`invalid or missing __name__ in ${JSON.stringify(labels)}`);
  return name;
}

/**
 * A timestamp in seconds as promtool reads it back exactly. Its OpenMetrics parser keeps int64(seconds * 1000),
 * truncated, so for some instants the plain "S.mmm" comes back one millisecond early (1.003 s is read as 1002 ms;
 * none in the 2020s, thousands near the epoch): those are written half a millisecond later ("S.mmm5").
 */
export function openMetricsTimestamp(t_ms: number): string {
  if (!Number.isSafeInteger(t_ms) || t_ms < 0) throw new Error(`timestamp ${t_ms} ms is not a non-negative integer`);
  const plain = `${Math.floor(t_ms / 1000)}.${String(t_ms % 1000).padStart(3, '0')}`;
  if (Math.trunc(Number(plain) * 1000) === t_ms) return plain;
  const nudged = `${plain}5`;
  if (Math.trunc(Number(nudged) * 1000) !== t_ms) throw new Error(`cannot write ${t_ms} ms so that promtool reads it back exactly`);
  return nudged;
}

/**
 * The series as one OpenMetrics document for promtool: `# TYPE <name> gauge` once per metric name, the samples of
 * one metric family together, each series' samples in time order, timestamps in seconds, `# EOF` at the end.
 * Yields it in pieces so that large inputs are streamed to the file.
 */
export function* openMetricsBackfill(series: BackfillSeries[]): Generator<string> {
  const families = new Map<string, { selector: string; samples: [number, number][] }[]>();
  const seen = new Set<string>();
  for (const s of series) {
    const name = metricName(s.labels);
    const selector = `${name}${formatLabels(s.labels)}`;
    if (seen.has(selector)) throw new Error(`series ${selector} is given twice`);
    seen.add(selector);
    const samples = [...s.samples].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < samples.length; i++) {
      if (samples[i]![0] === samples[i - 1]![0]) throw new Error(`series ${selector} has two samples at ${samples[i]![0]} ms`);
    }
    const family = families.get(name) ?? [];
    family.push({ selector, samples });
    families.set(name, family);
  }
  for (const [name, family] of [...families].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    yield `# TYPE ${name} gauge\n`;
    for (const { selector, samples } of family) {
      let chunk = '';
      for (const [t_ms, value] of samples) {
        chunk += `${selector} ${formatValue(value)} ${openMetricsTimestamp(t_ms)}\n`;
        if (chunk.length > 1 << 16) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk !== '') yield chunk;
    }
  }
  yield '# EOF\n';
}

/**
 * A Prometheus text exposition (version 0.0.4) of one gauge: `# TYPE name gauge`, then one line per series with
 * the explicit timestamp in integer milliseconds when given (as npu-exporter writes them).
 */
export function exposition(name: string, series: { labels: Labels; value: number; timestamp_ms?: number }[]): string {
  if (!metric_name_re.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
  let text = `# TYPE ${name} gauge\n`;
  for (const s of series) {
    if (s.timestamp_ms !== undefined && !Number.isSafeInteger(s.timestamp_ms)) throw new Error(`timestamp ${s.timestamp_ms} ms is not an integer`);
    text += `${name}${formatLabels(s.labels)} ${formatValue(s.value)}${s.timestamp_ms === undefined ? '' : ` ${s.timestamp_ms}`}\n`;
  }
  return text;
}

// ---------------------------------------------------------------------------
// Processes

/**
 * Kills the server and removes its directory if this process ends without close(): on 'exit' (normal exit,
 * process.exit(), vitest's signal handling), and by a detached watchdog for deaths that run no JavaScript (SIGKILL).
 */
function armCleanup(pid: number, base_dir: string): () => void {
  const watchdog = { name: 'prometheus-test-watchdog', then_script: 'kill -KILL "$2" 2>/dev/null; rm -rf "$3"', args: [String(pid), base_dir] };
  return armExitCleanup(watchdog, () => {
    try {
      process.kill(pid, 'SIGKILL'); // the data are thrown away anyway
    } catch {
      // already gone
    }
    rmSync(base_dir, { recursive: true, force: true });
  });
}

/** Runs a command to completion (killed after promtool_timeout_ms). */
async function runTool(file: string, args: string[], cwd: string): Promise<{ failed: string | null; output: string }> {
  const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout = (stdout + d.toString()).slice(-log_tail_chars);
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-log_tail_chars);
  });
  const spawn_failed = once(child, 'error').then(([error]) => {
    throw error as Error;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), promtool_timeout_ms);
  try {
    const [code, signal] = (await Promise.race([once(child, 'close'), spawn_failed])) as [number | null, NodeJS.Signals | null];
    // promtool reports a bad line on stderr; a clean run with --quiet writes nothing there.
    const failed = code !== 0 ? (code === null ? `signal ${signal}` : `exit status ${code}`) : /error|panic|invalid/i.test(stderr) ? 'errors on stderr' : null;
    return { failed, output: `${stdout}${stderr}` };
  } finally {
    clearTimeout(timer);
  }
}

/** promtool tsdb create-blocks-from openmetrics input data_dir, with few large blocks where promtool supports it. */
async function createBlocks(promtool: string, input: string, data_dir: string, cwd: string): Promise<void> {
  const args = (extra: string[]): string[] => ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', ...extra, input, data_dir];
  let run = await runTool(promtool, args([`--max-block-duration=${backfill_block_duration}`]), cwd);
  // Before 2.29 promtool has no --max-block-duration (it then writes 2 h blocks, which only takes longer).
  if (run.failed !== null && /unknown long flag/i.test(run.output)) run = await runTool(promtool, args([]), cwd);
  if (run.failed !== null) throw new Error(`${promtool} ${args([]).join(' ')} failed (${run.failed}):\n${run.output}`);
}

/** Sum of numSamples over the blocks promtool wrote: every sample written must be in a block. */
function blockSampleCount(data_dir: string): number {
  let total = 0;
  for (const entry of readdirSync(data_dir)) {
    let meta: { stats?: { numSamples?: number } };
    try {
      meta = JSON.parse(readFileSync(join(data_dir, entry, 'meta.json'), 'utf8')) as typeof meta;
    } catch {
      continue; // not a block
    }
    total += meta.stats?.numSamples ?? 0;
  }
  return total;
}

function scrapeConfig(target: ScrapeTarget): Record<string, unknown> {
  if (!(target.scrape_interval_s > 0)) throw new Error(`scrape_interval_s of job ${target.job} must be positive`);
  const url = new URL(target.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`target ${target.url} is not http(s)`);
  const interval_ms = Math.round(target.scrape_interval_s * 1000);
  const params: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (params[key] ??= []).push(value);
  return {
    job_name: target.job,
    scrape_interval: `${interval_ms}ms`,
    // Prometheus refuses a timeout longer than the interval.
    scrape_timeout: `${Math.min(interval_ms, 10_000)}ms`,
    honor_timestamps: target.honor_timestamps ?? true,
    honor_labels: target.honor_labels ?? false,
    scheme: url.protocol.slice(0, -1),
    metrics_path: url.pathname,
    ...(Object.keys(params).length > 0 ? { params } : {}),
    static_configs: [{ targets: [url.host], ...(target.labels ? { labels: target.labels } : {}) }],
  };
}

function configYaml(targets: ScrapeTarget[]): string {
  const jobs = new Set<string>();
  for (const t of targets) {
    if (jobs.has(t.job)) throw new Error(`job ${t.job} is given twice`);
    jobs.add(t.job);
  }
  const interval_ms = Math.min(15_000, ...targets.map((t) => Math.round(t.scrape_interval_s * 1000)));
  return stringifyYaml({
    global: {
      scrape_interval: `${interval_ms}ms`,
      scrape_timeout: `${Math.min(interval_ms, 10_000)}ms`,
      evaluation_interval: `${interval_ms}ms`,
    },
    scrape_configs: targets.map(scrapeConfig),
  });
}

/** Starts prometheus on base_dir/data with the given scrape targets and waits until /-/ready answers 200. */
async function launch(base_dir: string, targets: ScrapeTarget[]): Promise<RealPrometheus> {
  const binaries = prometheusBinaries();
  if (binaries === null) throw new Error(prometheusUnavailable() ?? 'Prometheus not available');
  const data_dir = join(base_dir, 'data');
  const config_file = join(base_dir, 'prometheus.yml');
  const log_file = join(base_dir, 'prometheus.log');
  writeFileSync(config_file, configYaml(targets));

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Detached; a fresh log per attempt: an old bind failure must not be read as this one's. Errors are surfaced
    // through exitCode / the readiness timeout.
    const child = spawnServer(
      binaries.prometheus,
      [
        `--config.file=${config_file}`,
        `--storage.tsdb.path=${data_dir}`,
        // Backfilled data are months old; time retention counts back from the newest block, and 100 y keeps them.
        '--storage.tsdb.retention.time=100y',
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-admin-api',
        // Pass explicitly what the tests rely on (both are 2.42's defaults).
        '--query.lookback-delta=5m',
        '--log.level=info',
      ],
      log_file,
      'w',
      { cwd: base_dir },
    );
    if (child.pid === undefined) throw new Error(`could not start ${binaries.prometheus}`);
    const disarm = armCleanup(child.pid, base_dir);
    const kill = async (): Promise<void> => {
      await stopChild(child, 'SIGTERM', stop_timeout_ms);
      disarm();
    };

    const not_ready = await pollUntilReady(child, Date.now(), start_timeout_ms, poll_interval_ms, async () => {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`/-/ready answered ${response.status}`);
    });
    if (not_ready === null) {
      let closing: Promise<void> | undefined;
      return {
        url,
        dataDir: data_dir,
        log: () => readLog(log_file),
        close: () =>
          (closing ??= (async () => {
            await kill();
            rmSync(base_dir, { recursive: true, force: true });
          })()),
      };
    }
    const log = readLog(log_file);
    const exited_itself = exited(child); // before the kill below, which would make every timeout look like an exit
    await kill();
    if (attempt < 3 && /address already in use/i.test(log)) continue; // someone took the port in between
    throw new Error(
      (exited_itself
        ? `prometheus exited during startup (${child.exitCode ?? child.signalCode})`
        : `prometheus was not ready at ${url} within ${start_timeout_ms / 1000} s (${not_ready.last_error})`) + `. Log:\n${log}`,
    );
  }
}

/**
 * A Prometheus whose TSDB holds exactly the given series (backfilled with promtool before it starts), scraping
 * opts.scrape if given. Its head is empty; queries see the backfilled blocks at once.
 */
export async function startBackfilledPrometheus(series: BackfillSeries[], opts: { scrape?: ScrapeTarget[] } = {}): Promise<RealPrometheus> {
  const binaries = prometheusBinaries();
  if (binaries === null) throw new Error(prometheusUnavailable() ?? 'Prometheus not available');
  const base_dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'));
  try {
    const data_dir = join(base_dir, 'data');
    const samples_total = series.reduce((n, s) => n + s.samples.length, 0);
    if (samples_total > 0) {
      const input = join(base_dir, 'backfill.om');
      const out = createWriteStream(input);
      for (const piece of openMetricsBackfill(series)) {
        if (!out.write(piece)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      await createBlocks(binaries.promtool, input, data_dir, base_dir);
      rmSync(input);
      const in_blocks = blockSampleCount(data_dir);
      if (in_blocks !== samples_total) throw new Error(`promtool wrote ${in_blocks} samples into blocks, ${samples_total} were given`);
    }
    return await launch(base_dir, opts.scrape ?? []);
  } catch (error) {
    rmSync(base_dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A Prometheus on an empty TSDB scraping the given targets. Its first scrape comes about 5 s after it is ready
 * (2.42's discovery manager hands new targets on at most every 5 s): wait with waitForSamples, not a fixed sleep.
 */
export async function startScrapedPrometheus(targets: ScrapeTarget[]): Promise<RealPrometheus> {
  return startBackfilledPrometheus([], { scrape: targets });
}

// ---------------------------------------------------------------------------
// Queries

/** A series as the query API returns it, timestamps in ms and values as numbers. */
export interface QueriedSeries {
  labels: Labels;
  samples: [t_ms: number, value: number][];
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

async function apiGet(prom: RealPrometheus, path: string, params: Record<string, string>): Promise<unknown> {
  const response = await fetch(`${prom.url}${path}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data?: unknown; error?: string };
  if (!response.ok || body.status !== 'success') throw new Error(`GET ${path} ${JSON.stringify(params)}: ${response.status} ${body.error ?? ''}`);
  return body.data;
}

function toSeries(data: unknown): QueriedSeries[] {
  const { resultType, result } = data as { resultType: string; result: unknown };
  if (resultType === 'vector') {
    return (result as { metric: Labels; value: [number, string] }[]).map((r) => ({
      labels: r.metric,
      samples: [[Math.round(r.value[0] * 1000), parseValue(r.value[1])]],
    }));
  }
  if (resultType === 'matrix') {
    return (result as { metric: Labels; values: [number, string][] }[]).map((r) => ({
      labels: r.metric,
      samples: r.values.map(([t, v]) => [Math.round(t * 1000), parseValue(v)]),
    }));
  }
  if (resultType === 'scalar') {
    const [t, v] = result as [number, string];
    return [{ labels: {}, samples: [[Math.round(t * 1000), parseValue(v)]] }];
  }
  throw new Error(`unexpected result type ${resultType}`);
}

/** GET /api/v1/query: an instant query at time_ms (default: the server's now). A range selector returns raw samples. */
export async function promQuery(prom: RealPrometheus, query: string, time_ms?: number): Promise<QueriedSeries[]> {
  return toSeries(await apiGet(prom, '/api/v1/query', { query, ...(time_ms === undefined ? {} : { time: new Date(time_ms).toISOString() }) }));
}

/** GET /api/v1/query_range from start_ms to end_ms every step_s seconds. */
export async function promQueryRange(prom: RealPrometheus, query: string, start_ms: number, end_ms: number, step_s: number): Promise<QueriedSeries[]> {
  return toSeries(
    await apiGet(prom, '/api/v1/query_range', { query, start: new Date(start_ms).toISOString(), end: new Date(end_ms).toISOString(), step: String(step_s) }),
  );
}

/** Polls an instant query (at the server's now) until predicate holds; returns that result, or throws after timeout_ms. */
export async function waitForSamples(
  prom: RealPrometheus,
  query: string,
  predicate: (series: QueriedSeries[]) => boolean,
  timeout_ms: number,
): Promise<QueriedSeries[]> {
  const started = Date.now();
  let last: QueriedSeries[] | string;
  for (;;) {
    try {
      const result = await promQuery(prom, query);
      if (predicate(result)) return result;
      last = result;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() - started > timeout_ms) {
      throw new Error(`${query}: the condition did not hold within ${timeout_ms} ms; last answer: ${typeof last === 'string' ? last : JSON.stringify(last)}`);
    }
    await sleep(poll_interval_ms);
  }
}

// ---------------------------------------------------------------------------
// Exporter

export interface Exporter {
  /** http://127.0.0.1:PORT/metrics */
  url: string;
  /** The body served from now on. */
  set(text: string): void;
  close(): Promise<void>;
}

/** A tiny exporter: GET /metrics answers the text last set, as Prometheus text format 0.0.4. */
export async function startExporter(): Promise<Exporter> {
  let body = '';
  const server = createHttpServer((request, response) => {
    if (request.method === 'GET' && new URL(request.url ?? '/', 'http://x').pathname === '/metrics') {
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(body);
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('not found\n');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    set: (text) => {
      body = text;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // Prometheus keeps its scrape connection alive
      })),
  };
}
