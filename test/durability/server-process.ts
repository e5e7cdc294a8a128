// `suanli serve` as a child process, exactly as an operator starts it from a clean clone (no build step: tsx is a
// devDependency): start it on a free port, wait until GET /api/v1/health answers, SIGKILL it at will.
// Every child started here is killed when the test process exits, whatever happens to the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo_root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Limits: how long a start may take (tsx compiles on the fly, migrations run), and how much output is kept. */
const start_ms_max = 30_000;
const output_chars_max = 8_000;

export interface ServerSettings {
  /** postgres://… or null for the SQLite file under data_dir. */
  database_url: string | null;
  data_dir: string;
  admin_key: string;
}

export interface ServerProcess {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number;
  /** The last output of the child (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGKILL (no clean shutdown, nothing flushed) and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (clean shutdown) and wait until it is gone. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (afterAll, and on exit of the test process). */
export function killAllServers(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
process.once('exit', killAllServers);

/** The child's environment: ours without any suanli setting or database URL, then exactly the settings given. */
export function serverEnv(settings: ServerSettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('SUANLI_') || k === 'DATABASE_URL' || k === 'PORT' || k === 'HOST' || k === 'LOG_LEVEL') continue;
    env[k] = v;
  }
  Object.assign(env, {
    PORT: '0', // the kernel picks a free port; serve prints the address it got
    HOST: '127.0.0.1',
    SUANLI_DATA_DIR: settings.data_dir,
    SUANLI_ADMIN_KEY: settings.admin_key,
    SUANLI_LOG_LEVEL: 'warn',
  });
  if (settings.database_url !== null) env.DATABASE_URL = settings.database_url;
  return env;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  await once(child, 'exit');
}

/** Starts `node --import tsx src/cli/main.ts serve` (one process: SIGKILL hits the server itself) and waits until healthy. */
export async function startServer(settings: ServerSettings): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: repo_root,
    env: serverEnv(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-output_chars_max);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start suanli serve');

  const kill = async (signal: NodeJS.Signals) => {
    if (!exited(child)) child.kill(signal);
    await waitForExit(child);
  };
  const fail = async (why: string): Promise<never> => {
    await kill('SIGKILL');
    throw new Error(`suanli serve (pid ${pid}) ${why}; output:\n${output}`);
  };

  const deadline = Date.now() + start_ms_max;
  let url: string | null = null;
  while (url === null) {
    const m = /listening at (http:\/\/[^\s]+) /.exec(output);
    if (m) url = m[1]!;
    else if (exited(child)) return fail(`exited during start (${child.exitCode ?? child.signalCode})`);
    else if (Date.now() > deadline) return fail(`printed no address within ${start_ms_max} ms`);
    else await sleep(20);
  }
  for (;;) {
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      /* not yet */
    }
    if (exited(child)) return fail(`exited before it was healthy (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) return fail(`was not healthy within ${start_ms_max} ms`);
    await sleep(20);
  }
  return { url, pid, output: () => output, kill: () => kill('SIGKILL'), stop: () => kill('SIGTERM') };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
