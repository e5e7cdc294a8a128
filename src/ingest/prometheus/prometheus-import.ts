// `suanli import prometheus`: reads every sample an exporter's per-device series has in Prometheus, hour by hour
// (./sample-query.ts), turns them into card runs per Kubernetes workload (./sample-runs.ts), maps the runs to usage
// records with the mapping file (./usage-records.ts) and feeds them to the same ingest pipeline as the API, per
// provider, in batches. An hour is fetched whole before any of its records is written, so a failed query leaves
// nothing of its hour behind; the hours before it stay imported, and running the import again adds only what is missing.
//
// The records of one workload's hour are compared with what is stored for that hour (their ids share a prefix): the
// same records are duplicates and are not sent again; other records (samples that arrived late, or changed) are a
// conflict, reported and not stored — unless --replace, which stores them as a replacement that supersedes the stored
// ones (UsageIngest.replace), never beside them.
import { SingleBar, Presets } from 'cli-progress';
import type { Store } from '../../store/store.js';
import { operator_actor } from '../../store/audit-repository.js';
import type { OfficeCalendar } from '../../domain/calendar.js';
import { sameUsageContent, type UsageInput } from '../../domain/usage/validate-usage.js';
import { operator_delivery, parseUsageRecord, UsageIngest, type IngestLimits } from '../usage-pipeline.js';
import { hourRuns, sample_runs_limits, type DeviceSamples } from './sample-runs.js';
import { exporterQuery, exporters, type ExporterName } from './exporters.js';
import { importWindow } from './import-window.js';
import type { PrometheusMappingFile } from './mapping-file.js';
import { PrometheusError, querySamples, type SampleSeries } from './sample-query.js';
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
  exporter: ExporterName;
  mapping: PrometheusMappingFile;
  /** Count a device's sample only when its utilisation is at least this (percent); null: allocation alone counts. */
  min_util: number | null;
  /** Store the hours whose records changed as replacements of the stored ones. */
  replace: boolean;
  timeout_ms: number;
  batch_records: number;
  progress: boolean;
  now_ms: number;
  out?: (line: string) => void;
}

export interface PrometheusImportSummary {
  query: string;
  hours: number;
  /** Distinct series seen in the window (a series is counted once however many hours it spans). */
  series: number;
  /** Series of devices no pod held. */
  series_idle: number;
  samples: number;
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
  /** Workload-hours whose records differ from the stored ones: not stored (without --replace). */
  conflicts: number;
  conflict_examples: string[];
  /** Stored records superseded by --replace, and the workload-hours they were in. */
  replaced: number;
  replaced_hours: number;
  /** Card-seconds of the records now stored (accepted, replacements and duplicates). */
  card_s_stored: number;
  seconds: number;
}

export class PrometheusImportError extends Error {}

const card_h = (card_s: number) => (card_s / 3600).toFixed(2);
const two = (n: number) => String(n).padStart(2, '0');
/** The time of day in the office's zone: the records of one hour, shown beside that hour (`formatInstant`). */
const hhmmss = (ms: number, calendar: OfficeCalendar) => {
  const l = calendar.local(ms);
  return `${two(l.hour)}:${two(l.minute)}:${two(l.second)}`;
};
const describe = (records: readonly Pick<UsageInput, 'count' | 'started_at_ms' | 'ended_at_ms'>[], calendar: OfficeCalendar) =>
  records.length === 0 ? 'nothing' : records.map((r) => `${r.count} × ${hhmmss(r.started_at_ms, calendar)}–${hhmmss(r.ended_at_ms, calendar)}`).join(', ');

/** The same records, ids aside (sameUsageContent ignores them): what the hour's samples say now is what is stored. */
function sameRecords(stored: readonly UsageInput[], now: readonly UsageInput[]): boolean {
  if (stored.length !== now.length) return false;
  const order = (l: readonly UsageInput[]) => [...l].sort((a, b) => a.started_at_ms - b.started_at_ms);
  const a = order(stored),
    b = order(now);
  return a.every((x, i) => sameUsageContent(x, b[i]!));
}

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
  if (mapping.unlabelled_model !== undefined && !catalog.has(mapping.unlabelled_model)) {
    throw new PrometheusImportError(`mapping unlabelled_model: ${mapping.unlabelled_model} is not in the catalog`);
  }
  for (const model of Object.keys(mapping.price_fen_per_card_h)) {
    if (!catalog.has(model)) throw new PrometheusImportError(`mapping price_fen_per_card_h.${model}: not in the catalog`);
  }
  return providers;
}

export async function importPrometheus(
  store: Store,
  limits: IngestLimits & { batch_records_max: number },
  options: PrometheusImportOptions,
): Promise<PrometheusImportSummary> {
  const out = options.out ?? ((line: string) => console.log(line));
  const checked = importWindow(options.from_ms, options.to_ms, options.now_ms);
  if (!checked.ok) throw new PrometheusImportError(`${checked.problem.field} ${checked.problem.message}`);
  const window = checked.window;
  if (!Number.isInteger(options.batch_records) || options.batch_records < 1 || options.batch_records > limits.batch_records_max) {
    throw new PrometheusImportError(`--batch must be between 1 and ${limits.batch_records_max}`);
  }
  if (options.min_util !== null && !(options.min_util >= 0 && options.min_util <= 100))
    throw new PrometheusImportError('--min-util must be a percentage from 0 to 100');
  const providers = await checkMapping(store, options.mapping);

  const exporter = exporters[options.exporter];
  const host_label = options.mapping.clusters.host_label ?? exporter.host_label_default;
  const query = exporterQuery(exporter, options.mapping.selector);
  const mapper = new RecordMapper(options.mapping);
  const ingest = new UsageIngest(store, limits);
  const hour_ms = sample_runs_limits.hour_s * 1000;
  const margin_ms = sample_runs_limits.margin_s * 1000;
  const summary: PrometheusImportSummary = {
    query,
    hours: window.hours.length,
    series: 0,
    series_idle: 0,
    samples: 0,
    samples_below_min_util: 0,
    runs: 0,
    records: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    rejected_by_code: {},
    skipped: 0,
    skipped_by_reason: {},
    conflicts: 0,
    conflict_examples: [],
    replaced: 0,
    replaced_hours: 0,
    card_s_stored: 0,
    seconds: 0,
  };
  const seen_series = new Set<string>();
  const idle_series = new Set<string>();
  const started = performance.now();
  const bar = options.progress
    ? new SingleBar({ format: 'importing |{bar}| {value}/{total} hours | {records} records', stream: process.stderr }, Presets.shades_classic)
    : null;
  bar?.start(window.hours.length, 0, { records: 0 });

  const devicesOf = (hour: number, series: readonly SampleSeries[]): DeviceSamples[] => {
    const devices: DeviceSamples[] = [];
    for (const s of series) {
      const identity = JSON.stringify(Object.entries(s.metric).sort(([a], [b]) => (a < b ? -1 : 1)));
      seen_series.add(identity);
      const reading = exporter.read(s.metric);
      if (reading.kind === 'idle') {
        idle_series.add(identity);
        continue;
      }
      const host = s.metric[host_label] ?? '';
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
      for (const [t, v] of s.values) {
        const ms = Math.round(t * 1000);
        if (ms < hour - margin_ms || ms >= hour + hour_ms + margin_ms) continue; // the range selector's ends differ between versions
        const counted = options.min_util === null || Number.parseFloat(v) >= options.min_util;
        if (ms >= hour && ms < hour + hour_ms) {
          summary.samples++;
          if (!counted) summary.samples_below_min_util++;
        }
        times.push(ms);
        counts.push(counted);
      }
      devices.push({ key, device: reading.device, times, counts });
    }
    return devices;
  };

  const reject = (code: string, record: UsageRecordWire | null, field: string | null, message: string) => {
    summary.rejected++;
    const entry = summary.rejected_by_code[code] ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < prometheus_import_limits.examples_per_code_max)
      entry.examples.push({ record_id: record?.record_id ?? null, job_ref: record?.job_ref ?? null, field, message });
    summary.rejected_by_code[code] = entry;
  };

  type Item = { record: UsageRecordWire; card_s: number; prefix: string };
  const send = async (provider_id: string, items: readonly Item[]) => {
    for (let i = 0; i < items.length; i += options.batch_records) {
      const batch = items.slice(i, i + options.batch_records);
      const result = await ingest.ingest(
        provider_id,
        batch.map((b) => b.record),
        Date.now(),
        operator_delivery,
      );
      const rejected = new Set<number>();
      for (const r of result.rejected) {
        rejected.add(r.index);
        reject(r.code, batch[r.index]?.record ?? null, r.field, r.message);
      }
      summary.accepted += result.accepted;
      summary.duplicates += result.duplicates;
      batch.forEach((b, index) => {
        if (!rejected.has(index)) summary.card_s_stored += b.card_s;
      });
    }
  };

  try {
    // The next hour is fetched while this one is processed (Prometheus and this process then work at the same time);
    // its failure still stops the import only once the hours before it are stored.
    const fetchHour = (hour: number): Promise<{ ok: true; series: SampleSeries[] } | { ok: false; error: unknown }> =>
      querySamples({
        base_url: options.url,
        selector: query,
        time_ms: hour + hour_ms + margin_ms - 1,
        range_s: sample_runs_limits.hour_s + 2 * sample_runs_limits.margin_s,
        timeout_ms: options.timeout_ms,
      }).then(
        (series) => ({ ok: true as const, series }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    let next = window.hours.length > 0 ? fetchHour(window.hours[0]!) : null;
    for (const [i, hour] of window.hours.entries()) {
      const got = await next!;
      next = i + 1 < window.hours.length ? fetchHour(window.hours[i + 1]!) : null;
      if (!got.ok) {
        if (got.error instanceof PrometheusError) {
          throw new PrometheusImportError(
            `hour ${store.calendar.formatInstant(hour)} – ${store.calendar.formatInstant(hour + hour_ms)} not imported: ${got.error.message}`,
          );
        }
        throw got.error;
      }
      const series = got.series;
      const runs = hourRuns(devicesOf(hour, series), hour);
      summary.runs += runs.length;
      // provider → the hour's records of each workload (by id prefix)
      const by_provider = new Map<string, Map<string, Item[]>>();
      for (const run of runs) {
        const outcome = mapper.record(run, workloadOfKey(run.key), hour);
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
        const groups = by_provider.get(provider_id) ?? new Map<string, Item[]>();
        by_provider.set(provider_id, groups);
        const list = groups.get(outcome.prefix) ?? [];
        list.push({ record: outcome.record, card_s: outcome.card_s, prefix: outcome.prefix });
        groups.set(outcome.prefix, list);
      }
      for (const [provider_id, groups] of [...by_provider.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const stored = await store.usage.byIdPrefixes(provider_id, [...groups.keys()]);
        const fresh: Item[] = [];
        for (const [prefix, items] of groups) {
          const before = stored.get(prefix) ?? [];
          const inputs = items.map((i) => {
            const p = parseUsageRecord(i.record);
            return p.ok ? p.input : null;
          });
          if (before.length === 0 || inputs.includes(null)) {
            fresh.push(...items); // new, or a record the pipeline will refuse and say why
            continue;
          }
          const now = inputs as UsageInput[];
          if (sameRecords(before, now)) {
            summary.duplicates += items.length;
            for (const i of items) summary.card_s_stored += i.card_s;
            continue;
          }
          const what = `${items[0]!.record.job_ref ?? ''} ${items[0]!.record.accelerator} ${store.calendar.formatInstant(hour)}: stored ${describe(before, store.calendar)}; Prometheus now says ${describe(now, store.calendar)}`;
          if (!options.replace) {
            summary.conflicts++;
            if (summary.conflict_examples.length < prometheus_import_limits.examples_per_code_max) summary.conflict_examples.push(what);
            continue;
          }
          const revision = `r${options.now_ms.toString(36)}`;
          const records = items.map((i) => ({ ...i.record, record_id: `${i.record.record_id}.${revision}` }));
          const result = await ingest.replace(
            provider_id,
            before,
            records,
            Date.now(),
            `suanli import prometheus --replace: ${what}`,
            operator_actor,
            operator_delivery,
          );
          if (result.ok) {
            summary.replaced += before.length;
            summary.replaced_hours++;
            summary.accepted += records.length;
            for (const i of items) summary.card_s_stored += i.card_s;
          } else {
            for (const r of result.rejected) reject(r.code, records[r.index] ?? null, r.field, r.message);
          }
        }
        await send(provider_id, fresh);
      }
      bar?.increment(1, { records: summary.records });
    }
  } finally {
    bar?.stop();
  }
  summary.series = seen_series.size;
  summary.series_idle = idle_series.size;
  summary.seconds = (performance.now() - started) / 1000;

  const window_text = `from ${store.calendar.formatInstant(window.from_ms)} to ${store.calendar.formatInstant(window.to_ms)}`;
  if (summary.series === 0) {
    out(`${query} ${window_text}: no series matched in the whole window — check --url, --exporter and the mapping file's selector`);
    return summary;
  }
  out(
    `${query} ${window_text}, ${summary.hours} hour(s): ${summary.series} series (${summary.series_idle} held by no pod), ` +
      `${summary.samples} samples of held devices, ${summary.runs} runs` +
      (options.min_util === null ? '' : `, ${summary.samples_below_min_util} samples below ${options.min_util}%`),
  );
  out(
    `${summary.records} records: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected` +
      (summary.conflicts > 0 ? `, ${summary.conflicts} hour(s) in conflict` : '') +
      (summary.replaced_hours > 0 ? `, ${summary.replaced_hours} hour(s) replaced (${summary.replaced} records superseded)` : '') +
      `; ${summary.skipped} runs skipped; ${card_h(summary.card_s_stored)} card-hours stored, in ${summary.seconds.toFixed(1)} s`,
  );
  if (summary.conflicts > 0) {
    out(
      `  conflict: ${summary.conflicts} workload-hour(s) differ from the records stored for them (late or changed samples); nothing of them was stored. ` +
        'Run again with --replace to store them as a replacement of what is stored:',
    );
    for (const e of summary.conflict_examples) out(`    ${e}`);
  }
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
