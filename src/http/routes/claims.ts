// Claims: a beneficiary files and submits (or withdraws); the program office approves, rejects, pays and claws back.
// Every transition is one write transaction with its ledger transfers; an illegal one answers 409 with the state.
import { Type } from 'typebox';
import type { ClaimAction } from '../../domain/claim/claim-state.js';
import type { Claim } from '../../store/claim-repository.js';
import { actOnClaim, fileClaim } from '../../service/claims.js';
import type { App, AppContext } from '../context.js';
import { ownsOrganization, principalOf, type Principal, actorOf } from '../auth.js';
import { beneficiaryFor, beneficiaryScope, seesFindings, seesPrices } from '../access.js';
import { ApiError, notFound, pageLimit } from '../errors.js';
import { findingMessage, iso, parseInstant } from '../present.js';
import { ClaimState, Explanation, Page } from '../schemas.js';
import { createHash } from 'node:crypto';
import { FenInput, FenString, fenInput, NullableFenString, wire } from '../money.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const claim_reason_chars_max = 2000;

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Cuts = Explanation.properties.cuts;

const ClaimView = Type.Object(
  {
    id: Type.String(),
    program_id: Type.String(),
    beneficiary_id: Type.String(),
    funding_layer: Type.String(),
    period_start: Type.String(),
    period_end: Type.String({ description: 'exclusive' }),
    state: ClaimState,
    rule_set_version: Type.Integer(),
    records: Type.Integer({ description: 'usage records the claim holds' }),
    base_fen: FenString('the bills (after ceilings) and energy costs of the subsidized records'),
    computed_fen: FenString('before caps and budget'),
    granted_fen: FenString('reserved at approval; net of claw-backs'),
    paid_fen: FenString('net of recoveries'),
    clawed_back_fen: FenString(),
    progress_report_accepted: Type.Boolean(),
    explanation: Type.Object(
      {
        ...Explanation.properties,
        rule_set_version: Type.Integer(),
        approval: Type.Optional(
          Type.Object(
            { computed_fen: FenString(), cuts: Cuts, granted_fen: FenString() },
            { description: 'the cuts applied again at approval, with the caps and budget of that moment' },
          ),
        ),
      },
      { title: 'ClaimExplanation' },
    ),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { title: 'Claim' },
);

const ClaimDetail = Type.Object(
  {
    ...ClaimView.properties,
    events: Type.Array(
      Type.Object(
        {
          action: Type.String(),
          from_state: NullableString,
          to_state: Type.String(),
          actor_org_id: NullableString,
          actor_key_id: NullableString,
          reason: NullableString,
          amount_fen: NullableFenString('what the event moved in the ledger'),
          at_ms: Type.Integer(),
          at: Type.String(),
        },
        { title: 'ClaimEvent' },
      ),
      { description: "the claim's life cycle, oldest first" },
    ),
    findings: Type.Optional(
      Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), severity: Type.String(), status: Type.String(), message: Type.String() }), {
        description: "findings on the claim's records; shown to administrators and auditors only",
      }),
    ),
  },
  { title: 'ClaimDetail' },
);

export function presentClaim(c: Claim) {
  return {
    id: c.id,
    program_id: c.program_id,
    beneficiary_id: c.beneficiary_id,
    funding_layer: c.funding_layer,
    period_start: iso(c.period_start_ms),
    period_end: iso(c.period_end_ms),
    state: c.state,
    rule_set_version: c.rule_set_version,
    records: c.records,
    base_fen: String(c.base_fen),
    computed_fen: String(c.computed_fen),
    granted_fen: String(c.granted_fen),
    paid_fen: String(c.paid_fen),
    clawed_back_fen: String(c.clawed_back_fen),
    progress_report_accepted: c.progress_report_accepted,
    explanation: wire(c.explanation),
    created_at: iso(c.created_at_ms),
    updated_at: iso(c.updated_at_ms),
  };
}

/**
 * What a keyed payment asked for, as its Idempotency-Key is bound to it: the amount (as read, so 100 and "100" are one
 * request) and the reason. A retry digests the same; another payment under the same key does not.
 */
export function requestDigest(amount_fen: bigint | null, reason: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([amount_fen === null ? null : amount_fen.toString(), reason]))
    .digest('hex');
}

export function claimRoutes(app: App, ctx: AppContext): void {
  const visible = async (p: Principal, id: string): Promise<Claim> => {
    const c = await ctx.store.claims.get(id);
    if (!c || !ownsOrganization(p, c.beneficiary_id)) throw notFound('claim', id);
    return c;
  };

  app.post(
    '/claims',
    {
      config: { access: ['administrator', 'enterprise', 'provider'] },
      schema: {
        tags: ['claims'],
        summary: 'File a claim',
        description:
          "Files a draft claim over the beneficiary's eligible usage of the period (inside the program window, not held by another claim of the same funding layer), with its computed amount and explanation.",
        body: Type.Object(
          {
            program_id: Type.String({ minLength: 1, maxLength: 64 }),
            period_start: Type.String({ format: 'date-time' }),
            period_end: Type.String({ format: 'date-time', description: 'exclusive' }),
            beneficiary_id: Type.Optional(Type.String({ maxLength: 64, description: 'administrators file for a beneficiary; others for themselves' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: ClaimView },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      const beneficiary = beneficiaryFor(p, b.beneficiary_id);
      const claim = await fileClaim(
        ctx.store,
        b.program_id,
        beneficiary,
        parseInstant(b.period_start, 'period_start'),
        parseInstant(b.period_end, 'period_end'),
        actorOf(request),
        ctx.now(),
      );
      return reply.status(201).send(presentClaim(claim));
    },
  );

  app.get(
    '/claims',
    {
      config: { access: ['administrator', 'auditor', 'enterprise', 'provider'] },
      schema: {
        tags: ['claims'],
        summary: 'List claims',
        description: 'Claims in id order, cursor-paginated (pass next_cursor as cursor until it is null); a provider or an enterprise sees its own.',
        querystring: Type.Object(
          {
            program_id: Type.Optional(Type.String({ maxLength: 64 })),
            beneficiary_id: Type.Optional(Type.String({ maxLength: 64 })),
            state: Type.Optional(
              Type.Union([
                Type.Literal('draft'),
                Type.Literal('submitted'),
                Type.Literal('approved'),
                Type.Literal('rejected'),
                Type.Literal('withdrawn'),
                Type.Literal('paid'),
                Type.Literal('clawed_back'),
              ]),
            ),
            cursor: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.String({ pattern: '^\\d{1,4}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(ClaimView) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = pageLimit(q.limit, ctx.config.page_records_max);
      const beneficiary_id = beneficiaryScope(p, q.beneficiary_id);
      const items = await ctx.store.claims.list(
        {
          ...(q.program_id === undefined ? {} : { program_id: q.program_id }),
          ...(beneficiary_id === undefined ? {} : { beneficiary_id }),
          ...(q.state === undefined ? {} : { state: q.state }),
        },
        limit,
        q.cursor,
      );
      const last = items[items.length - 1];
      return { items: items.map(presentClaim), next_cursor: items.length === limit && last ? last.id : null };
    },
  );

  app.get(
    '/claims/:id',
    {
      config: { access: ['administrator', 'auditor', 'enterprise', 'provider'] },
      schema: {
        tags: ['claims'],
        summary: 'Read a claim',
        description: 'A claim with its explanation and events; the office also sees the findings on its records.',
        params: IdParams,
        response: { 200: ClaimDetail },
      },
    },
    async (request) => {
      const c = await visible(principalOf(request), request.params.id);
      const events = await ctx.store.claims.events(c.id);
      const p = principalOf(request);
      const findings = seesFindings(p)
        ? (await ctx.store.findings.list({ claim_id: c.id, limit: 1000 })).items.map((f) => ({
            id: f.id,
            kind: f.kind,
            severity: f.severity,
            status: f.status,
            message: findingMessage(f, seesPrices(p)),
          }))
        : undefined;
      return { ...presentClaim(c), events: events.map((e) => ({ ...wire(e), at: iso(e.at_ms) })), ...(findings === undefined ? {} : { findings }) };
    },
  );

  const Reason = Type.String({ minLength: 1, maxLength: claim_reason_chars_max });
  const actions: {
    path: string;
    action: ClaimAction | 'accept_progress_report';
    by: 'beneficiary' | 'office';
    reason: 'required' | 'optional';
    amount: boolean;
    summary: string;
    description: string;
  }[] = [
    { path: 'submit', action: 'submit', by: 'beneficiary', reason: 'optional', amount: false, summary: 'Submit a claim', description: 'draft → submitted' },
    {
      path: 'withdraw',
      action: 'withdraw',
      by: 'beneficiary',
      reason: 'optional',
      amount: false,
      summary: 'Withdraw a claim',
      description: 'draft | submitted → withdrawn; frees the records',
    },
    {
      path: 'approve',
      action: 'approve',
      by: 'office',
      reason: 'optional',
      amount: false,
      summary: 'Approve a claim',
      description:
        'submitted → approved: reserves the grant (the computed amount, cut by caps and the available budget, shown in explanation.approval). Open high-severity findings on its records answer 409 open_findings unless override_reason is given (recorded)',
    },
    {
      path: 'reject',
      action: 'reject',
      by: 'office',
      reason: 'required',
      amount: false,
      summary: 'Reject a claim',
      description: 'submitted → rejected; frees the records',
    },
    {
      path: 'pay',
      action: 'pay',
      by: 'office',
      reason: 'optional',
      amount: true,
      summary: 'Pay a claim',
      description:
        'pays what is payable now (staged: the first stage on approval, the rest after the progress report); paid in full → paid. An Idempotency-Key header makes a retry (the same body) a no-op; the same key with another body answers 422 idempotency_key_reused',
    },
    {
      path: 'claw-back',
      action: 'claw_back',
      by: 'office',
      reason: 'required',
      amount: true,
      summary: 'Claw back a claim',
      description: 'approved | paid → clawed_back: the unpaid part returns to the budget, and amount_fen (default: all) of what was paid is recovered',
    },
    {
      path: 'accept-progress-report',
      action: 'accept_progress_report',
      by: 'office',
      reason: 'optional',
      amount: false,
      summary: 'Accept the progress report',
      description: 'releases the later payment stages',
    },
  ];
  for (const a of actions) {
    app.post(
      `/claims/:id/${a.path}`,
      {
        config: { access: a.by === 'office' ? ['administrator'] : ['administrator', 'enterprise', 'provider'] },
        schema: {
          tags: ['claims'],
          summary: a.summary,
          description: a.description,
          params: IdParams,
          response: { 200: ClaimView },
          ...(a.action === 'pay' ? { headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{1,100}$' })) }) } : {}),
          body: Type.Optional(
            Type.Object(
              {
                reason: a.reason === 'required' ? Reason : Type.Optional(Reason),
                ...(a.amount
                  ? {
                      amount_fen: Type.Optional(
                        FenInput(
                          1,
                          a.action === 'pay' ? 'how much to pay (default: all that is payable now)' : 'how much of what was paid to recover (default: all)',
                        ),
                      ),
                    }
                  : {}),
                ...(a.action === 'approve'
                  ? {
                      override_reason: Type.Optional(
                        Type.String({
                          minLength: 1,
                          maxLength: claim_reason_chars_max,
                          description: 'approve despite open high-severity findings; recorded with the approval',
                        }),
                      ),
                    }
                  : {}),
              },
              { additionalProperties: false },
            ),
          ),
        },
      },
      async (request) => {
        const p = principalOf(request);
        const claim = await visible(p, request.params.id);
        const body = (request.body ?? {}) as { reason?: string; amount_fen?: number | string; override_reason?: string };
        const amount_fen = body.amount_fen === undefined ? null : fenInput(body.amount_fen, 'amount_fen', 1n);
        if (a.reason === 'required' && body.reason === undefined)
          throw new ApiError('validation_failed', 'a reason is required', [{ field: 'reason', message: 'is required' }]);
        const program = await ctx.store.programs.get(claim.program_id);
        if (!program) throw new Error(`claim ${claim.id} names a missing program`);
        const key = request.headers['idempotency-key'];
        const after = await actOnClaim(ctx.store, claim.id, a.action, actorOf(request), ctx.now(), {
          program,
          reason: body.reason ?? null,
          amount_fen,
          idempotency_key: typeof key === 'string' ? key : null,
          request_digest: typeof key === 'string' ? requestDigest(amount_fen, body.reason ?? null) : null,
          override_reason: body.override_reason ?? null,
        });
        return presentClaim(after);
      },
    );
  }
}
