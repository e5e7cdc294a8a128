// `suanli import sacct FILE|-`: streams Slurm accounting output (sacct --parsable2) through the same pipeline as the
// API, in batches, with a progress bar; the mapping file says which enterprise, model and price each job is. Ends with
// a summary: lines read, records accepted and duplicate, rejects by code with the first lines of each, skips by reason.
// Lines rejected before a record existed are kept for GET /api/v1/usage/rejections, as the pipeline keeps its own.
import fs from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { UsageRejection } from '../store/usage/rejections.js';
import { operator_delivery, UsageIngest } from '../ingest/usage-pipeline.js';
import { readSacctMapping } from '../ingest/sacct/mapping.js';
import { readSacctFile, SacctFileError } from '../ingest/sacct/sacct-file.js';
import { parseTimeZone } from '../ingest/sacct/sacct-time.js';
import { sacctRecordId } from '../ingest/sacct/job-records.js';
import { sacct_skip_reasons, type SacctSkipReason } from '../ingest/sacct/outcome.js';
import type { ReadPosition } from '../ingest/line-batches.js';

export interface SacctImportOptions {
  /** a file, or `-` for standard input */
  file: string;
  mapping_file: string;
  /** offset of sacct's zone-less times: `UTC` (sacct ran with TZ=UTC) or a fixed offset such as `+08:00` */
  tz: string;
  batch_records: number;
  progress: boolean;
  /** Where the summary goes (stdout by default). */
  out?: (line: string) => void;
  /** What `-` reads (process.stdin by default). */
  stdin?: AsyncIterable<Buffer | string>;
}

export interface SacctRejectExample {
  line: number;
  job_id: string | null;
  record_id: string | null;
  field: string | null;
  message: string;
}

export interface SacctImportSummary {
  /** non-blank lines read, a header line excepted */
  lines: number;
  /** allocation lines (lines less steps and lines that could not be read) */
  jobs: number;
  /** usage records made of the jobs and sent through the pipeline */
  records: number;
  accepted: number;
  duplicates: number;
  /** rejected lines (before any record was made) and rejected records */
  rejected: number;
  rejected_by_code: Record<string, { count: number; examples: SacctRejectExample[] }>;
  skipped: Record<SacctSkipReason, number>;
  seconds: number;
}

const examples_per_code_max = 5;
const skip_words: Record<SacctSkipReason, string> = { step: 'steps', running: 'running or pending', never_started: 'never started', no_gpu: 'without GPU' };

export async function importSacctFile(store: Store, config: Config, options: SacctImportOptions): Promise<SacctImportSummary> {
  const out = options.out ?? ((line: string) => console.log(line));
  const offset_min = parseTimeZone(options.tz);
  if (offset_min === null) throw new Error(`--tz must be UTC or a fixed offset such as +08:00, got ${JSON.stringify(options.tz)}`);
  if (!Number.isInteger(options.batch_records) || options.batch_records < 1 || options.batch_records > config.batch_records_max) {
    throw new Error(`--batch must be between 1 and ${config.batch_records_max}`);
  }
  const mapping = readSacctMapping(options.mapping_file);
  const cluster = await store.clusters.get(mapping.cluster_id);
  if (cluster === null) throw new Error(`${options.mapping_file}: cluster_id ${mapping.cluster_id} is not a registered cluster`);
  const provider_id = cluster.provider_id;

  const from_stdin = options.file === '-';
  const size = from_stdin ? null : fs.statSync(options.file).size;
  const input = from_stdin ? (options.stdin ?? process.stdin) : fs.createReadStream(options.file, { highWaterMark: 64 * 1024 });
  const bar = !options.progress
    ? null
    : size === null
      ? new SingleBar({ format: 'importing sacct | {read} lines | {rate} records/s', stream: process.stderr }, Presets.shades_classic)
      : new SingleBar(
          { format: 'importing sacct |{bar}| {percentage}% | {read} lines | {rate} records/s | ETA {eta_formatted}', stream: process.stderr },
          Presets.shades_classic,
        );
  bar?.start(size ?? 0, 0, { read: 0, rate: 0 });

  const ingest = new UsageIngest(store, config);
  const summary: SacctImportSummary = {
    lines: 0,
    jobs: 0,
    records: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    rejected_by_code: {},
    skipped: Object.fromEntries(sacct_skip_reasons.map((r) => [r, 0])) as Record<SacctSkipReason, number>,
    seconds: 0,
  };
  const started = performance.now();
  const reject = (code: string, example: SacctRejectExample) => {
    summary.rejected++;
    const entry = summary.rejected_by_code[code] ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < examples_per_code_max) entry.examples.push(example);
    summary.rejected_by_code[code] = entry;
  };

  const position: ReadPosition = { bytes: 0 };
  let batch: unknown[] = [];
  let lines: number[] = [];
  let job_ids: string[] = [];
  // Rejected lines, kept in batches of --batch through the same bounded store as the pipeline's rejections; `index` is
  // the position in that batch, the line number leads the message.
  let rejected_lines: UsageRejection[] = [];
  const keepRejectedLines = async () => {
    if (rejected_lines.length === 0) return;
    await store.usage.keepRejections(provider_id, rejected_lines, Date.now());
    rejected_lines = [];
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await ingest.ingest(provider_id, batch, Date.now(), operator_delivery);
    summary.accepted += result.accepted;
    summary.duplicates += result.duplicates;
    for (const r of result.rejected)
      reject(r.code, { line: lines[r.index] ?? 0, job_id: job_ids[r.index] ?? null, record_id: r.record_id, field: r.field, message: r.message });
    batch = [];
    lines = [];
    job_ids = [];
    const seconds = (performance.now() - started) / 1000;
    bar?.update(size === null ? 0 : position.bytes, { read: summary.lines, rate: Math.round(summary.records / Math.max(seconds, 0.001)) });
  };

  try {
    for await (const { steps, items } of readSacctFile(input, { mapping, offset_min, position })) {
      summary.lines += steps;
      summary.skipped.step += steps;
      for (const { line, outcome } of items) {
        summary.lines++;
        if (outcome.kind === 'skipped') {
          summary.skipped[outcome.reason]++;
          if (outcome.reason !== 'step') summary.jobs++;
          continue;
        }
        if (outcome.kind === 'rejected') {
          if (outcome.job_id !== null) summary.jobs++;
          reject(outcome.code, { line, job_id: outcome.job_id, record_id: null, field: outcome.field, message: outcome.message });
          rejected_lines.push({
            index: rejected_lines.length,
            code: outcome.code,
            field: outcome.field,
            message: `line ${line}: ${outcome.message}`,
            record_id: outcome.job_id_raw === undefined ? null : sacctRecordId(mapping.cluster_id, outcome.job_id_raw, null),
          });
          if (rejected_lines.length >= options.batch_records) await keepRejectedLines();
          continue;
        }
        summary.jobs++;
        for (const record of outcome.records) {
          // the records of a split job may fall in two batches: each stands alone
          summary.records++;
          batch.push(record);
          lines.push(line);
          job_ids.push(outcome.job_id);
          if (batch.length >= options.batch_records) await flush();
        }
      }
    }
    await flush();
    await keepRejectedLines();
    if (size !== null) bar?.update(size);
  } catch (error) {
    if (error instanceof SacctFileError) throw new Error(`${from_stdin ? 'standard input' : options.file}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    bar?.stop();
  }
  summary.seconds = (performance.now() - started) / 1000;

  const per_s = (n: number) => Math.round(n / Math.max(summary.seconds, 0.001));
  out(
    `read ${summary.lines} lines (${summary.jobs} jobs, ${summary.skipped.step} steps) in ${summary.seconds.toFixed(1)} s ` +
      `(${per_s(summary.lines)} lines/s, ${per_s(summary.records)} records/s): ${summary.records} records, ` +
      `${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected`,
  );
  out(`skipped: ${sacct_skip_reasons.map((r) => `${summary.skipped[r]} ${skip_words[r]}`).join(', ')}`);
  for (const [code, entry] of Object.entries(summary.rejected_by_code).sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))) {
    out(`  ${code}: ${entry.count}`);
    for (const e of entry.examples) {
      const who = [e.job_id === null ? null : `job ${e.job_id}`, e.record_id].filter((x) => x !== null).join(', ');
      out(`    line ${e.line}${who === '' ? '' : ` (${who})`}${e.field ? ` ${e.field}` : ''}: ${e.message}`);
    }
  }
  return summary;
}
