// The program office's overview, month by month: compute used and installed with their domestic shares, subsidies
// moved by the ledger, the trend of the shares towards the target, and each program's budget burn. Pure: the store
// hands in sums, the route presents the result.
import type { TransferKind } from '../ledger/ledger.js';
import type { OfficeCalendar } from '../calendar.js';
import { committedAtMonthEnds, committedChange, projectedExhaustionDate, type DailyTransfers } from './budget-burn.js';
import { installedAtMonthEnds, type InventorySpan } from './installed-compute.js';
import { monthOfMs, type MonthIndex } from './month.js';
import { shareBp } from './share.js';
import { shareTrend, type ShareTrend } from './share-trend.js';

/** Usage of one month on domestic or on foreign models, summed from the rollups. */
export interface MonthlyUsage {
  month: MonthIndex;
  domestic: boolean;
  records: number;
  card_s: bigint;
  compute_gflop: bigint;
}

export interface ProgramTransfers extends DailyTransfers {
  program_id: string;
}

export interface ProgramBudget {
  id: string;
  name_zh: string;
  name_en: string;
  budget_fen: bigint;
  available_fen: bigint;
}

export interface OverviewInput {
  /** The months of the range, ascending. */
  months: readonly MonthIndex[];
  usage: readonly MonthlyUsage[];
  inventory: readonly InventorySpan[];
  /** Every transfer of the ledger, summed per program, kind and quarter hour (all time: the burn is cumulative). */
  transfers: readonly ProgramTransfers[];
  programs: readonly ProgramBudget[];
  target: { share_bp: number; month: MonthIndex };
  now_ms: number;
  /** The office's calendar: months, month ends and days are its. */
  calendar: OfficeCalendar;
}

export interface OverviewMonth {
  month: MonthIndex;
  records: number;
  card_s: bigint;
  domestic_card_s: bigint;
  compute_gflop: bigint;
  domestic_compute_gflop: bigint;
  used_domestic_share_bp: number | null;
  installed_gflops: bigint;
  domestic_installed_gflops: bigint;
  installed_domestic_share_bp: number | null;
  subsidy_approved_fen: bigint;
  subsidy_paid_fen: bigint;
  /** Releases of unpaid grants and recoveries of payments: everything a claw-back moves. */
  subsidy_clawed_back_fen: bigint;
}

export interface ProgramBurn {
  id: string;
  name_zh: string;
  name_en: string;
  budget_fen: bigint;
  committed_fen: bigint;
  paid_fen: bigint;
  available_fen: bigint;
  burn: { month: MonthIndex; committed_fen: bigint }[];
  projected_exhaustion_date: string | null;
}

export interface Overview {
  months: OverviewMonth[];
  projection: { used: ShareTrend; installed: ShareTrend };
  programs: ProgramBurn[];
}

const subsidy_column: Record<TransferKind, 'subsidy_approved_fen' | 'subsidy_paid_fen' | 'subsidy_clawed_back_fen' | null> = {
  approve: 'subsidy_approved_fen',
  pay: 'subsidy_paid_fen',
  release: 'subsidy_clawed_back_fen',
  recover: 'subsidy_clawed_back_fen',
  fund: null,
};

export function buildOverview(input: OverviewInput): Overview {
  const { months } = input;
  const index = new Map(months.map((m, i) => [m, i]));
  const installed = installedAtMonthEnds(input.inventory, months, input.calendar);
  const rows: OverviewMonth[] = months.map((month, i) => ({
    month,
    records: 0,
    card_s: 0n,
    domestic_card_s: 0n,
    compute_gflop: 0n,
    domestic_compute_gflop: 0n,
    used_domestic_share_bp: null,
    installed_gflops: installed[i]!.gflops,
    domestic_installed_gflops: installed[i]!.domestic_gflops,
    installed_domestic_share_bp: shareBp(installed[i]!.domestic_gflops, installed[i]!.gflops),
    subsidy_approved_fen: 0n,
    subsidy_paid_fen: 0n,
    subsidy_clawed_back_fen: 0n,
  }));
  for (const u of input.usage) {
    const i = index.get(u.month);
    if (i === undefined) continue;
    const row = rows[i]!;
    row.records += u.records;
    row.card_s += u.card_s;
    row.compute_gflop += u.compute_gflop;
    if (u.domestic) {
      row.domestic_card_s += u.card_s;
      row.domestic_compute_gflop += u.compute_gflop;
    }
  }
  for (const row of rows) row.used_domestic_share_bp = shareBp(row.domestic_compute_gflop, row.compute_gflop);
  for (const t of input.transfers) {
    const column = subsidy_column[t.kind];
    const i = index.get(monthOfMs(t.at_ms, input.calendar));
    if (column !== null && i !== undefined) rows[i]![column] += t.amount_fen;
  }

  const by_program = new Map<string, ProgramTransfers[]>();
  for (const t of input.transfers) {
    let list = by_program.get(t.program_id);
    if (!list) by_program.set(t.program_id, (list = []));
    list.push(t);
  }
  const programs = input.programs.map((p): ProgramBurn => {
    const transfers = by_program.get(p.id) ?? [];
    let committed_fen = 0n;
    let paid_fen = 0n;
    for (const t of transfers) {
      committed_fen += committedChange(t.kind, t.amount_fen);
      if (t.kind === 'pay') paid_fen += t.amount_fen;
      if (t.kind === 'recover') paid_fen -= t.amount_fen;
    }
    const burn = committedAtMonthEnds(transfers, months, input.calendar);
    return {
      id: p.id,
      name_zh: p.name_zh,
      name_en: p.name_en,
      budget_fen: p.budget_fen,
      committed_fen,
      paid_fen,
      available_fen: p.available_fen,
      burn: months.map((month, i) => ({ month, committed_fen: burn[i]! })),
      projected_exhaustion_date: projectedExhaustionDate(transfers, p.available_fen, input.now_ms, input.calendar),
    };
  });

  return {
    months: rows,
    projection: {
      used: shareTrend(
        rows.map((r) => ({ month: r.month, share_bp: r.used_domestic_share_bp })),
        input.target,
      ),
      installed: shareTrend(
        rows.map((r) => ({ month: r.month, share_bp: r.installed_domestic_share_bp })),
        input.target,
      ),
    },
    programs,
  };
}
