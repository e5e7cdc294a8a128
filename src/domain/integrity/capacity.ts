// Capacity overrun: at some instant a cluster has more cards of a model busy than its inventory holds. Two sweeps
// over the start/end events of one cluster × model: one over records in memory, one over a stream sorted by start
// whose memory is bounded by the number of jobs running at once.
import { assert } from '../assert.js';
import type { OfficeCalendar } from '../calendar.js';
import type { InventoryInterval } from '../org/organization.js';
import type { Finding } from './finding.js';

/** One usage record of the cluster × model under check. Records are [started_at, ended_at). */
export interface CapacityRecord {
  seq: number;
  count: number;
  started_at_ms: number;
  ended_at_ms: number;
}

/**
 * A maximal interval [from_ms, to_ms) in which the cards busy exceeded the inventory held at every instant.
 * `inventory` is the least inventory held during it (it may change inside); `excess` the largest number of cards
 * busy beyond the inventory at any instant of it.
 */
export interface CapacityOverrun {
  from_ms: number;
  to_ms: number;
  busy_max: number;
  inventory: number;
  excess: number;
  /** Seqs of the first `record_seqs_max` records (in start order, ties in input order) running in it, ascending. */
  record_seqs: number[];
  /** How many records ran in it, including those left out of record_seqs. */
  record_count: number;
}

/** Default cap on the seqs listed per overrun: enough to review, bounded however many jobs ran. */
export const capacity_record_seqs_max = 1000;

export interface CapacityOptions {
  record_seqs_max?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

/** Inventory as a step function: from times[i] on, the cluster holds counts[i] cards; before times[0], none. */
interface InventorySteps {
  times: number[];
  counts: number[];
}

function inventorySteps(intervals: readonly InventoryInterval[]): InventorySteps {
  const sorted = [...intervals].sort((a, b) => a.valid_from_ms - b.valid_from_ms);
  const times: number[] = [];
  const counts: number[] = [];
  const put = (t: number, c: number) => {
    if (times.length > 0 && times[times.length - 1] === t)
      counts[counts.length - 1] = c; // back-to-back intervals
    else {
      times.push(t);
      counts.push(c);
    }
  };
  let prev_to = Number.NEGATIVE_INFINITY;
  for (const i of sorted) {
    assert(Number.isInteger(i.count) && i.count >= 0, 'inventory count must be a non-negative integer');
    assert(i.valid_to_ms === null || i.valid_to_ms > i.valid_from_ms, 'inventory interval must not be empty');
    assert(i.valid_from_ms >= prev_to, 'inventory intervals of one model must not overlap');
    put(i.valid_from_ms, i.count);
    if (i.valid_to_ms !== null) put(i.valid_to_ms, 0);
    prev_to = i.valid_to_ms ?? Number.POSITIVE_INFINITY;
  }
  return { times, counts };
}

function checkRecord(r: CapacityRecord): void {
  // Messages are built only on failure: this runs once per record of sweeps over millions.
  if (!(Number.isInteger(r.count) && r.count > 0)) assert(false, `record ${r.seq}: count must be a positive integer`);
  if (!(r.ended_at_ms > r.started_at_ms)) assert(false, `record ${r.seq}: ended_at must be after started_at`);
}

interface Draft {
  from_ms: number;
  to_ms: number;
  busy_max: number;
  inventory: number;
  excess: number;
  record_seqs: number[];
  record_count: number;
}

type SegmentState = 'opened' | 'extended' | 'none';

/** Folds consecutive segments of constant busy and inventory into maximal overruns. */
class OverrunAccumulator {
  open: Draft | null = null;
  closed: Draft[] = [];
  constructor(readonly record_seqs_max: number) {}

  segment(from_ms: number, to_ms: number, busy: number, inventory: number): SegmentState {
    if (busy > inventory) {
      const o = this.open;
      if (o === null) {
        this.open = { from_ms, to_ms, busy_max: busy, inventory, excess: busy - inventory, record_seqs: [], record_count: 0 };
        return 'opened';
      }
      assert(o.to_ms === from_ms, 'segments must be contiguous');
      o.to_ms = to_ms;
      o.busy_max = Math.max(o.busy_max, busy);
      o.inventory = Math.min(o.inventory, inventory);
      o.excess = Math.max(o.excess, busy - inventory);
      return 'extended';
    }
    this.close();
    return 'none';
  }

  close(): void {
    if (this.open !== null) this.closed.push(this.open);
    this.open = null;
  }

  add(d: Draft, seq: number): void {
    d.record_count++;
    if (d.record_seqs.length < this.record_seqs_max) d.record_seqs.push(seq);
  }

  drain(): CapacityOverrun[] {
    if (this.closed.length === 0) return no_overruns;
    const out = this.closed.map(finish);
    this.closed = [];
    return out;
  }
}

/** The answer of a push that closed nothing (almost every push): shared, never mutated. */
const no_overruns: CapacityOverrun[] = Object.freeze([]) as unknown as CapacityOverrun[];

function finish(d: Draft): CapacityOverrun {
  return { ...d, record_seqs: d.record_seqs.sort((a, b) => a - b) };
}

function seqsMax(options: CapacityOptions): number {
  const max = options.record_seqs_max ?? capacity_record_seqs_max;
  assert(Number.isInteger(max) && max >= 0, 'record_seqs_max must be a non-negative integer');
  return max;
}

// ---------------------------------------------------------------------------------------------------------------
// In-memory sweep

/**
 * Every capacity overrun among the records of one cluster × model, in time order. Sorts start and end events
 * (O(n log n), O(n) memory in typed arrays), walks them with ends before starts at the same instant, then a second
 * walk in start order attributes records to the overruns they overlap (O(n + the records counted in overruns)).
 */
export function findCapacityOverruns(
  records: readonly CapacityRecord[],
  inventory: readonly InventoryInterval[],
  options: CapacityOptions = {},
): CapacityOverrun[] {
  const acc = new OverrunAccumulator(seqsMax(options));
  const steps = inventorySteps(inventory);
  const n = records.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const counts = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const r = records[x]!;
    checkRecord(r);
    starts[x] = r.started_at_ms;
    ends[x] = r.ended_at_ms;
    counts[x] = r.count;
  }
  const by_start = new Uint32Array(n);
  const by_end = new Uint32Array(n);
  for (let x = 0; x < n; x++) {
    by_start[x] = x;
    by_end[x] = x;
  }
  by_start.sort((a, b) => starts[a]! - starts[b]! || a - b);
  by_end.sort((a, b) => ends[a]! - ends[b]!);

  let i = 0; // next start
  let j = 0; // next end
  let k = 0; // next inventory step
  let busy = 0;
  let held = 0;
  let cur = Number.NaN;
  // Once every record has ended nothing more can be busy, so the walk stops at the last end.
  while (j < n) {
    const t_start = i < n ? starts[by_start[i]!]! : Number.POSITIVE_INFINITY;
    const t_step = k < steps.times.length ? steps.times[k]! : Number.POSITIVE_INFINITY;
    const t = Math.min(t_start, ends[by_end[j]!]!, t_step);
    if (t > cur) acc.segment(cur, t, busy, held); // false while cur is NaN (the first instant)
    cur = t;
    while (j < n && ends[by_end[j]!] === t) busy -= counts[by_end[j++]!]!;
    while (k < steps.times.length && steps.times[k] === t) held = steps.counts[k++]!;
    while (i < n && starts[by_start[i]!] === t) busy += counts[by_start[i++]!]!;
  }
  acc.close();
  assert(busy === 0, 'every start must have its end');

  const drafts = acc.closed;
  if (drafts.length > 0) {
    let p = 0;
    for (let x = 0; x < n; x++) {
      const r = by_start[x]!;
      const s = starts[r]!;
      const e = ends[r]!;
      while (p < drafts.length && drafts[p]!.to_ms <= s) p++;
      for (let q = p; q < drafts.length && drafts[q]!.from_ms < e; q++) acc.add(drafts[q]!, records[r]!.seq);
    }
  }
  return acc.drain();
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming sweep

interface Running {
  end: number;
  start: number;
  arrival: number;
  seq: number;
  count: number;
}

/** A binary min-heap of running jobs by end time. */
class EndHeap {
  readonly items: Running[] = [];
  get size(): number {
    return this.items.length;
  }
  peekEnd(): number {
    return this.items.length > 0 ? this.items[0]!.end : Number.POSITIVE_INFINITY;
  }

  push(x: Running): void {
    const a = this.items;
    a.push(x);
    let c = a.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (a[p]!.end <= x.end) break;
      a[c] = a[p]!;
      c = p;
    }
    a[c] = x;
  }

  pop(): Running {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const m = r < a.length && a[r]!.end < a[l]!.end ? r : l;
        if (a[m]!.end >= last.end) break;
        a[c] = a[m]!;
        c = m;
      }
      a[c] = last;
    }
    return top;
  }
}

/**
 * The streaming sweep as a push machine: feed records sorted by started_at (ties in any order), collect overruns as
 * they close. Keeps only the running jobs (a heap by end time) and the seqs of the one open overrun, so memory is
 * bounded by the concurrency, not by the number of records. O(n log c) for c jobs running at once.
 */
export class CapacitySweep {
  private readonly acc: OverrunAccumulator;
  private readonly steps: InventorySteps;
  private readonly heap = new EndHeap();
  /** Records that started at `cur`: they join an overrun that goes on past `cur`. */
  private pending: Running[] = [];
  private step_next = 0;
  private held = 0;
  private busy = 0;
  private cur = Number.NaN;
  private arrivals = 0;
  private last_start = Number.NEGATIVE_INFINITY;
  private finished = false;

  constructor(inventory: readonly InventoryInterval[], options: CapacityOptions = {}) {
    this.acc = new OverrunAccumulator(seqsMax(options));
    this.steps = inventorySteps(inventory);
  }

  /** The jobs running now (after the last record pushed): the sweep's memory. */
  get running(): number {
    return this.heap.size;
  }

  /** Adds the next record; answers the overruns that its start closed. */
  push(r: CapacityRecord): CapacityOverrun[] {
    assert(!this.finished, 'push after finish');
    checkRecord(r);
    if (r.started_at_ms < this.last_start) assert(false, `record ${r.seq}: records must come sorted by started_at`);
    this.last_start = r.started_at_ms;
    this.advanceTo(r.started_at_ms);
    const x: Running = { end: r.ended_at_ms, start: r.started_at_ms, arrival: this.arrivals++, seq: r.seq, count: r.count };
    this.busy += r.count;
    this.heap.push(x);
    this.pending.push(x);
    return this.acc.drain();
  }

  /** Ends the stream; answers the overruns still open. */
  finish(): CapacityOverrun[] {
    assert(!this.finished, 'finish twice');
    this.finished = true;
    this.advanceTo(Number.POSITIVE_INFINITY);
    assert(this.busy === 0, 'every start must have its end');
    this.acc.close();
    return this.acc.drain();
  }

  /** Processes every end and inventory step at or before t, then stands at t (unless t is infinite). */
  private advanceTo(t: number): void {
    const { times, counts } = this.steps;
    for (;;) {
      const e = Math.min(this.heap.peekEnd(), this.step_next < times.length ? times[this.step_next]! : Number.POSITIVE_INFINITY);
      if (e > t || e === Number.POSITIVE_INFINITY) break;
      this.moveTo(e);
      while (this.heap.peekEnd() === e) this.busy -= this.heap.pop().count;
      while (this.step_next < times.length && times[this.step_next] === e) this.held = counts[this.step_next++]!;
    }
    if (t !== Number.POSITIVE_INFINITY) this.moveTo(t);
  }

  private moveTo(t: number): void {
    if (t > this.cur) {
      const state = this.acc.segment(this.cur, t, this.busy, this.held);
      const open = this.acc.open;
      if (state === 'opened' && open !== null) {
        const running = [...this.heap.items].sort((a, b) => a.start - b.start || a.arrival - b.arrival);
        for (const x of running) this.acc.add(open, x.seq);
      } else if (state === 'extended' && open !== null) {
        for (const x of this.pending) this.acc.add(open, x.seq);
      }
      this.pending = [];
      this.cur = t;
    } else if (Number.isNaN(this.cur)) {
      this.cur = t;
    }
  }
}

/** The streaming sweep over a sync iterable sorted by started_at, yielding overruns as they close. */
export function* sweepSortedCapacity(
  records: Iterable<CapacityRecord>,
  inventory: readonly InventoryInterval[],
  options: CapacityOptions = {},
): Generator<CapacityOverrun> {
  const sweep = new CapacitySweep(inventory, options);
  for (const r of records) yield* sweep.push(r);
  yield* sweep.finish();
}

/** The streaming sweep over an async (or sync) iterable sorted by started_at, e.g. a database cursor. */
export async function* sweepSortedCapacityAsync(
  records: AsyncIterable<CapacityRecord> | Iterable<CapacityRecord>,
  inventory: readonly InventoryInterval[],
  options: CapacityOptions = {},
): AsyncGenerator<CapacityOverrun> {
  const sweep = new CapacitySweep(inventory, options);
  for await (const r of records) yield* sweep.push(r);
  yield* sweep.finish();
}

// ---------------------------------------------------------------------------------------------------------------

/** The finding for one overrun of a cluster × model; its message shows the times in the office's zone. */
export function capacityFinding(o: CapacityOverrun, subject: { cluster_id: string; accelerator: string }, calendar: OfficeCalendar): Finding {
  const from = calendar.formatInstant(o.from_ms);
  const to = calendar.formatInstant(o.to_ms);
  const listed = o.record_seqs.length < o.record_count ? ` (${o.record_seqs.length} of them listed)` : '';
  return {
    kind: 'capacity_overrun',
    severity: 'high',
    subject: { cluster_id: subject.cluster_id, accelerator: subject.accelerator },
    message:
      `Cluster ${subject.cluster_id} reported up to ${o.busy_max} ${subject.accelerator} cards busy between ${from} ` +
      `and ${to} while it held as few as ${o.inventory}; at the worst instant ${o.excess} more cards were busy than it held; ` +
      `${o.record_count} records ran in that time${listed}.`,
    evidence: {
      from_ms: o.from_ms,
      to_ms: o.to_ms,
      busy_max: o.busy_max,
      inventory: o.inventory,
      excess: o.excess,
      record_count: o.record_count,
    },
    record_seqs: o.record_seqs,
    interval: { from_ms: o.from_ms, to_ms: o.to_ms },
  };
}
