// The month arithmetic the overview's charts need (its answer, GET /dashboard/overview, is the contract's Overview).

export function monthIndex(m: string): number {
  const [y, mm] = m.split('-').map(Number) as [number, number];
  return y * 12 + (mm - 1);
}
export function monthKey(i: number): string {
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}
/** Every month from a to b, both included. */
export function monthsFromTo(a: string, b: string): string[] {
  const out: string[] = [];
  for (let i = monthIndex(a); i <= monthIndex(b); i++) out.push(monthKey(i));
  return out;
}

/**
 * The straight line through a trend's points (least squares, for drawing only: the API's figures are the exact
 * ones) at month `m`; null with fewer than two points.
 */
export function lineAt(points: readonly { month: string; share_bp: number }[], m: string): number | null {
  if (points.length < 2) return null;
  const xs = points.map((p) => monthIndex(p.month));
  const ys = points.map((p) => p.share_bp);
  const n = points.length;
  const sx = xs.reduce((s, x) => s + x, 0);
  const sy = ys.reduce((s, y) => s + y, 0);
  const sxx = xs.reduce((s, x) => s + x * x, 0);
  const sxy = xs.reduce((s, x, k) => s + x * ys[k]!, 0);
  const d = n * sxx - sx * sx;
  if (d === 0) return null;
  const b = (n * sxy - sx * sy) / d;
  const a = (sy - b * sx) / n;
  return Math.min(10_000, Math.max(0, a + b * monthIndex(m)));
}
