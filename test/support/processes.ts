// Child server processes for tests (the throwaway PostgreSQL of postgres.ts, the real Prometheus of prometheus.ts):
// finding binaries, picking a free port, starting a server detached with its output in a log file, polling until it
// is ready, stopping it, and cleaning up after it when the test process ends without stopping it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, closeSync, constants as fs_constants, openSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';

/** How much of a log readLog returns by default: its last this many characters. */
export const log_tail_chars = 8000;

/** Whether file is a regular file that we may execute. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, fs_constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the caller must still cope with someone taking it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/** The last tail_chars characters of a log file (prefixed with … when cut), or '(no log)' when it cannot be read. */
export function readLog(file: string, tail_chars = log_tail_chars): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > tail_chars ? `…${text.slice(-tail_chars)}` : text;
  } catch {
    return '(no log)';
  }
}

/** Whether the child has exited (or been killed by a signal). */
export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once the child has exited, or false after ms if it has not. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.removeListener('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Unless the child has already exited: sends it signal, and SIGKILL if it has not exited within timeout_ms (then waits up to 5 s more). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeout_ms: number): Promise<void> {
  if (exited(child)) return;
  child.kill(signal);
  if (!(await waitForExit(child, timeout_ms))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}

/**
 * Spawns a server detached (its own process group: a terminal's Ctrl-C is handled by us, not by it) with stdin
 * ignored and stdout and stderr written to log_file, opened with log_flags ('a': append, 'w': a fresh log). The child
 * is unref'd, and an 'error' event (e.g. a failed spawn) is ignored: it is surfaced through the child's exit, the
 * readiness timeout, or an undefined pid, which the caller checks.
 */
export function spawnServer(
  file: string,
  args: string[],
  log_file: string,
  log_flags: 'a' | 'w',
  options: Omit<SpawnOptions, 'detached' | 'stdio'>,
): ChildProcess {
  const log_fd = openSync(log_file, log_flags);
  let child: ChildProcess;
  try {
    child = spawn(file, args, { ...options, detached: true, stdio: ['ignore', log_fd, log_fd] });
  } finally {
    closeSync(log_fd);
  }
  child.on('error', () => undefined);
  child.unref();
  return child;
}

/** How pollUntilReady ended when the server did not become ready; last_error: why the last probe failed. */
export interface NotReady {
  exited: boolean;
  last_error: string;
}

/**
 * Calls probe (which resolves once the server is ready and rejects otherwise) every interval_ms after a failed try,
 * until it resolves (then null), the child exits (checked before each try), or timeout_ms have passed since started.
 */
export async function pollUntilReady(
  child: ChildProcess,
  started: number,
  timeout_ms: number,
  interval_ms: number,
  probe: () => Promise<void>,
): Promise<NotReady | null> {
  let last_error = 'no answer yet';
  for (;;) {
    if (Date.now() - started >= timeout_ms) return { exited: false, last_error };
    if (exited(child)) return { exited: true, last_error };
    try {
      await probe();
      return null;
    } catch (error) {
      last_error = error instanceof Error ? error.message : String(error);
    }
    await sleep(interval_ms);
  }
}

/**
 * Runs onExit synchronously if this process exits before the returned disarm function is called (normal exit,
 * process.exit(), and vitest's SIGINT/SIGTERM handling), and starts a detached watchdog for deaths that run no
 * JavaScript at all (SIGKILL, crashes): `/bin/sh -c SCRIPT name PID ...args`, where SCRIPT waits until this process
 * (PID, $1) is gone and then runs then_script (args are $2, $3, …). onExit runs after the watchdog is killed; disarm
 * kills the watchdog too.
 */
export function armExitCleanup(watchdog: { name: string; then_script: string; args: string[] }, onExit: () => void): () => void {
  let child: ChildProcess | undefined;
  try {
    const script = `while kill -0 "$1" 2>/dev/null; do sleep 1; done; ${watchdog.then_script}`;
    child = spawn('/bin/sh', ['-c', script, watchdog.name, String(process.pid), ...watchdog.args], {
      detached: true,
      stdio: 'ignore',
    });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    child = undefined; // the exit handler still covers ordinary exits
  }
  const killWatchdog = (): void => {
    if (child?.pid === undefined || exited(child)) return;
    try {
      process.kill(-child.pid, 'SIGKILL'); // its own process group (detached)
    } catch {
      child.kill('SIGKILL');
    }
  };
  const handler = (): void => {
    killWatchdog();
    onExit();
  };
  process.once('exit', handler);
  return () => {
    process.removeListener('exit', handler);
    killWatchdog();
  };
}
