// Tests for evaluateLines (per-line rounding): the split of one usage into records no longer changes the fen, the
// worked examples of docs/programs.md under line rounding, and the property the aggregate path rests on: summing
// records into groups first gives the same claim as taking them one by one.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluate, type EvalLimits, type EvalRecord } from './evaluate.js';
import { apportion, evaluateLines, GroupsStraddleSupportEnd, priceKey, recordGroup, type EvalGroup } from './evaluate-lines.js';
import type { RuleSetBody } from './rule-set.js';
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

const firm = { size: 'small' as const, categories: ['startup'] };
const singles = (rs: readonly EvalRecord[]) => rs.map(recordGroup);

describe('per-line rounding', () => {
  it('the same usage as one record or as 30 daily records earns the same fen (per record it differed by 9 fen)', () => {
    // 720 card-hours of Ascend 910B at ¥10.00416…/card-h: one record billed 720,300 fen, or 30 records of 24 card-h
    // billed 24,010 fen each (30 × 24,010 = 720,300). Bill rule at 30%.
    // Per record: one record floor(720,300 × 0.3) = 216,090; 30 records 30 × floor(7,203) = 216,090 — the same here;
    // at 29.99% the records floor each 7,200.599 to 7,200: 30 × 7,200 = 216,000, the single record floor(216,017.97) = 216,017.
    const rule = ruleSet({ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 2999 } });
    const one = [rec({ accelerator: 'huawei-ascend-910b', card_s: 720 * H, amount_fen: 720_300 })];
    const thirty = Array.from({ length: 30 }, (_, d) =>
      rec({ accelerator: 'huawei-ascend-910b', card_s: 24 * H, amount_fen: 24_010, started_at_ms: T0 + d * 86_400_000 }),
    );
    expect(evaluate(rule, one, models, firm, no_limits).computed_fen).toBe(216_017n);
    expect(evaluate(rule, thirty, models, firm, no_limits).computed_fen).toBe(216_000n);
    expect(evaluateLines(rule, singles(one), models, firm, no_limits).computed_fen).toBe(216_017n);
    const lines = evaluateLines(rule, singles(thirty), models, firm, no_limits);
    expect(lines.computed_fen).toBe(216_017n);
    // the line's subsidy is shared out among the records, summing exactly: 17 records get 7,201, 13 get 7,200
    expect(sum(lines.group_subsidies)).toBe(216_017n);
    expect(new Set(lines.group_subsidies)).toEqual(new Set([7_200n, 7_201n]));
  });

  it('docs/programs.md example 1 (ceiling, tier bonus, share cap) under line rounding: the same 64,800 fen', () => {
    // r1 within the ceiling: 96,000 × 3600; r2 above: 1,500 × 288,000 = 432,000,000 = 120,000 × 3600.
    // base = (345,600,000 + 432,000,000) / 3600 = 216,000; subsidy = floor(216,000 × 3,500 / 10,000) = 75,600.
    const rule = ruleSet({
      id: 'domestic-rent',
      match: { domestic: true },
      pay: { basis: 'bill', rate_bp: 2500 },
      ceiling_fen_per_card_hour: 1500,
      tier_bonus: { domestic_share_bp_min: 7000, bonus_bp: 1000 },
    });
    const rs = [
      rec({ accelerator: 'huawei-ascend-910b', card_s: 288_000, amount_fen: 96_000 }),
      rec({ accelerator: 'huawei-ascend-910b', card_s: 288_000, amount_fen: 160_000 }),
      rec({ accelerator: 'nvidia-h20', card_s: 115_200, amount_fen: 64_000 }),
    ];
    const e = evaluateLines(rule, singles(rs), models, firm, { ...no_limits, cap_share_bp: 3000 });
    expect(e.domestic_share_bp).toBe(9153);
    expect(e.lines).toHaveLength(1);
    expect(e.lines[0]).toMatchObject({ rate_bp: 3500, base_fen: 216_000n, ceiling_cut_fen: 40_000n, subsidy_fen: 75_600n, records: 2 });
    expect(e.cuts).toEqual([expect.objectContaining({ kind: 'share_cap', cut_fen: 10_800n })]);
    expect(e.granted_fen).toBe(64_800n);
    expect(e.group_subsidies).toEqual([33_600n, 42_000n, 0n]);
  });

  it('docs/programs.md example 2 (energy, estimated kWh) under line rounding: base 48,001 fen, subsidy 24,000 fen', () => {
    // Wh × 3600: e1 5,529,600 × 310 = 1,714,176,000; e2 120,500 × 3600 = 433,800,000; e3 39,000 × 310 = 12,090,000.
    // Σ = 2,160,066,000 → 600,018.33… Wh (energy_wh 600,018); base = floor(600,018.33… × 80 / 1000) = floor(48,001.47) = 48,001;
    // subsidy = floor(48,001.47 × 0.5) = floor(24,000.73) = 24,000; share cap 50% of 48,001 = 24,000: no cut.
    const rule = ruleSet({
      id: 'domestic-energy',
      match: { domestic: true, region: ['52', '62', '15'] },
      pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 },
    });
    const at = { region: '520100' };
    const rs = [
      rec({ ...at, accelerator: 'huawei-ascend-910b', card_s: 5_529_600, amount_fen: 0 }),
      rec({ ...at, accelerator: 'cambricon-mlu370-x8', card_s: 64 * 8 * H, amount_fen: 0, energy_wh: 120_500 }),
      rec({ ...at, accelerator: 'huawei-ascend-910b', card_s: 39_000, amount_fen: 0 }),
      rec({ ...at, accelerator: 'huawei-ascend-910c', card_s: 8 * H, amount_fen: 0 }),
      rec({ ...at, accelerator: 'nvidia-h20', card_s: 8 * H, amount_fen: 0 }),
    ];
    const e = evaluateLines(rule, singles(rs), models, { size: null, categories: [] }, { ...no_limits, cap_share_bp: 5000 });
    expect(e.lines).toEqual([
      expect.objectContaining({ records: 4, records_unvalued: 1, energy_wh: 600_018, base_fen: 48_001n, subsidy_fen: 24_000n, layer_cut_fen: 0n }),
    ]);
    expect(e.cuts).toEqual([]);
    expect(e.granted_fen).toBe(24_000n);
    expect(e.unmatched.records).toBe(1);
  });

  it('prices a record into its bucket exactly: within a whole-fen ceiling c exactly when price_key ≤ c', () => {
    expect(priceKey(96_000, 288_000)).toBe(1200);
    expect(priceKey(96_001, 288_000)).toBe(1201); // 1,200.0125 rounded up
    expect(priceKey(0, 0)).toBe(0);
    expect(priceKey(5, 0)).toBeNull();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.integer({ min: 1, max: 10_000_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (amount, card_s, c) => {
          const within = BigInt(amount) <= (BigInt(c) * BigInt(card_s)) / 3600n; // the per-record rule: amount ≤ floor(c × card_s / 3600)
          expect(priceKey(amount, card_s)! <= c).toBe(within);
        },
      ),
    );
  });

  it('apportion: shares sum to the total, each within one fen of its exact share, the largest remainders first', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        (total, small, huge) => {
          const weights = huge ? small.map((x) => x * 10n ** 6n) : small; // sums past 2^53: remainders compared as bigints
          const shares = apportion(total, weights);
          const w = sum(weights);
          if (w === 0n) {
            expect(shares.every((s) => s === 0n)).toBe(true);
            return;
          }
          expect(sum(shares)).toBe(total);
          shares.forEach((s, i) => {
            const exact_floor = (total * weights[i]!) / w;
            expect(s === exact_floor || s === exact_floor + 1n).toBe(true);
          });
          // no share rounded down has a larger remainder than one rounded up
          const rem = weights.map((x) => (total * x) % w);
          const up = weights.flatMap((x, k) => (shares[k]! > (total * x) / w ? [rem[k]!] : []));
          const down = weights.flatMap((x, k) => (shares[k]! === (total * x) / w ? [rem[k]!] : []));
          if (up.length > 0 && down.length > 0) expect(up.reduce((a, b) => (a < b ? a : b)) >= down.reduce((a, b) => (a > b ? a : b))).toBe(true);
        },
      ),
    );
  });
});

/** Groups of `rs` summed by everything a rule or pay looks at, and the office day (UTC here) of their start. */
function grouped(rs: readonly EvalRecord[]): { groups: EvalGroup[]; members: EvalRecord[][] } {
  const by = new Map<string, { g: EvalGroup; rs: EvalRecord[] }>();
  for (const r of rs) {
    const one = recordGroup(r);
    const key = JSON.stringify([r.accelerator, r.workload, r.provider_id, r.region, one.price_key, Math.floor(r.started_at_ms / 86_400_000)]);
    const cur = by.get(key);
    if (cur === undefined) {
      by.set(key, { g: one, rs: [r] });
      continue;
    }
    const g = cur.g;
    cur.rs.push(r);
    g.records += 1;
    g.card_s += one.card_s;
    g.amount_fen += one.amount_fen;
    g.metered_records += one.metered_records;
    g.metered_wh += one.metered_wh;
    g.unmetered_card_s += one.unmetered_card_s;
    g.other_layers_fen += one.other_layers_fen;
    g.first_started_at_ms = Math.min(g.first_started_at_ms, r.started_at_ms);
    g.last_started_at_ms = Math.max(g.last_started_at_ms, r.started_at_ms);
  }
  return { groups: [...by.values()].map((v) => v.g), members: [...by.values()].map((v) => v.rs) };
}

/** evaluateLines over groups, splitting the groups that straddle the support end into their records (as the service does). */
function evaluateGrouped(rule_set: RuleSetBody, rs: readonly EvalRecord[], b: Parameters<typeof evaluateLines>[3], limits: EvalLimits) {
  const { groups, members } = grouped(rs);
  try {
    return evaluateLines(rule_set, groups, models, b, limits);
  } catch (error) {
    if (!(error instanceof GroupsStraddleSupportEnd)) throw error;
    const split = new Set(error.indices);
    const again = groups.flatMap((g, k) => (split.has(k) ? members[k]!.map(recordGroup) : [g]));
    return evaluateLines(rule_set, again, models, b, limits);
  }
}

/** Records that fall into few groups: a few days, models, prices and sizes, so that groups hold many records. */
const denseRecords = fc.array(
  fc
    .record({
      accelerator: fc.constantFrom('huawei-ascend-910b', 'cambricon-mlu370-x8', 'nvidia-h20', 'huawei-ascend-910c'),
      hours: fc.constantFrom(1, 2, 3, 8),
      count: fc.constantFrom(1, 7, 8),
      price: fc.constantFrom(999, 1_200, 1_501, 2_000), // fen per card-hour
      extra_fen: fc.constantFrom(0, 0, 1), // a bill one fen off the price list now and then: another price bucket
      day: fc.integer({ min: 0, max: 2 }),
      minute: fc.integer({ min: 0, max: 1439 }),
      workload: fc.constantFrom('training' as const, null),
      energy_wh: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
      other_share_bp: fc.constantFrom(0, 0, 3000, 7000),
    })
    .map((r): EvalRecord => {
      const card_s = r.count * r.hours * H;
      const amount_fen = r.count * r.hours * r.price + r.extra_fen;
      return {
        seq: 0,
        accelerator: r.accelerator,
        card_s,
        amount_fen,
        started_at_ms: T0 + r.day * 86_400_000 + r.minute * 60_000,
        workload: r.workload,
        provider_id: 'p1',
        region: '310115',
        energy_wh: r.energy_wh,
        other_layers_fen: Math.floor((amount_fen * r.other_share_bp) / 10_000),
      };
    }),
  { maxLength: 80 },
);

describe('properties of per-line rounding', () => {
  const anyRules = ruleSetArb(fc.oneof(billPay, computePay, energyPay));
  it('groups of many records give the same claim as the records one by one', () => {
    fc.assert(
      fc.property(anyRules, denseRecords, beneficiaryArb, limitsArb, (rule_set, rs, b, limits) => {
        const { groups } = grouped(rs);
        if (rs.length > 20) expect(groups.length).toBeLessThan(rs.length); // the grouping does group
        const { group_subsidies: _a, ...x } = evaluateLines(rule_set, singles(rs), models, b, limits);
        const { group_subsidies: _b, ...y } = evaluateGrouped(rule_set, rs, b, limits);
        expect(y).toEqual(x);
      }),
      { numRuns: 300 },
    );
  });

  // Sums of groups stay within Number's exact range for card_s: the records here are at most 30 of 1e10 card-s.
  it('groups give the same claim as records one by one: lines, cuts, unmatched and excluded', () => {
    fc.assert(
      fc.property(anyRules, records, beneficiaryArb, limitsArb, (rule_set, rs, b, limits) => {
        const one_by_one = evaluateLines(rule_set, singles(rs), models, b, limits);
        const by_group = evaluateGrouped(rule_set, rs, b, limits);
        const { group_subsidies: _a, ...x } = one_by_one;
        const { group_subsidies: _b, ...y } = by_group;
        expect(y).toEqual(x);
      }),
      { numRuns: 300 },
    );
  });

  it('a line pays at most its bills less what other layers pay; shares sum to the line; granted ≤ computed', () => {
    fc.assert(
      fc.property(ruleSetArb(fc.oneof(billPay, computePay)), records, beneficiaryArb, limitsArb, (rule_set, rs, b, limits) => {
        let e;
        try {
          e = evaluateLines(rule_set, singles(rs), models, b, limits);
        } catch (error) {
          if (error instanceof GroupsStraddleSupportEnd) return; // records never straddle; unreachable
          throw error;
        }
        expect(e.granted_fen <= e.computed_fen).toBe(true);
        expect(e.granted_fen >= 0n).toBe(true);
        expect(sum(e.group_subsidies)).toBe(e.computed_fen);
        expect(e.computed_fen <= sum(rs.map((r) => r.amount_fen))).toBe(true);
        for (const s of e.group_subsidies) expect(s >= 0n).toBe(true);
      }),
    );
  });

  it('without other layers, flooring once pays at least what flooring each record did; bill and energy lines at most what those floors dropped', () => {
    fc.assert(
      fc.property(anyRules, records, beneficiaryArb, limitsArb, (rule_set, rs0, b, limits) => {
        const rs = rs0.map((r) => ({ ...r, other_layers_fen: 0 }));
        const uncut = { ...limits, cap_share_bp: null, cap_fen: null, cap_fen_year: null, budget_available_fen: null };
        const per_record = evaluate(rule_set, rs, models, b, uncut).computed_fen;
        const per_line = evaluateLines(rule_set, singles(rs), models, b, uncut).computed_fen;
        expect(per_line >= per_record).toBe(true);
        // A compute line is capped by the line's bills, not each record's (min of sums ≥ sum of mins): no upper bound
        // there. Elsewhere each record's floors drop less than 1 fen each (base, subsidy) and less than 1 Wh.
        if (rule_set.rules.some((r) => r.pay.basis === 'compute')) return;
        const kwh_fen = Math.max(0, ...rule_set.rules.map((r) => (r.pay.basis === 'energy' ? Math.ceil(r.pay.fen_per_kwh / 1000) : 0)));
        expect(per_line - per_record <= BigInt(rs.length * (2 + kwh_fen))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('priceKey', () => {
  it('is ceil(amount × 3600 / card_s) exactly, in numbers and past 2^53 in bigints', () => {
    const exact = (amount: number, card_s: number) => Number((BigInt(amount) * 3600n + BigInt(card_s) - 1n) / BigInt(card_s));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000_000_000_000 })),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100_000_000_000 })),
        (amount, card_s) => {
          expect(priceKey(amount, card_s)).toBe(exact(amount, card_s));
        },
      ),
      { numRuns: 2000 },
    );
    // a quotient just above a whole number, where a double division rounds down to it
    expect(priceKey(2_500_000_001, 9_000_000_000)).toBe(1001);
  });
});
