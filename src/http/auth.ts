// Who may call what: every route under /api declares its access in config.access; a route without one refuses
// to register. Keys arrive as `Authorization: Bearer …` and are looked up by their SHA-256.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../domain/org/organization.js';
import type { Store } from '../store/store.js';
import { hashApiKey } from '../store/store.js';
import { ApiError } from './errors.js';

export type Access = 'public' | readonly Role[];

export interface Principal { key_id: string; org_id: string; role: Role }

declare module 'fastify' {
  interface FastifyContextConfig { access?: Access }
  interface FastifyRequest { principal: Principal | null }
}

export const any_role: readonly Role[] = ['administrator', 'provider', 'enterprise', 'auditor'];
export const readers: readonly Role[] = ['administrator', 'auditor'];

export function registerAuth(app: FastifyInstance, store: Store): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1')) return;
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no access rule`);
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^bearer +([\x21-\x7e]{16,256})$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');
    const key = await store.apiKeys.findActive(hashApiKey(match[1]!));
    if (!key) throw new ApiError('unauthorized', 'unknown or revoked API key');
    request.principal = { key_id: key.id, org_id: key.org_id, role: key.role };
    if (!access.includes(key.role)) throw new ApiError('forbidden', `a ${key.role} key may not call this`);
  });
}

/** The principal as the audit log and claim events record it. */
export function actorOf(request: FastifyRequest): { org_id: string; key_id: string; role: Role } {
  const p = principalOf(request);
  return { org_id: p.org_id, key_id: p.key_id, role: p.role };
}

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('route reached without a principal');
  return request.principal;
}

/**
 * Tenancy: providers and enterprises see only their own organization's objects. Another tenant's object answers 404,
 * exactly as a missing one does, so that ids of other organizations cannot be probed.
 */
export function ownsOrganization(p: Principal, org_id: string): boolean {
  return p.role === 'administrator' || p.role === 'auditor' || p.org_id === org_id;
}
