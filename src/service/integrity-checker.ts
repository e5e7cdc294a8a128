// The incremental integrity checks. Ingest queues, in the same transaction as the records, every cluster × model × UTC
// day a new record ran in (check_queue); the checker drains the queue every few seconds and checks only those windows:
// the capacity sweep over the records overlapping each window (widened until no overrun touches its edges, so an
// overrun is reported whole, as the full check reports it), and the duplicate and price checks over the days touched.
// Only the queue rows read are deleted, once checked: a row queued meanwhile stays, and a crash re-checks, never skips.
import { capacityFinding, type CapacityOverrun } from '../domain/integrity/capacity.js';
import { day_ms, dayFindings, InventoryCache, referencePrices, sweepPair } from './checks.js';
import { price_band_default, type PriceBand } from '../domain/integrity/price.js';
import { findingKey, type Finding } from '../domain/integrity/finding.js';
import type { InventoryInterval } from '../domain/org/organization.js';
import { sql } from 'kysely';
import { system_actor, type AuditActor } from '../store/audit-repository.js';
import type { Store } from '../store/store.js';

/** The PostgreSQL advisory lock one checker holds while it drains ("suanli" in ASCII, as a number). */
const checker_lock_key = 0x7375616e6c69;
/** Findings stored per transaction. */
const upsert_findings_max = 500;
/** Windows read from the queue per drain. */
const drain_windows_max = 2000;
/** How often a window may be widened before the checker settles for what it found (each widening doubles it). */
const widen_steps_max = 12;

export interface DrainResult {
  windows: number;
  capacity_overruns: number;
  duplicates: number;
  price_outliers: number;
  created: number;
  superseded: number;
}

interface Window {
  cluster_id: string;
  accelerator: string;
  from_ms: number;
  to_ms: number;
}

/** Consecutive days of one cluster × model become one window [first day, last day + 1). */
function mergeDays(rows: readonly { cluster_id: string; accelerator: string; day: number }[]): Window[] {
  const sorted = [...rows].sort(
    (a, b) =>
      (a.cluster_id < b.cluster_id ? -1 : a.cluster_id > b.cluster_id ? 1 : 0) ||
      (a.accelerator < b.accelerator ? -1 : a.accelerator > b.accelerator ? 1 : 0) ||
      a.day - b.day,
  );
  const out: Window[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    const same_pair = last !== undefined && last.cluster_id === r.cluster_id && last.accelerator === r.accelerator;
    if (same_pair && r.day * day_ms < last.to_ms) continue; // the same day queued again by another batch
    if (same_pair && last.to_ms === r.day * day_ms) last.to_ms += day_ms;
    else out.push({ cluster_id: r.cluster_id, accelerator: r.accelerator, from_ms: r.day * day_ms, to_ms: (r.day + 1) * day_ms });
  }
  return out;
}

/**
 * The overruns of one cluster × model that intersect `window`, each whole. Counts are exact inside the range read (every
 * record running there overlaps it); an overrun reaching an edge of the range may go on beyond it, so the range is
 * widened (doubling) until none does.
 */
export async function windowOverruns(
  store: Store,
  w: Window,
  inventory: readonly InventoryInterval[],
  duration_ms_max: number,
): Promise<{ overruns: CapacityOverrun[]; from_ms: number; to_ms: number }> {
  let from = w.from_ms;
  let to = w.to_ms;
  for (let step = 0; ; step++) {
    const found = (await sweepPair(store, w.cluster_id, w.accelerator, from, to, duration_ms_max, inventory)).filter(
      (o) => o.from_ms < w.to_ms && o.to_ms > w.from_ms,
    );
    const early = found.some((o) => o.from_ms <= from);
    const late = found.some((o) => o.to_ms >= to);
    if ((!early && !late) || step >= widen_steps_max) return { overruns: found, from_ms: from, to_ms: to };
    const span = Math.max(day_ms, to - from);
    if (early) from -= span;
    if (late) to += span;
  }
}

export class IntegrityChecker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly options: {
      interval_ms: number;
      duration_ms_max: number;
      price_band?: PriceBand;
      actor?: AuditActor;
      onError?: (error: unknown) => void;
      onDrain?: (r: DrainResult) => void;
    },
  ) {}

  /** Drains the queue every interval until stopped; the timer never keeps the process alive. */
  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.drainAll(Date.now())
        .then((r) => {
          if (r.windows > 0) this.options.onDrain?.(r);
        })
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.running = null;
          if (!this.stopped) {
            this.timer = setTimeout(tick, this.options.interval_ms);
            this.timer.unref();
          }
        });
    };
    this.timer = setTimeout(tick, this.options.interval_ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Drains until the queue is empty (or only holds windows touched while they were checked). On PostgreSQL only one
   * process drains at a time (a session advisory lock): several API processes on one database would otherwise all
   * check the same windows; the others skip this round.
   */
  async drainAll(now_ms: number): Promise<DrainResult> {
    if (this.store.engine !== 'postgres') return this.drainAllNow(now_ms);
    return this.store.connection.db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${checker_lock_key}) as ok`.execute(conn);
      if (got.rows[0]?.ok !== true) return { windows: 0, capacity_overruns: 0, duplicates: 0, price_outliers: 0, created: 0, superseded: 0 };
      try {
        return await this.drainAllNow(now_ms);
      } finally {
        await sql`select pg_advisory_unlock(${checker_lock_key})`.execute(conn);
      }
    });
  }

  private async drainAllNow(now_ms: number): Promise<DrainResult> {
    const total: DrainResult = { windows: 0, capacity_overruns: 0, duplicates: 0, price_outliers: 0, created: 0, superseded: 0 };
    for (let round = 0; round < 100; round++) {
      const r = await this.drainOnce(now_ms);
      total.windows += r.windows;
      total.capacity_overruns += r.capacity_overruns;
      total.duplicates += r.duplicates;
      total.price_outliers += r.price_outliers;
      total.created += r.created;
      total.superseded += r.superseded;
      if (r.windows < drain_windows_max) break;
    }
    return total;
  }

  /** Checks up to drain_windows_max queued windows and stores what they show. */
  async drainOnce(now_ms: number): Promise<DrainResult> {
    const store = this.store;
    const queued = await store.findings.pendingWindows(drain_windows_max);
    const result: DrainResult = { windows: queued.length, capacity_overruns: 0, duplicates: 0, price_outliers: 0, created: 0, superseded: 0 };
    if (queued.length === 0) return result;
    const findings: Finding[] = [];
    const windows = mergeDays(queued);
    const inventories = new InventoryCache(store);
    const swept: { w: Window; from_ms: number; to_ms: number; keys: Set<string> }[] = [];
    for (const w of windows) {
      const r = await windowOverruns(store, w, await inventories.of(w.cluster_id, w.accelerator), this.options.duration_ms_max);
      const keys = new Set<string>();
      for (const o of r.overruns) {
        const f = capacityFinding(o, { cluster_id: w.cluster_id, accelerator: w.accelerator }, store.calendar);
        keys.add(findingKey(f));
        findings.push(f);
        result.capacity_overruns++;
      }
      swept.push({ w, from_ms: r.from_ms, to_ms: r.to_ms, keys });
    }
    // Duplicates cross clusters and providers: every pair some inventory holds (ingest only takes models a cluster
    // holds), plus the queued pairs, read day by day over the days touched, as the full check reads them.
    const pairs = new Map<string, { cluster_id: string; accelerator: string }>();
    for (const p of [...(await store.findings.inventoryPairs()), ...windows])
      pairs.set(`${p.cluster_id}\u0000${p.accelerator}`, { cluster_id: p.cluster_id, accelerator: p.accelerator });
    const day_options = {
      duration_ms_max: this.options.duration_ms_max,
      references: await referencePrices(store),
      price_band: this.options.price_band ?? price_band_default,
    };
    for (const day of [...new Set(queued.map((q) => q.day))].sort((a, b) => a - b)) {
      const d = await dayFindings(store, [...pairs.values()], day * day_ms, day_options);
      for (const f of d.findings) {
        if (f.kind === 'price_outlier') result.price_outliers++;
        else result.duplicates++;
      }
      findings.push(...d.findings);
    }
    const actor = this.options.actor ?? system_actor;
    // Stored in groups, each its own short transaction, yielding between them: thousands of findings at once (a provider
    // billing everything twice) must not hold the write lock, or this process's event loop, for seconds.
    for (let i = 0; i < findings.length; i += upsert_findings_max) {
      result.created += await store.findings.upsert(findings.slice(i, i + upsert_findings_max), actor, now_ms);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Overruns stored earlier that this exact sweep found part of a larger one are superseded by it.
    for (const s of swept) result.superseded += await store.findings.supersedeCapacity(s.w.cluster_id, s.w.accelerator, s.w, s, s.keys, actor, now_ms);
    await store.findings.clearWindows(queued);
    return result;
  }
}
