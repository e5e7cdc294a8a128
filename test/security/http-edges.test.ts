// The edges of HTTP, on both engines (issue 12): what the framework, Node's parser and the file servers answer must be
// our documented error shape too (F10), a JSON body must be well-formed UTF-8 (F11a), and answers carrying secrets or
// personal data must not be cached (F11d). Parser-level requests go over a real socket to a listening server, raw and
// unnormalized (as `curl --path-as-is` sends them): inject would normalize the path and bypass Node's parser.
import net from 'node:net';
import { Writable } from 'node:stream';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, expect, it, vi } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/context.js';
import { error_statuses } from '../../src/http/errors.js';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError, expectFieldError, registered_routes } from '../support/routes.js';

// Fastify's factory is wrapped (test/support/routes.ts) so that every route and its config reach the test.
const recorded = vi.hoisted(() => ({ no_store: new Set<string>() }));
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const { withRouteRecorder } = await import('../support/routes.js');
  const recording = withRouteRecorder(actual.default) as unknown as (...args: unknown[]) => unknown;
  const fastify = (...args: unknown[]) => {
    const app = recording(...args) as unknown as {
      addHook(name: 'onRoute', hook: (route: { method: string | string[]; url: string; config?: { no_store?: unknown } }) => void): unknown;
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.no_store !== true) return;
      for (const m of Array.isArray(route.method) ? route.method : [route.method]) if (m !== 'HEAD') recorded.no_store.add(`${m} ${route.url}`);
    });
    return app;
  };
  return { ...actual, default: fastify, fastify };
});

const now = Date.parse('2026-11-29T12:00:00Z');
const password = 'a long and careful passphrase';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `text` as is on a new connection and reads the answer until the server closes it (or 5 s pass). */
function rawRequest(port: number, text: string | Buffer, onSocket?: (s: net.Socket) => void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      onSocket?.(socket);
      socket.write(text);
    });
    let out = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      out = Buffer.concat([out, d]);
    });
    socket.on('error', () => {}); // the server may reset after answering
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('close', () => {
      clearTimeout(timer);
      const s = out.toString('utf8');
      const end = s.indexOf('\r\n\r\n');
      if (end < 0) {
        reject(new Error(`no answer to ${String(text).slice(0, 80)}: ${JSON.stringify(s)}`));
        return;
      }
      const [line, ...lines] = s.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      let body = s.slice(end + 4);
      if (headers['transfer-encoding'] === 'chunked') body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: Number(line!.split(' ')[1]), headers, body });
    });
  });
}

/** The documented shape with a documented code whose status is the answer's. */
function expectShaped(a: RawAnswer, status: number, code: string): void {
  expect({ status: a.status, body: a.body.slice(0, 300) }).toMatchObject({ status });
  const body = JSON.parse(a.body) as { error: { code: string; message: string; details: unknown[] } };
  expect(body).toMatchObject({ error: { code, message: expect.any(String), details: expect.any(Array) } });
  expect(Object.keys(body)).toEqual(['error']);
  expect(error_statuses[code as keyof typeof error_statuses]).toBe(status);
  expect(a.body).not.toMatch(/statusCode|FST_|stack|node_modules/);
}

describeEachEngine('HTTP edges', (db) => {
  let app: App;
  let port: number;
  let log = '';
  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`;

  it('starts a listening server that logs at debug level', async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        log += String(chunk);
        done();
      },
    });
    app = await buildApp({ config: { ...db().config, log_level: 'debug' }, store: db().store, now: () => now, logger: { stream } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers path traversal out of the file servers with 404 not_found, and logs no error', async () => {
    for (const path of [
      '/api/docs/static/../../../package.json', // the attack, unnormalized
      '/api/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/api/docs/static/..%5c..%5c..%5cpackage.json',
      '/api/docs/static/..%2f..%2f..%2fpackage.json',
      '/assets/../../package.json',
      '/../package.json',
    ]) {
      const a = await rawRequest(port, get(path));
      expectShaped(a, 404, 'not_found');
      expect(a.body, path).not.toContain('"name": "suanli"');
    }
  });

  it("answers the file servers' range and precondition refusals in our shape", async () => {
    const asset = '/api/docs/static/swagger-ui.css';
    expect((await rawRequest(port, get(asset))).status).toBe(200);
    const range = await rawRequest(port, get(asset, 'Range: bytes=999999999-\r\n'));
    expectShaped(range, 416, 'range_not_satisfiable');
    expect(range.headers['content-range']).toMatch(/^bytes \*\/\d+$/);
    expectShaped(await rawRequest(port, get(asset, 'If-Match: "not-this-one"\r\n')), 412, 'precondition_failed');
    expectShaped(await rawRequest(port, get(asset, 'If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n')), 412, 'precondition_failed');
  });

  it('answers a 100 KB header, and a 100 KB URL, with 431 headers_too_large', async () => {
    expectShaped(await rawRequest(port, get('/api/v1/health', `X-Padding: ${'a'.repeat(100_000)}\r\n`)), 431, 'headers_too_large');
    expectShaped(await rawRequest(port, get(`/api/v1/claims/${'a'.repeat(100_000)}`)), 431, 'headers_too_large');
  });

  it("answers what Node's parser refuses with 400 malformed_request", async () => {
    const auth = `Authorization: Bearer ${db().config.admin_key ?? ''}\r\n`;
    for (const text of [
      `POST /api/v1/providers HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}`,
      `POST /api/v1/providers HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}`,
      `POST /api/v1/providers HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      'FOO /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      'GET /api/v1/health HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      'GET /api/v1/health HTTP/1.1\r\nBad Header Name: x\r\nConnection: close\r\n\r\n',
      'HELLO\r\n\r\n',
    ]) {
      expectShaped(await rawRequest(port, text), 400, 'malformed_request');
    }
  });

  it('answers an HTTP/1.1 request without Host, and an Expect it cannot meet, in our shape', async () => {
    const no_host = await rawRequest(port, 'GET /api/v1/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expectShaped(no_host, 400, 'malformed_request');
    expect(JSON.parse(no_host.body).error.details).toEqual([{ field: 'headers.host', message: 'is required' }]);
    // HTTP/1.0 has no Host requirement
    expect((await rawRequest(port, 'GET /api/v1/health HTTP/1.0\r\n\r\n')).status).toBe(200);
    expectShaped(await rawRequest(port, get('/api/v1/health', 'Expect: the-impossible\r\n')), 417, 'expectation_failed');
  });

  it('answers a request the server times out with 408 request_timeout', async () => {
    // Node checks its request timeout every 30 s; the same 'clientError' it then emits is raised here at once.
    const server_side = new Promise<net.Socket>((resolve) => app.server.once('connection', resolve));
    const answer = rawRequest(port, 'GET /api/v1/health HTTP/1.1\r\nHost: local', () => {});
    const socket = await server_side;
    await new Promise((r) => setTimeout(r, 50));
    app.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket);
    expectShaped(await answer, 408, 'request_timeout');
  });

  it("keeps the framework's own refusals in our shape", async () => {
    expectShaped(await rawRequest(port, 'PROPFIND /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), 404, 'not_found');
    expectShaped(await rawRequest(port, get('/api/v1/claims/%zz')), 400, 'validation_failed');
    expectShaped(
      await rawRequest(port, get(`/api/v1/claims/${'a'.repeat(3000)}`, `Authorization: Bearer ${db().config.admin_key ?? ''}\r\n`)),
      400,
      'validation_failed',
    );
  });

  it('stays healthy, and logged nothing at error level', async () => {
    expect((await rawRequest(port, get('/api/v1/health'))).status).toBe(200);
    const lines = log
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { level: number; msg?: string });
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});

describeEachEngine('JSON bodies are UTF-8', (db) => {
  let api: TestApi;
  let p: Parties;
  const post = (url: string, bytes: Buffer, key?: string) =>
    api.app.inject({
      method: 'POST',
      url,
      payload: bytes,
      headers: { authorization: `Bearer ${key ?? db().config.admin_key}`, 'content-type': 'application/json' },
    });
  const usageBytes = (record_id_bytes: Buffer) => {
    const parts = JSON.stringify({ records: [usageRecord(p, '@@ID@@')] }).split('@@ID@@'); // record_id and job_ref
    return Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [record_id_bytes, Buffer.from(part)])));
  };
  const count = async () => Number((await api.call('GET', `/api/v1/usage?enterprise_id=${p.enterprise_id}&limit=1000`)).json().items.length);

  it('refuses two record ids that differ only in invalid bytes, instead of storing them as one', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'utf8');
    const before = await count();
    // job-\xff and job-\xfe both decoded to "job-\uFFFD" before: the second was a duplicate of the first
    for (const bad of ['ff', 'fe', 'c0af', 'eda080', 'e282', 'f4908080']) {
      const res = await post('/api/v1/usage', usageBytes(Buffer.concat([Buffer.from('job-'), Buffer.from(bad, 'hex')])), p.provider_key);
      expectFieldError(res as LightMyRequestResponse, 400, 'validation_failed', '(body)');
    }
    expect(await count()).toBe(before);
    // well-formed UTF-8 (two and four bytes a character) is fine
    const good = await post('/api/v1/usage', usageBytes(Buffer.from('作业-𝔘', 'utf8')), p.provider_key);
    expect(good.json(), good.body).toMatchObject({ accepted: 1 });
    expect(await count()).toBe(before + 1);
  });

  it("keeps the parser's other refusals: empty, malformed, prototype keys, size", async () => {
    const providers = (raw: string | Buffer) => post('/api/v1/providers', Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
    expectError((await providers('')) as LightMyRequestResponse, 400, 'malformed_json');
    expectError((await providers('{"name": ')) as LightMyRequestResponse, 400, 'malformed_json');
    expectError((await providers('{"name": "x", "__proto__": {"admin": true}}')) as LightMyRequestResponse, 400, 'malformed_json');
    expectError((await providers('{"name": "x", "constructor": {"prototype": {"admin": true}}}')) as LightMyRequestResponse, 400, 'malformed_json');
    expectError(
      (await providers(Buffer.concat([Buffer.from('{"name": "'), Buffer.alloc(db().config.body_bytes_max, 'a'), Buffer.from('"}')]))) as LightMyRequestResponse,
      413,
      'body_too_large',
    );
    const bom = await providers(Buffer.concat([Buffer.from('efbbbf', 'hex'), Buffer.from(JSON.stringify({ name: 'With a BOM', region: '310000' }))]));
    expect(bom.statusCode, bom.body).toBe(201);
    expect({} as Record<string, unknown>).not.toHaveProperty('admin');
  });
});

// Routes whose answers carry a secret (a key, a token, a password's effect) or personal data (a person's login or name,
// the audit chain's actors and account changes). Each sends Cache-Control: no-store.
const no_store_routes = [
  'GET /api/v1/me',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/password',
  'POST /api/v1/auth/accept-invitation',
  'POST /api/v1/api-keys',
  'GET /api/v1/api-keys',
  'POST /api/v1/api-keys/:id/revoke',
  'POST /api/v1/users/invite',
  'GET /api/v1/users',
  'POST /api/v1/users/:id/disable',
  'POST /api/v1/providers/:id/signing-keys',
  'GET /api/v1/providers/:id/signing-keys',
  'POST /api/v1/signing-keys/:id/revoke',
  'GET /api/v1/audit',
].sort();

describeEachEngine('answers with secrets or personal data are not cached', (db) => {
  let api: TestApi;
  let p: Parties;
  const seen = new Map<string, string | undefined>();
  const record = (route: string, res: LightMyRequestResponse) => {
    expect(res.statusCode, `${route}: ${res.body.slice(0, 200)}`).toBeLessThan(300);
    seen.set(route, res.headers['cache-control'] as string | undefined);
    return res;
  };

  it('flags exactly the listed routes, and every route that answers a login, token or key is listed', async () => {
    api = await testApi(db(), () => now);
    expect([...recorded.no_store].filter((r) => registered_routes.has(r)).sort()).toEqual(no_store_routes);
    const doc = (
      api.app as unknown as {
        swagger(): {
          paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
          components: { schemas: Record<string, unknown> };
        };
      }
    ).swagger();
    const secret_fields = new Set(['login', 'token', 'csrf_token', 'key', 'key_prefix', 'public_key', 'password']);
    // `key` names a secret only at the top of an answer (POST /api-keys); deeper it is a grouping or transfer key
    const holds = (schema: unknown, top: boolean, depth = 0): boolean => {
      if (typeof schema !== 'object' || schema === null || depth > 8) return false;
      const s = schema as Record<string, unknown>;
      if (typeof s.$ref === 'string') return holds(doc.components.schemas[s.$ref.split('/').pop()!], top, depth + 1);
      const props = (s.properties ?? {}) as Record<string, unknown>;
      if (Object.keys(props).some((k) => secret_fields.has(k) && (k !== 'key' || top))) return true;
      return [...Object.values(props), s.items, ...((s.anyOf ?? []) as unknown[]), ...((s.oneOf ?? []) as unknown[])].some((x) => holds(x, false, depth + 1));
    };
    const answering: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.entries(op.responses ?? {}).filter(([status]) => /^2/.test(status));
        if (ok.some(([, r]) => holds(r.content?.['application/json']?.schema, true)))
          answering.push(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
      }
    }
    expect(answering.length).toBeGreaterThan(5);
    expect(answering.filter((r) => !no_store_routes.includes(r))).toEqual([]);
  });

  it('sends Cache-Control: no-store on each answer of every listed route', async () => {
    p = await createParties(api, 'no-store');
    record('GET /api/v1/me', await api.call('GET', '/api/v1/me'));
    const issued = record(
      'POST /api/v1/api-keys',
      await api.call('POST', '/api/v1/api-keys', { body: { org_id: p.provider_id, role: 'provider', label: 'exporter' } }),
    ).json() as { id: string };
    record('GET /api/v1/api-keys', await api.call('GET', '/api/v1/api-keys'));
    record('POST /api/v1/api-keys/:id/revoke', await api.call('POST', `/api/v1/api-keys/${issued.id}/revoke`));
    const invited = record(
      'POST /api/v1/users/invite',
      await api.call('POST', '/api/v1/users/invite', { body: { org_id: 'office', role: 'auditor', login: 'inspector@example.org', name: 'Wang Fang' } }),
    ).json() as { user: { id: string }; invitation: { token: string } };
    record(
      'POST /api/v1/auth/accept-invitation',
      await api.call('POST', '/api/v1/auth/accept-invitation', { key: null, body: { token: invited.invitation.token, password } }),
    );
    const login = record(
      'POST /api/v1/auth/login',
      await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: 'inspector@example.org', password } }),
    );
    const set_cookie = login.headers['set-cookie'];
    const cookie = (Array.isArray(set_cookie) ? set_cookie : [String(set_cookie)]).map((c) => c.split(';')[0]).join('; ');
    const csrf = (login.json() as { csrf_token: string }).csrf_token;
    const session = { cookie, 'x-csrf-token': csrf };
    record(
      'POST /api/v1/auth/password',
      await api.call('POST', '/api/v1/auth/password', { key: null, headers: session, body: { current_password: password, new_password: `${password} again` } }),
    );
    record('POST /api/v1/auth/logout', await api.call('POST', '/api/v1/auth/logout', { key: null, headers: session }));
    record('GET /api/v1/users', await api.call('GET', '/api/v1/users'));
    record('POST /api/v1/users/:id/disable', await api.call('POST', `/api/v1/users/${invited.user.id}/disable`));
    const public_key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const key = record(
      'POST /api/v1/providers/:id/signing-keys',
      await api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, { key: p.provider_key, body: { label: 'exporter', public_key } }),
    ).json() as { id: string };
    record('GET /api/v1/providers/:id/signing-keys', await api.call('GET', `/api/v1/providers/${p.provider_id}/signing-keys`, { key: p.provider_key }));
    record('POST /api/v1/signing-keys/:id/revoke', await api.call('POST', `/api/v1/signing-keys/${key.id}/revoke`, { key: p.provider_key }));
    record('GET /api/v1/audit', await api.call('GET', '/api/v1/audit?limit=5'));

    expect([...seen.keys()].sort()).toEqual(no_store_routes);
    for (const [route, header] of seen) expect(header, route).toBe('no-store');
    // errors on those routes too, and nothing else is marked
    expect((await api.call('POST', '/api/v1/auth/login', { key: null, body: { login: 'nobody@example.org', password } })).headers['cache-control']).toBe(
      'no-store',
    );
    for (const url of ['/api/v1/health', '/api/v1/accelerators']) expect((await api.call('GET', url)).headers['cache-control'], url).toBeUndefined();
  });
});
