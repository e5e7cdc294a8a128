// Backup and restore of the whole database while the server runs (`suanli backup FILE`, `suanli restore FILE`).
// SQLite: VACUUM INTO writes one consistent snapshot (a single read transaction: in WAL mode writers go on meanwhile,
// and unlike the online backup API it never restarts when another connection writes). PostgreSQL: pg_dump's custom
// format (one repeatable-read snapshot) and pg_restore into an empty database, in one transaction. A backup is
// written beside its name and renamed when complete, so a file with the name is always a whole backup.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import SqliteDatabase from 'better-sqlite3';
import type { Connection } from './database.js';

export interface BackupResult {
  engine: Connection['engine'];
  file: string;
  bytes: number;
  duration_ms: number;
  /** When the snapshot was taken (its start): everything committed before it is in the backup. */
  started_at_ms: number;
}

export class BackupError extends Error {}

const partialOf = (file: string) => `${file}.partial`;

function refuseExisting(file: string): void {
  if (fs.existsSync(file)) throw new BackupError(`${file} exists already: a backup never overwrites a file`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.rmSync(partialOf(file), { force: true });
}

/** fsync a file and its directory, then rename: the name appears only for a complete, durable backup. */
function publish(partial: string, file: string): number {
  const fd = fs.openSync(partial, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, file);
  const dir = fs.openSync(path.dirname(path.resolve(file)), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  return fs.statSync(file).size;
}

/** database_url: the PostgreSQL URL the connection was opened with (null for SQLite). pg_dump comes from PATH. */
export async function backupDatabase(connection: Connection, database_url: string | null, file: string, now: () => number = Date.now): Promise<BackupResult> {
  refuseExisting(file);
  const partial = partialOf(file);
  const started_at_ms = now();
  const t0 = performance.now();
  try {
    if (connection.engine === 'sqlite') {
      connection.sqlite!.prepare('VACUUM INTO ?').run(partial);
    } else {
      if (database_url === null) throw new Error('a PostgreSQL backup without the database URL');
      await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, `--dbname=${database_url}`]);
    }
    const bytes = publish(partial, file);
    return { engine: connection.engine, file, bytes, duration_ms: Math.round(performance.now() - t0), started_at_ms };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
}

/**
 * Restores a backup into an empty database: for SQLite the data dir must hold no database file yet; for PostgreSQL the
 * database must hold no tables. The caller then migrates (a backup of an older version is brought up to date) and runs
 * the verifiers.
 */
export async function restoreDatabase(target: { engine: Connection['engine']; sqlite_file: string; database_url: string | null }, file: string): Promise<void> {
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist`);
  if (target.engine === 'sqlite') {
    for (const f of [target.sqlite_file, `${target.sqlite_file}-wal`]) {
      if (fs.existsSync(f) && fs.statSync(f).size > 0)
        throw new BackupError(`${f} exists: restore only into an empty data directory (move the old database away first)`);
    }
    checkSqliteBackup(file);
    fs.mkdirSync(path.dirname(target.sqlite_file), { recursive: true });
    const partial = partialOf(target.sqlite_file);
    fs.copyFileSync(file, partial);
    publish(partial, target.sqlite_file);
    return;
  }
  await run('pg_restore', ['--list', file], 'the file is not a pg_dump custom-format archive');
  const tables = await tablesIn(target.database_url!);
  if (tables > 0) throw new BackupError(`the database holds ${tables} tables: restore only into an empty database`);
  await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${target.database_url}`, file]);
}

/** A SQLite backup must be a whole database of suanli's: quick_check passes and the audit chain's tables are there. */
function checkSqliteBackup(file: string): void {
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file} is not a SQLite database: ${(error as Error).message}`);
  }
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} fails SQLite's quick_check: ${String(check)}`);
    const tables = db
      .prepare("select count(*) as n from sqlite_master where type = 'table' and name in ('audit_log', 'usage_records', 'ledger_transfers')")
      .get() as { n: number };
    if (tables.n !== 3) throw new BackupError(`${file} is not a suanli database (no audit_log, usage_records or ledger_transfers table)`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} cannot be read as a SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

async function tablesIn(database_url: string): Promise<number> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: database_url });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>("select count(*) as n from information_schema.tables where table_schema = 'public'");
    return Number(r.rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Runs a tool; a failure names it with the end of its standard error. Bounded: output kept to 4 KB. */
function run(command: string, args: readonly string[], what?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4096);
    });
    child.once('error', (error) =>
      reject(
        new BackupError(
          `${path.basename(command)} could not be run (${error.message}): install PostgreSQL's client programs (Debian: postgresql-client) or put them on PATH`,
        ),
      ),
    );
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new BackupError(`${what ?? `${path.basename(command)} failed`} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
