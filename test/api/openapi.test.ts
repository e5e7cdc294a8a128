// The OpenAPI document is complete: a valid OpenAPI document in which every /api/v1 route the app registers appears with
// its summary, roles, tags, security, success schema, error answers and examples that hold against their schemas; the
// explorer is served; and a route that declares no access rule cannot exist.
import { expect, it, vi } from 'vitest';
import Fastify from 'fastify';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describeEachEngine } from '../support/engines.js';
import { testApi } from '../support/api.js';
import { registerAuth, type Access } from '../../src/http/auth.js';
import { error_statuses, type ErrorCode } from '../../src/http/errors.js';
import { accessSentence, route_error_codes } from '../../src/http/openapi.js';
import { route_examples } from '../../src/http/openapi-examples.js';

// Every route the app registers, with its access rule and schema, recorded as Fastify registers it (the app is built
// by its own unchanged code; only Fastify's factory is wrapped).
const recorded = vi.hoisted(() => new Map<string, { method: string; url: string; access: unknown; schema: Record<string, unknown> }>());
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const factory = actual.default as unknown as (...args: unknown[]) => import('fastify').FastifyInstance;
  const wrapped = ((...args: unknown[]) => {
    const app = factory(...args);
    app.addHook('onRoute', (route) => {
      const route_methods = route.method as string | string[];
      for (const method of Array.isArray(route_methods) ? route_methods : [route_methods]) {
        recorded.set(`${method} ${route.url}`, {
          method,
          url: route.url,
          access: (route.config as { access?: unknown } | undefined)?.access,
          schema: (route.schema ?? {}) as Record<string, unknown>,
        });
      }
    });
    return app;
  }) as unknown as typeof actual.default;
  return { ...actual, default: wrapped, fastify: wrapped };
});

/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = any;
type Operation = any;

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;
const error_ref = '#/components/schemas/Error';

/** The API's routes (HEAD routes Fastify adds beside each GET left out: they share its options). */
function apiRoutes() {
  return [...recorded.values()]
    .filter((r) => r.url.startsWith('/api/v1') && r.method !== 'HEAD')
    .sort((a, b) => (`${a.url} ${a.method}` < `${b.url} ${b.method}` ? -1 : 1));
}
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const pointer = (...parts: string[]) => `#/${parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

/**
 * A copy of the document in which an object schema that does not say otherwise admits no undeclared properties: an
 * example showing a field the schema does not declare (one the server would never send) then fails.
 */
function closed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(closed);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'example' || k === 'examples' ? v : closed(v);
  if (typeof out.properties === 'object' && out.properties !== null && out.additionalProperties === undefined && out.type === 'object')
    out.additionalProperties = false;
  return out;
}

/** Compiles schemas by their place in the document, so that `#/components/schemas/…` references resolve. */
function schemaCompiler(doc: Doc) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajvFormats.default(ajv);
  ajv.addSchema(closed(doc) as object, 'openapi.json');
  return (at: string) => {
    const validate = ajv.getSchema(`openapi.json${at}`);
    if (validate === undefined) throw new Error(`no schema at ${at}`);
    return (value: unknown) =>
      validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}

/** The examples of a media type object: its `examples` map and its single `example`. */
function examplesOf(media: any): [string, unknown][] {
  const list: [string, unknown][] = Object.entries(media?.examples ?? {}).map(([name, e]) => [name, (e as { value: unknown }).value]);
  if (media?.example !== undefined) list.push(['example', media.example]);
  return list;
}

const isJson = (type: string) => /^application\/(.+\+)?json/.test(type);

describeEachEngine('OpenAPI', (db) => {
  let doc: Doc;

  it('serves a valid OpenAPI 3.0 document at /api/docs/json and the explorer at /api/docs', async () => {
    const api = await testApi(db());
    const res = await api.call('GET', '/api/docs/json', { key: null });
    expect(res.statusCode).toBe(200);
    doc = res.json();
    expect(doc.openapi).toMatch(/^3\.0\./); // @fastify/swagger 9 emits 3.0.3 unless told otherwise
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)?.slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.0');

    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'session']);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'suanli_session' });
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message', 'details']);
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(error_statuses));
    // the API alone: the dashboard's files and the explorer are not operations of the API
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/v1/'))).toEqual([]);

    const ui = await api.call('GET', '/api/docs/', { key: null });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toMatch(/swagger/i);
  });

  it('documents every registered /api/v1 route: summary, roles, tags, security, success schema, errors, parameters', () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThan(50);
    const documented = new Set<string>();
    for (const path of Object.keys(doc.paths)) for (const m of methods) if (doc.paths[path][m]) documented.add(`${m.toUpperCase()} ${path}`);
    expect([...documented].sort()).toEqual(routes.map((r) => `${r.method} ${openapiPath(r.url)}`).sort());

    for (const r of routes) {
      const where = `${r.method} ${r.url}`;
      const op: Operation = doc.paths[openapiPath(r.url)][r.method.toLowerCase()];
      const access = r.access as Access;
      expect(typeof op.summary === 'string' && op.summary.length > 3, `${where}: summary`).toBe(true);
      expect(op.tags?.length, `${where}: tags`).toBeGreaterThan(0);

      // roles: the extension, a sentence in the description, and the security requirement
      expect(op.description, `${where}: description`).toContain(accessSentence(access));
      if (access === 'public') {
        expect(op['x-roles'], where).toEqual([]);
        expect(op['x-public'], where).toBe(true);
        expect(op.security, where).toEqual([]);
      } else {
        expect(op['x-roles'], where).toEqual([...access]);
        expect(op['x-public'], where).toBe(false);
        for (const role of access) expect(op.description, where).toContain(role);
        expect(op.security, where).toEqual([{ apiKey: [] }, { session: [] }]);
      }

      // a success answer with a schema, or an explicit content type that is not JSON (a CSV or XLSX export)
      const ok = Object.keys(op.responses).filter((s) => /^2/.test(s));
      expect(ok.length, `${where}: a 2xx answer`).toBeGreaterThan(0);
      for (const status of ok) {
        const content = op.responses[status].content ?? {};
        expect(Object.keys(content).length, `${where} ${status}: content`).toBeGreaterThan(0);
        for (const [type, media] of Object.entries<any>(content)) {
          if (isJson(type)) expect(Object.keys(media.schema ?? {}).length, `${where} ${status} ${type}: a schema`).toBeGreaterThan(0);
        }
      }

      // errors: the shared schema, the statuses the route's access rule and inputs imply
      const errors = Object.keys(op.responses).filter((s) => /^[45]/.test(s));
      for (const status of errors) {
        expect(op.responses[status].content['application/json'].schema, `${where} ${status}`).toEqual({ $ref: error_ref });
      }
      const expected = ['429', '500'];
      if (access !== 'public') expected.push('401', '403');
      if (r.url.includes('/:')) expected.push('404');
      if (r.schema.body !== undefined || r.schema.querystring !== undefined || r.schema.params !== undefined) expected.push('400');
      if (r.schema.body !== undefined) expected.push('413', '415');
      for (const status of expected) expect(errors, `${where}: ${status}`).toContain(status);
      for (const code of route_error_codes[`${r.method} ${r.url}`] ?? []) expect(errors, `${where}: ${code}`).toContain(String(error_statuses[code]));

      // the body and the path parameters
      if (r.schema.body !== undefined) {
        expect(['POST', 'PUT', 'PATCH'], where).toContain(r.method);
        expect(Object.keys(op.requestBody?.content?.['application/json']?.schema ?? {}).length, `${where}: request body schema`).toBeGreaterThan(0);
      }
      const declared = (op.parameters ?? [])
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name)
        .sort();
      const in_path = [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).sort();
      expect(declared, `${where}: path parameters`).toEqual(in_path);
      for (const p of (op.parameters ?? []).filter((x: { in: string }) => x.in === 'path')) expect(p.required, where).toBe(true);
    }
  });

  it('gives every request body and JSON success answer an example valid against its schema, and every error answer valid ones', () => {
    const at = schemaCompiler(doc);
    let checked = 0;
    for (const r of apiRoutes()) {
      const where = `${r.method} ${r.url}`;
      const path = openapiPath(r.url);
      const method = r.method.toLowerCase();
      const op: Operation = doc.paths[path][method];
      const source = route_examples[`${r.method} ${r.url}`];

      for (const [type, media] of Object.entries<any>(op.requestBody?.content ?? {})) {
        const examples = examplesOf(media);
        expect(examples.length, `${where}: a request example`).toBeGreaterThan(0);
        const validate = at(pointer('paths', path, method, 'requestBody', 'content', type, 'schema'));
        for (const [name, value] of examples) {
          expect.soft(validate(value), `${where} request example ${name}`).toEqual([]);
          checked++;
        }
        // what the document shows is what openapi-examples.ts holds: nothing was lost on the way
        expect(
          examples.map(([, v]) => v),
          where,
        ).toEqual(source?.request?.map((e) => e.value));
      }

      for (const [status, response] of Object.entries<any>(op.responses)) {
        for (const [type, media] of Object.entries<any>(response.content ?? {})) {
          const examples = examplesOf(media);
          if (/^2/.test(status) && !isJson(type)) continue; // an export (CSV, XLSX) needs no example
          expect(examples.length, `${where} ${status}: an example`).toBeGreaterThan(0);
          const validate = at(pointer('paths', path, method, 'responses', status, 'content', type, 'schema'));
          for (const [name, value] of examples) {
            expect.soft(validate(value), `${where} ${status} example ${name}`).toEqual([]);
            if (/^[45]/.test(status)) {
              const code = (value as { error: { code: ErrorCode } }).error.code;
              expect(String(error_statuses[code]), `${where} ${status} example ${name}`).toBe(status);
            }
            checked++;
          }
          if (/^2/.test(status))
            expect(
              examples.map(([, v]) => v),
              where,
            ).toEqual(source?.response?.map((e) => e.value));
        }
      }
    }
    expect(checked).toBeGreaterThan(300);

    // POST /usage takes records of any shape (each gets its own outcome); its example records are valid UsageRecords
    const record = at(pointer('components', 'schemas', 'UsageRecord'));
    const batch = route_examples['POST /api/v1/usage']?.request?.[0]?.value as { records: unknown[] };
    expect(batch.records.length).toBeGreaterThan(0);
    for (const rec of batch.records) expect(record(rec)).toEqual([]);
  });

  it('holds no example or error list for a route that does not exist', () => {
    const known = new Set(apiRoutes().map((r) => `${r.method} ${r.url}`));
    expect(Object.keys(route_examples).filter((k) => !known.has(k))).toEqual([]);
    expect(Object.keys(route_error_codes).filter((k) => !known.has(k))).toEqual([]);
  });
});

it('refuses to register an /api/v1 route that declares no access rule', async () => {
  const app = Fastify({ logger: false });
  registerAuth(app, null as never);
  await expect(
    app
      .register(
        async (api) => {
          api.get('/forgotten', async () => 'x');
        },
        { prefix: '/api/v1' },
      )
      .ready(),
  ).rejects.toThrow(/declares no access rule/);
});
