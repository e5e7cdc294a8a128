// Streaming reader of usage files for `suanli import usage FILE` (JSON Lines or CSV).
//
// Files may hold millions of lines, so nothing here reads a whole file: both readers pull the input chunk by
// chunk, only as fast as the consumer of the async iterable asks for items (backpressure), and keep at most one
// chunk's lines (JSON Lines, ./line-batches.ts) or one record (CSV) plus a few stream buffers in memory. Records come out parsed but NOT validated: the importer
// validates each one against the TypeBox schema in ./usage-schema.ts. Problems that belong to one line come
// out as error items and reading goes on; problems that make the rest of the file meaningless (a bad CSV
// header, a runaway record) come out as one error item, after which nothing else is read.
import { extname } from 'node:path';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { parse, type CsvError, type InfoRecord, type Options as CsvOptions } from 'csv-parse';
import { readLineBatches } from './line-batches.js';

export type UsageFileFormat = 'jsonl' | 'csv';

export type UsageFileErrorCode = 'malformed_json' | 'malformed_csv' | 'bad_number';

export type UsageFileItem = { line: number; record: unknown } | { line: number; error: { code: UsageFileErrorCode; field: string | null; message: string } };

export const usage_file_limits = {
  /** Longest JSON line / CSV record accepted (characters); a valid usage record is well under 2 KiB. */
  record_chars_max: 1_048_576,
} as const;

/** Columns of a usage CSV file: the wire field names of ./usage-schema.ts, in wire order. */
export const usage_csv_columns = [
  'record_id',
  'cluster_id',
  'enterprise_id',
  'accelerator',
  'count',
  'started_at',
  'ended_at',
  'amount_fen',
  'job_ref',
  'workload',
  'energy_wh',
] as const;
const optional_columns: ReadonlySet<string> = new Set(['job_ref', 'workload', 'energy_wh']);
const integer_columns: ReadonlySet<string> = new Set(['count', 'amount_fen', 'energy_wh']);
const known_columns: ReadonlySet<string> = new Set(usage_csv_columns);

/** Format of a usage file by its extension: .jsonl/.ndjson → jsonl, .csv → csv (any case); otherwise null. */
export function detectUsageFileFormat(path: string): UsageFileFormat | null {
  switch (extname(path).toLowerCase()) {
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    case '.csv':
      return 'csv';
    default:
      return null;
  }
}

/**
 * Reads a usage file as a stream of items, one per record (or per rejected line), in file order.
 * `line` is the 1-based physical line where the record starts. Breaking out of the loop early destroys `input`.
 */
export function readUsageFile(input: NodeJS.ReadableStream, format: UsageFileFormat): AsyncIterable<UsageFileItem> {
  return format === 'jsonl' ? readJsonLines(input) : readCsv(input);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON Lines

async function* readJsonLines(input: NodeJS.ReadableStream): AsyncGenerator<UsageFileItem> {
  const chars_max = usage_file_limits.record_chars_max;
  for await (const { first_line, lines } of readLineBatches(input, chars_max, { cr_in_limit: true })) {
    for (let i = 0; i < lines.length; i++) {
      const line = first_line + i;
      const text = lines[i] as string | null;
      const item = text === null ? jsonError(line, `line is longer than ${chars_max} characters`) : parseJsonLine(line, text);
      if (item !== null) yield item;
    }
  }
}

function parseJsonLine(line: number, text: string): UsageFileItem | null {
  if (text.trim() === '') return null; // blank line: skipped, but counted
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return jsonError(line, `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return jsonError(line, `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return { line, record: value };
}

function jsonError(line: number, message: string): UsageFileItem {
  return { line, error: { code: 'malformed_json', field: null, message } };
}

// ---------------------------------------------------------------------------------------------------------------
// CSV

/**
 * Maps byte offsets of the input to physical line numbers. csv-parse's own `info.lines` counts a CRLF inside a
 * quoted field as two lines (and so drifts for the rest of the file); `info.bytes` is exact, so the lines are
 * counted here, on the bytes on their way into the parser. Line breaks: LF, CRLF or a lone CR, like csv-parse.
 * Only the offsets of breaks the parser has not reached yet are kept; queries must come in increasing order.
 */
class LineIndex {
  private break_ends: number[] = []; // offset just after each line break not yet passed by a query
  private head = 0;
  private passed = 0; // breaks dropped from break_ends
  private offset = 0; // bytes scanned so far
  private pending_cr = -1; // offset of a CR that ended the last chunk (a break unless an LF follows)

  scan(buf: Buffer): void {
    const base = this.offset;
    const len = buf.length;
    if (len === 0) return;
    if (this.pending_cr !== -1) {
      if (buf[0] !== 0x0a) this.break_ends.push(this.pending_cr + 1);
      this.pending_cr = -1;
    }
    // Fast path (LF or CRLF line ends): every CR but maybe a last one is followed by an LF.
    let lone_cr = false;
    for (let p = buf.indexOf(0x0d); p !== -1 && p + 1 < len; p = buf.indexOf(0x0d, p + 1)) {
      if (buf[p + 1] !== 0x0a) {
        lone_cr = true;
        break;
      }
    }
    if (!lone_cr) {
      for (let p = buf.indexOf(0x0a); p !== -1; p = buf.indexOf(0x0a, p + 1)) this.break_ends.push(base + p + 1);
      if (buf[len - 1] === 0x0d) this.pending_cr = base + len - 1;
    } else {
      for (let p = 0; p < len; p++) {
        const c = buf[p];
        if (c === 0x0a) {
          this.break_ends.push(base + p + 1);
        } else if (c === 0x0d) {
          if (p + 1 === len) this.pending_cr = base + p;
          else if (buf[p + 1] !== 0x0a) this.break_ends.push(base + p + 1);
        }
      }
    }
    this.offset = base + len;
  }

  end(): void {
    if (this.pending_cr !== -1) this.break_ends.push(this.pending_cr + 1);
    this.pending_cr = -1;
  }

  /** 1-based line holding the byte at `offset`. */
  lineAt(offset: number): number {
    const ends = this.break_ends;
    while (this.head < ends.length && (ends[this.head] as number) <= offset) this.head++;
    if (this.head > 4096 && this.head * 2 > ends.length) {
      this.passed += this.head;
      this.break_ends = ends.slice(this.head);
      this.head = 0;
    }
    return this.passed + this.head + 1;
  }
}

/** Line breaks inside a record's (quoted) fields, counted like LineIndex does. */
function breaksWithin(cells: readonly string[]): number {
  let n = 0;
  for (const cell of cells) {
    if (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1) continue;
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 0x0a || (c === 0x0d && cell.charCodeAt(i + 1) !== 0x0a)) n++;
    }
  }
  return n;
}

const integer_text = /^-?\d+$/;

function showValue(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

interface CsvHeader {
  names: string[];
  /** Column indexes in wire order, so records come out with their properties in wire order. */
  order: number[];
}

type HeaderResult = { header: CsvHeader } | { field: string | null; message: string };

function readHeader(cells: readonly string[]): HeaderResult {
  const seen = new Set<string>();
  const unknown: string[] = [];
  for (const cell of cells) {
    if (!known_columns.has(cell)) unknown.push(cell);
    else if (seen.has(cell)) return { field: cell, message: `column ${showValue(cell)} appears more than once in the header row` };
    seen.add(cell);
  }
  if (unknown.length > 0) {
    return {
      field: unknown[0] ?? null,
      message: `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map(showValue).join(', ')} in the header row; columns are ${usage_csv_columns.join(', ')}`,
    };
  }
  const missing = usage_csv_columns.filter((c) => !optional_columns.has(c) && !seen.has(c));
  if (missing.length > 0) {
    return {
      field: missing[0] ?? null,
      message: `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} in the header row`,
    };
  }
  const names = [...cells];
  const order = usage_csv_columns.flatMap((c) => (seen.has(c) ? [names.indexOf(c)] : []));
  return { header: { names, order } };
}

function csvRecord(header: CsvHeader, cells: readonly string[], line: number): UsageFileItem {
  if (cells.length !== header.names.length) {
    return {
      line,
      error: { code: 'malformed_csv', field: null, message: `expected ${header.names.length} fields as in the header row, found ${cells.length}` },
    };
  }
  const record: Record<string, string | number> = {};
  for (const i of header.order) {
    const name = header.names[i] as string;
    const cell = cells[i] as string;
    if (cell === '' && optional_columns.has(name)) continue; // empty optional cell: property absent
    if (integer_columns.has(name)) {
      const n = integer_text.test(cell) ? Number(cell) : Number.NaN;
      if (!Number.isSafeInteger(n)) {
        const why = Number.isNaN(n) ? 'must be a base-10 integer' : 'is outside the safe integer range';
        return { line, error: { code: 'bad_number', field: name, message: `${name} ${why}, got ${showValue(cell)}` } };
      }
      record[name] = n;
    } else {
      record[name] = cell;
    }
  }
  return { line, record };
}

function csvParseErrorMessage(err: CsvError): string {
  switch (err.code) {
    case 'INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted field (quote the whole field and double the quote)';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by something other than a comma or the end of the line';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed before the end of the file';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record is longer than ${usage_file_limits.record_chars_max} characters (an unclosed quote?); the rest of the file was not read`;
    default:
      return err.message;
  }
}

async function* readCsv(input: NodeJS.ReadableStream): AsyncGenerator<UsageFileItem> {
  const lines = new LineIndex();
  let header: CsvHeader | null = null;
  let fatal: UsageFileItem | null = null; // once set, it is the last item

  const stop = (item: UsageFileItem): UsageFileItem => {
    fatal = item;
    return item;
  };

  const onRecord = (cells: string[], context: InfoRecord): UsageFileItem | null => {
    if (fatal !== null) return null;
    // `bytes` is the offset just past the record (and its line break, if any): its last byte is on the record's last line.
    const line = lines.lineAt(context.bytes - 1) - breaksWithin(cells);
    if (header === null) {
      const result = readHeader(cells);
      if ('header' in result) {
        header = result.header;
        return null;
      }
      return stop({ line, error: { code: 'malformed_csv', field: result.field, message: result.message } });
    }
    return csvRecord(header, cells, line);
  };

  const onSkip = (err: CsvError | undefined): undefined => {
    if (fatal !== null || err === undefined) return undefined;
    // The error's `bytes` is the start of the field (or record) being parsed, `column` its index.
    const at = typeof err.bytes === 'number' ? err.bytes : 0;
    const column = typeof err.column === 'number' && header !== null ? (header.names[err.column] ?? null) : null;
    const item: UsageFileItem = {
      line: lines.lineAt(at),
      error: { code: 'malformed_csv', field: column, message: csvParseErrorMessage(err) },
    };
    // A runaway record, or a header row that cannot be read, leaves nothing sensible to read after it.
    parser.push(err.code === 'CSV_MAX_RECORD_SIZE' || header === null ? stop(item) : item);
    return undefined;
  };

  const options: CsvOptions<UsageFileItem, string[]> = {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true, // a record with the wrong number of fields is reported here, with its line
    skip_records_with_error: true, // quoting errors: report the record, read on
    max_record_size: usage_file_limits.record_chars_max,
    on_record: onRecord,
    on_skip: onSkip,
  };
  const parser = parse(options as unknown as CsvOptions);

  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      lines.scan(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      lines.end();
      callback();
    },
  });

  // Errors of the input reach the parser (pipeline destroys every stream with them) and so the loop below;
  // leaving the loop early destroys the parser, and pipeline then destroys the input.
  pipeline(input, counter, parser, () => {});
  try {
    for await (const item of parser as AsyncIterable<UsageFileItem>) {
      yield item;
      if (item === fatal) return;
    }
  } finally {
    parser.destroy();
  }
  if (header === null && fatal === null) {
    yield { line: 1, error: { code: 'malformed_csv', field: null, message: 'the file has no header row' } };
  }
}
