// `suanli import prometheus`: pulls one exporter's per-device series from Prometheus chunk by chunk, turns them into
// card runs per Kubernetes workload (./card-runs.ts), maps the runs to usage records with the mapping file
// (./usage-records.ts) and feeds them to the same ingest pipeline as the API, per provider, in batches. A chunk is
// fetched whole before any of its records is written, so a failed query leaves nothing of its chunk behind; the
// chunks before it stay imported, and running the import again only adds duplicates.
import { SingleBar, Presets } from 'cli-progress';
import type { Store } from '../../store/store.js';
import { UsageIngest, type IngestLimits } from '../usage-pipeline.js';
import { mergeCardRuns, type Presence } from './card-runs.js';
import { exporterQuery, exporters, type ExporterName } from './exporters.js';
import { importWindow, import_window_limits, type Chunk } from './import-window.js';
import type { PrometheusMappingFile } from './mapping-file.js';
import { PrometheusError, queryRange, type RangeSeries } from './range-query.js';
import { RecordMapper, workloadKey, workloadOfKey, type SkipReason } from './usage-records.js';
import type { UsageRecordWire } from '../usage-schema.js';

export const prometheus_import_limits = {
  request_timeout_s_default: 60,
  request_timeout_s_max: 600,
  examples_per_code_max: 5,
} as const;

export interface PrometheusImportOptions {
  url: string;
  from_ms: number;
  to_ms: number;
  step_s: number;
  exporter: ExporterName;
  mapping: PrometheusMappingFile;
  /** Count a device in a step only when its utilisation is at least this (percent); null: allocation alone counts. */
  min_util: number | null;
  timeout_ms: number;
  batch_records: number;
  progress: boolean;
  now_ms: number;
  out?: (line: string) => void;
}

export interface PrometheusImportSummary {
  query: string;
  chunks: number;
  series: number;
  /** Series of devices no pod held. */
  series_idle: number;
  /** Samples left out by --min-util. */
  samples_below_min_util: number;
  runs: number;
  records: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejected_by_code: Record<string, { count: number; examples: { record_id: string | null; job_ref: string | null; field: string | null; message: string }[] }>;
  skipped: number;
  skipped_by_reason: Partial<Record<SkipReason, { count: number; card_s: number; examples: string[] }>>;
  /** Card-seconds of the records now stored (accepted and duplicates). */
  card_s_stored: number;
  seconds: number;
}

export class PrometheusImportError extends Error {}

const card_h = (card_s: number) => (card_s / 3600).toFixed(2);

/** Clusters of the mapping file → their providers; every cluster must exist, every model id must be in the catalog. */
async function checkMapping(store: Store, mapping: PrometheusMappingFile): Promise<Map<string, string>> {
  const providers = new Map<string, string>();
  const clusters: [string, string][] = [];
  if (mapping.clusters.default !== undefined) clusters.push(['clusters.default', mapping.clusters.default]);
  for (const [host, id] of Object.entries(mapping.clusters.by_host ?? {})) clusters.push([`clusters.by_host.${host}`, id]);
  for (const [field, id] of clusters) {
    if (providers.has(id)) continue;
    const c = await store.clusters.get(id);
    if (!c) throw new PrometheusImportError(`mapping ${field}: cluster ${id} not found`);
    providers.set(id, c.provider_id);
  }
  const catalog = await store.catalog.throughputs();
  for (const [name, model] of Object.entries(mapping.models ?? {})) {
    if (!catalog.has(model)) throw new PrometheusImportError(`mapping models.${name}: ${model} is not in the catalog`);
  }
  for (const model of Object.keys(mapping.price_fen_per_card_h)) {
    if (!catalog.has(model)) throw new PrometheusImportError(`mapping price_fen_per_card_h.${model}: not in the catalog`);
  }
  return providers;
}

export async function importPrometheus(store: Store, limits: IngestLimits & { batch_records_max: number }, options: PrometheusImportOptions): Promise<PrometheusImportSummary> {
  const out = options.out ?? ((line: string) => console.log(line));
  const checked = importWindow(options.from_ms, options.to_ms, options.step_s, options.now_ms);
  if (!checked.ok) throw new PrometheusImportError(`${checked.problem.field} ${checked.problem.message}`);
  const window = checked.window;
  if (!Number.isInteger(options.batch_records) || options.batch_records < 1 || options.batch_records > limits.batch_records_max) {
    throw new PrometheusImportError(`--batch must be between 1 and ${limits.batch_records_max}`);
  }
  if (options.min_util !== null && !(options.min_util >= 0 && options.min_util <= 100)) throw new PrometheusImportError('--min-util must be a percentage from 0 to 100');
  const providers = await checkMapping(store, options.mapping);

  const exporter = exporters[options.exporter];
  const host_label = options.mapping.clusters.host_label ?? exporter.host_label_default;
  const query = exporterQuery(exporter, options.mapping.selector);
  const mapper = new RecordMapper(options.mapping);
  const ingest = new UsageIngest(store, limits);
  const step_ms = window.step_s * 1000;
  const summary: PrometheusImportSummary = {
    query, chunks: window.chunks.length, series: 0, series_idle: 0, samples_below_min_util: 0, runs: 0, records: 0, accepted: 0,
    duplicates: 0, rejected: 0, rejected_by_code: {}, skipped: 0, skipped_by_reason: {}, card_s_stored: 0, seconds: 0,
  };
  const started = performance.now();
  const bar = options.progress
    ? new SingleBar({ format: 'importing |{bar}| {value}/{total} chunks | {records} records', stream: process.stderr }, Presets.shades_classic)
    : null;
  bar?.start(window.chunks.length, 0, { records: 0 });

  const presencesOf = (chunk: Chunk, series: readonly RangeSeries[]): Presence[] => {
    const steps = (chunk.end_ms - chunk.start_ms) / step_ms;
    const presences: Presence[] = [];
    for (const s of series) {
      summary.series++;
      const reading = exporter.read(s.metric);
      if (reading.kind === 'idle') {
        summary.series_idle++;
        continue;
      }
      const host = s.metric[host_label] ?? '';
      const key = workloadKey({ cluster_id: mapper.cluster(host), host, namespace: reading.namespace, pod: reading.pod, model_name: reading.model_name, mig: reading.mig });
      const at: number[] = [];
      for (const [t, v] of s.values) {
        const k = (Math.round(t * 1000) - chunk.start_ms) / step_ms;
        if (!Number.isInteger(k) || k < 0 || k >= steps) {
          throw new PrometheusImportError(`${options.url} answered a sample at ${t}, off the grid of ${window.step_s} s steps from ${new Date(chunk.start_ms).toISOString()}`);
        }
        if (options.min_util !== null && !(Number.parseFloat(v) >= options.min_util)) {
          summary.samples_below_min_util++;
          continue;
        }
        at.push(k);
      }
      presences.push({ key, device: reading.device, steps: at });
    }
    return presences;
  };

  const reject = (code: string, record: UsageRecordWire | null, field: string | null, message: string) => {
    summary.rejected++;
    const entry = summary.rejected_by_code[code] ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < prometheus_import_limits.examples_per_code_max) entry.examples.push({ record_id: record?.record_id ?? null, job_ref: record?.job_ref ?? null, field, message });
    summary.rejected_by_code[code] = entry;
  };

  try {
    for (const chunk of window.chunks) {
      let series: RangeSeries[];
      try {
        series = await queryRange({ base_url: options.url, query, start_s: chunk.start_ms / 1000, end_s: (chunk.end_ms - step_ms) / 1000, step_s: window.step_s, timeout_ms: options.timeout_ms });
      } catch (error) {
        if (error instanceof PrometheusError) {
          throw new PrometheusImportError(`chunk ${new Date(chunk.start_ms).toISOString()} – ${new Date(chunk.end_ms).toISOString()} not imported: ${error.message}`);
        }
        throw error;
      }
      const runs = mergeCardRuns(presencesOf(chunk, series), {
        start_ms: chunk.start_ms, step_ms, steps: (chunk.end_ms - chunk.start_ms) / step_ms, split_ms: import_window_limits.record_split_s * 1000,
      });
      summary.runs += runs.length;
      const by_provider = new Map<string, { record: UsageRecordWire; card_s: number }[]>();
      for (const run of runs) {
        const outcome = mapper.record(run, workloadOfKey(run.key));
        if (!outcome.ok) {
          summary.skipped++;
          const entry = summary.skipped_by_reason[outcome.reason] ?? { count: 0, card_s: 0, examples: [] };
          entry.count++;
          entry.card_s += outcome.card_s;
          if (entry.examples.length < prometheus_import_limits.examples_per_code_max && !entry.examples.includes(`${outcome.job_ref}: ${outcome.detail}`)) {
            entry.examples.push(`${outcome.job_ref}: ${outcome.detail}`);
          }
          summary.skipped_by_reason[outcome.reason] = entry;
          continue;
        }
        summary.records++;
        const provider_id = providers.get(outcome.record.cluster_id)!;
        const list = by_provider.get(provider_id) ?? [];
        list.push({ record: outcome.record, card_s: outcome.card_s });
        by_provider.set(provider_id, list);
      }
      for (const [provider_id, items] of [...by_provider.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        for (let i = 0; i < items.length; i += options.batch_records) {
          const batch = items.slice(i, i + options.batch_records);
          const result = await ingest.ingest(provider_id, batch.map((b) => b.record), Date.now());
          const rejected = new Set<number>();
          for (const r of result.rejected) {
            rejected.add(r.index);
            reject(r.code, batch[r.index]?.record ?? null, r.field, r.message);
          }
          summary.accepted += result.accepted;
          summary.duplicates += result.duplicates;
          batch.forEach((b, index) => { if (!rejected.has(index)) summary.card_s_stored += b.card_s; });
        }
      }
      bar?.increment(1, { records: summary.records });
    }
  } finally {
    bar?.stop();
  }
  summary.seconds = (performance.now() - started) / 1000;

  out(`${query} from ${new Date(window.from_ms).toISOString()} to ${new Date(window.to_ms).toISOString()}, step ${window.step_s} s, ` +
    `${summary.chunks} chunk(s): ${summary.series} series (${summary.series_idle} held by no pod), ${summary.runs} runs` +
    (options.min_util === null ? '' : `, ${summary.samples_below_min_util} samples below ${options.min_util}%`));
  out(`${summary.records} records: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected; ` +
    `${summary.skipped} runs skipped; ${card_h(summary.card_s_stored)} card-hours stored, in ${summary.seconds.toFixed(1)} s`);
  for (const [reason, entry] of Object.entries(summary.skipped_by_reason).sort((a, b) => b[1].count - a[1].count)) {
    out(`  skipped ${reason}: ${entry.count} runs, ${card_h(entry.card_s)} card-hours`);
    for (const e of entry.examples) out(`    ${e}`);
  }
  for (const [code, entry] of Object.entries(summary.rejected_by_code).sort((a, b) => b[1].count - a[1].count)) {
    out(`  rejected ${code}: ${entry.count}`);
    for (const e of entry.examples) out(`    ${e.job_ref ?? ''}${e.record_id ? ` (${e.record_id})` : ''}${e.field ? ` ${e.field}` : ''}: ${e.message}`);
  }
  return summary;
}
