// The full integrity check over a period (`suanli check`, POST /api/v1/checks/run): capacity overruns per cluster ×
// model by a streaming sweep, duplicate and overlapping jobs day by day; new findings are stored once by key. The
// incremental checker (integrity-checker.ts) runs the same two pieces over the windows ingest queued.
import { CapacitySweep, capacityFinding, type CapacityOverrun } from '../domain/integrity/capacity.js';
import { findDuplicates } from '../domain/integrity/duplicates.js';
import { findPriceOutliers, price_band_default, type PriceBand } from '../domain/integrity/price.js';
import type { Finding, FindingKind } from '../domain/integrity/finding.js';
import type { InventoryInterval } from '../domain/org/organization.js';
import type { Store } from '../store/store.js';
import type { AuditActor } from '../store/audit-repository.js';

export interface CheckPeriod {
  from_ms: number;
  to_ms: number;
}

export interface CheckResult {
  /** Findings computed over the period, by kind (including those already stored). */
  found: Record<FindingKind, number>;
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

/** The streaming sweep of one cluster × model over the records running some time in [from_ms, to_ms). */
export async function sweepPair(
  store: Store,
  cluster_id: string,
  accelerator: string,
  from_ms: number,
  to_ms: number,
  duration_ms_max: number,
  inventory: readonly InventoryInterval[],
): Promise<CapacityOverrun[]> {
  const sweep = new CapacitySweep(inventory);
  const out: CapacityOverrun[] = [];
  await store.findings.scanCapacity(cluster_id, accelerator, from_ms, to_ms, duration_ms_max, (r) => {
    const closed = sweep.push(r);
    if (closed.length > 0) out.push(...closed);
  });
  out.push(...sweep.finish());
  return out;
}

/** The capacity sweep of every cluster × model with records running in the period; overruns as they close. */
export async function* capacityOverruns(
  store: Store,
  period: CheckPeriod,
  duration_ms_max: number,
): AsyncGenerator<{ overrun: CapacityOverrun; cluster_id: string; accelerator: string }> {
  const inventories = new InventoryCache(store);
  for (const { cluster_id, accelerator } of await store.findings.usageClusterModels(period.from_ms, period.to_ms, duration_ms_max)) {
    const overruns = await sweepPair(
      store,
      cluster_id,
      accelerator,
      period.from_ms,
      period.to_ms,
      duration_ms_max,
      await inventories.of(cluster_id, accelerator),
    );
    for (const overrun of overruns) yield { overrun, cluster_id, accelerator };
  }
}

/** A market price counts as a model's reference only when this many providers and records stand behind it. */
export const market_price_providers_min = 2;
export const market_price_records_min = 100;

export interface PriceReference {
  accelerator: string;
  fen_per_card_h: number;
  basis: 'set' | 'market';
  source: string;
  /** what a market price was taken from; null for a price the office set */
  market: { records: number; providers: number } | null;
}

/**
 * Each model's reference price per card-hour: the one an administrator set (with its source), else the market price
 * over all stored usage (total billed / total card-hours) when at least two providers and 100 records make it.
 */
export async function referencePrices(store: Store): Promise<Map<string, PriceReference>> {
  const out = new Map<string, PriceReference>();
  for (const m of await store.catalog.marketPrices()) {
    if (m.providers >= market_price_providers_min && m.records >= market_price_records_min && m.fen_per_card_h > 0) {
      out.set(m.accelerator_id, {
        accelerator: m.accelerator_id,
        fen_per_card_h: m.fen_per_card_h,
        basis: 'market',
        source: `market: ${m.records} records of ${m.providers} providers`,
        market: { records: m.records, providers: m.providers },
      });
    }
  }
  for (const r of await store.catalog.referencePrices()) {
    out.set(r.accelerator_id, { accelerator: r.accelerator_id, fen_per_card_h: r.fen_per_card_h, basis: 'set', source: r.source, market: null });
  }
  return out;
}

export interface DayCheckOptions {
  duration_ms_max: number;
  references: ReadonlyMap<string, PriceReference>;
  price_band: PriceBand;
}

/**
 * Duplicate and overlapping jobs, and price outliers, among the records running some time on one UTC day (the unit
 * both the full and the incremental check use, so the two store the same findings under the same keys); memory: one
 * day's records.
 */
export async function dayFindings(
  store: Store,
  pairs: readonly { cluster_id: string; accelerator: string }[],
  day_start_ms: number,
  options: DayCheckOptions,
): Promise<{ findings: Finding[]; truncated: boolean }> {
  const refs = new Map([...options.references].map(([model, r]) => [model, r.fen_per_card_h]));
  const records = await store.findings.dayCandidates(pairs, day_start_ms, day_start_ms + day_ms, options.duration_ms_max, refs, options.price_band);
  const d = findDuplicates(records, store.calendar);
  // A record spanning several days is judged on each; its finding has one key (its seq), so it is stored once.
  const prices = findPriceOutliers(
    records.filter((r) => r.card_s > 0),
    refs,
    options.price_band,
  );
  for (const p of prices) p.evidence.reference_basis = options.references.get(p.subject.accelerator ?? '')?.basis ?? null;
  return { findings: [...d.findings, ...prices], truncated: d.truncated };
}

/** Checks the records that ran some time in [from_ms, to_ms): capacity, duplicates and overlaps, prices. */
export async function runChecks(
  store: Store,
  period: CheckPeriod,
  actor: AuditActor,
  now_ms: number,
  options: { duration_ms_max: number; price_band?: PriceBand },
): Promise<CheckResult> {
  if (!(Number.isFinite(period.from_ms) && Number.isFinite(period.to_ms) && period.from_ms < period.to_ms)) {
    throw new RangeError('the check period needs from < to');
  }
  const found: CheckResult['found'] = { capacity_overrun: 0, duplicate_job: 0, overlapping_job: 0, price_outlier: 0 };
  let created = 0;
  let truncated = false;
  let pending: Finding[] = [];
  const flush = async () => {
    created += await store.findings.upsert(pending, actor, now_ms);
    pending = [];
  };
  const add = async (f: Finding) => {
    found[f.kind]++;
    pending.push(f);
    if (pending.length >= upsert_findings_max) await flush();
  };

  for await (const o of capacityOverruns(store, period, options.duration_ms_max)) await add(capacityFinding(o.overrun, o, store.calendar));

  const pairs = await store.findings.usageClusterModels(period.from_ms, period.to_ms, options.duration_ms_max);
  const day_options = {
    duration_ms_max: options.duration_ms_max,
    references: await referencePrices(store),
    price_band: options.price_band ?? price_band_default,
  };
  for (let day = Math.floor(period.from_ms / day_ms) * day_ms; day < period.to_ms; day += day_ms) {
    const d = await dayFindings(store, pairs, day, day_options);
    truncated ||= d.truncated;
    for (const f of d.findings) await add(f);
  }
  await flush();
  return { found, created, truncated };
}
