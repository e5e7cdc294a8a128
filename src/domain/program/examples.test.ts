// The example program files (examples/programs/*.yaml) are valid program definitions, cover the demo usage period,
// and pay what a hand calculation says: one small worked example per file, the arithmetic in the comments.
import { OfficeCalendar } from '../calendar.js';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluate, type BeneficiaryFacts, type EvalLimits, type EvalRecord, type ModelFacts } from '../policy/evaluate.js';
import { checkEligibility, checkProgramDefinition, type BeneficiaryProfile, type CheckedProgramDefinition } from './program.js';

const dir = new URL('../../../examples/programs/', import.meta.url);
const files = ['shanghai-compute-voucher.yaml', 'guizhou-energy-subsidy.yaml', 'normalized-compute.yaml'] as const;

function load(file: string): CheckedProgramDefinition[] {
  const doc = parse(fs.readFileSync(new URL(file, dir), 'utf8')) as { programs?: unknown };
  if (!Array.isArray(doc.programs)) throw new Error(`${file}: expected a document "programs: [...]"`);
  return doc.programs.map((p, i) => {
    const r = checkProgramDefinition(p);
    if (!r.ok) throw new Error(`${file} programs[${i}]: ${JSON.stringify(r.problems)}`);
    return r.definition;
  });
}

function programByCode(file: string, code: string): CheckedProgramDefinition {
  const p = load(file).find((d) => d.code === code);
  if (p === undefined) throw new Error(`${file} has no program ${code}`);
  return p;
}

/** The limits a claim of a fresh beneficiary meets under a program: its caps and support period, its whole budget. */
function limitsOf(p: CheckedProgramDefinition): EvalLimits {
  return {
    calendar: new OfficeCalendar('UTC'),
    cap_share_bp: p.caps?.share_bp ?? null,
    cap_fen: p.caps?.fen ?? null,
    cap_fen_year: p.caps?.fen_year ?? null,
    granted_fen: 0n,
    granted_fen_year: 0n,
    support_months: p.support_months ?? null,
    first_subsidized_at_ms: null,
    budget_available_fen: p.budget_fen,
  };
}

const eligibilityOf = (p: CheckedProgramDefinition) => ({ beneficiary_kind: p.beneficiary_kind, eligibility: p.eligibility ?? {} });

// Catalog facts (catalog/accelerators.csv): dense GFLOPS = BF16, else FP16, TFLOPS × 1000; tdp_w as listed.
const models = new Map<string, ModelFacts>([
  ['huawei-ascend-910b', { domestic: true, vendor: 'Huawei', gflops: 320_000, tdp_w: 310 }],
  ['huawei-ascend-910c', { domestic: true, vendor: 'Huawei', gflops: 800_000, tdp_w: null }],
  ['cambricon-mlu370-x8', { domestic: true, vendor: 'Cambricon', gflops: 96_000, tdp_w: 250 }],
  ['hygon-dcu-k100-ai', { domestic: true, vendor: 'Hygon', gflops: null, tdp_w: null }],
  ['nvidia-h20', { domestic: false, vendor: 'NVIDIA', gflops: 148_000, tdp_w: 400 }],
]);

const H = 3600;
const aug = (day: number) => Date.UTC(2026, 7, day);
function rec(r: Partial<EvalRecord> & Pick<EvalRecord, 'accelerator' | 'card_s' | 'amount_fen'>): EvalRecord {
  return {
    seq: 0,
    started_at_ms: aug(3),
    workload: 'training',
    provider_id: 'prov-sh-ai-compute',
    region: '310000',
    energy_wh: null,
    other_layers_fen: 0,
    ...r,
  };
}

describe('examples/programs/*.yaml', () => {
  it('holds exactly the three example files', () => {
    expect(
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    ).toEqual([...files].sort());
  });

  it.each(files)('%s: every program passes checkProgramDefinition, cites its source and covers Aug–Oct 2026', (file) => {
    const programs = load(file);
    const raw = (parse(fs.readFileSync(new URL(file, dir), 'utf8')) as { programs: unknown[] }).programs;
    expect(programs.length).toBeGreaterThan(0);
    for (const [i, p] of programs.entries()) {
      expect(checkProgramDefinition(raw[i])).toEqual({ ok: true, definition: p });
      expect(typeof p.budget_fen).toBe('bigint');
      expect(p.source).toMatch(/programs\.md/);
      // The demo usage runs 2026-08-01T00:00Z for three months: claims against it must fall inside the window.
      expect(Date.parse(p.window.start)).toBeLessThanOrEqual(Date.parse('2026-08-01T00:00:00Z'));
      expect(Date.parse(p.window.end)).toBeGreaterThanOrEqual(Date.parse('2026-11-01T00:00:00Z'));
      expect(Date.parse(p.rule_set.effective_from)).toBeLessThanOrEqual(Date.parse('2026-08-01T00:00:00Z'));
    }
    const text = fs.readFileSync(new URL(file, dir), 'utf8');
    expect(text).toMatch(/^# /); // the comment header
    expect(text).toMatch(/shared\/data\/programs\.md §\d/);
    expect(text).toMatch(/[Ii]llustrative/);
  });

  it('program codes are unique across the files', () => {
    const codes = files.flatMap((f) => load(f).map((p) => p.code));
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('shanghai-compute-voucher.yaml: the city pays 30%, the Pudong layer 70% of the same rent, together 100%', () => {
    const city = programByCode('shanghai-compute-voucher.yaml', 'sh-compute-voucher-city');
    const district = programByCode('shanghai-compute-voucher.yaml', 'pudong-compute-voucher-district');
    expect([city.funding_layer, district.funding_layer]).toEqual(['shanghai-city', 'pudong-district']);
    expect(city.budget_fen).toBe(60_000_000_000n); // ¥600 M
    expect(district.support_months).toBe(12);

    // A small firm registered in Pudong (310115) is eligible for both; a medium one for the city only; Beijing for neither.
    const firm: BeneficiaryProfile = { id: 'e1', kind: 'enterprise', region: '310115', size: 'small', sector: 'large_models', categories: [] };
    expect(checkEligibility(eligibilityOf(city), firm, false)).toEqual({ eligible: true });
    expect(checkEligibility(eligibilityOf(district), firm, false)).toEqual({ eligible: true });
    expect(checkEligibility(eligibilityOf(district), { ...firm, size: 'medium' }, false).eligible).toBe(false);
    expect(checkEligibility(eligibilityOf(city), { ...firm, region: '110105' }, false).eligible).toBe(false);

    const facts: BeneficiaryFacts = { size: 'small', categories: [] };
    const records = [
      rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * 10 * H, amount_fen: 96_000 }), // 80 card-h, ¥960.00
      rec({ accelerator: 'nvidia-h20', card_s: 8 * 4 * H, amount_fen: 64_000 }), // foreign: earns nothing
      rec({ accelerator: 'cambricon-mlu370-x8', card_s: 2 * 5 * H, amount_fen: 33_333, started_at_ms: aug(20) }), // ¥333.33
    ];
    const c = evaluate(city.rule_set, records, models, facts, limitsOf(city));
    // City 30%: floor(96,000 × 0.3) = 28,800; 0; floor(33,333 × 0.3) = floor(9,999.9) = 9,999. Total 38,799.
    // Share cap 30% of the base 129,333 = floor(38,799.9) = 38,799: no cut.
    expect(c.record_subsidies).toEqual([28_800, 0, 9_999]);
    expect(c.cuts).toEqual([]);
    expect(c.granted_fen).toBe(38_799n);
    const d = evaluate(
      district.rule_set,
      records.map((r, k) => ({ ...r, other_layers_fen: c.record_subsidies[k]! })),
      models,
      facts,
      limitsOf(district),
    );
    // District 70%: floor(96,000 × 0.7) = 67,200; 0; floor(33,333 × 0.7) = floor(23,333.1) = 23,333. Total 90,533.
    // Room after the city: 96,000 − 28,800 = 67,200 and 33,333 − 9,999 = 23,334: no layer cut.
    expect(d.record_subsidies).toEqual([67_200, 0, 23_333]);
    expect(d.granted_fen).toBe(90_533n);
    // Together: 96,000 of the ¥960 bill (100%), 33,332 of the 33,333 one; the foreign bill gets nothing from either.
    expect(records.map((_, k) => c.record_subsidies[k]! + d.record_subsidies[k]!)).toEqual([96_000, 0, 33_332]);
    // The district's year runs from the first subsidized usage (2026-08-03): usage from 2027-08-03 on is excluded.
    const late = evaluate(
      district.rule_set,
      [rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: 1_000, started_at_ms: Date.UTC(2027, 7, 3) })],
      models,
      facts,
      { ...limitsOf(district), first_subsidized_at_ms: aug(3) },
    );
    expect(late.period_excluded).toMatchObject({ records: 1, support_ends_at_ms: Date.UTC(2027, 7, 3) });
  });

  it('guizhou-energy-subsidy.yaml: a Gansu cluster on domestic chips gets 50% of its electricity from the Gansu program only', () => {
    const programs = load('guizhou-energy-subsidy.yaml');
    expect(programs.map((p) => [p.code, p.beneficiary_kind, p.kind, p.funding_layer])).toEqual([
      ['guizhou-energy-domestic', 'provider', 'energy', 'provincial-energy'],
      ['gansu-energy-domestic', 'provider', 'energy', 'provincial-energy'],
      ['inner-mongolia-energy-domestic', 'provider', 'energy', 'provincial-energy'],
    ]);
    expect(programs.flatMap((p) => p.rule_set.rules.flatMap((r) => r.match.region ?? []))).toEqual(['52', '62', '15']);
    const [guizhou, gansu] = programs as [CheckedProgramDefinition, CheckedProgramDefinition, CheckedProgramDefinition];
    // An operator registered in Shenzhen (440300) is eligible: where its cluster runs decides, in the rule.
    const operator: BeneficiaryProfile = { id: 'p1', kind: 'provider', region: '440300', size: null, sector: null, categories: [] };
    expect(checkEligibility(eligibilityOf(gansu), operator, false)).toEqual({ eligible: true });
    expect(checkEligibility(eligibilityOf(gansu), { ...operator, kind: 'enterprise' }, false).eligible).toBe(false);

    const qingyang = { region: '621000', provider_id: 'prov-sz-qingyang' };
    const records = [
      // 910B, 64 cards × 24 h = 5,529,600 card-s, no meter: 5,529,600 × 310 / 3,600 = 476,160 Wh.
      rec({ ...qingyang, accelerator: 'huawei-ascend-910b', card_s: 64 * 24 * H, amount_fen: 1_500_000 }),
      // 910C has no board power in the catalog; the provider metered 900,000 Wh.
      rec({ ...qingyang, accelerator: 'huawei-ascend-910c', card_s: 64 * 24 * H, amount_fen: 3_000_000, energy_wh: 900_000 }),
      // H20: foreign chips do not qualify.
      rec({ ...qingyang, accelerator: 'nvidia-h20', card_s: 64 * 24 * H, amount_fen: 1_200_000 }),
    ];
    const facts: BeneficiaryFacts = { size: null, categories: [] };
    const e = evaluate(gansu.rule_set, records, models, facts, limitsOf(gansu));
    // 476,160 Wh × 80 / 1,000 = 38,092.8 → 38,092 fen, 50% → 19,046; 900,000 Wh × 80 / 1,000 = 72,000 fen, 50% → 36,000.
    // Base 110,092; share cap 50% = 55,046 = the computed amount: no cut.
    expect(e.record_subsidies).toEqual([19_046, 36_000, 0]);
    expect(e.lines[0]).toMatchObject({ energy_wh: 1_376_160, base_fen: 110_092n, subsidy_fen: 55_046n });
    expect(e.granted_fen).toBe(55_046n);
    // The Guizhou program matches none of it (the cluster is in Gansu).
    const g = evaluate(guizhou.rule_set, records, models, facts, limitsOf(guizhou));
    expect(g.computed_fen).toBe(0n);
    expect(g.unmatched.records).toBe(3);
  });

  it('normalized-compute.yaml: pays per PFLOP·h, at most the bill and ¥6 per card-hour, within a 50% share cap', () => {
    const p = programByCode('normalized-compute.yaml', 'normalized-domestic-compute');
    const records = [
      // 910B, 8 × 10 h = 288,000 card-s × 320,000 GFLOPS = 92,160,000,000 GFLOP = 25.6 PFLOP·h × 1,000 = 25,600 fen.
      // Ceiling 80 card-h × 600 = 48,000; bill 96,000 → capped bill 48,000 ≥ 25,600: pays 25,600.
      rec({ accelerator: 'huawei-ascend-910b', card_s: 288_000, amount_fen: 96_000 }),
      // MLU370-X8, 4 × 10 h = 144,000 card-s × 96,000 = 13,824,000,000 GFLOP = 3.84 PFLOP·h → 3,840 fen;
      // ceiling 40 × 600 = 24,000, bill 8,000 → capped bill 8,000 ≥ 3,840: pays 3,840.
      rec({ accelerator: 'cambricon-mlu370-x8', card_s: 144_000, amount_fen: 8_000 }),
      // 910C, 8 × 10 h = 288,000 card-s × 800,000 = 230,400,000,000 GFLOP = 64 PFLOP·h → 64,000 fen;
      // ceiling 80 × 600 = 48,000 < bill 160,000 → capped bill 48,000: pays 48,000 (16,000 taken off by the ceiling).
      rec({ accelerator: 'huawei-ascend-910c', card_s: 288_000, amount_fen: 160_000 }),
      // H20: foreign, matches no rule. K100-AI: domestic but no throughput figure: matched, unvalued.
      rec({ accelerator: 'nvidia-h20', card_s: 288_000, amount_fen: 80_000 }),
      rec({ accelerator: 'hygon-dcu-k100-ai', card_s: H, amount_fen: 1_000 }),
    ];
    const facts: BeneficiaryFacts = { size: 'small', categories: [] };
    const e = evaluate(p.rule_set, records, models, facts, limitsOf(p));
    expect(e.record_subsidies).toEqual([25_600, 3_840, 48_000, 0, 0]);
    // Line: base 48,000 + 8,000 + 48,000 = 104,000; subsidy 25,600 + 3,840 + 48,000 = 77,440.
    expect(e.lines).toEqual([
      expect.objectContaining({
        rule_id: 'domestic-compute',
        records: 4,
        records_unvalued: 1,
        base_fen: 104_000n,
        ceiling_cut_fen: 16_000n,
        subsidy_fen: 77_440n,
      }),
    ]);
    expect(e.unmatched).toMatchObject({ records: 1, amount_fen: 80_000n });
    // Share cap 50% of 104,000 = 52,000 → cut 25,440; the ¥500 k cap and the budget do not bite.
    expect(e.cuts).toEqual([{ kind: 'share_cap', limit_fen: 52_000n, cut_fen: 25_440n, message: 'at most 50% of the base (104000 fen)' }]);
    expect(e.granted_fen).toBe(52_000n);
  });
});
