// Use cases that combine the domain and the store, shared by the HTTP API, the CLI and the demo: applying a program
// definition, estimating and filing claims, and the what-if replay of a candidate rule set.
import { checkEligibility, type BeneficiaryProfile, type CheckedProgramDefinition, type Program } from '../domain/program/program.js';
import type { AuditActor } from '../store/audit-repository.js';
import type { EvalRecord, ModelFacts } from '../domain/policy/evaluate.js';
import { evaluateRecords, type RecordsEvaluation } from '../domain/policy/evaluate-lines.js';
import { default_rounding, type RuleSetBody } from '../domain/policy/rule-set.js';
import type { Organization } from '../domain/org/organization.js';
import type { Store } from '../store/store.js';
import { ClaimRecordsTaken, type Actor, type Claim, type TransitionOptions } from '../store/claim-repository.js';
import type { ClaimActionAny } from '../domain/claim/claim-state.js';
import { fen_max } from '../domain/money/fen.js';
import { Refusal } from '../domain/refusal.js';

export async function modelFacts(store: Store): Promise<Map<string, ModelFacts>> {
  return store.catalog.throughputs();
}

export function profileOf(org: Organization): BeneficiaryProfile {
  if (org.kind === 'office') throw new Refusal('not_eligible', { requirement: 'office' });
  return { id: org.id, kind: org.kind, region: org.region, size: org.size, sector: org.sector, categories: org.categories };
}

/** `suanli program apply`: creates the program, or adds a rule-set version when its rules changed. */
export async function applyProgram(
  store: Store,
  d: CheckedProgramDefinition,
  actor: AuditActor,
  now_ms: number,
): Promise<{ program: Program; created: boolean; rule_set_version: number | null }> {
  const existing = await store.programs.getByCode(d.code);
  if (existing === null) {
    const program = await store.programs.create(d, actor, now_ms);
    if (program) return { program, created: true, rule_set_version: 1 };
    return applyProgram(store, d, actor, now_ms); // created meanwhile by another process
  }
  const fixed: [string, unknown, unknown][] = [
    ['name_zh', existing.name_zh, d.name_zh],
    ['name_en', existing.name_en, d.name_en],
    ['kind', existing.kind, d.kind],
    ['beneficiary_kind', existing.beneficiary_kind, d.beneficiary_kind],
    ['funding_layer', existing.funding_layer, d.funding_layer],
    ['window.start', existing.window_start_ms, Date.parse(d.window.start)],
    ['window.end', existing.window_end_ms, Date.parse(d.window.end)],
    ['budget_fen', existing.budget_fen, d.budget_fen],
    ['caps.share_bp', existing.cap_share_bp, d.caps?.share_bp ?? null],
    ['caps.fen', existing.cap_fen, d.caps?.fen ?? null],
    ['caps.fen_year', existing.cap_fen_year, d.caps?.fen_year ?? null],
    ['support_months', existing.support_months, d.support_months ?? null],
    ['first_stage_bp', existing.first_stage_bp, d.first_stage_bp ?? 10_000],
    ['eligibility', JSON.stringify(existing.eligibility), JSON.stringify(d.eligibility ?? {})],
  ];
  const changed = fixed.filter(([, a, b]) => a !== b);
  if (changed.length > 0) {
    throw new Refusal('program_fields_fixed', { program_code: d.code, fields: changed.map(([f]) => f) }, { fields: [changed[0]![0]] });
  }
  const versions = await store.programs.ruleSets(existing.id);
  const latest = versions[versions.length - 1];
  const effective_from_ms = Date.parse(d.rule_set.effective_from);
  const rounding = d.rule_set.rounding ?? default_rounding;
  if (
    latest &&
    JSON.stringify(latest.rules) === JSON.stringify(d.rule_set.rules) &&
    latest.effective_from_ms === effective_from_ms &&
    latest.rounding === rounding
  ) {
    return { program: existing, created: false, rule_set_version: null };
  }
  const v = await store.programs.addRuleSet(existing.id, effective_from_ms, d.rule_set.rules, rounding, actor, now_ms);
  return { program: existing, created: false, rule_set_version: v.version };
}

export interface Estimate {
  program: Program;
  beneficiary: Organization;
  period_start_ms: number;
  period_end_ms: number;
  rule_set_version: number;
  records: EvalRecord[];
  evaluation: RecordsEvaluation;
}

/**
 * A record's amount is a number, exact below 2^53 (the ingest limit, amount_fen_max, is 1e13): a stored record past it
 * (written around the API) is refused by name rather than summed rounded.
 */
function checkRecordAmounts(records: readonly EvalRecord[]): void {
  for (const r of records) {
    if (!Number.isSafeInteger(r.amount_fen))
      throw new Refusal('amount_too_large', { reason: 'record_past_ingest_limit', record_seq: r.seq }, { fields: ['period_start'] });
  }
}

/** What a claim for this period would pay now, without filing it. */
export async function estimateClaim(store: Store, program_id: string, beneficiary_id: string, from_ms: number, to_ms: number): Promise<Estimate> {
  const program = await store.programs.get(program_id);
  if (!program) throw new Refusal('not_found', { what: 'program', id: program_id }, { fields: ['program_id'] });
  const beneficiary = await store.organizations.get(beneficiary_id);
  if (!beneficiary) throw new Refusal('not_found', { what: 'beneficiary', id: beneficiary_id }, { fields: ['beneficiary_id'] });
  if (!(to_ms > from_ms))
    throw new Refusal('invalid_period', { reason: 'end_not_after_start', start_field: 'period_start', end_field: 'period_end' }, { fields: ['period_end'] });
  if (store.calendar.year(from_ms) !== store.calendar.year(to_ms - 1))
    throw new Refusal('invalid_period', { reason: 'spans_years' }, { fields: ['period_end'] });
  const start = Math.max(from_ms, program.window_start_ms);
  const end = Math.min(to_ms, program.window_end_ms);
  if (!(end > start)) throw new Refusal('invalid_period', { reason: 'outside_window' }, { fields: ['period_start'] });
  const eligible = checkEligibility(program, profileOf(beneficiary), await store.programs.isEnrolled(program.id, beneficiary.id));
  if (!eligible.eligible) throw new Refusal('not_eligible', eligible.why, { fields: ['beneficiary_id'] });
  const rule_set = await store.programs.ruleSetAt(program.id, start);
  if (!rule_set) throw new Refusal('no_rule_set', {}, { fields: ['period_start'] });
  const [records, period_card_s_by_model, history, budget, models] = await Promise.all([
    store.claims.gatherRecords(program, beneficiary.id, start, end),
    store.claims.cardSecondsByModel(program.beneficiary_kind, beneficiary.id, start, end),
    store.claims.beneficiaryHistory(program.id, beneficiary.id, store.calendar.year(start)),
    store.programs.budget(program.id),
    modelFacts(store),
  ]);
  checkRecordAmounts(records);
  const evaluation = evaluateRecords(
    rule_set.rounding,
    { rules: rule_set.rules },
    records,
    models,
    { size: beneficiary.size, categories: beneficiary.categories },
    {
      cap_share_bp: program.cap_share_bp,
      cap_fen: program.cap_fen,
      cap_fen_year: program.cap_fen_year,
      granted_fen: history.granted_fen,
      granted_fen_year: history.granted_fen_year,
      support_months: program.support_months,
      first_subsidized_at_ms: history.first_subsidized_at_ms,
      calendar: store.calendar,
      budget_available_fen: budget.available_fen,
      period_card_s_by_model,
    },
  );
  return { program, beneficiary, period_start_ms: start, period_end_ms: end, rule_set_version: rule_set.version, records, evaluation };
}

/** Files a draft claim over the period's eligible usage; if a concurrent claim took a record first, gathers again. */
export async function fileClaim(
  store: Store,
  program_id: string,
  beneficiary_id: string,
  from_ms: number,
  to_ms: number,
  actor: Actor,
  now_ms: number,
): Promise<Claim> {
  for (let attempt = 1; ; attempt++) {
    const replacements_seen = await store.claims.replacementWatermark();
    const e = await estimateClaim(store, program_id, beneficiary_id, from_ms, to_ms);
    if (e.records.length === 0) throw new Refusal('no_records', {}, { fields: ['period_start'] });
    // A claim's amounts are stored in int8 columns: past 2^63 − 1 fen the claim is refused (split the period), never rounded.
    for (const [field, fen] of [
      ['base_fen', e.evaluation.base_fen],
      ['computed_fen', e.evaluation.computed_fen],
    ] as const) {
      if (fen > fen_max)
        throw new Refusal('amount_too_large', { reason: 'claim_amount', amount_field: field, amount_fen: fen, amount_fen_max: fen_max }, { fields: [field] });
    }
    try {
      return await store.claims.create(
        {
          program: e.program,
          beneficiary_id,
          period_start_ms: e.period_start_ms,
          period_end_ms: e.period_end_ms,
          rule_set_version: e.rule_set_version,
          evaluation: e.evaluation,
          records: e.records,
          replacements_seen,
        },
        actor,
        now_ms,
      );
    } catch (error) {
      if (error instanceof ClaimRecordsTaken && attempt < 3) continue;
      if (error instanceof ClaimRecordsTaken) throw new Refusal('records_taken', { reason: error.reason });
      throw error;
    }
  }
}

/** One action on a claim (submit, approve, pay, …): the claim after it, or the store's refusal thrown as a Refusal. */
export async function actOnClaim(
  store: Store,
  id: string,
  action: ClaimActionAny,
  actor: Actor,
  now_ms: number,
  options: TransitionOptions = {},
): Promise<Claim> {
  const r = await store.claims.transition(id, action, actor, now_ms, options);
  switch (r.status) {
    case 'ok':
      return r.claim;
    case 'not_found':
      throw new Refusal('not_found', { what: 'claim', id });
    case 'illegal_transition':
      throw new Refusal('illegal_transition', { subject: 'claim', state: r.state, allowed_from: r.allowed_from }, { fields: ['state'] });
    case 'budget_exhausted':
      throw new Refusal('budget_exhausted', { available_fen: r.available_fen }, { fields: ['budget'] });
    case 'nothing_payable':
      throw new Refusal('nothing_payable', { reason: r.reason }, { fields: ['amount_fen'] });
    case 'amount_too_large':
      throw new Refusal('amount_too_large', { reason: 'above_allowed', amount_fen_max: r.amount_fen_max }, { fields: ['amount_fen'] });
    case 'open_findings':
      throw new Refusal('open_findings', { finding_ids: r.finding_ids }, { fields: ['override_reason'] });
    case 'idempotency_key_reused':
      throw new Refusal('idempotency_key_reused', { idempotency_key: r.idempotency_key }, { fields: ['headers.idempotency-key'] });
  }
}

export interface SimulationVariant {
  label: 'current' | 'candidate';
  rule_set_version: number | null;
  beneficiaries: number;
  computed_fen: bigint;
  granted_fen: bigint;
  domestic_fen: bigint;
  foreign_fen: bigint;
  per_beneficiary: { beneficiary_id: string; name: string; computed_fen: bigint; granted_fen: bigint }[];
  per_vendor: { vendor: string; fen: bigint }[];
  /** what a PFLOP·h costs the buyer after the subsidy, fen (records with a throughput figure) */
  net_fen_per_pflop_h: { domestic: number | null; foreign: number | null };
  budget_fen: bigint;
  /** the office day the budget would run out at this pace (subsidies by the day the work started), or null */
  budget_runs_out_on: string | null;
}

/** Replays rule sets over the usage of a past period: the program's current rules beside a candidate. */
export async function simulate(
  store: Store,
  program_id: string,
  candidate: RuleSetBody,
  from_ms: number,
  to_ms: number,
  overrides: { budget_fen?: bigint; cap_share_bp?: number | null; cap_fen?: bigint | null; cap_fen_year?: bigint | null } = {},
): Promise<{ period_start_ms: number; period_end_ms: number; variants: SimulationVariant[] }> {
  const program = await store.programs.get(program_id);
  if (!program) throw new Refusal('not_found', { what: 'program', id: program_id }, { fields: ['program_id'] });
  if (!(to_ms > from_ms)) throw new Refusal('invalid_period', { reason: 'end_not_after_start', start_field: 'from', end_field: 'to' }, { fields: ['to'] });
  const current = await store.programs.ruleSetAt(program.id, from_ms);
  const models = await modelFacts(store);
  const orgs = await store.organizations.list(program.beneficiary_kind);
  const by_beneficiary = await store.claims.replayRecords(program.beneficiary_kind, from_ms, to_ms);
  const budget_fen = overrides.budget_fen ?? program.budget_fen;
  const caps = {
    cap_share_bp: overrides.cap_share_bp === undefined ? program.cap_share_bp : overrides.cap_share_bp,
    cap_fen: overrides.cap_fen === undefined ? program.cap_fen : overrides.cap_fen,
    cap_fen_year: overrides.cap_fen_year === undefined ? program.cap_fen_year : overrides.cap_fen_year,
  };
  const variants: SimulationVariant[] = [];
  for (const [label, rules, version, rounding] of [
    ['current', current?.rules ?? [], current?.version ?? null, current?.rounding ?? default_rounding],
    ['candidate', candidate.rules, null, candidate.rounding ?? default_rounding],
  ] as const) {
    const v: SimulationVariant = {
      label,
      rule_set_version: version,
      beneficiaries: 0,
      computed_fen: 0n,
      granted_fen: 0n,
      domestic_fen: 0n,
      foreign_fen: 0n,
      per_beneficiary: [],
      per_vendor: [],
      net_fen_per_pflop_h: { domestic: null, foreign: null },
      budget_fen,
      budget_runs_out_on: null,
    };
    const vendor = new Map<string, bigint>();
    const by_day = new Map<string, bigint>();
    const net = { domestic: { bill: 0n, subsidy: 0n, gflop: 0n }, foreign: { bill: 0n, subsidy: 0n, gflop: 0n } };
    for (const org of orgs) {
      const records = by_beneficiary.get(org.id);
      if (!records || records.length === 0) continue;
      const eligible = checkEligibility(program, profileOf(org), await store.programs.isEnrolled(program.id, org.id));
      if (!eligible.eligible) continue;
      checkRecordAmounts(records);
      const e = evaluateRecords(
        rounding,
        { rules: [...rules] },
        records,
        models,
        { size: org.size, categories: org.categories },
        {
          ...caps,
          granted_fen: 0n,
          granted_fen_year: 0n,
          support_months: program.support_months,
          first_subsidized_at_ms: null,
          budget_available_fen: null,
          calendar: store.calendar,
        },
      );
      v.beneficiaries++;
      v.computed_fen += e.computed_fen;
      v.granted_fen += e.granted_fen;
      v.per_beneficiary.push({ beneficiary_id: org.id, name: org.name, computed_fen: e.computed_fen, granted_fen: e.granted_fen });
      // Splits share each beneficiary's cuts out pro rata over its records, floored per record: they may fall short of
      // the grant by less than one fen per record. Exact: subsidy × granted / computed in BigInt.
      const cut = e.granted_fen !== e.computed_fen;
      records.forEach((r, i) => {
        const f = models.get(r.accelerator);
        const subsidy = BigInt(e.record_subsidies[i] ?? 0);
        const s = !cut ? subsidy : e.computed_fen === 0n ? 0n : (subsidy * e.granted_fen) / e.computed_fen;
        const side = f?.domestic ? 'domestic' : 'foreign';
        if (f?.domestic) v.domestic_fen += s;
        else v.foreign_fen += s;
        vendor.set(f?.vendor ?? 'unknown', (vendor.get(f?.vendor ?? 'unknown') ?? 0n) + s);
        const day = store.calendar.day(r.started_at_ms);
        by_day.set(day, (by_day.get(day) ?? 0n) + s);
        if (f?.gflops != null) {
          net[side].bill += BigInt(r.amount_fen);
          net[side].subsidy += s;
          net[side].gflop += BigInt(r.card_s) * BigInt(f.gflops);
        }
      });
    }
    const descending = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);
    v.per_beneficiary.sort((a, b) => descending(a.granted_fen, b.granted_fen) || (a.beneficiary_id < b.beneficiary_id ? -1 : 1));
    v.per_vendor = [...vendor.entries()].map(([k, fen]) => ({ vendor: k, fen })).sort((a, b) => descending(a.fen, b.fen) || (a.vendor < b.vendor ? -1 : 1));
    for (const side of ['domestic', 'foreign'] as const) {
      const n = net[side];
      v.net_fen_per_pflop_h[side] = n.gflop === 0n ? null : Number(((n.bill - n.subsidy) * 3_600_000_000n) / n.gflop);
    }
    let cumulative = 0n;
    for (const day of [...by_day.keys()].sort()) {
      cumulative += by_day.get(day)!;
      if (cumulative > budget_fen) {
        v.budget_runs_out_on = day;
        break;
      }
    }
    variants.push(v);
  }
  return { period_start_ms: from_ms, period_end_ms: to_ms, variants };
}
