// The rule language of a program: an ordered list of rules, first match wins. Rule sets are data (JSON over the API,
// JSON or YAML files for `suanli program apply`); this module holds their schema and the checks that name the rule
// and field at fault. docs/programs.md explains the language with worked examples.
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { fieldPath, schemaProblem, type SchemaIssue } from '../schema-path.js';

export const rule_set_limits = {
  rules_max: 200,
  list_items_max: 500,
  fen_per_pflop_h_max: 100_000_000,
  fen_per_kwh_max: 100_000,
  ceiling_fen_per_card_hour_max: 10_000_000,
} as const;

const Bp = (description: string) => Type.Integer({ minimum: 0, maximum: 10_000, description: `${description} (basis points: 10000 = 100%)` });
const List = <T extends Parameters<typeof Type.Array>[0]>(item: T, description: string) =>
  Type.Array(item, { minItems: 1, maxItems: rule_set_limits.list_items_max, description });

export const RuleMatch = Type.Object(
  {
    domestic: Type.Optional(Type.Boolean({ description: 'the model is domestically made (from the catalog)' })),
    vendor: Type.Optional(List(Type.String({ minLength: 1, maxLength: 100 }), 'catalog vendor names, e.g. Huawei')),
    accelerator: Type.Optional(List(Type.String({ minLength: 1, maxLength: 64 }), 'catalog model ids')),
    workload: Type.Optional(List(Type.Union([Type.Literal('training'), Type.Literal('inference')]), 'workload kinds')),
    region: Type.Optional(
      List(Type.String({ pattern: '^\\d{2,6}$' }), 'region of the cluster the work ran on (the provider region): division-code prefixes, e.g. 31 or 310115'),
    ),
    provider: Type.Optional(List(Type.String({ minLength: 1, maxLength: 64 }), 'provider ids (usage counts only at these)')),
    beneficiary_size: Type.Optional(
      List(Type.Union([Type.Literal('micro'), Type.Literal('small'), Type.Literal('medium'), Type.Literal('large')]), 'enterprise sizes'),
    ),
    beneficiary_category: Type.Optional(List(Type.String({ minLength: 1, maxLength: 64 }), 'beneficiary categories, e.g. startup, research_institution')),
  },
  { title: 'RuleMatch', additionalProperties: false },
);
export type RuleMatch = Static<typeof RuleMatch>;

export const RulePay = Type.Union(
  [
    Type.Object({ basis: Type.Literal('bill'), rate_bp: Bp('share of the billed amount') }, { additionalProperties: false }),
    Type.Object(
      {
        basis: Type.Literal('compute'),
        fen_per_pflop_h: Type.Integer({ minimum: 0, maximum: rule_set_limits.fen_per_pflop_h_max, description: 'fen per PFLOP·h of normalized compute' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        basis: Type.Literal('energy'),
        rate_bp: Bp('share of the energy cost'),
        fen_per_kwh: Type.Integer({ minimum: 0, maximum: rule_set_limits.fen_per_kwh_max, description: 'electricity price the energy cost is valued at' }),
      },
      { additionalProperties: false },
    ),
  ],
  { title: 'RulePay' },
);
export type RulePay = Static<typeof RulePay>;

export const Rule = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'names the rule in explanations' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    match: RuleMatch,
    pay: RulePay,
    ceiling_fen_per_card_hour: Type.Optional(
      Type.Integer({ minimum: 0, maximum: rule_set_limits.ceiling_fen_per_card_hour_max, description: 'subsidize at most this price × card-hours' }),
    ),
    tier_bonus: Type.Optional(
      Type.Object(
        {
          domestic_share_bp_min: Bp("beneficiary's domestic share of compute in the claim period at least"),
          bonus_bp: Bp('extra rate'),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'Rule', additionalProperties: false },
);
export type Rule = Static<typeof Rule>;

/**
 * How a claim's subsidy is floored to whole fen: per claim line (the sums of the line's records, floored once), or per
 * record (each record floored, lines summing them: the rounding of every version stored before migration 0015).
 */
export const Rounding = Type.Union([Type.Literal('line'), Type.Literal('record')], {
  description: 'line: each claim line floored once from exact sums (the default); record: each record floored (versions before 2026-12)',
});
export type Rounding = Static<typeof Rounding>;
/** The rounding of a version whose definition names none. */
export const default_rounding: Rounding = 'line';

export const RuleSetBody = Type.Object(
  {
    rules: Type.Array(Rule, { maxItems: rule_set_limits.rules_max }),
    rounding: Type.Optional(Rounding),
  },
  { additionalProperties: false },
);
export type RuleSetBody = Static<typeof RuleSetBody>;

/**
 * What kind of problem a program definition or rule set has: stable, so that a client can write its own words (the
 * message is the validator's English). Schema problems are `required`, `unknown_field` or `invalid_value`; amounts
 * answer their fen problem (`not_fen`, `unsafe_number`, `below_minimum`, `too_large`).
 */
export type ProgramProblemCode =
  | 'required'
  | 'unknown_field'
  | 'invalid_value'
  | 'rule_id_twice'
  | 'ceiling_on_energy'
  | 'tier_bonus_needs_rate'
  | 'bonus_above_100'
  | 'window_end_not_after_start'
  | 'not_fen'
  | 'unsafe_number'
  | 'below_minimum'
  | 'too_large';

export interface RuleSetProblem {
  code: ProgramProblemCode;
  field: string;
  message: string;
}

export const schema_problem_codes = { required: 'required', unknown: 'unknown_field', other: 'invalid_value' } as const;

const check = Compile(RuleSetBody);
// `pay` is a union by basis; a rule's pay is checked again against the member its basis names, so that its problems
// are that member's alone (the union's errors mix all members, and TypeBox stops at 8 errors, often before the member
// the basis names).
const pay_checks = new Map(RulePay.anyOf.map((member) => [member.properties.basis.const as string, Compile(member as TSchema)]));

function problemOf(input: unknown, e: SchemaIssue, prefix = ''): RuleSetProblem {
  const p = schemaProblem(e, prefix);
  return { code: schema_problem_codes[p.kind], field: withRuleId(input, p.field), message: p.message };
}

/** The problems of the pay object at `at` (e.g. /rules/1/pay), checked against the member its basis names. */
function payProblems(input: unknown, at: string): RuleSetProblem[] {
  const index = Number(/\d+/.exec(at)?.[0]);
  const pay = ((input as { rules: unknown[] }).rules[index] as { pay: unknown }).pay;
  if (typeof pay !== 'object' || pay === null || Array.isArray(pay))
    return [{ code: 'invalid_value', field: withRuleId(input, fieldPath(at)), message: 'must be object' }];
  const basis = (pay as { basis?: unknown }).basis;
  const member = typeof basis === 'string' ? pay_checks.get(basis) : undefined;
  if (member === undefined)
    return [{ code: 'invalid_value', field: withRuleId(input, fieldPath(at, 'basis')), message: `must be one of ${[...pay_checks.keys()].join(', ')}` }];
  return [...member.Errors(pay)].map((e) => problemOf(input, e, at));
}

/** Validates a rule set; every problem names the rule (rules[i], with its id when known) and the field. */
export function checkRuleSet(input: unknown): { ok: true; rule_set: RuleSetBody } | { ok: false; problems: RuleSetProblem[] } {
  if (!check.Check(input)) {
    const problems: RuleSetProblem[] = [];
    const add = (p: RuleSetProblem) => {
      if (problems.length < 20 && !problems.some((q) => q.field === p.field)) problems.push(p);
    };
    const pays_checked = new Set<string>();
    for (const e of check.Errors(input)) {
      if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue; // the member errors say more
      const pay = /^\/rules\/\d+\/pay(?=\/|$)/.exec(e.instancePath);
      if (pay !== null && /\/pay\/anyOf\/\d+/.test(e.schemaPath)) {
        if (!pays_checked.has(pay[0])) for (const p of payProblems(input, pay[0])) add(p);
        pays_checked.add(pay[0]);
        continue;
      }
      add(problemOf(input, e));
      if (problems.length >= 20) break;
    }
    if (problems.length === 0) problems.push({ code: 'invalid_value', field: '', message: 'is not a valid rule set' }); // never an empty rejection
    return { ok: false, problems };
  }
  const problems: RuleSetProblem[] = [];
  const seen = new Set<string>();
  input.rules.forEach((rule, i) => {
    const at = `rules[${i}] (${rule.id})`;
    if (seen.has(rule.id)) problems.push({ code: 'rule_id_twice', field: `${at}.id`, message: `rule id ${rule.id} is used twice` });
    seen.add(rule.id);
    if (rule.pay.basis === 'energy' && rule.ceiling_fen_per_card_hour !== undefined) {
      problems.push({
        code: 'ceiling_on_energy',
        field: `${at}.ceiling_fen_per_card_hour`,
        message: 'a price ceiling applies to the compute bill, not to energy rules',
      });
    }
    if (rule.tier_bonus !== undefined) {
      if (rule.pay.basis === 'compute')
        problems.push({
          code: 'tier_bonus_needs_rate',
          field: `${at}.tier_bonus`,
          message: 'a tier bonus adds basis points: it needs a rate_bp rule (bill or energy)',
        });
      else if (rule.pay.rate_bp + rule.tier_bonus.bonus_bp > 10_000)
        problems.push({ code: 'bonus_above_100', field: `${at}.tier_bonus.bonus_bp`, message: 'rate_bp + bonus_bp must not exceed 10000 (100%)' });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rule_set: input };
}

function withRuleId(input: unknown, field: string): string {
  const m = /^rules\[(\d+)\]/.exec(field);
  if (!m) return field;
  const rules = (input as { rules?: unknown[] }).rules;
  const id = (rules?.[Number(m[1])] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? field.replace(m[0], `${m[0]} (${id.slice(0, 64)})`) : field;
}
