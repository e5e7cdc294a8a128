// The capacity check's read of one cluster × model: large keyset pages (SQLite: a reader thread on its own connection,
// pages handed over as typed arrays; PostgreSQL: one query a page), since the sweep reads every record of a period. Both engines answer
// from the covering index usage_records_capacity (cluster_id, accelerator_id, started_at_ms, seq, ended_at_ms, count).
import { sql, type Kysely } from 'kysely';
import type { CapacityRecord } from '../domain/integrity/capacity.js';
import type { Database } from './schema.js';
import { WorkerClient } from './worker-thread.js';

/** Rows per page: 50,000 rows of four integers is a few MB. */
export const capacity_page_rows = 50_000;

// `started_at_ms >= ?` bounds the index range from below (the duration limit before the period at first, the keyset
// after), so each page seeks instead of scanning the pair's records from the start; the OR then drops the rows of the
// keyset's own instant already read.
export const capacity_page_sql = `select seq, count, started_at_ms, ended_at_ms from usage_records
  where cluster_id = ? and accelerator_id = ? and started_at_ms < ? and ended_at_ms > ?
    and started_at_ms >= ? and (started_at_ms > ? or seq > ?)
  order by started_at_ms, seq limit ?`;

/**
 * The records of one cluster × model running some time in [from_ms, to_ms), sorted by started_at then seq, a page at
 * a time, through Kysely (PostgreSQL; on SQLite the reader thread below reads the same pages). `started_from_ms` is
 * the earliest start worth reading (from_ms minus the longest record of the pair).
 */
export async function* capacityPages(
  db: Kysely<Database>,
  cluster_id: string,
  accelerator: string,
  from_ms: number,
  to_ms: number,
  started_from_ms: number,
): AsyncGenerator<CapacityRecord[]> {
  let after_start = started_from_ms;
  let after_seq = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const r = await sql<{ seq: number; count: number; started_at_ms: number; ended_at_ms: number }>`select seq, count, started_at_ms, ended_at_ms
      from usage_records where cluster_id = ${cluster_id} and accelerator_id = ${accelerator} and started_at_ms < ${to_ms} and ended_at_ms > ${from_ms}
        and started_at_ms >= ${after_start} and (started_at_ms > ${after_start} or seq > ${after_seq})
      order by started_at_ms, seq limit ${capacity_page_rows}`.execute(db);
    const page = r.rows.map((x): CapacityRecord => ({
      seq: Number(x.seq),
      count: Number(x.count),
      started_at_ms: Number(x.started_at_ms),
      ended_at_ms: Number(x.ended_at_ms),
    }));
    const last = page[page.length - 1];
    if (last !== undefined) yield page;
    if (page.length < capacity_page_rows || last === undefined) return;
    after_start = last.started_at_ms;
    after_seq = last.seq;
  }
}

/** One record as the scan hands it over: the same object each time (copy what you keep). */
export interface ScannedRecord {
  seq: number;
  count: number;
  started_at_ms: number;
  ended_at_ms: number;
}

export interface PageRequest {
  id: number;
  cluster_id: string;
  accelerator: string;
  from_ms: number;
  to_ms: number;
  after_start: number;
  after_seq: number;
  limit: number;
}
export interface Page {
  n: number;
  buf: Float64Array;
}
export interface CapacityReaderConfig {
  file: string;
}

/**
 * SQLite only: a worker thread that reads pages (./sqlite-capacity-reader.ts), so that reading page k+1
 * overlaps sweeping page k. Started on first use; idle, it does not keep the process alive.
 */
export class SqliteCapacityReader {
  private readonly client: WorkerClient<PageRequest, Page>;

  constructor(file: string) {
    this.client = new WorkerClient(new URL('./sqlite-capacity-reader', import.meta.url), (): CapacityReaderConfig => ({ file }), 'SQLite capacity reader');
  }

  page(req: Omit<PageRequest, 'id'>): Promise<Page> {
    return this.client.request({ id: 0, ...req });
  }

  close(): Promise<void> {
    return this.client.close(false);
  }
}

/**
 * The same rows as capacityPages, handed to `visit` one by one with no object per row. On SQLite a worker thread reads
 * the next page while this thread sweeps the current one; on PostgreSQL the pages come from capacityPages.
 * Answers the number of records visited.
 */
export async function scanCapacity(
  db: Kysely<Database>,
  reader: SqliteCapacityReader | null,
  cluster_id: string,
  accelerator: string,
  from_ms: number,
  to_ms: number,
  started_from_ms: number,
  visit: (r: ScannedRecord) => void,
): Promise<number> {
  if (reader === null) {
    let n = 0;
    for await (const page of capacityPages(db, cluster_id, accelerator, from_ms, to_ms, started_from_ms)) {
      for (const r of page) visit(r);
      n += page.length;
    }
    return n;
  }
  const r: ScannedRecord = { seq: 0, count: 0, started_at_ms: 0, ended_at_ms: 0 };
  const ask = (after_start: number, after_seq: number) =>
    reader.page({ cluster_id, accelerator, from_ms, to_ms, after_start, after_seq, limit: capacity_page_rows });
  let pending = ask(started_from_ms, Number.MIN_SAFE_INTEGER);
  let total = 0;
  for (;;) {
    const { n, buf } = await pending;
    // Ask for the next page before sweeping this one: the worker reads while this thread sweeps.
    if (n === capacity_page_rows) pending = ask(buf[(n - 1) * 4 + 2]!, buf[(n - 1) * 4]!);
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      r.seq = buf[o]!;
      r.count = buf[o + 1]!;
      r.started_at_ms = buf[o + 2]!;
      r.ended_at_ms = buf[o + 3]!;
      visit(r);
    }
    total += n;
    if (n < capacity_page_rows) return total;
  }
}
