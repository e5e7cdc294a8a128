// The full integrity check over a period (`suanli check`, POST /api/v1/checks/run): capacity overruns per cluster ×
// model by a streaming sweep, duplicate and overlapping jobs across the period; new findings are stored once by key.
import { capacityFinding, sweepSortedCapacityAsync } from '../domain/integrity/capacity.js';
import { findDuplicates } from '../domain/integrity/duplicates.js';
import type { Finding, FindingKind } from '../domain/integrity/finding.js';
import type { Store } from '../store/store.js';
import type { AuditActor } from '../store/audit-repository.js';

export interface CheckPeriod { from_ms: number; to_ms: number }

export interface CheckResult {
  /** Findings computed over the period, by kind (including those already stored). */
  found: Record<Exclude<FindingKind, 'price_outlier'>, number>;
  /** Of those, how many were new. */
  created: number;
  /** True when the duplicate check hit its cap on findings and left some out. */
  truncated: boolean;
}

/** Findings are stored in groups of this many, so a period with many overruns never holds them all at once. */
const upsert_findings_max = 1000;

/**
 * Checks the records that ran some time in [from_ms, to_ms). Price outliers are not checked: the catalog has no
 * reference prices yet.
 */
export async function runChecks(store: Store, period: CheckPeriod, actor: AuditActor, now_ms: number, options: { duration_ms_max?: number } = {}): Promise<CheckResult> {
  if (!(Number.isFinite(period.from_ms) && Number.isFinite(period.to_ms) && period.from_ms < period.to_ms)) {
    throw new RangeError('the check period needs from < to');
  }
  const found: CheckResult['found'] = { capacity_overrun: 0, duplicate_job: 0, overlapping_job: 0 };
  let created = 0;
  let pending: Finding[] = [];
  const flush = async () => {
    created += await store.findings.upsert(pending, actor, now_ms);
    pending = [];
  };

  const inventories = new Map<string, Awaited<ReturnType<Store['clusters']['get']>>>();
  for (const { cluster_id, accelerator } of await store.findings.usageClusterModels(period.from_ms, period.to_ms)) {
    if (!inventories.has(cluster_id)) inventories.set(cluster_id, await store.clusters.get(cluster_id));
    const inventory = (inventories.get(cluster_id)?.inventory ?? []).filter((i) => i.accelerator === accelerator);
    const records = store.findings.capacityRecords(cluster_id, accelerator, period.from_ms, period.to_ms, options.duration_ms_max);
    for await (const overrun of sweepSortedCapacityAsync(records, inventory)) {
      pending.push(capacityFinding(overrun, { cluster_id, accelerator }));
      found.capacity_overrun++;
      if (pending.length >= upsert_findings_max) await flush();
    }
  }

  const duplicates = findDuplicates(await store.findings.duplicateRecords(period.from_ms, period.to_ms));
  for (const f of duplicates.findings) {
    if (f.kind === 'duplicate_job' || f.kind === 'overlapping_job') found[f.kind]++;
    pending.push(f);
    if (pending.length >= upsert_findings_max) await flush();
  }
  await flush();
  return { found, created, truncated: duplicates.truncated };
}
