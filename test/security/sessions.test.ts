// People and sessions on both engines: invitations, sign-in with a session cookie, CSRF on every state-changing route,
// failed sign-ins slowed per client and per address (the attacks: sign-in-throttle.test.ts), password changes, disabling, tenancy through a session, the rate
// limit, and secrets kept out of the logs.
import { expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { throttle_policies } from '../../src/domain/people/throttle.js';
import { admin_key, describeEachEngine } from '../support/engines.js';
import { createParties, testApi, type Parties, type TestApi } from '../support/api.js';
import { expectError, routesUnder } from '../support/routes.js';

vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const { withRouteRecorder } = await import('../support/routes.js');
  const fastify = withRouteRecorder(actual.default);
  return { ...actual, default: fastify, fastify };
});

let clock = Date.parse('2026-11-29T12:00:00Z');
const password = 'a long and careful passphrase';

interface Session {
  cookie: string;
  csrf: string;
  set_cookie: string;
}

function cookieOf(res: LightMyRequestResponse): string {
  const raw = res.headers['set-cookie'];
  const line = Array.isArray(raw) ? raw[0]! : String(raw);
  return line;
}

describeEachEngine('people and sessions', (db) => {
  let api: TestApi;
  let p: Parties;
  let serial = 0;

  const invite = async (org_id: string, role: string) => {
    const login = `person-${++serial}@example.org`;
    const res = await api.call('POST', '/api/v1/users/invite', { body: { org_id, role, login, name: `Person ${serial}` } });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as { user: { id: string }; invitation: { token: string } };
    return { login, id: body.user.id, token: body.invitation.token };
  };
  const person = async (org_id: string, role: string) => {
    const u = await invite(org_id, role);
    const accepted = await api.call('POST', '/api/v1/auth/accept-invitation', { key: null, body: { token: u.token, password } });
    expect(accepted.statusCode, accepted.body).toBe(200);
    return u;
  };
  const login = async (who: string, pw = password): Promise<Session> => {
    const res = await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: who, password: pw } });
    expect(res.statusCode, res.body).toBe(200);
    const set_cookie = cookieOf(res);
    return { cookie: set_cookie.split(';')[0]!, csrf: (res.json() as { csrf_token: string }).csrf_token, set_cookie };
  };
  const as = (s: Session, method: string, url: string, body?: unknown, csrf: string | null = s.csrf) =>
    api.call(method, url, {
      key: null,
      headers: { cookie: s.cookie, ...(csrf === null ? {} : { 'x-csrf-token': csrf }) },
      ...(body === undefined ? {} : { body }),
    });

  it('invites, accepts once, signs in with an HttpOnly SameSite=Strict cookie and a CSRF token', async () => {
    api = await testApi(db(), () => clock);
    p = await createParties(api, 'people');
    const u = await invite('office', 'administrator');
    expectError(await api.call('POST', '/api/v1/auth/accept-invitation', { key: null, body: { token: u.token, password: 'short' } }), 422, 'invalid_password');
    expect((await api.call('POST', '/api/v1/auth/accept-invitation', { key: null, body: { token: u.token, password } })).statusCode).toBe(200);
    expectError(await api.call('POST', '/api/v1/auth/accept-invitation', { key: null, body: { token: u.token, password } }), 422, 'invalid_invitation');
    const s = await login(u.login.toUpperCase()); // logins compare case-insensitively
    expect(s.set_cookie).toMatch(/^suanli_session=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/);
    const me = await as(s, 'GET', '/api/v1/me', undefined, null);
    // helmet's headers on every answer
    expect(me.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer' });
    expect(String(me.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(String(me.headers['strict-transport-security'])).toContain('max-age=');
    expect(me.json()).toMatchObject({ key_id: u.id, role: 'administrator', via: 'session', csrf_token: s.csrf });
    // an expired invitation is refused
    const late = await invite('office', 'auditor');
    clock += 73 * 3600_000;
    expectError(await api.call('POST', '/api/v1/auth/accept-invitation', { key: null, body: { token: late.token, password } }), 422, 'invalid_invitation');
  });

  it('refuses every state-changing route called with the cookie but without the CSRF token', async () => {
    const u = await person('office', 'administrator');
    const s = await login(u.login);
    const writes = routesUnder('/api/v1').filter((r) => !r.startsWith('GET ') && !r.startsWith('HEAD '));
    const public_writes = ['POST /api/v1/auth/login', 'POST /api/v1/auth/accept-invitation'];
    expect(writes.length).toBeGreaterThan(30);
    for (const route of writes.filter((r) => !public_writes.includes(r))) {
      const [method, pattern] = route.split(' ') as [string, string];
      const url = pattern.replace(/:id/g, 'x_missing');
      expectError(await as(s, method, url, {}, null), 403, 'csrf_failed');
      expectError(await as(s, method, url, {}, 'not-the-token'), 403, 'csrf_failed');
    }
    // with the token the same session writes
    const created = await as(s, 'POST', '/api/v1/providers', { name: 'Made in a session', region: '310000' });
    expect(created.statusCode, created.body).toBe(201);
    const audit = (await api.call('GET', '/api/v1/audit?action=organization.create')).json() as { items: { actor: { key_id: string; role: string } }[] };
    expect(audit.items.at(-1)!.actor).toMatchObject({ key_id: u.id, role: 'administrator' });
  });

  it("slows down failed sign-ins per client and per address, and a success clears the client's counter", async () => {
    const u = await person('office', 'auditor');
    for (let i = 0; i < throttle_policies.client.free_failures; i++) {
      expectError(
        await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: u.login, password: 'wrong wrong wrong' } }),
        401,
        'invalid_credentials',
      );
    }
    // the failure that reached the free ones locked this client, even for the right password
    const locked = await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: u.login, password } });
    expectError(locked, 429, 'too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // an unknown login answers exactly as a wrong password does
    clock += 10_000;
    const unknown = await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: 'nobody@example.org', password } });
    expect(unknown.statusCode === 401 || unknown.statusCode === 429).toBe(true);
    clock += 60 * 60_000 + 1;
    await login(u.login);
    // a success cleared the client's counter: four more failures and the right password still gets in
    for (let i = 0; i < throttle_policies.client.free_failures - 1; i++)
      await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: u.login, password: 'wrong wrong wrong' } });
    await login(u.login);
    // the address: failures spread over many accounts from one address lock the address
    for (let i = 0; i < throttle_policies.address.free_failures; i++)
      await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: `spray-${i}@example.org`, password: 'guess guess guess' } });
    expectError(await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: u.login, password } }), 429, 'too_many_attempts');
    clock += 60 * 60_000 + 1;
  });

  it('changes a password (ending the other sessions), disables a user (ending theirs), and keeps tenants apart through sessions', async () => {
    const u = await person(p.provider_id, 'provider');
    const first = await login(u.login);
    const second = await login(u.login);
    expectError(
      await as(first, 'POST', '/api/v1/auth/password', { current_password: 'not it at all', new_password: 'another long passphrase' }),
      401,
      'invalid_credentials',
    );
    expectError(await as(first, 'POST', '/api/v1/auth/password', { current_password: password, new_password: 'short' }), 422, 'invalid_password');
    expect((await as(first, 'POST', '/api/v1/auth/password', { current_password: password, new_password: 'another long passphrase' })).statusCode).toBe(200);
    expectError(await as(second, 'GET', '/api/v1/me', undefined, null), 401, 'unauthorized');
    expect((await as(first, 'GET', '/api/v1/me', undefined, null)).statusCode).toBe(200);
    expectError(await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: u.login, password } }), 401, 'invalid_credentials');
    const third = await login(u.login, 'another long passphrase');

    // tenancy: the provider's session sees its own cluster, not another provider's, and no office route
    const other = await createParties(api, 'people-other');
    expect((await as(third, 'GET', `/api/v1/clusters/${p.cluster_id}`, undefined, null)).statusCode).toBe(200);
    expectError(await as(third, 'GET', `/api/v1/clusters/${other.cluster_id}`, undefined, null), 404, 'not_found');
    expectError(await as(third, 'GET', '/api/v1/api-keys', undefined, null), 403, 'forbidden');

    // logout ends this session only
    expect((await as(third, 'POST', '/api/v1/auth/logout', {})).json()).toEqual({ logged_out: true });
    expectError(await as(third, 'GET', '/api/v1/me', undefined, null), 401, 'unauthorized');
    const fourth = await login(u.login, 'another long passphrase');
    expect((await api.call('POST', `/api/v1/users/${u.id}/disable`)).statusCode).toBe(200);
    expectError(await as(fourth, 'GET', '/api/v1/me', undefined, null), 401, 'unauthorized');
    expectError(
      await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: u.login, password: 'another long passphrase' } }),
      401,
      'invalid_credentials',
    );
    const users = (await api.call('GET', '/api/v1/users')).json() as { items: { id: string; status: string }[] };
    expect(users.items.find((x) => x.id === u.id)?.status).toBe('disabled');
  });

  it('answers 429 rate_limited with Retry-After past the per-minute limit', async () => {
    const limited = await buildApp({ config: { ...db().config, rate_limit_per_min: 3 }, store: db().store, now: () => clock, logger: false });
    await limited.ready();
    const get = () => limited.inject({ method: 'GET', url: '/api/v1/health' });
    for (let i = 0; i < 3; i++) expect((await get()).statusCode).toBe(200);
    const refused = await get();
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await limited.close();
  });

  it('never writes keys, passwords, session ids or CSRF tokens to the log', async () => {
    let log = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        log += String(chunk);
        done();
      },
    });
    const logged = await buildApp({ config: { ...db().config, log_level: 'trace' }, store: db().store, now: () => clock, logger: { stream } });
    await logged.ready();
    const u = await person('office', 'auditor');
    const res = await logged.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ login: u.login, password }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const sid = cookieOf(res).split(';')[0]!.split('=')[1]!;
    const csrf = (res.json() as { csrf_token: string }).csrf_token;
    await logged.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: `suanli_session=${sid}`, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      payload: '{}',
    });
    await logged.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${admin_key}` } });
    await logged.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ login: u.login, password: 'a wrong password here' }),
    });
    await logged.close();
    expect(log.length).toBeGreaterThan(500); // the requests were logged …
    for (const secret of [admin_key, password, 'a wrong password here', sid, csrf])
      expect(log.includes(secret), `the log holds ${secret.slice(0, 6)}…`).toBe(false);
    expect(log).toContain('/api/v1/auth/login');
    expect(log).toContain('"statusCode":401');
  });
});
