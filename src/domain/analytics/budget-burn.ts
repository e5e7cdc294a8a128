// How fast a program commits its budget: the committed amount (granted net of claw-backs) at each month end, and the
// day the available budget runs out if the program goes on committing at its recent rate.
import type { TransferKind } from '../ledger/ledger.js';
import type { OfficeCalendar } from '../calendar.js';
import { monthEndMs, type MonthIndex } from './month.js';

const day_ms = 86_400_000;
/** Transfers are summed per quarter hour of UTC: every office day and month starts at one (src/domain/calendar.ts). */
export const transfer_bucket_ms = 900_000;
/** The committing rate is measured over this many office days, today included. */
export const burn_window_days = 90;
/** An exhaustion date further away than this is no forecast: null. */
export const burn_horizon_days = 3650;

export const exhaustion_method =
  `the available budget divided by the net amount committed (approvals less claw-backs) over the last ${burn_window_days} days of the office's calendar ` +
  `(today included), as a daily rate from now; null when that amount is zero or less, or the date lies more than ${burn_horizon_days} days ahead`;

/** The ledger's transfers of one program and kind summed per quarter hour: at_ms is the quarter hour's first instant. */
export interface DailyTransfers {
  kind: TransferKind;
  at_ms: number;
  amount_fen: bigint;
}

/** How a transfer changes what the program has committed: approvals add, releases and recoveries (claw-backs) take back. */
export function committedChange(kind: TransferKind, amount_fen: bigint): bigint {
  switch (kind) {
    case 'approve':
      return amount_fen;
    case 'release':
    case 'recover':
      return -amount_fen;
    case 'fund':
    case 'pay':
      return 0n;
  }
}

/** Committed at the end of each month (months ascending): every transfer before the month's end counts. */
export function committedAtMonthEnds(transfers: readonly DailyTransfers[], months: readonly MonthIndex[], calendar: OfficeCalendar): bigint[] {
  const sorted = [...transfers].sort((a, b) => a.at_ms - b.at_ms);
  let k = 0;
  let sum = 0n;
  return months.map((m, i) => {
    if (i > 0 && m <= months[i - 1]!) throw new RangeError('months must ascend');
    const end_ms = monthEndMs(m, calendar);
    for (; k < sorted.length && sorted[k]!.at_ms < end_ms; k++) sum += committedChange(sorted[k]!.kind, sorted[k]!.amount_fen);
    return sum;
  });
}

/** The office day (YYYY-MM-DD) the available budget runs out at the recent committing rate; null as exhaustion_method says. */
export function projectedExhaustionDate(transfers: readonly DailyTransfers[], available_fen: bigint, now_ms: number, calendar: OfficeCalendar): string | null {
  if (available_fen < 0n) throw new RangeError(`available budget must be a non-negative integer, got ${available_fen}`);
  // the window: from the start of the office day burn_window_days − 1 days before today, to the end of today
  let first_day = calendar.day(now_ms);
  for (let k = 1; k < burn_window_days; k++) first_day = calendar.day(calendar.dayStartMs(first_day) - 1);
  const from_ms = calendar.dayStartMs(first_day);
  const to_ms = calendar.dayStartMs(calendar.nextDay(calendar.day(now_ms)));
  let net = 0n;
  for (const t of transfers) if (t.at_ms >= from_ms && t.at_ms < to_ms) net += committedChange(t.kind, t.amount_fen);
  if (net <= 0n) return null;
  // now + available / (net per window), in whole milliseconds rounded down
  const ahead_ms = (available_fen * BigInt(burn_window_days * day_ms)) / net;
  if (ahead_ms > BigInt(burn_horizon_days * day_ms)) return null;
  return calendar.day(now_ms + Number(ahead_ms));
}
