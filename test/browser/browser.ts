// The browser tests' tools: Debian's Chromium driven by playwright-core (executablePath, headless, the flags of
// shared/STYLE.md, a fresh profile), and a real `suanli serve --demo` process on its own database, from which the
// demo sign-ins are read. Under CI a missing Chromium is an error, elsewhere the suite is skipped with the reason.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromium_path = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p)) ?? null;
export const chromium_flags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const web_built = fs.existsSync(path.resolve('dist/web/index.html'));

/** Why the browser suite cannot run here, or null when it can (under CI, the suite fails instead of skipping). */
export function browserUnavailable(): string | null {
  if (chromium_path === null) return "Debian's chromium is not installed (apt-get install chromium)";
  if (!web_built) return 'the dashboard is not built (npm run build:web)';
  return null;
}

export interface BrowserSession {
  browser: Browser;
  close(): Promise<void>;
}

/** A headless Chromium; playwright's plain launch gives it a fresh, throwaway user-data dir of its own. */
export async function launchChromium(): Promise<BrowserSession> {
  const browser = await chromium.launch({ executablePath: chromium_path!, headless: true, args: chromium_flags });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}

export interface DemoLogin {
  role: 'administrator' | 'auditor' | 'provider' | 'enterprise';
  login: string;
  password: string;
}
export interface DemoServer {
  url: string;
  logins: Record<DemoLogin['role'], DemoLogin>;
  admin_key: string;
  stop(): Promise<void>;
}

/** Starts `suanli serve --demo` (the CLI, through tsx) on a free port and waits until it prints its sign-ins. */
export async function startDemoServer(env: Record<string, string>, timeout_ms = 240_000): Promise<DemoServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--demo'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), PORT: '0', HOST: '127.0.0.1', SUANLI_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const started = Date.now();
  while (!/demo sign-ins[^\n]*\n(?:.*\n){4}/.test(out)) {
    if (child.exitCode !== null) throw new Error(`suanli serve exited ${child.exitCode}: ${err.slice(-2000)}`);
    if (Date.now() - started > timeout_ms) {
      child.kill('SIGKILL');
      throw new Error(`suanli serve did not start in ${timeout_ms} ms: ${out.slice(-1000)} ${err.slice(-1000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const url = /listening at (http:\/\/[^\s]+)/.exec(out)![1]!;
  const logins = {} as Record<DemoLogin['role'], DemoLogin>;
  for (const m of out.matchAll(/^ {2}(administrator|auditor|provider|enterprise) +(\S+@demo\.suanli) +(\S+)/gm)) {
    logins[m[1] as DemoLogin['role']] = { role: m[1] as DemoLogin['role'], login: m[2]!, password: m[3]! };
  }
  const admin_key = /^ {2}administrator +(sk_demo_\S+)/m.exec(out)![1]!;
  return {
    url,
    logins,
    admin_key,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * A page that fails the test on any uncaught error or console error (but the 401 of /me before signing in). The
 * browser's own zone is Beijing unless `timezone_id` says otherwise (the dashboard must follow the office's, not it).
 */
export async function newPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
  timezone_id = 'Asia/Shanghai',
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: timezone_id });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // Expected answers the pages handle: not signed in yet (/me), a role's forbidden call, a refused action.
    if (/status of (401|403|404|409|422)/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  return { context, page, problems };
}

export const screenshot_root = path.resolve('test-results/screenshots');
