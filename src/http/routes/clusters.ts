// Clusters and their inventory: a provider registers its own; administrators may do it for any provider.
import { Type, type Static } from 'typebox';
import { checkInventory, inventoryProblemField, type Cluster, type InventoryInterval, type InventoryProblem } from '../../domain/org/organization.js';
import { Refusal } from '../../domain/refusal.js';
import type { App, AppContext } from '../context.js';
import { ownsOrganization, principalOf, type Principal, actorOf } from '../auth.js';
import { notFound } from '../errors.js';
import { visibleProvider } from '../access.js';
import { List, Region } from '../schemas.js';

export const inventory_intervals_max = 1000;

const InventoryIn = Type.Array(
  Type.Object(
    {
      accelerator: Type.String({ minLength: 1, maxLength: 64 }),
      count: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      valid_from: Type.String({ format: 'date-time' }),
      valid_to: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    },
    { additionalProperties: false },
  ),
  { maxItems: inventory_intervals_max },
);

const ClusterCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    region: Region,
    inventory: InventoryIn,
  },
  { additionalProperties: false },
);

const ClusterView = Type.Object(
  {
    id: Type.String(),
    provider_id: Type.String(),
    name: Type.String(),
    region: Type.String(),
    created_at: Type.String(),
    inventory: Type.Array(
      Type.Object({ accelerator: Type.String(), count: Type.Integer(), valid_from: Type.String(), valid_to: Type.Union([Type.String(), Type.Null()]) }),
    ),
  },
  { title: 'Cluster' },
);
type ClusterView = Static<typeof ClusterView>;

function present(c: Cluster): ClusterView {
  return {
    id: c.id,
    provider_id: c.provider_id,
    name: c.name,
    region: c.region,
    created_at: new Date(c.created_at_ms).toISOString(),
    inventory: c.inventory.map((i) => ({
      accelerator: i.accelerator,
      count: i.count,
      valid_from: new Date(i.valid_from_ms).toISOString(),
      valid_to: i.valid_to_ms === null ? null : new Date(i.valid_to_ms).toISOString(),
    })),
  };
}

/** An inventory refused, naming the interval's field at fault (`inventory[1].valid_from`). */
function inventoryRefusal(p: InventoryProblem): Refusal<'invalid_inventory'> {
  return new Refusal('invalid_inventory', p, { fields: [`inventory[${p.index}].${inventoryProblemField(p)}`] });
}

export function clusterRoutes(app: App, ctx: AppContext): void {
  const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  /** Parses and checks an inventory against the catalog and itself; throws a 422 naming the interval and field. */
  async function inventoryOf(items: Static<typeof InventoryIn>): Promise<InventoryInterval[]> {
    const known = await ctx.store.catalog.throughputs();
    const intervals = items.map((i, index): InventoryInterval => {
      if (!known.has(i.accelerator)) {
        throw inventoryRefusal({ reason: 'not_in_catalog', index, accelerator: i.accelerator });
      }
      return { accelerator: i.accelerator, count: i.count, valid_from_ms: Date.parse(i.valid_from), valid_to_ms: i.valid_to ? Date.parse(i.valid_to) : null };
    });
    const bad = checkInventory(intervals);
    if (bad) throw inventoryRefusal(bad);
    return intervals;
  }

  const providerFor = (p: Principal, provider_id: string) => visibleProvider(ctx, p, provider_id);

  async function visibleCluster(p: Principal, id: string): Promise<Cluster> {
    const c = await ctx.store.clusters.get(id);
    if (!c || !ownsOrganization(p, c.provider_id)) throw notFound('cluster', id);
    return c;
  }

  app.post(
    '/providers/:id/clusters',
    {
      config: { access: ['administrator', 'provider'] },
      schema: {
        tags: ['clusters'],
        summary: 'Register a cluster',
        description:
          'A cluster of the provider with its inventory: intervals of N cards of a catalog model, valid from a time (and to one, or open). ' +
          'Usage is checked against it: the model must be in the inventory for the whole job, and no more cards busy than it held.',
        params: IdParams,
        body: ClusterCreate,
        response: { 201: ClusterView },
      },
    },
    async (request, reply) => {
      await providerFor(principalOf(request), request.params.id);
      const inventory = await inventoryOf(request.body.inventory);
      const c = await ctx.store.clusters.create(
        { provider_id: request.params.id, name: request.body.name, region: request.body.region, inventory },
        actorOf(request),
        ctx.now(),
      );
      if (!c) throw new Refusal('already_exists', { what: 'cluster', name: request.body.name }, { fields: ['name'] });
      return reply.status(201).send(present(c));
    },
  );

  app.get(
    '/providers/:id/clusters',
    {
      config: { access: ['administrator', 'auditor', 'provider'] },
      schema: {
        tags: ['clusters'],
        summary: "List a provider's clusters",
        description: "With their inventories; another provider's answers 404.",
        params: IdParams,
        response: { 200: List(ClusterView) },
      },
    },
    async (request) => {
      await providerFor(principalOf(request), request.params.id);
      return { items: (await ctx.store.clusters.list(request.params.id)).map(present) };
    },
  );

  app.get(
    '/clusters/:id',
    {
      config: { access: ['administrator', 'auditor', 'provider'] },
      schema: {
        tags: ['clusters'],
        summary: 'Read a cluster',
        description: "A cluster with its inventory; another provider's answers 404.",
        params: IdParams,
        response: { 200: ClusterView },
      },
    },
    async (request) => present(await visibleCluster(principalOf(request), request.params.id)),
  );

  app.put(
    '/clusters/:id/inventory',
    {
      config: { access: ['administrator', 'provider'] },
      schema: {
        tags: ['clusters'],
        summary: "Replace a cluster's inventory",
        description: 'Replaces the whole inventory; before and after are recorded in the audit chain.',
        params: IdParams,
        body: Type.Object({ inventory: InventoryIn }, { additionalProperties: false }),
        response: { 200: ClusterView },
      },
    },
    async (request) => {
      const c = await visibleCluster(principalOf(request), request.params.id);
      const inventory = await inventoryOf(request.body.inventory);
      await ctx.store.clusters.replaceInventory(c.id, inventory, actorOf(request), ctx.now());
      return present({ ...c, inventory });
    },
  );
}
