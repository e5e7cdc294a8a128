// The capacity check's read of one cluster × model on SQLite, straight through better-sqlite3: large keyset pages of
// raw rows instead of Kysely's small pages of row objects, since the sweep reads every record of a period.
import type SqliteDatabase from 'better-sqlite3';
import type { CapacityRecord } from '../domain/integrity/capacity.js';

/**
 * Rows per page. A page is read whole with `.all()` (never `.iterate()`), so no statement stays open on the shared
 * connection while the caller awaits; 50,000 rows of four integers is a few MB.
 */
export const capacity_page_rows = 50_000;

// `started_at_ms >= ?` bounds the index range from below (usage_records_cluster_model_start, whose implicit last
// column is seq), so each page seeks to the keyset instead of scanning the pair's records from the start; the OR then
// drops the rows of the keyset's own instant already read.
export const capacity_page_sql = `select seq, count, started_at_ms, ended_at_ms from usage_records
  where cluster_id = ? and accelerator_id = ? and started_at_ms < ? and ended_at_ms > ?
    and started_at_ms >= ? and (started_at_ms > ? or seq > ?)
  order by started_at_ms, seq limit ?`;

type PageRow = [number | bigint, number | bigint, number | bigint, number | bigint];

/**
 * The records of one cluster × model running some time in [from_ms, to_ms), sorted by started_at then seq, a page
 * (at most `capacity_page_rows`) at a time: the same rows, order and keyset as FindingRepository.capacityRecords.
 * For a caller that drives CapacitySweep.push itself, with no promise per record.
 */
export async function* sqliteCapacityPages(
  sqlite: SqliteDatabase.Database, cluster_id: string, accelerator: string, from_ms: number, to_ms: number,
): AsyncGenerator<CapacityRecord[]> {
  const stmt = sqlite.prepare(capacity_page_sql).raw(true);
  let after_started_at_ms = Number.MIN_SAFE_INTEGER;
  let after_seq = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = stmt.all(cluster_id, accelerator, to_ms, from_ms, after_started_at_ms, after_started_at_ms, after_seq, capacity_page_rows) as PageRow[];
    const page: CapacityRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      page[i] = { seq: Number(r[0]), count: Number(r[1]), started_at_ms: Number(r[2]), ended_at_ms: Number(r[3]) };
    }
    const last = page[page.length - 1];
    if (last !== undefined) yield page;
    if (rows.length < capacity_page_rows || last === undefined) return;
    after_started_at_ms = last.started_at_ms;
    after_seq = last.seq;
  }
}

/** The same, a record at a time, for sweepSortedCapacityAsync. */
export async function* sqliteCapacityRecords(
  sqlite: SqliteDatabase.Database, cluster_id: string, accelerator: string, from_ms: number, to_ms: number,
): AsyncGenerator<CapacityRecord> {
  for await (const page of sqliteCapacityPages(sqlite, cluster_id, accelerator, from_ms, to_ms)) yield* page;
}
