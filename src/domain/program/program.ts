// A subsidy program: who it pays, from what budget, within which window and caps, and with which rule-set versions.
// The definition is data (JSON over the API, JSON or YAML files for `suanli program apply`).
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { schemaProblem } from '../schema-path.js';
import { fen_pattern, fenOfInput } from '../money/fen.js';
import { checkRuleSet, RuleSetBody, schema_problem_codes, type RuleSetProblem } from '../policy/rule-set.js';
import type { EnterpriseSize } from '../org/organization.js';

export const program_kinds = ['compute_rent', 'energy', 'model', 'data', 'other'] as const;
export type ProgramKind = (typeof program_kinds)[number];

const Instant = Type.String({ format: 'date-time' });
/**
 * Money a definition sets (a budget, a cap): a JSON integer while it is a safe integer, else a decimal string; at most
 * 2^63 − 1 fen, what the store holds. checkProgramDefinition refuses a JSON number past 2^53 − 1 (the parser has
 * rounded it) and anything past 2^63 − 1, naming the field.
 */
const Fen = (description: string) =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: fen_pattern, maxLength: 19 })], {
    description: `${description} (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1)`,
  });
const Bp = (description: string) => Type.Integer({ minimum: 0, maximum: 10_000, description: `${description} (basis points)` });

export const Eligibility = Type.Object(
  {
    sizes: Type.Optional(
      Type.Array(Type.Union([Type.Literal('micro'), Type.Literal('small'), Type.Literal('medium'), Type.Literal('large')]), { minItems: 1, maxItems: 4 }),
    ),
    regions: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\d{2,6}$' }), {
        minItems: 1,
        maxItems: 500,
        description: 'division-code prefixes the beneficiary must be registered in, e.g. 31 (Shanghai) or 310115 (Pudong)',
      }),
    ),
    sectors: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100 })),
    categories: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: 100,
        description: 'the beneficiary must carry at least one, e.g. startup, sme, research_institution',
      }),
    ),
    enrolled_only: Type.Optional(Type.Boolean({ description: 'only beneficiaries the office enrolled may claim' })),
  },
  { title: 'Eligibility', additionalProperties: false },
);
export type Eligibility = Static<typeof Eligibility>;

export const ProgramDefinition = Type.Object(
  {
    code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{2,63}$', description: 'stable slug; `program apply` finds the program by it' }),
    name_zh: Type.String({ minLength: 1, maxLength: 200 }),
    name_en: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Union([Type.Literal('compute_rent'), Type.Literal('energy'), Type.Literal('model'), Type.Literal('data'), Type.Literal('other')], {
      title: 'ProgramKind',
    }),
    source: Type.Optional(Type.String({ maxLength: 2000, description: 'the policy this program models, with its address' })),
    beneficiary_kind: Type.Union([Type.Literal('enterprise'), Type.Literal('provider')]),
    funding_layer: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
      description: 'a record is subsidized at most once per layer; programs of different layers may share a bill, together at most all of it',
    }),
    window: Type.Object({ start: Instant, end: Instant }, { additionalProperties: false }),
    budget_fen: Fen('the fixed budget'),
    caps: Type.Optional(
      Type.Object(
        {
          share_bp: Type.Optional(Bp('at most this share of the bill per claim')),
          fen: Type.Optional(Fen('at most this much per beneficiary over the program')),
          fen_year: Type.Optional(Fen('at most this much per beneficiary per calendar year')),
        },
        { additionalProperties: false },
      ),
    ),
    support_months: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 120, description: "support ends this many months after the beneficiary's first subsidized usage" }),
    ),
    first_stage_bp: Type.Optional(Bp('share paid on approval; the rest after the progress report is accepted (default 10000: all at once)')),
    eligibility: Type.Optional(Eligibility),
    requires_signed_usage: Type.Optional(
      Type.Boolean({
        description:
          'only usage delivered in batches signed with a registered provider key counts toward claims; providers of enrolled beneficiaries must sign (default false)',
      }),
    ),
    rule_set: Type.Object(
      { effective_from: Instant, rules: RuleSetBody.properties.rules, rounding: RuleSetBody.properties.rounding },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ProgramDefinition = Static<typeof ProgramDefinition>;

/** A definition that passed checkProgramDefinition: its money as exact bigints. */
export type CheckedProgramDefinition = Omit<ProgramDefinition, 'budget_fen' | 'caps'> & {
  budget_fen: bigint;
  caps?: { share_bp?: number; fen?: bigint; fen_year?: bigint };
};

/** The money fields of a definition, by the path a problem names. */
const money_fields = [
  ['budget_fen', (d: ProgramDefinition) => d.budget_fen],
  ['caps.fen', (d: ProgramDefinition) => d.caps?.fen],
  ['caps.fen_year', (d: ProgramDefinition) => d.caps?.fen_year],
] as const;

/**
 * The money fields sent as JSON numbers past 2^53 − 1: already rounded by the JSON parser, so refused, naming the
 * field (the HTTP layer answers these 400 validation_failed before anything else).
 */
export function unsafeMoneyNumbers(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const d = input as { budget_fen?: unknown; caps?: { fen?: unknown; fen_year?: unknown } | null };
  const caps = typeof d.caps === 'object' && d.caps !== null ? d.caps : {};
  return (
    [
      ['budget_fen', d.budget_fen],
      ['caps.fen', caps.fen],
      ['caps.fen_year', caps.fen_year],
    ] as const
  )
    .filter(([, v]) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v))
    .map(([f]) => f);
}

const checkDefinitionShape = Compile(ProgramDefinition);

export interface Program {
  id: string;
  code: string;
  name_zh: string;
  name_en: string;
  kind: ProgramKind;
  source: string | null;
  beneficiary_kind: 'enterprise' | 'provider';
  funding_layer: string;
  window_start_ms: number;
  window_end_ms: number;
  budget_fen: bigint;
  cap_share_bp: number | null;
  cap_fen: bigint | null;
  cap_fen_year: bigint | null;
  support_months: number | null;
  first_stage_bp: number;
  eligibility: Eligibility;
  /** Only records of signed batches count toward its claims. */
  requires_signed_usage: boolean;
  created_at_ms: number;
}

/** Validates a program definition; problems name the field (and, inside the rule set, the rule). */
export function checkProgramDefinition(input: unknown): { ok: true; definition: CheckedProgramDefinition } | { ok: false; problems: RuleSetProblem[] } {
  if (typeof input === 'object' && input !== null && 'rule_set' in input) {
    const rs = (input as { rule_set: unknown }).rule_set;
    const rules = typeof rs === 'object' && rs !== null ? (rs as { rules?: unknown }).rules : undefined;
    const r = checkRuleSet({ rules });
    if (!r.ok) return { ok: false, problems: r.problems.map((p) => ({ ...p, field: `rule_set.${p.field}` })) };
  }
  if (!checkDefinitionShape.Check(input)) {
    const problems: RuleSetProblem[] = [];
    for (const e of checkDefinitionShape.Errors(input)) {
      if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
      const { field, message, kind } = schemaProblem(e);
      if (!problems.some((p) => p.field === field)) problems.push({ code: schema_problem_codes[kind], field, message });
      if (problems.length >= 20) break;
    }
    return { ok: false, problems };
  }
  const start = Date.parse(input.window.start);
  const end = Date.parse(input.window.end);
  if (!(end > start)) return { ok: false, problems: [{ code: 'window_end_not_after_start', field: 'window.end', message: 'must be after window.start' }] };
  const money = new Map<string, bigint>();
  const problems: RuleSetProblem[] = [];
  for (const [field, get] of money_fields) {
    const v = get(input);
    if (v === undefined) continue;
    const fen = fenOfInput(v);
    if (fen.ok) money.set(field, fen.fen);
    else problems.push({ code: fen.problem, field, message: fen.message });
  }
  if (problems.length > 0) return { ok: false, problems };
  const { caps, ...rest } = input;
  const checked: CheckedProgramDefinition = { ...rest, budget_fen: money.get('budget_fen')! };
  if (caps !== undefined) {
    checked.caps = {
      ...(caps.share_bp === undefined ? {} : { share_bp: caps.share_bp }),
      ...(money.has('caps.fen') ? { fen: money.get('caps.fen')! } : {}),
      ...(money.has('caps.fen_year') ? { fen_year: money.get('caps.fen_year')! } : {}),
    };
  }
  return { ok: true, definition: checked };
}

export interface BeneficiaryProfile {
  id: string;
  kind: 'enterprise' | 'provider';
  region: string | null;
  size: EnterpriseSize | null;
  sector: string | null;
  categories: readonly string[];
}

/** Why a beneficiary does not qualify: the requirement it misses and what the program allows (a not_eligible refusal). */
export type Ineligibility =
  | { requirement: 'office' }
  | { requirement: 'beneficiary_kind'; beneficiary_kind: 'enterprise' | 'provider' }
  | { requirement: 'enrolment' }
  | { requirement: 'size' | 'region' | 'sector' | 'category'; allowed: readonly string[] };

export type EligibilityCheck = { eligible: true } | { eligible: false; why: Ineligibility };

export function checkEligibility(p: Pick<Program, 'beneficiary_kind' | 'eligibility'>, b: BeneficiaryProfile, enrolled: boolean): EligibilityCheck {
  const e = p.eligibility;
  if (b.kind !== p.beneficiary_kind) return { eligible: false, why: { requirement: 'beneficiary_kind', beneficiary_kind: p.beneficiary_kind } };
  if (e.enrolled_only === true && !enrolled) return { eligible: false, why: { requirement: 'enrolment' } };
  if (e.sizes !== undefined && (b.size === null || !e.sizes.includes(b.size))) return { eligible: false, why: { requirement: 'size', allowed: e.sizes } };
  if (e.regions !== undefined && (b.region === null || !e.regions.some((prefix) => b.region!.startsWith(prefix))))
    return { eligible: false, why: { requirement: 'region', allowed: e.regions } };
  if (e.sectors !== undefined && (b.sector === null || !e.sectors.includes(b.sector)))
    return { eligible: false, why: { requirement: 'sector', allowed: e.sectors } };
  if (e.categories !== undefined && !e.categories.some((c) => b.categories.includes(c)))
    return { eligible: false, why: { requirement: 'category', allowed: e.categories } };
  return { eligible: true };
}
