// What storing records changes besides the records: the daily rollups, the longest record of each cluster × model
// (usage_pair_stats, the capacity check's look-back) and the windows queued for the incremental checks. One pure
// implementation, used by every path that stores or removes records: the SQLite writer thread, the PostgreSQL batch
// write and the replacement of records on either engine.
//
// BatchEffects gathers all three in one pass over a batch, taking each record's figures as arguments, so that the
// writer thread adds the records it receives as tuples without building an object per record (it is the bottleneck of
// in-process ingest; docs/performance.md). The functions below it serve the paths that hold UsageRow objects.
import { FenSum } from '../../domain/money/fen.js';
import type { OfficeCalendar } from '../../domain/calendar.js';
import { priceKey } from '../../domain/policy/price-key.js';
import { byCodeUnits, type UsageRow } from './rows.js';

const day_ms = 86_400_000;
const nul = '\u0000';

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
 * A batch's additions to one usage group (usage_groups, migration 0016): records that every rule condition and every
 * figure of pay treats alike, summed per office day, for claims and the replay computed from aggregates
 * (domain/policy/evaluate-lines.ts). `price_key` -1 stands for "above every ceiling" (a bill on 0 card-seconds).
 */
export interface GroupDelta {
  provider_id: string;
  enterprise_id: string;
  cluster_id: string;
  accelerator_id: string;
  /** '' when the record names none */
  workload: string;
  day: string;
  price_key: number;
  signed: 0 | 1;
  records: number;
  card_s: number;
  amount_fen: FenSum;
  metered_records: number;
  metered_wh: FenSum;
  unmetered_card_s: number;
  first_started_at_ms: number;
  last_started_at_ms: number;
}

export interface CheckWindow {
  cluster_id: string;
  accelerator_id: string;
  day: number;
}

export interface PairDuration {
  cluster_id: string;
  accelerator_id: string;
  duration_ms: number;
}

/** Entries of `m` sorted by key in code units: the order of row locks, so that concurrent writers cannot deadlock. */
const sortedValues = <T>(m: Map<string, T>): T[] => [...m.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([, v]) => v);

/** Adds the check_queue keys of one record to `keys`: every UTC day it ran in. */
function addWindows(keys: Map<string, CheckWindow>, cluster_id: string, accelerator_id: string, started_at_ms: number, ended_at_ms: number): void {
  const last = Math.floor((ended_at_ms - 1) / day_ms);
  for (let day = Math.floor(started_at_ms / day_ms); day <= last; day++) {
    const key = `${cluster_id}${nul}${accelerator_id}${nul}${String(day).padStart(8, '0')}`;
    if (!keys.has(key)) keys.set(key, { cluster_id, accelerator_id, day });
  }
}

/** Keeps the longer of a cluster × model's durations in `longest`. */
function addLongest(longest: Map<string, PairDuration>, cluster_id: string, accelerator_id: string, duration_ms: number): void {
  const pair = `${cluster_id}${nul}${accelerator_id}`;
  const cur = longest.get(pair);
  if (cur === undefined) longest.set(pair, { cluster_id, accelerator_id, duration_ms });
  else if (cur.duration_ms < duration_ms) cur.duration_ms = duration_ms;
}

/** The effects of one batch of records, gathered record by record. */
export class BatchEffects {
  private readonly sums = new Map<string, RollupDelta>();
  private readonly longest = new Map<string, PairDuration>();
  private readonly windows = new Map<string, CheckWindow>();
  private readonly groups = new Map<string, GroupDelta>();

  /** `queue_checks`: gather the check windows too (off when the incremental checks are). */
  constructor(
    private readonly provider_id: string,
    private readonly calendar: OfficeCalendar,
    private readonly queue_checks: boolean,
  ) {}

  add(
    cluster_id: string,
    enterprise_id: string,
    accelerator_id: string,
    started_at_ms: number,
    ended_at_ms: number,
    amount_fen: number,
    card_s: number,
    compute_gflop: bigint | null,
    workload: string | null,
    energy_wh: number | null,
    signed: boolean,
  ): void {
    const day = this.calendar.day(started_at_ms);
    const key = `${enterprise_id}${nul}${accelerator_id}${nul}${day}`;
    let d = this.sums.get(key);
    if (d === undefined) {
      d = { provider_id: this.provider_id, enterprise_id, accelerator_id, day, records: 0, card_s: 0, compute_gflop: 0n, amount_fen: new FenSum() };
      this.sums.set(key, d);
    }
    d.records += 1;
    d.card_s += card_s;
    if (compute_gflop !== null) d.compute_gflop += compute_gflop;
    d.amount_fen.add(amount_fen);

    addLongest(this.longest, cluster_id, accelerator_id, ended_at_ms - started_at_ms);

    const price_key = priceKey(amount_fen, card_s) ?? -1;
    const w = workload ?? '';
    const gkey = `${enterprise_id}${nul}${day}${nul}${cluster_id}${nul}${accelerator_id}${nul}${w}${nul}${price_key}${nul}${signed ? 1 : 0}`;
    let g = this.groups.get(gkey);
    if (g === undefined) {
      g = {
        provider_id: this.provider_id,
        enterprise_id,
        cluster_id,
        accelerator_id,
        workload: w,
        day,
        price_key,
        signed: signed ? 1 : 0,
        records: 0,
        card_s: 0,
        amount_fen: new FenSum(),
        metered_records: 0,
        metered_wh: new FenSum(),
        unmetered_card_s: 0,
        first_started_at_ms: started_at_ms,
        last_started_at_ms: started_at_ms,
      };
      this.groups.set(gkey, g);
    }
    g.records += 1;
    g.card_s += card_s;
    g.amount_fen.add(amount_fen);
    if (energy_wh === null) g.unmetered_card_s += card_s;
    else {
      g.metered_records += 1;
      g.metered_wh.add(energy_wh);
    }
    if (started_at_ms < g.first_started_at_ms) g.first_started_at_ms = started_at_ms;
    if (started_at_ms > g.last_started_at_ms) g.last_started_at_ms = started_at_ms;
    if (this.queue_checks) addWindows(this.windows, cluster_id, accelerator_id, started_at_ms, ended_at_ms);
  }

  /** `signed`: delivered in a signed batch (the record's batch_id is set). */
  addRow({ input: r, derived }: UsageRow, signed: boolean): void {
    this.add(
      r.cluster_id,
      r.enterprise_id,
      r.accelerator,
      r.started_at_ms,
      r.ended_at_ms,
      r.amount_fen,
      derived.card_s,
      derived.compute_gflop,
      r.workload,
      r.energy_wh,
      signed,
    );
  }

  /** The rollup rows the records add to, keyed by the office's day of each record's start, in a fixed order. */
  rollups(): RollupDelta[] {
    return sortedValues(this.sums);
  }

  /** The usage groups the records add to, in a fixed order. */
  groupDeltas(): GroupDelta[] {
    return sortedValues(this.groups);
  }

  /** The longest record of each cluster × model, in a fixed order. */
  longestDurations(): PairDuration[] {
    return sortedValues(this.longest);
  }

  /** The check_queue keys of the records (empty unless queue_checks), in a fixed order. */
  checkWindows(): CheckWindow[] {
    return sortedValues(this.windows);
  }
}

/** The effects of `rows` (check windows when `queue_checks`); `signed`: whether the rows came in a signed batch. */
export function batchEffects(provider_id: string, rows: readonly UsageRow[], calendar: OfficeCalendar, queue_checks: boolean, signed: boolean): BatchEffects {
  const e = new BatchEffects(provider_id, calendar, queue_checks);
  for (const r of rows) e.addRow(r, signed);
  return e;
}

/**
 * The rollup rows `rows` add to, keyed by the office's day of each record's start, in a fixed order (row locks in one
 * order keep concurrent writers from deadlocking).
 */
export function rollupDeltas(provider_id: string, rows: readonly UsageRow[], calendar: OfficeCalendar): RollupDelta[] {
  return batchEffects(provider_id, rows, calendar, false, false).rollups();
}

/**
 * The check_queue keys of records: every UTC day each ran in (the incremental checks' own windows, not the office's
 * calendar: a window only says what to look at again). Sorted, so that row locks come in one order.
 */
export function checkWindows(rows: readonly { cluster_id: string; accelerator: string; started_at_ms: number; ended_at_ms: number }[]): CheckWindow[] {
  const keys = new Map<string, CheckWindow>();
  for (const r of rows) addWindows(keys, r.cluster_id, r.accelerator, r.started_at_ms, r.ended_at_ms);
  return sortedValues(keys);
}

/** The pairs of `longest` whose stored duration (`known`, by cluster \u0000 model) is shorter or absent: the only rows to write. */
export function durationsToRaise(longest: readonly PairDuration[], known: ReadonlyMap<string, number>): PairDuration[] {
  return longest.filter((l) => !((known.get(`${l.cluster_id}${nul}${l.accelerator_id}`) ?? -1) >= l.duration_ms));
}
