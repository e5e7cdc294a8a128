// The subsidy under per-line rounding (a rule-set version with `rounding: line`, the default of every version applied
// since issue 17): each claim line is computed from the exact sums of its records and floored once, so the fen do not
// depend on how a provider split its usage into records, and the evaluation can run on groups of records (the
// usage_groups rollup) instead of the records themselves. Records are a special case: a group of one.
//
// A group holds records that every rule condition and every figure of pay treats alike: the same model, workload,
// provider and cluster region, the same price bucket (below), and all started within [first, last]. Its figures are
// sums, so a line is the same whether it is summed record by record or group by group (the property test of
// evaluate-lines.test.ts and test/api/claims-from-aggregates.test.ts).
//
// Price bucket: `price_key` (./price-key.ts), the bill per card-hour rounded up to whole fen: one comparison with a
// whole-fen ceiling decides every record of a group exactly.
import { FenSum } from '../money/fen.js';
import { priceKey } from './price-key.js';
import type { Rounding, Rule, RuleSetBody } from './rule-set.js';
import {
  evaluate,
  beneficiaryMatches,
  domesticShareBp,
  emptyLine,
  recordMatches,
  ruleCandidates,
  summarize,
  type BeneficiaryFacts,
  type EvalLimits,
  type EvalRecord,
  type Evaluation,
  type ModelFacts,
  type RuleLine,
} from './evaluate.js';

export interface EvalGroup {
  accelerator: string;
  workload: 'training' | 'inference' | null;
  provider_id: string;
  region: string;
  price_key: number | null;
  records: number;
  card_s: number;
  amount_fen: bigint;
  /** records with a meter reading, and the sum of their readings (Wh) */
  metered_records: number;
  metered_wh: bigint;
  /** card-seconds of the records without one (their energy is estimated from the model's board power) */
  unmetered_card_s: number;
  first_started_at_ms: number;
  last_started_at_ms: number;
  /** what other funding layers already subsidize of the group's records */
  other_layers_fen: bigint;
}

/** A record as a group of one. */
export function recordGroup(r: EvalRecord): EvalGroup {
  return {
    accelerator: r.accelerator,
    workload: r.workload,
    provider_id: r.provider_id,
    region: r.region,
    price_key: priceKey(r.amount_fen, r.card_s),
    records: 1,
    card_s: r.card_s,
    amount_fen: BigInt(r.amount_fen),
    metered_records: r.energy_wh === null ? 0 : 1,
    metered_wh: BigInt(r.energy_wh ?? 0),
    unmetered_card_s: r.energy_wh === null ? r.card_s : 0,
    first_started_at_ms: r.started_at_ms,
    last_started_at_ms: r.started_at_ms,
    other_layers_fen: BigInt(r.other_layers_fen),
  };
}

export { priceKey };

/** Groups that hold records both before and after the end of the support period: the caller splits them (reads their records). */
export class GroupsStraddleSupportEnd extends Error {
  constructor(
    readonly indices: readonly number[],
    readonly support_ends_at_ms: number,
  ) {
    super(`${indices.length} groups of records straddle the end of the support period`);
  }
}

export const line_rounding =
  'each claim line is computed from the exact sums of its records (bills within ceilings, energy, compute) and floored once to whole fen (its energy to whole Wh); totals are sums of lines; cuts subtract whole fen';

/**
 * floor(total × w_i / Σw) for each weight, plus one fen to the largest remainders (earliest first on ties) until the
 * shares sum to `total` exactly: how a line's subsidy is shared out among its groups (or records).
 */
export function apportion(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((s, w) => s + w, 0n);
  if (sum === 0n || total === 0n) return weights.map(() => 0n);
  const shares = new Array<bigint>(weights.length);
  let left = total;
  for (let i = 0; i < weights.length; i++) {
    shares[i] = (total * weights[i]!) / sum;
    left -= shares[i]!;
  }
  if (left === 0n) return shares;
  // The largest remainders first, earliest first on ties. Remainders are below `sum`: below 2^53 they compare exactly
  // as numbers in a typed array (a million in ~0.2 s), else as bigints.
  const order = Uint32Array.from(weights.keys());
  if (sum <= BigInt(Number.MAX_SAFE_INTEGER)) {
    const rem = Float64Array.from(weights, (w) => Number((total * w) % sum));
    order.sort((a, b) => rem[b]! - rem[a]! || a - b);
  } else {
    const rem = weights.map((w) => (total * w) % sum);
    order.sort((a, b) => (rem[a]! > rem[b]! ? -1 : rem[a]! < rem[b]! ? 1 : a - b));
  }
  for (let k = 0; left > 0n; k++, left -= 1n) shares[order[k]!]! += 1n;
  return shares;
}

/** A line's exact sums, as integers over fixed denominators. */
interface LineSums {
  line: RuleLine;
  rule: Rule;
  /** Σ bill within the ceiling × 3600 (bill and compute rules) */
  base3600: bigint;
  amount: FenSum;
  /** Σ energy × 3600, Wh (energy rules) */
  wh3600: bigint;
  gflop: bigint;
  others: bigint;
  /** the groups of the line, and those valued (members), with each member's weight in the line's subsidy */
  all: number[];
  members: number[];
  weights: bigint[];
}

export interface LineEvaluation extends Omit<Evaluation, 'record_subsidies'> {
  /** per input group, its share of its line's subsidy before cuts (0 when unmatched, excluded or unvalued) */
  group_subsidies: bigint[];
}

export function evaluateLines(
  rule_set: RuleSetBody,
  groups: readonly EvalGroup[],
  models: ReadonlyMap<string, ModelFacts>,
  beneficiary: BeneficiaryFacts,
  limits: EvalLimits,
): LineEvaluation {
  const rules = rule_set.rules.filter((r) => beneficiaryMatches(r, beneficiary));
  const candidatesOf = ruleCandidates(rules, models);
  const ruleOf = groups.map((g) => candidatesOf(g.accelerator).find((i) => recordMatches(rules[i]!, g)) ?? -1);

  // The support period, as in evaluate(): from the first subsidized usage, before this claim or in it.
  let support_ends_at_ms: number | null = null;
  if (limits.support_months !== null) {
    let first = limits.first_subsidized_at_ms;
    if (first === null) {
      groups.forEach((g, k) => {
        if (ruleOf[k]! >= 0 && (first === null || g.first_started_at_ms < first)) first = g.first_started_at_ms;
      });
    }
    if (first !== null) support_ends_at_ms = limits.calendar.addMonths(first, limits.support_months);
  }
  if (support_ends_at_ms !== null) {
    const end = support_ends_at_ms;
    const straddling = groups.flatMap((g, k) => (ruleOf[k]! >= 0 && g.first_started_at_ms < end && g.last_started_at_ms >= end ? [k] : []));
    if (straddling.length > 0) throw new GroupsStraddleSupportEnd(straddling, end);
  }

  let card_s_by_model = limits.period_card_s_by_model;
  if (card_s_by_model === undefined) {
    const m = new Map<string, number>();
    for (const g of groups) m.set(g.accelerator, (m.get(g.accelerator) ?? 0) + g.card_s);
    card_s_by_model = m;
  }
  const domestic_share_bp = domesticShareBp(card_s_by_model, models);

  const sums: LineSums[] = rules.map((rule) => ({
    line: emptyLine(rule, domestic_share_bp),
    rule,
    base3600: 0n,
    amount: new FenSum(),
    wh3600: 0n,
    gflop: 0n,
    others: 0n,
    all: [],
    members: [],
    weights: [],
  }));
  const unmatched = { records: 0, card_s: 0, amount_fen: new FenSum() };
  const excluded = { records: 0, amount_fen: new FenSum() };

  groups.forEach((g, k) => {
    const index = ruleOf[k]!;
    if (index < 0) {
      unmatched.records += g.records;
      unmatched.card_s += g.card_s;
      unmatched.amount_fen.add(g.amount_fen);
      return;
    }
    if (support_ends_at_ms !== null && g.first_started_at_ms >= support_ends_at_ms) {
      excluded.records += g.records;
      excluded.amount_fen.add(g.amount_fen);
      return;
    }
    const s = sums[index]!;
    const { line, rule } = s;
    const f = models.get(g.accelerator);
    line.records += g.records;
    line.card_s += g.card_s;
    s.all.push(k);
    const pay = rule.pay;
    if (pay.basis === 'energy') {
      const estimable = f?.tdp_w != null;
      const wh3600 = g.metered_wh * 3600n + (estimable ? BigInt(g.unmetered_card_s) * BigInt(f.tdp_w!) : 0n);
      line.records_unvalued += estimable ? 0 : g.records - g.metered_records;
      if (g.metered_records === 0 && !estimable) return;
      s.wh3600 += wh3600;
      s.others += g.other_layers_fen;
      s.members.push(k);
      s.weights.push(wh3600);
      return;
    }
    if (pay.basis === 'compute' && f?.gflops == null) {
      line.records_unvalued += g.records;
      return;
    }
    const ceiling = rule.ceiling_fen_per_card_hour;
    const within = ceiling === undefined || (g.price_key !== null && g.price_key <= ceiling);
    const base3600 = within ? g.amount_fen * 3600n : BigInt(ceiling) * BigInt(g.card_s);
    s.base3600 += base3600;
    s.amount.add(g.amount_fen);
    s.others += g.other_layers_fen;
    s.members.push(k);
    if (pay.basis === 'compute') {
      const gflop = BigInt(g.card_s) * BigInt(f!.gflops!);
      s.gflop += gflop;
      s.weights.push(gflop);
    } else s.weights.push(base3600);
  });

  const group_subsidies = groups.map(() => 0n);
  for (const s of sums) {
    const { line, rule } = s;
    if (line.records === 0) continue;
    let g = 0n;
    for (const [id, card_s] of byModel(groups, s.all)) {
      const gflops = models.get(id)?.gflops;
      if (gflops != null) g += BigInt(card_s) * BigInt(gflops);
    }
    line.compute_gflop = g.toString();
    const amount = s.amount.total;
    const pay = rule.pay;
    let subsidy: bigint;
    let room: bigint;
    if (pay.basis === 'energy') {
      line.energy_wh = Number(s.wh3600 / 3600n);
      line.base_fen = (s.wh3600 * BigInt(pay.fen_per_kwh)) / 3_600_000n;
      subsidy = (s.wh3600 * BigInt(pay.fen_per_kwh) * BigInt(line.rate_bp!)) / 36_000_000_000n;
      room = line.base_fen - s.others;
    } else {
      line.base_fen = s.base3600 / 3600n;
      if (pay.basis === 'bill') {
        line.ceiling_cut_fen = amount - line.base_fen;
        subsidy = (s.base3600 * BigInt(line.rate_bp!)) / 36_000_000n;
      } else {
        // fen = GFLOP × fen_per_pflop_h / 3.6e9, never more than the (ceiling-capped) bills: floor(min(…)) once
        const raw = s.gflop * BigInt(pay.fen_per_pflop_h);
        const capped = s.base3600 * 1_000_000n;
        subsidy = (raw < capped ? raw : capped) / 3_600_000_000n;
        line.ceiling_cut_fen = raw / 3_600_000_000n - subsidy;
        if (raw >= capped) s.weights = s.members.map((k) => weightWithin(groups[k]!, rule));
      }
      room = amount - s.others;
    }
    if (subsidy > room) {
      const cut = subsidy - (room > 0n ? room : 0n);
      line.layer_cut_fen = cut;
      subsidy -= cut;
    }
    line.subsidy_fen = subsidy;
    apportion(subsidy, s.weights).forEach((x, i) => (group_subsidies[s.members[i]!] = x));
  }

  return {
    ...summarize(
      sums.map((s) => s.line),
      { records: unmatched.records, card_s: unmatched.card_s, amount_fen: unmatched.amount_fen.total },
      { records: excluded.records, amount_fen: excluded.amount_fen.total },
      support_ends_at_ms,
      domestic_share_bp,
      limits,
    ),
    group_subsidies,
    rounding: line_rounding,
  };
}

/** A group's bill within the ceiling, × 3600: its weight in a compute line that the bills cap. */
function weightWithin(g: EvalGroup, rule: Rule): bigint {
  const c = rule.ceiling_fen_per_card_hour;
  return c === undefined || (g.price_key !== null && g.price_key <= c) ? g.amount_fen * 3600n : BigInt(c) * BigInt(g.card_s);
}

function byModel(groups: readonly EvalGroup[], members: readonly number[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of members) m.set(groups[k]!.accelerator, (m.get(groups[k]!.accelerator) ?? 0) + groups[k]!.card_s);
  return m;
}

/** An evaluation of records under either rounding, with each record's subsidy before cuts. */
export interface RecordsEvaluation extends Omit<Evaluation, 'record_subsidies'> {
  record_subsidies: readonly (number | bigint)[];
}

/** The records' subsidy under the rounding of their rule-set version: per record (evaluate) or per line (evaluateLines). */
export function evaluateRecords(
  rounding: Rounding,
  rule_set: RuleSetBody,
  records: readonly EvalRecord[],
  models: ReadonlyMap<string, ModelFacts>,
  beneficiary: BeneficiaryFacts,
  limits: EvalLimits,
): RecordsEvaluation {
  if (rounding === 'record') return evaluate(rule_set, records, models, beneficiary, limits);
  const { group_subsidies, ...e } = evaluateLines(rule_set, records.map(recordGroup), models, beneficiary, limits);
  return { ...e, record_subsidies: group_subsidies };
}
