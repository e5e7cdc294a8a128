// Integrity findings: the office and auditors read them; the office dismisses or confirms them with a reason and runs
// the full check over a period.
import { Type } from 'typebox';
import { finding_kinds, finding_severities } from '../../domain/integrity/finding.js';
import { finding_statuses, type StoredFinding } from '../../store/finding-repository.js';
import { runChecks } from '../../service/checks.js';
import { resolveFinding } from '../../service/findings.js';
import type { App, AppContext } from '../context.js';
import { principalOf, readers, actorOf } from '../auth.js';
import { ApiError, notFound, pageLimit } from '../errors.js';
import { seesPrices } from '../access.js';
import { findingMessage, iso } from '../present.js';
import { Page } from '../schemas.js';

export const finding_reason_chars_max = 2000;

const Literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const FindingView = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    severity: Type.String(),
    status: Type.String(),
    subject: Type.Record(Type.String(), Type.String()),
    message: Type.String(),
    evidence: Type.Record(Type.String(), Type.Unknown()),
    record_seqs: Type.Array(Type.Integer(), { description: 'the usage records involved (may be capped: see evidence.record_count)' }),
    interval: Type.Union([Type.Object({ from: Type.String(), to: Type.String() }), Type.Null()]),
    created_at: Type.String(),
    updated_at: Type.String(),
    resolution: Type.Union([Type.Object({ reason: Type.String(), by: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  },
  { title: 'Finding' },
);

/** What a price finding says about a bill, kept from auditors (prices are the administrators' and the parties'). */
const price_evidence = ['price_fen_per_card_h', 'reference_fen_per_card_h', 'amount_fen', 'ratio_bp'];

function presentFinding(f: StoredFinding, prices = true) {
  const hide = !prices && f.kind === 'price_outlier';
  const evidence = hide ? Object.fromEntries(Object.entries(f.evidence).filter(([k]) => !price_evidence.includes(k))) : f.evidence;
  const message = findingMessage(f, prices);
  return {
    id: f.id,
    kind: f.kind,
    severity: f.severity,
    status: f.status,
    subject: { ...f.subject },
    message,
    evidence,
    record_seqs: f.record_seqs,
    interval: f.interval === null ? null : { from: iso(f.interval.from_ms), to: iso(f.interval.to_ms) },
    created_at: iso(f.created_at_ms),
    updated_at: iso(f.updated_at_ms),
    resolution: f.resolution_reason === null ? null : { reason: f.resolution_reason, by: f.resolved_by },
  };
}

export function findingRoutes(app: App, ctx: AppContext): void {
  const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  app.get(
    '/findings',
    {
      config: { access: readers },
      schema: {
        tags: ['findings'],
        summary: 'List findings',
        description: 'Findings in the order they were stored, oldest first.',
        querystring: Type.Object(
          {
            status: Type.Optional(Literals(finding_statuses)),
            kind: Type.Optional(Literals(finding_kinds)),
            severity: Type.Optional(Literals(finding_severities)),
            record_seq: Type.Optional(Type.String({ pattern: '^\\d{1,15}$', description: 'only findings naming this usage record' })),
            claim_id: Type.Optional(Type.String({ maxLength: 64, description: 'only findings naming a record this claim holds' })),
            cursor: Type.Optional(Type.String({ maxLength: 100, description: 'next_cursor of the previous page' })),
            limit: Type.Optional(Type.String({ pattern: '^\\d{1,9}$', description: `page size, 1 to ${ctx.config.page_records_max} (default 100)` })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(FindingView) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, ctx.config.page_records_max);
      const page = await ctx.store.findings.list({
        limit,
        ...(q.status === undefined ? {} : { status: q.status as StoredFinding['status'] }),
        ...(q.kind === undefined ? {} : { kind: q.kind as StoredFinding['kind'] }),
        ...(q.severity === undefined ? {} : { severity: q.severity as StoredFinding['severity'] }),
        ...(q.record_seq === undefined ? {} : { record_seq: Number(q.record_seq) }),
        ...(q.claim_id === undefined ? {} : { claim_id: q.claim_id }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
      const prices = seesPrices(principalOf(request));
      return { items: page.items.map((f) => presentFinding(f, prices)), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/findings/:id',
    {
      config: { access: readers },
      schema: {
        tags: ['findings'],
        summary: 'Read a finding',
        description: 'A price finding shows auditors no prices.',
        params: IdParams,
        response: { 200: FindingView },
      },
    },
    async (request) => {
      const f = await ctx.store.findings.get(request.params.id);
      if (f === null) throw notFound('finding', request.params.id);
      return presentFinding(f, seesPrices(principalOf(request)));
    },
  );

  for (const [path, to] of [
    ['dismiss', 'dismissed'],
    ['confirm', 'confirmed'],
  ] as const) {
    app.post(
      `/findings/:id/${path}`,
      {
        config: { access: ['administrator'] },
        schema: {
          tags: ['findings'],
          summary: `${path === 'dismiss' ? 'Dismiss' : 'Confirm'} a finding`,
          params: IdParams,
          description: `open → ${to}, with a written reason. ${to === 'confirmed' ? 'Records under a confirmed finding are excluded from claims.' : ''}`,
          body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: finding_reason_chars_max }) }, { additionalProperties: false }),
          response: { 200: FindingView },
        },
      },
      async (request) => {
        return presentFinding(await resolveFinding(ctx.store, request.params.id, to, request.body.reason, actorOf(request), ctx.now()));
      },
    );
  }

  const Counts = Type.Object(
    { capacity_overrun: Type.Integer(), duplicate_job: Type.Integer(), overlapping_job: Type.Integer(), price_outlier: Type.Integer() },
    { title: 'FindingCounts' },
  );
  app.post(
    '/checks/run',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['findings'],
        summary: 'Run the checks over a period',
        description:
          'Runs the capacity, duplicate and price checks over the records running some time in [from, to); new findings are stored, ' +
          'ones already stored (whatever their status) are left as they are (docs/integrity.md).',
        body: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ found: Counts, created: Type.Integer(), truncated: Type.Boolean() }, { title: 'CheckRun' }) },
      },
    },
    async (request) => {
      const from_ms = Date.parse(request.body.from);
      const to_ms = Date.parse(request.body.to);
      if (!(from_ms < to_ms)) throw new ApiError('validation_failed', 'from must be before to', [{ field: 'to', message: 'must be after from' }]);
      return runChecks(ctx.store, { from_ms, to_ms }, actorOf(request), ctx.now(), {
        duration_ms_max: ctx.config.usage_duration_s_max * 1000,
        price_band: ctx.config.price_band,
      });
    },
  );
}
