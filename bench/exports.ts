// `npm run bench -- exports`: the report writers on 100,000 rows shaped like a usage summary by enterprise (Chinese
// names, hours, PFLOP·h, money from fen): suanli's CSV (BOM, quoting, injection guard, exact yuan) beside a raw
// baseline (cells joined with commas, nothing escaped), and suanli's XLSX (number formats, bold frozen header,
// autofilter, waiting for the zip to drain) beside exceljs' own streaming writer fed the bare cells, in the same run.
import { OfficeCalendar } from '../src/domain/calendar.js';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { csvStream } from '../src/report/csv-writer.js';
import { writeXlsx } from '../src/report/xlsx-writer.js';
import { cardHours, formatPflopHours, referenceCardHours } from '../src/domain/catalog/compute.js';
import type { Column, Report, Row } from '../src/report/report.js';
import { fmtInt, machineFacts, table, type BenchOptions } from './support.js';

const log = (line = '') => console.log(line);
const row_count = 100_000;
const rounds = 2;
const columns: Column[] = [
  { key: 'enterprise_id', kind: 'text' },
  { key: 'name', kind: 'text' },
  { key: 'records', kind: 'integer' },
  { key: 'card_hours', kind: 'hours' },
  { key: 'card_hours_unnormalized', kind: 'hours' },
  { key: 'compute_pflop_h', kind: 'pflop_h' },
  { key: 'reference_card_hours', kind: 'hours' },
  { key: 'amount', kind: 'money' },
];

function* rows(): Generator<Row> {
  for (let i = 0; i < row_count; i++) {
    const card_s = 3600 * (i % 977) + 1234;
    const gflop = BigInt(card_s) * 320_000n;
    yield [
      `e_${i.toString(36).padStart(20, '0')}`,
      `上海蓝序智能科技有限公司 ${i}`,
      i % 5000,
      cardHours(card_s),
      cardHours(0),
      formatPflopHours(gflop),
      referenceCardHours(gflop, 312_000),
      124_800 * (i % 97),
    ];
  }
}
const report = (): Report => ({
  kind: 'usage-summary',
  calendar: new OfficeCalendar('Asia/Shanghai'),
  filename: { ascii: 'bench', unicode: 'bench' },
  sections: [{ name: 'usage by enterprise', columns, rows: rows() }],
});

function sink(): { w: Writable; bytes(): number } {
  let bytes = 0;
  return {
    w: new Writable({
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
    bytes: () => bytes,
  };
}

interface Run {
  ms: number;
  bytes: number;
  rss_mb: number;
}

async function timed(fn: (out: Writable) => Promise<void>): Promise<Run> {
  const s = sink();
  const t0 = performance.now();
  await fn(s.w);
  return { ms: performance.now() - t0, bytes: s.bytes(), rss_mb: process.memoryUsage().rss / 2 ** 20 };
}

const rawCsv = (out: Writable) =>
  pipeline(
    Readable.from(
      (function* () {
        for (const r of rows()) yield `${r.join(',')}\n`;
      })(),
    ),
    out,
  );

const suanliCsv = (out: Writable) => pipeline(csvStream(report()), out);

async function rawXlsx(out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet('usage');
  for (const r of rows()) ws.addRow(r as unknown[]).commit();
  ws.commit();
  await wb.commit();
}

async function suanliXlsx(out: Writable): Promise<void> {
  const through = new PassThrough();
  await Promise.all([writeXlsx(report(), through), pipeline(through, out)]);
}

export async function exportsBench(_options: BenchOptions): Promise<void> {
  const facts = machineFacts();
  log(`\nsuanli exports benchmark — ${facts.date_utc}`);
  log(`machine: ${facts.nproc} cores (${facts.cpu}), ${facts.memory_gib} GiB RAM, ${facts.platform}, node ${facts.node}`);
  const cases: [string, (out: Writable) => Promise<void>][] = [
    ['raw CSV: cells joined by commas (baseline)', rawCsv],
    ['suanli CSV', suanliCsv],
    ['raw XLSX: exceljs streaming writer, bare cells (baseline)', rawXlsx],
    ['suanli XLSX', suanliXlsx],
  ];
  const best = new Map<string, Run>();
  for (let round = 1; round <= rounds; round++) {
    for (const [name, fn] of cases) {
      const r = await timed(fn);
      const prev = best.get(name);
      if (!prev || r.ms < prev.ms) best.set(name, r);
    }
  }
  const rate = (r: Run) => row_count / (r.ms / 1000);
  const ratio = (name: string, base: string) => (rate(best.get(name)!) / rate(best.get(base)!)).toFixed(2);
  log(`\n${fmtInt(row_count)} rows, best of ${rounds} rounds, written to a counting sink in this process`);
  log(
    table(
      ['what', 'rows/s', '× baseline', 'MB out', 'RSS after MB'],
      cases.map(([name]) => {
        const r = best.get(name)!;
        const base = name.includes('CSV') ? cases[0]![0] : cases[2]![0];
        return [name, fmtInt(Math.round(rate(r))), ratio(name, base), (r.bytes / 1e6).toFixed(1), r.rss_mb.toFixed(0)];
      }),
    ),
  );
}
