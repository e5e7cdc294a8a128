// The subsidy of a set of usage records under a rule set: a pure function with a line-by-line explanation.
// Rounding: each record's subsidy is floored to whole fen (so is an estimated energy figure, in Wh); lines and totals
// are sums of those integers; every cut (share cap, absolute caps, budget) is a whole-fen subtraction. A record's
// amounts are numbers (each below 2^53); every sum of money is a bigint, exact however many records a claim holds.
import type { OfficeCalendar } from '../calendar.js';
import { FenSum } from '../money/fen.js';
import type { EnterpriseSize } from '../org/organization.js';
import type { Rule, RuleSetBody } from './rule-set.js';

export interface EvalRecord {
  seq: number;
  accelerator: string;
  card_s: number;
  amount_fen: number;
  started_at_ms: number;
  workload: 'training' | 'inference' | null;
  provider_id: string;
  /** Region (division code) of the cluster the work ran on. */
  region: string;
  energy_wh: number | null;
  /** What other funding layers already subsidize of this record (their claims not rejected or withdrawn). */
  other_layers_fen: number;
}

export interface ModelFacts {
  domestic: boolean;
  vendor: string;
  gflops: number | null;
  tdp_w: number | null;
}

export interface BeneficiaryFacts {
  size: EnterpriseSize | null;
  categories: readonly string[];
}

export interface EvalLimits {
  /** the office's calendar: support_months count its months */
  calendar: OfficeCalendar;
  /** subsidy ≤ this share of the rules' base (the bill, or the energy cost) */
  cap_share_bp: number | null;
  /** per beneficiary over the whole program, and per calendar year */
  cap_fen: bigint | null;
  cap_fen_year: bigint | null;
  granted_fen: bigint;
  granted_fen_year: bigint;
  /** support ends this many months after the beneficiary's first subsidized usage (the same wall-clock time, office calendar) */
  support_months: number | null;
  first_subsidized_at_ms: number | null;
  /** the program's available budget; null: not applied (an estimate without a budget cut) */
  budget_available_fen: bigint | null;
  /**
   * Card-seconds per model of ALL the beneficiary's usage in the claim period (also what other claims hold), for the
   * tier bonus's domestic share; without it the share is taken over `records` alone. Splitting domestic and foreign
   * usage into separate claims therefore cannot earn the bonus.
   */
  period_card_s_by_model?: ReadonlyMap<string, number>;
}

export interface RuleLine {
  rule_id: string;
  basis: 'bill' | 'compute' | 'energy';
  records: number;
  card_s: number;
  /** exact GFLOP of the records with a throughput figure (decimal string: may pass 2^53) */
  compute_gflop: string;
  energy_wh: number;
  /** records this rule matched but could not value (no throughput for compute, no energy figure for energy) */
  records_unvalued: number;
  base_fen: bigint;
  rate_bp: number | null;
  fen_per_pflop_h: number | null;
  fen_per_kwh: number | null;
  ceiling_fen_per_card_hour: number | null;
  /**
   * How much the price ceiling and the other funding layers took off: a bill rule's ceiling cut is taken off the base
   * (the bills), a compute rule's off the subsidy (it may not pass the ceiling-capped bill); the layer cut off the subsidy.
   */
  ceiling_cut_fen: bigint;
  layer_cut_fen: bigint;
  subsidy_fen: bigint;
}

export type CutKind = 'share_cap' | 'program_cap' | 'year_cap' | 'budget';
export interface Cut {
  kind: CutKind;
  limit_fen: bigint;
  cut_fen: bigint;
  message: string;
}

export interface Evaluation {
  lines: RuleLine[];
  unmatched: { records: number; card_s: number; amount_fen: bigint; message: string };
  period_excluded: { records: number; amount_fen: bigint; support_ends_at_ms: number; message: string } | null;
  domestic_share_bp: number | null;
  /** the rules' base: the bills (after ceilings) and energy costs of the subsidized records */
  base_fen: bigint;
  computed_fen: bigint;
  cuts: Cut[];
  granted_fen: bigint;
  /** per input record, its floored subsidy before cuts (0 when unmatched or excluded): a number, at most its bill */
  record_subsidies: number[];
  rounding: string;
}

const rounding = "each record's subsidy is floored to whole fen (estimated energy to whole Wh); lines and totals are sums of those; cuts subtract whole fen";

/** floor(a × b / d) exactly, in Number arithmetic while it is exact. */
function mulDiv(a: number, b: number, d: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) return Math.floor(p / d);
  return Number((BigInt(a) * BigInt(b)) / BigInt(d));
}

export function beneficiaryMatches(rule: Rule, b: BeneficiaryFacts): boolean {
  const m = rule.match;
  if (m.beneficiary_size !== undefined && (b.size === null || !m.beneficiary_size.includes(b.size))) return false;
  if (m.beneficiary_category !== undefined && !m.beneficiary_category.some((c) => b.categories.includes(c))) return false;
  return true;
}

export function modelMatches(rule: Rule, id: string, f: ModelFacts | undefined): boolean {
  const m = rule.match;
  if (m.accelerator !== undefined && !m.accelerator.includes(id)) return false;
  if (f === undefined) return m.domestic === undefined && m.vendor === undefined;
  if (m.domestic !== undefined && f.domestic !== m.domestic) return false;
  if (m.vendor !== undefined && !m.vendor.includes(f.vendor)) return false;
  return true;
}

/** The rule's conditions on where and how the work ran (the model's are modelMatches'). */
export function recordMatches(rule: Rule, r: Pick<EvalRecord, 'workload' | 'provider_id' | 'region'>): boolean {
  const m = rule.match;
  if (m.workload !== undefined && (r.workload === null || !m.workload.includes(r.workload))) return false;
  if (m.provider !== undefined && !m.provider.includes(r.provider_id)) return false;
  if (m.region !== undefined && !m.region.some((prefix) => r.region.startsWith(prefix))) return false;
  return true;
}

/** floor(domestic GFLOP × 10000 / all GFLOP) of the card-seconds per model; models without a throughput figure left out. */
export function domesticShareBp(card_s_by_model: ReadonlyMap<string, number>, models: ReadonlyMap<string, ModelFacts>): number | null {
  let domestic_gflop = 0n;
  let total_gflop = 0n;
  for (const [id, card_s] of card_s_by_model) {
    const f = models.get(id);
    if (!f || f.gflops === null) continue;
    const g = BigInt(card_s) * BigInt(f.gflops);
    total_gflop += g;
    if (f.domestic) domestic_gflop += g;
  }
  return total_gflop === 0n ? null : Number((domestic_gflop * 10_000n) / total_gflop);
}

/** A rule's line before any record: its rate with the tier bonus when the domestic share reaches the threshold. */
export function emptyLine(rule: Rule, domestic_share_bp: number | null): RuleLine {
  const bonus =
    rule.tier_bonus !== undefined && domestic_share_bp !== null && domestic_share_bp >= rule.tier_bonus.domestic_share_bp_min ? rule.tier_bonus.bonus_bp : 0;
  return {
    rule_id: rule.id,
    basis: rule.pay.basis,
    records: 0,
    card_s: 0,
    compute_gflop: '0',
    energy_wh: 0,
    records_unvalued: 0,
    base_fen: 0n,
    rate_bp: rule.pay.basis === 'compute' ? null : rule.pay.rate_bp + bonus,
    fen_per_pflop_h: rule.pay.basis === 'compute' ? rule.pay.fen_per_pflop_h : null,
    fen_per_kwh: rule.pay.basis === 'energy' ? rule.pay.fen_per_kwh : null,
    ceiling_fen_per_card_hour: rule.ceiling_fen_per_card_hour ?? null,
    ceiling_cut_fen: 0n,
    layer_cut_fen: 0n,
    subsidy_fen: 0n,
  };
}

/** A line being summed: its money in FenSums (Number arithmetic per record, a bigint only as a sum nears 2^53). */
interface Acc {
  line: RuleLine;
  base: FenSum;
  ceiling_cut: FenSum;
  layer_cut: FenSum;
  subsidy: FenSum;
  card_s_by_model: Map<string, number>;
}

export function evaluate(
  rule_set: RuleSetBody,
  records: readonly EvalRecord[],
  models: ReadonlyMap<string, ModelFacts>,
  beneficiary: BeneficiaryFacts,
  limits: EvalLimits,
): Evaluation {
  const rules = rule_set.rules.filter((r) => beneficiaryMatches(r, beneficiary));
  const candidatesOf = ruleCandidates(rules, models);

  // The support period starts at the beneficiary's first subsidized usage: before this claim, or this claim's earliest
  // record that a rule matches (usage that matched no rule was not subsidized and does not start the clock).
  let support_ends_at_ms: number | null = null;
  if (limits.support_months !== null) {
    let first = limits.first_subsidized_at_ms;
    if (first === null) {
      for (const r of records) {
        if ((first === null || r.started_at_ms < first) && candidatesOf(r.accelerator).some((i) => recordMatches(rules[i]!, r))) first = r.started_at_ms;
      }
    }
    if (first !== null) support_ends_at_ms = limits.calendar.addMonths(first, limits.support_months);
  }

  // Domestic share of normalized compute over all the usage of the period (models without a figure left out).
  let card_s_by_model: ReadonlyMap<string, number> | undefined = limits.period_card_s_by_model;
  if (card_s_by_model === undefined) {
    const m = new Map<string, number>();
    for (const r of records) m.set(r.accelerator, (m.get(r.accelerator) ?? 0) + r.card_s);
    card_s_by_model = m;
  }
  const domestic_share_bp = domesticShareBp(card_s_by_model, models);

  const accs: Acc[] = rules.map((rule) => {
    return {
      line: emptyLine(rule, domestic_share_bp),
      base: new FenSum(),
      ceiling_cut: new FenSum(),
      layer_cut: new FenSum(),
      subsidy: new FenSum(),
      card_s_by_model: new Map(),
    };
  });

  const unmatched = { records: 0, card_s: 0, amount_fen: new FenSum() };
  const excluded = { records: 0, amount_fen: new FenSum() };
  const record_subsidies = new Array<number>(records.length).fill(0);

  for (let k = 0; k < records.length; k++) {
    const r = records[k]!;
    const c = candidatesOf(r.accelerator);
    let index = -1;
    for (const i of c)
      if (recordMatches(rules[i]!, r)) {
        index = i;
        break;
      }
    if (index < 0) {
      unmatched.records++;
      unmatched.card_s += r.card_s;
      unmatched.amount_fen.add(r.amount_fen);
      continue;
    }
    if (support_ends_at_ms !== null && r.started_at_ms >= support_ends_at_ms) {
      excluded.records++;
      excluded.amount_fen.add(r.amount_fen);
      continue;
    }
    const rule = rules[index]!;
    const acc = accs[index]!;
    const { line, card_s_by_model: by_model } = acc;
    const f = models.get(r.accelerator);
    line.records++;
    line.card_s += r.card_s;
    by_model.set(r.accelerator, (by_model.get(r.accelerator) ?? 0) + r.card_s);
    const ceiling = rule.ceiling_fen_per_card_hour === undefined ? Number.POSITIVE_INFINITY : mulDiv(rule.ceiling_fen_per_card_hour, r.card_s, 3600);
    let subsidy: number;
    let room: number; // what this record may still receive: its bill (or energy cost) less what other layers pay
    const pay = rule.pay;
    if (pay.basis === 'energy') {
      const wh = r.energy_wh ?? (f?.tdp_w == null ? null : mulDiv(r.card_s, f.tdp_w, 3600));
      if (wh === null) {
        line.records_unvalued++;
        continue;
      }
      line.energy_wh += wh;
      const base = mulDiv(wh, pay.fen_per_kwh, 1000);
      acc.base.add(base);
      subsidy = mulDiv(base, line.rate_bp!, 10_000);
      room = base - r.other_layers_fen;
    } else {
      const base = Math.min(r.amount_fen, ceiling);
      if (pay.basis === 'bill') {
        acc.ceiling_cut.add(r.amount_fen - base); // off the base
        acc.base.add(base);
        subsidy = mulDiv(base, line.rate_bp!, 10_000);
      } else {
        if (f?.gflops == null) {
          line.records_unvalued++;
          continue;
        }
        acc.base.add(base);
        // fen = card_s × GFLOPS × fen_per_pflop_h / 3.6e9, floored (a bigint where it passes 2^53)
        const p = r.card_s * f.gflops;
        const raw: number | bigint = Number.isSafeInteger(p)
          ? mulDiv(p, pay.fen_per_pflop_h, 3_600_000_000)
          : (BigInt(r.card_s) * BigInt(f.gflops) * BigInt(pay.fen_per_pflop_h)) / 3_600_000_000n;
        subsidy = raw < base ? Number(raw) : base; // never more than the (ceiling-capped) bill
        acc.ceiling_cut.add(typeof raw === 'bigint' ? raw - BigInt(subsidy) : raw - subsidy); // off the subsidy
      }
      room = r.amount_fen - r.other_layers_fen;
    }
    if (subsidy > room) {
      const cut = subsidy - Math.max(room, 0);
      acc.layer_cut.add(cut);
      subsidy -= cut;
    }
    acc.subsidy.add(subsidy);
    record_subsidies[k] = subsidy;
  }

  for (const a of accs) {
    let g = 0n;
    for (const [id, card_s] of a.card_s_by_model) {
      const gflops = models.get(id)?.gflops;
      if (gflops != null) g += BigInt(card_s) * BigInt(gflops);
    }
    a.line.compute_gflop = g.toString();
    a.line.base_fen = a.base.total;
    a.line.ceiling_cut_fen = a.ceiling_cut.total;
    a.line.layer_cut_fen = a.layer_cut.total;
    a.line.subsidy_fen = a.subsidy.total;
  }
  return {
    ...summarize(
      accs.map((a) => a.line),
      { records: unmatched.records, card_s: unmatched.card_s, amount_fen: unmatched.amount_fen.total },
      { records: excluded.records, amount_fen: excluded.amount_fen.total },
      support_ends_at_ms,
      domestic_share_bp,
      limits,
    ),
    record_subsidies,
    rounding,
  };
}

/** Candidates per model: the indices of `rules` whose model conditions hold for it, looked up once per model. */
export function ruleCandidates(rules: readonly Rule[], models: ReadonlyMap<string, ModelFacts>): (accelerator: string) => number[] {
  const candidates = new Map<string, number[]>();
  return (id) => {
    let c = candidates.get(id);
    if (c === undefined) {
      c = [];
      rules.forEach((rule, i) => {
        if (modelMatches(rule, id, models.get(id))) c!.push(i);
      });
      candidates.set(id, c);
    }
    return c;
  };
}

/**
 * An evaluation's totals from its lines (those with records), what matched no rule and what the support period
 * excluded: the base, the computed amount and the cuts, with the messages that explain them. Both roundings end here.
 */
export function summarize(
  all_lines: readonly RuleLine[],
  unmatched: { records: number; card_s: number; amount_fen: bigint },
  excluded: { records: number; amount_fen: bigint },
  support_ends_at_ms: number | null,
  domestic_share_bp: number | null,
  limits: EvalLimits,
): Omit<Evaluation, 'record_subsidies' | 'rounding'> {
  const lines = all_lines.filter((l) => l.records > 0);
  const computed_fen = lines.reduce((s, l) => s + l.subsidy_fen, 0n);
  const base_fen = lines.reduce((s, l) => s + l.base_fen, 0n);
  const { cuts, granted_fen } = applyCuts(computed_fen, base_fen, limits);
  return {
    lines,
    unmatched: {
      ...unmatched,
      message: unmatched.records === 0 ? 'every record matched a rule' : `${unmatched.records} records matched no rule and earn nothing`,
    },
    period_excluded:
      excluded.records === 0 || support_ends_at_ms === null
        ? null
        : {
            ...excluded,
            support_ends_at_ms,
            message: `${excluded.records} records started after the support period ended (${limits.support_months} months from the first subsidized usage)`,
          },
    domestic_share_bp,
    base_fen,
    computed_fen,
    cuts,
    granted_fen,
  };
}

/**
 * The cuts, in order: the share cap (of the base), the per-beneficiary caps over the program and the calendar year
 * (less what was granted before), then the available budget. Approval applies them again with the figures of its moment.
 */
export function applyCuts(
  computed_fen: bigint,
  base_fen: bigint,
  limits: Omit<EvalLimits, 'support_months' | 'first_subsidized_at_ms' | 'calendar'>,
): { cuts: Cut[]; granted_fen: bigint } {
  const cuts: Cut[] = [];
  let granted = computed_fen;
  const cut = (kind: CutKind, limit_fen: bigint, message: string) => {
    const limit = limit_fen > 0n ? limit_fen : 0n;
    if (granted > limit) {
      cuts.push({ kind, limit_fen: limit, cut_fen: granted - limit, message });
      granted = limit;
    }
  };
  if (limits.cap_share_bp !== null)
    cut('share_cap', (base_fen * BigInt(limits.cap_share_bp)) / 10_000n, `at most ${limits.cap_share_bp / 100}% of the base (${base_fen} fen)`);
  if (limits.cap_fen !== null)
    cut(
      'program_cap',
      limits.cap_fen - limits.granted_fen,
      `at most ${limits.cap_fen} fen per beneficiary in this program, ${limits.granted_fen} fen already granted`,
    );
  if (limits.cap_fen_year !== null)
    cut(
      'year_cap',
      limits.cap_fen_year - limits.granted_fen_year,
      `at most ${limits.cap_fen_year} fen per beneficiary per calendar year, ${limits.granted_fen_year} fen already granted this year`,
    );
  if (limits.budget_available_fen !== null) cut('budget', limits.budget_available_fen, `the program's available budget is ${limits.budget_available_fen} fen`);
  return { cuts, granted_fen: granted };
}
