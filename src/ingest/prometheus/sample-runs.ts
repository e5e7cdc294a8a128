// The measuring method of `suanli import prometheus`, as a pure function over raw samples. Prometheus stores one
// sample per scrape; a device's series for a workload has a sample at every scrape while the workload holds it. A
// sample at t stands for the time until the series' next sample when that comes within two scrape intervals (one
// missed scrape is not a gap), else for one scrape interval: so a series ends one interval after its last sample,
// whether or not Prometheus wrote a staleness marker (exporters that stamp their samples, such as Huawei's
// npu-exporter, get none) and whatever query step a reader would have chosen. The scrape interval is read from the
// samples themselves (the median spacing of the device's samples).
//
// Records are cut at every whole UTC hour, and an hour's runs depend only on the samples from `margin` before the hour
// to `margin` after it — exactly what one query per hour reads — so any window, read in any order, yields the same
// runs for the same hour.

export const sample_runs_limits = {
  /** Samples this long before and after an hour are read with it (at least two of the longest scrape intervals). */
  margin_s: 600,
  /** The longest scrape interval the method reads correctly: a longer spacing is a gap. */
  scrape_interval_s_max: 300,
  /** A device with a single sample in the hour's read, where no other device shows the spacing either. */
  scrape_interval_s_default: 60,
  hour_s: 3600,
} as const;

/** The samples of one device held by one workload, as read for one hour (ms, any order, repeats allowed). */
export interface DeviceSamples {
  key: string;
  device: string;
  /** Sample instants, unix ms. */
  times: readonly number[];
  /** Per sample: whether it counts (--min-util); absent: every sample counts. */
  counts?: readonly boolean[];
}

export interface SampleRun {
  key: string;
  /** Whole seconds, unix ms; inside the hour. */
  start_ms: number;
  end_ms: number;
  count: number;
  /** The run's place among its workload's runs in the hour, from 0 in time order. */
  part: number;
}

const second = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The median spacing of ascending, distinct instants, in whole seconds (ms); null for fewer than two. */
export function scrapeIntervalMs(times: readonly number[]): number | null {
  if (times.length < 2) return null;
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  const median = gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
  return Math.min(sample_runs_limits.scrape_interval_s_max * 1000, Math.max(1000, Math.round(median / 1000) * 1000));
}

/**
 * The intervals [start, end) of one device's counted samples, on whole seconds, clipped to [from_ms, to_ms) and merged.
 * `times` ascending and distinct; `counts[i]` says whether sample i counts.
 */
export function heldIntervals(times: readonly number[], counts: readonly boolean[], interval_ms: number, from_ms: number, to_ms: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < times.length; i++) {
    if (!counts[i]) continue;
    const t = times[i]!;
    const next = times[i + 1];
    const end = next !== undefined && next - t <= 2 * interval_ms ? next : t + interval_ms;
    const a = Math.max(from_ms, second(t));
    const b = Math.min(to_ms, second(end));
    if (b <= a) continue;
    const last = out.at(-1);
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** One device's samples: the instants ascending and distinct, a sample counting when any repeat of it counts. */
function normalize(samples: readonly DeviceSamples[]): { times: number[]; counts: boolean[] } {
  const by = new Map<number, boolean>();
  for (const s of samples) {
    s.times.forEach((t, i) => by.set(t, (by.get(t) ?? false) || (s.counts?.[i] ?? true)));
  }
  const times = [...by.keys()].sort((a, b) => a - b);
  return { times, counts: times.map((t) => by.get(t)!) };
}

/**
 * The runs of every workload in the hour [hour_start_ms, +1 h): per workload, the number of its devices held at each
 * second; consecutive seconds with the same non-zero number form one run. Runs sorted by key, then start.
 */
export function hourRuns(samples: Iterable<DeviceSamples>, hour_start_ms: number, fallback_interval_ms?: number): SampleRun[] {
  const hour_end_ms = hour_start_ms + sample_runs_limits.hour_s * 1000;
  const devices = new Map<string, { key: string; parts: DeviceSamples[] }>();
  for (const s of samples) {
    const id = JSON.stringify([s.key, s.device]);
    const d = devices.get(id) ?? { key: s.key, parts: [] };
    d.parts.push(s);
    devices.set(id, d);
  }
  const read = [...devices.values()].map((d) => ({ key: d.key, ...normalize(d.parts) }));
  const intervals = read.map((d) => scrapeIntervalMs(d.times));
  const known = intervals.filter((i): i is number => i !== null).sort((a, b) => a - b);
  const fallback = known.length > 0 ? known[known.length >> 1]! : (fallback_interval_ms ?? sample_runs_limits.scrape_interval_s_default * 1000);

  // Per workload: +1 where a device's interval starts, −1 where it ends.
  const edges = new Map<string, Map<number, number>>();
  read.forEach((d, i) => {
    const held = heldIntervals(d.times, d.counts, intervals[i] ?? fallback, hour_start_ms, hour_end_ms);
    if (held.length === 0) return;
    const e = edges.get(d.key) ?? new Map<number, number>();
    edges.set(d.key, e);
    for (const [a, b] of held) {
      e.set(a, (e.get(a) ?? 0) + 1);
      e.set(b, (e.get(b) ?? 0) - 1);
    }
  });

  const runs: SampleRun[] = [];
  for (const key of [...edges.keys()].sort()) {
    const points = [...edges.get(key)!.entries()].sort((a, b) => a[0] - b[0]);
    let count = 0;
    let open: SampleRun | null = null;
    for (const [t, delta] of points) {
      if (delta === 0) continue;
      count += delta;
      if (open !== null) {
        open.end_ms = t;
        runs.push(open);
        open = null;
      }
      if (count > 0) open = { key, start_ms: t, end_ms: t, count, part: 0 };
    }
    if (open !== null) throw new Error(`internal: a run of ${key} left open`);
  }
  // Adjacent runs of one workload with the same count are one run (a device's end meeting another's start).
  const merged: SampleRun[] = [];
  for (const r of runs) {
    const last = merged.at(-1);
    if (last !== undefined && last.key === r.key && last.end_ms === r.start_ms && last.count === r.count) last.end_ms = r.end_ms;
    else merged.push({ ...r, part: last !== undefined && last.key === r.key ? last.part + 1 : 0 });
  }
  return merged;
}
