// Programs: administrators define them (rules as data) and replay candidate rules; participants read them;
// beneficiaries estimate what a claim would pay.
import { Type } from 'typebox';
import { checkProgramDefinition, Eligibility, ProgramDefinition, unsafeMoneyNumbers, type Program } from '../../domain/program/program.js';
import { fen_unsafe_number_message } from '../../domain/money/fen.js';
import { checkRuleSet, default_rounding, Rounding, RuleSetBody } from '../../domain/policy/rule-set.js';
import { checkLedgerWhole } from '../../service/verify-all.js';
import { applyProgram, estimateClaim, simulate } from '../../service/claims.js';
import type { App, AppContext } from '../context.js';
import { any_role, principalOf, readers, actorOf } from '../auth.js';
import { beneficiaryFor } from '../access.js';
import { ApiError, notFound } from '../errors.js';
import { Refusal, type RefusalProblem } from '../../domain/refusal.js';
import { iso, parseInstant } from '../present.js';
import { Explanation, List, NullableInteger } from '../schemas.js';
import { FenInput, FenString, fenInput, NullableFenString, wire } from '../money.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
/** Validation happens in the handler, so that problems name the rule and field (rules[2] (id).pay.rate_bp). */
const acceptAll = () => (data: unknown) => ({ value: data });

const Instant = (description = 'RFC 3339, UTC') => Type.String({ description });
/** Every amount these answers hold is a sum of money (a budget, a balance, a claim's lines): a decimal string. */
const Fen = FenString;
const Rules = RuleSetBody.properties.rules;

export const ProgramView = Type.Object(
  {
    id: Type.String(),
    code: Type.String(),
    name_zh: Type.String(),
    name_en: Type.String(),
    kind: ProgramDefinition.properties.kind,
    source: Type.Union([Type.String(), Type.Null()]),
    beneficiary_kind: ProgramDefinition.properties.beneficiary_kind,
    funding_layer: Type.String(),
    window: Type.Object({ start: Instant(), end: Instant('exclusive') }),
    budget_fen: Fen(),
    caps: Type.Object({
      share_bp: NullableInteger(),
      fen: NullableFenString('per beneficiary over the program'),
      fen_year: NullableFenString('per beneficiary per calendar year'),
    }),
    support_months: NullableInteger(),
    first_stage_bp: Type.Integer(),
    eligibility: Eligibility,
    requires_signed_usage: Type.Boolean(),
    created_at: Instant(),
  },
  { title: 'Program' },
);

const Budget = Type.Object(
  {
    budget_fen: Fen('funded'),
    available_fen: Fen('not yet granted'),
    reserved_fen: Fen('granted, not yet paid'),
    paid_fen: Fen('paid'),
  },
  { title: 'Budget' },
);

const ProgramDetail = Type.Object(
  {
    ...ProgramView.properties,
    budget: Budget,
    rule_sets: Type.Array(
      Type.Object(
        {
          version: Type.Integer(),
          effective_from: Instant(),
          rules: Rules,
          rounding: Rounding,
          used_by_approved_claims: Type.Boolean(),
          created_at: Instant(),
        },
        { title: 'RuleSetVersion' },
      ),
    ),
  },
  { title: 'ProgramDetail' },
);

const RuleSetCreated = Type.Object(
  { program_id: Type.String(), version: Type.Integer(), effective_from: Instant(), rules: Rules, rounding: Rounding },
  { title: 'RuleSetCreated' },
);

const EstimateView = Type.Object(
  {
    program_id: Type.String(),
    beneficiary_id: Type.String(),
    period_start: Instant(),
    period_end: Instant('exclusive'),
    rule_set_version: Type.Integer(),
    records: Type.Integer({ description: 'usage records the claim would hold' }),
    explanation: Explanation,
  },
  { title: 'Estimate' },
);

const SimulationView = Type.Object(
  {
    program_id: Type.String(),
    from: Instant(),
    to: Instant('exclusive'),
    variants: Type.Array(
      Type.Object(
        {
          label: Type.Union([Type.Literal('current'), Type.Literal('candidate')]),
          rule_set_version: NullableInteger('null for the candidate'),
          beneficiaries: Type.Integer(),
          computed_fen: Fen(),
          granted_fen: Fen(),
          domestic_fen: Fen(),
          foreign_fen: Fen(),
          per_beneficiary: Type.Array(Type.Object({ beneficiary_id: Type.String(), name: Type.String(), computed_fen: Fen(), granted_fen: Fen() })),
          per_vendor: Type.Array(Type.Object({ vendor: Type.String(), fen: Fen() })),
          net_fen_per_pflop_h: Type.Object(
            { domestic: NullableInteger(), foreign: NullableInteger() },
            { description: 'what a PFLOP·h costs the buyer after the subsidy' },
          ),
          budget_fen: Fen(),
          budget_runs_out_on: Type.Union([Type.String(), Type.Null()], {
            description: 'the office day YYYY-MM-DD (SUANLI_TIME_ZONE) the budget would run out at this pace',
          }),
        },
        { title: 'SimulationVariant' },
      ),
      { description: "the program's current rules, then the candidate" },
    ),
  },
  { title: 'Simulation' },
);

const LedgerView = Type.Object(
  {
    program_id: Type.String(),
    budget: Budget,
    accounts: Type.Array(
      Type.Object({
        id: Type.String(),
        kind: Type.String({ description: 'funding | available | payable | paid' }),
        beneficiary_id: Type.Union([Type.String(), Type.Null()]),
        balance_fen: Fen(),
      }),
    ),
    transfers: Type.Array(
      Type.Object({
        id: Type.Integer(),
        key: Type.String({ description: 'the idempotency key' }),
        kind: Type.String({ description: 'fund | approve | pay | release | recover' }),
        debit: Type.String(),
        credit: Type.String(),
        amount_fen: Fen(),
        claim_id: Type.Union([Type.String(), Type.Null()]),
        program_id: Type.String(),
        at_ms: Type.Integer(),
        at: Instant(),
      }),
    ),
  },
  { title: 'Ledger' },
);

function invalidProgram(problems: readonly RefusalProblem[]): Refusal {
  return new Refusal('invalid_program', { reason: 'definition', problems: problems.length }, { problems });
}

export function presentProgram(p: Program) {
  return {
    id: p.id,
    code: p.code,
    name_zh: p.name_zh,
    name_en: p.name_en,
    kind: p.kind,
    source: p.source,
    beneficiary_kind: p.beneficiary_kind,
    funding_layer: p.funding_layer,
    window: { start: iso(p.window_start_ms), end: iso(p.window_end_ms) },
    budget_fen: String(p.budget_fen),
    caps: { share_bp: p.cap_share_bp, fen: p.cap_fen === null ? null : String(p.cap_fen), fen_year: p.cap_fen_year === null ? null : String(p.cap_fen_year) },
    support_months: p.support_months,
    first_stage_bp: p.first_stage_bp,
    eligibility: p.eligibility,
    requires_signed_usage: p.requires_signed_usage,
    created_at: iso(p.created_at_ms),
  };
}

export function programRoutes(app: App, ctx: AppContext): void {
  const program = async (id: string) => {
    const p = await ctx.store.programs.get(id);
    if (!p) throw notFound('program', id);
    return p;
  };

  app.post(
    '/programs',
    {
      config: { access: ['administrator'] },
      validatorCompiler: acceptAll,
      schema: {
        tags: ['programs'],
        summary: 'Create a program',
        description:
          'Creates a program from its definition (the same data as a file for `suanli program apply`), with rule-set version 1 and its budget funded in the ledger. ' +
          'Problems answer 422 invalid_program, each detail naming the field (inside rules as `rule_set.rules[2] (rule-id).pay.rate_bp`).',
        body: ProgramDefinition,
        response: { 201: ProgramView },
      },
    },
    async (request, reply) => {
      // A budget or cap sent as a JSON number past 2^53 − 1 was rounded by the parser: refused, never used.
      const unsafe = unsafeMoneyNumbers(request.body);
      if (unsafe.length > 0) {
        throw new ApiError(
          'validation_failed',
          `${unsafe.join(', ')}: ${fen_unsafe_number_message}`,
          unsafe.map((field) => ({ field, message: fen_unsafe_number_message })),
        );
      }
      const checked = checkProgramDefinition(request.body);
      if (!checked.ok) throw invalidProgram(checked.problems);
      if (await ctx.store.programs.getByCode(checked.definition.code)) {
        throw new Refusal('already_exists', { what: 'program', program_code: checked.definition.code }, { fields: ['code'] });
      }
      const r = await applyProgram(ctx.store, checked.definition, actorOf(request), ctx.now());
      return reply.status(201).send(presentProgram(r.program));
    },
  );

  app.get(
    '/programs',
    {
      config: { access: any_role },
      schema: {
        tags: ['programs'],
        summary: 'List programs',
        description: 'Every program, with its window, budget, caps and eligibility.',
        response: { 200: List(ProgramView) },
      },
    },
    async () => ({ items: (await ctx.store.programs.list()).map(presentProgram) }),
  );

  app.get(
    '/programs/:id',
    {
      config: { access: any_role },
      schema: {
        tags: ['programs'],
        summary: 'Read a program',
        description: 'A program with its budget and every rule-set version.',
        params: IdParams,
        response: { 200: ProgramDetail },
      },
    },
    async (request) => {
      const p = await program(request.params.id);
      const [budget, versions, used] = await Promise.all([
        ctx.store.programs.budget(p.id),
        ctx.store.programs.ruleSets(p.id),
        ctx.store.programs.usedVersions(p.id),
      ]);
      return {
        ...presentProgram(p),
        budget: wire(budget),
        rule_sets: versions.map((v) => ({
          version: v.version,
          effective_from: iso(v.effective_from_ms),
          rules: v.rules,
          rounding: v.rounding,
          used_by_approved_claims: used.includes(v.version),
          created_at: iso(v.created_at_ms),
        })),
      };
    },
  );

  app.post(
    '/programs/:id/rule-sets',
    {
      config: { access: ['administrator'] },
      validatorCompiler: acceptAll,
      schema: {
        tags: ['programs'],
        summary: 'Add a rule-set version',
        description: 'Adds a rule-set version effective from a date; earlier versions never change.',
        params: IdParams,
        body: Type.Object({ effective_from: Type.String({ format: 'date-time' }), rules: RuleSetBody.properties.rules, rounding: Type.Optional(Rounding) }),
        response: { 201: RuleSetCreated },
      },
    },
    async (request, reply) => {
      const p = await program(request.params.id);
      const body = request.body as { effective_from?: unknown; rules?: unknown; rounding?: unknown };
      if (typeof body !== 'object' || body === null || typeof body.effective_from !== 'string') {
        throw new Refusal('invalid_program', { reason: 'effective_from_missing' }, { fields: ['effective_from'] });
      }
      const effective_from_ms = parseInstant(body.effective_from, 'effective_from');
      const checked = checkRuleSet(body.rounding === undefined ? { rules: body.rules } : { rules: body.rules, rounding: body.rounding });
      if (!checked.ok) throw invalidProgram(checked.problems);
      const rounding = checked.rule_set.rounding ?? default_rounding;
      const v = await ctx.store.programs.addRuleSet(p.id, effective_from_ms, checked.rule_set.rules, rounding, actorOf(request), ctx.now());
      return reply.status(201).send({ program_id: p.id, version: v.version, effective_from: iso(v.effective_from_ms), rules: v.rules, rounding: v.rounding });
    },
  );

  app.post(
    '/programs/:id/enrollments',
    {
      config: { access: ['administrator'] },
      schema: {
        tags: ['programs'],
        summary: 'Enrol a beneficiary',
        description: "Enrols an enterprise or provider (the program's beneficiary kind) in the program; programs with `enrolled_only` pay only these.",
        params: IdParams,
        body: Type.Object({ beneficiary_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ program_id: Type.String(), beneficiary_id: Type.String() }, { title: 'Enrollment' }) },
      },
    },
    async (request, reply) => {
      const p = await program(request.params.id);
      const org = await ctx.store.organizations.get(request.body.beneficiary_id);
      if (!org || org.kind !== p.beneficiary_kind) throw notFound(p.beneficiary_kind, request.body.beneficiary_id);
      await ctx.store.programs.enroll(p.id, org.id, actorOf(request), ctx.now());
      return reply.status(201).send({ program_id: p.id, beneficiary_id: org.id });
    },
  );

  const Period = { period_start: Type.String({ format: 'date-time' }), period_end: Type.String({ format: 'date-time', description: 'exclusive' }) };

  app.post(
    '/programs/:id/estimate',
    {
      config: { access: ['administrator', 'auditor', 'enterprise', 'provider'] },
      schema: {
        tags: ['programs'],
        summary: 'Estimate a claim',
        description: 'What a claim over the period would pay now, with its explanation, without filing it.',
        params: IdParams,
        body: Type.Object({ ...Period, beneficiary_id: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: EstimateView },
      },
    },
    async (request) => {
      const b = request.body;
      const beneficiary = beneficiaryFor(principalOf(request), b.beneficiary_id);
      const e = await estimateClaim(
        ctx.store,
        request.params.id,
        beneficiary,
        parseInstant(b.period_start, 'period_start'),
        parseInstant(b.period_end, 'period_end'),
      );
      const { record_subsidies, ...explanation } = e.evaluation;
      void record_subsidies;
      return {
        program_id: e.program.id,
        beneficiary_id: e.beneficiary.id,
        period_start: iso(e.period_start_ms),
        period_end: iso(e.period_end_ms),
        rule_set_version: e.rule_set_version,
        records: e.record_count,
        explanation: wire(explanation),
      };
    },
  );

  app.post(
    '/programs/:id/simulate',
    {
      config: { access: ['administrator'] },
      validatorCompiler: acceptAll,
      schema: {
        tags: ['programs'],
        summary: 'Replay candidate rules',
        description: "Replays a candidate rule set (and optional budget and caps) over the usage of a past period, beside the program's current rules.",
        params: IdParams,
        body: Type.Object({
          from: Type.String({ format: 'date-time' }),
          to: Type.String({ format: 'date-time' }),
          rules: RuleSetBody.properties.rules,
          rounding: Type.Optional(Rounding),
          budget_fen: Type.Optional(FenInput(0, 'the budget to replay with')),
          caps: Type.Optional(
            Type.Object({
              share_bp: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Null()])),
              fen: Type.Optional(Type.Union([FenInput(0, 'cap per beneficiary'), Type.Null()])),
              fen_year: Type.Optional(Type.Union([FenInput(0, 'cap per beneficiary and year'), Type.Null()])),
            }),
          ),
        }),
        response: { 200: SimulationView },
      },
    },
    async (request) => {
      const p = await program(request.params.id);
      const body = (request.body ?? {}) as {
        from?: unknown;
        to?: unknown;
        rules?: unknown;
        rounding?: unknown;
        budget_fen?: unknown;
        caps?: { share_bp?: unknown; fen?: unknown; fen_year?: unknown };
      };
      for (const f of ['from', 'to'] as const) {
        if (typeof body[f] !== 'string') throw new ApiError('validation_failed', `${f} is required`, [{ field: f, message: 'is required (RFC 3339)' }]);
      }
      const checked = checkRuleSet(body.rounding === undefined ? { rules: body.rules } : { rules: body.rules, rounding: body.rounding });
      if (!checked.ok) throw invalidProgram(checked.problems);
      const int = (v: unknown, field: string): number | null | undefined => {
        if (v === undefined || v === null) return v;
        if (!Number.isSafeInteger(v) || (v as number) < 0)
          throw new ApiError('validation_failed', `${field} must be a non-negative integer`, [{ field, message: 'must be a non-negative integer' }]);
        return v as number;
      };
      const fen = (v: unknown, field: string): bigint | null | undefined => (v === undefined || v === null ? v : fenInput(v, field));
      const overrides: Parameters<typeof simulate>[5] = {};
      const budget = fen(body.budget_fen, 'budget_fen');
      if (budget !== undefined && budget !== null) overrides.budget_fen = budget;
      const share_bp = int(body.caps?.share_bp, 'caps.share_bp');
      if (share_bp !== undefined) overrides.cap_share_bp = share_bp;
      for (const [k, name] of [
        ['fen', 'cap_fen'],
        ['fen_year', 'cap_fen_year'],
      ] as const) {
        const v = fen(body.caps?.[k], `caps.${k}`);
        if (v !== undefined) overrides[name] = v;
      }
      const r = await simulate(ctx.store, p.id, checked.rule_set, parseInstant(body.from as string, 'from'), parseInstant(body.to as string, 'to'), overrides);
      return { program_id: p.id, from: iso(r.period_start_ms), to: iso(r.period_end_ms), variants: wire(r.variants) };
    },
  );

  app.get(
    '/programs/:id/ledger',
    {
      config: { access: readers },
      schema: {
        tags: ['ledger'],
        summary: "Read a program's ledger",
        description: "The program's accounts and every transfer, oldest first.",
        params: IdParams,
        response: { 200: LedgerView },
      },
    },
    async (request) => {
      const p = await program(request.params.id);
      const [budget, accounts, transfers] = await Promise.all([
        ctx.store.programs.budget(p.id),
        ctx.store.ledger.accounts(p.id),
        ctx.store.ledger.transfers({ program_id: p.id }),
      ]);
      return { program_id: p.id, budget: wire(budget), accounts: wire(accounts), transfers: transfers.map((t) => ({ ...wire(t), at: iso(t.at_ms) })) };
    },
  );

  app.get(
    '/ledger/check',
    {
      config: { access: readers },
      schema: {
        tags: ['ledger'],
        summary: 'Check the ledger',
        description:
          'The ledger invariants: balances sum to zero, no account but funding below zero, balances equal their transfers, every claim equals its transfers; ' +
          'then the stored transfers and claims against what the audit chain recorded of them (an edit made consistently in the tables still differs from the chain).',
        response: {
          200: Type.Object(
            {
              ok: Type.Boolean(),
              problems: Type.Array(
                Type.Object({
                  code: Type.String({
                    description:
                      'unbalanced | negative_balance | balance_mismatch | claim_mismatch | transfer_not_in_chain | transfer_missing | transfer_differs | claim_not_in_chain | claim_missing | claim_differs',
                  }),
                  subject: Type.String(),
                  message: Type.String(),
                }),
              ),
            },
            { title: 'LedgerCheck' },
          ),
        },
      },
    },
    async () => {
      const { problems } = await checkLedgerWhole(ctx.store);
      return { ok: problems.length === 0, problems };
    },
  );
}
