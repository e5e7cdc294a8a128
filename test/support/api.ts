// An in-process API on a test database, with helpers to create the usual parties: a provider with a cluster and a key,
// an enterprise with a key. Uses Fastify's inject (no socket), which goes through the whole request pipeline.
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/context.js';
import { creditCodeCheckChar } from '../../src/domain/org/credit-code.js';
import { admin_key, type EngineDb } from './engines.js';

export interface TestApi {
  app: App;
  call(
    method: string,
    url: string,
    options?: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
}

export async function testApi(db: EngineDb, now: () => number = Date.now): Promise<TestApi> {
  await db.store.bootstrapAdministrator(admin_key, now());
  const app = await buildApp({ config: db.config, store: db.store, now, logger: false });
  await app.ready();
  return {
    app,
    call: (method, url, options = {}) => {
      const key = options.key === undefined ? admin_key : options.key;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let payload: string | undefined;
      if (options.raw !== undefined) payload = options.raw;
      else if (options.body !== undefined) payload = JSON.stringify(options.body);
      if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
      return app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
    },
  };
}

let serial = 0;
/** A valid unified social credit code, different on every call. */
export function creditCode(n = ++serial + Math.floor(Math.random() * 1e6)): string {
  const org8 = String(10_000_000 + (n % 89_999_999)).padStart(8, '0');
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  const c = 11 - (org8.split('').reduce((s, d, i) => s + Number(d) * w[i]!, 0) % 11);
  const body = `91310000${org8}${c === 10 ? 'X' : c === 11 ? '0' : String(c)}`;
  return body + creditCodeCheckChar(body);
}

export interface Parties {
  provider_id: string;
  provider_key: string;
  cluster_id: string;
  enterprise_id: string;
  enterprise_key: string;
}

/** A provider with one cluster (64 × Ascend 910B and 16 × A800 PCIe from 2026-01-01) and one enterprise, each with a key. */
export async function createParties(api: TestApi, label = 'x'): Promise<Parties> {
  const json = (r: LightMyRequestResponse) => {
    if (r.statusCode >= 300) throw new Error(`${r.statusCode} ${r.body}`);
    return r.json() as Record<string, string>;
  };
  const provider_id = json(await api.call('POST', '/api/v1/providers', { body: { name: `Provider ${label}`, region: '310000' } })).id!;
  const enterprise_id = json(
    await api.call('POST', '/api/v1/enterprises', {
      body: { name: `Enterprise ${label}`, credit_code: creditCode(), region: '310000', sector: 'large_models', size: 'small' },
    }),
  ).id!;
  const cluster_id = json(
    await api.call('POST', `/api/v1/providers/${provider_id}/clusters`, {
      body: {
        name: `sh-${label}`,
        region: '310000',
        inventory: [
          { accelerator: 'huawei-ascend-910b', count: 64, valid_from: '2026-01-01T00:00:00Z' },
          { accelerator: 'nvidia-a800-80gb-pcie', count: 16, valid_from: '2026-01-01T00:00:00Z' },
          { accelerator: 'metax-c500', count: 8, valid_from: '2026-01-01T00:00:00Z' },
        ],
      },
    }),
  ).id!;
  const provider_key = json(await api.call('POST', '/api/v1/api-keys', { body: { org_id: provider_id, role: 'provider', label } })).key!;
  const enterprise_key = json(await api.call('POST', '/api/v1/api-keys', { body: { org_id: enterprise_id, role: 'enterprise', label } })).key!;
  return { provider_id, provider_key, cluster_id, enterprise_id, enterprise_key };
}

export function usageRecord(
  p: Pick<Parties, 'cluster_id' | 'enterprise_id'>,
  record_id: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    record_id,
    cluster_id: p.cluster_id,
    enterprise_id: p.enterprise_id,
    accelerator: 'huawei-ascend-910b',
    count: 8,
    started_at: '2026-10-01T00:00:00Z',
    ended_at: '2026-10-01T06:30:00Z',
    amount_fen: 124_800,
    job_ref: `slurm:${record_id}`,
    workload: 'training',
    ...overrides,
  };
}
