import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../assert.js';
import { OfficeCalendar } from '../calendar.js';
import type { InventoryInterval } from '../org/organization.js';
import {
  CapacitySweep,
  capacityFinding,
  findCapacityOverruns,
  sweepSortedCapacity,
  sweepSortedCapacityAsync,
  type CapacityOverrun,
  type CapacityRecord,
} from './capacity.js';

const inv = (count: number, from: number, to: number | null): InventoryInterval => ({ accelerator: 'a', count, valid_from_ms: from, valid_to_ms: to });
const rec = (seq: number, count: number, from: number, to: number): CapacityRecord => ({ seq, count, started_at_ms: from, ended_at_ms: to });

/** Brute force: evaluate busy and inventory at every event instant, merge adjacent overrun segments. */
function bruteForce(records: readonly CapacityRecord[], inventory: readonly InventoryInterval[], seqs_max = 1000): CapacityOverrun[] {
  const instants = [
    ...new Set([
      ...records.flatMap((r) => [r.started_at_ms, r.ended_at_ms]),
      ...inventory.flatMap((i) => (i.valid_to_ms === null ? [i.valid_from_ms] : [i.valid_from_ms, i.valid_to_ms])),
    ]),
  ].sort((a, b) => a - b);
  const out: CapacityOverrun[] = [];
  let open: CapacityOverrun | null = null;
  for (let x = 0; x + 1 < instants.length; x++) {
    const t = instants[x]!;
    const busy = records.filter((r) => r.started_at_ms <= t && t < r.ended_at_ms).reduce((s, r) => s + r.count, 0);
    const held = inventory.find((i) => i.valid_from_ms <= t && (i.valid_to_ms === null || t < i.valid_to_ms))?.count ?? 0;
    if (busy > held) {
      if (open === null) {
        open = { from_ms: t, to_ms: instants[x + 1]!, busy_max: busy, inventory: held, excess: busy - held, record_seqs: [], record_count: 0 };
      } else {
        open.to_ms = instants[x + 1]!;
        open.busy_max = Math.max(open.busy_max, busy);
        open.inventory = Math.min(open.inventory, held);
        open.excess = Math.max(open.excess, busy - held);
      }
    } else if (open !== null) {
      out.push(open);
      open = null;
    }
  }
  if (open !== null) out.push(open);
  const in_start_order = records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.started_at_ms - b.r.started_at_ms || a.i - b.i)
    .map((x) => x.r);
  for (const o of out) {
    const running = in_start_order.filter((r) => r.started_at_ms < o.to_ms && r.ended_at_ms > o.from_ms);
    o.record_count = running.length;
    o.record_seqs = running
      .slice(0, seqs_max)
      .map((r) => r.seq)
      .sort((a, b) => a - b);
  }
  return out;
}

function streamed(records: readonly CapacityRecord[], inventory: readonly InventoryInterval[], seqs_max?: number): CapacityOverrun[] {
  const sorted = records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.started_at_ms - b.r.started_at_ms || a.i - b.i)
    .map((x) => x.r);
  return [...sweepSortedCapacity(sorted, inventory, seqs_max === undefined ? {} : { record_seqs_max: seqs_max })];
}

describe('capacity overrun', () => {
  it('finds nothing when busy cards stay within inventory, including back-to-back records', () => {
    const inventory = [inv(8, 0, null)];
    const records = [rec(1, 8, 0, 10), rec(2, 8, 10, 20), rec(3, 4, 20, 30), rec(4, 4, 25, 35)];
    expect(findCapacityOverruns(records, inventory)).toEqual([]);
    expect(streamed(records, inventory)).toEqual([]);
  });

  it('reports the interval, peak, excess and the records running in it', () => {
    const inventory = [inv(8, 0, null)];
    const records = [rec(1, 6, 0, 100), rec(2, 4, 50, 150), rec(3, 2, 120, 130), rec(4, 8, 200, 210)];
    const expected = [{ from_ms: 50, to_ms: 100, busy_max: 10, inventory: 8, excess: 2, record_seqs: [1, 2], record_count: 2 }];
    expect(findCapacityOverruns(records, inventory)).toEqual(expected);
    expect(streamed(records, inventory)).toEqual(expected);
  });

  it('merges an overrun across an inventory change and counts every instant outside inventory as holding none', () => {
    // 10 cards until 100, then 4; a gap in inventory from 300.
    const inventory = [inv(10, 0, 100), inv(4, 100, 300)];
    const records = [rec(1, 6, 50, 150), rec(2, 6, 80, 120), rec(3, 1, 290, 310)];
    const expected = [
      { from_ms: 80, to_ms: 150, busy_max: 12, inventory: 4, excess: 8, record_seqs: [1, 2], record_count: 2 },
      { from_ms: 300, to_ms: 310, busy_max: 1, inventory: 0, excess: 1, record_seqs: [3], record_count: 1 },
    ];
    expect(findCapacityOverruns(records, inventory)).toEqual(expected);
    expect(streamed(records, inventory)).toEqual(expected);
    expect(bruteForce(records, inventory)).toEqual(expected);
  });

  it('does not count a record that starts exactly when the overrun ends', () => {
    const inventory = [inv(4, 0, null)];
    const records = [rec(1, 4, 0, 10), rec(2, 4, 5, 10), rec(3, 4, 10, 20)];
    const expected = [{ from_ms: 5, to_ms: 10, busy_max: 8, inventory: 4, excess: 4, record_seqs: [1, 2], record_count: 2 }];
    expect(findCapacityOverruns(records, inventory)).toEqual(expected);
    expect(streamed(records, inventory)).toEqual(expected);
  });

  it('caps the listed seqs at record_seqs_max and still counts all records, at and just past the cap', () => {
    const inventory = [inv(0, 0, null)];
    const records = [rec(5, 1, 0, 10), rec(4, 1, 1, 10), rec(3, 1, 2, 10), rec(2, 1, 3, 10)];
    for (const max of [4, 3]) {
      const [o] = findCapacityOverruns(records, inventory, { record_seqs_max: max });
      const listed = max === 4 ? [2, 3, 4, 5] : [3, 4, 5]; // the first to start are kept
      expect(o).toMatchObject({ record_count: 4, record_seqs: listed });
      expect(streamed(records, inventory, max)).toEqual([o]);
    }
  });

  it('rejects unsorted streams, empty records and overlapping inventory as invariant errors', () => {
    const sweep = new CapacitySweep([inv(1, 0, null)]);
    sweep.push(rec(1, 1, 10, 20));
    expect(() => sweep.push(rec(2, 1, 9, 20))).toThrow(InvariantError);
    expect(() => findCapacityOverruns([rec(1, 1, 10, 10)], [])).toThrow(InvariantError);
    expect(() => findCapacityOverruns([rec(1, 0, 10, 11)], [])).toThrow(InvariantError);
    expect(() => findCapacityOverruns([], [inv(1, 0, 10), inv(1, 5, null)])).toThrow(InvariantError);
  });

  it('keeps streaming memory bounded by the concurrency, not the record count', () => {
    const sweep = new CapacitySweep([inv(4, 0, null)]);
    let running_max = 0;
    let found = 0;
    for (let x = 0; x < 100_000; x++) {
      found += sweep.push(rec(x, 1, x * 10, x * 10 + 35)).length; // at most 4 running at once
      running_max = Math.max(running_max, sweep.running);
    }
    found += sweep.finish().length;
    expect(found).toBe(0);
    expect(running_max).toBeLessThanOrEqual(4);
  });

  it('streams from an async iterable', async () => {
    async function* source() {
      yield rec(1, 3, 0, 10);
      yield rec(2, 3, 5, 15);
    }
    const out: CapacityOverrun[] = [];
    for await (const o of sweepSortedCapacityAsync(source(), [inv(4, 0, null)])) out.push(o);
    expect(out).toEqual([{ from_ms: 5, to_ms: 10, busy_max: 6, inventory: 4, excess: 2, record_seqs: [1, 2], record_count: 2 }]);
  });

  it('turns an overrun into a high-severity finding', () => {
    const [o] = findCapacityOverruns([rec(1, 6, 0, 100), rec(2, 4, 50, 150)], [inv(8, 0, null)]);
    const f = capacityFinding(o!, { cluster_id: 'c1', accelerator: 'a' }, new OfficeCalendar('Asia/Shanghai'));
    expect(f).toMatchObject({ kind: 'capacity_overrun', severity: 'high', record_seqs: [1, 2], interval: { from_ms: 50, to_ms: 100 } });
    expect(f.message).toContain('up to 10 a cards busy');
    expect(JSON.parse(JSON.stringify(f.evidence))).toEqual(f.evidence);
  });

  // Small time and count ranges make ties (ends meeting starts, inventory changes at record edges) common.
  const record_arb = fc.record({ count: fc.integer({ min: 1, max: 5 }), start: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 15 }) });
  const inventory_arb = fc
    .array(fc.record({ gap: fc.integer({ min: 0, max: 5 }), len: fc.integer({ min: 1, max: 20 }), count: fc.integer({ min: 0, max: 10 }) }), { maxLength: 4 })
    .chain((parts) =>
      fc.boolean().map((open_end) => {
        const out: InventoryInterval[] = [];
        let t = 0;
        parts.forEach((p, i) => {
          const from = t + p.gap;
          const to = open_end && i === parts.length - 1 ? null : from + p.len;
          out.push(inv(p.count, from, to));
          t = to ?? t;
        });
        return out;
      }),
    );

  it('agrees with brute force, and the streaming sweep agrees with the in-memory one (property)', () => {
    fc.assert(
      fc.property(fc.array(record_arb, { maxLength: 30 }), inventory_arb, fc.integer({ min: 1, max: 6 }), (raw, inventory, seqs_max) => {
        const records = raw.map((r, i) => rec(100 + ((i * 7) % 31), r.count, r.start, r.start + r.len));
        const expected = bruteForce(records, inventory, seqs_max);
        expect(findCapacityOverruns(records, inventory, { record_seqs_max: seqs_max })).toEqual(expected);
        expect(streamed(records, inventory, seqs_max)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('sweeps 1,000,000 records of one cluster × model in memory (timing printed)', () => {
    let seed = 42;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const n = 1_000_000;
    const records: CapacityRecord[] = new Array(n);
    for (let x = 0; x < n; x++) {
      const start = Math.floor(rand() * 365 * 86_400_000);
      records[x] = rec(x, 1 + Math.floor(rand() * 8), start, start + 60_000 + Math.floor(rand() * 86_400_000));
    }
    const t0 = performance.now();
    const overruns = findCapacityOverruns(records, [inv(6_200, 0, null)]);
    const t1 = performance.now();
    let streamed_count = 0;
    const sorted = [...records].sort((a, b) => a.started_at_ms - b.started_at_ms);
    const t2 = performance.now();
    for (const _ of sweepSortedCapacity(sorted, [inv(6_200, 0, null)])) streamed_count++;
    const t3 = performance.now();
    console.log(
      `capacity sweep, 1,000,000 records: in memory ${(t1 - t0).toFixed(0)} ms (${overruns.length} overruns); ` +
        `streaming over pre-sorted input ${(t3 - t2).toFixed(0)} ms`,
    );
    expect(streamed_count).toBe(overruns.length);
  });
});
