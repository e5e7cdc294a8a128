// The published audit head (issue 13, F6): deleting the newest entries and moving the head row back passes the chain's
// own check, but not a head signed with the office key and published outside the database — truncated or forked,
// through GET /api/v1/audit/verify?head=…, `suanli audit verify --head FILE`, and the heads `suanli serve` publishes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachEngine, admin_key } from '../support/engines.js';
import { createParties, testApi, type TestApi } from '../support/api.js';
import { generateOfficeKey, loadOfficeKey, readPublishedHeads, startHeadPublisher, AuditHeadError } from '../../src/service/audit-head.js';
import { readSignedHead, signHead } from '../../src/domain/audit/head.js';
import { killAllServers, repo_root, serverEnv } from '../durability/server-process.js';

const run = promisify(execFile);
const now = Date.parse('2026-12-01T04:00:00Z');
const quiet = { info: () => undefined, warn: () => undefined };

afterAll(killAllServers);

describeEachEngine('published audit head', (db) => {
  let api: TestApi;
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-witness-'));
  const key_file = path.join(outside, 'office-key.pem');
  const heads_file = path.join(outside, 'heads.jsonl');
  afterAll(() => fs.rmSync(outside, { recursive: true, force: true }));

  const verify = async (head?: { seq: number; hash: string }) => {
    const res = await api.call('GET', `/api/v1/audit/verify${head === undefined ? '' : `?head=${head.seq}:${head.hash}`}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { ok: boolean; head: { seq: number; hash: string }; published: null | { ok: boolean; problem: string | null; message: string } };
  };

  it('publishes the signed head to a file:// log and over HTTP, only when it moved', async () => {
    api = await testApi(db(), () => now);
    await createParties(api, 'head');
    const pub = generateOfficeKey(key_file);
    expect(() => generateOfficeKey(key_file)).toThrow(); // never overwrites
    expect((fs.statSync(key_file).mode & 0o777).toString(8)).toBe('600');
    const key = loadOfficeKey(key_file);

    const publisher = startHeadPublisher(db().store, { key, url: pathToFileURL(heads_file).href, interval_ms: 3_600_000, now: () => now }, quiet);
    await publisher.stop();
    await publisher.tick(); // unchanged: nothing appended
    expect(fs.readFileSync(heads_file, 'utf8').trim().split('\n')).toHaveLength(1);
    const published = readPublishedHeads(heads_file, pub);
    expect(published).toMatchObject({
      kind: 'suanli.audit_head.v1',
      seq: (await verify()).head.seq,
      hash: (await verify()).head.hash,
      at: '2026-12-01T04:00:00.000Z',
    });

    // over HTTP, to another office's receiver
    const received: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as { port: number }).port;
    const over_http = startHeadPublisher(db().store, { key, url: `http://127.0.0.1:${port}/witness/suanli`, interval_ms: 3_600_000, now: () => now }, quiet);
    await over_http.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    expect(received).toHaveLength(1);
    const r = readSignedHead(received[0]!, pub);
    expect(r.ok && r.head.seq).toBe(published.seq);
  });

  it('catches a truncated chain with its head row moved back, which the chain alone does not', async () => {
    const key = loadOfficeKey(key_file);
    // more entries, then publish the head they reach
    for (let i = 0; i < 3; i++) await api.call('POST', '/api/v1/providers', { body: { name: `Later provider ${i}`, region: '310000' } });
    const publisher = startHeadPublisher(db().store, { key, url: pathToFileURL(heads_file).href, interval_ms: 3_600_000, now: () => now }, quiet);
    await publisher.stop();
    const published = readPublishedHeads(heads_file, createPublicKey(key));
    expect((await verify(published)).published).toMatchObject({ ok: true, problem: null });

    // the attack: cut the newest three entries off and move the head row (the local copy of the head) back with them
    const conn = db().store.connection.db;
    const keep = published.seq - 3;
    const kept = await conn.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '=', keep).executeTakeFirstOrThrow();
    await sql`delete from audit_log where seq > ${keep}`.execute(conn);
    await sql`update audit_head set seq = ${keep}, hash = ${kept.hash} where id = 1`.execute(conn);
    expect(await verify()).toMatchObject({ ok: true, published: null }); // blind on its own
    expect(await verify(published)).toMatchObject({ ok: false, published: { ok: false, problem: 'truncated' } });
    expect((await verify(published)).published!.message).toContain(`seq ${published.seq} was published`);

    // new entries after the cut reach the published seq again, but with other content: a fork
    for (let i = 0; i < 4; i++) await api.call('POST', '/api/v1/providers', { body: { name: `Forged provider ${i}`, region: '310000' } });
    const after = await verify(published);
    expect(after.head.seq).toBeGreaterThan(published.seq);
    expect(after).toMatchObject({ ok: false, published: { ok: false, problem: 'forked' } });
    // a malformed head is a 400 naming it
    const bad = await api.call('GET', '/api/v1/audit/verify?head=12:nothex');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('querystring.head');
  });

  it('refuses a head signed with another key, or edited after signing', () => {
    const pub = createPublicKey(loadOfficeKey(key_file));
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = signHead({ seq: 1, hash: 'a'.repeat(64) }, now, other);
    expect(readSignedHead(JSON.stringify(forged), pub)).toMatchObject({ ok: false, message: expect.stringContaining('another key') });
    const genuine = signHead({ seq: 5, hash: 'b'.repeat(64) }, now, loadOfficeKey(key_file));
    expect(readSignedHead(JSON.stringify({ ...genuine, seq: 4 }), pub)).toMatchObject({ ok: false, message: expect.stringContaining('does not verify') });
    const file = path.join(outside, 'forged.json');
    fs.writeFileSync(file, JSON.stringify(forged));
    expect(() => readPublishedHeads(file, pub)).toThrow(AuditHeadError);
  });
});

it('suanli serve publishes the head on its schedule; suanli audit verify --head refuses the truncated chain (SQLite)', async () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-witness-cli-'));
  const data_dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-head-cli-'));
  try {
    const key_file = path.join(outside, 'office.pem');
    const heads_file = path.join(outside, 'heads.jsonl');
    const base = { ...serverEnv({ database_url: null, data_dir, admin_key }), SUANLI_LOG_LEVEL: 'silent' };
    const keygen = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'keygen', key_file], { env: base, cwd: repo_root });
    expect(keygen.stdout).toMatch(/public key \(raw, base64\): [A-Za-z0-9+/]{43}=/);
    const env = { ...base, SUANLI_AUDIT_KEY_FILE: key_file, SUANLI_AUDIT_PUBLISH_URL: pathToFileURL(heads_file).href, SUANLI_AUDIT_PUBLISH_INTERVAL_S: '1' };
    // a file:// log inside the data dir is refused: it would be rewritten with the database
    const inside = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'head'], {
      env: { ...env, SUANLI_AUDIT_PUBLISH_URL: pathToFileURL(path.join(data_dir, 'heads.jsonl')).href },
      cwd: repo_root,
    }).then(
      () => null,
      (e: { stderr: string }) => e,
    );
    expect(inside?.stderr).toContain('must point outside SUANLI_DATA_DIR');

    // serve with the publisher (startServer passes only the basic settings: start it by hand through the env)
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: repo_root, env: { ...env, PORT: '0' }, stdio: 'ignore' });
    try {
      const deadline = Date.now() + 30_000;
      while (!(fs.existsSync(heads_file) && fs.readFileSync(heads_file, 'utf8').includes('"seq"')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    const lines = fs.readFileSync(heads_file, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    const head = JSON.parse(lines.at(-1)!) as { seq: number; hash: string };
    expect(head.seq).toBeGreaterThan(0);

    const verifyCli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify', ...args], { env, cwd: repo_root }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    expect(await verifyCli(['--head', heads_file])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`published head: the chain holds the head published at`),
    });
    // `suanli audit head` prints the same head, signed
    const printed = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'head'], { env, cwd: repo_root });
    expect(JSON.parse(printed.stdout)).toMatchObject({ kind: 'suanli.audit_head.v1', seq: head.seq, hash: head.hash });

    // truncate and move the head row back: the chain alone holds, the published head refuses it
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(path.join(data_dir, 'suanli.db'));
    const keep = head.seq - 1;
    const kept = raw.prepare('select hash from audit_log where seq = ?').get(keep) as { hash: string };
    raw.prepare('delete from audit_log where seq > ?').run(keep);
    raw.prepare('update audit_head set seq = ?, hash = ? where id = 1').run(keep, kept.hash);
    raw.close();
    expect((await verifyCli([])).code).toBe(0);
    const refused = await verifyCli(['--head', heads_file]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('published head REFUSED (truncated)');
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
    fs.rmSync(data_dir, { recursive: true, force: true });
  }
}, 120_000);
