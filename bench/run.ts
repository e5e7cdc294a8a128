// Entry point of `npm run bench [-- NAME… OPTIONS]`: runs the named benchmarks (all when none is named), one at a
// time, since they measure throughput on a small machine. An unknown name prints the list.
import { option_help, parseArgs } from './support.js';
import { ingestBench } from './ingest.js';
import { policyBench } from './policy.js';
import { integrityBench } from './integrity.js';
import { dashboardBench } from './dashboard.js';
import { exportsBench } from './exports.js';
import { sacctBench } from './sacct.js';
import { prometheus_defaults, prometheus_option_help, prometheusBench, takePrometheusOptions } from './prometheus.js';
import type { BenchOptions } from './support.js';

/** --gpus and --hours of the prometheus benchmark, taken out of argv before the shared options are parsed. */
let prometheus_size = prometheus_defaults;

const benchmarks: Record<string, { describe: string; run: (options: BenchOptions) => Promise<void> }> = {
  ingest: {
    describe: 'usage records/s: raw insert vs suanli in process vs suanli over HTTP (SQLite, PostgreSQL); peak RSS of a JSONL import',
    run: ingestBench,
  },
  policy: {
    describe: 'subsidy evaluator records/s; a claim over 1,000,000 stored records (SQLite, PostgreSQL); simulate over the demo',
    run: policyBench,
  },
  integrity: {
    describe: 'capacity-overrun sweep over 10,000,000 stored records (SQLite; production vs raw pages vs raw iterate); audit chain appends/s',
    run: integrityBench,
  },
  dashboard: {
    describe: 'GET /dashboard/overview p50/p95/p99 over 10,000,000 stored records (SQLite, real server) vs bare aggregates over the rollups',
    run: dashboardBench,
  },
  exports: {
    describe: "report writers rows/s: CSV vs cells joined by commas; XLSX vs exceljs' bare streaming writer (100,000 rows)",
    run: exportsBench,
  },
  sacct: {
    describe:
      'import sacct of 1,000,000 jobs (~3.3M lines) in a child: records/s and peak RSS (target ≤ 300 MB) vs bare parsing and import usage of the same records',
    run: sacctBench,
  },
  prometheus: {
    describe:
      'import prometheus of 1,000 GPUs × 24 h of 15 s dcgm samples (5.76M) from a real backfilled Prometheus: samples/s and records/s vs the bare hourly fetch + JSON.parse',
    run: (options) => prometheusBench(options, prometheus_size),
  },
};

function usage(): string {
  return [
    'usage: npm run bench -- [NAME…] [OPTIONS]',
    '',
    'benchmarks:',
    ...Object.entries(benchmarks).map(([name, b]) => `  ${name.padEnd(10)} ${b.describe}`),
    '',
    'options:',
    ...[...option_help, ...prometheus_option_help].map((line) => `  ${line}`),
  ].join('\n');
}

async function main(): Promise<void> {
  let parsed;
  try {
    const taken = takePrometheusOptions(process.argv.slice(2));
    prometheus_size = taken.options;
    parsed = parseArgs(taken.rest);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  if (parsed.names.includes('help')) {
    console.log(usage());
    return;
  }
  const unknown = parsed.names.filter((n) => !(n in benchmarks));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const names = parsed.names.length > 0 ? parsed.names : Object.keys(benchmarks);
  for (const name of names) await benchmarks[name]!.run(parsed.options);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
