// A write transaction that serializes correctly on both engines: SQLite takes the write lock up front (BEGIN IMMEDIATE,
// so two processes never deadlock upgrading a read lock); PostgreSQL runs READ COMMITTED and callers lock the rows
// they decide on with lockRows (SELECT … FOR UPDATE), which compiles to nothing on SQLite.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Connection } from './database.js';
import type { Database } from './schema.js';

export type Tx = Kysely<Database>;

export async function writeTransaction<T>(connection: Connection, fn: (tx: Tx, engine: Connection['engine']) => Promise<T>): Promise<T> {
  if (connection.engine === 'postgres') {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connection.db
          .transaction()
          .setIsolationLevel('read committed')
          .execute((tx) => fn(tx, 'postgres'));
      } catch (error) {
        const code = (error as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < 5) continue; // deadlock / serialization: run it again
        throw error;
      }
    }
  }
  return connection.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn, 'sqlite');
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

/** FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the only write lock. */
export function lockRows<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>, engine: Connection['engine']): SelectQueryBuilder<DB, TB, O> {
  return engine === 'postgres' ? q.forUpdate() : q;
}
