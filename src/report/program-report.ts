// A program's report: its budget as the ledger holds it (budget, committed, reserved, paid, available), what each
// beneficiary was granted and paid, the ledger's movements per month, and the domestic share of the work it paid for.
import { formatPflopHours } from '../domain/catalog/compute.js';
import { committedChange } from '../domain/analytics/budget-burn.js';
import { formatMonth, monthOfMs, monthsBetween, type MonthIndex } from '../domain/analytics/month.js';
import { shareBp } from '../domain/analytics/share.js';
import { accountId, type TransferKind } from '../domain/ledger/ledger.js';
import type { ClaimState } from '../domain/claim/claim-state.js';
import type { Program } from '../domain/program/program.js';
import type { Store } from '../store/store.js';
import { claimPages } from './claims.js';
import { organizationNames } from './names.js';
import { report_rows_max, ReportTooLarge, type Column, type Report, type Row } from './report.js';

const granting: readonly ClaimState[] = ['approved', 'paid', 'clawed_back'];

const program_columns: readonly Column[] = [
  { key: 'program_id', kind: 'text', width: 28 },
  { key: 'program_code', kind: 'text', width: 28 },
  { key: 'name_zh', kind: 'text', width: 30 },
  { key: 'name_en', kind: 'text', width: 30 },
  { key: 'kind', kind: 'text', width: 14 },
  { key: 'beneficiary_kind', kind: 'text' },
  { key: 'funding_layer', kind: 'text' },
  { key: 'window_start', kind: 'instant' },
  { key: 'window_end', kind: 'instant' },
  { key: 'budget', kind: 'money' },
  { key: 'committed', kind: 'money' },
  { key: 'reserved', kind: 'money' },
  { key: 'paid', kind: 'money' },
  { key: 'available', kind: 'money' },
  { key: 'claims', kind: 'integer' },
  { key: 'claims_approved', kind: 'integer', width: 16 },
  { key: 'beneficiaries_granted', kind: 'integer', width: 22 },
  { key: 'compute_pflop_h', kind: 'pflop_h' },
  { key: 'domestic_compute_pflop_h', kind: 'pflop_h', width: 26 },
  { key: 'domestic_share_bp', kind: 'bp', width: 18 },
  { key: 'as_of', kind: 'instant' },
];

const beneficiary_columns: readonly Column[] = [
  { key: 'beneficiary_id', kind: 'text', width: 28 },
  { key: 'name', kind: 'text', width: 32 },
  { key: 'claims', kind: 'integer' },
  { key: 'claims_approved', kind: 'integer', width: 16 },
  { key: 'computed', kind: 'money' },
  { key: 'granted', kind: 'money' },
  { key: 'paid', kind: 'money' },
  { key: 'unpaid', kind: 'money' },
  { key: 'clawed_back', kind: 'money' },
  { key: 'compute_pflop_h', kind: 'pflop_h' },
  { key: 'domestic_compute_pflop_h', kind: 'pflop_h', width: 26 },
  { key: 'domestic_share_bp', kind: 'bp', width: 18 },
];

const month_columns: readonly Column[] = [
  { key: 'month', kind: 'date', width: 24 },
  { key: 'funded', kind: 'money' },
  { key: 'approved', kind: 'money' },
  { key: 'released', kind: 'money' },
  { key: 'paid', kind: 'money' },
  { key: 'recovered', kind: 'money' },
  { key: 'committed_change', kind: 'money', width: 20 },
  { key: 'committed_at_end', kind: 'money', width: 20 },
  { key: 'paid_at_end', kind: 'money', width: 20 },
  { key: 'available_at_end', kind: 'money', width: 20 },
];

interface Beneficiary {
  claims: number;
  claims_approved: number;
  computed_fen: bigint;
  granted_fen: bigint;
  paid_fen: bigint;
  clawed_back_fen: bigint;
  /** the periods of its claims with a grant left, merged where they overlap, so that no usage is counted twice */
  periods: [number, number][];
  compute_gflop: bigint;
  domestic_gflop: bigint;
}

function mergePeriods(periods: [number, number][]): [number, number][] {
  const sorted = [...periods].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else out.push([p[0], p[1]]);
  }
  return out;
}

/**
 * `now_ms` stamps the report (as_of); the figures are the ledger's now. Approved claims are those approved at some
 * point (approved, paid or clawed back). The domestic share is that of the normalized compute (PFLOP·h) of all the
 * beneficiaries' usage in the periods of their claims with a grant left (granted > 0) — the basis of the tier bonus
 * (docs/programs.md), periods merged so that overlapping claims count no usage twice — rounded half up.
 */
export async function programReport(store: Store, program: Program, now_ms: number, rows_max = report_rows_max): Promise<Report> {
  const [budget, transfers, models] = await Promise.all([
    store.programs.budget(program.id),
    store.ledger.transfers({ program_id: program.id }),
    store.catalog.throughputs(),
  ]);

  const by = new Map<string, Beneficiary>();
  let claims = 0;
  let claims_approved = 0;
  for await (const page of claimPages(store, { program_id: program.id })) {
    for (const c of page) {
      claims++;
      let b = by.get(c.beneficiary_id);
      if (!b) {
        if (by.size >= rows_max) throw new ReportTooLarge('params.id', rows_max, 'beneficiaries');
        b = {
          claims: 0,
          claims_approved: 0,
          computed_fen: 0n,
          granted_fen: 0n,
          paid_fen: 0n,
          clawed_back_fen: 0n,
          periods: [],
          compute_gflop: 0n,
          domestic_gflop: 0n,
        };
        by.set(c.beneficiary_id, b);
      }
      b.claims++;
      if (!granting.includes(c.state)) continue;
      claims_approved++;
      b.claims_approved++;
      b.computed_fen += c.computed_fen;
      b.granted_fen += c.granted_fen;
      b.paid_fen += c.paid_fen;
      b.clawed_back_fen += c.clawed_back_fen;
      if (c.granted_fen > 0n) b.periods.push([c.period_start_ms, c.period_end_ms]);
    }
  }

  let compute = 0n;
  let domestic = 0n;
  for (const [id, b] of by) {
    for (const [from, to] of mergePeriods(b.periods)) {
      for (const [model, card_s] of await store.claims.cardSecondsByModel(program.beneficiary_kind, id, from, to)) {
        const f = models.get(model);
        if (!f || f.gflops === null) continue;
        const g = BigInt(card_s) * BigInt(f.gflops);
        b.compute_gflop += g;
        if (f.domestic) b.domestic_gflop += g;
      }
    }
    compute += b.compute_gflop;
    domestic += b.domestic_gflop;
  }
  const names = await organizationNames(store, program.beneficiary_kind, by.keys(), { all: true });
  const beneficiaries: Row[] = [...by.entries()]
    .sort((x, y) => (y[1].granted_fen > x[1].granted_fen ? 1 : y[1].granted_fen < x[1].granted_fen ? -1 : 0) || (x[0] < y[0] ? -1 : 1))
    .map(([id, b]) => [
      id,
      names.get(id) ?? null,
      b.claims,
      b.claims_approved,
      b.computed_fen,
      b.granted_fen,
      b.paid_fen,
      b.granted_fen - b.paid_fen,
      b.clawed_back_fen,
      formatPflopHours(b.compute_gflop),
      formatPflopHours(b.domestic_gflop),
      shareBp(b.domestic_gflop, b.compute_gflop),
    ]);

  // The ledger per office month, every month from the first transfer to the last (quiet months included).
  const available = accountId(program.id, 'available');
  const paid_account = accountId(program.id, 'paid');
  const per_month = new Map<MonthIndex, Record<TransferKind, bigint> & { committed: bigint; paid_net: bigint; available: bigint }>();
  for (const t of transfers) {
    const m = monthOfMs(t.at_ms, store.calendar);
    let v = per_month.get(m);
    if (!v) {
      v = { fund: 0n, approve: 0n, release: 0n, pay: 0n, recover: 0n, committed: 0n, paid_net: 0n, available: 0n };
      per_month.set(m, v);
    }
    v[t.kind] += t.amount_fen;
    v.committed += committedChange(t.kind, t.amount_fen);
    v.paid_net += (t.credit === paid_account ? t.amount_fen : 0n) - (t.debit === paid_account ? t.amount_fen : 0n);
    v.available += (t.credit === available ? t.amount_fen : 0n) - (t.debit === available ? t.amount_fen : 0n);
  }
  const month_keys = [...per_month.keys()].sort((a, b) => a - b);
  const months: Row[] = [];
  if (month_keys.length > 0) {
    const all = monthsBetween(month_keys[0]!, month_keys[month_keys.length - 1]!);
    if (all.length > rows_max) throw new ReportTooLarge('params.id', rows_max, 'months');
    let committed = 0n;
    let paid = 0n;
    let avail = 0n;
    for (const m of all) {
      const v = per_month.get(m) ?? { fund: 0n, approve: 0n, release: 0n, pay: 0n, recover: 0n, committed: 0n, paid_net: 0n, available: 0n };
      committed += v.committed;
      paid += v.paid_net;
      avail += v.available;
      months.push([formatMonth(m), v.fund, v.approve, v.release, v.pay, v.recover, v.committed, committed, paid, avail]);
    }
  }

  const committed = budget.budget_fen - budget.available_fen;
  const facts: Row = [
    program.id,
    program.code,
    program.name_zh,
    program.name_en,
    program.kind,
    program.beneficiary_kind,
    program.funding_layer,
    program.window_start_ms,
    program.window_end_ms,
    budget.budget_fen,
    committed,
    budget.reserved_fen,
    budget.paid_fen,
    budget.available_fen,
    claims,
    claims_approved,
    [...by.values()].filter((b) => b.granted_fen > 0n).length,
    formatPflopHours(compute),
    formatPflopHours(domestic),
    shareBp(domestic, compute),
    now_ms,
  ];
  return {
    kind: 'program',
    calendar: store.calendar,
    filename: { ascii: `${program.code}-report`, unicode: `${program.name_zh}-report` },
    sections: [
      { name: 'program', columns: program_columns, rows: [facts] },
      { name: 'beneficiaries', columns: beneficiary_columns, rows: beneficiaries },
      { name: 'months', columns: month_columns, rows: months },
    ],
  };
}
