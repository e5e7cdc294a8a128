// The overview's answer (GET /dashboard/overview) and the month arithmetic its charts need.
import type { Fen } from '../i18n/format.js';

export interface OverviewMonth {
  month: string; records: number; card_hours: string; domestic_card_hours: string; compute_pflop_h: string; domestic_compute_pflop_h: string;
  used_domestic_share_bp: number | null; installed_pflops: string; domestic_installed_pflops: string; installed_domestic_share_bp: number | null;
  subsidy_approved_fen: Fen; subsidy_paid_fen: Fen; subsidy_clawed_back_fen: Fen;
}
export interface Trend {
  slope_bp_per_month: number | null; points: { month: string; share_bp: number }[];
  share_bp_at_target: number | null; reaches_target_month: string | null;
}
export interface OverviewProgram {
  id: string; name_zh: string; name_en: string; budget_fen: Fen; committed_fen: Fen; paid_fen: Fen; available_fen: Fen;
  burn: { month: string; committed_fen: Fen }[]; projected_exhaustion_date: string | null; exhaustion_method: string;
}
export interface OrgCompute { id: string; name: string; compute_pflop_h: string; domestic_compute_pflop_h: string; domestic_share_bp: number | null }
export interface Overview {
  generated_at: string; reference_accelerator: string;
  target: { share_bp: number; month: string; source: string | null; note: string };
  months: OverviewMonth[];
  projection: { method: string; used: Trend; installed: Trend };
  programs: OverviewProgram[];
  top_enterprises: OrgCompute[]; top_providers: OrgCompute[];
  findings: { open_high: number; open_total: number; recent_high: { id: string; kind: string; severity: string; message?: string; detected_at: string }[] };
}

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
