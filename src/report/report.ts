// A report as its builders hand it to the writers: named sections of typed columns and rows that may arrive lazily.
// The CSV, XLSX and JSON writers all read this one model, so that the three formats hold the same cells.
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
 * - `instant`: milliseconds since the epoch, written as an RFC 3339 UTC string (the key says `_utc`).
 */
export type ColumnKind = 'text' | 'integer' | 'bp' | 'money' | 'hours' | 'pflop_h' | 'kwh' | 'instant';

export interface Column { key: string; kind: ColumnKind; /** XLSX width in characters; a default per kind otherwise */ width?: number }

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
}

/** A column as written: money split into its fen and yuan columns. */
export type OutKind = 'text' | 'integer' | 'bp' | 'fen' | 'yuan' | 'hours' | 'pflop_h' | 'kwh' | 'instant';
export interface OutColumn { header: string; kind: OutKind; width: number }

const default_width: Record<OutKind, number> = { text: 18, integer: 12, bp: 10, fen: 16, yuan: 18, hours: 16, pflop_h: 18, kwh: 14, instant: 26 };

export function outColumns(columns: readonly Column[]): OutColumn[] {
  const out: OutColumn[] = [];
  for (const c of columns) {
    if (c.kind === 'money') {
      out.push({ header: `${c.key}_fen`, kind: 'fen', width: default_width.fen });
      out.push({ header: `${c.key}_yuan`, kind: 'yuan', width: c.width ?? default_width.yuan });
    } else {
      out.push({ header: c.key, kind: c.kind, width: c.width ?? Math.max(default_width[c.kind], Math.min(c.key.length + 2, 40)) });
    }
  }
  return out;
}

/** An instant as RFC 3339 UTC, as the API writes it. */
export function isoUtc(ms: number | bigint): string {
  return new Date(Number(ms)).toISOString();
}

/**
 * A row as text and exact numbers, for CSV and JSON: fen and yuan as exact decimal strings (fen sums pass 2^53), other
 * integers as numbers (a decimal string past 2^53), fixed-point quantities as exact decimal strings, instants as RFC
 * 3339 UTC. null stays null (an empty CSV cell).
 */
export function plainCells(columns: readonly Column[], row: Row): (string | number | null)[] {
  if (row.length !== columns.length) throw new Error(`a row of ${row.length} cells under ${columns.length} columns`);
  const out: (string | number | null)[] = [];
  for (let i = 0; i < columns.length; i++) {
    const kind = columns[i]!.kind;
    const v = row[i]!;
    if (kind === 'money') {
      if (v === null) { out.push(null, null); continue; }
      if (typeof v === 'string') throw new Error(`column ${columns[i]!.key}: money must be integer fen`);
      // Fen as a decimal string, whatever its size, as the API writes a sum of money (yuanOfFen checks it is whole).
      const yuan = yuanOfFen(v);
      out.push(String(v), yuan);
    } else if (v === null) {
      out.push(null);
    } else if (kind === 'instant') {
      out.push(isoUtc(v as number));
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
  constructor(readonly field: string, readonly rows_max: number, what: string) {
    super(`the export would hold more than ${rows_max} ${what}: narrow it (${field})`);
  }
}

/** A filter a builder cannot use (the route validated the shape; this is the meaning, e.g. from after to). */
export class ReportInvalid extends Error {
  constructor(readonly field: string, message: string) { super(message); }
}
