// User accounts: administrators invite people into an organization with a role and disable them; auditors read them.
import { Type } from 'typebox';
import { roleFitsOrganization, roles } from '../../domain/org/organization.js';
import type { App, AppContext } from '../context.js';
import { actorOf, hashSecret, newSecret, readers } from '../auth.js';
import { ApiError, notFound } from '../errors.js';
import { Refusal } from '../../domain/refusal.js';
import { iso, presentUser } from '../present.js';
import { List, Role, UserView } from '../schemas.js';

/** Invites a user; shared by the API and `suanli users invite`. Answers the user and the one-time token. */
export async function inviteUser(
  ctx: Pick<AppContext, 'store' | 'now' | 'config'>,
  actor: Parameters<AppContext['store']['people']['create']>[1],
  u: { org_id: string; role: (typeof roles)[number]; login: string; name: string },
) {
  const org = u.org_id === 'office' ? await ctx.store.organizations.office(ctx.now()) : await ctx.store.organizations.get(u.org_id);
  if (!org) throw notFound('organization', u.org_id, ['org_id']);
  if (!roleFitsOrganization(u.role, org.kind))
    throw new ApiError('validation_failed', `a ${u.role} cannot belong to a ${org.kind} organization`, [
      { field: 'role', message: `does not fit a ${org.kind}` },
    ]);
  const token = newSecret();
  const expires_at_ms = ctx.now() + ctx.config.invitation_ttl_s * 1000;
  const user = await ctx.store.people.create(
    { org_id: org.id, role: u.role, login: u.login, name: u.name, password_hash: null, invitation: { token_hash: hashSecret(token), expires_at_ms } },
    actor,
    ctx.now(),
  );
  if (!user) throw new Refusal('already_exists', { what: 'user', login: u.login }, { fields: ['login'] });
  return { user, token, expires_at_ms };
}

export const Login = Type.String({
  minLength: 3,
  maxLength: 200,
  pattern: '^[A-Za-z0-9._@+-]+$',
  description: 'e.g. an e-mail address; compared case-insensitively',
});

export function userRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/users/invite',
    {
      config: { access: ['administrator'], no_store: true },
      schema: {
        tags: ['users'],
        summary: 'Invite a user',
        description:
          'Creates an invited user and answers a one-time invitation token (shown once): the person sets a password with POST /api/v1/auth/accept-invitation.',
        body: Type.Object(
          {
            org_id: Type.String({ maxLength: 64, description: 'an organization id, or "office"' }),
            role: Role,
            login: Login,
            name: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object(
            { user: UserView, invitation: Type.Object({ token: Type.String(), expires_at: Type.String(), accept: Type.String() }) },
            { title: 'Invitation' },
          ),
        },
      },
    },
    async (request, reply) => {
      const r = await inviteUser(ctx, actorOf(request), request.body);
      return reply.status(201).send({
        user: presentUser(r.user),
        invitation: { token: r.token, expires_at: iso(r.expires_at_ms), accept: 'POST /api/v1/auth/accept-invitation { token, password }' },
      });
    },
  );

  app.get(
    '/users',
    {
      config: { access: readers, no_store: true },
      schema: {
        tags: ['users'],
        summary: 'List users',
        description: 'Users of every organization, or of one (org_id).',
        querystring: Type.Object({ org_id: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: List(UserView) },
      },
    },
    async (request) => ({ items: (await ctx.store.people.list(request.query.org_id)).map(presentUser) }),
  );

  app.post(
    '/users/:id/disable',
    {
      config: { access: ['administrator'], no_store: true },
      schema: {
        tags: ['users'],
        summary: 'Disable a user',
        description: 'Disables a user and ends their sessions.',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: UserView },
      },
    },
    async (request) => {
      const user = await ctx.store.people.get(request.params.id);
      if (!user) throw notFound('user', request.params.id);
      if (!(await ctx.store.people.disable(user.id, actorOf(request), ctx.now()))) {
        throw new Refusal('illegal_transition', { subject: 'user', id: user.id, state: 'disabled', allowed_from: ['active'] }, { fields: ['id'] });
      }
      return presentUser((await ctx.store.people.get(user.id))!);
    },
  );
}
