// The window of a Prometheus import and its hours. Records are cut at every whole UTC hour, and an hour's records
// depend only on the samples read for that hour (./sample-runs.ts), so importing a window again, or an overlapping
// one, or hour by hour, yields the same records for the same hour.
import { sample_runs_limits } from './sample-runs.js';

export const import_window_limits = {
  /** Records never span a whole UTC hour boundary; the window is whole hours. */
  record_split_s: sample_runs_limits.hour_s,
  /** A quarter and a bit: a longer window is several imports. */
  window_s_max: 93 * 86_400,
  /** An hour is read with the samples after it (sample_runs_limits.margin_s): those must have been scraped. */
  settle_s: sample_runs_limits.margin_s,
} as const;

export interface ImportWindow {
  from_ms: number;
  to_ms: number;
  /** The start of every hour of the window, in order. */
  hours: number[];
}

export type WindowProblem = { field: '--from' | '--to'; message: string };

/** Checks the window against the limits and lists its hours. */
export function importWindow(from_ms: number, to_ms: number, now_ms: number): { ok: true; window: ImportWindow } | { ok: false; problem: WindowProblem } {
  const hour_ms = import_window_limits.record_split_s * 1000;
  if (!Number.isFinite(from_ms) || from_ms % hour_ms !== 0)
    return { ok: false, problem: { field: '--from', message: 'must be a whole UTC hour, e.g. 2026-10-01T00:00:00Z' } };
  if (!Number.isFinite(to_ms) || to_ms % hour_ms !== 0)
    return { ok: false, problem: { field: '--to', message: 'must be a whole UTC hour, e.g. 2026-10-02T00:00:00Z' } };
  if (to_ms <= from_ms) return { ok: false, problem: { field: '--to', message: 'must be after --from' } };
  if (to_ms - from_ms > import_window_limits.window_s_max * 1000) {
    return {
      ok: false,
      problem: { field: '--to', message: `the window is longer than ${import_window_limits.window_s_max / 86_400} days; import it in parts` },
    };
  }
  if (to_ms > now_ms - import_window_limits.settle_s * 1000) {
    return {
      ok: false,
      problem: {
        field: '--to',
        message: `must be at least ${import_window_limits.settle_s / 60} minutes in the past: the last hour is read with the samples scraped after it`,
      },
    };
  }
  const hours: number[] = [];
  for (let h = from_ms; h < to_ms; h += hour_ms) hours.push(h);
  return { ok: true, window: { from_ms, to_ms, hours } };
}
