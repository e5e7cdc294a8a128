// Where the domestic share is heading: an ordinary least-squares line through the monthly shares of the last months
// that have one, extended to the target month. Exact: sums in bigint, one rounding at the end of each figure.
import { clampBp, divideCeil, divideRoundHalfAway } from './share.js';
import type { MonthIndex } from './month.js';

/** Months with a share that the line is fitted through (the most recent ones). */
export const trend_points_max = 12;
/** How far past the last point the line is followed to find the month it reaches the target. */
export const trend_horizon_months = 120;

export const trend_method =
  `least-squares line through the monthly domestic share (basis points) of the last up to ${trend_points_max} months ` +
  'of the range that have one (at least 2), extended to the target month, clamped to 0–100%; the target is reached in the first month, ' +
  `from the first of those months to ${trend_horizon_months} months after the last, in which the clamped line is at or above it`;

export interface SharePoint {
  month: MonthIndex;
  share_bp: number;
}

export interface ShareTrend {
  /** The line's slope, rounded half away from zero; null with fewer than 2 points. */
  slope_bp_per_month: number | null;
  /** The months the line goes through, oldest first. */
  points: SharePoint[];
  /** The line at the target month, rounded half away from zero, then clamped to 0–10,000. */
  share_bp_at_target: number | null;
  /** The first month the clamped line is at or above the target; null if not within the horizon. */
  reaches_target_month: MonthIndex | null;
}

/**
 * Fits y = a + b·x through the last `trend_points_max` months with a share (x the month index, y the share in bp):
 * b = N / D with N = nΣxy − ΣxΣy, D = nΣx² − (Σx)²; the line at x is (Σy·D + (n·x − Σx)·N) / (n·D).
 */
export function shareTrend(series: readonly { month: MonthIndex; share_bp: number | null }[], target: { share_bp: number; month: MonthIndex }): ShareTrend {
  const points = series
    .filter((p): p is SharePoint => p.share_bp !== null)
    .sort((a, b) => a.month - b.month)
    .slice(-trend_points_max)
    .map((p) => ({ month: p.month, share_bp: p.share_bp }));
  for (let k = 1; k < points.length; k++) {
    if (points[k]!.month === points[k - 1]!.month) throw new RangeError(`month ${points[k]!.month} appears twice in the series`);
  }
  if (points.length < 2) return { slope_bp_per_month: null, points, share_bp_at_target: null, reaches_target_month: null };
  const n = BigInt(points.length);
  const x0 = points[0]!.month; // x relative to the first point keeps the sums small
  let sx = 0n,
    sy = 0n,
    sxx = 0n,
    sxy = 0n;
  for (const p of points) {
    const x = BigInt(p.month - x0);
    const y = BigInt(p.share_bp);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const N = n * sxy - sx * sy;
  const D = n * sxx - sx * sx; // > 0: at least two distinct months
  // The line at x, times n·D: exact.
  const scaled = (x: bigint) => sy * D + (n * x - sx) * N;
  const at = (x: bigint) => clampBp(Number(divideRoundHalfAway(scaled(x), n * D)));
  const t = BigInt(target.month - x0);
  const last = BigInt(points[points.length - 1]!.month - x0);
  const T = BigInt(target.share_bp);
  // At or above the target ⇔ scaled(x) ≥ T·n·D (n·D > 0), for the unclamped line; the clamp changes nothing for a
  // target inside 0–10,000 except at 0, which every month reaches.
  const reaches = (x: bigint) => target.share_bp <= 0 || scaled(x) >= T * n * D;
  let first: bigint | null = null;
  if (reaches(0n)) first = 0n;
  else if (N > 0n) {
    // scaled(x) ≥ T·n·D ⇔ n·N·x ≥ T·n·D − Σy·D + Σx·N
    const x = divideCeil(T * n * D - sy * D + sx * N, n * N);
    if (x <= last + BigInt(trend_horizon_months)) first = x;
  }
  return {
    slope_bp_per_month: Number(divideRoundHalfAway(N, D)),
    points,
    share_bp_at_target: at(t),
    reaches_target_month: first === null ? null : ((x0 + Number(first)) as MonthIndex),
  };
}
