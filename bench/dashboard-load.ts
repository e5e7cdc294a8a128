// The dashboard's first load in a real browser (Debian's Chromium through playwright-core), cold cache: a new browser
// context per run, so every file comes over loopback again. Measures the sign-in page (navigation → form shown) and
// the overview after signing in (submit → every chart drawn, nothing loading), and the bundle's size on disk and
// gzipped (the server sends it uncompressed; a reverse proxy would compress it).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { chromium_flags, chromium_path } from '../test/browser/browser.js';
import { repo_root, servedWebRoot } from './support.js';

export interface BundleSize {
  files: { name: string; bytes: number; gzip_bytes: number }[];
  bytes: number;
  gzip_bytes: number;
}

/** Builds the dashboard (vite) into the folder the benchmark's server serves, and measures what a first visit downloads. */
export function buildAndMeasureBundle(): BundleSize {
  const dir = servedWebRoot();
  const r = spawnSync(
    process.execPath,
    [
      path.join(repo_root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
      '--outDir',
      dir,
      '--emptyOutDir',
    ],
    { cwd: repo_root, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}${r.stderr}`);
  const names = ['index.html', ...fs.readdirSync(path.join(dir, 'assets')).map((f) => `assets/${f}`)];
  const files = names.map((name) => {
    const body = fs.readFileSync(path.join(dir, name));
    return { name, bytes: body.length, gzip_bytes: gzipSync(body, { level: 6 }).length };
  });
  return { files, bytes: files.reduce((s, f) => s + f.bytes, 0), gzip_bytes: files.reduce((s, f) => s + f.gzip_bytes, 0) };
}

export interface PageLoad {
  sign_in_ms: number;
  overview_ms: number;
  total_ms: number;
  bytes: number;
  requests: number;
}

export async function measurePageLoads(url: string, login: string, password: string, runs: number): Promise<PageLoad[]> {
  if (chromium_path === null) throw new Error("Debian's chromium is not installed (apt-get install chromium)");
  const browser = await chromium.launch({ executablePath: chromium_path, headless: true, args: chromium_flags });
  const out: PageLoad[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      let bytes = 0;
      let requests = 0;
      page.on('response', (res) => {
        requests++;
        void res.body().then(
          (b) => {
            bytes += b.length;
          },
          () => undefined,
        );
      });
      const t0 = performance.now();
      await page.goto(url);
      await page.locator('input[name=login]').waitFor();
      const t1 = performance.now();
      await page.locator('input[name=login]').fill(login);
      await page.locator('input[name=password]').fill(password);
      const t2 = performance.now();
      await page.locator('button[type=submit]').click();
      await page.getByTestId('overview-share-chart').locator('svg').first().waitFor();
      await page.waitForFunction("document.querySelectorAll('.loading').length === 0 && document.querySelectorAll('figure.chart svg').length >= 4");
      const t3 = performance.now();
      out.push({ sign_in_ms: t1 - t0, overview_ms: t3 - t2, total_ms: t1 - t0 + (t3 - t2), bytes, requests });
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return out;
}

/** The raw baseline of a first load: the same files and the overview's API call fetched by Node over the loopback, no browser. */
export async function measureRawFetches(url: string, bundle: BundleSize, admin_key: string, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    for (const f of bundle.files) {
      const res = await fetch(`${url}/${f.name === 'index.html' ? '' : f.name}`);
      if (res.status !== 200) throw new Error(`GET /${f.name} answered ${res.status}`);
      await res.arrayBuffer();
    }
    const api = await fetch(`${url}/api/v1/dashboard/overview`, { headers: { authorization: `Bearer ${admin_key}` } });
    if (api.status !== 200) throw new Error(`the overview answered ${api.status}`);
    await api.arrayBuffer();
    out.push(performance.now() - t0);
  }
  return out;
}
