// Tests for evaluate / applyCuts / addMonthsUtc: worked examples computed by hand (the arithmetic is in the comments),
// one group per explanation field, then fast-check properties over random valid rule sets and records.
import { OfficeCalendar } from '../calendar.js';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyCuts, evaluate, type BeneficiaryFacts, type EvalRecord, type ModelFacts } from './evaluate.js';
import { checkRuleSet, type Rule } from './rule-set.js';
import {
  beneficiaryArb,
  billPay,
  computePay,
  energyPay,
  H,
  limitsArb,
  models,
  no_limits,
  rec,
  records,
  ruleSet,
  ruleSetArb,
  sum,
  T0,
} from '../../../test/support/policy-arbitraries.js';

const small_firm: BeneficiaryFacts = { size: 'small', categories: ['startup'] };

const domestic30: Rule = { id: 'domestic-rent', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } };

describe('bill basis', () => {
  it('pays rate_bp of each bill, floored per record, and explains every field of the line', () => {
    // 8 cards × 10 h of Ascend 910B = 80 card-h = 288,000 card-s, billed 96,001 fen (¥960.01).
    // subsidy = floor(96,001 × 3000 / 10000) = floor(28,800.3) = 28,800 fen.
    const e = evaluate(
      ruleSet(domestic30),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * 10 * H, amount_fen: 96_001 })],
      models,
      small_firm,
      no_limits,
    );
    expect(e.lines).toEqual([
      {
        rule_id: 'domestic-rent',
        basis: 'bill',
        records: 1,
        card_s: 288_000,
        compute_gflop: '92160000000', // 288,000 card-s × 320,000 GFLOPS
        energy_wh: 0,
        records_unvalued: 0,
        base_fen: 96_001n,
        rate_bp: 3000,
        fen_per_pflop_h: null,
        fen_per_kwh: null,
        ceiling_fen_per_card_hour: null,
        ceiling_cut_fen: 0n,
        layer_cut_fen: 0n,
        subsidy_fen: 28_800n,
      },
    ]);
    expect(e.base_fen).toBe(96_001n);
    expect(e.computed_fen).toBe(28_800n);
    expect(e.granted_fen).toBe(28_800n);
    expect(e.cuts).toEqual([]);
    expect(e.record_subsidies).toEqual([28_800]);
    expect(e.unmatched).toEqual({ records: 0, card_s: 0, amount_fen: 0n, message: 'every record matched a rule' });
    expect(e.period_excluded).toBeNull();
    expect(e.domestic_share_bp).toBe(10_000);
  });

  it('without a ceiling the subsidy follows the bill; with ceiling_fen_per_card_hour an inflated bill does not inflate it', () => {
    const usage = { accelerator: 'huawei-ascend-910b', card_s: 8 * 10 * H }; // 80 card-h
    const plain = ruleSet(domestic30);
    const capped = ruleSet({ ...domestic30, ceiling_fen_per_card_hour: 1500 }); // ¥15 per card-hour at most
    // Honest bill ¥12/card-h: 80 × 1200 = 96,000 fen; ceiling 80 × 1500 = 120,000 does not bite. 30% → 28,800 either way.
    // Inflated bill ¥50/card-h: 400,000 fen. Without the ceiling 30% → 120,000; with it the base is 120,000 → 36,000.
    const honest = rec({ ...usage, amount_fen: 96_000 });
    const inflated = rec({ ...usage, amount_fen: 400_000 });
    expect(evaluate(plain, [honest], models, small_firm, no_limits).computed_fen).toBe(28_800n);
    expect(evaluate(capped, [honest], models, small_firm, no_limits).computed_fen).toBe(28_800n);
    expect(evaluate(plain, [inflated], models, small_firm, no_limits).computed_fen).toBe(120_000n);
    const e = evaluate(capped, [inflated], models, small_firm, no_limits);
    expect(e.computed_fen).toBe(36_000n);
    expect(e.lines[0]).toMatchObject({ ceiling_fen_per_card_hour: 1500, base_fen: 120_000n, ceiling_cut_fen: 280_000n, subsidy_fen: 36_000n });
    // Doubling the inflated bill again changes nothing: the ceiling, not the bill, sets the base.
    expect(evaluate(capped, [rec({ ...usage, amount_fen: 800_000 })], models, small_firm, no_limits).computed_fen).toBe(36_000n);
  });

  it('floors the ceiling itself per record: 1 card for 1,000 s at 1,500 fen/card-h is floor(1500 × 1000 / 3600) = 416 fen', () => {
    const e = evaluate(
      ruleSet({ ...domestic30, pay: { basis: 'bill', rate_bp: 10_000 }, ceiling_fen_per_card_hour: 1500 }),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: 1000, amount_fen: 1000 })],
      models,
      small_firm,
      no_limits,
    );
    expect(e.lines[0]).toMatchObject({ base_fen: 416n, ceiling_cut_fen: 584n, subsidy_fen: 416n });
  });
});

describe('compute basis', () => {
  const per_pflop_h: Rule = { id: 'domestic-compute', match: { domestic: true }, pay: { basis: 'compute', fen_per_pflop_h: 5000 } };

  it('pays floor(card_s × GFLOPS × fen_per_pflop_h / 3.6e9)', () => {
    // 8 × 1 h of 910B = 28,800 card-s × 320,000 GFLOPS = 9,216,000,000 GFLOP = 2.56 PFLOP·h; × 5,000 fen = 12,800 fen.
    const e = evaluate(ruleSet(per_pflop_h), [rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * H, amount_fen: 50_000 })], models, small_firm, no_limits);
    expect(e.lines).toEqual([
      {
        rule_id: 'domestic-compute',
        basis: 'compute',
        records: 1,
        card_s: 28_800,
        compute_gflop: '9216000000',
        energy_wh: 0,
        records_unvalued: 0,
        base_fen: 50_000n,
        rate_bp: null,
        fen_per_pflop_h: 5000,
        fen_per_kwh: null,
        ceiling_fen_per_card_hour: null,
        ceiling_cut_fen: 0n,
        layer_cut_fen: 0n,
        subsidy_fen: 12_800n,
      },
    ]);
    // Floors per record: 1 card-second of MLU370-X8 = 96,000 GFLOP; × 5,000 / 3.6e9 = 0.133 → 0 fen.
    const tiny = evaluate(ruleSet(per_pflop_h), [rec({ accelerator: 'cambricon-mlu370-x8', card_s: 1, amount_fen: 100 })], models, small_firm, no_limits);
    expect(tiny.computed_fen).toBe(0n);
  });

  it('normalizes: an hour on a stronger card earns more (910B 320 TF vs MLU370-X8 96 TF)', () => {
    // 910B: 3,600 × 320,000 × 5,000 / 3.6e9 = 1,600 fen; MLU370-X8: 3,600 × 96,000 × 5,000 / 3.6e9 = 480 fen.
    const e = evaluate(
      ruleSet(per_pflop_h),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 10_000 }), rec({ accelerator: 'cambricon-mlu370-x8', card_s: H, amount_fen: 10_000 })],
      models,
      small_firm,
      no_limits,
    );
    expect(e.record_subsidies).toEqual([1600, 480]);
    expect(e.lines[0]!.compute_gflop).toBe('1497600000'); // 3,600 × 320,000 + 3,600 × 96,000
  });

  it('never pays more than the bill; the ceiling caps the bill it may not pass', () => {
    // Computed 12,800 fen (above) on a bill of 10,000 → 10,000; the 2,800 taken off the subsidy is the ceiling cut.
    const cheap = evaluate(
      ruleSet(per_pflop_h),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * H, amount_fen: 10_000 })],
      models,
      small_firm,
      no_limits,
    );
    expect(cheap.lines[0]).toMatchObject({ base_fen: 10_000n, ceiling_cut_fen: 2_800n, subsidy_fen: 10_000n });
    // With a ceiling of 1,000 fen/card-h: 8 card-h × 1,000 = 8,000 fen is the most; the bill of 50,000 is capped to it.
    const capped = evaluate(
      ruleSet({ ...per_pflop_h, ceiling_fen_per_card_hour: 1000 }),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * H, amount_fen: 50_000 })],
      models,
      small_firm,
      no_limits,
    );
    expect(capped.lines[0]).toMatchObject({ base_fen: 8_000n, ceiling_cut_fen: 4_800n, subsidy_fen: 8_000n });
  });

  it('a model without a throughput figure is matched but unvalued: it earns nothing and adds nothing to the base', () => {
    const e = evaluate(
      ruleSet(per_pflop_h),
      [
        rec({ accelerator: 'hygon-dcu-k100-ai', card_s: 8 * H, amount_fen: 50_000 }),
        rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * H, amount_fen: 50_000 }),
      ],
      models,
      small_firm,
      no_limits,
    );
    expect(e.lines[0]).toMatchObject({ records: 2, card_s: 57_600, records_unvalued: 1, compute_gflop: '9216000000', base_fen: 50_000n, subsidy_fen: 12_800n });
    expect(e.record_subsidies).toEqual([0, 12_800]);
    expect(e.base_fen).toBe(50_000n);
  });

  it('stays exact past 2^53: 267,840,000,000 card-s × 20,000,000 GFLOPS × 1 fen / 3.6e9 = 1,488,000,000 fen', () => {
    // 100,000 cards × 31 days on a card of 20,000 TFLOPS (the catalog's maximum): 5.3568e18 GFLOP, beyond 2^53.
    const big = new Map<string, ModelFacts>([['test-huge', { domestic: true, vendor: 'Test', gflops: 20_000_000, tdp_w: null }]]);
    const e = evaluate(
      ruleSet({ ...per_pflop_h, pay: { basis: 'compute', fen_per_pflop_h: 1 } }),
      [rec({ accelerator: 'test-huge', card_s: 100_000 * 31 * 24 * H, amount_fen: 10_000_000_000 })],
      big,
      small_firm,
      no_limits,
    );
    expect(e.lines[0]!.compute_gflop).toBe('5356800000000000000');
    expect(e.computed_fen).toBe(1_488_000_000n);
  });
});

describe('energy basis', () => {
  const energy50: Rule = { id: 'domestic-energy', match: { domestic: true }, pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 } };

  it('values metered energy_wh at fen_per_kwh and pays rate_bp of that cost', () => {
    // 120,500 Wh × 80 fen/kWh / 1000 = 9,640 fen of electricity; 50% → 4,820 fen.
    const e = evaluate(
      ruleSet(energy50),
      [rec({ accelerator: 'cambricon-mlu370-x8', card_s: 64 * H, amount_fen: 1, energy_wh: 120_500 })],
      models,
      small_firm,
      no_limits,
    );
    expect(e.lines).toEqual([
      {
        rule_id: 'domestic-energy',
        basis: 'energy',
        records: 1,
        card_s: 230_400,
        compute_gflop: '22118400000',
        energy_wh: 120_500,
        records_unvalued: 0,
        base_fen: 9_640n,
        rate_bp: 5000,
        fen_per_pflop_h: null,
        fen_per_kwh: 80,
        ceiling_fen_per_card_hour: null,
        ceiling_cut_fen: 0n,
        layer_cut_fen: 0n,
        subsidy_fen: 4_820n,
      },
    ]);
    // The subsidy follows the energy cost, not the bill (1 fen here): energy subsidies pay the electricity.
    expect(e.base_fen).toBe(9_640n);
  });

  it('estimates card_s × tdp_w / 3600 Wh without a meter, floored per record', () => {
    // 10 cards × 3,900 s of 910B (310 W) = 39,000 card-s × 310 / 3600 = 3,358.33 → 3,358 Wh (floored per record).
    // Cost floor(3,358 × 80 / 1000) = floor(268.64) = 268 fen; 50% → 134 fen.
    const e = evaluate(ruleSet(energy50), [rec({ accelerator: 'huawei-ascend-910b', card_s: 39_000, amount_fen: 5_000 })], models, small_firm, no_limits);
    expect(e.lines[0]).toMatchObject({ energy_wh: 3_358, base_fen: 268n, subsidy_fen: 134n, records_unvalued: 0 });
    // Three such records: 3 × 3,358 = 10,074 Wh, not floor(3 × 3,358.33) = 10,075.
    const three = evaluate(
      ruleSet(energy50),
      [0, 1, 2].map(() => rec({ accelerator: 'huawei-ascend-910b', card_s: 39_000, amount_fen: 5_000 })),
      models,
      small_firm,
      no_limits,
    );
    expect(three.lines[0]).toMatchObject({ energy_wh: 10_074, base_fen: 804n, subsidy_fen: 402n });
  });

  it('prefers the meter to the estimate', () => {
    const e = evaluate(
      ruleSet(energy50),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: 39_000, amount_fen: 5_000, energy_wh: 5_000 })],
      models,
      small_firm,
      no_limits,
    );
    // 5,000 Wh × 80 / 1000 = 400 fen; 50% → 200 (the estimate would have been 3,358 Wh).
    expect(e.lines[0]).toMatchObject({ energy_wh: 5_000, base_fen: 400n, subsidy_fen: 200n });
  });

  it('a model without tdp_w and without a meter reading is records_unvalued; with a meter it is valued', () => {
    const e = evaluate(
      ruleSet(energy50),
      [
        rec({ accelerator: 'huawei-ascend-910c', card_s: 8 * H, amount_fen: 90_000 }),
        rec({ accelerator: 'huawei-ascend-910c', card_s: 8 * H, amount_fen: 90_000, energy_wh: 10_000 }), // 800 fen → 400
      ],
      models,
      small_firm,
      no_limits,
    );
    expect(e.lines[0]).toMatchObject({ records: 2, records_unvalued: 1, energy_wh: 10_000, base_fen: 800n, subsidy_fen: 400n });
    expect(e.record_subsidies).toEqual([0, 400]);
  });
});

describe('matching', () => {
  const records = [
    rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 10_000, workload: 'training' }),
    rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 10_000, workload: 'inference' }),
    rec({ accelerator: 'nvidia-h20', card_s: H, amount_fen: 10_000, workload: 'training' }),
  ];

  it('first match wins: a record is paid by the first rule that matches it, whatever follows', () => {
    const training: Rule = { id: 'domestic-training', match: { domestic: true, workload: ['training'] }, pay: { basis: 'bill', rate_bp: 5000 } };
    const e = evaluate(ruleSet(training, domestic30), records, models, small_firm, no_limits);
    // 910B training → 50% = 5,000; 910B inference → falls to domestic-rent 30% = 3,000; H20 → no rule.
    expect(e.record_subsidies).toEqual([5000, 3000, 0]);
    expect(e.lines.map((l) => [l.rule_id, l.records, l.subsidy_fen])).toEqual([
      ['domestic-training', 1, 5000n],
      ['domestic-rent', 1, 3000n],
    ]);
    // Swapped, the broader rule takes both domestic records and the training rule never matches (its line is left out).
    const swapped = evaluate(ruleSet(domestic30, training), records, models, small_firm, no_limits);
    expect(swapped.record_subsidies).toEqual([3000, 3000, 0]);
    expect(swapped.lines.map((l) => l.rule_id)).toEqual(['domestic-rent']);
  });

  it('unmatched records earn nothing, and the explanation says so', () => {
    const e = evaluate(ruleSet(domestic30), records, models, small_firm, no_limits);
    expect(e.unmatched).toEqual({ records: 1, card_s: H, amount_fen: 10_000n, message: '1 records matched no rule and earn nothing' });
    expect(e.record_subsidies[2]).toBe(0);
    expect(e.base_fen).toBe(20_000n); // the unmatched bill is no part of the base
  });

  it('matches vendor, accelerator, workload, region prefix, provider, size and category', () => {
    const one = (match: Rule['match'], r: Partial<EvalRecord> = {}, b: BeneficiaryFacts = small_firm) =>
      evaluate(
        ruleSet({ id: 'r', match, pay: { basis: 'bill', rate_bp: 10_000 } }),
        [rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 100, ...r })],
        models,
        b,
        no_limits,
      ).computed_fen;
    expect(one({ vendor: ['Huawei'] })).toBe(100n);
    expect(one({ vendor: ['Cambricon'] })).toBe(0n);
    expect(one({ accelerator: ['huawei-ascend-910b', 'huawei-ascend-910c'] })).toBe(100n);
    expect(one({ accelerator: ['huawei-ascend-910c'] })).toBe(0n);
    expect(one({ workload: ['inference'] })).toBe(0n);
    expect(one({ workload: ['training'] }, { workload: null })).toBe(0n); // an unknown workload matches no workload list
    expect(one({ region: ['31'] })).toBe(100n); // 310115 starts with 31
    expect(one({ region: ['310115'] })).toBe(100n);
    expect(one({ region: ['310116'] })).toBe(0n); // another district of Shanghai
    expect(one({ region: ['52', '62'] })).toBe(0n);
    expect(one({ provider: ['prov-sh'] })).toBe(100n);
    expect(one({ provider: ['prov-gz'] })).toBe(0n);
    expect(one({ beneficiary_size: ['micro', 'small'] })).toBe(100n);
    expect(one({ beneficiary_size: ['micro', 'small'] }, {}, { size: 'medium', categories: [] })).toBe(0n);
    expect(one({ beneficiary_size: ['micro', 'small'] }, {}, { size: null, categories: [] })).toBe(0n);
    expect(one({ beneficiary_category: ['startup'] })).toBe(100n);
    expect(one({ beneficiary_category: ['research_institution'] })).toBe(0n);
  });

  it('a model missing from the catalog matches only rules that ask nothing of the catalog', () => {
    const r = [rec({ accelerator: 'unknown-x1', card_s: H, amount_fen: 100 })];
    const pay = { basis: 'bill', rate_bp: 10_000 } as const;
    expect(evaluate(ruleSet({ id: 'any', match: {}, pay }), r, models, small_firm, no_limits).computed_fen).toBe(100n);
    expect(evaluate(ruleSet({ id: 'byid', match: { accelerator: ['unknown-x1'] }, pay }), r, models, small_firm, no_limits).computed_fen).toBe(100n);
    expect(evaluate(ruleSet({ id: 'dom', match: { domestic: true }, pay }), r, models, small_firm, no_limits).computed_fen).toBe(0n);
    expect(evaluate(ruleSet({ id: 'for', match: { domestic: false }, pay }), r, models, small_firm, no_limits).computed_fen).toBe(0n);
    expect(evaluate(ruleSet({ id: 'ven', match: { vendor: ['Huawei'] }, pay }), r, models, small_firm, no_limits).computed_fen).toBe(0n);
  });
});

describe('tier bonus', () => {
  const bonus: Rule = { ...domestic30, tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 1000 } };
  // 91 card-h of 910B (320 TF) and 40 card-h of A100 (312 TF):
  // domestic 327,600 × 320,000 = 104,832,000,000 GFLOP; foreign 144,000 × 312,000 = 44,928,000,000 GFLOP;
  // share = 104,832 / 149,760 = exactly 7,000 bp.
  const mix = (foreign_card_s: number) => [
    rec({ accelerator: 'huawei-ascend-910b', card_s: 91 * H, amount_fen: 100_000 }),
    rec({ accelerator: 'nvidia-a100-80gb-sxm', card_s: foreign_card_s, amount_fen: 100_000 }),
  ];

  it('adds bonus_bp when the domestic share of normalized compute reaches the threshold exactly', () => {
    const e = evaluate(ruleSet(bonus), mix(40 * H), models, small_firm, no_limits);
    expect(e.domestic_share_bp).toBe(7000);
    expect(e.lines[0]!.rate_bp).toBe(4000); // 3000 + 1000
    expect(e.computed_fen).toBe(40_000n); // 100,000 × 40%
  });

  it('does not add it one card-second below the threshold', () => {
    // foreign 144,001 × 312,000 = 44,928,312,000; share = floor(104,832,000,000 × 10^4 / 149,760,312,000) = 6,999 bp.
    const e = evaluate(ruleSet(bonus), mix(40 * H + 1), models, small_firm, no_limits);
    expect(e.domestic_share_bp).toBe(6999);
    expect(e.lines[0]!.rate_bp).toBe(3000);
    expect(e.computed_fen).toBe(30_000n);
  });

  it('leaves models without a throughput figure out of the share: with only those, there is no share and no bonus', () => {
    // Only the K100-AI (no figure) was used: no share can be computed, so no bonus.
    const e = evaluate(ruleSet(bonus), [rec({ accelerator: 'hygon-dcu-k100-ai', card_s: H, amount_fen: 100_000 })], models, small_firm, no_limits);
    expect(e.domestic_share_bp).toBeNull();
    expect(e.lines[0]!.rate_bp).toBe(3000);
  });
});

describe('support period', () => {
  const at = (iso: string) => Date.parse(iso);
  const usage = (iso: string, accelerator = 'huawei-ascend-910b') => rec({ accelerator, card_s: H, amount_fen: 10_000, started_at_ms: at(iso) });

  it('counts support_months from first_subsidized_at_ms (Jan 31 + 1 month ends Feb 28); later records are excluded', () => {
    const limits = { ...no_limits, support_months: 1, first_subsidized_at_ms: at('2026-01-31T00:00:00Z') };
    const e = evaluate(
      ruleSet(domestic30),
      [
        usage('2026-02-27T23:59:59.999Z'), // inside: 3,000
        usage('2026-02-28T00:00:00.000Z'), // the end is exclusive: out
        usage('2026-03-15T00:00:00.000Z'), // out
      ],
      models,
      small_firm,
      limits,
    );
    expect(e.record_subsidies).toEqual([3000, 0, 0]);
    expect(e.period_excluded).toEqual({
      records: 2,
      amount_fen: 20_000n,
      support_ends_at_ms: at('2026-02-28T00:00:00Z'),
      message: '2 records started after the support period ended (1 months from the first subsidized usage)',
    });
    expect(e.lines[0]!.records).toBe(1);
  });

  it('without a first subsidized usage, counts from the earliest matched record of the claim', () => {
    const limits = { ...no_limits, support_months: 12 };
    const e = evaluate(
      ruleSet(domestic30),
      [
        usage('2027-03-31T10:00:00Z'), // 12 months after the first: out
        usage('2026-03-31T10:00:00Z'), // the first matched record: the support ends 2027-03-31T10:00Z
        usage('2027-03-31T09:59:59Z'),
      ],
      models,
      small_firm,
      limits,
    );
    expect(e.record_subsidies).toEqual([0, 3000, 3000]);
    expect(e.period_excluded?.support_ends_at_ms).toBe(at('2027-03-31T10:00:00Z'));
  });

  it('an unmatched record does not start the support period (it was not subsidized)', () => {
    const limits = { ...no_limits, support_months: 12 };
    const e = evaluate(
      ruleSet({ ...domestic30, match: { domestic: true, region: ['31'] } }),
      [
        usage('2025-06-01T00:00:00Z', 'nvidia-h20'), // foreign: no rule
        { ...usage('2025-07-01T00:00:00Z'), region: '520100' }, // domestic but outside Shanghai: no rule
        usage('2026-08-01T00:00:00Z'), // the first subsidized usage
      ],
      models,
      small_firm,
      limits,
    );
    expect(e.record_subsidies).toEqual([0, 0, 3000]);
    expect(e.period_excluded).toBeNull();
  });

  it('counts support months in the office zone: from 00:30 on 1 February Beijing time, one month ends 00:30 on 1 March', () => {
    const limits = { ...no_limits, calendar: new OfficeCalendar('Asia/Shanghai'), support_months: 1, first_subsidized_at_ms: at('2026-01-31T16:30:00Z') };
    const e = evaluate(ruleSet(domestic30), [usage('2026-02-28T16:29:59.999Z'), usage('2026-02-28T16:30:00Z')], models, small_firm, limits);
    expect(e.record_subsidies).toEqual([3000, 0]);
    expect(e.period_excluded?.support_ends_at_ms).toBe(at('2026-02-28T16:30:00Z'));
  });
});

describe('funding layers (other_layers_fen)', () => {
  const district100: Rule = { id: 'district-rest', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 10_000 } };

  it('cuts a layer to what the other layers left of the bill: city 30% + district never more than 100%', () => {
    // Bill 100,000. The city paid 30,000; the district's rule would pay 100% = 100,000 but may have only 70,000.
    const e = evaluate(
      ruleSet(district100),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 100_000, other_layers_fen: 30_000 })],
      models,
      small_firm,
      no_limits,
    );
    expect(e.lines[0]).toMatchObject({ base_fen: 100_000n, layer_cut_fen: 30_000n, subsidy_fen: 70_000n });
    expect(e.record_subsidies).toEqual([70_000]);
  });

  it('does not cut when the layers fit: 30% + 70% = 100%', () => {
    const e = evaluate(
      ruleSet({ ...district100, pay: { basis: 'bill', rate_bp: 7000 } }),
      [rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 100_000, other_layers_fen: 30_000 })],
      models,
      small_firm,
      no_limits,
    );
    expect(e.lines[0]).toMatchObject({ layer_cut_fen: 0n, subsidy_fen: 70_000n });
  });

  it('pays nothing when the other layers already paid the whole bill (or more)', () => {
    const e = evaluate(
      ruleSet(district100),
      [
        rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 100_000, other_layers_fen: 100_000 }),
        rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 100_000, other_layers_fen: 120_000 }),
      ],
      models,
      small_firm,
      no_limits,
    );
    expect(e.record_subsidies).toEqual([0, 0]);
    expect(e.lines[0]).toMatchObject({ layer_cut_fen: 200_000n, subsidy_fen: 0n });
  });
});

describe('cuts: share_cap → program_cap → year_cap → budget', () => {
  it('applies the four cuts in order, each on what the one before left, with its message', () => {
    // computed 100,000 of a base of 200,000:
    // share cap 30%: floor(200,000 × 3000 / 10000) = 60,000 → cut 40,000;
    // program cap 100,000 less 50,000 granted before = 50,000 → cut 10,000;
    // year cap 80,000 less 35,000 granted this year = 45,000 → cut 5,000;
    // budget 40,000 → cut 5,000. Granted 40,000.
    const r = applyCuts(100_000n, 200_000n, {
      cap_share_bp: 3000,
      cap_fen: 100_000n,
      cap_fen_year: 80_000n,
      granted_fen: 50_000n,
      granted_fen_year: 35_000n,
      budget_available_fen: 40_000n,
    });
    expect(r).toEqual({
      granted_fen: 40_000n,
      cuts: [
        { kind: 'share_cap', limit_fen: 60_000n, cut_fen: 40_000n, message: 'at most 30% of the base (200000 fen)' },
        { kind: 'program_cap', limit_fen: 50_000n, cut_fen: 10_000n, message: 'at most 100000 fen per beneficiary in this program, 50000 fen already granted' },
        {
          kind: 'year_cap',
          limit_fen: 45_000n,
          cut_fen: 5_000n,
          message: 'at most 80000 fen per beneficiary per calendar year, 35000 fen already granted this year',
        },
        { kind: 'budget', limit_fen: 40_000n, cut_fen: 5_000n, message: "the program's available budget is 40000 fen" },
      ],
    });
  });

  it('lists only the cuts that bite, and never a negative limit', () => {
    const none = { cap_share_bp: null, cap_fen: null, cap_fen_year: null, granted_fen: 0n, granted_fen_year: 0n, budget_available_fen: null };
    expect(applyCuts(100_000n, 200_000n, none)).toEqual({ cuts: [], granted_fen: 100_000n });
    // Already granted past the cap (a cap lowered later): the limit is 0, the grant 0.
    const over = applyCuts(1_000n, 10_000n, { ...none, cap_fen: 5_000n, granted_fen: 7_000n, budget_available_fen: 1_000_000n });
    expect(over).toEqual({
      granted_fen: 0n,
      cuts: [{ kind: 'program_cap', limit_fen: 0n, cut_fen: 1_000n, message: 'at most 5000 fen per beneficiary in this program, 7000 fen already granted' }],
    });
    // share cap of 33.33%: floor(10,000 × 3333 / 10000) = 3,333.
    expect(applyCuts(5_000n, 10_000n, { ...none, cap_share_bp: 3333 }).cuts).toEqual([
      { kind: 'share_cap', limit_fen: 3_333n, cut_fen: 1_667n, message: 'at most 33.33% of the base (10000 fen)' },
    ]);
  });

  it('evaluate applies them to its computed amount and base', () => {
    // 3 × bill 10,000 at 30% = 9,000 computed; budget 8,500 → granted 8,500.
    const e = evaluate(
      ruleSet(domestic30),
      [0, 1, 2].map(() => rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 10_000 })),
      models,
      small_firm,
      { ...no_limits, budget_available_fen: 8_500n },
    );
    expect(e.computed_fen).toBe(9_000n);
    expect(e.cuts).toEqual([{ kind: 'budget', limit_fen: 8_500n, cut_fen: 500n, message: "the program's available budget is 8500 fen" }]);
    expect(e.granted_fen).toBe(8_500n);
    expect(e.record_subsidies).toEqual([3000, 3000, 3000]); // before cuts
  });
});

describe('rounding: floor per record', () => {
  it('three records of 1 fen at 3000 bp give 0, not 1', () => {
    // Each: floor(1 × 0.3) = 0. Rounding the total instead would give round(0.9) = 1.
    const e = evaluate(
      ruleSet(domestic30),
      [0, 1, 2].map(() => rec({ accelerator: 'huawei-ascend-910b', card_s: 1, amount_fen: 1 })),
      models,
      small_firm,
      no_limits,
    );
    expect(e.record_subsidies).toEqual([0, 0, 0]);
    expect(e.computed_fen).toBe(0n);
    expect(e.base_fen).toBe(3n);
    expect(e.rounding).toBe(
      "each record's subsidy is floored to whole fen (estimated energy to whole Wh); lines and totals are sums of those; cuts subtract whole fen",
    );
  });

  it('four records of 3 fen at 50% give 4, where flooring the total would give 6', () => {
    const e = evaluate(
      ruleSet({ ...domestic30, pay: { basis: 'bill', rate_bp: 5000 } }),
      [0, 1, 2, 3].map(() => rec({ accelerator: 'huawei-ascend-910b', card_s: 1, amount_fen: 3 })),
      models,
      small_firm,
      no_limits,
    );
    expect(e.record_subsidies).toEqual([1, 1, 1, 1]); // floor(1.5) each
    expect(e.computed_fen).toBe(4n);
  });

  it('record_subsidies stays aligned with the input: one entry per record, 0 when unmatched or excluded', () => {
    const limits = { ...no_limits, support_months: 1, first_subsidized_at_ms: T0 };
    const e = evaluate(
      ruleSet(domestic30),
      [
        rec({ accelerator: 'nvidia-h20', card_s: H, amount_fen: 10_000 }), // unmatched
        rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 10_000 }), // 3,000
        rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 20_000, started_at_ms: Date.UTC(2026, 8, 1) }), // Sep 1: excluded
        rec({ accelerator: 'cambricon-mlu370-x8', card_s: H, amount_fen: 5_001 }), // floor(1,500.3) = 1,500
      ],
      models,
      small_firm,
      limits,
    );
    expect(e.record_subsidies).toEqual([0, 3000, 0, 1500]);
  });
});

const example1 = 'example 1: Shanghai-style rent claim with a tier bonus, a price ceiling and the 30% share cap';
const example2 = 'example 2: energy claim of a provider, metered and estimated kWh';

describe('docs/programs.md worked examples', () => {
  it('the page names these tests and carries their results', () => {
    const page = fs.readFileSync(new URL('../../../docs/programs.md', import.meta.url), 'utf8');
    expect(page).toContain(`"${example1}"`);
    expect(page).toContain(`"${example2}"`);
    expect(page).toContain('**Granted: 64,800 fen (¥648.00).**');
    expect(page).toContain('**Granted: 24,000 fen (¥240.00)**');
  });

  it(example1, () => {
    // Rule: domestic chips, 25% of the rent, at most ¥15 per card-hour, +10% when the domestic share ≥ 70%.
    const rules = ruleSet({
      id: 'domestic-rent',
      match: { domestic: true },
      pay: { basis: 'bill', rate_bp: 2500 },
      ceiling_fen_per_card_hour: 1500,
      tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 1000 },
    });
    const records = [
      // r1: 910B, 8 cards × 10 h = 80 card-h = 288,000 card-s, ¥960.00 (¥12/card-h)
      rec({ accelerator: 'huawei-ascend-910b', card_s: 288_000, amount_fen: 96_000 }),
      // r2: 910B, 16 cards × 5 h = 80 card-h = 288,000 card-s, ¥1,600.00 (¥20/card-h)
      rec({ accelerator: 'huawei-ascend-910b', card_s: 288_000, amount_fen: 160_000 }),
      // r3: H20, 8 cards × 4 h = 32 card-h = 115,200 card-s, ¥640.00
      rec({ accelerator: 'nvidia-h20', card_s: 115_200, amount_fen: 64_000 }),
    ];
    const e = evaluate(rules, records, models, { size: 'small', categories: [] }, { ...no_limits, cap_share_bp: 3000 });
    // Domestic share: 576,000 × 320,000 = 184,320,000,000 GFLOP domestic; 115,200 × 148,000 = 17,049,600,000 foreign;
    // floor(184,320,000,000 × 10,000 / 201,369,600,000) = 9,153 bp ≥ 7,000 → rate 2,500 + 1,000 = 3,500 bp.
    expect(e.domestic_share_bp).toBe(9153);
    // r1: ceiling 80 × 1,500 = 120,000 ≥ 96,000 → base 96,000; floor(96,000 × 3,500 / 10,000) = 33,600.
    // r2: ceiling 120,000 < 160,000 → base 120,000 (ceiling cut 40,000); floor(120,000 × 0.35) = 42,000.
    // r3: foreign, no rule → 0.
    expect(e.record_subsidies).toEqual([33_600, 42_000, 0]);
    expect(e.lines[0]).toMatchObject({ rate_bp: 3500, base_fen: 216_000n, ceiling_cut_fen: 40_000n, subsidy_fen: 75_600n });
    expect(e.unmatched).toMatchObject({ records: 1, amount_fen: 64_000n });
    // Share cap 30% of the base 216,000 = 64,800 → cut 10,800.
    expect(e.computed_fen).toBe(75_600n);
    expect(e.cuts).toEqual([{ kind: 'share_cap', limit_fen: 64_800n, cut_fen: 10_800n, message: 'at most 30% of the base (216000 fen)' }]);
    expect(e.granted_fen).toBe(64_800n);
  });

  it(example2, () => {
    const rules = ruleSet({
      id: 'domestic-energy',
      match: { domestic: true, region: ['52', '62', '15'] },
      pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 },
    });
    const gz = { region: '520100', provider_id: 'prov-gz-guian-dc' };
    const records = [
      // e1: 910B, 64 cards × 24 h = 5,529,600 card-s, no meter → 5,529,600 × 310 / 3,600 = 476,160 Wh
      rec({ ...gz, accelerator: 'huawei-ascend-910b', card_s: 5_529_600, amount_fen: 1_000_000 }),
      // e2: MLU370-X8, metered 120,500 Wh
      rec({ ...gz, accelerator: 'cambricon-mlu370-x8', card_s: 64 * 8 * H, amount_fen: 300_000, energy_wh: 120_500 }),
      // e3: 910B, 10 cards × 3,900 s = 39,000 card-s, no meter → 39,000 × 310 / 3,600 = 3,358.33 → 3,358 Wh
      rec({ ...gz, accelerator: 'huawei-ascend-910b', card_s: 39_000, amount_fen: 7_000 }),
      // e4: 910C has no board power in the catalog and no meter reading: unvalued
      rec({ ...gz, accelerator: 'huawei-ascend-910c', card_s: 8 * H, amount_fen: 20_000 }),
      // e5: H20 is foreign: no rule
      rec({ ...gz, accelerator: 'nvidia-h20', card_s: 8 * H, amount_fen: 20_000 }),
    ];
    const e = evaluate(rules, records, models, { size: null, categories: [] }, { ...no_limits, cap_share_bp: 5000 });
    // e1: floor(476,160 × 80 / 1,000) = floor(38,092.8) = 38,092 fen; 50% → 19,046.
    // e2: floor(120,500 × 80 / 1,000) = 9,640 fen; 50% → 4,820.
    // e3: floor(3,358 × 80 / 1,000) = floor(268.64) = 268 fen; 50% → 134.
    expect(e.record_subsidies).toEqual([19_046, 4_820, 134, 0, 0]);
    // Line: 476,160 + 120,500 + 3,358 = 600,018 Wh; base 38,092 + 9,640 + 268 = 48,000; subsidy 19,046 + 4,820 + 134 = 24,000.
    expect(e.lines[0]).toMatchObject({ records: 4, records_unvalued: 1, energy_wh: 600_018, base_fen: 48_000n, subsidy_fen: 24_000n });
    expect(e.unmatched).toMatchObject({ records: 1, amount_fen: 20_000n });
    // Share cap 50% of 48,000 = 24,000: does not bite.
    expect(e.cuts).toEqual([]);
    expect(e.granted_fen).toBe(24_000n);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties over random valid rule sets and records.

describe('properties', () => {
  it('the generated rule sets are valid (checkRuleSet accepts them)', () => {
    fc.assert(
      fc.property(ruleSetArb(fc.oneof(billPay, computePay, energyPay)), (rs) => {
        expect(checkRuleSet(rs)).toEqual({ ok: true, rule_set: rs });
      }),
    );
  });

  it('bill and compute rules: 0 ≤ granted ≤ computed ≤ sum of bills; each record ≤ its bill less the other layers', () => {
    fc.assert(
      fc.property(ruleSetArb(fc.oneof(billPay, computePay)), records, beneficiaryArb, limitsArb, (rs, recs, b, limits) => {
        const e = evaluate(rs, recs, models, b, limits);
        expect(e.granted_fen).toBeGreaterThanOrEqual(0);
        expect(e.granted_fen).toBeLessThanOrEqual(e.computed_fen);
        expect(e.computed_fen).toBeLessThanOrEqual(sum(recs.map((r) => r.amount_fen)));
        expect(e.base_fen).toBeLessThanOrEqual(sum(recs.map((r) => r.amount_fen)));
        recs.forEach((r, k) => {
          expect(e.record_subsidies[k]).toBeGreaterThanOrEqual(0);
          expect(e.record_subsidies[k]).toBeLessThanOrEqual(r.amount_fen - r.other_layers_fen);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('any rules: record subsidies are whole, non-negative and sum to computed_fen (and the lines to it too); granted ≤ budget', () => {
    fc.assert(
      fc.property(ruleSetArb(fc.oneof(billPay, computePay, energyPay)), records, beneficiaryArb, limitsArb, (rs, recs, b, limits) => {
        const e = evaluate(rs, recs, models, b, limits);
        expect(e.record_subsidies).toHaveLength(recs.length);
        for (const s of e.record_subsidies) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
        expect(sum(e.record_subsidies)).toBe(e.computed_fen);
        expect(sum(e.lines.map((l) => l.subsidy_fen))).toBe(e.computed_fen);
        expect(sum(e.lines.map((l) => l.base_fen))).toBe(e.base_fen);
        expect(e.granted_fen).toBe(e.computed_fen - sum(e.cuts.map((c) => c.cut_fen)));
        if (limits.budget_available_fen !== null) expect(e.granted_fen).toBeLessThanOrEqual(limits.budget_available_fen);
        // Every record is accounted for once: in a line, unmatched, or excluded by the support period.
        expect(e.lines.reduce((n, l) => n + l.records, 0) + e.unmatched.records + (e.period_excluded?.records ?? 0)).toBe(recs.length);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic and, for its totals, independent of record order', () => {
    const arb = fc.tuple(ruleSetArb(fc.oneof(billPay, computePay, energyPay)), records, beneficiaryArb, limitsArb).chain(([rs, recs, b, limits]) =>
      fc.tuple(
        fc.constant(rs),
        fc.constant(recs),
        fc.constant(b),
        fc.constant(limits),
        fc.shuffledSubarray(
          recs.map((_, i) => i),
          { minLength: recs.length, maxLength: recs.length },
        ),
      ),
    );
    fc.assert(
      fc.property(arb, ([rs, recs, b, limits, order]) => {
        const e = evaluate(rs, recs, models, b, limits);
        expect(evaluate(rs, recs, models, b, limits)).toEqual(e);
        const p = evaluate(
          rs,
          order.map((i) => recs[i]!),
          models,
          b,
          limits,
        );
        expect({
          computed: p.computed_fen,
          granted: p.granted_fen,
          base: p.base_fen,
          cuts: p.cuts,
          share: p.domestic_share_bp,
          unmatched: p.unmatched,
          excluded: p.period_excluded,
        }).toEqual({
          computed: e.computed_fen,
          granted: e.granted_fen,
          base: e.base_fen,
          cuts: e.cuts,
          share: e.domestic_share_bp,
          unmatched: e.unmatched,
          excluded: e.period_excluded,
        });
        expect(p.lines).toEqual(e.lines);
        expect(p.record_subsidies).toEqual(order.map((i) => e.record_subsidies[i]));
      }),
      { numRuns: 200 },
    );
  });

  it('two layers evaluated one after the other never pay more than 100% of any bill', () => {
    fc.assert(
      fc.property(
        ruleSetArb(fc.oneof(billPay, computePay)),
        ruleSetArb(fc.oneof(billPay, computePay)),
        records,
        beneficiaryArb,
        limitsArb,
        (city, district, recs, b, limits) => {
          const first = evaluate(
            city,
            recs.map((r) => ({ ...r, other_layers_fen: 0 })),
            models,
            b,
            limits,
          );
          const second = evaluate(
            district,
            recs.map((r, k) => ({ ...r, other_layers_fen: first.record_subsidies[k]! })),
            models,
            b,
            limits,
          );
          recs.forEach((r, k) => expect(first.record_subsidies[k]! + second.record_subsidies[k]!).toBeLessThanOrEqual(r.amount_fen));
          expect(first.granted_fen + second.granted_fen).toBeLessThanOrEqual(sum(recs.map((r) => r.amount_fen)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('exact past 2^53, against a plain BigInt model', () => {
  const amount_fen_max = 10_000_000_000_000; // usage_limits.amount_fen_max
  const bigRecords = fc
    .tuple(
      fc.array(fc.record({ domestic: fc.boolean(), amount_fen: fc.oneof(fc.constant(amount_fen_max), fc.integer({ min: 0, max: amount_fen_max })) }), {
        minLength: 1,
        maxLength: 400,
      }),
      fc.integer({ min: 0, max: 1500 }), // more bills of 1e13: 901 of them already pass 2^53
    )
    .map(([some, n]) =>
      [...some, ...Array.from({ length: n }, (_, k) => ({ domestic: k % 7 !== 0, amount_fen: amount_fen_max }))].map((r, seq) =>
        rec({ seq, accelerator: r.domestic ? 'huawei-ascend-910b' : 'nvidia-h20', card_s: H, amount_fen: r.amount_fen }),
      ),
    );

  it('bill rules: every total equals the BigInt sum of the floored records', () => {
    fc.assert(
      fc.property(
        bigRecords,
        fc.integer({ min: 0, max: 10_000 }),
        fc.option(fc.bigInt({ min: 0n, max: 2n ** 62n }), { nil: null }),
        (recs, rate_bp, budget) => {
          const rules = ruleSet({ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp } });
          const e = evaluate(rules, recs, models, small_firm, { ...no_limits, budget_available_fen: budget });
          const domestic = recs.filter((r) => r.accelerator === 'huawei-ascend-910b');
          const foreign = recs.filter((r) => r.accelerator !== 'huawei-ascend-910b');
          const base = domestic.reduce((s, r) => s + BigInt(r.amount_fen), 0n);
          const subsidy = domestic.reduce((s, r) => s + (BigInt(r.amount_fen) * BigInt(rate_bp)) / 10_000n, 0n);
          expect(e.base_fen).toBe(base);
          expect(e.computed_fen).toBe(subsidy);
          expect(e.unmatched.amount_fen).toBe(foreign.reduce((s, r) => s + BigInt(r.amount_fen), 0n));
          if (domestic.length > 0)
            expect(e.lines).toEqual([
              expect.objectContaining({ records: domestic.length, base_fen: base, subsidy_fen: subsidy, ceiling_cut_fen: 0n, layer_cut_fen: 0n }),
            ]);
          expect(e.granted_fen).toBe(budget === null || budget >= subsidy ? subsidy : budget);
          expect(e.record_subsidies.reduce((s, x) => s + BigInt(x), 0n)).toBe(subsidy);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('ceilings, layers and the share cap: the cuts and totals stay exact too', () => {
    fc.assert(
      fc.property(
        bigRecords,
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (recs, rate_bp, ceiling, share_bp) => {
          const layered = recs.map((r) => ({ ...r, other_layers_fen: Math.floor(r.amount_fen / 3) }));
          const rules = ruleSet({ id: 'capped', match: {}, pay: { basis: 'bill', rate_bp }, ceiling_fen_per_card_hour: ceiling });
          const e = evaluate(rules, layered, models, small_firm, { ...no_limits, cap_share_bp: share_bp });
          let base = 0n;
          let ceiling_cut = 0n;
          let layer_cut = 0n;
          let subsidy = 0n;
          for (const r of layered) {
            const b = BigInt(Math.min(r.amount_fen, ceiling)); // one card-hour each: the ceiling is the price itself
            base += b;
            ceiling_cut += BigInt(r.amount_fen) - b;
            let s = (b * BigInt(rate_bp)) / 10_000n;
            const room = BigInt(r.amount_fen - r.other_layers_fen);
            if (s > room) {
              layer_cut += s - room;
              s = room;
            }
            subsidy += s;
          }
          expect(e.base_fen).toBe(base);
          expect(e.computed_fen).toBe(subsidy);
          expect(e.lines[0]).toMatchObject({ base_fen: base, ceiling_cut_fen: ceiling_cut, layer_cut_fen: layer_cut, subsidy_fen: subsidy });
          const cap = (base * BigInt(share_bp)) / 10_000n;
          expect(e.granted_fen).toBe(subsidy > cap ? cap : subsidy);
        },
      ),
      { numRuns: 40 },
    );
  });
});
