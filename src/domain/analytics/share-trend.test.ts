import { describe, expect, it } from 'vitest';
import { parseMonth, type MonthIndex } from './month.js';
import { shareTrend, trend_horizon_months, trend_points_max } from './share-trend.js';

const m0 = parseMonth('2026-01')!;
/** A seeded generator (a linear congruential one is plenty for test data). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 4_294_967_296;
}
const at = (k: number) => (m0 + k) as MonthIndex;
const series = (shares: (number | null)[]) => shares.map((share_bp, k) => ({ month: at(k), share_bp }));

describe('the least-squares trend of a share', () => {
  it('follows a straight line exactly', () => {
    const t = shareTrend(series([5000, 5100, 5200, 5300]), { share_bp: 7000, month: at(24) });
    expect(t).toEqual({
      slope_bp_per_month: 100,
      points: [0, 1, 2, 3].map((k) => ({ month: at(k), share_bp: 5000 + 100 * k })),
      share_bp_at_target: 7400,
      reaches_target_month: at(20), // 5000 + 100·20 = 7000: at the target counts
    });
  });

  it('needs two months with a share; months without one are skipped, not zero', () => {
    expect(shareTrend(series([]), { share_bp: 7000, month: at(24) })).toEqual({
      slope_bp_per_month: null,
      points: [],
      share_bp_at_target: null,
      reaches_target_month: null,
    });
    expect(shareTrend(series([null, 6000, null]), { share_bp: 7000, month: at(24) })).toMatchObject({
      slope_bp_per_month: null,
      points: [{ month: at(1), share_bp: 6000 }],
      share_bp_at_target: null,
    });
    const gap = shareTrend(series([5000, null, null, 5300]), { share_bp: 7000, month: at(10) });
    expect(gap).toMatchObject({ slope_bp_per_month: 100, share_bp_at_target: 6000, reaches_target_month: at(20) });
    expect(gap.points.map((p) => p.month)).toEqual([at(0), at(3)]);
  });

  it(`fits through the last ${trend_points_max} months with a share only`, () => {
    const shares = [9000, 9000, 9000, ...Array.from({ length: trend_points_max }, (_, k) => 1000 + 10 * k)];
    const t = shareTrend(series(shares), { share_bp: 7000, month: at(20) });
    expect(t.points).toHaveLength(trend_points_max);
    expect(t.points[0]).toEqual({ month: at(3), share_bp: 1000 });
    expect(t.slope_bp_per_month).toBe(10);
    expect(t.share_bp_at_target).toBe(1000 + 10 * 17);
    expect(t.reaches_target_month).toBeNull(); // 600 months away: past the horizon
  });

  it('clamps the projection to 0–100% and rounds halves away from zero', () => {
    expect(shareTrend(series([9000, 9500]), { share_bp: 7000, month: at(12) })).toMatchObject({
      slope_bp_per_month: 500,
      share_bp_at_target: 10_000,
      reaches_target_month: at(0),
    });
    expect(shareTrend(series([1000, 500]), { share_bp: 7000, month: at(12) })).toMatchObject({
      slope_bp_per_month: -500,
      share_bp_at_target: 0,
      reaches_target_month: null,
    });
    // slope ½ → 1, −½ → −1
    expect(shareTrend(series([0, 0, 1]), { share_bp: 1, month: at(3) }).slope_bp_per_month).toBe(1);
    expect(shareTrend(series([1, 1, 0]), { share_bp: 1, month: at(3) }).slope_bp_per_month).toBe(-1);
    // line (9x − 3) / 18 through (0,0) (1,0) (2,1): at x = 3, 24/18 → 1; it first reaches 1 at x = 3 (21/18 ≥ 1 needs x ≥ 7/3)
    expect(shareTrend(series([0, 0, 1]), { share_bp: 1, month: at(3) })).toMatchObject({ share_bp_at_target: 1, reaches_target_month: at(3) });
  });

  it('a falling line that starts above the target reached it at the first point', () => {
    expect(shareTrend(series([8000, 7800, 7600]), { share_bp: 7000, month: at(24) })).toMatchObject({
      slope_bp_per_month: -200,
      share_bp_at_target: 3200,
      reaches_target_month: at(0),
    });
    expect(shareTrend(series([5000, 5000]), { share_bp: 0, month: at(24) })).toMatchObject({ slope_bp_per_month: 0, reaches_target_month: at(0) });
    expect(shareTrend(series([5000, 5000]), { share_bp: 7000, month: at(24) })).toMatchObject({
      slope_bp_per_month: 0,
      share_bp_at_target: 5000,
      reaches_target_month: null,
    });
  });

  it(`looks for the target at most ${trend_horizon_months} months past the last point`, () => {
    // 5000 + 20x ≥ 7000 at x = 100: inside; 5000 + 16x at x = 125 (124 past the last point, x = 1): outside
    expect(shareTrend(series([5000, 5020]), { share_bp: 7000, month: at(24) }).reaches_target_month).toBe(at(100));
    expect(shareTrend(series([5000, 5016]), { share_bp: 7000, month: at(24) }).reaches_target_month).toBeNull();
    expect(shareTrend(series([5000, 5017]), { share_bp: 7000, month: at(24) }).reaches_target_month).toBe(at(118)); // 5000 + 17·118 = 7006
  });

  it('agrees with a floating-point fit and a month-by-month search on random series', () => {
    const rnd = seeded(20261129);
    for (let run = 0; run < 300; run++) {
      const n = 2 + Math.floor(rnd() * 14);
      const shares = Array.from({ length: n }, () => (rnd() < 0.2 ? null : Math.floor(rnd() * 10_001)));
      const target = { share_bp: Math.floor(rnd() * 10_001), month: at(n + Math.floor(rnd() * 30)) };
      const t = shareTrend(series(shares), target);
      const pts = shares
        .map((y, k) => [k, y] as const)
        .filter((p): p is readonly [number, number] => p[1] !== null)
        .slice(-trend_points_max);
      if (pts.length < 2) {
        expect(t.slope_bp_per_month).toBeNull();
        continue;
      }
      const k = pts.length;
      const mx = pts.reduce((s, p) => s + p[0], 0) / k;
      const my = pts.reduce((s, p) => s + p[1], 0) / k;
      const b = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
      const line = (x: number) => my + b * (x - mx);
      expect(Math.abs(t.slope_bp_per_month! - b)).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(Math.abs(t.share_bp_at_target! - Math.min(10_000, Math.max(0, line(target.month - m0))))).toBeLessThanOrEqual(0.5 + 1e-6);
      // the first month from the first point to the horizon where the line is at or above the target (float, away from ties)
      const first = pts[0]![0];
      const last = pts[pts.length - 1]![0];
      let found: number | null = null;
      for (let x = first; x <= last + trend_horizon_months; x++)
        if (target.share_bp === 0 || line(x) >= target.share_bp - 1e-6) {
          found = x;
          break;
        }
      const near_tie = found !== null && Math.abs(line(found) - target.share_bp) < 1e-6;
      if (!near_tie) expect(t.reaches_target_month).toBe(found === null ? null : at(found));
    }
  });
});
