// The window of a Prometheus import and its chunks. Records are cut at every whole UTC hour, and the window and its
// chunks start and end on whole hours, so a record depends only on the samples of its own hour: importing a window
// again, or an overlapping one, yields the same records (duplicates), whatever the chunking.
import { range_query_limits } from './range-query.js';

export const import_window_limits = {
  /** Records never span a whole UTC hour boundary; the window and chunks are whole hours. */
  record_split_s: 3600,
  /** One range query covers at most a day (and never more than Prometheus's points per series). */
  chunk_s_max: 86_400,
  /** A quarter and a bit: a longer window is several imports. */
  window_s_max: 93 * 86_400,
  step_s_min: 1,
  /** The last samples of a series still arrive for a while; a window must end this long before now. */
  settle_s: 300,
} as const;

export interface Chunk {
  start_ms: number;
  /** exclusive */
  end_ms: number;
}

export interface ImportWindow {
  from_ms: number;
  to_ms: number;
  step_s: number;
  chunks: Chunk[];
}

export type WindowProblem = { field: '--from' | '--to' | '--step'; message: string };

/** Checks the window against the limits and splits it into chunks of whole hours. */
export function importWindow(from_ms: number, to_ms: number, step_s: number, now_ms: number): { ok: true; window: ImportWindow } | { ok: false; problem: WindowProblem } {
  const split_ms = import_window_limits.record_split_s * 1000;
  if (!Number.isInteger(step_s) || step_s < import_window_limits.step_s_min || import_window_limits.record_split_s % step_s !== 0) {
    return { ok: false, problem: { field: '--step', message: `must be whole seconds that divide an hour (1s … 3600s, e.g. 15s, 30s, 60s, 300s); got ${step_s}s` } };
  }
  if (!Number.isFinite(from_ms) || from_ms % split_ms !== 0) return { ok: false, problem: { field: '--from', message: 'must be a whole UTC hour, e.g. 2026-10-01T00:00:00Z' } };
  if (!Number.isFinite(to_ms) || to_ms % split_ms !== 0) return { ok: false, problem: { field: '--to', message: 'must be a whole UTC hour, e.g. 2026-10-02T00:00:00Z' } };
  if (to_ms <= from_ms) return { ok: false, problem: { field: '--to', message: 'must be after --from' } };
  if (to_ms - from_ms > import_window_limits.window_s_max * 1000) {
    return { ok: false, problem: { field: '--to', message: `the window is longer than ${import_window_limits.window_s_max / 86_400} days; import it in parts` } };
  }
  if (to_ms > now_ms - import_window_limits.settle_s * 1000) {
    return { ok: false, problem: { field: '--to', message: `must be at least ${import_window_limits.settle_s / 60} minutes in the past: samples still arriving would change the last hour's records` } };
  }
  const hours_per_chunk = Math.max(1, Math.min(
    import_window_limits.chunk_s_max / import_window_limits.record_split_s,
    Math.floor((range_query_limits.points_per_series_max * step_s) / import_window_limits.record_split_s),
  ));
  const chunk_ms = hours_per_chunk * split_ms;
  const chunks: Chunk[] = [];
  for (let start = from_ms; start < to_ms; start += chunk_ms) chunks.push({ start_ms: start, end_ms: Math.min(start + chunk_ms, to_ms) });
  return { ok: true, window: { from_ms, to_ms, step_s, chunks } };
}

/** "60s", "5m", "1h" or plain seconds → seconds; null when it is none of these. */
export function parseStep(text: string): number | null {
  const m = /^(\d+)(s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}
