// How fast a program commits its budget: the committed amount (granted net of claw-backs) at each month end, and the
// day the available budget runs out if the program goes on committing at its recent rate.
import type { TransferKind } from '../ledger/ledger.js';
import { monthEndMs, type MonthIndex } from './month.js';

export const day_ms = 86_400_000;
/** The committing rate is measured over this many UTC days, today included. */
export const burn_window_days = 90;
/** An exhaustion date further away than this is no forecast: null. */
export const burn_horizon_days = 3650;

export const exhaustion_method = `the available budget divided by the net amount committed (approvals less claw-backs) over the last ${burn_window_days} UTC days `
  + `(today included), as a daily rate from now; null when that amount is zero or less, or the date lies more than ${burn_horizon_days} days ahead`;

/** The ledger's transfers of one program and kind summed per UTC day (day = floor(at_ms / 86,400,000)). */
export interface DailyTransfers { kind: TransferKind; day: number; amount_fen: bigint }

/** How a transfer changes what the program has committed: approvals add, releases and recoveries (claw-backs) take back. */
export function committedChange(kind: TransferKind, amount_fen: bigint): bigint {
  switch (kind) {
    case 'approve': return amount_fen;
    case 'release': case 'recover': return -amount_fen;
    case 'fund': case 'pay': return 0n;
  }
}

/** Committed at the end of each month (months ascending): every transfer before the month's end counts. */
export function committedAtMonthEnds(transfers: readonly DailyTransfers[], months: readonly MonthIndex[]): bigint[] {
  const sorted = [...transfers].sort((a, b) => a.day - b.day);
  let k = 0;
  let sum = 0n;
  return months.map((m, i) => {
    if (i > 0 && m <= months[i - 1]!) throw new RangeError('months must ascend');
    const end_day = monthEndMs(m) / day_ms;
    for (; k < sorted.length && sorted[k]!.day < end_day; k++) sum += committedChange(sorted[k]!.kind, sorted[k]!.amount_fen);
    return sum;
  });
}

/** The UTC day (YYYY-MM-DD) the available budget runs out at the recent committing rate; null as exhaustion_method says. */
export function projectedExhaustionDate(transfers: readonly DailyTransfers[], available_fen: bigint, now_ms: number): string | null {
  if (available_fen < 0n) throw new RangeError(`available budget must be a non-negative integer, got ${available_fen}`);
  const today = Math.floor(now_ms / day_ms);
  let net = 0n;
  for (const t of transfers) if (t.day > today - burn_window_days && t.day <= today) net += committedChange(t.kind, t.amount_fen);
  if (net <= 0n) return null;
  // now + available / (net per window), in whole milliseconds rounded down
  const ahead_ms = (available_fen * BigInt(burn_window_days * day_ms)) / net;
  if (ahead_ms > BigInt(burn_horizon_days * day_ms)) return null;
  return new Date(now_ms + Number(ahead_ms)).toISOString().slice(0, 10);
}
