// Organizations (the office, providers, enterprises): administrators register providers and enterprises; each tenant sees
// only itself, administrators and auditors see all.
import { Type, type Static } from 'typebox';
import { checkCreditCode } from '../../domain/org/credit-code.js';
import { type Organization } from '../../domain/org/organization.js';
import type { App, AppContext } from '../context.js';
import { any_role, ownsOrganization, principalOf, actorOf } from '../auth.js';
import { notFound, pageLimit } from '../errors.js';
import { Refusal } from '../../domain/refusal.js';
import { List, Page, Region } from '../schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Created = Type.Object({ id: Type.String() }, { title: 'Created' });

const Categories = Type.Array(Type.String({ pattern: '^[a-z0-9_]{1,64}$' }), {
  maxItems: 20,
  description: 'tags programs select on, e.g. startup, sme, research_institution, data_centre_operator',
});
const ProviderCreate = Type.Object({ name: Name, region: Type.Optional(Region), categories: Type.Optional(Categories) }, { additionalProperties: false });
const EnterpriseCreate = Type.Object(
  {
    name: Name,
    credit_code: Type.String({ minLength: 1, maxLength: 64, description: '18-character unified social credit code (GB 32100-2015)' }),
    region: Region,
    sector: Type.String({ minLength: 1, maxLength: 64 }),
    size: Type.Optional(Type.Union([Type.Literal('micro'), Type.Literal('small'), Type.Literal('medium'), Type.Literal('large')])),
    categories: Type.Optional(Categories),
  },
  { additionalProperties: false },
);

const OrganizationView = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    credit_code: Type.Union([Type.String(), Type.Null()]),
    region: Type.Union([Type.String(), Type.Null()]),
    sector: Type.Union([Type.String(), Type.Null()]),
    size: Type.Union([Type.String(), Type.Null()]),
    categories: Type.Array(Type.String()),
    created_at: Type.String(),
  },
  { title: 'Organization' },
);
type OrganizationView = Static<typeof OrganizationView>;

export function presentOrganization(o: Organization): OrganizationView {
  const { created_at_ms, ...rest } = o;
  return { ...rest, created_at: new Date(created_at_ms).toISOString() };
}

export function organizationRoutes(app: App, ctx: AppContext): void {
  const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  app.post(
    '/providers',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['organizations'],
        summary: 'Register a provider',
        description: 'A data centre or cloud that sells compute; it reports usage with a provider key (POST /api/v1/api-keys).',
        body: ProviderCreate,
        response: { 201: Created },
      },
    },
    async (request, reply) => {
      const org = await ctx.store.organizations.create(
        { kind: 'provider', name: request.body.name, region: request.body.region ?? null, categories: request.body.categories ?? [] },
        actorOf(request),
        ctx.now(),
      );
      if (!org) throw new Error('provider insert reported no row');
      return reply.status(201).send({ id: org.id });
    },
  );

  app.post(
    '/enterprises',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['organizations'],
        summary: 'Register an enterprise',
        description: 'A buyer of compute; its credit code is checked (GB 32100-2015) and registered once.',
        body: EnterpriseCreate,
        response: { 201: Created },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const cc = checkCreditCode(b.credit_code);
      if (!cc.ok) throw new Refusal('invalid_credit_code', cc.problem, { fields: ['credit_code'] });
      const org = await ctx.store.organizations.create(
        {
          kind: 'enterprise',
          name: b.name,
          credit_code: b.credit_code,
          region: b.region,
          sector: b.sector,
          size: b.size ?? null,
          categories: b.categories ?? [],
        },
        actorOf(request),
        ctx.now(),
      );
      if (!org) throw new Refusal('already_exists', { what: 'enterprise', credit_code: b.credit_code }, { fields: ['credit_code'] });
      return reply.status(201).send({ id: org.id });
    },
  );

  /** Name searches are bounded like every other input. */
  const name_query_chars_max = 100;

  app.get(
    '/organizations',
    {
      config: { access: any_role },
      schema: {
        tags: ['organizations'],
        summary: 'List organizations',
        description:
          'Every kind of organization in id order (a stable key), cursor-paginated. Administrators and auditors see all; ' +
          'a provider or an enterprise sees only itself.',
        querystring: Type.Object(
          {
            kind: Type.Optional(Type.Union([Type.Literal('office'), Type.Literal('provider'), Type.Literal('enterprise')])),
            q: Type.Optional(
              Type.String({ maxLength: name_query_chars_max, description: 'the name contains this, ignoring case (on SQLite: of ASCII letters only)' }),
            ),
            cursor: Type.Optional(Type.String({ maxLength: 64, description: 'next_cursor of the previous page' })),
            limit: Type.Optional(Type.String({ pattern: '^\\d{1,9}$', description: `page size, 1 to ${ctx.config.page_records_max} (default 100)` })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(OrganizationView) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = pageLimit(q.limit, ctx.config.page_records_max);
      const items = await ctx.store.organizations.page(
        {
          ...(q.kind === undefined ? {} : { kind: q.kind }),
          ...(q.q === undefined || q.q === '' ? {} : { name_contains: q.q }),
          ...(p.role === 'administrator' || p.role === 'auditor' ? {} : { only_id: p.org_id }),
          ...(q.cursor === undefined ? {} : { after_id: q.cursor }),
        },
        limit,
      );
      const last = items[items.length - 1];
      return { items: items.map(presentOrganization), next_cursor: items.length === limit && last ? last.id : null };
    },
  );

  app.get(
    '/organizations/:id',
    {
      config: { access: any_role },
      schema: {
        tags: ['organizations'],
        summary: 'Read an organization',
        description: "Any kind; another tenant's organization answers 404, as a missing one does.",
        params: IdParams,
        response: { 200: OrganizationView },
      },
    },
    async (request) => {
      const org = await ctx.store.organizations.get(request.params.id);
      if (!org || !ownsOrganization(principalOf(request), org.id)) throw notFound('organization', request.params.id);
      return presentOrganization(org);
    },
  );

  for (const kind of ['provider', 'enterprise'] as const) {
    const plural = `${kind}s`;
    app.get(
      `/${plural}`,
      {
        config: { access: ['administrator', 'auditor', kind] },
        schema: {
          tags: ['organizations'],
          summary: `List ${plural}`,
          description: `Every ${kind}; a ${kind} sees only itself.`,
          response: { 200: List(OrganizationView) },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const own = p.role === kind ? p.org_id : undefined;
        return { items: (await ctx.store.organizations.list(kind, own)).map(presentOrganization) };
      },
    );

    app.get(
      `/${plural}/:id`,
      {
        config: { access: ['administrator', 'auditor', kind] },
        schema: {
          tags: ['organizations'],
          summary: `Read a ${kind}`,
          description: `Another tenant's ${kind} answers 404, as a missing one does.`,
          params: IdParams,
          response: { 200: OrganizationView },
        },
      },
      async (request) => {
        const org = await ctx.store.organizations.get(request.params.id);
        if (!org || org.kind !== kind || !ownsOrganization(principalOf(request), org.id)) throw notFound(kind, request.params.id);
        return presentOrganization(org);
      },
    );
  }
}
