// The sign-in throttle and the rate limit under attack, on both engines (issue 12: F1, F2, F8, F9): parallel guesses
// are counted before the password is checked (also across two `suanli serve` processes on one database); a guesser
// elsewhere slows the account down but cannot lock out the real user's browser (device cookie); addresses and the
// scheme come from a proxy only when it is trusted; garbage API keys share their address's rate-limit bucket.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/context.js';
import { throttle_policies } from '../../src/domain/people/throttle.js';
import { admin_key, describeEachEngine, type EngineDb } from '../support/engines.js';
import { testApi, type TestApi } from '../support/api.js';
import { expectError } from '../support/routes.js';
import { killAllServers, startServer, type ServerProcess } from '../durability/server-process.js';

const password = 'a long and careful passphrase';
const wrong = 'not the passphrase at all';

afterAll(killAllServers);

function setCookies(res: LightMyRequestResponse): string[] {
  const raw = res.headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
}
const cookieNamed = (res: LightMyRequestResponse, name: string) => setCookies(res).find((c) => c.startsWith(`${name}=`)) ?? null;

describeEachEngine('sign-in throttle', (db) => {
  let clock = Date.parse('2026-12-01T02:00:00Z');
  let api: TestApi;
  let serial = 0;

  /** An active user with `password`, made through the API (invitation, then its first password). */
  const person = async (a: { call: TestApi['call'] }) => {
    const login = `throttled-${++serial}@example.org`;
    const res = await a.call('POST', '/api/v1/users/invite', { body: { org_id: 'office', role: 'auditor', login, name: `Person ${serial}` } });
    expect(res.statusCode, res.body).toBe(201);
    const token = (res.json() as { invitation: { token: string } }).invitation.token;
    expect((await a.call('POST', '/api/v1/auth/accept-invitation', { key: null, body: { token, password } })).statusCode).toBe(200);
    return login;
  };
  const attempt = (app: App, login: string, pw: string, o: { address?: string; headers?: Record<string, string> } = {}) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: o.address ?? '127.0.0.1',
      headers: { 'content-type': 'application/json', ...(o.headers ?? {}) },
      payload: JSON.stringify({ login, password: pw }),
    });

  it('F1: fifty parallel wrong passwords and the right one: at most the free failures reach the password check', async () => {
    api = await testApi(db(), () => clock);
    const login = await person(api);
    const burst = await Promise.all([...Array.from({ length: 50 }, () => attempt(api.app, login, wrong)), attempt(api.app, login, password)]);
    const by = (status: number) => burst.filter((r) => r.statusCode === status).length;
    // every attempt was claimed before its password was checked: no more than the free failures were checked at all
    expect(by(401) + by(200)).toBeLessThanOrEqual(throttle_policies.client.free_failures);
    expect(by(429)).toBeGreaterThanOrEqual(51 - throttle_policies.client.free_failures);
    expect(by(401) + by(200) + by(429)).toBe(51);
    for (const r of burst.filter((x) => x.statusCode === 429)) {
      expectError(r, 429, 'too_many_attempts');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    clock += 2 * 3600_000;
  });

  it("F2: a guesser at address A slows the account; the real user's browser at B (device cookie) signs in at once, a new browser at B is slowed, not locked out", async () => {
    const login = await person(api);
    // the real user signed in from this browser before: it holds a device cookie
    const first = await attempt(api.app, login, password, { address: '198.51.100.20' });
    expect(first.statusCode, first.body).toBe(200);
    const device = cookieNamed(first, 'suanli_device');
    expect(device).toMatch(/^suanli_device=[A-Za-z0-9_-]{43}; Max-Age=7776000; Path=\/api\/v1\/auth; HttpOnly; SameSite=Strict$/);
    const device_cookie = device!.split(';')[0]!;

    // ten paced wrong tries from A (each one after the lock of the one before has run out)
    const c = throttle_policies.client;
    for (let n = 1; n <= 10; n++) {
      expectError(await attempt(api.app, login, wrong, { address: '203.0.113.9' }), 401, 'invalid_credentials');
      if (n < 10) clock += (n >= c.free_failures ? Math.min(c.lock_ms_max, c.first_lock_ms * 2 ** (n - c.free_failures)) : 0) + 1000;
    }
    // A itself is locked now
    expectError(await attempt(api.app, login, password, { address: '203.0.113.9' }), 429, 'too_many_attempts');
    // the real user at B, in the browser that signed in before: in at the first try, whatever A has spent
    const known = await attempt(api.app, login, password, { address: '198.51.100.20', headers: { cookie: device_cookie } });
    expect(known.statusCode, known.body).toBe(200);
    // a new browser at B: slowed by the account's counter, at most a minute, never the 15 minutes of a lock
    const fresh = await attempt(api.app, login, password, { address: '198.51.100.21' });
    expectError(fresh, 429, 'too_many_attempts');
    const wait_s = Number(fresh.headers['retry-after']);
    expect(wait_s).toBeGreaterThanOrEqual(1);
    expect(wait_s).toBeLessThanOrEqual(throttle_policies.account.lock_ms_max / 1000);
    clock += wait_s * 1000;
    const later = await attempt(api.app, login, password, { address: '198.51.100.21' });
    expect(later.statusCode, later.body).toBe(200);
    // a device cookie of another account, or a made-up one, counts as an untrusted client
    const other = await person(api);
    for (let i = 0; i < throttle_policies.client.free_failures; i++)
      await attempt(api.app, other, wrong, { address: '192.0.2.1', headers: { cookie: device_cookie } });
    expectError(await attempt(api.app, other, password, { address: '192.0.2.1', headers: { cookie: device_cookie } }), 429, 'too_many_attempts');
    clock += 2 * 3600_000;
  });

  it('F2: a locked device cookie counts as an untrusted client (five guesses with a stolen cookie, then the usual locks)', async () => {
    const login = await person(api);
    const ok = await attempt(api.app, login, password, { address: '198.51.100.30' });
    const device_cookie = cookieNamed(ok, 'suanli_device')!.split(';')[0]!;
    for (let i = 0; i < throttle_policies.device.free_failures; i++) {
      expectError(await attempt(api.app, login, wrong, { address: '203.0.113.30', headers: { cookie: device_cookie } }), 401, 'invalid_credentials');
    }
    // the device is locked: the attempt now answers to the untrusted counters, which are clean for this address
    expectError(await attempt(api.app, login, wrong, { address: '203.0.113.30', headers: { cookie: device_cookie } }), 401, 'invalid_credentials');
    clock += 2 * 3600_000;
  });

  it('F2, F9: the client address and scheme come from X-Forwarded-* only when the proxy is trusted', async () => {
    const login = await person(api);
    const behind = await buildApp({ config: { ...db().config, trust_proxy: ['127.0.0.1'] }, store: db().store, now: () => clock, logger: false });
    const untrusted = await buildApp({ config: { ...db().config, trust_proxy: false }, store: db().store, now: () => clock, logger: false });
    await behind.ready();
    await untrusted.ready();
    try {
      const via = (ip: string, proto = 'https') => ({ headers: { 'x-forwarded-for': ip, 'x-forwarded-proto': proto } });
      // behind a trusted TLS proxy: the session and device cookies are Secure
      const ok = await attempt(behind, login, password, via('203.0.113.50'));
      expect(ok.statusCode).toBe(200);
      expect(cookieNamed(ok, 'suanli_session')).toContain('; Secure');
      expect(cookieNamed(ok, 'suanli_device')).toContain('; Secure');
      // a proxy that is not trusted cannot claim TLS
      const plain = await attempt(untrusted, login, password, via('203.0.113.50'));
      expect(plain.statusCode).toBe(200);
      expect(cookieNamed(plain, 'suanli_session')).not.toContain('Secure');
      // trusted: each forwarded client has its own counter, so one client's lock is not another's
      for (let i = 0; i < throttle_policies.client.free_failures; i++) await attempt(behind, login, wrong, via('203.0.113.51'));
      expectError(await attempt(behind, login, password, via('203.0.113.51')), 429, 'too_many_attempts');
      expect((await attempt(behind, login, password, via('203.0.113.52'))).statusCode).toBe(200);
      // untrusted: X-Forwarded-For is ignored, so a guesser cannot escape its lock by naming another address
      const other = await person(api);
      for (let i = 0; i < throttle_policies.client.free_failures; i++) await attempt(untrusted, other, wrong, via(`203.0.113.${60 + i}`));
      expectError(await attempt(untrusted, other, password, via('203.0.113.99')), 429, 'too_many_attempts');
    } finally {
      await behind.close();
      await untrusted.close();
    }
    clock += 2 * 3600_000;
  });

  it("F8: garbage API keys share their address's rate-limit bucket; only a verified key has its own", async () => {
    const limited = await buildApp({ config: { ...db().config, rate_limit_per_min: 3 }, store: db().store, now: () => clock, logger: false });
    await limited.ready();
    try {
      const get = (url: string, auth: string | null, address = '192.0.2.80') =>
        limited.inject({ method: 'GET', url, remoteAddress: address, headers: auth === null ? {} : { authorization: auth } });
      for (let i = 0; i < 3; i++) expectError(await get('/api/v1/providers', `Bearer garbage-key-number-${i}-abcdef`), 401, 'unauthorized');
      expectError(await get('/api/v1/health', 'Bearer yet-another-garbage-key-xyz'), 429, 'rate_limited');
      expectError(await get('/api/v1/providers', 'Bearer and-one-more-garbage-key-xyz'), 429, 'rate_limited');
      // a verified key from the same address has its own bucket
      expect((await get('/api/v1/providers', `Bearer ${admin_key}`)).statusCode).toBe(200);
      // another address is not affected
      expect((await get('/api/v1/health', 'Bearer garbage-key-elsewhere-abcdef', '192.0.2.81')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('F1: fifty parallel wrong passwords spread over two `suanli serve` processes sharing the database', async () => {
    const { config } = db() as EngineDb;
    const data_dir = config.database_url === null ? config.data_dir : fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-throttle-'));
    const settings = { database_url: config.database_url, data_dir, admin_key };
    const servers: ServerProcess[] = await Promise.all([startServer(settings), startServer(settings)]);
    try {
      const call: TestApi['call'] = async (method, url, o = {}) => {
        const res = await fetch(`${servers[0]!.url}${url}`, {
          method,
          headers: { 'content-type': 'application/json', ...(o.key === null ? {} : { authorization: `Bearer ${o.key ?? admin_key}` }) },
          body: JSON.stringify(o.body),
        });
        const body = await res.text();
        return { statusCode: res.status, body, json: () => JSON.parse(body) } as unknown as LightMyRequestResponse;
      };
      const login = await person({ call });
      const started = Date.now();
      const statuses = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const res = await fetch(`${servers[i % 2]!.url}/api/v1/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ login, password: wrong }),
          });
          await res.text();
          return res.status;
        }),
      );
      const elapsed_ms = Date.now() - started;
      // on the real clock a lock can run out during the burst: each lock that did lets exactly one more try through
      const locks_run_out = elapsed_ms < 1000 ? 0 : Math.floor(Math.log2(elapsed_ms / 1000)) + 1;
      const checked = statuses.filter((s) => s === 401).length;
      expect(checked).toBeGreaterThanOrEqual(1);
      expect(checked).toBeLessThanOrEqual(throttle_policies.client.free_failures + locks_run_out);
      expect(statuses.filter((s) => s === 429).length).toBe(50 - checked);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      if (config.database_url !== null) fs.rmSync(data_dir, { recursive: true, force: true });
    }
  }, 90_000);
});
