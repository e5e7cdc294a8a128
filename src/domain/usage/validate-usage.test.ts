import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inventoryOver, sameUsageContent, validateUsage, type UsageContext, type UsageInput } from './validate-usage.js';
import type { InventoryInterval } from '../org/organization.js';

const h = 3_600_000;
const t0 = Date.parse('2026-10-01T00:00:00Z');

const ctx: UsageContext = {
  now_ms: Date.parse('2026-11-29T12:00:00Z'),
  future_skew_s_max: 300,
  duration_s_max: 31 * 86_400,
  clusters: new Map([
    [
      'c1',
      {
        inventory: [
          { accelerator: 'huawei-ascend-910b', count: 64, valid_from_ms: Date.parse('2026-01-01T00:00:00Z'), valid_to_ms: t0 + 10 * h },
          { accelerator: 'huawei-ascend-910b', count: 128, valid_from_ms: t0 + 10 * h, valid_to_ms: null },
          { accelerator: 'metax-c500', count: 8, valid_from_ms: Date.parse('2026-01-01T00:00:00Z'), valid_to_ms: null },
        ],
      },
    ],
  ]),
  enterprises: new Set(['e1']),
  accelerators: new Map([
    ['huawei-ascend-910b', { gflops: 320_000 }],
    ['metax-c500', { gflops: null }],
    ['nvidia-h20', { gflops: 148_000 }],
  ]),
};

const rec = (o: Partial<UsageInput> = {}): UsageInput => ({
  record_id: 'r',
  cluster_id: 'c1',
  enterprise_id: 'e1',
  accelerator: 'huawei-ascend-910b',
  count: 8,
  started_at_ms: t0,
  ended_at_ms: t0 + 6.5 * h,
  amount_fen: 124_800,
  job_ref: null,
  workload: null,
  energy_wh: null,
  ...o,
});

describe('validateUsage', () => {
  it('derives card-seconds and compute: 8 × 910B × 6.5 h = 187,200 card-s = 59,904,000,000 GFLOP', () => {
    expect(validateUsage(rec(), ctx)).toEqual({ ok: true, derived: { card_s: 187_200, compute_gflop: 59_904_000_000n } });
  });

  it('counts card-seconds only for a model without a throughput figure', () => {
    expect(validateUsage(rec({ accelerator: 'metax-c500', count: 2, ended_at_ms: t0 + h }), ctx)).toEqual({
      ok: true,
      derived: { card_s: 7200, compute_gflop: null },
    });
  });

  it('rounds a fractional second up', () => {
    const v = validateUsage(rec({ count: 1, ended_at_ms: t0 + 1500 }), ctx);
    expect(v.ok && v.derived.card_s).toBe(2);
  });

  it.each([
    ['ended_not_after_started', 'ended_at', { ended_at_ms: t0 }],
    ['ended_not_after_started', 'ended_at', { ended_at_ms: t0 - 1 }],
    ['duration_too_long', 'ended_at', { ended_at_ms: t0 + 31 * 24 * h + 1 }],
    ['in_future', 'ended_at', { started_at_ms: ctx.now_ms, ended_at_ms: ctx.now_ms + 300_001 }],
    ['unknown_accelerator', 'accelerator', { accelerator: 'nvidia-b200' }],
    ['unknown_cluster', 'cluster_id', { cluster_id: 'c2' }],
    ['unknown_enterprise', 'enterprise_id', { enterprise_id: 'e2' }],
    ['model_not_in_inventory', 'accelerator', { accelerator: 'nvidia-h20' }],
    ['outside_inventory', 'started_at', { started_at_ms: Date.parse('2025-12-31T23:00:00Z'), ended_at_ms: Date.parse('2026-01-01T01:00:00Z') }],
    ['count_exceeds_inventory', 'count', { count: 65 }],
    // spans the step from 64 to 128 cards at t0 + 10 h: the fewer cards bound the job
    ['count_exceeds_inventory', 'count', { count: 100, ended_at_ms: t0 + 12 * h }],
  ] as const)('rejects %s (%s)', (code, field, o) => {
    const v = validateUsage(rec(o as Partial<UsageInput>), ctx);
    expect(v.ok).toBe(false);
    if (!v.ok) expect([v.problem.code, v.problem.field]).toEqual([code, field]);
  });

  it('accepts the edges: exactly 31 days, exactly 5 minutes ahead, exactly the inventory', () => {
    expect(validateUsage(rec({ ended_at_ms: t0 + 31 * 24 * h, count: 64 }), ctx).ok).toBe(true);
    expect(validateUsage(rec({ started_at_ms: ctx.now_ms, ended_at_ms: ctx.now_ms + 300_000, count: 128 }), ctx).ok).toBe(true);
    expect(validateUsage(rec({ started_at_ms: t0 + 10 * h, ended_at_ms: t0 + 11 * h, count: 128 }), ctx).ok).toBe(true);
  });
});

describe('inventoryOver', () => {
  const iv = (from: number, to: number | null, count: number): InventoryInterval => ({ accelerator: 'm', count, valid_from_ms: from, valid_to_ms: to });

  it('finds the minimum over adjacent intervals and null on a gap', () => {
    expect(inventoryOver([iv(0, 10, 5), iv(10, null, 3)], 5, 15)).toBe(3);
    expect(inventoryOver([iv(0, 10, 5), iv(11, null, 3)], 5, 15)).toBeNull();
    expect(inventoryOver([iv(0, 10, 5)], 5, 11)).toBeNull();
    expect(inventoryOver([iv(0, 10, 5)], 0, 10)).toBe(5);
  });

  it('agrees with a brute-force minimum over every instant (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        (pieces, from, len, open_end) => {
          // back-to-back intervals, with an optional gap after every third one
          const intervals: InventoryInterval[] = [];
          let at = 0;
          pieces.forEach(([dur, count], i) => {
            const last = i === pieces.length - 1;
            intervals.push(iv(at, last && open_end ? null : at + dur, count));
            at += dur + (i % 3 === 2 ? 1 : 0);
          });
          const to = from + len;
          let min: number | null = Number.POSITIVE_INFINITY;
          for (let t = from; t < to; t++) {
            const hit = intervals.find((i) => i.valid_from_ms <= t && (i.valid_to_ms === null || t < i.valid_to_ms));
            if (!hit) {
              min = null;
              break;
            }
            min = Math.min(min, hit.count);
          }
          expect(inventoryOver(intervals, from, to)).toBe(min);
        },
      ),
    );
  });
});

it('sameUsageContent compares every field but the id', () => {
  expect(sameUsageContent(rec(), rec({ record_id: 'other' }))).toBe(true);
  for (const o of [{ count: 9 }, { amount_fen: 1 }, { job_ref: 'x' }, { workload: 'training' as const }, { energy_wh: 1 }, { ended_at_ms: t0 + h }]) {
    expect(sameUsageContent(rec(), rec(o))).toBe(false);
  }
});
