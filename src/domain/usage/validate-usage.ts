// Domain validation of one usage record after its shape has been checked: time, inventory, parties;
// and the derived quantities (card-seconds, compute) that every later calculation uses.
import { cardSeconds, computeGflop } from '../catalog/compute.js';
import type { InventoryInterval } from '../org/organization.js';

/** Record outcomes other than accepted/duplicate. A closed list: codes are never renamed once shipped. */
export const usage_reject_codes = [
  'invalid_field',
  'ended_not_after_started',
  'duration_too_long',
  'in_future',
  'unknown_accelerator',
  'unknown_cluster',
  'unknown_enterprise',
  'model_not_in_inventory',
  'outside_inventory',
  'count_exceeds_inventory',
  'conflict',
  // a record of a replacement (UsageIngest.replace) that was not stored because the replacement as a whole was refused
  'replacement_refused',
] as const;
export type UsageRejectCode = (typeof usage_reject_codes)[number];

export interface UsageInput {
  record_id: string;
  cluster_id: string;
  enterprise_id: string;
  accelerator: string;
  count: number;
  started_at_ms: number;
  ended_at_ms: number;
  amount_fen: number;
  job_ref: string | null;
  workload: 'training' | 'inference' | null;
  energy_wh: number | null;
}

export interface UsageContext {
  now_ms: number;
  future_skew_s_max: number;
  duration_s_max: number;
  /** The reporting provider's own clusters; another provider's cluster is unknown here. */
  clusters: ReadonlyMap<string, { inventory: readonly InventoryInterval[] }>;
  enterprises: ReadonlySet<string>;
  /** Catalog: dense GFLOPS per model, null when the model has no throughput figure. */
  accelerators: ReadonlyMap<string, { gflops: number | null }>;
}

export interface UsageProblem {
  code: UsageRejectCode;
  field: string;
  message: string;
}
export interface UsageDerived {
  card_s: number;
  compute_gflop: bigint | null;
}

export type UsageCheck = { ok: true; derived: UsageDerived } | { ok: false; problem: UsageProblem };

const fail = (code: UsageRejectCode, field: string, message: string): UsageCheck => ({ ok: false, problem: { code, field, message } });

export function validateUsage(r: UsageInput, ctx: UsageContext): UsageCheck {
  if (r.ended_at_ms <= r.started_at_ms) return fail('ended_not_after_started', 'ended_at', 'ended_at must be after started_at');
  const duration_ms = r.ended_at_ms - r.started_at_ms;
  if (duration_ms > ctx.duration_s_max * 1000) {
    return fail('duration_too_long', 'ended_at', `a record may span at most ${ctx.duration_s_max} s; split longer jobs`);
  }
  if (r.ended_at_ms > ctx.now_ms + ctx.future_skew_s_max * 1000) {
    return fail('in_future', 'ended_at', `ended_at is more than ${ctx.future_skew_s_max} s in the future`);
  }
  const model = ctx.accelerators.get(r.accelerator);
  if (model === undefined) return fail('unknown_accelerator', 'accelerator', `"${r.accelerator}" is not in the catalog`);
  const cluster = ctx.clusters.get(r.cluster_id);
  if (cluster === undefined) return fail('unknown_cluster', 'cluster_id', `cluster "${r.cluster_id}" is not one of yours`);
  if (!ctx.enterprises.has(r.enterprise_id)) return fail('unknown_enterprise', 'enterprise_id', `enterprise "${r.enterprise_id}" does not exist`);

  const intervals = cluster.inventory.filter((i) => i.accelerator === r.accelerator);
  if (intervals.length === 0) {
    return fail('model_not_in_inventory', 'accelerator', `cluster "${r.cluster_id}" holds no ${r.accelerator}`);
  }
  const available = inventoryOver(intervals, r.started_at_ms, r.ended_at_ms);
  if (available === null) {
    return fail('outside_inventory', 'started_at', `the cluster did not hold ${r.accelerator} for the whole of [started_at, ended_at)`);
  }
  if (r.count > available) {
    return fail('count_exceeds_inventory', 'count', `count ${r.count} exceeds the ${available} ${r.accelerator} cards the cluster held then`);
  }
  const card_s = cardSeconds(r.count, Math.ceil(duration_ms / 1000));
  return { ok: true, derived: { card_s, compute_gflop: model.gflops === null ? null : computeGflop(card_s, model.gflops) } };
}

/**
 * The fewest cards of the model the cluster held at any instant of [from, to), or null when some instant of it is
 * covered by no interval. Intervals of one model do not overlap (checkInventory), so a sort and a walk suffice.
 */
export function inventoryOver(intervals: readonly InventoryInterval[], from_ms: number, to_ms: number): number | null {
  const sorted = intervals
    .filter((i) => i.valid_from_ms < to_ms && (i.valid_to_ms === null || i.valid_to_ms > from_ms))
    .sort((a, b) => a.valid_from_ms - b.valid_from_ms);
  let covered_to = from_ms;
  let min = Number.POSITIVE_INFINITY;
  for (const i of sorted) {
    if (i.valid_from_ms > covered_to) return null;
    min = Math.min(min, i.count);
    covered_to = i.valid_to_ms ?? Number.POSITIVE_INFINITY;
    if (covered_to >= to_ms) return min;
  }
  return null;
}

/** Identical re-send (a no-op) versus the same record_id with other content (a conflict). */
export function sameUsageContent(a: UsageInput, b: UsageInput): boolean {
  return (
    a.cluster_id === b.cluster_id &&
    a.enterprise_id === b.enterprise_id &&
    a.accelerator === b.accelerator &&
    a.count === b.count &&
    a.started_at_ms === b.started_at_ms &&
    a.ended_at_ms === b.ended_at_ms &&
    a.amount_fen === b.amount_fen &&
    a.job_ref === b.job_ref &&
    a.workload === b.workload &&
    a.energy_wh === b.energy_wh
  );
}
