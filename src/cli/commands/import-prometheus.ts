// `suanli import prometheus --url URL --from T --to T --mapping FILE`: card-seconds per Kubernetes workload from an
// exporter's series in Prometheus, imported as usage records (docs/prometheus.md: queries, method, limits).
import { Command, InvalidArgumentError, Option } from 'commander';
import { exporter_names, type ExporterName } from '../../ingest/prometheus/exporters.js';
import { prometheus_import_limits } from '../../ingest/prometheus/prometheus-import.js';

function instant(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new InvalidArgumentError('an RFC 3339 instant on a whole hour, e.g. 2026-10-01T00:00:00Z');
  return ms;
}

/** --url: an http(s) URL with its scheme; without one (prometheus:9090) commander names the option in its error. */
export function prometheusUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('an http:// or https:// URL with its scheme, e.g. http://prometheus.monitoring:9090');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`an http:// or https:// URL with its scheme, e.g. http://prometheus.monitoring:9090 (read as scheme "${url.protocol}")`);
  return value;
}

function percent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('a percentage from 0 to 100');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > prometheus_import_limits.request_timeout_s_max)
    throw new InvalidArgumentError(`whole seconds from 1 to ${prometheus_import_limits.request_timeout_s_max}`);
  return n;
}

interface Opts {
  url: string;
  from: number;
  to: number;
  mapping: string;
  step?: string;
  exporter: ExporterName;
  minUtil?: number;
  replace: boolean;
  timeout: number;
  batch?: number;
  progress: boolean;
}

export function register(parent: Command): void {
  parent
    .command('prometheus')
    .description("import card-seconds per Kubernetes workload from every sample of an exporter's series in Prometheus, as usage records")
    .requiredOption('--url <url>', 'Prometheus base URL, e.g. http://prometheus.monitoring:9090', prometheusUrl)
    .requiredOption('--from <instant>', 'window start, a whole UTC hour (RFC 3339)', instant)
    .requiredOption('--to <instant>', 'window end, exclusive, a whole UTC hour at least 10 minutes past', instant)
    .requiredOption('--mapping <file>', 'YAML or JSON: hosts → clusters, namespaces → enterprises, models, prices (examples/prometheus/)')
    // Earlier versions sampled the series at a step; every scraped sample is read now. Accepted, said, and ignored.
    .addOption(new Option('--step <duration>').hideHelp())
    .addOption(new Option('--exporter <name>', "which exporter's series").choices([...exporter_names]).default('dcgm'))
    .option('--min-util <percent>', 'count a device only for samples whose utilisation is at least this', percent)
    .option('--replace', 'store the hours whose records changed since they were imported as a replacement of the stored records (a conflict otherwise)', false)
    .option('--timeout <seconds>', 'time-out of each request', seconds, prometheus_import_limits.request_timeout_s_default)
    .option('--batch <n>', 'records per transaction (default: SUANLI_BATCH_RECORDS_MAX)', (v) => Number.parseInt(v, 10))
    .option('--no-progress', 'no progress bar')
    .action(async (opts: Opts) => {
      const { loadConfig } = await import('../../config.js');
      const { openStore } = await import('../open-store.js');
      const { readPrometheusMapping } = await import('../../ingest/prometheus/mapping-file.js');
      const { importPrometheus } = await import('../../ingest/prometheus/prometheus-import.js');
      if (opts.step !== undefined) console.error(`--step ${opts.step} is not used any more: every scraped sample is read (docs/prometheus.md)`);
      const mapping = readPrometheusMapping(opts.mapping);
      const config = loadConfig();
      const store = await openStore(config);
      try {
        const summary = await importPrometheus(store, config, {
          url: opts.url,
          from_ms: opts.from,
          to_ms: opts.to,
          exporter: opts.exporter,
          mapping,
          min_util: opts.minUtil ?? null,
          replace: opts.replace,
          timeout_ms: opts.timeout * 1000,
          batch_records: opts.batch ?? config.batch_records_max,
          progress: opts.progress && process.stderr.isTTY === true,
          now_ms: Date.now(),
        });
        // nothing matched, runs found but nothing stored, or hours left in conflict: the operator has something to do
        if (summary.series === 0 || (summary.runs > 0 && summary.accepted + summary.duplicates === 0) || summary.conflicts > 0) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
