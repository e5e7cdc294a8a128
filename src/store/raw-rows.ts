// Rows of a large read as arrays: on SQLite straight from the driver (`raw(true)`, no object per row and none of the
// exact-integer plugin's per-row work: the caller converts the few columns it needs), on PostgreSQL the query's rows
// with their values in select order. For reads of hundreds of thousands of rows (a claim's records, usage groups).
import type { Kysely, RawBuilder } from 'kysely';
import type { Connection } from './database.js';
import type { Database } from './schema.js';

/** `bigints`: SQLite answers every integer as a bigint (for sums that may pass 2^53); else as numbers. */
export async function rawRows(connection: Connection, query: RawBuilder<Record<string, unknown>>, bigints = false): Promise<unknown[][]> {
  const db: Kysely<Database> = connection.db;
  const sqlite = connection.sqlite;
  if (sqlite !== null) {
    const compiled = query.compile(db);
    return db.connection().execute(
      async () =>
        sqlite
          .prepare(compiled.sql)
          .raw(true)
          .safeIntegers(bigints)
          .all(...compiled.parameters) as unknown[][],
    );
  }
  const { rows } = await query.execute(db);
  return rows.map((r) => Object.values(r));
}
