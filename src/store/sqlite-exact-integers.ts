// better-sqlite3 reads an integer as a JS number, rounding it silently past 2^53. Kysely reads SQLite through this
// wrapper instead: a reading statement hands back its integers as bigints (safeIntegers), and each becomes a number
// again while it is exact — the rule database.ts gives pg's int8 — so a value past 2^53 (a sum of money) arrives as a
// bigint on both engines and nothing is ever rounded. The raw handle (the ingest hot path) is untouched.
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';

const safe_max = BigInt(Number.MAX_SAFE_INTEGER);
const safe_min = -safe_max;

function exactRow(row: unknown): unknown {
  if (row === null || typeof row !== 'object') return row;
  const r = row as Record<string, unknown>;
  for (const k in r) {
    const v = r[k];
    if (typeof v === 'bigint' && v <= safe_max && v >= safe_min) r[k] = Number(v);
  }
  return row;
}

export function exactIntegers(db: SqliteDatabase.Database): KyselySqliteDatabase {
  return {
    close: () => {
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const stmt = db.prepare(sql);
      if (!stmt.reader) return stmt as unknown as SqliteStatement;
      stmt.safeIntegers(true);
      return {
        reader: true,
        all: (parameters) => (stmt.all(parameters) as unknown[]).map(exactRow),
        run: (parameters) => stmt.run(parameters),
        *iterate(parameters) {
          for (const row of stmt.iterate(parameters)) yield exactRow(row);
        },
      };
    },
  };
}
