// The full integrity check over a period (`suanli check`, POST /api/v1/checks/run): capacity overruns per cluster ×
// model by a streaming sweep, duplicate and overlapping jobs day by day; new findings are stored once by key. The
// incremental checker (integrity-checker.ts) runs the same two pieces over the windows ingest queued.
import { capacityFinding, sweepCapacityPages, type CapacityOverrun } from '../domain/integrity/capacity.js';
import { findDuplicates } from '../domain/integrity/duplicates.js';
import type { Finding, FindingKind } from '../domain/integrity/finding.js';
import type { InventoryInterval } from '../domain/org/organization.js';
import type { Store } from '../store/store.js';
import type { AuditActor } from '../store/audit-repository.js';

export interface CheckPeriod { from_ms: number; to_ms: number }

export interface CheckResult {
  /** Findings computed over the period, by kind (including those already stored). */
  found: Record<Exclude<FindingKind, 'price_outlier'>, number>;
  /** Of those, how many were new. */
  created: number;
  /** True when the duplicate check hit its cap on findings (per day) and left some out. */
  truncated: boolean;
}

/** Findings are stored in groups of this many, so a period with many overruns never holds them all at once. */
const upsert_findings_max = 1000;
export const day_ms = 86_400_000;

/** Inventory of each cluster, read once per check. */
export class InventoryCache {
  private readonly by = new Map<string, InventoryInterval[]>();
  constructor(private readonly store: Store) {}
  async of(cluster_id: string, accelerator: string): Promise<InventoryInterval[]> {
    let inv = this.by.get(cluster_id);
    if (inv === undefined) {
      inv = (await this.store.clusters.get(cluster_id))?.inventory ?? [];
      this.by.set(cluster_id, inv);
    }
    return inv.filter((i) => i.accelerator === accelerator);
  }
}

/** The capacity sweep of every cluster × model with records running in the period; overruns as they close. */
export async function* capacityOverruns(store: Store, period: CheckPeriod, duration_ms_max: number): AsyncGenerator<{ overrun: CapacityOverrun; cluster_id: string; accelerator: string }> {
  const inventories = new InventoryCache(store);
  for (const { cluster_id, accelerator } of await store.findings.usageClusterModels(period.from_ms, period.to_ms, duration_ms_max)) {
    const pages = store.findings.capacityPages(cluster_id, accelerator, period.from_ms, period.to_ms, duration_ms_max);
    for await (const overrun of sweepCapacityPages(pages, await inventories.of(cluster_id, accelerator))) yield { overrun, cluster_id, accelerator };
  }
}

/**
 * Duplicate and overlapping jobs among the records running some time on one UTC day (the unit both the full and the
 * incremental check use, so the two store the same findings under the same keys); memory: one day's records.
 */
export async function duplicateFindingsOfDay(store: Store, pairs: readonly { cluster_id: string; accelerator: string }[], day_start_ms: number, duration_ms_max: number): Promise<{ findings: Finding[]; truncated: boolean }> {
  return findDuplicates(await store.findings.windowRecords(pairs, day_start_ms, day_start_ms + day_ms, duration_ms_max));
}

/** Checks the records that ran some time in [from_ms, to_ms). Price outliers are not checked: the catalog has no reference prices yet. */
export async function runChecks(store: Store, period: CheckPeriod, actor: AuditActor, now_ms: number, options: { duration_ms_max: number }): Promise<CheckResult> {
  if (!(Number.isFinite(period.from_ms) && Number.isFinite(period.to_ms) && period.from_ms < period.to_ms)) {
    throw new RangeError('the check period needs from < to');
  }
  const found: CheckResult['found'] = { capacity_overrun: 0, duplicate_job: 0, overlapping_job: 0 };
  let created = 0;
  let truncated = false;
  let pending: Finding[] = [];
  const flush = async () => {
    created += await store.findings.upsert(pending, actor, now_ms);
    pending = [];
  };
  const add = async (f: Finding) => {
    if (f.kind !== 'price_outlier') found[f.kind]++;
    pending.push(f);
    if (pending.length >= upsert_findings_max) await flush();
  };

  for await (const o of capacityOverruns(store, period, options.duration_ms_max)) await add(capacityFinding(o.overrun, o));

  const pairs = await store.findings.usageClusterModels(period.from_ms, period.to_ms, options.duration_ms_max);
  for (let day = Math.floor(period.from_ms / day_ms) * day_ms; day < period.to_ms; day += day_ms) {
    const d = await duplicateFindingsOfDay(store, pairs, day, options.duration_ms_max);
    truncated ||= d.truncated;
    for (const f of d.findings) await add(f);
  }
  await flush();
  return { found, created, truncated };
}
