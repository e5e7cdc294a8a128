// One test per rule of shared/data/programs.md, "Rules a subsidy platform must be able to express": each builds the
// program or rule set that expresses the rule, with the figures programs.md reports (section numbers in the names),
// and checks the outcome with the domain functions that decide it. Amounts in fen (¥1 = 100 fen).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { acceleratorFromCsvRow, acceleratorThroughput } from '../catalog/accelerator.js';
import { claimTransition, claim_states, payableNow, type ClaimState } from '../claim/claim-state.js';
import { accountId, checkLedger, transferAccounts, type Transfer, type TransferKind } from '../ledger/ledger.js';
import { checkEligibility, checkProgramDefinition, type BeneficiaryProfile, type Program, type ProgramDefinition } from '../program/program.js';
import { applyCuts, evaluate, type BeneficiaryFacts, type EvalRecord, type ModelFacts } from './evaluate.js';
import { checkRuleSet, type Rule, type RuleSetBody } from './rule-set.js';
import { no_limits } from '../../../test/support/policy-arbitraries.js';

/** The facts evaluate needs, read from the catalog that ships with suanli: which chips are domestic comes from here. */
function catalogFacts(): Map<string, ModelFacts> {
  const text = fs.readFileSync(new URL('../../../catalog/accelerators.csv', import.meta.url), 'utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  const facts = new Map<string, ModelFacts>();
  for (const row of rows) {
    const m = acceleratorFromCsvRow(row);
    if ('message' in m) throw new Error(`catalog row ${row.id}: ${m.message}`);
    facts.set(m.id, { domestic: m.domestic, vendor: m.vendor, gflops: acceleratorThroughput(m)?.gflops ?? null, tdp_w: m.tdp_w });
  }
  return facts;
}
const catalog = catalogFacts();

const H = 3600;
const T0 = Date.UTC(2026, 7, 1); // 2026-08-01, the demo usage period
const yuan = (n: number) => n * 100; // a record's amount: a number
const sumYuan = (n: number) => BigInt(n) * 100n; // a sum of money (caps, budgets, totals): a bigint

function ruleSet(...rules: Rule[]): RuleSetBody {
  const r = checkRuleSet({ rules });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.rule_set;
}
function rec(r: Partial<EvalRecord> & Pick<EvalRecord, 'accelerator' | 'card_s' | 'amount_fen'>): EvalRecord {
  return { seq: 0, started_at_ms: T0, workload: 'training', provider_id: 'prov-sh-ai-compute', region: '310000', energy_wh: null, other_layers_fen: 0, ...r };
}
const firm: BeneficiaryFacts = { size: 'small', categories: [] };

/** A deliberately simple ledger: applies transfers to balances, refusing any that would take a non-funding account below 0. */
class TinyLedger {
  readonly transfers: Transfer[] = [];
  readonly balances = new Map<string, bigint>();
  constructor(readonly program_id: string) {}
  move(kind: TransferKind, amount: number | bigint, beneficiary_id: string | null = null, claim_id: string | null = null): void {
    const amount_fen = BigInt(amount);
    const { debit, credit } = transferAccounts(kind, this.program_id, beneficiary_id);
    const after = (this.balances.get(debit) ?? 0n) - amount_fen;
    if (after < 0n && !debit.endsWith(':funding')) throw new Error(`${kind} of ${amount_fen} would take ${debit} to ${after}`);
    this.transfers.push({ key: `${kind}-${this.transfers.length}`, kind, debit, credit, amount_fen, claim_id });
    this.balances.set(debit, after);
    this.balances.set(credit, (this.balances.get(credit) ?? 0n) + amount_fen);
  }
  balance(kind: 'funding' | 'available' | 'paid' | 'payable', beneficiary_id?: string): bigint {
    return this.balances.get(accountId(this.program_id, kind, beneficiary_id)) ?? 0n;
  }
}

describe('programs.md: rules a subsidy platform must be able to express', () => {
  it('rule 1: X% of the rent on domestic chips (Shanghai 2025: the city pays up to 30%, §0), 0% on foreign ones; the catalog says which is which', () => {
    const rules = ruleSet(
      { id: 'domestic-rent', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } },
      { id: 'foreign-rent', match: { domestic: false }, pay: { basis: 'bill', rate_bp: 0 } },
    );
    const records = [
      rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * H, amount_fen: yuan(96) }), // domestic in the catalog: 30% of 9,600 = 2,880
      rec({ accelerator: 'cambricon-mlu370-x8', card_s: 8 * H, amount_fen: yuan(64) }), // domestic: 30% of 6,400 = 1,920
      rec({ accelerator: 'nvidia-h20', card_s: 8 * H, amount_fen: yuan(80) }), // foreign: 0
      rec({ accelerator: 'nvidia-a800-80gb-sxm', card_s: 8 * H, amount_fen: yuan(120) }), // foreign (China-market A100): 0
    ];
    const e = evaluate(rules, records, catalog, firm, no_limits);
    expect(e.record_subsidies).toEqual([2880, 1920, 0, 0]);
    expect(e.lines.map((l) => [l.rule_id, l.records, l.subsidy_fen])).toEqual([
      ['domestic-rent', 2, 4800n],
      ['foreign-rent', 2, 0n],
    ]);
    // The rule names no chip: correcting the catalog (say the H20 were domestic) changes the outcome, not the rules.
    const corrected = new Map(catalog).set('nvidia-h20', { ...catalog.get('nvidia-h20')!, domestic: true });
    expect(evaluate(rules, records, corrected, firm, no_limits).record_subsidies).toEqual([2880, 1920, 2400, 0]);
  });

  it("rule 2: rates by the beneficiary's category (Shenzhen: 50% standard, 60% for start-ups, §1)", () => {
    const rules = ruleSet(
      { id: 'startup', match: { domestic: true, beneficiary_category: ['startup'] }, pay: { basis: 'bill', rate_bp: 6000 } },
      { id: 'standard', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 5000 } },
    );
    const records = [rec({ accelerator: 'huawei-ascend-910b', card_s: 16 * H, amount_fen: yuan(1_000) })];
    // ¥1,000 of rent: a start-up gets ¥600, any other firm ¥500 (first match wins: the start-up rule comes first).
    expect(evaluate(rules, records, catalog, { size: 'small', categories: ['startup'] }, no_limits).granted_fen).toBe(sumYuan(600));
    expect(evaluate(rules, records, catalog, { size: 'small', categories: [] }, no_limits).granted_fen).toBe(sumYuan(500));
    expect(evaluate(rules, records, catalog, { size: 'large', categories: ['research_institution'] }, no_limits).granted_fen).toBe(sumYuan(500));
  });

  it('rule 3: a share cap AND absolute caps per program and per calendar year (¥5 M model vouchers in Shanghai §0, ¥8 M per firm in Zhejiang §1)', () => {
    // Shanghai model vouchers: up to 50% of the approved contract, at most ¥5 M per entity.
    const rules = ruleSet({ id: 'model-contract', match: {}, pay: { basis: 'bill', rate_bp: 5000 } });
    const contract = [rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: yuan(12_000_000) })]; // a ¥12 M contract
    const e = evaluate(rules, contract, catalog, firm, { ...no_limits, cap_share_bp: 5000, cap_fen: sumYuan(5_000_000) });
    // 50% of ¥12 M = ¥6 M; the share cap (50% of ¥12 M) does not bite, the ¥5 M cap does.
    expect(e.computed_fen).toBe(sumYuan(6_000_000));
    expect(e.cuts.map((c) => [c.kind, c.cut_fen])).toEqual([['program_cap', sumYuan(1_000_000)]]);
    expect(e.granted_fen).toBe(sumYuan(5_000_000));

    // Zhejiang: up to ¥8 M per firm over the program; the per-year cap of ¥3 M here is illustrative.
    const zj = { cap_share_bp: 5000, cap_fen: sumYuan(8_000_000), cap_fen_year: sumYuan(3_000_000), budget_available_fen: null };
    // A second claim in 2026 after ¥2.5 M granted in 2026 (¥6 M over the program): computed ¥4 M of a ¥6 M base:
    // share cap 50% of ¥6 M = ¥3 M → cut ¥1 M; program cap ¥8 M − ¥6 M = ¥2 M → cut ¥1 M; year cap ¥3 M − ¥2.5 M = ¥0.5 M → cut ¥1.5 M.
    const r = applyCuts(sumYuan(4_000_000), sumYuan(6_000_000), { ...zj, granted_fen: sumYuan(6_000_000), granted_fen_year: sumYuan(2_500_000) });
    expect(r.cuts.map((c) => [c.kind, c.limit_fen, c.cut_fen])).toEqual([
      ['share_cap', sumYuan(3_000_000), sumYuan(1_000_000)],
      ['program_cap', sumYuan(2_000_000), sumYuan(1_000_000)],
      ['year_cap', sumYuan(500_000), sumYuan(1_500_000)],
    ]);
    expect(r.granted_fen).toBe(sumYuan(500_000));
    // In January 2027 the year cap starts afresh; only the ¥8 M over the program is left to bind (¥8 M − ¥6.5 M = ¥1.5 M).
    expect(applyCuts(sumYuan(4_000_000), sumYuan(6_000_000), { ...zj, granted_fen: sumYuan(6_500_000), granted_fen_year: 0n }).granted_fen).toBe(
      sumYuan(1_500_000),
    );
  });

  it('rule 4: support for at most 12 months from the first subsidized usage (Shanghai 2025 "support early": at most one year, §0)', () => {
    const rules = ruleSet({ id: 'domestic-rent', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 7000 } });
    const first = Date.parse('2025-09-15T02:00:00Z');
    const at = (iso: string) => rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: yuan(100), started_at_ms: Date.parse(iso) });
    const e = evaluate(rules, [at('2026-09-15T01:59:59Z'), at('2026-09-15T02:00:00Z'), at('2026-10-01T00:00:00Z')], catalog, firm, {
      ...no_limits,
      support_months: 12,
      first_subsidized_at_ms: first,
    });
    // Support ends 2026-09-15T02:00Z (exclusive): the first record earns 70% of ¥100, the other two nothing.
    expect(e.record_subsidies).toEqual([yuan(70), 0, 0]);
    expect(e.period_excluded).toMatchObject({ records: 2, amount_fen: sumYuan(200), support_ends_at_ms: Date.parse('2026-09-15T02:00:00Z') });
    // A beneficiary's first claim: the clock starts at its earliest subsidized record (2026-08-01), so all three count.
    expect(
      evaluate(rules, [at('2026-09-15T01:59:59Z'), at('2026-08-01T00:00:00Z'), at('2026-10-01T00:00:00Z')], catalog, firm, { ...no_limits, support_months: 12 })
        .record_subsidies,
    ).toEqual([yuan(70), yuan(70), yuan(70)]);
  });

  it('rule 5: eligibility by beneficiary kind, size, category, region and sector; usage only at listed providers', () => {
    const program: Pick<Program, 'beneficiary_kind' | 'eligibility'> = {
      beneficiary_kind: 'enterprise',
      eligibility: { sizes: ['micro', 'small'], regions: ['31'], sectors: ['large_models', 'biomedicine'], categories: ['sme', 'startup'] },
    };
    const ok: BeneficiaryProfile = { id: 'e1', kind: 'enterprise', region: '310115', size: 'small', sector: 'large_models', categories: ['sme'] };
    expect(checkEligibility(program, ok, false)).toEqual({ eligible: true });
    expect(checkEligibility(program, { ...ok, kind: 'provider' }, false)).toEqual({
      eligible: false,
      why: { requirement: 'beneficiary_kind', beneficiary_kind: 'enterprise' },
    });
    expect(checkEligibility(program, { ...ok, size: 'large' }, false)).toEqual({ eligible: false, why: { requirement: 'size', allowed: ['micro', 'small'] } });
    expect(checkEligibility(program, { ...ok, region: '110000' }, false)).toEqual({ eligible: false, why: { requirement: 'region', allowed: ['31'] } });
    expect(checkEligibility(program, { ...ok, region: null }, false).eligible).toBe(false);
    expect(checkEligibility(program, { ...ok, sector: 'finance' }, false)).toEqual({
      eligible: false,
      why: { requirement: 'sector', allowed: ['large_models', 'biomedicine'] },
    });
    expect(checkEligibility(program, { ...ok, categories: ['research_institution'] }, false)).toEqual({
      eligible: false,
      why: { requirement: 'category', allowed: ['sme', 'startup'] },
    });
    // A data-centre operator program pays providers, and may pay only those the office enrolled.
    const dc: Pick<Program, 'beneficiary_kind' | 'eligibility'> = { beneficiary_kind: 'provider', eligibility: { enrolled_only: true } };
    const provider: BeneficiaryProfile = { id: 'p1', kind: 'provider', region: '520100', size: null, sector: null, categories: [] };
    expect(checkEligibility(dc, provider, true)).toEqual({ eligible: true });
    expect(checkEligibility(dc, provider, false)).toEqual({ eligible: false, why: { requirement: 'enrolment' } });
    // "Usage counts only at listed providers" is a rule condition: usage elsewhere matches no rule and earns nothing.
    const listed = ruleSet({ id: 'listed', match: { domestic: true, provider: ['prov-sh-ai-compute'] }, pay: { basis: 'bill', rate_bp: 3000 } });
    const e = evaluate(
      listed,
      [
        rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: yuan(100) }),
        rec({ accelerator: 'huawei-ascend-910b', card_s: H, amount_fen: yuan(100), provider_id: 'prov-elsewhere' }),
      ],
      catalog,
      firm,
      no_limits,
    );
    expect(e.record_subsidies).toEqual([yuan(30), 0]);
    expect(e.unmatched.message).toBe('1 records matched no rule and earn nothing');
  });

  it('rule 6: layered funding: the city 30% and the district up to 70% of the same bill, each from its own budget, together at most 100% (§0)', () => {
    const city = ruleSet({ id: 'city-rent', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } });
    const district = ruleSet({ id: 'district-rent', match: { domestic: true, beneficiary_size: ['micro', 'small'] }, pay: { basis: 'bill', rate_bp: 7000 } });
    const bills = [yuan(1_000), 33_333, 1]; // ¥1,000, ¥333.33, 1 fen
    const records = bills.map((amount_fen) => rec({ accelerator: 'huawei-ascend-910b', card_s: 8 * H, amount_fen }));
    const c = evaluate(city, records, catalog, firm, { ...no_limits, budget_available_fen: sumYuan(600_000_000) });
    // City: floor(100,000 × 0.3) = 30,000; floor(33,333 × 0.3) = 9,999; floor(1 × 0.3) = 0.
    expect(c.record_subsidies).toEqual([30_000, 9_999, 0]);
    const d = evaluate(
      district,
      records.map((r, k) => ({ ...r, other_layers_fen: c.record_subsidies[k]! })),
      catalog,
      firm,
      { ...no_limits, budget_available_fen: sumYuan(100_000_000) },
    );
    // District: floor(100,000 × 0.7) = 70,000; floor(33,333 × 0.7) = 23,333; 0. Together ≤ each bill.
    expect(d.record_subsidies).toEqual([70_000, 23_333, 0]);
    records.forEach((r, k) => expect(c.record_subsidies[k]! + d.record_subsidies[k]!).toBeLessThanOrEqual(r.amount_fen));
    // A district that tries to pay the whole bill is cut to what the city left.
    const greedy = ruleSet({ id: 'district-all', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 10_000 } });
    const g = evaluate(
      greedy,
      records.map((r, k) => ({ ...r, other_layers_fen: c.record_subsidies[k]! })),
      catalog,
      firm,
      no_limits,
    );
    expect(g.record_subsidies).toEqual([70_000, 23_334, 1]);
    expect(g.lines[0]!.layer_cut_fen).toBe(30_000n + 9_999n);
    // Each layer spends from its own budget: the district's budget cut does not touch the city's grant.
    const small = evaluate(
      district,
      records.map((r, k) => ({ ...r, other_layers_fen: c.record_subsidies[k]! })),
      catalog,
      firm,
      { ...no_limits, budget_available_fen: 50_000n },
    );
    expect(small.granted_fen).toBe(50_000n);
    expect(c.granted_fen).toBe(39_999n);
  });

  it('rule 7: a fixed budget never exceeded (¥600 M compute vouchers, §0; separate pots are separate programs)', () => {
    const compute = new TinyLedger('sh-compute');
    const data = new TinyLedger('sh-data');
    compute.move('fund', yuan(600_000_000));
    data.move('fund', yuan(100_000_000)); // ¥100 M data vouchers: another program, another pot
    // Claims of ¥250 M computed each, approved one after another against what is available.
    const granted: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const { granted_fen, cuts } = applyCuts(sumYuan(250_000_000), sumYuan(1_000_000_000), {
        cap_share_bp: 3000,
        cap_fen: null,
        cap_fen_year: null,
        granted_fen: 0n,
        granted_fen_year: 0n,
        budget_available_fen: compute.balance('available'),
      });
      if (i === 2)
        expect(cuts).toEqual([
          {
            kind: 'budget',
            limit_fen: sumYuan(100_000_000),
            cut_fen: sumYuan(150_000_000),
            message: `the program's available budget is ${sumYuan(100_000_000)} fen`,
          },
        ]);
      if (granted_fen > 0n) compute.move('approve', granted_fen, `e${i}`, `c${i}`);
      granted.push(granted_fen);
    }
    // ¥250 M, ¥250 M, then only the ¥100 M left, then nothing: never more than the ¥600 M.
    expect(granted).toEqual([sumYuan(250_000_000), sumYuan(250_000_000), sumYuan(100_000_000), 0n]);
    expect(compute.balance('available')).toBe(0n);
    expect(data.balance('available')).toBe(sumYuan(100_000_000));
    expect(() => compute.move('approve', 1, 'e9', 'c9')).toThrow(/available/);
    const claims = granted.map((g, i) => ({ id: `c${i}`, granted_fen: g, paid_fen: 0n }));
    expect(checkLedger(compute.transfers, compute.balances, claims)).toEqual([]);
    expect(checkLedger(data.transfers, data.balances, [])).toEqual([]);
  });

  it('rule 8: energy subsidy to providers: 50% of the electricity cost of domestic-chip clusters, metered or card-hours × board power (FT via greenergydaily, §2)', () => {
    const program: Pick<Program, 'beneficiary_kind' | 'eligibility'> = { beneficiary_kind: 'provider', eligibility: {} };
    expect(checkEligibility(program, { id: 'e1', kind: 'enterprise', region: '520100', size: 'small', sector: null, categories: [] }, false).eligible).toBe(
      false,
    );
    // 80 fen/kWh is an illustrative tariff; the reports give only the result, ~¥0.4/kWh after the subsidy.
    const share = ruleSet({
      id: 'domestic-energy',
      match: { domestic: true, region: ['52', '62', '15'] },
      pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 },
    });
    const gz = { region: '520100', provider_id: 'prov-gz-guian-dc' };
    const records = [
      rec({ ...gz, accelerator: 'huawei-ascend-910b', card_s: 1024 * 24 * H, amount_fen: 0 }), // 24,576 card-h × 310 W = 7,618,560 Wh
      rec({ ...gz, accelerator: 'cambricon-mlu370-x8', card_s: 512 * 24 * H, amount_fen: 0, energy_wh: 3_500_000 }), // metered
      rec({ ...gz, accelerator: 'nvidia-h20', card_s: 512 * 24 * H, amount_fen: 0 }), // foreign chips do not qualify
      rec({ region: '310000', accelerator: 'huawei-ascend-910b', card_s: 1024 * 24 * H, amount_fen: 0 }), // Shanghai: not in these provinces
    ];
    const e = evaluate(share, records, catalog, { size: null, categories: [] }, { ...no_limits, cap_share_bp: 5000 });
    // 7,618,560 Wh × 80 / 1000 = 609,484.8 → 609,484 fen, 50% → 304,742; 3,500,000 Wh → 280,000 fen, 50% → 140,000.
    expect(e.record_subsidies).toEqual([304_742, 140_000, 0, 0]);
    expect(e.lines[0]).toMatchObject({ energy_wh: 11_118_560, base_fen: 889_484n, subsidy_fen: 444_742n });
    // "Or a price floor per kWh": the difference between the tariff and the floor, paid per kWh at 100%
    // (tariff 60 fen, floor 40 fen, both illustrative → 20 fen per kWh).
    const floor = ruleSet({ id: 'domestic-floor', match: { domestic: true }, pay: { basis: 'energy', rate_bp: 10_000, fen_per_kwh: 20 } });
    expect(evaluate(floor, [records[1]!], catalog, { size: null, categories: [] }, no_limits).granted_fen).toBe(70_000n); // 3,500 kWh × 20 fen
  });

  it('rule 9: staged payment: half on approval, half after the progress report is accepted (NSF ACCESS credits, §6)', () => {
    const first_stage_bp = 5000;
    const granted = 1_000_001n;
    const ledger = new TinyLedger('p');
    ledger.move('fund', 10_000_000);
    let state: ClaimState = 'submitted';
    const approve = claimTransition(state, 'approve');
    expect(approve).toEqual({ status: 'ok', to: 'approved' });
    state = 'approved';
    ledger.move('approve', granted, 'e1', 'c1');
    // Stage 1: floor(1,000,001 × 0.5) = 500,000; the claim stays approved while not paid in full.
    const first = payableNow(granted, 0n, first_stage_bp, false);
    expect(first).toBe(500_000n);
    ledger.move('pay', first, 'e1', 'c1');
    expect(payableNow(granted, first, first_stage_bp, false)).toBe(0n); // nothing more before the report
    // Stage 2, after the report is accepted: the rest, 500,001; the stages add up to the grant.
    const rest = payableNow(granted, first, first_stage_bp, true);
    expect(rest).toBe(500_001n);
    ledger.move('pay', rest, 'e1', 'c1');
    expect(claimTransition(state, 'pay')).toEqual({ status: 'ok', to: 'paid' });
    state = 'paid';
    expect(payableNow(granted, granted, first_stage_bp, true)).toBe(0n);
    expect(claimTransition(state, 'pay').status).toBe('illegal_transition');
    expect(ledger.balance('payable', 'e1')).toBe(0n);
    expect(ledger.balance('paid')).toBe(granted);
    expect(checkLedger(ledger.transfers, ledger.balances, [{ id: 'c1', granted_fen: granted, paid_fen: granted }])).toEqual([]);
    // first_stage_bp 10000 (the default) pays all at once.
    expect(payableNow(granted, 0n, 10_000, false)).toBe(granted);
  });

  it('rule 10: claw-back of an approved or paid claim (false usage, foreign chips, ineligible beneficiary); the ledger stays clean', () => {
    // Clawback rules of the Chinese schemes were not found (programs.md): the amounts here are illustrative.
    expect(claimTransition('approved', 'claw_back')).toEqual({ status: 'ok', to: 'clawed_back' });
    expect(claimTransition('paid', 'claw_back')).toEqual({ status: 'ok', to: 'clawed_back' });
    for (const s of claim_states.filter((x) => x !== 'approved' && x !== 'paid')) {
      expect(claimTransition(s, 'claw_back')).toEqual({ status: 'illegal_transition', state: s, allowed_from: ['approved', 'paid'] });
    }
    const ledger = new TinyLedger('p');
    ledger.move('fund', 1_000_000);
    // c1 approved 300,000, half paid (staged), then found to be on foreign chips: release the unpaid half, recover the paid one.
    ledger.move('approve', 300_000, 'e1', 'c1');
    ledger.move('pay', 150_000, 'e1', 'c1');
    ledger.move('release', 150_000, 'e1', 'c1');
    ledger.move('recover', 150_000, 'e1', 'c1');
    // c2 paid 200,000 in full, then 50,000 of its usage proves false: a partial claw-back recovers 50,000.
    ledger.move('approve', 200_000, 'e2', 'c2');
    ledger.move('pay', 200_000, 'e2', 'c2');
    ledger.move('recover', 50_000, 'e2', 'c2');
    // c3 approved 100,000, not yet paid, the beneficiary was not eligible: release it all.
    ledger.move('approve', 100_000, 'e3', 'c3');
    ledger.move('release', 100_000, 'e3', 'c3');
    expect(
      checkLedger(ledger.transfers, ledger.balances, [
        { id: 'c1', granted_fen: 0n, paid_fen: 0n },
        { id: 'c2', granted_fen: 150_000n, paid_fen: 150_000n },
        { id: 'c3', granted_fen: 0n, paid_fen: 0n },
      ]),
    ).toEqual([]);
    // What was clawed back is available again: 1,000,000 − 150,000 still paid out.
    expect(ledger.balance('available')).toBe(850_000n);
    expect(ledger.balance('paid')).toBe(150_000n);
    for (const e of ['e1', 'e2', 'e3']) expect(ledger.balance('payable', e)).toBe(0n);
    // A claim record that disagrees with its transfers is caught.
    expect(checkLedger(ledger.transfers, ledger.balances, [{ id: 'c2', granted_fen: 200_000n, paid_fen: 200_000n }]).map((p) => p.code)).toEqual([
      'claim_mismatch',
    ]);
  });
});

describe('programs.md rules as program definitions', () => {
  it('a program combining rules 1, 3, 4, 5, 7 and 9 passes checkProgramDefinition', () => {
    const definition: ProgramDefinition = {
      code: 'sh-compute-city-test',
      name_zh: '上海市算力券（测试）',
      name_en: 'Shanghai compute vouchers (test)',
      kind: 'compute_rent',
      source: 'shared/data/programs.md §0',
      beneficiary_kind: 'enterprise',
      funding_layer: 'shanghai-city',
      window: { start: '2025-08-01T00:00:00+08:00', end: '2028-01-01T00:00:00+08:00' },
      budget_fen: yuan(600_000_000),
      caps: { share_bp: 3000, fen: yuan(1_000_000), fen_year: yuan(1_000_000) },
      support_months: 12,
      first_stage_bp: 5000,
      eligibility: { regions: ['31'], sizes: ['micro', 'small', 'medium'] },
      rule_set: {
        effective_from: '2025-08-01T00:00:00+08:00',
        rules: [{ id: 'domestic-rent', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }],
      },
    };
    // The checked definition carries its money as exact bigints.
    expect(checkProgramDefinition(definition)).toEqual({
      ok: true,
      definition: { ...definition, budget_fen: sumYuan(600_000_000), caps: { share_bp: 3000, fen: sumYuan(1_000_000), fen_year: sumYuan(1_000_000) } },
    });
    expect(checkProgramDefinition({ ...definition, window: { start: definition.window.end, end: definition.window.start } })).toEqual({
      ok: false,
      problems: [{ code: 'window_end_not_after_start', field: 'window.end', message: 'must be after window.start' }],
    });
    expect(
      checkProgramDefinition({ ...definition, rule_set: { ...definition.rule_set, rules: [{ id: 'x', match: {}, pay: { basis: 'bill', rate_bp: 10_001 } }] } }),
    ).toEqual({ ok: false, problems: [{ code: 'invalid_value', field: 'rule_set.rules[0] (x).pay.rate_bp', message: 'must be <= 10000' }] });
  });
});
