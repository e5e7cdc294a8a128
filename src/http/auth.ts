// Who may call what: every route under /api declares its access in config.access; a route without one refuses
// to register. Keys arrive as `Authorization: Bearer …` and are looked up by their SHA-256.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../domain/org/organization.js';
import type { Store } from '../store/store.js';
import { hashApiKey } from '../store/store.js';
import { ApiError } from './errors.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';

export type Access = 'public' | readonly Role[];

/**
 * Who calls: an API key (machines) or a signed-in user's session (people, in the browser). key_id holds the API key's
 * id, or the user's id for a session — what the audit chain records as the actor.
 */
export interface Principal {
  key_id: string;
  org_id: string;
  role: Role;
  via: 'key' | 'session';
  /** The session behind a cookie call: its id hash (to end it) and CSRF token. */
  session?: { id_hash: string; csrf_token: string; expires_at_ms: number };
}

export const session_cookie = 'suanli_session';
/** A browser that signed in on an account before: a random id, sent only to /api/v1/auth (routes/auth.ts). */
export const device_cookie = 'suanli_device';
export const csrf_header = 'x-csrf-token';
const safe_methods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Equal strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** How every random secret is stored — session ids and invitation tokens as API keys are: SHA-256, hex. */
export const hashSecret = hashApiKey;

/** A new random secret: 256 bits, URL-safe base64 (session ids, CSRF and invitation tokens). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Why the credentials were refused; answered after the rate limit has counted the request (see registerAuth). */
    auth_failure: ApiError | null;
  }
}

export const any_role: readonly Role[] = ['administrator', 'provider', 'enterprise', 'auditor'];
export const readers: readonly Role[] = ['administrator', 'auditor'];

/**
 * `now` is the app's clock (tests fix it), so that a session's expiry is judged on the same clock that set it.
 * The credentials are checked first (onRequest), but a refusal is only answered in preParsing: in between, the rate
 * limit (a route-level onRequest hook, which runs after this one) has counted the request in the bucket of its
 * verified key or session — or of its address when it has none, so that garbage keys do not each get a bucket.
 */
export function registerAuth(app: FastifyInstance, store: Store, now: () => number = Date.now): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('auth_failure', null);
  app.addHook('preParsing', async (request) => {
    if (request.auth_failure !== null) throw request.auth_failure;
  });
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1')) return;
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no access rule`);
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    try {
      await authenticate(request, access);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      request.auth_failure = error;
    }
  });

  async function authenticate(request: FastifyRequest, access: readonly Role[]): Promise<void> {
    const header = request.headers.authorization;
    const cookie = request.cookies?.[session_cookie];
    if (header === undefined && cookie !== undefined && cookie !== '') {
      // A person in the browser: the session cookie, and on every state-changing call the CSRF token it was given.
      const session = await store.people.session(hashSecret(cookie), now());
      if (session === null) throw new ApiError('unauthorized', 'the session has ended or expired: sign in again');
      const u = session.user;
      request.principal = {
        key_id: u.id,
        org_id: u.org_id,
        role: u.role,
        via: 'session',
        session: { id_hash: hashSecret(cookie), csrf_token: session.csrf_token, expires_at_ms: session.expires_at_ms },
      };
      if (!safe_methods.has(request.method)) {
        const sent = request.headers[csrf_header];
        if (typeof sent !== 'string' || !constantTimeEqual(sent, session.csrf_token)) {
          throw new ApiError('csrf_failed', `a state-changing call made with the session cookie needs the session's CSRF token in the ${csrf_header} header`);
        }
      }
      if (!access.includes(u.role)) throw new ApiError('forbidden', `a ${u.role} may not call this`);
      return;
    }
    const match = header === undefined ? null : /^bearer +([\x21-\x7e]{16,256})$/i.exec(header);
    if (!match) throw new ApiError('unauthorized', 'send an API key as "Authorization: Bearer <key>", or sign in (POST /api/v1/auth/login)');
    const key = await store.apiKeys.findActive(hashApiKey(match[1]!));
    if (!key) throw new ApiError('unauthorized', 'unknown or revoked API key');
    request.principal = { key_id: key.id, org_id: key.org_id, role: key.role, via: 'key' };
    if (!access.includes(key.role)) throw new ApiError('forbidden', `a ${key.role} key may not call this`);
  }
}

/**
 * The rate limit's bucket: a verified API key or session has its own; everything else — no credentials, or ones that
 * were refused — shares its address's (as Fastify sees it: behind a trusted proxy, the client's).
 */
export function rateLimitBucket(request: FastifyRequest): string {
  const p = request.principal;
  if (p !== null && p.via === 'key') return `key:${p.key_id}`;
  if (p !== null && p.session !== undefined) return `session:${p.session.id_hash}`;
  return `address:${request.ip}`;
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
