// Tests for checkRuleSet: valid rule sets pass unchanged; every rejection names the rule (index and id) and the field,
// once per field, and only with the errors of the pay basis the rule chose.
import { describe, expect, it } from 'vitest';
import { checkRuleSet, rule_set_limits, type Rule } from './rule-set.js';

const domesticRent: Rule = { id: 'domestic-rent', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } };
const foreignNone: Rule = { id: 'foreign-none', match: { domestic: false }, pay: { basis: 'bill', rate_bp: 0 } };

/** The rule set [foreign-none, <rule>]: the rule under test sits at index 1. */
const second = (rule: unknown) => checkRuleSet({ rules: [foreignNone, rule] });

/** The problems as field and message (their codes are checked on their own below). */
function problems(r: ReturnType<typeof checkRuleSet>) {
  if (r.ok) throw new Error('expected the rule set to be rejected');
  return r.problems.map(({ field, message }) => ({ field, message }));
}

function codes(r: ReturnType<typeof checkRuleSet>) {
  if (r.ok) throw new Error('expected the rule set to be rejected');
  return r.problems.map((p) => p.code);
}

describe('checkRuleSet names each kind of problem by a stable code', () => {
  it.each([
    ['a missing field', second({ match: {}, pay: { basis: 'bill', rate_bp: 1 } }), 'required'],
    ['an unknown field', second({ ...domesticRent, colour: 'red' }), 'unknown_field'],
    ['a value out of range', second({ ...domesticRent, pay: { basis: 'bill', rate_bp: 10_001 } }), 'invalid_value'],
    ['a rule id used twice', checkRuleSet({ rules: [domesticRent, foreignNone, domesticRent] }), 'rule_id_twice'],
    [
      'a ceiling on an energy rule',
      second({ ...domesticRent, pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 }, ceiling_fen_per_card_hour: 1500 }),
      'ceiling_on_energy',
    ],
    [
      'a tier bonus on a compute rule',
      second({ ...domesticRent, pay: { basis: 'compute', fen_per_pflop_h: 1000 }, tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 1000 } }),
      'tier_bonus_needs_rate',
    ],
    [
      'rate + bonus above 100%',
      second({ ...domesticRent, pay: { basis: 'bill', rate_bp: 6000 }, tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 4001 } }),
      'bonus_above_100',
    ],
  ])('%s', (_name, result, code) => {
    expect(codes(result)).toEqual([code]);
  });
});

describe('checkRuleSet accepts', () => {
  it('every basis and every match field, and gives the rule set back as it came', () => {
    const rules: Rule[] = [
      {
        id: 'sh-small-training',
        description: 'Shanghai small firms, training on domestic chips',
        match: {
          domestic: true,
          vendor: ['Huawei', 'Cambricon'],
          accelerator: ['huawei-ascend-910b'],
          workload: ['training'],
          region: ['31', '310115'],
          provider: ['prov-sh-ai-compute'],
          beneficiary_size: ['micro', 'small'],
          beneficiary_category: ['startup'],
        },
        pay: { basis: 'bill', rate_bp: 6000 },
        ceiling_fen_per_card_hour: 1500,
        tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 4000 },
      },
      { id: 'domestic-compute', match: { domestic: true }, pay: { basis: 'compute', fen_per_pflop_h: 1000 }, ceiling_fen_per_card_hour: 0 },
      {
        id: 'domestic-energy',
        match: { domestic: true, region: ['52', '62', '15'] },
        pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 },
        tier_bonus: { domestic_share_bp_min: 0, bonus_bp: 0 },
      },
      foreignNone,
    ];
    expect(checkRuleSet({ rules })).toEqual({ ok: true, rule_set: { rules } });
  });

  it('the edges: rate 0 and 10000, rate + bonus exactly 10000, the largest prices, an empty rule set', () => {
    expect(checkRuleSet({ rules: [{ ...domesticRent, pay: { basis: 'bill', rate_bp: 10_000 } }] }).ok).toBe(true);
    expect(checkRuleSet({ rules: [{ ...domesticRent, pay: { basis: 'bill', rate_bp: 0 } }] }).ok).toBe(true);
    expect(
      checkRuleSet({ rules: [{ ...domesticRent, pay: { basis: 'bill', rate_bp: 6000 }, tier_bonus: { domestic_share_bp_min: 10_000, bonus_bp: 4000 } }] }).ok,
    ).toBe(true);
    expect(
      checkRuleSet({
        rules: [
          {
            ...domesticRent,
            pay: { basis: 'compute', fen_per_pflop_h: rule_set_limits.fen_per_pflop_h_max },
            ceiling_fen_per_card_hour: rule_set_limits.ceiling_fen_per_card_hour_max,
          },
        ],
      }).ok,
    ).toBe(true);
    expect(checkRuleSet({ rules: [{ ...domesticRent, pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: rule_set_limits.fen_per_kwh_max } }] }).ok).toBe(true);
    // An empty rule set pays nothing; it is valid (a program may be set up before its rules).
    expect(checkRuleSet({ rules: [] }).ok).toBe(true);
    expect(checkRuleSet({ rules: Array.from({ length: rule_set_limits.rules_max }, (_, i) => ({ ...domesticRent, id: `r${i}` })) }).ok).toBe(true);
  });
});

describe('checkRuleSet rejects, naming the rule and the field', () => {
  it('a rate above 10000 bp', () => {
    expect(problems(second({ ...domesticRent, pay: { basis: 'bill', rate_bp: 10_001 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.rate_bp', message: 'must be <= 10000' },
    ]);
    expect(problems(second({ ...domesticRent, pay: { basis: 'energy', rate_bp: 10_001, fen_per_kwh: 80 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.rate_bp', message: 'must be <= 10000' },
    ]);
  });

  it('a negative or fractional rate', () => {
    expect(problems(second({ ...domesticRent, pay: { basis: 'bill', rate_bp: -1 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.rate_bp', message: 'must be >= 0' },
    ]);
    expect(problems(second({ ...domesticRent, pay: { basis: 'bill', rate_bp: 2999.5 } }))[0]?.field).toBe('rules[1] (domestic-rent).pay.rate_bp');
  });

  it('prices past their limits', () => {
    expect(problems(second({ ...domesticRent, pay: { basis: 'compute', fen_per_pflop_h: rule_set_limits.fen_per_pflop_h_max + 1 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.fen_per_pflop_h', message: `must be <= ${rule_set_limits.fen_per_pflop_h_max}` },
    ]);
    expect(problems(second({ ...domesticRent, ceiling_fen_per_card_hour: rule_set_limits.ceiling_fen_per_card_hour_max + 1 }))).toEqual([
      { field: 'rules[1] (domestic-rent).ceiling_fen_per_card_hour', message: `must be <= ${rule_set_limits.ceiling_fen_per_card_hour_max}` },
    ]);
  });

  it('an unknown field, on the rule, in match, in pay and at the top', () => {
    expect(problems(second({ ...domesticRent, colour: 'red' }))).toEqual([{ field: 'rules[1] (domestic-rent).colour', message: 'is not a known field' }]);
    expect(problems(second({ ...domesticRent, match: { domestic: true, chip: 'x' } }))).toEqual([
      { field: 'rules[1] (domestic-rent).match.chip', message: 'is not a known field' },
    ]);
    expect(problems(second({ ...domesticRent, pay: { basis: 'bill', rate_bp: 3000, fen_per_kwh: 80 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.fen_per_kwh', message: 'is not a known field' },
    ]);
    expect(problems(checkRuleSet({ rules: [], version: 2 }))).toEqual([{ field: 'version', message: 'is not a known field' }]);
  });

  it('a missing pay, match or id', () => {
    expect(problems(second({ id: 'domestic-rent', match: { domestic: true } }))).toEqual([{ field: 'rules[1] (domestic-rent).pay', message: 'is required' }]);
    expect(problems(second({ id: 'domestic-rent', pay: { basis: 'bill', rate_bp: 3000 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).match', message: 'is required' },
    ]);
    expect(problems(second({ match: {}, pay: { basis: 'bill', rate_bp: 3000 } }))).toEqual([{ field: 'rules[1].id', message: 'is required' }]);
    expect(problems(checkRuleSet({}))).toEqual([{ field: 'rules', message: 'is required' }]);
  });

  it('a missing figure of the chosen basis, and nothing about the other bases', () => {
    expect(problems(second({ ...domesticRent, pay: { basis: 'energy', rate_bp: 5000 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.fen_per_kwh', message: 'is required' },
    ]);
    expect(problems(second({ ...domesticRent, pay: { basis: 'compute' } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.fen_per_pflop_h', message: 'is required' },
    ]);
  });

  it('an unknown or missing basis, as one problem', () => {
    expect(problems(second({ ...domesticRent, pay: { basis: 'tokens', rate_bp: 10 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.basis', message: 'must be one of bill, compute, energy' },
    ]);
    expect(problems(second({ ...domesticRent, pay: { rate_bp: 10 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).pay.basis', message: 'must be one of bill, compute, energy' },
    ]);
  });

  it('duplicate rule ids', () => {
    expect(problems(checkRuleSet({ rules: [domesticRent, foreignNone, domesticRent] }))).toEqual([
      { field: 'rules[2] (domestic-rent).id', message: 'rule id domestic-rent is used twice' },
    ]);
  });

  it('a malformed rule id (the id is still quoted so the rule can be found)', () => {
    expect(problems(second({ ...domesticRent, id: 'Domestic Rent' }))).toEqual([
      { field: 'rules[1] (Domestic Rent).id', message: 'must match pattern "^[a-z0-9][a-z0-9_-]{0,63}$"' },
    ]);
  });

  it('a price ceiling on an energy rule', () => {
    expect(problems(second({ ...domesticRent, pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 }, ceiling_fen_per_card_hour: 1500 }))).toEqual([
      { field: 'rules[1] (domestic-rent).ceiling_fen_per_card_hour', message: 'a price ceiling applies to the compute bill, not to energy rules' },
    ]);
  });

  it('a tier bonus on a compute rule', () => {
    expect(
      problems(second({ ...domesticRent, pay: { basis: 'compute', fen_per_pflop_h: 1000 }, tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 1000 } })),
    ).toEqual([{ field: 'rules[1] (domestic-rent).tier_bonus', message: 'a tier bonus adds basis points: it needs a rate_bp rule (bill or energy)' }]);
  });

  it('rate + bonus above 10000 bp', () => {
    expect(problems(second({ ...domesticRent, pay: { basis: 'bill', rate_bp: 6000 }, tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 4001 } }))).toEqual([
      { field: 'rules[1] (domestic-rent).tier_bonus.bonus_bp', message: 'rate_bp + bonus_bp must not exceed 10000 (100%)' },
    ]);
    expect(
      problems(
        second({ ...domesticRent, pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 }, tier_bonus: { domestic_share_bp_min: 0, bonus_bp: 5001 } }),
      )[0]?.field,
    ).toBe('rules[1] (domestic-rent).tier_bonus.bonus_bp');
  });

  it('a region that is not 2 to 6 digits', () => {
    for (const region of ['sh', '3', '3101150', '31 ', '']) {
      expect(problems(second({ ...domesticRent, match: { region: [region] } }))).toEqual([
        { field: 'rules[1] (domestic-rent).match.region[0]', message: 'must match pattern "^\\d{2,6}$"' },
      ]);
    }
  });

  it('empty lists in match', () => {
    for (const key of ['vendor', 'accelerator', 'workload', 'region', 'provider', 'beneficiary_size', 'beneficiary_category']) {
      expect(problems(second({ ...domesticRent, match: { [key]: [] } }))).toEqual([
        { field: `rules[1] (domestic-rent).match.${key}`, message: 'must not have fewer than 1 items' },
      ]);
    }
  });

  it('unknown list values (workload, size)', () => {
    expect(problems(second({ ...domesticRent, match: { workload: ['mining'] } }))[0]?.field).toBe('rules[1] (domestic-rent).match.workload[0]');
    expect(problems(second({ ...domesticRent, match: { beneficiary_size: ['huge'] } }))[0]?.field).toBe('rules[1] (domestic-rent).match.beneficiary_size[0]');
  });

  it('more rules than rules_max', () => {
    const rules = Array.from({ length: rule_set_limits.rules_max + 1 }, (_, i) => ({ ...domesticRent, id: `r${i}` }));
    expect(problems(checkRuleSet({ rules }))).toEqual([{ field: 'rules', message: `must not have more than ${rule_set_limits.rules_max} items` }]);
  });

  it('reports each problem once, for several rules at once', () => {
    const r = problems(
      checkRuleSet({
        rules: [
          { ...domesticRent, colour: 'red' },
          { ...foreignNone, pay: { basis: 'bill', rate_bp: 20_000 } },
        ],
      }),
    );
    expect(r).toEqual([
      { field: 'rules[0] (domestic-rent).colour', message: 'is not a known field' },
      { field: 'rules[1] (foreign-none).pay.rate_bp', message: 'must be <= 10000' },
    ]);
  });

  it('a value that is not a rule set at all', () => {
    expect(problems(checkRuleSet(null))).toEqual([{ field: '', message: 'must be object' }]);
    expect(problems(checkRuleSet({ rules: 'all' }))).toEqual([{ field: 'rules', message: 'must be array' }]);
  });
});
