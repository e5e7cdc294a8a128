// The accelerator catalog: everyone signed in reads it; administrators add and correct entries.
import { Type, type Static } from 'typebox';
import { accelerator_id_pattern, acceleratorThroughput, checkAccelerator, decimal_pattern, type AcceleratorModel } from '../../domain/catalog/accelerator.js';
import { referenceCardHours } from '../../domain/catalog/compute.js';
import type { App, AppContext } from '../context.js';
import { any_role, actorOf } from '../auth.js';
import { referencePrices } from '../../service/checks.js';
import { notFound } from '../errors.js';
import { Refusal } from '../../domain/refusal.js';
import { List } from '../schemas.js';

const Figure = Type.Union([Type.String({ pattern: decimal_pattern }), Type.Null()]);
const editable = {
  vendor: Type.String({ minLength: 1, maxLength: 100 }),
  model: Type.String({ minLength: 1, maxLength: 100 }),
  domestic: Type.Boolean({ description: 'designed by a Chinese company (the subsidy-eligible side)' }),
  year: Type.Union([Type.Integer({ minimum: 1990, maximum: 2100 }), Type.Null()]),
  process_nm: Figure,
  fp32_tflops: Figure,
  bf16_tflops_dense: Figure,
  fp16_tflops_dense: Figure,
  int8_tops_dense: Figure,
  memory_gb: Figure,
  memory_type: Type.Union([Type.String({ maxLength: 50 }), Type.Null()]),
  memory_bw_gbs: Figure,
  tdp_w: Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()]),
  comparable_to: Type.Union([Type.String({ pattern: accelerator_id_pattern, maxLength: 64 }), Type.Null()]),
  verified: Type.Union([Type.Literal('yes'), Type.Literal('partly'), Type.Literal('no'), Type.Literal('uncertain')]),
  notes: Type.String({ maxLength: 2000 }),
  source: Type.String({ maxLength: 4000, description: 'where the figures come from (addresses)' }),
};
const AcceleratorCreate = Type.Object({ id: Type.String({ pattern: accelerator_id_pattern, maxLength: 64 }), ...editable }, { additionalProperties: false });
// Type.Partial drops the options of the object it is given, so additionalProperties goes on the Partial itself: without
// it an `id` (or any unknown key) in a PATCH body reached the row and overwrote another model or failed in SQL.
const AcceleratorPatch = Type.Partial(Type.Object(editable), { additionalProperties: false });

const AcceleratorView = Type.Object(
  {
    ...AcceleratorCreate.properties,
    normalization: Type.Object(
      {
        basis: Type.Union([Type.Literal('bf16_dense'), Type.Literal('fp16_dense'), Type.Null()]),
        dense_tflops: Type.Union([Type.String(), Type.Null()]),
        counts: Type.Union([Type.Literal('compute'), Type.Literal('card_hours_only')]),
        reference_accelerator: Type.String(),
        reference_ratio: Type.Union([Type.String({ description: 'one card-hour of this model in reference-card hours' }), Type.Null()]),
        note: Type.String(),
      },
      { title: 'Normalization' },
    ),
  },
  { title: 'Accelerator' },
);
type AcceleratorView = Static<typeof AcceleratorView>;

export function presentAccelerator(m: AcceleratorModel, reference: AcceleratorModel | null): AcceleratorView {
  const t = acceleratorThroughput(m);
  const ref = reference === null ? null : acceleratorThroughput(reference);
  return {
    ...m,
    normalization: {
      basis: t?.basis ?? null,
      dense_tflops: t === null ? null : t.basis === 'bf16_dense' ? m.bf16_tflops_dense : m.fp16_tflops_dense,
      counts: t === null ? 'card_hours_only' : 'compute',
      reference_accelerator: reference?.id ?? '',
      reference_ratio: t === null || ref === null ? null : referenceCardHours(BigInt(t.gflops) * 3600n, ref.gflops, 3),
      note:
        t === null
          ? 'no dense BF16/FP16 throughput figure is known: usage on this model counts card-hours only, no PFLOP·h'
          : `normalized compute uses the dense ${t.basis === 'bf16_dense' ? 'BF16' : 'FP16'} figure`,
    },
  };
}

export function acceleratorRoutes(app: App, ctx: AppContext): void {
  const reference = () => ctx.store.catalog.get(ctx.config.reference_accelerator);
  const checked = (m: AcceleratorModel) => {
    const problem = checkAccelerator(m);
    if (problem) throw new Refusal('invalid_accelerator', problem, { fields: [problem.field] });
    return m;
  };

  app.get(
    '/accelerators',
    {
      config: { access: any_role },
      schema: {
        tags: ['catalog'],
        summary: 'List the accelerator catalog',
        description: 'Every model in the catalog, with how its usage is normalized; filter by domestic or vendor.',
        querystring: Type.Object(
          {
            domestic: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
            vendor: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: List(AcceleratorView) },
      },
    },
    async (request) => {
      const { domestic, vendor } = request.query;
      const [models, ref] = await Promise.all([
        ctx.store.catalog.list({ ...(domestic === undefined ? {} : { domestic: domestic === 'true' }), ...(vendor === undefined ? {} : { vendor }) }),
        reference(),
      ]);
      return { items: models.map((m) => presentAccelerator(m, ref)) };
    },
  );

  app.get(
    '/accelerators/:id',
    {
      config: { access: any_role },
      schema: {
        tags: ['catalog'],
        summary: 'Read an accelerator model',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: AcceleratorView },
      },
    },
    async (request) => {
      const m = await ctx.store.catalog.get(request.params.id);
      if (!m) throw notFound('accelerator', request.params.id);
      return presentAccelerator(m, await reference());
    },
  );

  app.post(
    '/accelerators',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['catalog'],
        summary: 'Add an accelerator model',
        description: 'Adds a model to the catalog; figures are decimal strings with at most 3 decimals (422 invalid_accelerator otherwise).',
        body: AcceleratorCreate,
        response: { 201: AcceleratorView },
      },
    },
    async (request, reply) => {
      const m = checked(request.body);
      if (!(await ctx.store.catalog.create(m, actorOf(request), ctx.now())))
        throw new Refusal('already_exists', { what: 'accelerator', id: m.id }, { fields: ['id'] });
      return reply.status(201).send(presentAccelerator(m, await reference()));
    },
  );

  app.patch(
    '/accelerators/:id',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['catalog'],
        summary: 'Correct an accelerator model',
        description: 'Changes the fields sent; the id never changes. The change is recorded in the audit chain with before and after.',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: AcceleratorPatch,
        response: { 200: AcceleratorView },
      },
    },
    async (request) => {
      const before = await ctx.store.catalog.get(request.params.id);
      if (!before) throw notFound('accelerator', request.params.id);
      const after = checked({ ...before, ...request.body, id: before.id });
      await ctx.store.catalog.replace(after, actorOf(request), ctx.now());
      return presentAccelerator(after, await reference());
    },
  );

  const PriceView = Type.Object(
    {
      accelerator: Type.String(),
      fen_per_card_h: Type.Integer(),
      basis: Type.Union([Type.Literal('set'), Type.Literal('market')], {
        description: 'set by the office (with its source), or the market price of stored usage',
      }),
      source: Type.String(),
      market: Type.Union([Type.Object({ records: Type.Integer(), providers: Type.Integer() }), Type.Null()], {
        description: 'the records and providers a market price was taken from; null for a set price',
      }),
    },
    { title: 'ReferencePrice' },
  );

  app.put(
    '/accelerators/:id/reference-price',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['catalog'],
        summary: 'Set a reference price',
        description:
          'Sets the reference price per card-hour the price-outlier check measures records against (SUANLI_PRICE_BAND_BP around it); name its source.',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: Type.Object(
          { fen_per_card_h: Type.Integer({ minimum: 1, maximum: 100_000_000 }), source: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 200: PriceView },
      },
    },
    async (request) => {
      if (!(await ctx.store.catalog.get(request.params.id))) throw notFound('accelerator', request.params.id);
      await ctx.store.catalog.setReferencePrice(request.params.id, request.body.fen_per_card_h, request.body.source, actorOf(request), ctx.now());
      return { accelerator: request.params.id, fen_per_card_h: request.body.fen_per_card_h, basis: 'set' as const, source: request.body.source, market: null };
    },
  );

  app.delete(
    '/accelerators/:id/reference-price',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['catalog'],
        summary: 'Remove a reference price',
        description: 'Removes a set reference price (the market price, if any, applies again).',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ removed: Type.Boolean() }, { title: 'ReferencePriceRemoved' }) },
      },
    },
    async (request) => {
      if (!(await ctx.store.catalog.removeReferencePrice(request.params.id, actorOf(request), ctx.now()))) throw notFound('reference_price', request.params.id);
      return { removed: true };
    },
  );

  // Market prices are averages of providers' bills: commercial data, so only administrators see them.
  app.get(
    '/reference-prices',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['catalog'],
        summary: 'List reference prices',
        description: 'The reference price of each model the price check uses: set by the office, else the market price (≥ 2 providers, ≥ 100 records).',
        response: { 200: List(PriceView) },
      },
    },
    async () => ({ items: [...(await referencePrices(ctx.store)).values()].sort((a, b) => (a.accelerator < b.accelerator ? -1 : 1)) }),
  );
}
