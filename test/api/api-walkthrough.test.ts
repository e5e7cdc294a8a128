// docs/api.md cannot drift: its ```sh blocks run, in order, as one bash script (curl, jq, openssl) against a real
// server listening on loopback, and every `# =>` line in them must appear in the script's output, in order. The
// signing step therefore proves that a batch signed exactly as the page's openssl commands sign it is accepted.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/context.js';
import { admin_key, freshDatabase, type EngineDb } from '../support/engines.js';

const page = fs.readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
/** The blocks that run: exactly those fenced as ```sh (```shell and ```text blocks are only shown). */
const blocks = [...page.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const expected = blocks.flatMap((b) => [...b.matchAll(/^# => (.*)$/gm)].map((m) => m[1]!));

const tools = ['bash', 'curl', 'jq', 'openssl', 'base64'];
const missing = tools.filter((t) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
// Ed25519 signing with -rawin needs OpenSSL 1.1.1 or later (LibreSSL's pkeyutl has no -rawin).
const openssl_ok = missing.includes('openssl') ? false : /^OpenSSL (1\.1\.1|[3-9]\.)/.test(execFileSync('openssl', ['version'], { encoding: 'utf8' }));
const skip = missing.length > 0 || !openssl_ok;
const why = missing.length > 0 ? `missing ${missing.join(', ')}` : 'OpenSSL 1.1.1 or later needed';
if (skip) console.warn(`docs/api.md walk-through skipped: ${why}`);
// Under CI (.ci/run installs curl, jq and openssl) a missing tool is an error, not a skip.
if (skip && process.env.CI)
  it('the walk-through of docs/api.md can run under CI', () => {
    throw new Error(why);
  });

// The server's clock is fixed a while after the page's usage (it refuses records ending in the future).
const now = Date.parse('2026-11-29T12:00:00Z');
let db: EngineDb;
let dispose: () => Promise<void>;
let app: App;
let url: string;
let work_dir: string;

beforeAll(async () => {
  if (skip) return;
  ({ db, dispose } = await freshDatabase('sqlite'));
  await db.store.bootstrapAdministrator(admin_key, now);
  app = await buildApp({ config: db.config, store: db.store, now: () => now, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  work_dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-walkthrough-'));
});

afterAll(async () => {
  if (skip) return;
  await app.close();
  await dispose();
  fs.rmSync(work_dir, { recursive: true, force: true });
});

it('has runnable steps with expected output, and covers what a newcomer needs', () => {
  expect(blocks.length).toBeGreaterThan(10);
  expect(expected.length).toBeGreaterThan(10);
  for (const needle of [
    '/api/docs/json',
    '/api/docs',
    'errors.md',
    'POST /api/v1/providers/{id}/signing-keys',
    'next_cursor',
    'cursor',
    'limit',
    'openssl genpkey -algorithm ed25519',
    '--data-binary',
    'Suanli-Signature',
    'x-roles',
    'security.md',
  ]) {
    expect(page).toContain(needle);
  }
});

it.skipIf(skip)('runs the walk-through of docs/api.md against a real server: every step answers as the page says', async () => {
  const script = `set -euo pipefail\n${blocks.join('\n')}\n`;
  const run = await promisify(execFile)('bash', ['-c', script], {
    cwd: work_dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work_dir, LC_ALL: 'C', SUANLI_URL: url, SUANLI_ADMIN_KEY: admin_key },
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`the walk-through failed: ${error.message}\n--- stdout\n${error.stdout ?? ''}\n--- stderr\n${error.stderr ?? ''}`);
  });
  // each expected line, in order, as a whole line of the output
  const lines = run.stdout.split('\n');
  let at = 0;
  for (const want of expected) {
    const found = lines.indexOf(want, at);
    expect(found, `"${want}" after line ${at} of:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }

  // and the server holds what the page says it does: both records, each from a signed batch, under the key registered
  const usage = (await app.inject({ method: 'GET', url: '/api/v1/usage', headers: { authorization: `Bearer ${admin_key}` } })).json() as {
    items: { record_id: string; count: number; signed: { batch_id: number; key_id: string } | null }[];
  };
  expect(usage.items.map((r) => [r.record_id, r.count])).toEqual([
    ['job-4711', 8],
    ['job-4712', 64],
  ]);
  const provider_id = (await db.store.organizations.list('provider'))[0]!.id;
  const keys = await db.store.signingKeys.active(provider_id);
  expect(keys).toHaveLength(1);
  for (const r of usage.items) expect(r.signed?.key_id).toBe(keys[0]!.id);
  // the signature the page's openssl commands made is byte for byte what examples/signing/sign-batch.mjs makes
  const node_header = execFileSync(
    process.execPath,
    [
      fileURLToPath(new URL('../../examples/signing/sign-batch.mjs', import.meta.url)),
      '--key',
      path.join(work_dir, 'private.pem'),
      '--key-id',
      keys[0]!.id,
      path.join(work_dir, 'batch-1.json'),
    ],
    { encoding: 'utf8' },
  ).trim();
  const openssl_sig = execFileSync('sh', ['-c', 'openssl pkeyutl -sign -inkey private.pem -rawin -in batch-1.json | base64 | tr -d "\\n"'], {
    cwd: work_dir,
    encoding: 'utf8',
  });
  expect(node_header).toBe(`Suanli-Signature: keyId="${keys[0]!.id}", sig="${openssl_sig}"`);
});
