// Catalog facts and fast-check arbitraries of rule sets, records, beneficiaries and limits, shared by the property tests
// of the evaluators (src/domain/policy/evaluate.test.ts, evaluate-lines.test.ts) and the store tests that compare them.
import fc from 'fast-check';
import { OfficeCalendar } from '../../src/domain/calendar.js';
import type { BeneficiaryFacts, EvalLimits, EvalRecord, ModelFacts } from '../../src/domain/policy/evaluate.js';
import { checkRuleSet, type Rule, type RuleSetBody } from '../../src/domain/policy/rule-set.js';

// Model facts as catalog/accelerators.csv gives them: dense GFLOPS = BF16 (else FP16) TFLOPS × 1000, tdp_w as listed.
export const models: ReadonlyMap<string, ModelFacts> = new Map<string, ModelFacts>([
  ['huawei-ascend-910b', { domestic: true, vendor: 'Huawei', gflops: 320_000, tdp_w: 310 }], // FP16 320, 310 W
  ['huawei-ascend-910c', { domestic: true, vendor: 'Huawei', gflops: 800_000, tdp_w: null }], // FP16 800, no TDP
  ['cambricon-mlu370-x8', { domestic: true, vendor: 'Cambricon', gflops: 96_000, tdp_w: 250 }], // BF16 96, 250 W
  ['hygon-dcu-k100-ai', { domestic: true, vendor: 'Hygon', gflops: null, tdp_w: null }], // no figure verified yet
  ['nvidia-h20', { domestic: false, vendor: 'NVIDIA', gflops: 148_000, tdp_w: 400 }], // BF16 148, 400 W
  ['nvidia-a100-80gb-sxm', { domestic: false, vendor: 'NVIDIA', gflops: 312_000, tdp_w: 400 }], // BF16 312, 400 W
]);

export const ids = [...models.keys(), 'unknown-x1'];
export const vendors = ['Huawei', 'Cambricon', 'Hygon', 'NVIDIA'];

export const matchArb: fc.Arbitrary<Rule['match']> = fc.record(
  {
    domestic: fc.boolean(),
    vendor: fc.subarray(vendors, { minLength: 1 }),
    accelerator: fc.subarray(ids, { minLength: 1 }),
    workload: fc.subarray(['training', 'inference'] as ('training' | 'inference')[], { minLength: 1 }),
    region: fc.subarray(['31', '310115', '52', '62'], { minLength: 1 }),
    provider: fc.subarray(['p1', 'p2'], { minLength: 1 }),
    beneficiary_size: fc.subarray(['micro', 'small', 'medium', 'large'] as ('micro' | 'small' | 'medium' | 'large')[], { minLength: 1 }),
    beneficiary_category: fc.subarray(['startup', 'sme'], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

export const billPay = fc.record({ basis: fc.constant('bill' as const), rate_bp: fc.integer({ min: 0, max: 10_000 }) });
export const computePay = fc.record({ basis: fc.constant('compute' as const), fen_per_pflop_h: fc.integer({ min: 0, max: 100_000_000 }) });
export const energyPay = fc.record({
  basis: fc.constant('energy' as const),
  rate_bp: fc.integer({ min: 0, max: 10_000 }),
  fen_per_kwh: fc.integer({ min: 0, max: 100_000 }),
});

export function ruleSetArb(pay: fc.Arbitrary<Rule['pay']>): fc.Arbitrary<RuleSetBody> {
  const rule = fc.record({
    match: matchArb,
    pay,
    ceiling: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
    bonus: fc.option(fc.record({ domestic_share_bp_min: fc.integer({ min: 0, max: 10_000 }), bonus_bp: fc.integer({ min: 0, max: 10_000 }) }), {
      nil: undefined,
    }),
  });
  // Shape each draw into a rule checkRuleSet accepts: no ceiling on energy, no bonus on compute, rate + bonus ≤ 100%.
  return fc.array(rule, { maxLength: 5 }).map((rs) => ({
    rules: rs.map((r, i): Rule => {
      const out: Rule = { id: `r${i}`, match: r.match, pay: r.pay };
      if (r.ceiling !== undefined && r.pay.basis !== 'energy') out.ceiling_fen_per_card_hour = r.ceiling;
      if (r.bonus !== undefined && r.pay.basis !== 'compute') {
        out.tier_bonus = { domestic_share_bp_min: r.bonus.domestic_share_bp_min, bonus_bp: Math.min(r.bonus.bonus_bp, 10_000 - r.pay.rate_bp) };
      }
      return out;
    }),
  }));
}

export const recordArb: fc.Arbitrary<EvalRecord> = fc
  .record({
    accelerator: fc.constantFrom(...ids),
    card_s: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 10_000_000_000 })),
    amount_fen: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 10_000_000_000 })),
    started_at_ms: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
    workload: fc.constantFrom('training' as const, 'inference' as const, null),
    provider_id: fc.constantFrom('p1', 'p2'),
    region: fc.constantFrom('310115', '310000', '520100', '621000'),
    energy_wh: fc.option(fc.integer({ min: 0, max: 1_000_000_000 }), { nil: null }),
    other_share_bp: fc.integer({ min: 0, max: 10_000 }),
  })
  .map(({ other_share_bp, ...r }) => ({ ...r, seq: 0, other_layers_fen: Math.floor((r.amount_fen * other_share_bp) / 10_000) }));

export const beneficiaryArb: fc.Arbitrary<BeneficiaryFacts> = fc.record({
  size: fc.constantFrom('micro' as const, 'small' as const, 'medium' as const, 'large' as const, null),
  categories: fc.subarray(['startup', 'sme']),
});

export const limitsArb: fc.Arbitrary<EvalLimits> = fc.record({
  calendar: fc.constant(new OfficeCalendar('UTC')),
  cap_share_bp: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
  cap_fen: fc.option(fc.bigInt({ min: 0n, max: 100_000_000_000n }), { nil: null }),
  cap_fen_year: fc.option(fc.bigInt({ min: 0n, max: 100_000_000_000n }), { nil: null }),
  granted_fen: fc.bigInt({ min: 0n, max: 10_000_000_000n }),
  granted_fen_year: fc.bigInt({ min: 0n, max: 10_000_000_000n }),
  support_months: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
  first_subsidized_at_ms: fc.option(fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }), { nil: null }),
  budget_available_fen: fc.option(fc.bigInt({ min: 0n, max: 100_000_000_000n }), { nil: null }),
});

export const records = fc.array(recordArb, { maxLength: 30 });
/** An exact sum, as the evaluator's totals are. */
export const sum = (xs: readonly (number | bigint)[]) => xs.reduce<bigint>((s, x) => s + BigInt(x), 0n);

// Helpers of the worked examples.

export const H = 3600; // seconds per hour
export const T0 = Date.UTC(2026, 7, 1); // 2026-08-01T00:00:00Z, the demo usage period

export function rec(r: Partial<EvalRecord> & Pick<EvalRecord, 'accelerator' | 'card_s' | 'amount_fen'>): EvalRecord {
  return { seq: 0, started_at_ms: T0, workload: 'training', provider_id: 'prov-sh', region: '310115', energy_wh: null, other_layers_fen: 0, ...r };
}

/** A rule set that checkRuleSet accepts (the tests must not evaluate rules the API would refuse). */
export function ruleSet(...rules: Rule[]): RuleSetBody {
  const checked = checkRuleSet({ rules });
  if (!checked.ok) throw new Error(`invalid rule set in a test: ${JSON.stringify(checked.problems)}`);
  return checked.rule_set;
}

// The worked examples count support months in UTC; the office zone's months are tested in calendar.test.ts and below.
export const no_limits: EvalLimits = {
  calendar: new OfficeCalendar('UTC'),
  cap_share_bp: null,
  cap_fen: null,
  cap_fen_year: null,
  granted_fen: 0n,
  granted_fen_year: 0n,
  support_months: null,
  first_subsidized_at_ms: null,
  budget_available_fen: null,
};
