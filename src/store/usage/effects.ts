// What storing records changes besides the records: the daily rollups, the longest record of each cluster × model
// (usage_pair_stats, the capacity check's look-back) and the windows queued for the incremental checks. One pure
// implementation, used by every path that stores or removes records: the SQLite writer thread, the PostgreSQL batch
// write and the replacement of records on either engine.
import { FenSum } from '../../domain/money/fen.js';
import type { OfficeCalendar } from '../../domain/calendar.js';
import { byCodeUnits, type UsageRow } from './rows.js';

const day_ms = 86_400_000;

/** A batch's additions to one daily rollup; the bills summed exactly (a batch of 10,000 bills passes 2^53 fen). */
export interface RollupDelta {
  provider_id: string;
  enterprise_id: string;
  accelerator_id: string;
  day: string;
  records: number;
  card_s: number;
  compute_gflop: bigint;
  amount_fen: FenSum;
}

/**
 * The rollup rows `rows` add to, keyed by the office's day of each record's start, in a fixed order (row locks in one
 * order keep concurrent writers from deadlocking).
 */
export function rollupDeltas(provider_id: string, rows: readonly UsageRow[], calendar: OfficeCalendar): RollupDelta[] {
  const by = new Map<string, RollupDelta>();
  for (const { input, derived } of rows) {
    const day = calendar.day(input.started_at_ms);
    const key = `${input.enterprise_id}\u0000${input.accelerator}\u0000${day}`;
    let d = by.get(key);
    if (!d) {
      d = {
        provider_id,
        enterprise_id: input.enterprise_id,
        accelerator_id: input.accelerator,
        day,
        records: 0,
        card_s: 0,
        compute_gflop: 0n,
        amount_fen: new FenSum(),
      };
      by.set(key, d);
    }
    d.records += 1;
    d.card_s += derived.card_s;
    d.compute_gflop += derived.compute_gflop ?? 0n;
    d.amount_fen.add(input.amount_fen);
  }
  return [...by.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([, d]) => d);
}

export interface CheckWindow {
  cluster_id: string;
  accelerator_id: string;
  day: number;
}

/**
 * The check_queue keys of records: every UTC day each ran in (the incremental checks' own windows, not the office's
 * calendar: a window only says what to look at again). Sorted, so that row locks come in one order.
 */
export function checkWindows(rows: readonly { cluster_id: string; accelerator: string; started_at_ms: number; ended_at_ms: number }[]): CheckWindow[] {
  const keys = new Map<string, CheckWindow>();
  for (const r of rows) {
    const last = Math.floor((r.ended_at_ms - 1) / day_ms);
    for (let day = Math.floor(r.started_at_ms / day_ms); day <= last; day++) {
      keys.set(`${r.cluster_id}\u0000${r.accelerator}\u0000${String(day).padStart(8, '0')}`, { cluster_id: r.cluster_id, accelerator_id: r.accelerator, day });
    }
  }
  return [...keys.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([, k]) => k);
}

export interface PairDuration {
  cluster_id: string;
  accelerator_id: string;
  duration_ms: number;
}

/** The longest record of each cluster × model among `rows`, in a fixed order. */
export function longestDurations(rows: readonly UsageRow[]): PairDuration[] {
  const longest = new Map<string, PairDuration>();
  for (const { input } of rows) {
    const key = `${input.cluster_id}\u0000${input.accelerator}`;
    const d = input.ended_at_ms - input.started_at_ms;
    const cur = longest.get(key);
    if (cur === undefined || cur.duration_ms < d) longest.set(key, { cluster_id: input.cluster_id, accelerator_id: input.accelerator, duration_ms: d });
  }
  return [...longest.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([, l]) => l);
}

/** The pairs of `longest` whose stored duration (`known`, by cluster \u0000 model) is shorter or absent: the only rows to write. */
export function durationsToRaise(longest: readonly PairDuration[], known: ReadonlyMap<string, number>): PairDuration[] {
  return longest.filter((l) => !((known.get(`${l.cluster_id}\u0000${l.accelerator_id}`) ?? -1) >= l.duration_ms));
}
