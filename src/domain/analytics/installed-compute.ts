// Installed compute: the dense throughput of the inventory that clusters hold at an instant, from each inventory
// interval's count, its model's dense GFLOPS and its validity [valid_from, valid_to).
import type { OfficeCalendar } from '../calendar.js';
import { monthEndMs, type MonthIndex } from './month.js';

export interface InventorySpan {
  count: number;
  /** Dense GFLOPS of one card; null when the catalog has no throughput figure (it then adds nothing). */
  gflops: number | null;
  domestic: boolean;
  valid_from_ms: number;
  /** Exclusive; null: still installed. */
  valid_to_ms: number | null;
}

export interface Installed {
  gflops: bigint;
  domestic_gflops: bigint;
}

/** What is installed at the instant `at_ms`. */
export function installedAt(inventory: readonly InventorySpan[], at_ms: number): Installed {
  let gflops = 0n;
  let domestic_gflops = 0n;
  for (const s of inventory) {
    if (s.gflops === null || s.valid_from_ms > at_ms || (s.valid_to_ms !== null && s.valid_to_ms <= at_ms)) continue;
    const g = BigInt(s.count) * BigInt(s.gflops);
    gflops += g;
    if (s.domestic) domestic_gflops += g;
  }
  return { gflops, domestic_gflops };
}

/** What is installed at the end of each month: at its last millisecond. */
export function installedAtMonthEnds(inventory: readonly InventorySpan[], months: readonly MonthIndex[], calendar: OfficeCalendar): Installed[] {
  return months.map((m) => installedAt(inventory, monthEndMs(m, calendar) - 1));
}

/** GFLOPS as PFLOPS with 6 decimals: exact, since 1 PFLOPS = 10^6 GFLOPS. */
export function formatPflops(gflops: bigint): string {
  if (gflops < 0n) throw new RangeError(`throughput must be non-negative, got ${gflops} GFLOPS`);
  const s = gflops.toString().padStart(7, '0');
  return `${s.slice(0, -6)}.${s.slice(-6)}`;
}
