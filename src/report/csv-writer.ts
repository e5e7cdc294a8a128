// CSV as RFC 4180 writes it (CRLF lines, fields quoted when they hold a comma, quote or line break), with a UTF-8 byte
// order mark so that Excel reads Chinese names as UTF-8. Rows are produced as they are read: a large export streams.
import { Readable } from 'node:stream';
import type { OfficeCalendar } from '../domain/calendar.js';
import { outColumns, plainCells, type Report, type Section } from './report.js';

export const utf8_bom = '\uFEFF';
/** Rows gathered into one chunk: fewer, larger writes. */
const rows_per_chunk = 500;

/**
 * One field. Quoted when it holds a comma, a double quote, CR or LF, or starts or ends with a space (a spreadsheet
 * would trim it); quotes doubled. A text field starting with = + - @ or a tab/CR is written after a single quote, as
 * OWASP advises against CSV injection: a spreadsheet would otherwise run an organization's name as a formula.
 */
export function csvField(value: string | number | null, text = false): string {
  if (value === null) return '';
  let s = typeof value === 'number' ? String(value) : value;
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^ | $/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly (string | number | null)[], text_columns?: readonly boolean[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvField(cells[i]!, text_columns?.[i] ?? false);
  return `${line}\r\n`;
}

async function* sectionLines(section: Section, calendar: OfficeCalendar): AsyncGenerator<string> {
  const out = outColumns(section.columns, calendar.time_zone);
  const text = out.map((c) => c.kind === 'text');
  yield csvLine(out.map((c) => c.header));
  let chunk = '';
  let n = 0;
  const all = section.footer ? [section.rows, section.footer] : [section.rows];
  for (const rows of all) {
    for await (const row of rows) {
      chunk += csvLine(plainCells(section.columns, row, calendar), text);
      if (++n % rows_per_chunk === 0) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * The whole report as text chunks: the BOM, then each section. A report of one section is a plain table (header row,
 * data rows). With several, each section opens with a row holding its name alone, and a blank line separates them.
 */
export async function* csvChunks(report: Report): AsyncGenerator<string> {
  yield utf8_bom;
  const titled = report.sections.length > 1;
  for (let i = 0; i < report.sections.length; i++) {
    const section = report.sections[i]!;
    if (titled) yield `${i > 0 ? '\r\n' : ''}${csvLine([section.name])}`;
    yield* sectionLines(section, report.calendar);
  }
}

/** The report as a byte stream (UTF-8), read lazily: rows are built as the client takes them. */
export function csvStream(report: Report): Readable {
  return Readable.from(
    (async function* () {
      for await (const s of csvChunks(report)) yield Buffer.from(s, 'utf8');
    })(),
    { objectMode: false },
  );
}
