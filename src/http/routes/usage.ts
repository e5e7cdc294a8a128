// Usage: providers report batches (idempotent, validated per record); everyone reads what is theirs.
import { Type } from 'typebox';
import { cardHours, formatPflopHours, referenceCardHours } from '../../domain/catalog/compute.js';
import { formatUsageCursor, parseUsageCursor, type StoredUsage } from '../../store/usage/records.js';
import { rejections_kept_max, stored_rejection_codes, type StoredRejection } from '../../store/usage/rejections.js';
import type { SummaryRow } from '../../store/usage/summary.js';
import { UsageRecordWire } from '../../ingest/usage-schema.js';
import type { ProviderAdmission } from '../../ingest/usage-pipeline.js';
import type { App, AppContext } from '../context.js';
import { principalOf } from '../auth.js';
import { seesPrices, usageScope } from '../access.js';
import { ApiError, pageLimit } from '../errors.js';
import { Refusal, type RefusalProblem } from '../../domain/refusal.js';
import { iso } from '../present.js';
import { NullableFenString } from '../money.js';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { parseSignatureHeader, SIGNATURE_HEADER_NAME, verifyBatchSignature } from '../../domain/integrity/signature.js';
import type { SignedBatch } from '../../store/usage/rows.js';
import { Page, Rejection } from '../schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

const signature_header = SIGNATURE_HEADER_NAME.toLowerCase();

/**
 * The first 100 rejected records of a refused batch, each as the field at fault (`records[3].amount_fen`) with its outcome
 * code and cause; '(record)' marks a record that is not an object at all: the path is then the record itself.
 */
function recordProblems(rejected: readonly { index: number; field: string | null; code: string; message: string }[]): RefusalProblem[] {
  return rejected
    .slice(0, 100)
    .map((r) => ({ field: `records[${r.index}]${r.field && r.field !== '(record)' ? `.${r.field}` : ''}`, message: `${r.code}: ${r.message}` }));
}

/** Reads the body exactly as sent (at most `limit` bytes) and hands the parser the same bytes again. */
async function keepRawBody(request: import('fastify').FastifyRequest, payload: NodeJS.ReadableStream, limit: number): Promise<NodeJS.ReadableStream> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limit) throw new ApiError('body_too_large', `the request body is larger than ${limit} bytes`);
    chunks.push(b);
  }
  request.rawBody = Buffer.concat(chunks, size);
  const replay = Readable.from([request.rawBody]) as Readable & { receivedEncodedLength?: number };
  replay.receivedEncodedLength = size;
  return replay;
}

const IngestAnswer = Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Array(Rejection) }, { title: 'IngestOutcome' });

const UsageView = Type.Object(
  {
    seq: Type.Integer(),
    record_id: Type.String(),
    provider_id: Type.String(),
    cluster_id: Type.String(),
    enterprise_id: Type.String(),
    accelerator: Type.String(),
    count: Type.Integer(),
    started_at: Type.String(),
    ended_at: Type.String(),
    amount_fen: Type.Union([Type.Integer(), Type.Null()], {
      description: 'the bill; null for auditors (prices are seen only by administrators and the parties themselves)',
    }),
    job_ref: Type.Union([Type.String(), Type.Null()]),
    workload: Type.Union([Type.String(), Type.Null()]),
    energy_wh: Type.Union([Type.Integer(), Type.Null()]),
    card_hours: Type.String(),
    compute_pflop_h: Type.Union([Type.String(), Type.Null()]),
    normalized: Type.Boolean({ description: 'false: the model has no throughput figure and counts card-hours only' }),
    received_at: Type.String(),
    signed: Type.Union([Type.Object({ batch_id: Type.Integer(), key_id: Type.String() }), Type.Null()], {
      description: 'the signed batch that delivered the record and the key that signed it (evidence); null when unsigned',
    }),
  },
  { title: 'Usage' },
);

const isCalendarDay = (day: string) => {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(ms) && iso(ms).slice(0, 10) === day;
};

function presentUsage(u: StoredUsage, prices: boolean) {
  return {
    seq: u.seq,
    record_id: u.record_id,
    provider_id: u.provider_id,
    cluster_id: u.cluster_id,
    enterprise_id: u.enterprise_id,
    accelerator: u.accelerator,
    count: u.count,
    started_at: iso(u.started_at_ms),
    ended_at: iso(u.ended_at_ms),
    amount_fen: prices ? u.amount_fen : null,
    job_ref: u.job_ref,
    workload: u.workload,
    energy_wh: u.energy_wh,
    card_hours: cardHours(u.card_s),
    compute_pflop_h: u.compute_gflop === null ? null : formatPflopHours(u.compute_gflop),
    normalized: u.compute_gflop !== null,
    received_at: iso(u.received_at_ms),
    signed: u.signed,
  };
}

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a day of the office (SUANLI_TIME_ZONE), YYYY-MM-DD' });
const Digits = (description: string) => Type.String({ pattern: '^\\d{1,9}$', description });
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);

export function usageRoutes(app: App, ctx: AppContext): void {
  const max = ctx.config.batch_records_max;

  /**
   * The batch admitted by UsageIngest.admit with its verified signature and exact bytes, or unsigned where none is
   * required: a bad signature answers 401 bad_signature, a missing one where required 422 signature_required (nothing stored).
   */
  const admitted = async (
    request: import('fastify').FastifyRequest,
    provider_id: string,
    records: readonly unknown[],
    now: number,
  ): Promise<ProviderAdmission> => {
    const header = request.headers[signature_header];
    let signed: SignedBatch | null = null;
    if (header !== undefined) {
      const body = request.rawBody ?? Buffer.alloc(0);
      const keys = await ctx.store.signingKeys.active(provider_id);
      const check = verifyBatchSignature(body, header, new Map(keys.map((k) => [k.id, k.public_key])));
      if (check.status !== 'valid') {
        throw new ApiError('bad_signature', `${check.message}; nothing was stored`, [
          { field: `header.${signature_header}`, message: check.status === 'malformed' ? check.reason : check.status },
        ]);
      }
      const parsed = parseSignatureHeader(header as string);
      if ('error' in parsed) throw new Error('a verified header does not parse');
      signed = {
        key_id: check.key_id,
        signature: Buffer.from(parsed.signature).toString('base64'),
        body,
        body_sha256: createHash('sha256').update(body).digest('hex'),
      };
    }
    return ctx.ingest.admit(provider_id, records, now, signed);
  };
  const sealFailure = (request: import('fastify').FastifyRequest) => (error: unknown, what: 'rejections' | 'seal') =>
    request.log.error(
      { err: error },
      what === 'rejections'
        ? 'the rejections of a usage batch could not be kept; its accepted records are stored'
        : 'a signed usage batch could not be sealed into the audit chain yet; its records are stored, and the next signed batch or start seals it',
    );
  app.addSchema({ $id: 'UsageRecord', ...UsageRecordWire });

  app.post(
    '/usage',
    {
      config: { access: ['provider'] },
      // Only a signed batch needs its exact bytes; an unsigned one is parsed as it streams in.
      preParsing: async (request, _reply, payload) =>
        request.headers[signature_header] === undefined ? payload : keepRawBody(request, payload, ctx.config.body_bytes_max),
      schema: {
        tags: ['usage'],
        summary: 'Report usage',
        description:
          `Reports a batch of 1 to ${max} usage records (each a UsageRecord). Every record gets an outcome: accepted, duplicate ` +
          '(an identical re-send: a no-op) or rejected (code, field, message; a conflict is the same record_id with other content). ' +
          'Accepted records are committed before the answer is sent. 200 when at least one record was accepted or a duplicate; ' +
          '422 (same body plus error) when every record was rejected. A batch may be signed: the header ' +
          '`Suanli-Signature: keyId="<signing key id>", sig="<base64 Ed25519 signature over the exact body bytes>"` ' +
          '(docs/integrity.md). A bad signature answers 401 bad_signature; an unsigned batch where a signature is required ' +
          '(the provider registered a key, or a running program requiring signed usage enrolls the provider or an enterprise of the batch) ' +
          'answers 422 signature_required; either way nothing is stored.',
        body: Type.Object({ records: Type.Array(Type.Unknown(), { minItems: 1, description: 'UsageRecord objects' }) }, { additionalProperties: false }),
        response: { 200: IngestAnswer },
      },
    },
    async (request, reply) => {
      const { records } = request.body;
      if (records.length > max) {
        throw new Refusal('batch_too_large', { records: records.length, records_max: max }, { fields: ['records'] });
      }
      const provider_id = principalOf(request).org_id;
      const now = ctx.now();
      const admission = await admitted(request, provider_id, records, now);
      const result = await ctx.ingest.ingest(provider_id, records, now, admission, sealFailure(request));
      if (result.accepted === 0 && result.duplicates === 0) {
        throw new Refusal('all_records_rejected', { records: records.length }, { problems: recordProblems(result.rejected), answer: { ...result } });
      }
      return reply.status(200).send(result);
    },
  );

  app.post(
    '/usage/replacements',
    {
      config: { access: ['provider'] },
      preParsing: async (request, _reply, payload) =>
        request.headers[signature_header] === undefined ? payload : keepRawBody(request, payload, ctx.config.body_bytes_max),
      schema: {
        tags: ['usage'],
        summary: 'Replace usage records',
        description:
          "Stores `records` in place of the provider's standing records `replaces` (by record_id), all or nothing: the replaced " +
          'records are superseded — kept unchanged for the auditors, no longer counted in summaries, checks or claims — and one ' +
          '`usage.replace` audit entry names both lists with the reason. For corrections such as samples that arrived late ' +
          '(`suanli import prometheus --replace` does the same from the command line). Refused with 422 replacement_refused, storing ' +
          'nothing, when a record fails a check, a replaced record is part of a claim or was replaced meanwhile, or a new record_id ' +
          'was used before (superseded records included). Signed like a usage batch (`Suanli-Signature` over the exact body): the ' +
          'replacement is then a signed batch of its own, and `suanli usage verify` checks it like any other.',
        body: Type.Object(
          {
            replaces: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
              minItems: 1,
              maxItems: max,
              description: 'record_id of each standing record replaced',
            }),
            records: Type.Array(Type.Unknown(), { minItems: 1, maxItems: max, description: 'UsageRecord objects stored in their place (new record_ids)' }),
            reason: Type.String({ minLength: 1, maxLength: 500, description: 'why, for the audit log' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ replacement_id: Type.Integer(), replaced: Type.Integer(), accepted: Type.Integer() }, { title: 'Replacement' }) },
      },
    },
    async (request, reply) => {
      const { replaces, records, reason } = request.body;
      const provider_id = principalOf(request).org_id;
      const now = ctx.now();
      const admission = await admitted(request, provider_id, records, now);
      const unique = [...new Set(replaces)];
      const standing = await ctx.store.usage.standing(provider_id, unique);
      const found = new Set(standing.map((r) => r.record_id));
      const missing = replaces.flatMap((id, i) => (found.has(id) ? [] : [`replaces[${i}]`]));
      if (missing.length > 0) throw new Refusal('replacement_refused', { reason: 'not_standing', missing: missing.length }, { fields: missing.slice(0, 100) });
      if (unique.length !== replaces.length) throw new Refusal('replacement_refused', { reason: 'named_twice' }, { fields: ['replaces'] });
      const result = await ctx.ingest.replace(provider_id, standing, records, now, reason, principalOf(request), admission, sealFailure(request));
      if (!result.ok) {
        throw new Refusal('replacement_refused', { reason: 'records_rejected' }, { problems: recordProblems(result.rejected) });
      }
      return reply.status(200).send({ replacement_id: result.replacement_id, replaced: standing.length, accepted: records.length });
    },
  );

  app.get(
    '/usage',
    {
      config: { access: ['administrator', 'auditor', 'provider', 'enterprise'] },
      schema: {
        tags: ['usage'],
        summary: 'List usage records',
        description:
          'Usage records in the order they were stored (on PostgreSQL: in commit order, up to the oldest write still in flight, so that a reader ' +
          'following next_cursor while providers write sees every record exactly once), cursor-paginated: pass next_cursor as cursor until it is null. ' +
          'A provider or an enterprise sees its own records (filtering by another answers 404); auditors see amount_fen as null.',
        querystring: Type.Object(
          {
            provider_id: Type.Optional(Type.String({ maxLength: 64 })),
            enterprise_id: Type.Optional(Type.String({ maxLength: 64 })),
            cluster_id: Type.Optional(Type.String({ maxLength: 64 })),
            accelerator: Type.Optional(Type.String({ maxLength: 64 })),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'started_at ≥ from' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'started_at < to' })),
            cursor: Type.Optional(
              Type.String({
                pattern: '^\\d{1,16}(\\.\\d{1,16})?$',
                description: 'next_cursor of the previous page (SQLite: a seq; PostgreSQL: transaction id.seq)',
              }),
            ),
            limit: Type.Optional(Digits(`page size, 1 to ${ctx.config.page_records_max} (default 100)`)),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(UsageView) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, ctx.config.page_records_max);
      const items = await ctx.store.usage.list(
        {
          ...usageScope(principalOf(request), q),
          ...(q.cluster_id === undefined ? {} : { cluster_id: q.cluster_id }),
          ...(q.accelerator === undefined ? {} : { accelerator: q.accelerator }),
          ...(q.from === undefined ? {} : { from_ms: Date.parse(q.from) }),
          ...(q.to === undefined ? {} : { to_ms: Date.parse(q.to) }),
          ...(q.cursor === undefined ? {} : { after: parseUsageCursor(q.cursor) }),
        },
        limit,
      );
      const last = items[items.length - 1];
      const prices = seesPrices(principalOf(request));
      return {
        items: items.map((u) => presentUsage(u, prices)),
        next_cursor: items.length === limit && last ? formatUsageCursor(last, ctx.store.engine) : null,
      };
    },
  );

  const RejectionView = Type.Object(
    {
      id: Type.Integer({ description: 'rises with time: the newest rejection has the highest id' }),
      provider_id: Type.String(),
      received_at: Type.String({ description: 'when the batch arrived' }),
      index: Type.Integer({ description: "the record's position in its batch" }),
      record_id: Type.Union([Type.String(), Type.Null()], { description: 'as sent (at most 128 characters); null when the record had no string record_id' }),
      code: Type.String(),
      field: Type.Union([Type.String(), Type.Null()]),
      message: Type.String(),
    },
    { title: 'StoredRejection' },
  );
  const presentRejection = (r: StoredRejection) => ({
    id: r.id,
    provider_id: r.provider_id,
    received_at: iso(r.received_at_ms),
    index: r.index,
    record_id: r.record_id,
    code: r.code,
    field: r.field,
    message: r.message,
  });

  app.get(
    '/usage/rejections',
    {
      config: { access: ['administrator', 'auditor', 'provider'] },
      schema: {
        tags: ['usage'],
        summary: 'List rejected records',
        description:
          `Records that POST /usage (or an import) rejected, newest batch first and each batch in index order, with the code, ` +
          `field and message its answer gave. Kept for diagnosis, at most ${rejections_kept_max} per provider (its newest); a batch refused ` +
          'as a whole before its records were looked at (bad signature, invalid body) leaves none. `suanli import sacct` also keeps the ' +
          'lines it rejected before a record existed (malformed_sacct, unmapped_account, …; the line number leads the message). A provider sees its own.',
        querystring: Type.Object(
          {
            provider_id: Type.Optional(Type.String({ maxLength: 64 })),
            code: Type.Optional(Type.Union(stored_rejection_codes.map((c) => Type.Literal(c)))),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'received_at ≥ from' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'received_at < to' })),
            cursor: Type.Optional(Type.String({ pattern: '^\\d{1,16}$', description: 'next_cursor of the previous page' })),
            limit: Type.Optional(Digits(`page size, 1 to ${ctx.config.page_records_max} (default 100)`)),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(RejectionView) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, ctx.config.page_records_max);
      const items = await ctx.store.usage.rejections(
        {
          ...usageScope(principalOf(request), { provider_id: q.provider_id }),
          ...(q.code === undefined ? {} : { code: q.code }),
          ...(q.from === undefined ? {} : { from_ms: Date.parse(q.from) }),
          ...(q.to === undefined ? {} : { to_ms: Date.parse(q.to) }),
          ...(q.cursor === undefined ? {} : { before_id: Number(q.cursor) }),
        },
        limit,
      );
      const last = items[items.length - 1];
      return { items: items.map(presentRejection), next_cursor: items.length === limit && last ? String(last.id) : null };
    },
  );

  const SummaryItem = Type.Object(
    {
      key: Type.String(),
      records: Type.Integer(),
      card_hours: Type.String(),
      card_hours_unnormalized: Type.String({ description: 'card-hours on models without a throughput figure (not in compute_pflop_h)' }),
      compute_pflop_h: Type.String(),
      reference_card_hours: Type.Union([Type.String(), Type.Null()]),
      amount_fen: NullableFenString('billed, summed; null for auditors'),
    },
    { title: 'UsageSummaryItem' },
  );

  app.get(
    '/usage/summary',
    {
      config: { access: ['administrator', 'auditor', 'provider', 'enterprise'] },
      schema: {
        tags: ['usage'],
        summary: 'Summarize usage',
        description:
          "Totals from the daily rollups maintained at ingest; a record counts on the day it started in the office's time zone (SUANLI_TIME_ZONE, Asia/Shanghai by default; GET /me says which), and months are that zone's.",
        querystring: Type.Object(
          {
            group_by: Type.Optional(
              Type.Union([
                Type.Literal('enterprise'),
                Type.Literal('provider'),
                Type.Literal('accelerator'),
                Type.Literal('domestic'),
                Type.Literal('day'),
                Type.Literal('month'),
              ]),
            ),
            provider_id: Type.Optional(Type.String({ maxLength: 64 })),
            enterprise_id: Type.Optional(Type.String({ maxLength: 64 })),
            accelerator: Type.Optional(Type.String({ maxLength: 64 })),
            domestic: Type.Optional(Bool),
            from: Type.Optional(Type.String({ ...Day, description: 'first office day, inclusive' })),
            to: Type.Optional(Type.String({ ...Day, description: 'office day, exclusive' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              group_by: Type.String(),
              reference_accelerator: Type.String(),
              items: Type.Array(SummaryItem),
              totals: Type.Omit(SummaryItem, ['key'], { title: 'UsageTotals' }),
            },
            { title: 'UsageSummary' },
          ),
        },
      },
    },
    async (request) => {
      const q = request.query;
      for (const [name, day] of [
        ['from', q.from],
        ['to', q.to],
      ] as const) {
        if (day !== undefined && !isCalendarDay(day)) {
          throw new ApiError('validation_failed', `${name} is not a calendar day`, [
            { field: `querystring.${name}`, message: 'not a calendar day (YYYY-MM-DD)' },
          ]);
        }
      }
      const group = q.group_by ?? 'month';
      const filter = {
        ...usageScope(principalOf(request), q),
        ...(q.accelerator === undefined ? {} : { accelerator: q.accelerator }),
        ...(q.domestic === undefined ? {} : { domestic: q.domestic === 'true' }),
        ...(q.from === undefined ? {} : { from_day: q.from }),
        ...(q.to === undefined ? {} : { to_day: q.to }),
      };
      const [rows, ref] = await Promise.all([ctx.store.usage.summary(group, filter), ctx.store.catalog.throughputs()]);
      const ref_gflops = ref.get(ctx.config.reference_accelerator)?.gflops ?? null;
      const prices = seesPrices(principalOf(request));
      const present = (r: Omit<SummaryRow, 'key'>) => ({
        records: r.records,
        card_hours: cardHours(r.card_s),
        card_hours_unnormalized: cardHours(r.card_s_unnormalized),
        compute_pflop_h: formatPflopHours(r.compute_gflop),
        reference_card_hours: ref_gflops === null ? null : referenceCardHours(r.compute_gflop, ref_gflops),
        amount_fen: prices ? String(r.amount_fen) : null,
      });
      const totals = rows.reduce(
        (t, r) => ({
          records: t.records + r.records,
          card_s: t.card_s + r.card_s,
          card_s_unnormalized: t.card_s_unnormalized + r.card_s_unnormalized,
          compute_gflop: t.compute_gflop + r.compute_gflop,
          amount_fen: t.amount_fen + r.amount_fen,
        }),
        { records: 0, card_s: 0n, card_s_unnormalized: 0n, compute_gflop: 0n, amount_fen: 0n },
      );
      return {
        group_by: group,
        reference_accelerator: ctx.config.reference_accelerator,
        items: rows.map((r) => ({ key: r.key, ...present(r) })),
        totals: present(totals),
      };
    },
  );
}
