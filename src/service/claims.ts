// Use cases that combine the domain and the store, shared by the HTTP API, the CLI and the demo: applying a program
// definition, estimating and filing claims, and the what-if replay of a candidate rule set.
import { checkEligibility, type BeneficiaryProfile, type CheckedProgramDefinition, type Program } from '../domain/program/program.js';
import type { AuditActor } from '../store/audit-repository.js';
import type { BeneficiaryFacts, EvalLimits, EvalRecord, Evaluation, ModelFacts } from '../domain/policy/evaluate.js';
import {
  evaluateLines,
  evaluateRecords,
  GroupsStraddleSupportEnd,
  recordGroup,
  type EvalGroup,
  type LineEvaluation,
  type RecordsEvaluation,
} from '../domain/policy/evaluate-lines.js';
import type { DayGroup } from '../store/usage-groups-repository.js';
import { default_rounding, type Rounding, type RuleSetBody } from '../domain/policy/rule-set.js';
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
  rounding: Rounding;
  /** 'groups': computed from the usage groups (and the records of partial days); 'records': record by record */
  source: 'groups' | 'records';
  /** the records, when read one by one (always when filing) */
  records: EvalRecord[] | null;
  record_count: number;
  evaluation: ClaimEvaluation;
}

/** An evaluation as a claim keeps it; each record's subsidy only when the records were read one by one. */
export interface ClaimEvaluation extends Omit<RecordsEvaluation, 'record_subsidies'> {
  record_subsidies: readonly (number | bigint)[] | null;
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

/**
 * What a claim for this period would pay now, without filing it. Under a version that rounds per line it is computed
 * from the usage groups, unless a claim may hold some of the usage or a confirmed finding touches it (then, and for
 * `records: true` — filing — and per-record versions, record by record: the same figures, read from every record).
 */
export async function estimateClaim(
  store: Store,
  program_id: string,
  beneficiary_id: string,
  from_ms: number,
  to_ms: number,
  options: { records?: boolean } = {},
): Promise<Estimate> {
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
  const [history, budget, models] = await Promise.all([
    store.claims.beneficiaryHistory(program.id, beneficiary.id, store.calendar.year(start)),
    store.programs.budget(program.id),
    modelFacts(store),
  ]);
  const limits: EvalLimits = {
    cap_share_bp: program.cap_share_bp,
    cap_fen: program.cap_fen,
    cap_fen_year: program.cap_fen_year,
    granted_fen: history.granted_fen,
    granted_fen_year: history.granted_fen_year,
    support_months: program.support_months,
    first_subsidized_at_ms: history.first_subsidized_at_ms,
    calendar: store.calendar,
    budget_available_fen: budget.available_fen,
  };
  const facts = { size: beneficiary.size, categories: beneficiary.categories };
  const base = { program, beneficiary, period_start_ms: start, period_end_ms: end, rule_set_version: rule_set.version, rounding: rule_set.rounding };
  const body = { rules: rule_set.rules };

  if (rule_set.rounding === 'line' && options.records !== true) {
    const g = await beneficiaryGroups(store, program, beneficiary.id, start, end);
    if (g !== null) {
      const lines = await evaluateGroups(store, body, g, models, facts, { ...limits, period_card_s_by_model: g.card_s_by_model });
      const { group_subsidies: _shares, items: _items, ...e } = lines;
      return { ...base, source: 'groups', records: null, record_count: g.record_count, evaluation: { ...e, record_subsidies: null } };
    }
  }
  const [records, period_card_s_by_model] = await Promise.all([
    store.claims.gatherRecords(program, beneficiary.id, start, end),
    store.claims.cardSecondsByModel(program.beneficiary_kind, beneficiary.id, start, end),
  ]);
  checkRecordAmounts(records);
  const evaluation = evaluateRecords(rule_set.rounding, body, records, models, facts, { ...limits, period_card_s_by_model });
  return { ...base, source: 'records', records, record_count: records.length, evaluation };
}

/** A beneficiary's usage of [from, to) as usage groups and the records of partial days; null when it must be read record by record. */
async function beneficiaryGroups(
  store: Store,
  program: Program,
  beneficiary_id: string,
  from_ms: number,
  to_ms: number,
): Promise<{
  groups: DayGroup[];
  edge_records: EvalRecord[];
  record_count: number;
  card_s_by_model: Map<string, number>;
  read: (a: number, b: number) => Promise<EvalRecord[]>;
} | null> {
  const days = store.groups.periodDays(from_ms, to_ms);
  const all = await store.groups.forBeneficiary(program.beneficiary_kind, beneficiary_id, days);
  const groups = program.requires_signed_usage ? all.filter((g) => g.signed) : all;
  const counterparts = [...new Set(all.map((g) => (program.beneficiary_kind === 'enterprise' ? g.provider_id : g.enterprise_id)))];
  const [held, flagged] = await Promise.all([
    store.groups.anyHolding(beneficiary_id, counterparts, from_ms, to_ms),
    store.groups.anyConfirmedFinding(program.beneficiary_kind, beneficiary_id, from_ms, to_ms),
  ]);
  if (held || flagged) return null;
  const read = (a: number, b: number) => store.claims.gatherRecords(program, beneficiary_id, a, b);
  const edge_records = (await Promise.all(days.edges.map(([a, b]) => read(a, b)))).flat();
  checkRecordAmounts(edge_records);
  const record_count = groups.reduce((n, g) => n + g.records, 0) + edge_records.length;
  // The tier bonus's domestic share counts all the period's usage, signed or not, claimed or not (as cardSecondsByModel).
  const card_s_by_model = new Map<string, number>();
  const add = (accelerator: string, card_s: number) => card_s_by_model.set(accelerator, (card_s_by_model.get(accelerator) ?? 0) + card_s);
  for (const g of all) add(g.accelerator, g.card_s);
  for (const [a, b] of days.edges)
    for (const [accelerator, card_s] of await store.claims.cardSecondsByModel(program.beneficiary_kind, beneficiary_id, a, b)) add(accelerator, card_s);
  return { groups, edge_records, record_count, card_s_by_model, read };
}

/**
 * evaluateLines over groups and records; a day on which the support period ends inside a group is read record by
 * record (its groups replaced by its records) and the evaluation run again.
 */
async function evaluateGroups(
  store: Store,
  body: RuleSetBody,
  g: { groups: DayGroup[]; edge_records: EvalRecord[]; read: (a: number, b: number) => Promise<EvalRecord[]> },
  models: ReadonlyMap<string, ModelFacts>,
  facts: BeneficiaryFacts,
  limits: EvalLimits,
): Promise<LineEvaluation & { items: (EvalGroup & { day?: string })[] }> {
  let groups: (EvalGroup & { day?: string })[] = [...g.groups, ...g.edge_records.map(recordGroup)];
  try {
    return { ...evaluateLines(body, groups, models, facts, limits), items: groups };
  } catch (error) {
    if (!(error instanceof GroupsStraddleSupportEnd)) throw error;
    const days = [...new Set(error.indices.map((i) => (groups[i] as Partial<DayGroup>).day).filter((d): d is string => d !== undefined))];
    const day_records = (await Promise.all(days.map((d) => g.read(store.calendar.dayStartMs(d), store.calendar.dayStartMs(store.calendar.nextDay(d)))))).flat();
    checkRecordAmounts(day_records);
    const split = new Set(days);
    groups = [...g.groups.filter((x) => !split.has(x.day)), ...g.edge_records.map(recordGroup), ...day_records.map(recordGroup)];
    return { ...evaluateLines(body, groups, models, facts, limits), items: groups };
  }
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
    const e = await estimateClaim(store, program_id, beneficiary_id, from_ms, to_ms, { records: true });
    if (e.records === null || e.evaluation.record_subsidies === null) throw new Error('a claim is filed over its records, read one by one');
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
          evaluation: { ...e.evaluation, record_subsidies: e.evaluation.record_subsidies },
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
  const kind = program.beneficiary_kind;
  const plan: [SimulationVariant['label'], RuleSetBody['rules'], number | null, Rounding][] = [
    ['current', current?.rules ?? [], current?.version ?? null, current?.rounding ?? default_rounding],
    ['candidate', candidate.rules, null, candidate.rounding ?? default_rounding],
  ];
  // Line rounding replays the usage groups of whole days and the records of partial ones; record rounding every record.
  const days = store.groups.periodDays(from_ms, to_ms);
  const lines = plan.some((p) => p[3] === 'line');
  const [groups_by, edges_by, records_by] = await Promise.all([
    lines ? store.groups.forPeriod(kind, days) : new Map<string, DayGroup[]>(),
    lines ? replayRanges(store, kind, days.edges) : new Map<string, EvalRecord[]>(),
    plan.some((p) => p[3] === 'record') ? store.claims.replayRecords(kind, from_ms, to_ms) : new Map<string, EvalRecord[]>(),
  ]);
  const budget_fen = overrides.budget_fen ?? program.budget_fen;
  const caps = {
    cap_share_bp: overrides.cap_share_bp === undefined ? program.cap_share_bp : overrides.cap_share_bp,
    cap_fen: overrides.cap_fen === undefined ? program.cap_fen : overrides.cap_fen,
    cap_fen_year: overrides.cap_fen_year === undefined ? program.cap_fen_year : overrides.cap_fen_year,
  };
  const eligible = new Map<string, boolean>();
  for (const org of orgs) eligible.set(org.id, checkEligibility(program, profileOf(org), await store.programs.isEnrolled(program.id, org.id)).eligible);
  const variants: SimulationVariant[] = [];
  for (const [label, rules, version, rounding] of plan) {
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
      if (eligible.get(org.id) !== true) continue;
      const limits: EvalLimits = {
        ...caps,
        granted_fen: 0n,
        granted_fen_year: 0n,
        support_months: program.support_months,
        first_subsidized_at_ms: null,
        budget_available_fen: null,
        calendar: store.calendar,
      };
      const facts = { size: org.size, categories: org.categories };
      // what the replay shares out: each record's or group's subsidy, with what it is split by
      let items: { accelerator: string; day: string; amount_fen: bigint; card_s: number; subsidy: bigint }[];
      let e: Omit<Evaluation, 'record_subsidies'>;
      if (rounding === 'record') {
        const records = records_by.get(org.id);
        if (!records || records.length === 0) continue;
        checkRecordAmounts(records);
        const r = evaluateRecords('record', { rules: [...rules] }, records, models, facts, limits);
        e = r;
        items = records.map((x, i) => ({
          accelerator: x.accelerator,
          day: store.calendar.day(x.started_at_ms),
          amount_fen: BigInt(x.amount_fen),
          card_s: x.card_s,
          subsidy: BigInt(r.record_subsidies[i] ?? 0),
        }));
      } else {
        const groups = groups_by.get(org.id) ?? [];
        const edge_records = edges_by.get(org.id) ?? [];
        if (groups.length === 0 && edge_records.length === 0) continue;
        checkRecordAmounts(edge_records);
        const read = async (a: number, b: number) => (await store.claims.replayRecords(kind, a, b)).get(org.id) ?? [];
        const evaluated = await evaluateGroups(store, { rules: [...rules] }, { groups, edge_records, read }, models, facts, limits);
        e = evaluated;
        items = evaluated.items.map((x, i) => ({
          accelerator: x.accelerator,
          day: 'day' in x && typeof x.day === 'string' ? x.day : store.calendar.day(x.first_started_at_ms),
          amount_fen: x.amount_fen,
          card_s: x.card_s,
          subsidy: evaluated.group_subsidies[i] ?? 0n,
        }));
      }
      v.beneficiaries++;
      v.computed_fen += e.computed_fen;
      v.granted_fen += e.granted_fen;
      v.per_beneficiary.push({ beneficiary_id: org.id, name: org.name, computed_fen: e.computed_fen, granted_fen: e.granted_fen });
      // Splits share each beneficiary's cuts out pro rata over its records (or groups), floored each: they may fall
      // short of the grant by less than one fen per item. Exact: subsidy × granted / computed in BigInt.
      const cut = e.granted_fen !== e.computed_fen;
      for (const x of items) {
        const f = models.get(x.accelerator);
        const s = !cut ? x.subsidy : e.computed_fen === 0n ? 0n : (x.subsidy * e.granted_fen) / e.computed_fen;
        const side = f?.domestic ? 'domestic' : 'foreign';
        if (f?.domestic) v.domestic_fen += s;
        else v.foreign_fen += s;
        vendor.set(f?.vendor ?? 'unknown', (vendor.get(f?.vendor ?? 'unknown') ?? 0n) + s);
        by_day.set(x.day, (by_day.get(x.day) ?? 0n) + s);
        if (f?.gflops != null) {
          net[side].bill += x.amount_fen;
          net[side].subsidy += s;
          net[side].gflop += BigInt(x.card_s) * BigInt(f.gflops);
        }
      }
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

/** Everyone's records of some ranges of instants, by beneficiary (the replay's partial days). */
async function replayRanges(store: Store, kind: 'enterprise' | 'provider', ranges: readonly [number, number][]): Promise<Map<string, EvalRecord[]>> {
  const by = new Map<string, EvalRecord[]>();
  for (const [a, b] of ranges) {
    for (const [who, records] of await store.claims.replayRecords(kind, a, b)) by.set(who, [...(by.get(who) ?? []), ...records]);
  }
  return by;
}
