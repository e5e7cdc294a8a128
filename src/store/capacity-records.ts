// The capacity check's read of one cluster × model: large keyset pages of raw rows (SQLite: straight through
// better-sqlite3; PostgreSQL: one query a page), since the sweep reads every record of a period. Both engines answer
// from the covering index usage_records_capacity (cluster_id, accelerator_id, started_at_ms, seq, ended_at_ms, count).
import { sql, type Kysely } from 'kysely';
import type { CapacityRecord } from '../domain/integrity/capacity.js';
import type { Connection } from './database.js';
import type { Database } from './schema.js';

/** Rows per page: 50,000 rows of four integers is a few MB. */
export const capacity_page_rows = 50_000;

// `started_at_ms >= ?` bounds the index range from below (the duration limit before the period at first, the keyset
// after), so each page seeks instead of scanning the pair's records from the start; the OR then drops the rows of the
// keyset's own instant already read.
export const capacity_page_sql = `select seq, count, started_at_ms, ended_at_ms from usage_records
  where cluster_id = ? and accelerator_id = ? and started_at_ms < ? and ended_at_ms > ?
    and started_at_ms >= ? and (started_at_ms > ? or seq > ?)
  order by started_at_ms, seq limit ?`;

type PageRow = [number | bigint, number | bigint, number | bigint, number | bigint];

/**
 * The records of one cluster × model running some time in [from_ms, to_ms), sorted by started_at then seq, a page at
 * a time. `started_from_ms` is the earliest start worth reading (from_ms minus the longest a record may run).
 * On SQLite each page is read whole under Kysely's connection lock, so it never reads inside another caller's open
 * transaction and no statement stays open while the caller awaits.
 */
export async function* capacityPages(
  connection: Connection, cluster_id: string, accelerator: string, from_ms: number, to_ms: number, started_from_ms: number,
): AsyncGenerator<CapacityRecord[]> {
  const sqlite = connection.sqlite;
  const db: Kysely<Database> = connection.db;
  const stmt = sqlite === null ? null : sqlite.prepare(capacity_page_sql).raw(true);
  let after_start = started_from_ms;
  let after_seq = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const start = after_start;
    const seq = after_seq;
    let rows: PageRow[];
    if (stmt !== null) {
      rows = await db.connection().execute(async () => stmt.all(cluster_id, accelerator, to_ms, from_ms, start, start, seq, capacity_page_rows) as PageRow[]);
    } else {
      const r = await sql<{ seq: number; count: number; started_at_ms: number; ended_at_ms: number }>`select seq, count, started_at_ms, ended_at_ms
        from usage_records where cluster_id = ${cluster_id} and accelerator_id = ${accelerator} and started_at_ms < ${to_ms} and ended_at_ms > ${from_ms}
          and started_at_ms >= ${start} and (started_at_ms > ${start} or seq > ${seq})
        order by started_at_ms, seq limit ${capacity_page_rows}`.execute(db);
      rows = r.rows.map((x) => [x.seq, x.count, x.started_at_ms, x.ended_at_ms]);
    }
    const page: CapacityRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      page[i] = { seq: Number(r[0]), count: Number(r[1]), started_at_ms: Number(r[2]), ended_at_ms: Number(r[3]) };
    }
    const last = page[page.length - 1];
    if (last !== undefined) yield page;
    if (rows.length < capacity_page_rows || last === undefined) return;
    after_start = last.started_at_ms;
    after_seq = last.seq;
  }
}

/** One record as the scan hands it over: the same object each time (copy what you keep). */
export interface ScannedRecord { seq: number; count: number; started_at_ms: number; ended_at_ms: number }

/**
 * The same rows as capacityPages, handed to `visit` one by one with no page array and no object per row: on SQLite a
 * page is iterated straight off the statement under Kysely's connection lock (released between pages, so other
 * callers interleave), which spares the garbage of 50,000 rows a page. Answers the number of records visited.
 */
export async function scanCapacity(
  connection: Connection, cluster_id: string, accelerator: string, from_ms: number, to_ms: number, started_from_ms: number,
  visit: (r: ScannedRecord) => void,
): Promise<number> {
  const sqlite = connection.sqlite;
  if (sqlite === null) {
    let n = 0;
    for await (const page of capacityPages(connection, cluster_id, accelerator, from_ms, to_ms, started_from_ms)) {
      for (const r of page) visit(r);
      n += page.length;
    }
    return n;
  }
  const stmt = sqlite.prepare(capacity_page_sql).raw(true);
  const r: ScannedRecord = { seq: 0, count: 0, started_at_ms: 0, ended_at_ms: 0 };
  let after_start = started_from_ms;
  let after_seq = Number.MIN_SAFE_INTEGER;
  let total = 0;
  for (;;) {
    const start = after_start;
    const seq = after_seq;
    const rows = await connection.db.connection().execute(async () => {
      let n = 0;
      for (const row of stmt.iterate(cluster_id, accelerator, to_ms, from_ms, start, start, seq, capacity_page_rows) as IterableIterator<PageRow>) {
        r.seq = Number(row[0]); r.count = Number(row[1]); r.started_at_ms = Number(row[2]); r.ended_at_ms = Number(row[3]);
        visit(r);
        n++;
      }
      return n;
    });
    total += rows;
    if (rows < capacity_page_rows) return total;
    after_start = r.started_at_ms;
    after_seq = r.seq;
  }
}
