// `suanli import usage FILE`: streams a JSON Lines or CSV file through the same pipeline as the API, in batches,
// with a progress bar, and ends with a summary of the rejects (by code, with the first lines of each).
import fs from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { operator_delivery, UsageIngest } from '../ingest/usage-pipeline.js';
import { detectUsageFileFormat, readUsageFile, type UsageFileFormat } from '../ingest/usage-file.js';

export interface ImportOptions {
  file: string;
  provider_id: string;
  format?: string | undefined;
  batch_records: number;
  progress: boolean;
  /** Where the summary goes (stdout by default). */
  out?: (line: string) => void;
}

export interface ImportSummary {
  read: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejected_by_code: Record<string, { count: number; examples: { line: number; record_id: string | null; field: string | null; message: string }[] }>;
  seconds: number;
}

const examples_per_code_max = 5;

export async function importUsageFile(store: Store, config: Config, options: ImportOptions): Promise<ImportSummary> {
  const out = options.out ?? ((line: string) => console.log(line));
  const format = (options.format ?? detectUsageFileFormat(options.file)) as UsageFileFormat | null;
  if (format !== 'jsonl' && format !== 'csv') throw new Error(`cannot tell the format of ${options.file}: use --format jsonl or --format csv`);
  const provider = await store.organizations.get(options.provider_id);
  if (!provider || provider.kind !== 'provider') throw new Error(`provider ${options.provider_id} not found`);
  if (!Number.isInteger(options.batch_records) || options.batch_records < 1 || options.batch_records > config.batch_records_max) {
    throw new Error(`--batch must be between 1 and ${config.batch_records_max}`);
  }

  const size = fs.statSync(options.file).size;
  const input = fs.createReadStream(options.file, { highWaterMark: 256 * 1024 });
  const bar = options.progress
    ? new SingleBar(
        { format: 'importing |{bar}| {percentage}% | {read} records | {rate} rec/s | ETA {eta_formatted}', stream: process.stderr },
        Presets.shades_classic,
      )
    : null;
  bar?.start(size, 0, { read: 0, rate: 0 });

  const ingest = new UsageIngest(store, config);
  const summary: ImportSummary = { read: 0, accepted: 0, duplicates: 0, rejected: 0, rejected_by_code: {}, seconds: 0 };
  const started = performance.now();
  const reject = (code: string, line: number, record_id: string | null, field: string | null, message: string) => {
    summary.rejected++;
    const entry = summary.rejected_by_code[code] ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < examples_per_code_max) entry.examples.push({ line, record_id, field, message });
    summary.rejected_by_code[code] = entry;
  };

  let batch: unknown[] = [];
  let lines: number[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await ingest.ingest(options.provider_id, batch, Date.now(), operator_delivery);
    summary.accepted += result.accepted;
    summary.duplicates += result.duplicates;
    for (const r of result.rejected) reject(r.code, lines[r.index] ?? 0, r.record_id, r.field, r.message);
    batch = [];
    lines = [];
    const seconds = (performance.now() - started) / 1000;
    bar?.update(input.bytesRead, { read: summary.read, rate: Math.round(summary.read / Math.max(seconds, 0.001)) });
  };

  for await (const item of readUsageFile(input, format)) {
    summary.read++;
    if ('error' in item) {
      reject(item.error.code, item.line, null, item.error.field, item.error.message);
      continue;
    }
    batch.push(item.record);
    lines.push(item.line);
    if (batch.length >= options.batch_records) await flush();
  }
  await flush();
  bar?.update(size);
  bar?.stop();
  summary.seconds = (performance.now() - started) / 1000;

  out(
    `read ${summary.read} records in ${summary.seconds.toFixed(1)} s (${Math.round(summary.read / Math.max(summary.seconds, 0.001))} records/s): ` +
      `${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected`,
  );
  for (const [code, entry] of Object.entries(summary.rejected_by_code).sort((a, b) => b[1].count - a[1].count)) {
    out(`  ${code}: ${entry.count}`);
    for (const e of entry.examples) out(`    line ${e.line}${e.record_id ? ` (${e.record_id})` : ''}${e.field ? ` ${e.field}` : ''}: ${e.message}`);
  }
  return summary;
}
