// `npm run bench -- prometheus`: `suanli import prometheus` (importPrometheus, in process) against a real Prometheus
// (Debian's prometheus and promtool) whose TSDB is backfilled with synthetic NVIDIA dcgm-exporter series: by default
// 1,000 A800 GPUs on 125 nodes over 24 hours, scraped every 15 s (5.76M samples), with Kubernetes pods of varied
// lengths coming and going and idle GPUs between them. In one run:
//   b  a raw baseline: the importer's hour-by-hour queries (`DCGM_FI_DEV_GPU_UTIL[4800s]` at the end of each hour plus
//      the 10-minute margin), fetched and JSON.parsed with nothing else done; then, per hour and separately timed,
//      querySamples (the importer's own fetch, read and shape check), the DeviceSamples the importer builds and
//      hourRuns over them — where the time goes;
//   a  the import of the whole window into a fresh SQLite database (Store, parties as bench/sacct.ts);
//   a2 the same import again: everything a duplicate, nothing stored.
// Checks: the stored records, card-seconds and fen equal what the generator scheduled (each pod holds its GPUs for
// whole scrape instants, so the sums are exact), the importer's sample and series counts equal the generator's, and
// the second import stores nothing. Not a timed test: it prints figures and ratios, and writes them as JSON under
// .bench-tmp/results/.
//
// test/support/prometheus.ts cannot be imported outside vitest (it imports describe/it from 'vitest' at the top, which
// throws "Vitest failed to access its internal state" under plain tsx), and its backfill holds every sample in arrays
// and gives promtool 120 s; so the backfill is written here, streamed, with the same promtool and prometheus flags,
// and the process helpers of test/support/processes.ts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { Store } from '../src/store/store.js';
import { importPrometheus, type PrometheusImportSummary } from '../src/ingest/prometheus/prometheus-import.js';
import { querySamples, sampleQueryUrl, type SampleQuery } from '../src/ingest/prometheus/sample-query.js';
import { hourRuns, sample_runs_limits, type DeviceSamples } from '../src/ingest/prometheus/sample-runs.js';
import { dcgm_exporter, exporterQuery } from '../src/ingest/prometheus/exporters.js';
import { RecordMapper, workloadKey } from '../src/ingest/prometheus/usage-records.js';
import type { PrometheusMappingFile } from '../src/ingest/prometheus/mapping-file.js';
import { armExitCleanup, freePort, isExecutable, pollUntilReady, readLog, spawnServer, stopChild } from '../test/support/processes.js';
import {
  createParties,
  enterprise_count,
  fmtInt,
  fmtRatio,
  freshDir,
  machineFacts,
  prng,
  removeDir,
  table,
  tmp_root,
  type BenchOptions,
  type Parties,
} from './support.js';

const log = (line = '') => process.stderr.write(`${line}\n`);
const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

// ---------------------------------------------------------------------------------------------------------------
// Options of this benchmark alone (bench/run.ts takes them out of argv before the shared ones are parsed)

export interface PrometheusBenchOptions {
  gpus: number;
  hours: number;
}
export const prometheus_defaults: PrometheusBenchOptions = { gpus: 1000, hours: 24 };
export const prometheus_option_help = [
  '--gpus N             prometheus: A800 GPUs, 8 per node (default 1000, a multiple of 8)',
  '--hours N            prometheus: hours of 15-second samples from 2026-11-01T00:00Z (default 24)',
];

/** Takes --gpus and --hours out of argv; the rest goes to parseArgs. */
export function takePrometheusOptions(argv: readonly string[]): { rest: string[]; options: PrometheusBenchOptions } {
  const options = { ...prometheus_defaults };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag !== '--gpus' && flag !== '--hours') {
      rest.push(a);
      continue;
    }
    const raw = (inline ?? argv[++i] ?? '').replace(/_/g, '');
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1) throw new Error(`${flag} needs a positive whole number, got ${raw || 'nothing'}`);
    if (flag === '--gpus') {
      if (n % 8 !== 0) throw new Error(`--gpus must be a multiple of 8 (GPUs per node), got ${n}`);
      options.gpus = n;
    } else {
      if (n > 30 * 24) throw new Error(`--hours at most ${30 * 24} (the window starts 2026-11-01), got ${n}`);
      options.hours = n;
    }
  }
  return { rest, options };
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic cluster: nodes gpu-node-001… with 8 × NVIDIA A800 80GB PCIe each, scraped every 15 s at an offset of
// its own (milliseconds, as Prometheus spreads its targets). Each node's GPUs are split in groups (8, 4+4, 1+1+2+4…);
// a group runs one pod after another — inference pods of minutes, jobs of hours, training of a day or more (the first
// may have started before the window) — with idle gaps between them, none at all, or hours. Some nodes and some groups
// stay idle the whole window. A GPU held by no pod has dcgm-exporter's series without pod labels (value 0). 30
// namespaces, one per enterprise, used unevenly. Every instant is a scrape instant of the node, so what each pod holds
// is known to the second.

const scrape_ms = 15_000;
const window_from_ms = Date.parse('2026-11-01T00:00:00Z');
const hour_ms = sample_runs_limits.hour_s * 1000;
const model_name = 'NVIDIA A800 80GB PCIe';
const accelerator = 'nvidia-a800-80gb-pcie';
const price_fen_per_card_h = 1200;
const metric = dcgm_exporter.metric;
const bus = [
  '00000000:07:00.0',
  '00000000:0F:00.0',
  '00000000:47:00.0',
  '00000000:4E:00.0',
  '00000000:87:00.0',
  '00000000:90:00.0',
  '00000000:B7:00.0',
  '00000000:BD:00.0',
];
const layouts = [[8], [8], [4, 4], [4, 2, 2], [2, 2, 2, 2], [1, 1, 2, 4], [1, 1, 1, 1, 4], [1, 1, 1, 1, 1, 1, 1, 1]];
const p_idle_node = 0.05;
const p_idle_group = 0.08;

interface Pod {
  namespace: number;
  name: string;
  container: string;
  node: number;
  gpus: number[];
  util: number;
  start_ms: number;
  end_ms: number;
}

interface Expected {
  nodes: number;
  pods: number;
  pod_hours: number;
  samples: number;
  held_samples: number;
  series: number;
  idle_series: number;
  card_s: number;
  amount_fen: bigint;
  records: number;
}

const namespaceName = (i: number) => `team-${String(i).padStart(2, '0')}`;
const nodeName = (n: number) => `gpu-node-${String(n).padStart(3, '0')}`;
const uuid = (node: number, gpu: number) =>
  `GPU-${(0x5a3c0000 + node * 16 + gpu).toString(16)}-7d1e-4c2b-9f0a-${(0x1b2c3d4e5f60 + node * 256 + gpu).toString(16)}`;
/** The node's scrape offset: its samples are at window start + offset + k × 15 s. */
const offsetMs = (node: number) => (node * 7919) % scrape_ms;

/** Log-uniform between a and b, on whole scrape intervals, at least two. */
function duration(rnd: () => number, a_s: number, b_s: number): number {
  const s = a_s * Math.exp(rnd() * Math.log(b_s / a_s));
  return Math.max(2, Math.round(s / 15)) * scrape_ms;
}

/** The pods of the window, on each node's scrape grid; start/end: the first instant held and the instant after the last. */
function schedule(gpus: number, hours: number): { pods: Pod[]; idle_nodes: number } {
  const rnd = prng(20261101);
  const window_to_ms = window_from_ms + hours * hour_ms;
  const pods: Pod[] = [];
  let idle_nodes = 0;
  let seq = 0;
  for (let node = 1; node <= gpus / 8; node++) {
    const idle = rnd() < p_idle_node;
    const layout = layouts[Math.floor(rnd() * layouts.length)]!;
    if (idle) {
      idle_nodes++;
      continue;
    }
    const grid0 = window_from_ms + offsetMs(node);
    let first_gpu = 0;
    for (const size of layout) {
      const group = Array.from({ length: size }, (_, i) => first_gpu + i);
      first_gpu += size;
      if (rnd() < p_idle_group) continue;
      // start up to 12 h before the window: the first pod may be running at its start
      let t = grid0 - Math.floor(rnd() * 2880) * scrape_ms;
      while (t < window_to_ms) {
        const kind = rnd();
        const [a_s, b_s, prefix, container] =
          kind < 0.45 ? [300, 5400, 'infer', 'server'] : kind < 0.8 ? [3600, 8 * 3600, 'job', 'worker'] : [8 * 3600, 36 * 3600, 'train', 'trainer'];
        const length = duration(rnd, a_s, b_s);
        const namespace = Math.floor(enterprise_count * rnd() * rnd());
        const util = 20 + Math.floor(rnd() * 80);
        const name = `${prefix}-${(seq++).toString(36).padStart(4, '0')}-${Math.floor(rnd() * 36 ** 5)
          .toString(36)
          .padStart(5, '0')}`;
        const start = Math.max(t, grid0);
        const end = Math.min(t + length, window_to_ms + scrape_ms); // past the window: samples stop at its end
        if (end > start) pods.push({ namespace, name, container, node, gpus: group, util, start_ms: start, end_ms: end });
        const gap = rnd();
        t += length + (gap < 0.25 ? 0 : gap < 0.75 ? duration(rnd, 60, 3600) : duration(rnd, 3600, 6 * 3600));
      }
    }
  }
  return { pods, idle_nodes };
}

/**
 * A timestamp in seconds that promtool reads back as exactly t_ms (test/support/prometheus.ts, openMetricsTimestamp:
 * its parser keeps int64(seconds × 1000), truncated; none of this window's instants need the nudge, checked anyway).
 */
function timestamp(t_ms: number): string {
  const plain = `${Math.floor(t_ms / 1000)}.${String(t_ms % 1000).padStart(3, '0')}`;
  if (Math.trunc(Number(plain) * 1000) === t_ms) return plain;
  const nudged = `${plain}5`;
  if (Math.trunc(Number(nudged) * 1000) !== t_ms) throw new Error(`cannot write ${t_ms} ms for promtool`);
  return nudged;
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!}"`)
    .join(',')}}`;
}

/** Round half up of count × seconds × fen / 3600, computed here on its own (BigInt). */
function amount(count: number, seconds: number): bigint {
  const n = BigInt(count) * BigInt(seconds) * BigInt(price_fen_per_card_h);
  return (n * 2n + 3600n) / 7200n;
}

/**
 * Writes the OpenMetrics input of promtool (one series' samples together, in time order) and returns what the
 * importer must find: the held card-seconds to the second ([floor_s(first instant), min(window end, floor_s(last
 * instant + 15 s))), cut at every hour), one record per pod and hour, the samples and the series.
 */
function writeOpenMetrics(file: string, gpus: number, hours: number, pods: readonly Pod[]): Expected {
  const window_to_ms = window_from_ms + hours * hour_ms;
  const instants = hours * 240;
  const fd = fs.openSync(file, 'w');
  let chunk = `# TYPE ${metric} gauge\n`;
  const flush = (force = false) => {
    if (force || chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  };
  const expected: Expected = {
    nodes: gpus / 8,
    pods: pods.length,
    pod_hours: 0,
    samples: 0,
    held_samples: 0,
    series: 0,
    idle_series: 0,
    card_s: 0,
    amount_fen: 0n,
    records: 0,
  };
  const by_node = new Map<number, Pod[]>();
  for (const p of pods) {
    const list = by_node.get(p.node) ?? [];
    list.push(p);
    by_node.set(p.node, list);
  }
  const owner = new Int32Array(instants);

  for (let node = 1; node <= gpus / 8; node++) {
    const grid0 = window_from_ms + offsetMs(node);
    const node_pods = by_node.get(node) ?? [];
    for (let gpu = 0; gpu < 8; gpu++) {
      const base: Record<string, string> = {
        DCGM_FI_DRIVER_VERSION: '535.161.08',
        Hostname: nodeName(node),
        UUID: uuid(node, gpu),
        device: `nvidia${gpu}`,
        gpu: String(gpu),
        instance: `10.0.${Math.floor(node / 200)}.${20 + (node % 200)}:9400`,
        job: 'nvidia-dcgm-exporter',
        modelName: model_name,
        pci_bus_id: bus[gpu]!,
      };
      owner.fill(-1);
      node_pods.forEach((p, index) => {
        if (!p.gpus.includes(gpu)) return;
        const selector = `${metric}${labelText({ ...base, container: p.container, namespace: namespaceName(p.namespace), pod: p.name })}`;
        expected.series++;
        for (let t = p.start_ms, k = (p.start_ms - grid0) / scrape_ms; t < p.end_ms && t < window_to_ms; t += scrape_ms, k++) {
          if (owner[k] !== -1) throw new Error(`internal: two pods on ${nodeName(node)} GPU ${gpu} at ${new Date(t).toISOString()}`);
          owner[k] = index;
          chunk += `${selector} ${Math.min(100, Math.max(0, p.util + ((k * 7 + gpu * 3) % 11) - 5))} ${timestamp(t)}\n`;
          expected.samples++;
          expected.held_samples++;
          flush();
        }
      });
      const idle_selector = `${metric}${labelText(base)}`;
      let idle = false;
      for (let k = 0; k < instants; k++) {
        if (owner[k] !== -1) continue;
        idle = true;
        chunk += `${idle_selector} 0 ${timestamp(grid0 + k * scrape_ms)}\n`;
        expected.samples++;
        flush();
      }
      if (idle) {
        expected.series++;
        expected.idle_series++;
      }
    }
    for (const p of node_pods) {
      const start = Math.floor(p.start_ms / 1000) * 1000;
      const end = Math.min(window_to_ms, Math.floor(p.end_ms / 1000) * 1000);
      expected.card_s += (p.gpus.length * (end - start)) / 1000;
      for (let h = Math.floor(start / hour_ms) * hour_ms; h < end; h += hour_ms) {
        const seconds = (Math.min(end, h + hour_ms) - Math.max(start, h)) / 1000;
        if (seconds <= 0) continue;
        expected.pod_hours++;
        expected.records++;
        expected.amount_fen += amount(p.gpus.length, seconds);
      }
    }
  }
  chunk += '# EOF\n';
  flush(true);
  fs.closeSync(fd);
  if (expected.samples !== gpus * instants) throw new Error(`internal: ${expected.samples} samples written, ${gpus * instants} scheduled`);
  return expected;
}

// ---------------------------------------------------------------------------------------------------------------
// The Prometheus: promtool backfill into one block, then a private server on a loopback port (flags as in
// test/support/prometheus.ts).

interface Prom {
  url: string;
  pid: number;
  log(): string;
  stop(): Promise<void>;
}

function binaries(): { prometheus: string; promtool: string } {
  const find = (name: string, env: string) => {
    const given = process.env[env];
    const candidates = given
      ? [given]
      : [
          path.join('/usr/bin', name),
          ...(process.env.PATH ?? '')
            .split(path.delimiter)
            .filter(Boolean)
            .map((d) => path.join(d, name)),
        ];
    const found = candidates.find(isExecutable);
    if (found === undefined) throw new Error(`${name} not found (set ${env} or apt-get install prometheus)`);
    return found;
  };
  return { prometheus: find('prometheus', 'PROMETHEUS_BIN'), promtool: find('promtool', 'PROMTOOL_BIN') };
}

async function runTool(file: string, args: string[]): Promise<string> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  });
  child.stderr!.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0 || /error|panic|invalid/i.test(output)) throw new Error(`${file} ${args.join(' ')} failed (${code}):\n${output}`);
  return output;
}

function blockSamples(data_dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(data_dir)) {
    const meta = path.join(data_dir, entry, 'meta.json');
    if (fs.existsSync(meta)) total += (JSON.parse(fs.readFileSync(meta, 'utf8')) as { stats?: { numSamples?: number } }).stats?.numSamples ?? 0;
  }
  return total;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    n += e.isDirectory() ? dirBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size;
  return n;
}

async function startPrometheus(prometheus: string, base_dir: string): Promise<Prom> {
  const config = path.join(base_dir, 'prometheus.yml');
  const log_file = path.join(base_dir, 'prometheus.log');
  fs.writeFileSync(config, 'global:\n  scrape_interval: 15s\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnServer(
    prometheus,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(base_dir, 'data')}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--query.lookback-delta=5m',
      '--log.level=warn',
    ],
    log_file,
    'w',
    { cwd: base_dir },
  );
  if (child.pid === undefined) throw new Error(`could not start ${prometheus}`);
  const pid = child.pid;
  const disarm = armExitCleanup({ name: 'prometheus-bench-watchdog', then_script: 'kill -KILL "$2" 2>/dev/null', args: [String(pid)] }, () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  const stop = async () => {
    await stopChild(child, 'SIGTERM', 10_000);
    disarm();
  };
  const not_ready = await pollUntilReady(child, Date.now(), 60_000, 100, async () => {
    const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`/-/ready answered ${r.status}`);
  });
  if (not_ready !== null) {
    await stop();
    throw new Error(`prometheus not ready at ${url} (${not_ready.last_error}):\n${readLog(log_file)}`);
  }
  return { url, pid, log: () => readLog(log_file), stop };
}

/** CPU seconds (user + system) of a process, from /proc/PID/stat; null where unreadable. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

/** Wall, this process's CPU and Prometheus's CPU over fn. */
async function measured<T>(prom_pid: number, fn: () => Promise<T>): Promise<{ value: T; wall_s: number; node_cpu_s: number; prom_cpu_s: number | null }> {
  const p0 = cpuSeconds(prom_pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall_s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const p1 = cpuSeconds(prom_pid);
  return { value, wall_s, node_cpu_s: (c.user + c.system) / 1e6, prom_cpu_s: p0 === null || p1 === null ? null : p1 - p0 };
}

// ---------------------------------------------------------------------------------------------------------------
// The baseline pass: per hour, the importer's query fetched and parsed (timed), then its pieces one at a time. Each
// piece is accounted in wall time and in CPU time (this process's, Prometheus's): the machine may be shared, and CPU
// seconds say where the work goes even when the wall clock also counts others' work.

interface Piece {
  wall_s: number;
  node_cpu_s: number;
  prom_cpu_s: number;
}
const piece = (): Piece => ({ wall_s: 0, node_cpu_s: 0, prom_cpu_s: 0 });

/** Runs fn and adds its wall, node CPU and (when prom_pid is given) Prometheus CPU seconds to acc. */
async function timed<T>(acc: Piece, prom_pid: number | null, fn: () => T | Promise<T>): Promise<T> {
  const p0 = prom_pid === null ? null : cpuSeconds(prom_pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  acc.wall_s += (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  acc.node_cpu_s += (c.user + c.system) / 1e6;
  const p1 = prom_pid === null ? null : cpuSeconds(prom_pid);
  if (p0 !== null && p1 !== null) acc.prom_cpu_s += p1 - p0;
  return value;
}

interface Baseline {
  fetch: Piece;
  parse: Piece;
  query_samples: Piece;
  devices: Piece;
  hour_runs: Piece;
  body_mb: number;
  samples_in_hours: number;
  runs: number;
}

async function baselinePass(url: string, prom_pid: number, hours: readonly number[], mapping: PrometheusMappingFile): Promise<Baseline> {
  const selector = exporterQuery(dcgm_exporter, mapping.selector);
  const margin_ms = sample_runs_limits.margin_s * 1000;
  const mapper = new RecordMapper(mapping);
  const out: Baseline = {
    fetch: piece(),
    parse: piece(),
    query_samples: piece(),
    devices: piece(),
    hour_runs: piece(),
    body_mb: 0,
    samples_in_hours: 0,
    runs: 0,
  };
  const queryOf = (hour: number): SampleQuery => ({
    base_url: url,
    selector,
    time_ms: hour + hour_ms + margin_ms - 1,
    range_s: sample_runs_limits.hour_s + 2 * sample_runs_limits.margin_s,
    timeout_ms: 120_000,
  });
  // one untimed query first: Prometheus's first read of the block (index, postings) is no hour's cost
  await (await fetch(sampleQueryUrl(queryOf(hours[0]!)))).arrayBuffer();
  for (const hour of hours) {
    const q = queryOf(hour);
    // raw: the same request, the body as text, JSON.parse; nothing else
    const body = await timed(out.fetch, prom_pid, async () => {
      const response = await fetch(sampleQueryUrl(q), { headers: { accept: 'application/json' } });
      const text = await response.text();
      if (!response.ok) throw new Error(`baseline query answered ${response.status}: ${text.slice(0, 300)}`);
      return text;
    });
    out.body_mb += Buffer.byteLength(body) / 1e6;
    const json = await timed(out.parse, null, () => JSON.parse(body) as { data: { result: { values: [number, string][] }[] } });
    for (const s of json.data.result) {
      for (const [ts] of s.values) {
        const ms = Math.round(ts * 1000);
        if (ms >= hour && ms < hour + hour_ms) out.samples_in_hours++;
      }
    }

    // the importer's pieces, each timed alone: querySamples (fetch + capped read + JSON.parse + TypeBox check) …
    const series = await timed(out.query_samples, prom_pid, () => querySamples(q));
    // … the DeviceSamples it builds (as prometheus-import.ts devicesOf, without the summary's counting) …
    const devices = await timed(out.devices, null, () => {
      const list: DeviceSamples[] = [];
      for (const s of series) {
        JSON.stringify(Object.entries(s.metric).sort(([a], [b]) => (a < b ? -1 : 1))); // the series identity it keeps
        const reading = dcgm_exporter.read(s.metric);
        if (reading.kind === 'idle') continue;
        const host = s.metric[dcgm_exporter.host_label_default] ?? '';
        const key = workloadKey({
          cluster_id: mapper.cluster(host),
          host,
          namespace: reading.namespace,
          pod: reading.pod,
          model_name: reading.model_name,
          mig: reading.mig,
        });
        const times: number[] = [];
        const counts: boolean[] = [];
        for (const [ts] of s.values) {
          const ms = Math.round(ts * 1000);
          if (ms < hour - margin_ms || ms >= hour + hour_ms + margin_ms) continue;
          times.push(ms);
          counts.push(true);
        }
        list.push({ key, device: reading.device, times, counts });
      }
      return list;
    });
    // … and hourRuns
    out.runs += (await timed(out.hour_runs, null, () => hourRuns(devices, hour))).length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

function storedSums(store: Store): { records: number; card_s: number; amount_fen: bigint } {
  const st = store.connection.sqlite!.prepare(
    'select count(*) as n, coalesce(sum(card_s), 0) as card_s, coalesce(sum(amount_fen), 0) as amount_fen from usage_records',
  );
  st.safeIntegers(true);
  const r = st.get() as { n: bigint; card_s: bigint; amount_fen: bigint };
  return { records: Number(r.n), card_s: Number(r.card_s), amount_fen: r.amount_fen };
}

export async function prometheusBench(_options: BenchOptions, size: PrometheusBenchOptions = prometheus_defaults): Promise<void> {
  const { gpus, hours } = size;
  const bin = binaries();
  const machine = machineFacts();
  const load_before = os.loadavg()[0]!;
  if (load_before > 0.5) log(`  WARNING: load average ${load_before.toFixed(2)} before the run: other work on this machine will skew the figures`);
  const synchronous = loadConfig({}).sqlite_synchronous; // suanli's default
  const window_to_ms = window_from_ms + hours * hour_ms;
  if (window_to_ms > Date.now() - 10 * 60_000)
    throw new Error(`the window ends ${new Date(window_to_ms).toISOString()}, less than 10 minutes ago: use fewer --hours`);
  const samples_total = gpus * hours * 240;
  log(
    `prometheus import benchmark — ${machine.date_utc}, ${machine.nproc} cores (${machine.cpu}), ${machine.memory_gib} GiB, node ${machine.node}; ` +
      `${fmtInt(gpus)} GPUs on ${fmtInt(gpus / 8)} nodes × ${hours} h × 15 s = ${fmtInt(samples_total)} samples; SQLite synchronous=${synchronous}`,
  );

  const maxRssMb = () => round((process.resourceUsage().maxRSS * 1024) / 1e6, 0);
  const rss_mb = { generation: 0, baseline: 0, import: 0 };
  const root = freshDir('prometheus');
  let prom: Prom | null = null;
  let store: Store | null = null;
  try {
    // ----- data: schedule, OpenMetrics, promtool, prometheus
    let t = performance.now();
    const { pods, idle_nodes } = schedule(gpus, hours);
    const input = path.join(root, 'backfill.om');
    const expected = writeOpenMetrics(input, gpus, hours, pods);
    const input_mb = fs.statSync(input).size / 1e6;
    const generate_s = (performance.now() - t) / 1000;
    rss_mb.generation = maxRssMb();
    log(
      `  generated ${fmtInt(expected.pods)} pods (${idle_nodes} idle nodes), ${fmtInt(expected.series)} series (${fmtInt(expected.idle_series)} without pod), ` +
        `${fmtInt(expected.samples)} samples (${fmtInt(expected.held_samples)} held): ${input_mb.toFixed(0)} MB of OpenMetrics in ${generate_s.toFixed(1)} s`,
    );
    const prom_dir = path.join(root, 'prometheus');
    fs.mkdirSync(prom_dir);
    t = performance.now();
    await runTool(bin.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=8760h', input, path.join(prom_dir, 'data')]);
    const promtool_s = (performance.now() - t) / 1000;
    const in_blocks = blockSamples(path.join(prom_dir, 'data'));
    if (in_blocks !== expected.samples) throw new Error(`promtool wrote ${in_blocks} samples, ${expected.samples} were given`);
    const tsdb_mb = dirBytes(path.join(prom_dir, 'data')) / 1e6;
    fs.rmSync(input);
    log(
      `  promtool tsdb create-blocks-from openmetrics: ${promtool_s.toFixed(1)} s (${fmtInt(expected.samples / promtool_s)} samples/s), TSDB ${tsdb_mb.toFixed(1)} MB`,
    );
    t = performance.now();
    prom = await startPrometheus(bin.prometheus, prom_dir);
    const prom_start_s = (performance.now() - t) / 1000;
    const version = (await runTool(bin.prometheus, ['--version'])).split('\n')[0]!.trim();
    log(`  ${version} at ${prom.url}, ready in ${prom_start_s.toFixed(1)} s`);

    // ----- the database
    const data_dir = path.join(root, 'db');
    fs.mkdirSync(data_dir);
    const config = loadConfig({}, { data_dir, log_level: 'silent', sqlite_synchronous: synchronous });
    store = Store.open(config);
    await store.migrate(Date.now());
    const parties: Parties = await createParties(store, Date.now());
    const mapping: PrometheusMappingFile = {
      clusters: { default: parties.cluster_id },
      enterprises: Object.fromEntries(parties.enterprise_ids.map((id, i) => [namespaceName(i), id])),
      price_fen_per_card_h: { [accelerator]: price_fen_per_card_h },
    };
    const hour_starts = Array.from({ length: hours }, (_, i) => window_from_ms + i * hour_ms);

    // ----- b: the baseline pass (also warms the OS cache of the block for both)
    log('  b  baseline: the hourly queries fetched and JSON.parsed, then querySamples, DeviceSamples and hourRuns timed apart');
    const base = await measured(prom.pid, () => baselinePass(prom!.url, prom!.pid, hour_starts, mapping));
    const b = base.value;
    if (b.samples_in_hours !== expected.samples)
      throw new Error(`the baseline read ${b.samples_in_hours} samples in the hours, ${expected.samples} were written`);
    const raw_s = b.fetch.wall_s + b.parse.wall_s;
    rss_mb.baseline = maxRssMb();
    log(
      `     fetch ${b.fetch.wall_s.toFixed(2)} s + JSON.parse ${b.parse.wall_s.toFixed(2)} s (${b.body_mb.toFixed(0)} MB): ${fmtInt(samples_total / raw_s)} samples/s; ` +
        `querySamples ${b.query_samples.wall_s.toFixed(2)} s, DeviceSamples ${b.devices.wall_s.toFixed(2)} s, hourRuns ${b.hour_runs.wall_s.toFixed(2)} s`,
    );

    // ----- a: the import
    const importOnce = () =>
      importPrometheus(store!, config, {
        url: prom!.url,
        from_ms: window_from_ms,
        to_ms: window_to_ms,
        exporter: 'dcgm',
        mapping,
        min_util: null,
        replace: false,
        timeout_ms: 120_000,
        batch_records: config.batch_records_max,
        progress: false,
        now_ms: Date.now(),
        out: () => undefined,
      });
    log(`  a  importPrometheus over ${hours} hours into a fresh SQLite database (batch ${config.batch_records_max})`);
    const first = await measured(prom.pid, importOnce);
    const s1: PrometheusImportSummary = first.value;
    log(
      `     ${first.wall_s.toFixed(2)} s: ${s1.records} records, ${s1.accepted} accepted; ${fmtInt(samples_total / first.wall_s)} samples/s, ${fmtInt(s1.records / first.wall_s)} records/s`,
    );
    const after_first = storedSums(store);
    rss_mb.import = maxRssMb();

    log('  a2 the same import again');
    const second = await measured(prom.pid, importOnce);
    const s2 = second.value;
    const after_second = storedSums(store);
    log(`     ${second.wall_s.toFixed(2)} s: ${s2.accepted} accepted, ${s2.duplicates} duplicates, ${s2.conflicts} conflicts`);

    // ----- checks
    const problems: string[] = [];
    const want = (what: string, got: number | bigint, expect: number | bigint) => {
      if (got !== expect) problems.push(`${what}: ${got}, expected ${expect}`);
    };
    want('stored records', after_first.records, expected.records);
    want('stored card-seconds', after_first.card_s, expected.card_s);
    want('stored fen', after_first.amount_fen, expected.amount_fen);
    want('records made', s1.records, expected.records);
    want('accepted', s1.accepted, expected.records);
    want('duplicates (first import)', s1.duplicates, 0);
    want('rejected', s1.rejected, 0);
    want('skipped runs', s1.skipped, 0);
    want('runs', s1.runs, expected.records);
    want('summary card-seconds stored', s1.card_s_stored, expected.card_s);
    want('samples of held devices', s1.samples, expected.held_samples);
    want('series', s1.series, expected.series);
    want('series without pod', s1.series_idle, expected.idle_series);
    want('baseline runs (hourRuns)', b.runs, expected.records);
    want('second import: accepted', s2.accepted, 0);
    want('second import: duplicates', s2.duplicates, expected.records);
    want('second import: conflicts', s2.conflicts, 0);
    want('second import: rejected', s2.rejected, 0);
    want('records after the second import', after_second.records, expected.records);
    want('card-seconds after the second import', after_second.card_s, expected.card_s);
    if (problems.length > 0) throw new Error(`the import does not match the generator:\n  ${problems.join('\n  ')}`);

    // ----- report
    const load_after = os.loadavg()[0]!;
    const ratio = raw_s / first.wall_s;
    const cpu = (m: { node_cpu_s: number; prom_cpu_s: number | null }) =>
      `node ${m.node_cpu_s.toFixed(1)} s, prometheus ${m.prom_cpu_s === null ? '?' : m.prom_cpu_s.toFixed(1)} s`;
    // a's CPU, split by the pieces timed apart in b; what is left is a's own: mapping, the stored-hour look-up, the ingest
    const a_cpu = first.node_cpu_s + (first.prom_cpu_s ?? 0);
    const rest: Piece = {
      wall_s: first.wall_s - b.query_samples.wall_s - b.devices.wall_s - b.hour_runs.wall_s,
      node_cpu_s: first.node_cpu_s - b.query_samples.node_cpu_s - b.devices.node_cpu_s - b.hour_runs.node_cpu_s,
      prom_cpu_s: (first.prom_cpu_s ?? 0) - b.query_samples.prom_cpu_s,
    };
    const check: Piece = {
      wall_s: b.query_samples.wall_s - b.fetch.wall_s - b.parse.wall_s,
      node_cpu_s: b.query_samples.node_cpu_s - b.fetch.node_cpu_s - b.parse.node_cpu_s,
      prom_cpu_s: b.query_samples.prom_cpu_s - b.fetch.prom_cpu_s,
    };
    // a difference of wall times measured minutes apart on a shared machine means nothing: those rows show CPU only
    const row = (label: string, p: Piece, indent = false, derived = false): string[] => [
      `${indent ? '   ' : ''}${label}`,
      derived ? '—' : p.wall_s.toFixed(2),
      p.node_cpu_s.toFixed(2),
      p.prom_cpu_s.toFixed(2),
      `${((100 * (p.node_cpu_s + p.prom_cpu_s)) / a_cpu).toFixed(0)}%`,
    ];
    const out: string[] = [];
    out.push('');
    out.push(`suanli prometheus import benchmark — ${machine.date_utc}`);
    out.push(
      `machine: ${machine.nproc} cores (${machine.cpu}), ${machine.memory_gib} GiB RAM, ${machine.platform}, node ${machine.node}; ` +
        `load average (1 min) ${load_before.toFixed(2)} before, ${load_after.toFixed(2)} after`,
    );
    out.push(
      `prometheus: ${version}, one block backfilled by promtool (${input_mb.toFixed(0)} MB OpenMetrics in, TSDB ${tsdb_mb.toFixed(1)} MB; ` +
        `generation ${generate_s.toFixed(1)} s, promtool ${promtool_s.toFixed(1)} s, ready ${prom_start_s.toFixed(1)} s)`,
    );
    out.push(
      `input: DCGM_FI_DEV_GPU_UTIL of ${fmtInt(gpus)} × ${model_name} on ${fmtInt(expected.nodes)} nodes (${idle_nodes} idle), ` +
        `${hours} h from ${new Date(window_from_ms).toISOString()} every 15 s: ${fmtInt(samples_total)} samples (${fmtInt(expected.held_samples)} of held GPUs) ` +
        `in ${fmtInt(expected.series)} series (${fmtInt(expected.idle_series)} without pod); ${fmtInt(expected.pods)} pods → ${fmtInt(expected.records)} pod-hour records; ` +
        `SQLite synchronous=${synchronous}, ${fmtInt(config.batch_records_max)} records per transaction`,
    );
    out.push('');
    out.push(
      table(
        ['path', 'seconds', 'samples/s', 'records/s', '× baseline', 'CPU'],
        [
          [
            `b  raw: ${hours} hourly queries fetched (${b.body_mb.toFixed(0)} MB) + JSON.parse`,
            raw_s.toFixed(2),
            fmtInt(samples_total / raw_s),
            '—',
            '1.00',
            `node ${(b.fetch.node_cpu_s + b.parse.node_cpu_s).toFixed(1)} s, prometheus ${b.fetch.prom_cpu_s.toFixed(1)} s`,
          ],
          [
            'a  importPrometheus into a fresh SQLite database',
            first.wall_s.toFixed(2),
            fmtInt(samples_total / first.wall_s),
            fmtInt(s1.records / first.wall_s),
            fmtRatio(ratio),
            cpu(first),
          ],
          [
            'a2 the same window again (all duplicates)',
            second.wall_s.toFixed(2),
            fmtInt(samples_total / second.wall_s),
            fmtInt(s2.records / second.wall_s),
            fmtRatio(raw_s / second.wall_s),
            cpu(second),
          ],
        ],
      ),
    );
    out.push('');
    out.push('where the time of a goes (pieces timed apart in pass b over the same hours; CPU: this process, Prometheus):');
    out.push(
      table(
        ['piece', 'wall s', 'node CPU s', 'prom CPU s', "share of a's CPU"],
        [
          row("querySamples: the importer's fetch, capped read, JSON.parse, TypeBox check", b.query_samples),
          row('of which HTTP: Prometheus answers, body read as text (raw baseline)', b.fetch, true),
          row('of which JSON.parse (raw baseline)', b.parse, true),
          row('of which the rest: capped read (chunks, concat) + TypeBox check', check, true, true),
          row('DeviceSamples from the series (labels, workload keys, instants)', b.devices),
          row('hourRuns', b.hour_runs),
          row('the rest of a: mapping, stored-hour look-up, UsageIngest into SQLite', rest, false, true),
        ],
      ),
    );
    out.push('');
    out.push(
      `a/b = ${fmtRatio(ratio)} (samples/s of the import over the raw fetch + parse); whole pass b: ${base.wall_s.toFixed(1)} s, ${cpu(base)}; ` +
        `peak RSS of the benchmark process ${rss_mb.generation} MB after generation, ${rss_mb.baseline} MB after b, ${rss_mb.import} MB after a`,
    );
    out.push(
      `stored ${fmtInt(after_first.records)} records, ${after_first.card_s} card-seconds (${(after_first.card_s / 3600).toFixed(2)} card-hours), ${after_first.amount_fen} fen — ` +
        'as scheduled; the second import stored nothing (all duplicates)',
    );
    out.push(`command: npm run bench -- prometheus --gpus ${gpus} --hours ${hours}`);
    process.stdout.write(`${out.join('\n')}\n`);

    const results_dir = path.join(tmp_root, 'results');
    fs.mkdirSync(results_dir, { recursive: true });
    const file = path.join(results_dir, `prometheus-${machine.date_utc.replace(/[:.]/g, '-')}.json`);
    const phase = (m: { wall_s: number; node_cpu_s: number; prom_cpu_s: number | null }) => ({
      wall_s: round(m.wall_s, 3),
      node_cpu_s: round(m.node_cpu_s),
      prometheus_cpu_s: m.prom_cpu_s === null ? null : round(m.prom_cpu_s),
    });
    const summary = (s: PrometheusImportSummary) => ({
      hours: s.hours,
      series: s.series,
      series_idle: s.series_idle,
      samples: s.samples,
      runs: s.runs,
      records: s.records,
      accepted: s.accepted,
      duplicates: s.duplicates,
      rejected: s.rejected,
      skipped: s.skipped,
      conflicts: s.conflicts,
      card_s_stored: s.card_s_stored,
      seconds: round(s.seconds, 3),
    });
    fs.writeFileSync(
      file,
      `${JSON.stringify(
        {
          benchmark: 'prometheus',
          machine,
          load_average_1min: { before: load_before, after: load_after },
          prometheus: version,
          sqlite_synchronous: synchronous,
          batch_records: config.batch_records_max,
          input: {
            gpus,
            nodes: expected.nodes,
            idle_nodes,
            hours,
            scrape_interval_s: 15,
            samples: samples_total,
            held_samples: expected.held_samples,
            series: expected.series,
            idle_series: expected.idle_series,
            pods: expected.pods,
            records: expected.records,
            openmetrics_mb: round(input_mb),
            tsdb_mb: round(tsdb_mb),
          },
          setup_s: { generate: round(generate_s), promtool: round(promtool_s), prometheus_ready: round(prom_start_s) },
          baseline: {
            ...phase(base),
            body_mb: round(b.body_mb),
            raw_s: round(raw_s, 3),
            raw_samples_per_s: Math.round(samples_total / raw_s),
            pieces: Object.fromEntries(
              Object.entries({
                fetch: b.fetch,
                parse: b.parse,
                query_samples: b.query_samples,
                query_samples_rest: check,
                devices: b.devices,
                hour_runs: b.hour_runs,
                import_rest: rest,
              }).map(([k, p]) => [k, { wall_s: round(p.wall_s, 3), node_cpu_s: round(p.node_cpu_s), prometheus_cpu_s: round(p.prom_cpu_s) }]),
            ),
          },
          import: {
            ...phase(first),
            samples_per_s: Math.round(samples_total / first.wall_s),
            records_per_s: Math.round(s1.records / first.wall_s),
            summary: summary(s1),
          },
          reimport: { ...phase(second), samples_per_s: Math.round(samples_total / second.wall_s), summary: summary(s2) },
          ratio_import_to_raw: round(ratio, 3),
          peak_rss_mb: rss_mb,
          stored: { records: after_first.records, card_s: after_first.card_s, amount_fen: String(after_first.amount_fen) },
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`\nJSON: ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await store?.close();
    await prom?.stop();
    removeDir(root);
  }
}
