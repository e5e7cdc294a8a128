// The column layout of `sacct --parsable2` output: fields joined by `|`, in `--format` order (shared/data/slurm-sacct.md).
// Without a header line the columns are the documented default; a header line names them, in any order and any case.

/** `sacct --format=` of the documented command, in order: the layout of output without a header line. */
export const sacct_default_columns = ['JobID', 'JobIDRaw', 'User', 'Account', 'Partition', 'Start', 'End', 'ElapsedRaw', 'AllocTRES', 'State'] as const;

/** The sacct fields the importer reads, keyed by the property of SacctLine that holds them. */
const read_fields = {
  job_id: 'JobID',
  job_id_raw: 'JobIDRaw',
  account: 'Account',
  partition: 'Partition',
  start: 'Start',
  end: 'End',
  elapsed_raw: 'ElapsedRaw',
  alloc_tres: 'AllocTRES',
  state: 'State',
  cluster: 'Cluster',
} as const;
type ReadField = keyof typeof read_fields;

const required_fields: readonly ReadField[] = ['job_id', 'job_id_raw', 'account', 'start', 'end', 'elapsed_raw', 'alloc_tres', 'state'];

/** One line of sacct output, its fields by name; Partition and Cluster are null when the input has no such column. */
export interface SacctLine {
  job_id: string;
  job_id_raw: string;
  account: string;
  partition: string | null;
  start: string;
  end: string;
  elapsed_raw: string;
  alloc_tres: string;
  state: string;
  cluster: string | null;
}

export interface SacctLayout {
  /** the column names, as the header wrote them (or the default ones) */
  names: readonly string[];
  /** position of each field read, -1 when the input has no such column */
  index: Readonly<Record<ReadField, number>>;
  /** the last column is one the importer does not read (JobName, say): a `|` inside it makes extra fields, joined back */
  last_column_free: boolean;
  header: boolean;
}

const name_text = /^[A-Za-z][A-Za-z0-9_]*$/;

function layoutOf(names: readonly string[], header: boolean): SacctLayout {
  const lower = names.map((n) => n.toLowerCase());
  const index = Object.fromEntries(
    (Object.entries(read_fields) as [ReadField, string][]).map(([key, name]) => [key, lower.indexOf(name.toLowerCase())]),
  ) as Record<ReadField, number>;
  const last = names.length - 1;
  return { names, index, last_column_free: header && !Object.values(index).includes(last), header };
}

export function defaultLayout(): SacctLayout {
  return layoutOf(sacct_default_columns, false);
}

/** Whether a line is a header line: one of its fields is the name JobID or JobIDRaw (a job's own JobID is numeric). */
export function isHeaderLine(text: string): boolean {
  return text.split('|').some((f) => {
    const n = f.trim().toLowerCase();
    return n === 'jobid' || n === 'jobidraw';
  });
}

export type HeaderResult = { ok: true; layout: SacctLayout } | { ok: false; field: string | null; message: string };

/** The layout a header line names; a trailing `|` (output of `--parsable` rather than `--parsable2`) is allowed. */
export function layoutFromHeader(text: string): HeaderResult {
  const names = text.split('|').map((n) => n.trim());
  if (names.length > 1 && names[names.length - 1] === '') names.pop();
  const seen = new Set<string>();
  for (const name of names) {
    if (!name_text.test(name)) return { ok: false, field: null, message: `${JSON.stringify(name)} in the header line is not a sacct field name` };
    const lower = name.toLowerCase();
    if (seen.has(lower)) return { ok: false, field: name, message: `column ${name} appears more than once in the header line` };
    seen.add(lower);
  }
  const missing = required_fields.filter((f) => !seen.has(read_fields[f].toLowerCase())).map((f) => read_fields[f]);
  if (missing.length > 0) {
    return {
      ok: false,
      field: missing[0] ?? null,
      message: `the header line lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (run sacct with --format=${sacct_default_columns.join(',')})`,
    };
  }
  return { ok: true, layout: layoutOf(names, true) };
}

/** Whether a line of `cells` fields fits the layout (see splitLine). */
function fits(cells: number, text: string, layout: SacctLayout): boolean {
  const n = layout.names.length;
  return cells === n || (cells === n + 1 && text.endsWith('|')) || (cells > n && layout.last_column_free);
}

/**
 * The JobID of a line, read without splitting the line (steps, two thirds of sacct's lines, need nothing else), or
 * null when the line does not fit the layout.
 */
export function jobIdOf(text: string, layout: SacctLayout): string | null {
  const want = layout.index.job_id;
  let job_id: string | null = null;
  let cells = 1;
  let start = 0;
  for (let bar = text.indexOf('|'); ; bar = text.indexOf('|', bar + 1)) {
    if (cells - 1 === want) job_id = text.slice(start, bar === -1 ? text.length : bar);
    if (bar === -1) break;
    cells++;
    start = bar + 1;
  }
  return fits(cells, text, layout) ? job_id : null;
}

export type SplitResult = { ok: true; line: SacctLine } | { ok: false; message: string };

/**
 * The fields of one line. Exactly one field per column; one more, empty, is the trailing `|` of `--parsable`; more
 * than that only when the last column is one not read (a `|` in a JobName).
 */
export function splitLine(text: string, layout: SacctLayout): SplitResult {
  const cells = text.split('|');
  const n = layout.names.length;
  if (cells.length !== n) {
    if (!fits(cells.length, text, layout)) {
      const what = layout.header ? 'as in the header line' : `(${sacct_default_columns.join('|')}; add a header line for other columns)`;
      return { ok: false, message: `expected ${n} fields ${what}, found ${cells.length}` };
    }
    if (cells.length === n + 1 && cells[n] === '') cells.pop();
    else cells.splice(n - 1, cells.length - n + 1, cells.slice(n - 1).join('|'));
  }
  const i = layout.index;
  return {
    ok: true,
    line: {
      job_id: cells[i.job_id] as string,
      job_id_raw: cells[i.job_id_raw] as string,
      account: cells[i.account] as string,
      partition: i.partition < 0 ? null : (cells[i.partition] as string),
      start: cells[i.start] as string,
      end: cells[i.end] as string,
      elapsed_raw: cells[i.elapsed_raw] as string,
      alloc_tres: cells[i.alloc_tres] as string,
      state: cells[i.state] as string,
      cluster: i.cluster < 0 ? null : (cells[i.cluster] as string),
    },
  };
}
