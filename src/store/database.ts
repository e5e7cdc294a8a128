// Opens the database: embedded SQLite (WAL, file under the data dir) by default, PostgreSQL when DATABASE_URL is set.
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import type { Engine } from './engine.js';
import { migration0001 } from './migrations/0001-core.js';
import { migration0002 } from './migrations/0002-programs.js';
import { migration0003 } from './migrations/0003-findings.js';
import { migration0004 } from './migrations/0004-integrity.js';
import { migration0005 } from './migrations/0005-people.js';
import { migration0006 } from './migrations/0006-dashboard.js';
import { migration0007 } from './migrations/0007-rejections.js';
import { exactIntegers } from './sqlite-exact-integers.js';
import { migration0008 } from './migrations/0008-login-devices.js';
import { migration0009 } from './migrations/0009-request-digests.js';
import { migration0010 } from './migrations/0010-batch-delivery.js';
import { migration0011 } from './migrations/0011-commit-order.js';
import { migration0012 } from './migrations/0012-rollup-sum-bound.js';
import { migration0013 } from './migrations/0013-usage-replacement.js';
import { migration0014 } from './migrations/0014-office-calendar.js';
import { migration0015 } from './migrations/0015-rule-set-rounding.js';
import { migration0016 } from './migrations/0016-usage-groups.js';

export interface DatabaseOptions {
  /** postgres://… or null for SQLite. */
  database_url: string | null;
  /** SQLite file; ':memory:' is not supported (the durability guarantees are the point). */
  sqlite_file: string;
  sqlite_synchronous: 'FULL' | 'NORMAL';
  pg_pool_size_max: number;
}

export interface Connection {
  readonly engine: Engine;
  readonly db: Kysely<Database>;
  /** The raw better-sqlite3 handle, only for the ingest hot path, and only inside db.connection(). */
  readonly sqlite: SqliteDatabase.Database | null;
  close(): Promise<void>;
}

// int8 arrives from pg as text: hand back a number while it is exact, a bigint beyond 2^53 (SQLite reads the same way:
// sqlite-exact-integers.ts). Sums of int8 arrive from pg as numeric text: BigInt() them.
pg.types.setTypeParser(20, (text: string) => {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
});

export function openDatabase(options: DatabaseOptions): Connection {
  if (options.database_url !== null) {
    const pool = new pg.Pool({ connectionString: options.database_url, max: options.pg_pool_size_max });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    // Nor a checked-out client's: PostgreSQL ending the connection under a query (fast or immediate shutdown) emits
    // 'error' on the client, and pg rethrows an 'error' nobody listens to — the whole process would exit. The query
    // itself rejects (answered 503, src/store/unavailable.ts) and the pool drops the broken client when it is released.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { engine: 'postgres', db, sqlite: null, close: () => db.destroy() };
  }
  fs.mkdirSync(path.dirname(options.sqlite_file), { recursive: true });
  const sqlite = new SqliteDatabase(options.sqlite_file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.sqlite_synchronous}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: exactIntegers(sqlite) }) });
  return { engine: 'sqlite', db, sqlite, close: () => db.destroy() };
}

class StaticMigrations implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

/**
 * Applies every pending migration (or those up to `to`, by name: tests of a migration start from the one before);
 * safe to run from several processes at once (Kysely takes a lock).
 */
export async function migrate(connection: Connection, to?: string): Promise<string[]> {
  const migrator = new Migrator({
    db: connection.db,
    provider: new StaticMigrations({
      '0001-core': migration0001(connection.engine),
      '0002-programs': migration0002(connection.engine),
      '0003-findings': migration0003(connection.engine),
      '0004-integrity': migration0004(connection.engine),
      '0005-people': migration0005(connection.engine),
      '0006-dashboard': migration0006(connection.engine),
      '0007-rejections': migration0007(connection.engine),
      '0008-login-devices': migration0008(connection.engine),
      '0009-request-digests': migration0009(connection.engine),
      '0010-batch-delivery': migration0010(connection.engine),
      '0011-commit-order': migration0011(connection.engine),
      '0012-rollup-sum-bound': migration0012(connection.engine),
      '0013-usage-replacement': migration0013(connection.engine),
      '0014-office-calendar': migration0014(connection.engine),
      '0015-rule-set-rounding': migration0015(connection.engine),
      '0016-usage-groups': migration0016(connection.engine),
    }),
  });
  const { error, results } = to === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(to);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
