// XLSX through exceljs's streaming WorkbookWriter: each row is committed as it is written, so a large export never
// holds its sheet in memory. One sheet per section: a bold, frozen header row, column widths, an auto-filter over the
// data, money in yuan under a ¥ number format beside its integer fen, quantities under fixed-decimal formats.
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import { isSafeFen, yuanNumber, yuanOfFen } from './money.js';
import type { OfficeCalendar } from '../domain/calendar.js';
import { officeRfc3339, outColumns, type Column, type OutColumn, type OutKind, type Report, type Row, type Section } from './report.js';

export const xlsx_content_type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel number formats, by what a column holds (text, instants and dates are strings, with no format). */
export const xlsx_formats: Partial<Record<OutKind, string>> = {
  integer: '#,##0',
  bp: '0',
  fen: '0',
  yuan: '"¥"#,##0.00',
  hours: '#,##0.000',
  pflop_h: '#,##0.000000',
  kwh: '#,##0.000',
};

/**
 * Rows between turns of the event loop: the zip is compressed and written to `out` only when the loop turns (rows built
 * from memory would otherwise pile up as XML until the end), and `out` then tells whether the reader keeps up.
 */
const rows_per_turn = 500;

/**
 * Until `stream` drains, or it or `out` closes: a client that went away never drains anything, and the next row then
 * stops the export.
 */
function drained(stream: Writable, out: Writable): Promise<void> {
  if (out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      out.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    if (stream !== out) out.on('close', done);
  });
}

function xlsxCells(columns: readonly Column[], row: Row, calendar: OfficeCalendar): (string | number | null)[] {
  if (row.length !== columns.length) throw new Error(`a row of ${row.length} cells under ${columns.length} columns`);
  const out: (string | number | null)[] = [];
  for (let i = 0; i < columns.length; i++) {
    const kind = columns[i]!.kind;
    const v = row[i]!;
    if (kind === 'money') {
      if (v === null) {
        out.push(null, null);
        continue;
      }
      if (typeof v === 'string') throw new Error(`column ${columns[i]!.key}: money must be integer fen`);
      // A spreadsheet number is a double: past 2^53 fen both cells are exact decimal text instead.
      if (isSafeFen(v)) out.push(Number(v), yuanNumber(v));
      else out.push(String(v), yuanOfFen(v));
    } else if (v === null) {
      out.push(null);
    } else if (kind === 'instant') {
      out.push(officeRfc3339(v as number, calendar));
    } else if (kind === 'text' || kind === 'date') {
      out.push(String(v));
    } else {
      out.push(Number(v));
    }
  }
  return out;
}

/** A sheet name Excel accepts: at most 31 characters, none of []:*?/\ . */
export function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'sheet';
}

/** Column letters: 1 → A, 27 → AA. */
export function columnLetter(n: number): string {
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}

type ZipInput = Writable & { _writableState?: { needDrain?: boolean } };

/**
 * The stream the zip reads the sheet's XML from, when it holds more than it wants. exceljs writes rows into it without
 * waiting (its StreamBuf ignores backpressure), so when compression falls behind the XML piles up in memory (20 MB per
 * 150,000 rows, measured); waiting for it to drain keeps an export's memory flat. It is archiver's PassThrough from the
 * readable-stream package, which keeps needDrain in its state. exceljs internals (stream.pipes): in another version
 * they may be absent, and then nothing is waited for.
 */
function zipInputBehind(sheet: ExcelJS.Worksheet): ZipInput | undefined {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes;
  const first = (Array.isArray(pipes) ? pipes[0] : undefined) as ZipInput | undefined;
  if (first === undefined || first === null || typeof first.on !== 'function') return undefined;
  return (first.writableNeedDrain ?? first._writableState?.needDrain) === true ? first : undefined;
}

async function writeSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, section: Section, out: Writable, calendar: OfficeCalendar): Promise<void> {
  const columns: OutColumn[] = outColumns(section.columns, calendar.time_zone);
  const sheet = workbook.addWorksheet(sheetName(section.name), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ key: c.header, width: c.width, ...(xlsx_formats[c.kind] ? { style: { numFmt: xlsx_formats[c.kind]! } } : {}) }));
  const header = sheet.addRow(columns.map((c) => c.header));
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.numFmt = 'General';
  });
  header.commit();
  let data_rows = 0;
  const add = (row: Row) => {
    const r = sheet.addRow(xlsxCells(section.columns, row, calendar));
    r.commit();
  };
  for await (const row of section.rows) {
    if (out.destroyed) throw new Error('the output closed before the export was written'); // the client went away: stop reading
    add(row);
    if (++data_rows % rows_per_turn === 0) {
      await nextTurn();
      const behind = zipInputBehind(sheet);
      if (behind !== undefined) await drained(behind, out);
      if (out.writableNeedDrain) await drained(out, out);
    }
  }
  if (columns.length > 0) sheet.autoFilter = `A1:${columnLetter(columns.length)}${1 + data_rows}`;
  for (const row of section.footer ?? []) add(row);
  sheet.commit();
}

/** Writes the workbook to `out` (which it ends); rejects, leaving `out` to the caller, when a row cannot be built. */
export async function writeXlsx(report: Report, out: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'suanli';
  for (const section of report.sections) await writeSheet(workbook, section, out, report.calendar);
  await workbook.commit();
}
