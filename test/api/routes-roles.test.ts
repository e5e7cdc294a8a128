// Authorization proven, not assumed: every /api/v1 route the app registers × every kind of caller × own and other tenant,
// on both engines. A route the expectation table does not know fails the suite, and so does an entry for a route
// that no longer exists.
import { generateKeyPairSync } from 'node:crypto';
import { expect, it, vi } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { admin_key, describeEachEngine } from '../support/engines.js';
import { createParties, creditCode, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError, registered_routes, routesUnder } from '../support/routes.js';

// The app is built by its own unchanged code; Fastify's factory is wrapped so that every route it registers is recorded.
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const { withRouteRecorder } = await import('../support/routes.js');
  const fastify = withRouteRecorder(actual.default);
  return { ...actual, default: fastify, fastify };
});

const now = Date.parse('2026-11-29T12:00:00Z');

type Role = 'administrator' | 'provider' | 'enterprise' | 'auditor';
type Caller = Role | 'no key' | 'revoked key' | 'garbage key';
const callers: readonly Caller[] = ['administrator', 'provider', 'enterprise', 'auditor', 'no key', 'revoked key', 'garbage key'];
const isRole = (c: Caller): c is Role => c === 'administrator' || c === 'provider' || c === 'enterprise' || c === 'auditor';

interface World {
  api: TestApi;
  /** A signed-in session per role (the admin's and auditor's in the office, the provider's and enterprise's in tenant a). */
  sessions: Record<Role, { cookie: string; csrf: string }>;
  /** The tenant the provider and enterprise callers belong to. */
  a: Parties;
  /** Another provider (with its own cluster) and another enterprise. */
  b: Parties;
  office_id: string;
  keys: Record<Caller, string | null>;
  /** An accelerator created for this suite, so that PATCHing it leaves the shipped catalog alone. */
  accelerator_id: string;
  /** A program paying enterprises and one paying providers (energy), both open to every beneficiary. */
  program_id: string;
  energy_program_id: string;
}

interface Req {
  url: string;
  body?: unknown;
}

/** all: 2xx whoever owns the object; own: 2xx for its own tenant, `other` (404) for another's; never: 403. */
type Access = 'all' | 'own' | 'never';

interface RouteSpec {
  /** The answer to a caller the route lets through (400: POST /auth/password, which API keys cannot use). */
  ok: 200 | 201 | 400;
  access: 'public' | Readonly<Record<Role, Access>>;
  /** The answer when a tenant reaches for another tenant's object; 404 unless said otherwise. */
  other?: number;
  /** Its error code, when not the status's usual one (default_codes). */
  other_code?: string;
  /** The request, aimed at `target`'s objects; `role` is null for callers without a valid key. */
  request(w: World, target: Parties, role: Role | null): Req | Promise<Req>;
}

let serial = 0;
const n = () => ++serial;

const inventory = [
  { accelerator: 'huawei-ascend-910b', count: 64, valid_from: '2026-01-01T00:00:00.000Z' },
  { accelerator: 'nvidia-a800-80gb-pcie', count: 16, valid_from: '2026-01-01T00:00:00.000Z' },
  { accelerator: 'metax-c500', count: 8, valid_from: '2026-01-01T00:00:00.000Z' },
];

function acceleratorBody(id: string) {
  return {
    id,
    vendor: 'Test',
    model: id,
    domestic: true,
    year: 2026,
    process_nm: null,
    fp32_tflops: null,
    bf16_tflops_dense: '100',
    fp16_tflops_dense: null,
    int8_tops_dense: null,
    memory_gb: '64',
    memory_type: null,
    memory_bw_gbs: null,
    tdp_w: 300,
    comparable_to: null,
    verified: 'no',
    notes: '',
    source: 'test',
  };
}

const everyone = { administrator: 'all', provider: 'all', enterprise: 'all', auditor: 'all' } as const;
const admin_only = { administrator: 'all', provider: 'never', enterprise: 'never', auditor: 'never' } as const;
const provider_read = { administrator: 'all', auditor: 'all', provider: 'own', enterprise: 'never' } as const;
const provider_write = { administrator: 'all', auditor: 'never', provider: 'own', enterprise: 'never' } as const;
const enterprise_read = { administrator: 'all', auditor: 'all', provider: 'never', enterprise: 'own' } as const;
const usage_read = { administrator: 'all', auditor: 'all', provider: 'own', enterprise: 'own' } as const;

/** Providers filter by provider_id, everyone else by enterprise_id: the tenant's own id, or another's. */
const usageQuery = (target: Parties, role: Role | null) =>
  role === 'provider' ? `provider_id=${target.provider_id}` : `enterprise_id=${target.enterprise_id}`;

function programBody(code: string, beneficiary_kind: 'enterprise' | 'provider') {
  return {
    code,
    name_zh: '角色测试',
    name_en: 'Role test',
    kind: beneficiary_kind === 'enterprise' ? 'compute_rent' : 'energy',
    beneficiary_kind,
    funding_layer: code,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: 1_000_000_000_000,
    rule_set: {
      effective_from: '2026-01-01T00:00:00Z',
      rules: [
        beneficiary_kind === 'enterprise'
          ? { id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 3000 } }
          : { id: 'energy', match: {}, pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 60 } },
      ],
    },
  };
}

/** Fresh usage of the target's enterprise at the target's cluster, alone in its one-minute period. */
async function freshPeriod(w: World, t: Parties): Promise<{ period_start: string; period_end: string }> {
  const start = Date.parse('2026-03-01T00:00:00Z') + n() * 120_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const res = await w.api.call('POST', '/api/v1/usage', {
    key: t.provider_key,
    body: { records: [usageRecord(t, `claim-${n()}`, { started_at: iso(start), ended_at: iso(start + 60_000), count: 1, amount_fen: 100 })] },
  });
  expect(res.statusCode).toBe(200);
  return { period_start: iso(start), period_end: iso(start + 60_000) };
}

/** A fresh claim of the target (its enterprise, or its provider for the energy program) brought to a state by the office. */
async function freshClaim(w: World, t: Parties, role: Role | null, state: 'draft' | 'submitted' | 'approved'): Promise<string> {
  const provider = role === 'provider';
  const period = await freshPeriod(w, t);
  const filed = await w.api.call('POST', '/api/v1/claims', {
    body: { program_id: provider ? w.energy_program_id : w.program_id, beneficiary_id: provider ? t.provider_id : t.enterprise_id, ...period },
  });
  expect(filed.statusCode).toBe(201);
  const id = (filed.json() as { id: string }).id;
  if (state !== 'draft') expect((await w.api.call('POST', `/api/v1/claims/${id}/submit`, { body: {} })).statusCode).toBe(200);
  if (state === 'approved') expect((await w.api.call('POST', `/api/v1/claims/${id}/approve`, { body: {} })).statusCode).toBe(200);
  return id;
}

const claim_read = { administrator: 'all', auditor: 'all', provider: 'own', enterprise: 'own' } as const;
const beneficiary_write = { administrator: 'all', auditor: 'never', provider: 'own', enterprise: 'own' } as const;
const readers_only = { administrator: 'all', auditor: 'all', provider: 'never', enterprise: 'never' } as const;
const programFor = (w: World, role: Role | null) => (role === 'provider' ? w.energy_program_id : w.program_id);
const beneficiaryOf = (t: Parties, role: Role | null) => (role === 'provider' ? t.provider_id : t.enterprise_id);

/**
 * An open duplicate_job finding made through the API: the same job_ref reported by the target's provider and the other
 * tenant's, in a minute of its own, then a check over that minute.
 */
async function freshFinding(w: World): Promise<string> {
  const k = n();
  const start = Date.parse('2026-04-01T00:00:00Z') + k * 120_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const job_ref = `role-dup-${k}`;
  const times = { started_at: iso(start), ended_at: iso(start + 60_000), count: 1, amount_fen: 100, job_ref };
  for (const p of [w.a, w.b]) {
    const res = await w.api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      body: { records: [usageRecord({ cluster_id: p.cluster_id, enterprise_id: w.a.enterprise_id }, `finding-${k}`, times)] },
    });
    expect(res.statusCode).toBe(200);
  }
  expect((await w.api.call('POST', '/api/v1/checks/run', { body: { from: iso(start), to: iso(start + 60_000) } })).statusCode).toBe(200);
  const page = (await w.api.call('GET', '/api/v1/findings?kind=duplicate_job&status=open&limit=1000')).json() as {
    items: { id: string; subject: Record<string, string> }[];
  };
  const found = page.items.find((f) => f.subject.job_ref === job_ref);
  if (found === undefined) throw new Error(`no finding for ${job_ref}`);
  return found.id;
}
const shared_findings = new WeakMap<World, string>();
/** One finding per world for the routes that only read it or refuse the caller; a fresh one for each administrator write. */
async function findingFor(w: World, role: Role | null, write: boolean): Promise<string> {
  if (write && role === 'administrator') return freshFinding(w);
  const known = shared_findings.get(w);
  if (known !== undefined) return known;
  const id = await freshFinding(w);
  shared_findings.set(w, id);
  return id;
}

/** The expectation table: one entry per route, keyed exactly as Fastify registers it. */
const table: Record<string, RouteSpec> = {
  'GET /api/v1/health': { ok: 200, access: 'public', request: () => ({ url: '/api/v1/health' }) },
  'GET /api/v1/me': { ok: 200, access: everyone, request: () => ({ url: '/api/v1/me' }) },

  'GET /api/v1/accelerators': { ok: 200, access: everyone, request: () => ({ url: '/api/v1/accelerators?domestic=true' }) },
  'GET /api/v1/accelerators/:id': { ok: 200, access: everyone, request: () => ({ url: '/api/v1/accelerators/huawei-ascend-910b' }) },
  'POST /api/v1/accelerators': { ok: 201, access: admin_only, request: () => ({ url: '/api/v1/accelerators', body: acceleratorBody(`role-test-${n()}`) }) },
  'PUT /api/v1/accelerators/:id/reference-price': {
    ok: 200,
    access: admin_only,
    request: (w) => ({ url: `/api/v1/accelerators/${w.accelerator_id}/reference-price`, body: { fen_per_card_h: 1500 + n(), source: 'role test' } }),
  },
  'DELETE /api/v1/accelerators/:id/reference-price': {
    ok: 200,
    access: admin_only,
    request: async (w) => {
      expect(
        (await w.api.call('PUT', `/api/v1/accelerators/${w.accelerator_id}/reference-price`, { body: { fen_per_card_h: 1500, source: 'role test' } }))
          .statusCode,
      ).toBe(200);
      return { url: `/api/v1/accelerators/${w.accelerator_id}/reference-price` };
    },
  },
  'GET /api/v1/reference-prices': { ok: 200, access: admin_only, request: () => ({ url: '/api/v1/reference-prices' }) },
  'PATCH /api/v1/accelerators/:id': {
    ok: 200,
    access: admin_only,
    request: (w) => ({ url: `/api/v1/accelerators/${w.accelerator_id}`, body: { notes: `patched ${n()}` } }),
  },

  'POST /api/v1/providers': { ok: 201, access: admin_only, request: () => ({ url: '/api/v1/providers', body: { name: `Provider ${n()}`, region: '310000' } }) },
  'GET /api/v1/providers': {
    ok: 200,
    access: { administrator: 'all', auditor: 'all', provider: 'all', enterprise: 'never' },
    request: () => ({ url: '/api/v1/providers' }),
  },
  'GET /api/v1/providers/:id': { ok: 200, access: provider_read, request: (_w, t) => ({ url: `/api/v1/providers/${t.provider_id}` }) },
  'POST /api/v1/providers/:id/clusters': {
    ok: 201,
    access: provider_write,
    request: (_w, t) => ({ url: `/api/v1/providers/${t.provider_id}/clusters`, body: { name: `role-${n()}`, region: '310000', inventory } }),
  },
  'GET /api/v1/providers/:id/clusters': { ok: 200, access: provider_read, request: (_w, t) => ({ url: `/api/v1/providers/${t.provider_id}/clusters` }) },
  'GET /api/v1/clusters/:id': { ok: 200, access: provider_read, request: (_w, t) => ({ url: `/api/v1/clusters/${t.cluster_id}` }) },
  // The same inventory createParties gave the cluster: the table may replace it without changing what later usage meets.
  'PUT /api/v1/clusters/:id/inventory': {
    ok: 200,
    access: provider_write,
    request: (_w, t) => ({ url: `/api/v1/clusters/${t.cluster_id}/inventory`, body: { inventory } }),
  },

  'POST /api/v1/enterprises': {
    ok: 201,
    access: admin_only,
    request: () => ({ url: '/api/v1/enterprises', body: { name: `Enterprise ${n()}`, credit_code: creditCode(), region: '310000', sector: 'ai' } }),
  },
  'GET /api/v1/enterprises': {
    ok: 200,
    access: { administrator: 'all', auditor: 'all', provider: 'never', enterprise: 'all' },
    request: () => ({ url: '/api/v1/enterprises' }),
  },
  'GET /api/v1/enterprises/:id': { ok: 200, access: enterprise_read, request: (_w, t) => ({ url: `/api/v1/enterprises/${t.enterprise_id}` }) },
  // Every kind; a tenant lists only itself (200 for everyone) and reads its own organization, another's answering 404.
  'GET /api/v1/organizations': { ok: 200, access: everyone, request: () => ({ url: '/api/v1/organizations?limit=5' }) },
  'GET /api/v1/organizations/:id': {
    ok: 200,
    access: usage_read,
    request: (_w, t, role) => ({ url: `/api/v1/organizations/${role === 'enterprise' ? t.enterprise_id : t.provider_id}` }),
  },

  'POST /api/v1/api-keys': {
    ok: 201,
    access: admin_only,
    request: (_w, t) => ({ url: '/api/v1/api-keys', body: { org_id: t.enterprise_id, role: 'enterprise', label: `k${n()}` } }),
  },
  'GET /api/v1/api-keys': {
    ok: 200,
    access: { administrator: 'all', auditor: 'all', provider: 'never', enterprise: 'never' },
    request: () => ({ url: '/api/v1/api-keys' }),
  },
  'POST /api/v1/api-keys/:id/revoke': {
    ok: 200,
    access: admin_only,
    request: async (w, t) => {
      // a fresh key each time, so that a revocation never takes away a key the table still uses
      const res = await w.api.call('POST', '/api/v1/api-keys', { body: { org_id: t.provider_id, role: 'provider', label: `throwaway ${n()}` } });
      expect(res.statusCode).toBe(201);
      return { url: `/api/v1/api-keys/${(res.json() as { id: string }).id}/revoke` };
    },
  },

  // A provider reporting on another provider's cluster: the record is rejected as unknown_cluster, so the batch is a 422.
  'POST /api/v1/usage': {
    ok: 200,
    other: 422,
    access: { administrator: 'never', auditor: 'never', provider: 'own', enterprise: 'never' },
    request: (_w, t) => ({ url: '/api/v1/usage', body: { records: [usageRecord(t, `role-${n()}`)] } }),
  },
  'POST /api/v1/usage/replacements': {
    ok: 200,
    other: 422,
    other_code: 'replacement_refused',
    access: { administrator: 'never', auditor: 'never', provider: 'own', enterprise: 'never' },
    request: async (w, t) => {
      // a standing record of the target's provider to replace (refused for another provider: not its own)
      const id = `rep-${n()}`;
      const sent = await w.api.call('POST', '/api/v1/usage', { key: t.provider_key, body: { records: [usageRecord(t, id)] } });
      if (sent.statusCode !== 200) throw new Error(sent.body);
      return { url: '/api/v1/usage/replacements', body: { replaces: [id], records: [usageRecord(t, `${id}-new`)], reason: 'roles' } };
    },
  },
  'GET /api/v1/usage': { ok: 200, access: usage_read, request: (_w, t, role) => ({ url: `/api/v1/usage?${usageQuery(t, role)}` }) },
  'GET /api/v1/usage/summary': {
    ok: 200,
    access: usage_read,
    request: (_w, t, role) => ({ url: `/api/v1/usage/summary?group_by=enterprise&${usageQuery(t, role)}` }),
  },
  'GET /api/v1/usage/rejections': { ok: 200, access: provider_read, request: (_w, t) => ({ url: `/api/v1/usage/rejections?provider_id=${t.provider_id}` }) },

  'POST /api/v1/programs': { ok: 201, access: admin_only, request: () => ({ url: '/api/v1/programs', body: programBody(`role-prog-${n()}`, 'enterprise') }) },
  'GET /api/v1/programs': { ok: 200, access: everyone, request: () => ({ url: '/api/v1/programs' }) },
  'GET /api/v1/programs/:id': { ok: 200, access: everyone, request: (w) => ({ url: `/api/v1/programs/${w.program_id}` }) },
  'POST /api/v1/programs/:id/rule-sets': {
    ok: 201,
    access: admin_only,
    request: (w) => ({
      url: `/api/v1/programs/${w.program_id}/rule-sets`,
      body: { effective_from: '2030-01-01T00:00:00Z', rules: programBody('x', 'enterprise').rule_set.rules },
    }),
  },
  'POST /api/v1/programs/:id/enrollments': {
    ok: 201,
    access: admin_only,
    request: (w, t) => ({ url: `/api/v1/programs/${w.program_id}/enrollments`, body: { beneficiary_id: t.enterprise_id } }),
  },
  'POST /api/v1/programs/:id/estimate': {
    ok: 200,
    access: claim_read,
    request: (w, t, role) => ({
      url: `/api/v1/programs/${programFor(w, role)}/estimate`,
      body: { period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z', beneficiary_id: beneficiaryOf(t, role) },
    }),
  },
  'POST /api/v1/programs/:id/simulate': {
    ok: 200,
    access: admin_only,
    request: (w) => ({
      url: `/api/v1/programs/${w.program_id}/simulate`,
      body: { from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', rules: [{ id: 'half', match: {}, pay: { basis: 'bill', rate_bp: 5000 } }] },
    }),
  },
  'GET /api/v1/programs/:id/ledger': { ok: 200, access: readers_only, request: (w) => ({ url: `/api/v1/programs/${w.program_id}/ledger` }) },
  'GET /api/v1/ledger/check': { ok: 200, access: readers_only, request: () => ({ url: '/api/v1/ledger/check' }) },

  'POST /api/v1/claims': {
    ok: 201,
    access: beneficiary_write,
    request: async (w, t, role) => ({
      url: '/api/v1/claims',
      body: { program_id: programFor(w, role), beneficiary_id: beneficiaryOf(t, role), ...(await freshPeriod(w, t)) },
    }),
  },
  'GET /api/v1/claims': { ok: 200, access: claim_read, request: (_w, t, role) => ({ url: `/api/v1/claims?beneficiary_id=${beneficiaryOf(t, role)}` }) },
  'GET /api/v1/claims/:id': {
    ok: 200,
    access: claim_read,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'draft')}` }),
  },
  'POST /api/v1/claims/:id/submit': {
    ok: 200,
    access: beneficiary_write,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'draft')}/submit`, body: {} }),
  },
  'POST /api/v1/claims/:id/withdraw': {
    ok: 200,
    access: beneficiary_write,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'submitted')}/withdraw`, body: {} }),
  },
  'POST /api/v1/claims/:id/approve': {
    ok: 200,
    access: admin_only,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'submitted')}/approve`, body: {} }),
  },
  'POST /api/v1/claims/:id/reject': {
    ok: 200,
    access: admin_only,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'submitted')}/reject`, body: { reason: 'not eligible' } }),
  },
  'POST /api/v1/claims/:id/pay': {
    ok: 200,
    access: admin_only,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'approved')}/pay`, body: {} }),
  },
  'POST /api/v1/claims/:id/claw-back': {
    ok: 200,
    access: admin_only,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'approved')}/claw-back`, body: { reason: 'usage proved false' } }),
  },
  'POST /api/v1/claims/:id/accept-progress-report': {
    ok: 200,
    access: admin_only,
    request: async (w, t, role) => ({ url: `/api/v1/claims/${await freshClaim(w, t, role, 'approved')}/accept-progress-report`, body: {} }),
  },

  'GET /api/v1/findings': { ok: 200, access: readers_only, request: () => ({ url: '/api/v1/findings?status=open' }) },
  'GET /api/v1/findings/:id': {
    ok: 200,
    access: readers_only,
    request: async (w, _t, role) => ({ url: `/api/v1/findings/${await findingFor(w, role, false)}` }),
  },
  'POST /api/v1/findings/:id/dismiss': {
    ok: 200,
    access: admin_only,
    request: async (w, _t, role) => ({ url: `/api/v1/findings/${await findingFor(w, role, true)}/dismiss`, body: { reason: 'billed once' } }),
  },
  'POST /api/v1/findings/:id/confirm': {
    ok: 200,
    access: admin_only,
    request: async (w, _t, role) => ({ url: `/api/v1/findings/${await findingFor(w, role, true)}/confirm`, body: { reason: 'billed twice' } }),
  },
  'POST /api/v1/checks/run': {
    ok: 200,
    access: admin_only,
    request: () => ({ url: '/api/v1/checks/run', body: { from: '2026-05-01T00:00:00Z', to: '2026-05-02T00:00:00Z' } }),
  },

  'POST /api/v1/auth/login': { ok: 200, access: 'public', request: async (w) => ({ url: '/api/v1/auth/login', body: await freshLogin(w) }) },
  'POST /api/v1/auth/logout': { ok: 200, access: everyone, request: () => ({ url: '/api/v1/auth/logout', body: {} }) },
  // API keys have no password: every key caller gets 400 validation_failed (sessions: test/security/sessions.test.ts).
  'POST /api/v1/auth/password': {
    ok: 400,
    access: everyone,
    request: () => ({ url: '/api/v1/auth/password', body: { current_password: 'x', new_password: 'y' } }),
  },
  'POST /api/v1/auth/accept-invitation': {
    ok: 200,
    access: 'public',
    request: async (w) => {
      const invited = await w.api.call('POST', '/api/v1/users/invite', {
        body: { org_id: 'office', role: 'auditor', login: `accept-${n()}@example.org`, name: 'Accept' },
      });
      expect(invited.statusCode).toBe(201);
      return {
        url: '/api/v1/auth/accept-invitation',
        body: { token: (invited.json() as { invitation: { token: string } }).invitation.token, password: 'a long enough password' },
      };
    },
  },
  'POST /api/v1/users/invite': {
    ok: 201,
    access: admin_only,
    request: (_w, t) => ({
      url: '/api/v1/users/invite',
      body: { org_id: t.enterprise_id, role: 'enterprise', login: `invite-${n()}@example.org`, name: 'Invited' },
    }),
  },
  'GET /api/v1/users': { ok: 200, access: readers_only, request: () => ({ url: '/api/v1/users' }) },
  'POST /api/v1/users/:id/disable': {
    ok: 200,
    access: admin_only,
    request: async (w) => {
      const invited = await w.api.call('POST', '/api/v1/users/invite', {
        body: { org_id: 'office', role: 'auditor', login: `disable-${n()}@example.org`, name: 'Disable' },
      });
      expect(invited.statusCode).toBe(201);
      return { url: `/api/v1/users/${(invited.json() as { user: { id: string } }).user.id}/disable` };
    },
  },

  'GET /api/v1/audit': { ok: 200, access: readers_only, request: () => ({ url: '/api/v1/audit?subject_kind=claim&limit=5' }) },
  'GET /api/v1/audit/verify': { ok: 200, access: readers_only, request: () => ({ url: '/api/v1/audit/verify' }) },
  'GET /api/v1/dashboard/overview': { ok: 200, access: readers_only, request: () => ({ url: '/api/v1/dashboard/overview?from=2026-01&to=2026-11' }) },

  // Exports read what the JSON routes of the same data let the caller read (test/api/reports.test.ts opens the files).
  'GET /api/v1/reports/usage-summary': {
    ok: 200,
    access: usage_read,
    request: (_w, t, role) => ({ url: `/api/v1/reports/usage-summary?group_by=enterprise&${usageQuery(t, role)}` }),
  },
  'GET /api/v1/reports/claims': {
    ok: 200,
    access: claim_read,
    request: (_w, t, role) => ({ url: `/api/v1/reports/claims?beneficiary_id=${beneficiaryOf(t, role)}&format=xlsx` }),
  },
  'GET /api/v1/reports/claims/:id': {
    ok: 200,
    access: claim_read,
    request: async (w, t, role) => ({ url: `/api/v1/reports/claims/${await freshClaim(w, t, role, 'draft')}?format=xlsx` }),
  },
  'GET /api/v1/reports/programs/:id/ledger': { ok: 200, access: readers_only, request: (w) => ({ url: `/api/v1/reports/programs/${w.program_id}/ledger` }) },
  'GET /api/v1/reports/programs/:id': { ok: 200, access: readers_only, request: (w) => ({ url: `/api/v1/reports/programs/${w.program_id}?format=json` }) },

  // Last: once a provider has a signing key its unsigned batches are refused, and the entries above post unsigned usage.
  'GET /api/v1/providers/:id/signing-keys': {
    ok: 200,
    access: provider_read,
    request: (_w, t) => ({ url: `/api/v1/providers/${t.provider_id}/signing-keys` }),
  },
  'POST /api/v1/providers/:id/signing-keys': {
    ok: 201,
    access: provider_write,
    request: (_w, t) => ({ url: `/api/v1/providers/${t.provider_id}/signing-keys`, body: { label: `k${n()}`, public_key: freshPublicKey() } }),
  },
  'POST /api/v1/signing-keys/:id/revoke': {
    ok: 200,
    access: provider_write,
    request: async (w, t) => {
      const res = await w.api.call('POST', `/api/v1/providers/${t.provider_id}/signing-keys`, {
        body: { label: `throwaway ${n()}`, public_key: freshPublicKey() },
      });
      expect(res.statusCode).toBe(201);
      return { url: `/api/v1/signing-keys/${(res.json() as { id: string }).id}/revoke` };
    },
  },
};

/** A login and password of a fresh active user (invited, then accepted). */
async function freshLogin(w: World): Promise<{ login: string; password: string }> {
  const login = `login-${n()}@example.org`;
  const invited = await w.api.call('POST', '/api/v1/users/invite', { body: { org_id: 'office', role: 'auditor', login, name: 'Login' } });
  expect(invited.statusCode).toBe(201);
  const password = 'correct horse battery staple';
  const accepted = await w.api.call('POST', '/api/v1/auth/accept-invitation', {
    key: null,
    body: { token: (invited.json() as { invitation: { token: string } }).invitation.token, password },
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return { login, password };
}

function freshPublicKey(): string {
  return generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

const default_codes: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  422: 'all_records_rejected',
};
const codeOf = (spec: RouteSpec, status: number) => (spec.other_code !== undefined && status === spec.other ? spec.other_code : (default_codes[status] ?? '?'));

function expectedStatus(spec: RouteSpec, caller: Caller, own: boolean): number {
  if (spec.access === 'public') return spec.ok;
  if (!isRole(caller)) return 401;
  const access = spec.access[caller];
  if (access === 'never') return 403;
  if (access === 'all' || own) return spec.ok;
  return spec.other ?? 404;
}

/** "201" for a success, "404 not_found" for an error (its body checked for the documented shape). */
function outcome(res: LightMyRequestResponse, method: string): string {
  if (res.statusCode < 400 || method === 'HEAD') return String(res.statusCode);
  const body = res.json() as { error?: { code?: unknown; message?: unknown; details?: unknown } };
  const shaped = typeof body.error?.code === 'string' && typeof body.error.message === 'string' && Array.isArray(body.error.details);
  return `${res.statusCode} ${shaped ? String(body.error?.code) : `(not an error body: ${res.body.slice(0, 80)})`}`;
}

describeEachEngine('every route × every caller', (db) => {
  let w: World;

  it('sets up two tenants, an auditor, a revoked and a garbage key', async () => {
    const api = await testApi(db(), () => now);
    const a = await createParties(api, 'a');
    const b = await createParties(api, 'b');
    const me = await api.call('GET', '/api/v1/me');
    expect(me.statusCode).toBe(200);
    const office_id = (me.json() as { org_id: string }).org_id;
    const auditor = await api.call('POST', '/api/v1/api-keys', { body: { org_id: office_id, role: 'auditor', label: 'auditor' } });
    expect(auditor.statusCode).toBe(201);
    const doomed = await api.call('POST', '/api/v1/api-keys', { body: { org_id: a.provider_id, role: 'provider', label: 'doomed' } });
    expect(doomed.statusCode).toBe(201);
    const { id: doomed_id, key: revoked_key } = doomed.json() as { id: string; key: string };
    expect((await api.call('POST', `/api/v1/api-keys/${doomed_id}/revoke`)).statusCode).toBe(200);
    const accelerator = await api.call('POST', '/api/v1/accelerators', { body: acceleratorBody('role-test-patchable') });
    expect(accelerator.statusCode).toBe(201);
    const program = await api.call('POST', '/api/v1/programs', { body: programBody('role-test-rent', 'enterprise') });
    const energy = await api.call('POST', '/api/v1/programs', { body: programBody('role-test-energy', 'provider') });
    expect([program.statusCode, energy.statusCode]).toEqual([201, 201]);
    const sessions = {} as World['sessions'];
    for (const [role, org_id] of [
      ['administrator', office_id],
      ['auditor', office_id],
      ['provider', a.provider_id],
      ['enterprise', a.enterprise_id],
    ] as const) {
      const login = `session-${role}@example.org`;
      const invited = await api.call('POST', '/api/v1/users/invite', { body: { org_id, role, login, name: role } });
      expect(invited.statusCode, invited.body).toBe(201);
      const password = 'a session role password';
      expect(
        (
          await api.call('POST', '/api/v1/auth/accept-invitation', {
            key: null,
            body: { token: (invited.json() as { invitation: { token: string } }).invitation.token, password },
          })
        ).statusCode,
      ).toBe(200);
      const signed = await api.call('POST', '/api/v1/auth/login', { key: null, body: { login, password } });
      const set = signed.headers['set-cookie'];
      sessions[role] = { cookie: String(Array.isArray(set) ? set[0] : set).split(';')[0]!, csrf: (signed.json() as { csrf_token: string }).csrf_token };
    }
    w = {
      api,
      a,
      b,
      office_id,
      accelerator_id: 'role-test-patchable',
      sessions,
      program_id: (program.json() as { id: string }).id,
      energy_program_id: (energy.json() as { id: string }).id,
      keys: {
        administrator: admin_key,
        provider: a.provider_key,
        enterprise: a.enterprise_key,
        auditor: (auditor.json() as { key: string }).key,
        'no key': null,
        'revoked key': revoked_key,
        'garbage key': `sk_${'Q'.repeat(43)}`,
      },
    };
    // the auditor's key belongs to the office, as the administrator's does
    const auditor_me = await api.call('GET', '/api/v1/me', { key: w.keys.auditor });
    expect(auditor_me.json()).toMatchObject({ org_id: office_id, role: 'auditor' });
  });

  it('has an expectation for every /api/v1 route the app registers, and none for a route it lacks', () => {
    const routes = routesUnder('/api/v1');
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(
      routes.filter((r) => table[r] === undefined),
      'routes without an entry in the table',
    ).toEqual([]);
    expect(
      Object.keys(table).filter((r) => !routes.includes(r)),
      'table entries for routes that do not exist',
    ).toEqual([]);
  });

  it('records every route the OpenAPI document lists (the recorder is not blind)', () => {
    const doc = w.api.app.swagger() as { paths?: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((r) => !registered_routes.has(r))).toEqual([]);
  });

  // The same table through signed-in sessions (cookie + CSRF token) instead of API keys: a session of a role has exactly
  // the key's rights. Run before the key callers' pass, which registers signing keys last. Left to the key pass: /auth/*
  // (they act on the session itself: signing out would end it; test/security/sessions.test.ts) and the signing-key
  // writes (a registered key makes the providers' later unsigned usage 422).
  const session_skip = (r: string) => r.includes(' /api/v1/auth/') || (r.startsWith('POST ') && r.includes('signing-keys'));
  for (const [route, spec] of Object.entries(table).filter(([r]) => !session_skip(r))) {
    it(`${route}: the same statuses through a session of each role`, async () => {
      const [method] = route.split(' ') as [string, string];
      const got: string[] = [];
      const want: string[] = [];
      for (const role of ['administrator', 'provider', 'enterprise', 'auditor'] as const) {
        for (const [own, target] of [
          [true, w.a],
          [false, w.b],
        ] as const) {
          const req = await spec.request(w, target, role);
          const s = w.sessions[role];
          const res = await w.api.call(method, req.url, {
            key: null,
            headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
            ...(req.body === undefined ? {} : { body: req.body }),
          });
          const status = expectedStatus(spec, role, own);
          const label = `${method} as a ${role} session on ${own ? 'own' : 'other'} tenant:`;
          got.push(`${label} ${outcome(res, method)}`);
          want.push(`${label} ${status < 400 ? status : `${status} ${codeOf(spec, status)}`}`);
        }
      }
      expect(got).toEqual(want);
    });
  }

  for (const [route, spec] of Object.entries(table)) {
    it(`${route}: the expected status for each caller, own and other tenant`, async () => {
      const [method, pattern] = route.split(' ') as [string, string];
      // A GET route's HEAD twin shares its options, access included: it must answer the same statuses.
      const methods = method === 'GET' && registered_routes.has(`HEAD ${pattern}`) ? ['GET', 'HEAD'] : [method];
      const got: string[] = [];
      const want: string[] = [];
      for (const caller of callers) {
        for (const [own, target] of [
          [true, w.a],
          [false, w.b],
        ] as const) {
          for (const m of methods) {
            const role = isRole(caller) ? caller : null;
            const req = await spec.request(w, target, role);
            const res = await w.api.call(m, req.url, { key: w.keys[caller], ...(req.body === undefined ? {} : { body: req.body }) });
            const status = expectedStatus(spec, caller, own);
            const label = `${m} as ${caller} on ${own ? 'own' : 'other'} tenant:`;
            got.push(`${label} ${outcome(res, m)}`);
            want.push(`${label} ${status < 400 || m === 'HEAD' ? status : `${status} ${codeOf(spec, status)}`}`);
          }
        }
      }
      expect(got).toEqual(want);
    });
  }

  it('refuses malformed Authorization headers with 401 and the error shape', async () => {
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      `Bearer ${'x'.repeat(15)}`,
      'Bearer',
      `Bearer ${admin_key} extra`,
      `Bearer ${'y'.repeat(257)}`,
      admin_key,
    ]) {
      const res = await w.api.call('GET', '/api/v1/me', { key: null, headers: { authorization } });
      expectError(res, 401, 'unauthorized');
    }
  });
});

describeEachEngine('tenants see only their own usage', (db) => {
  let api: TestApi;
  let a: Parties;
  let b: Parties;
  let auditor_key: string;
  interface Seeded {
    record_id: string;
    provider_id: string;
    enterprise_id: string;
    amount_fen: number;
  }
  const seeded: Seeded[] = [];

  const post = async (p: Parties, records: Record<string, unknown>[]) => api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
  const items = (res: LightMyRequestResponse) => (res.json() as { items: { record_id: string; provider_id: string; enterprise_id: string }[] }).items;
  const ids = (list: { record_id: string }[]) => list.map((r) => r.record_id).sort();

  it('seeds records of two providers for two enterprises', async () => {
    api = await testApi(db(), () => now);
    a = await createParties(api, 'ta');
    b = await createParties(api, 'tb');
    const me = (await api.call('GET', '/api/v1/me')).json() as { org_id: string };
    auditor_key = ((await api.call('POST', '/api/v1/api-keys', { body: { org_id: me.org_id, role: 'auditor', label: 'auditor' } })).json() as { key: string })
      .key;
    // provider a sells to enterprises a and b; provider b too. Record ids repeat across providers: they are provider-scoped.
    const plan: [Parties, Parties, string, number][] = [
      [a, a, 'u1', 1_000],
      [a, b, 'u2', 2_000],
      [a, b, 'u3', 4_000],
      [b, a, 'u1', 8_000],
      [b, b, 'u4', 16_000],
    ];
    for (const [provider, enterprise, record_id, amount_fen] of plan) {
      const res = await post(provider, [usageRecord({ cluster_id: provider.cluster_id, enterprise_id: enterprise.enterprise_id }, record_id, { amount_fen })]);
      expect(res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      seeded.push({ record_id, provider_id: provider.provider_id, enterprise_id: enterprise.enterprise_id, amount_fen });
    }
    expect(await db().store.usage.count()).toBe(5);
  });

  it("rejects usage a provider reports on another provider's cluster as unknown_cluster, storing nothing", async () => {
    const before = await db().store.usage.count();
    const foreign = usageRecord({ cluster_id: b.cluster_id, enterprise_id: a.enterprise_id }, 'stolen');
    const res = await post(a, [foreign]);
    const body = expectError(res, 422, 'all_records_rejected');
    expect(body.error.details.map((d) => d.field)).toEqual(['records[0].cluster_id']);
    expect((res.json() as { rejected: unknown }).rejected).toEqual([
      { index: 0, record_id: 'stolen', code: 'unknown_cluster', field: 'cluster_id', message: expect.any(String) },
    ]);
    // in a batch with a good record, the good one is stored and the foreign one still is not
    const mixed = await post(a, [
      usageRecord(a, 'u5', { amount_fen: 32_000 }),
      usageRecord({ cluster_id: b.cluster_id, enterprise_id: b.enterprise_id }, 'stolen-2'),
    ]);
    expect(mixed.statusCode).toBe(200);
    expect(mixed.json()).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, record_id: 'stolen-2', code: 'unknown_cluster', field: 'cluster_id', message: expect.any(String) }],
    });
    seeded.push({ record_id: 'u5', provider_id: a.provider_id, enterprise_id: a.enterprise_id, amount_fen: 32_000 });
    expect(await db().store.usage.count()).toBe(before + 1);
    const on_b_cluster = items(await api.call('GET', `/api/v1/usage?cluster_id=${b.cluster_id}`));
    expect(on_b_cluster.every((r) => r.provider_id === b.provider_id)).toBe(true);
    expect(ids(on_b_cluster)).toEqual(ids(seeded.filter((s) => s.provider_id === b.provider_id)));
  });

  for (const who of ['enterprise', 'provider'] as const) {
    it(`shows each ${who} only its own records, in lists, pages and summaries`, async () => {
      const field = who === 'enterprise' ? 'enterprise_id' : 'provider_id';
      for (const p of [a, b]) {
        const key = who === 'enterprise' ? p.enterprise_key : p.provider_key;
        const own_id = who === 'enterprise' ? p.enterprise_id : p.provider_id;
        const mine = seeded.filter((s) => s[field] === own_id);
        expect(mine.length).toBeGreaterThan(0);

        const list = items(await api.call('GET', '/api/v1/usage', { key }));
        expect(list.every((r) => r[field] === own_id)).toBe(true);
        expect(ids(list)).toEqual(ids(mine));

        // page by page, one record at a time: the cursor never leads into another tenant's records
        const paged: { record_id: string; provider_id: string; enterprise_id: string }[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < 20; page++) {
          const res = await api.call('GET', `/api/v1/usage?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`, { key });
          expect(res.statusCode).toBe(200);
          const body = res.json() as { items: typeof paged; next_cursor: string | null };
          paged.push(...body.items);
          cursor = body.next_cursor;
          if (cursor === null) break;
        }
        expect(ids(paged)).toEqual(ids(mine));

        for (const group_by of ['enterprise', 'provider', 'accelerator', 'month']) {
          const res = await api.call('GET', `/api/v1/usage/summary?group_by=${group_by}`, { key });
          expect(res.statusCode).toBe(200);
          const summary = res.json() as { items: { key: string }[]; totals: { records: number; amount_fen: string } };
          expect(summary.totals).toMatchObject({ records: mine.length, amount_fen: mine.reduce((s, m) => s + BigInt(m.amount_fen), 0n).toString() });
          if (group_by === who) expect(summary.items.map((i) => i.key)).toEqual([own_id]);
        }
      }
    });
  }

  it('answers 404 when an enterprise or a provider filters by another tenant, 200 for its own id', async () => {
    for (const path of ['/api/v1/usage', '/api/v1/usage/summary']) {
      expectError(await api.call('GET', `${path}?enterprise_id=${b.enterprise_id}`, { key: a.enterprise_key }), 404, 'not_found');
      expectError(await api.call('GET', `${path}?provider_id=${b.provider_id}`, { key: a.provider_key }), 404, 'not_found');
      expect((await api.call('GET', `${path}?enterprise_id=${a.enterprise_id}`, { key: a.enterprise_key })).statusCode).toBe(200);
      expect((await api.call('GET', `${path}?provider_id=${a.provider_id}`, { key: a.provider_key })).statusCode).toBe(200);
      // an id that exists nowhere reads exactly like another tenant's
      const missing = await api.call('GET', `${path}?enterprise_id=e_does_not_exist`, { key: a.enterprise_key });
      const other = await api.call('GET', `${path}?enterprise_id=${b.enterprise_id}`, { key: a.enterprise_key });
      expect(missing.statusCode).toBe(other.statusCode);
    }
    // narrowing by the other side of the deal is allowed, and still shows only the caller's own records
    const from_b = items(await api.call('GET', `/api/v1/usage?provider_id=${b.provider_id}`, { key: a.enterprise_key }));
    expect(ids(from_b)).toEqual(ids(seeded.filter((s) => s.provider_id === b.provider_id && s.enterprise_id === a.enterprise_id)));
  });

  it('lists to a provider only itself among providers, to an enterprise only itself among enterprises', async () => {
    const providers = (await api.call('GET', '/api/v1/providers', { key: a.provider_key })).json() as { items: { id: string }[] };
    expect(providers.items.map((o) => o.id)).toEqual([a.provider_id]);
    const enterprises = (await api.call('GET', '/api/v1/enterprises', { key: b.enterprise_key })).json() as { items: { id: string }[] };
    expect(enterprises.items.map((o) => o.id)).toEqual([b.enterprise_id]);
    const clusters = await api.call('GET', `/api/v1/providers/${b.provider_id}/clusters`, { key: a.provider_key });
    expectError(clusters, 404, 'not_found');
  });

  it('lets the auditor read everything', async () => {
    const all = items(await api.call('GET', '/api/v1/usage', { key: auditor_key }));
    expect(all).toHaveLength(seeded.length);
    const summary = (await api.call('GET', '/api/v1/usage/summary?group_by=provider', { key: auditor_key })).json() as {
      items: { key: string }[];
      totals: { records: number };
    };
    expect(summary.totals.records).toBe(seeded.length);
    expect(summary.items.map((i) => i.key).sort()).toEqual([a.provider_id, b.provider_id].sort());
    for (const [path, expected] of [
      ['/api/v1/providers', [a.provider_id, b.provider_id]],
      ['/api/v1/enterprises', [a.enterprise_id, b.enterprise_id]],
    ] as const) {
      const res = await api.call('GET', path, { key: auditor_key });
      expect((res.json() as { items: { id: string }[] }).items.map((o) => o.id).sort()).toEqual([...expected].sort());
    }
    for (const path of [
      `/api/v1/clusters/${b.cluster_id}`,
      `/api/v1/providers/${a.provider_id}/clusters`,
      `/api/v1/enterprises/${b.enterprise_id}`,
      '/api/v1/api-keys',
    ]) {
      expect((await api.call('GET', path, { key: auditor_key })).statusCode, path).toBe(200);
    }
  });

  it('answers 403 to the auditor on every write route the app registers, and nothing changes', async () => {
    // POST .../estimate computes without writing: the auditor may call it (the table above checks that)
    const read_only_posts = ['POST /api/v1/programs/:id/estimate'];
    // /auth/*: signing in and out and one's own password are the auditor's own account, not the program's data
    const writes = routesUnder('/api/v1').filter(
      (r) => !r.startsWith('GET ') && !r.startsWith('HEAD ') && !read_only_posts.includes(r) && !r.includes(' /api/v1/auth/'),
    );
    expect(writes.length).toBeGreaterThanOrEqual(8);
    const usage_before = await db().store.usage.count();
    const keys_before = ((await api.call('GET', '/api/v1/api-keys')).json() as { items: unknown[] }).items.length;
    const providers_before = ((await api.call('GET', '/api/v1/providers')).json() as { items: unknown[] }).items.length;
    for (const route of writes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const url = pattern.replace(':id', a.provider_id);
      // a body that would be valid for the usage and provider routes: refusal must not depend on the body being wrong
      const body = pattern.endsWith('/usage') ? { records: [usageRecord(a, 'auditor-write')] } : { name: 'Auditor was here', region: '310000' };
      expectError(await api.call(method, url, { key: auditor_key, body }), 403, 'forbidden');
    }
    expect(await db().store.usage.count()).toBe(usage_before);
    expect(((await api.call('GET', '/api/v1/api-keys')).json() as { items: unknown[] }).items).toHaveLength(keys_before);
    expect(((await api.call('GET', '/api/v1/providers')).json() as { items: unknown[] }).items).toHaveLength(providers_before);
  });
});
