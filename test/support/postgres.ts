// Throwaway PostgreSQL servers for tests.
//
// startPostgres() runs `initdb` into a fresh temporary directory and starts a
// private `postgres` on a free 127.0.0.1 port with durability switched off
// (fsync, synchronous_commit, full_page_writes), so it is fast and disposable.
// When TEST_DATABASE_URL is set, that server is used instead and nothing is
// started. initdb and postgres refuse to run as root; when the test process is
// root the server runs as the existing `postgres` system user (nothing is ever
// created), and when there is no such user startPostgres fails and says so.

import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, parse as parsePath } from 'node:path';
import pg from 'pg';
import { armExitCleanup, exited, freePort, isExecutable, pollUntilReady, readLog, spawnServer, stopChild, waitForExit } from './processes.js';

export interface PostgresServer {
  /** Superuser URL of the server's `postgres` database, e.g. postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** Shuts the server down and removes its files (a no-op for TEST_DATABASE_URL). */
  stop(): Promise<void>;
  /**
   * Stops the server (fast: SIGINT, clients disconnected, a checkpoint; immediate: SIGQUIT, no checkpoint, crash
   * recovery on start) and starts it again on the same port and files; resolves once it accepts connections again.
   * Only for a server this process started.
   */
  restart?(mode: 'fast' | 'immediate'): Promise<void>;
}

const UNPRIVILEGED_USER = 'postgres';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------
// Binaries

function serverBinariesIn(dir: string): { initdb: string; postgres: string } | null {
  const initdb = join(dir, 'initdb');
  const postgres = join(dir, 'postgres');
  return isExecutable(initdb) && isExecutable(postgres) ? { initdb, postgres } : null;
}

function compareVersionsDescending(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Locates the PostgreSQL server binaries: `pg_config --bindir`, then
 * /usr/lib/postgresql/<version>/bin (highest version first), then PATH.
 * Returns null when no directory holds both initdb and postgres.
 */
export function findPostgresBinaries(): { initdb: string; postgres: string } | null {
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
    const found = bindir ? serverBinariesIn(bindir) : null;
    if (found) return found;
  } catch {
    // no pg_config (or a broken one): keep looking
  }

  const debianRoot = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(debianRoot).sort(compareVersionsDescending);
  } catch {
    // not a Debian-style layout
  }
  for (const version of versions) {
    const found = serverBinariesIn(join(debianRoot, version, 'bin'));
    if (found) return found;
  }

  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const found = serverBinariesIn(dir);
    if (found) return found;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Unprivileged user

interface RunAs {
  uid: number;
  gid: number;
  name: string;
  home: string;
}

function lookUpUser(name: string): RunAs | null {
  let line: string | undefined;
  try {
    line = execFileSync('getent', ['passwd', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).split('\n')[0];
  } catch {
    try {
      line = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((entry) => entry.startsWith(`${name}:`));
    } catch {
      line = undefined;
    }
  }
  const fields = line?.split(':');
  if (!fields || fields.length < 7 || fields[0] !== name) return null;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  return { uid, gid, name, home: fields[5] ?? '/' };
}

/** null: run as ourselves. Throws when we are root and no unprivileged user exists. */
function unprivilegedUser(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const user = lookUpUser(UNPRIVILEGED_USER);
  if (!user || user.uid === 0) {
    throw new Error(
      `Cannot start a test PostgreSQL server: this process runs as root, and initdb/postgres refuse ` +
        `to run as root, but there is no unprivileged "${UNPRIVILEGED_USER}" system user to run them as ` +
        `(it is created by the postgresql package: apt-get install -y postgresql). ` +
        `Alternatively set TEST_DATABASE_URL to an existing server.`,
    );
  }
  return user;
}

/** Whether every directory from / down to dir can be entered by other users. */
function traversableByOthers(dir: string): boolean {
  let current = dir;
  for (;;) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (current === parsePath(current).root) return true;
    current = dirname(current);
  }
}

// ---------------------------------------------------------------------------
// Helpers

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether pid is gone or a zombie (an exited child not yet reaped by us). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Invalid database name ${JSON.stringify(name)}: use letters, digits and _ (at most 63)`);
  }
  return `"${name}"`;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// Databases

/** CREATE DATABASE name on the server at adminUrl; returns the new database's URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const ident = quoteIdent(name);
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${ident}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** DROP DATABASE IF EXISTS name WITH (FORCE): open connections to it are terminated. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const ident = quoteIdent(name);
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`));
}

// ---------------------------------------------------------------------------
// Server

function runInitdb(initdb: string, dataDir: string, cwd: string, user: RunAs | null, env: NodeJS.ProcessEnv): void {
  const args = ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'];
  const result = spawnSync(initdb, args, {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: START_TIMEOUT_MS,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit status ${result.status ?? result.signal}`;
    throw new Error(
      `initdb failed (${why}): ${initdb} ${args.join(' ')}` + (user ? ` [as user ${user.name}]` : '') + `\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
}

/**
 * Removes the server's directory if this process dies without calling stop():
 * synchronously on 'exit' (normal exit, process.exit(), and vitest's SIGINT/
 * SIGTERM handling), and by a detached watchdog for deaths that run no
 * JavaScript at all (SIGKILL, crashes).
 */
function armCleanup(pgPid: number, baseDir: string, dataDir: string): () => void {
  const watchdog = {
    name: 'pg-test-watchdog',
    then_script:
      'kill -QUIT "$2" 2>/dev/null; i=0; ' +
      'while kill -0 "$2" 2>/dev/null && [ -e "$4/postmaster.pid" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done; ' +
      'rm -rf "$3"',
    args: [String(pgPid), baseDir, dataDir],
  };
  return armExitCleanup(watchdog, () => {
    try {
      process.kill(pgPid, 'SIGQUIT'); // immediate shutdown: the files are thrown away anyway
    } catch {
      // already gone
    }
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !processGone(pgPid) && existsSync(join(dataDir, 'postmaster.pid'))) {
      sleepSync(20);
    }
    rmSync(baseDir, { recursive: true, force: true });
  });
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string, started: number): Promise<void> {
  const notReady = await pollUntilReady(child, started, START_TIMEOUT_MS, 50, async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  });
  if (notReady === null) return;
  if (notReady.exited) {
    throw new Error(`PostgreSQL exited during startup (${child.exitCode ?? child.signalCode}). Server log:\n${readLog(logFile)}`);
  }
  throw new Error(
    `PostgreSQL did not accept connections at ${url} within ${START_TIMEOUT_MS / 1000} s ` +
      `(last error: ${notReady.last_error}). Server log:\n${readLog(logFile)}`,
  );
}

function bindFailure(logFile: string): boolean {
  return /could not (bind|create listen socket)|address already in use/i.test(readLog(logFile));
}

/**
 * Starts a throwaway PostgreSQL server (or returns TEST_DATABASE_URL when set).
 * The caller must call stop(); if the process exits first, the server and its
 * directory are removed anyway.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const external = process.env.TEST_DATABASE_URL;
  if (external && options.durable !== true) return { url: external, stop: async () => undefined };

  const binaries = findPostgresBinaries();
  if (!binaries) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) not found via pg_config --bindir, ' +
        '/usr/lib/postgresql/*/bin or PATH. Install postgresql (apt-get install -y postgresql) ' +
        'or set TEST_DATABASE_URL.',
    );
  }
  const user = unprivilegedUser();

  // The unprivileged user must be able to reach the directory.
  const parent = user && !traversableByOthers(tmpdir()) ? '/tmp' : tmpdir();
  const baseDir = mkdtempSync(join(parent, 'pg-test-'));
  const dataDir = join(baseDir, 'data');
  const socketDir = join(baseDir, 'socket');
  const logFile = join(baseDir, 'server.log');
  let disarm: (() => void) | undefined;
  let child: ChildProcess | undefined;

  try {
    mkdirSync(socketDir, { mode: 0o700 });
    if (user) {
      chownSync(baseDir, user.uid, user.gid);
      chownSync(socketDir, user.uid, user.gid);
    }
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
    if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
    delete env.PGDATA;

    runInitdb(binaries.initdb, dataDir, baseDir, user, env);

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      // Detached, its output appended to the log, errors surfaced through exitCode / the readiness timeout.
      const launch = (): ChildProcess =>
        spawnServer(
          binaries.postgres,
          [
            '-D',
            dataDir,
            '-k',
            socketDir,
            '-h',
            '127.0.0.1',
            '-p',
            String(port),
            '-c',
            'fsync=off',
            // durable: a commit is acknowledged only once its WAL is written (it then survives the server's own
            // crash or immediate shutdown; fsync stays off: the machine itself does not crash in a test)
            '-c',
            `synchronous_commit=${options.durable === true ? 'on' : 'off'}`,
            '-c',
            'full_page_writes=off',
            '-c',
            'max_connections=300',
            '-c',
            'shared_buffers=128MB',
          ],
          logFile,
          'a',
          { cwd: baseDir, env, ...(user ? { uid: user.uid, gid: user.gid } : {}) },
        );
      const started = Date.now();
      child = launch();
      const pid = child.pid;
      if (pid === undefined) throw new Error(`could not start ${binaries.postgres}`);
      disarm = armCleanup(pid, baseDir, dataDir);

      try {
        await waitUntilReady(url, child, logFile, started);
      } catch (error) {
        const bindRace = attempt < 3 && child.exitCode !== null && bindFailure(logFile);
        if (!bindRace) throw error;
        disarm();
        disarm = undefined;
        continue; // someone took the port in between: try another
      }

      let server = child;
      let stopping: Promise<void> | undefined;
      return {
        url,
        stop: () =>
          (stopping ??= (async () => {
            await stopChild(server, 'SIGINT', STOP_TIMEOUT_MS); // fast shutdown
            disarm?.();
            rmSync(baseDir, { recursive: true, force: true });
          })()),
        restart: async (mode) => {
          server.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
          if (!(await waitForExit(server, STOP_TIMEOUT_MS))) throw new Error(`PostgreSQL did not stop (${mode}). Server log:\n${readLog(logFile)}`);
          disarm?.();
          server = launch();
          if (server.pid === undefined) throw new Error(`could not start ${binaries.postgres} again`);
          disarm = armCleanup(server.pid, baseDir, dataDir);
          await waitUntilReady(url, server, logFile, Date.now());
        },
      };
    }
  } catch (error) {
    if (child && !exited(child)) {
      child.kill('SIGQUIT');
      await waitForExit(child, 5_000);
    }
    disarm?.();
    rmSync(baseDir, { recursive: true, force: true });
    throw error;
  }
}
