// A report as its builders hand it to the writers: named sections of typed columns and rows that may arrive lazily.
// The CSV, XLSX and JSON writers all read this one model, so that the three formats hold the same cells.
import type { OfficeCalendar } from '../domain/calendar.js';
import { yuanOfFen } from './money.js';

/**
 * The most rows one export holds (every section counted alone; the usage summary's total row and the ledger
 * statement's opening and closing rows not counted). Past it the export answers 400 naming the filter to narrow.
 */
export const report_rows_max = 100_000;

/**
 * What a column holds, and so how each format writes it:
 * - `text`: a string; CSV guards a leading = + - @ against spreadsheet formulas (see csv-writer.ts).
 * - `integer`, `bp`: whole numbers (basis points: 10000 = 100%).
 * - `money`: integer fen (number or bigint); becomes two columns, `<key>_fen` and `<key>_yuan` (CSV and JSON: exact
 *   decimal strings; XLSX: the integer and the number fen / 100 formatted "¥"#,##0.00, both exact text past 2^53).
 * - `hours` (3 decimals), `pflop_h` (6 decimals), `kwh` (3 decimals): exact decimal strings; XLSX writes them as numbers.
 * - `instant`: milliseconds since the epoch, written as RFC 3339 in the office's zone with its offset
 *   (`2026-11-01T02:00:00+08:00`); the header names the zone (`period_start (Asia/Shanghai)`).
 * - `date`: an office day (YYYY-MM-DD) or month (YYYY-MM) as text; the header names the zone (`month (Asia/Shanghai)`).
 */
export type ColumnKind = 'text' | 'integer' | 'bp' | 'money' | 'hours' | 'pflop_h' | 'kwh' | 'instant' | 'date';

export interface Column {
  key: string;
  kind: ColumnKind;
  /** XLSX width in characters; a default per kind otherwise */ width?: number;
}

export type Cell = string | number | bigint | null;
export type Row = readonly Cell[];

export interface Section {
  /** the XLSX sheet name (≤ 31 characters) and, in a CSV of several sections, the row that opens the section */
  name: string;
  columns: readonly Column[];
  rows: Iterable<Row> | AsyncIterable<Row>;
  /** rows after the data (a total): left out of the XLSX auto-filter, so that sorting never moves them */
  footer?: readonly Row[];
}

export interface Report {
  /** usage-summary, claims, claim, ledger, program */
  kind: string;
  /** the file name without extension: ASCII for old clients, and the full (Chinese) one for RFC 5987 */
  filename: { ascii: string; unicode: string };
  sections: readonly Section[];
  /** the office's calendar: instants are written in its zone, and days and months are its */
  calendar: OfficeCalendar;
}

/** A column as written: money split into its fen and yuan columns. */
export type OutKind = 'text' | 'integer' | 'bp' | 'fen' | 'yuan' | 'hours' | 'pflop_h' | 'kwh' | 'instant' | 'date';
export interface OutColumn {
  header: string;
  kind: OutKind;
  width: number;
}

const default_width: Record<OutKind, number> = { text: 18, integer: 12, bp: 10, fen: 16, yuan: 18, hours: 16, pflop_h: 18, kwh: 14, instant: 26, date: 12 };

/** Columns as written, for a report in `time_zone`: money split into fen and yuan, the zone named after instants and dates. */
export function outColumns(columns: readonly Column[], time_zone: string): OutColumn[] {
  const out: OutColumn[] = [];
  for (const c of columns) {
    if (c.kind === 'money') {
      out.push({ header: `${c.key}_fen`, kind: 'fen', width: default_width.fen });
      out.push({ header: `${c.key}_yuan`, kind: 'yuan', width: c.width ?? default_width.yuan });
    } else {
      const header = c.kind === 'instant' || c.kind === 'date' ? `${c.key} (${time_zone})` : c.key;
      out.push({ header, kind: c.kind, width: c.width ?? Math.max(default_width[c.kind], Math.min(header.length + 2, 40)) });
    }
  }
  return out;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * An instant as RFC 3339 with the office zone's offset at that instant: `2026-11-01T02:00:00+08:00` (milliseconds when
 * it has them). An offset of seconds (local mean time, before 1901 in most zones) cannot be written so: then UTC.
 */
export function officeRfc3339(ms: number | bigint, calendar: OfficeCalendar): string {
  const at = Number(ms);
  const l = calendar.local(at);
  if (l.offset_ms % 60_000 !== 0) return new Date(at).toISOString();
  const fraction = ((at % 1000) + 1000) % 1000;
  const minutes = Math.abs(l.offset_ms) / 60_000;
  const offset = `${l.offset_ms < 0 ? '-' : '+'}${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`;
  return (
    `${String(l.year).padStart(4, '0')}-${two(l.month)}-${two(l.day)}T${two(l.hour)}:${two(l.minute)}:${two(l.second)}` +
    `${fraction === 0 ? '' : `.${String(fraction).padStart(3, '0')}`}${offset}`
  );
}

/**
 * A row as text and exact numbers, for CSV and JSON: fen and yuan as exact decimal strings (fen sums pass 2^53), other
 * integers as numbers (a decimal string past 2^53), fixed-point quantities as exact decimal strings, instants as RFC
 * 3339 in the office's zone. null stays null (an empty CSV cell).
 */
export function plainCells(columns: readonly Column[], row: Row, calendar: OfficeCalendar): (string | number | null)[] {
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
      // Fen as a decimal string, whatever its size, as the API writes a sum of money (yuanOfFen checks it is whole).
      const yuan = yuanOfFen(v);
      out.push(String(v), yuan);
    } else if (v === null) {
      out.push(null);
    } else if (kind === 'instant') {
      out.push(officeRfc3339(v as number, calendar));
    } else if (kind === 'integer' || kind === 'bp') {
      out.push(typeof v === 'string' ? v : wholeNumber(v));
    } else {
      out.push(typeof v === 'string' ? v : String(v));
    }
  }
  return out;
}

function wholeNumber(v: number | bigint): number | string {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return v;
}

/** Refused before the first byte: the export would pass `rows_max`; `field` names the filter to narrow. */
export class ReportTooLarge extends Error {
  constructor(
    readonly field: string,
    readonly rows_max: number,
    what: string,
  ) {
    super(`the export would hold more than ${rows_max} ${what}: narrow it (${field})`);
  }
}

/** A filter a builder cannot use (the route validated the shape; this is the meaning, e.g. from after to). */
export class ReportInvalid extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
