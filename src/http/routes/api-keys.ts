// API keys: administrators issue them for an organization and a role; the key is shown once, stored hashed.
import type { AuditActor } from '../../store/audit-repository.js';
import { actorOf, newSecret } from '../auth.js';
import { Type } from 'typebox';
import { roleFitsOrganization, roles } from '../../domain/org/organization.js';
import type { ApiKey } from '../../store/api-key-repository.js';
import { hashApiKey } from '../../store/store.js';
import type { App, AppContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { List, Role } from '../schemas.js';

export function newApiKey(): string {
  return `sk_${newSecret()}`;
}

const ApiKeyView = Type.Object(
  {
    id: Type.String(),
    org_id: Type.String(),
    role: Role,
    label: Type.String(),
    key_prefix: Type.String(),
    created_at: Type.String(),
    revoked_at: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'ApiKey' },
);

function present(k: ApiKey) {
  return {
    id: k.id,
    org_id: k.org_id,
    role: k.role,
    label: k.label,
    key_prefix: k.key_prefix,
    created_at: new Date(k.created_at_ms).toISOString(),
    revoked_at: k.revoked_at_ms === null ? null : new Date(k.revoked_at_ms).toISOString(),
  };
}

/** Issues a key; shared by the API and `suanli keys create`. */
export async function issueApiKey(
  ctx: Pick<AppContext, 'store' | 'now'>,
  actor: AuditActor,
  org_id: string,
  role: (typeof roles)[number],
  label: string,
): Promise<{ id: string; key: string }> {
  const org = await ctx.store.organizations.get(org_id);
  if (!org) throw notFound('organization', org_id, ['org_id']);
  if (!roleFitsOrganization(role, org.kind)) {
    throw new ApiError('validation_failed', `a ${role} key cannot belong to a ${org.kind} organization`, [
      { field: 'role', message: `does not fit a ${org.kind}` },
    ]);
  }
  const key = newApiKey();
  const saved = await ctx.store.apiKeys.create({ org_id, role, label, key_hash: hashApiKey(key), key_prefix: key.slice(0, 10) }, actor, ctx.now());
  return { id: saved.id, key };
}

export function apiKeyRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/api-keys',
    {
      config: { access: ['administrator'], no_store: true },
      schema: {
        tags: ['keys'],
        summary: 'Issue an API key',
        description:
          'Issues a key for an organization and a role that fits it (administrator or auditor: the office; provider; enterprise). The key is answered once and stored only as its SHA-256.',
        body: Type.Object(
          { org_id: Type.String({ minLength: 1, maxLength: 64 }), role: Role, label: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Type.String(), key: Type.String({ description: 'shown once; only its hash is stored' }) }, { title: 'ApiKeyIssued' }),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      return reply.status(201).send(await issueApiKey(ctx, actorOf(request), b.org_id, b.role, b.label));
    },
  );

  app.get(
    '/api-keys',
    {
      config: { access: ['administrator', 'auditor'], no_store: true },
      schema: {
        tags: ['keys'],
        summary: 'List API keys',
        description: 'Every key, active and revoked, by its prefix (never the key).',
        response: { 200: List(ApiKeyView) },
      },
    },
    async () => ({ items: (await ctx.store.apiKeys.list()).map(present) }),
  );

  app.post(
    '/api-keys/:id/revoke',
    {
      config: { access: ['administrator'], no_store: true },
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        description: 'The key stops working at once; revoking a revoked key answers 404.',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ id: Type.String(), revoked: Type.Boolean() }, { title: 'ApiKeyRevoked' }) },
      },
    },
    async (request) => {
      if (!(await ctx.store.apiKeys.revoke(request.params.id, actorOf(request), ctx.now()))) throw notFound('api_key', request.params.id);
      return { id: request.params.id, revoked: true };
    },
  );
}
