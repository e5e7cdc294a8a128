// The measuring method of `suanli import prometheus`, as a pure function. A query_range answer samples every series
// on a grid of steps; a device counts as held by a workload during the step [t, t + step) when the workload's series
// for that device has a sample at t. Consecutive steps of one workload with the same number of devices form one run
// [start, end) of `count` cards; a step without any device, a change in the count, or a whole UTC hour (the split)
// ends the run. Card-seconds of a run = count × (end - start).

export interface Grid {
  start_ms: number;
  step_ms: number;
  /** Number of steps: samples at start_ms + k × step_ms for k in [0, steps). */
  steps: number;
  /** Runs are cut where (start_ms + k × step_ms) is a multiple of this. */
  split_ms: number;
}

/** The steps at which one device was seen for one workload. */
export interface Presence { key: string; device: string; steps: Iterable<number> }

export interface CardRun { key: string; start_ms: number; end_ms: number; count: number }

/** Runs sorted by key, then start. Steps outside the grid are a bug of the caller. */
export function mergeCardRuns(presence: Iterable<Presence>, grid: Grid): CardRun[] {
  const devices = new Map<string, Map<string, Uint8Array>>();
  for (const p of presence) {
    const by_device = devices.get(p.key) ?? new Map<string, Uint8Array>();
    devices.set(p.key, by_device);
    const seen = by_device.get(p.device) ?? new Uint8Array(grid.steps);
    by_device.set(p.device, seen);
    for (const k of p.steps) {
      if (!Number.isInteger(k) || k < 0 || k >= grid.steps) throw new Error(`internal: step ${k} outside the grid of ${grid.steps}`);
      seen[k] = 1;
    }
  }
  const runs: CardRun[] = [];
  for (const key of [...devices.keys()].sort()) {
    const counts = new Uint32Array(grid.steps);
    for (const seen of devices.get(key)!.values()) for (let k = 0; k < grid.steps; k++) counts[k]! += seen[k]!;
    let open: CardRun | null = null;
    for (let k = 0; k < grid.steps; k++) {
      const t = grid.start_ms + k * grid.step_ms;
      const n = counts[k]!;
      if (open !== null && (n !== open.count || t % grid.split_ms === 0)) {
        runs.push(open);
        open = null;
      }
      if (n > 0 && open === null) open = { key, start_ms: t, end_ms: t, count: n };
      if (open !== null) open.end_ms = t + grid.step_ms;
    }
    if (open !== null) runs.push(open);
  }
  return runs;
}
