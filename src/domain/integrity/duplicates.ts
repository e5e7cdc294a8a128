// Cross-provider duplicates and overlaps: the same job billed through two providers, or one provider billing a job
// twice over the same time. Group, sort, sweep: O(n log n) plus the pairs found.
import { assert } from '../assert.js';
import type { OfficeCalendar } from '../calendar.js';
import type { Finding } from './finding.js';

export interface DuplicateRecord {
  seq: number;
  provider_id: string;
  enterprise_id: string;
  job_ref: string | null;
  accelerator: string;
  count: number;
  started_at_ms: number;
  ended_at_ms: number;
}

/**
 * Rule (b) needs the two records to run mostly the same time: their overlap covers at least this share (basis points)
 * of each. One job billed through two providers runs (nearly) the same hours at both; two separate jobs of the same
 * shape that merely overlap — common for an enterprise renting from several providers — are not flagged.
 */
export const same_shape_overlap_min_bp = 8000;

/** Whether [a) and [b) overlap by at least min_bp of each one's length (integer arithmetic). */
export function overlapCoversBoth(
  a: { started_at_ms: number; ended_at_ms: number },
  b: { started_at_ms: number; ended_at_ms: number },
  min_bp = same_shape_overlap_min_bp,
): boolean {
  const overlap = Math.min(a.ended_at_ms, b.ended_at_ms) - Math.max(a.started_at_ms, b.started_at_ms);
  if (overlap <= 0) return false;
  return overlap * 10_000 >= min_bp * (a.ended_at_ms - a.started_at_ms) && overlap * 10_000 >= min_bp * (b.ended_at_ms - b.started_at_ms);
}

/** Default cap on findings per run: a pathological batch must not produce millions of pairs. */
export const duplicate_findings_max = 10_000;
/** Default cap on seqs listed in one same-job_ref finding. */
export const duplicate_record_seqs_max = 1000;

export interface DuplicateOptions {
  findings_max?: number;
  record_seqs_max?: number;
}

/** `truncated` is true when findings_max was reached and later findings were left out. */
export interface DuplicateResult {
  findings: Finding[];
  truncated: boolean;
}

const byNumber = (a: number, b: number) => a - b;

/**
 * (a) the same enterprise's job_ref reported by two or more providers (one finding per job, high severity);
 * (b) records of two different providers for the same enterprise, model and count whose times overlap over at least
 *     80% of each (same_shape_overlap_min_bp: the same job twice, not two jobs that happen to overlap; one finding per pair, medium; pairs that share a job_ref are already reported by (a));
 * (c) one provider reporting overlapping records for the same job_ref on the same model (one finding per pair, medium).
 *     Records of one job on different models are the importer's per-model split of one job (a Slurm job holding
 *     gres/gpu:910b=2 and gres/gpu:a800=1, a pod holding two models): one job, not a duplicate.
 * Findings come in that order, each part sorted, so the output does not depend on the input order. Their messages show
 * times in the office's zone (`calendar`).
 */
export function findDuplicates(records: readonly DuplicateRecord[], calendar: OfficeCalendar, options: DuplicateOptions = {}): DuplicateResult {
  const iso = (ms: number) => calendar.formatInstant(ms);
  const findings_max = options.findings_max ?? duplicate_findings_max;
  const seqs_max = options.record_seqs_max ?? duplicate_record_seqs_max;
  assert(Number.isInteger(findings_max) && findings_max >= 0, 'findings_max must be a non-negative integer');
  assert(Number.isInteger(seqs_max) && seqs_max >= 1, 'record_seqs_max must be a positive integer');
  for (const r of records) assert(r.ended_at_ms > r.started_at_ms, `record ${r.seq}: ended_at must be after started_at`);

  const findings: Finding[] = [];
  let truncated = false;
  const add = (f: Finding): boolean => {
    if (findings.length >= findings_max) {
      truncated = true;
      return false;
    }
    findings.push(f);
    return true;
  };

  // (a) same job_ref, several providers.
  // Most job refs occur once; only records whose job_ref repeats can form a group of (a) or (c).
  const counts = new Map<string, number>();
  for (const r of records) if (r.job_ref !== null) counts.set(r.job_ref, (counts.get(r.job_ref) ?? 0) + 1);
  const shared_ref = records.filter((r) => r.job_ref !== null && counts.get(r.job_ref)! > 1);
  const by_job = groupBy(shared_ref, (r) => [r.enterprise_id, r.job_ref!]);
  for (const group of by_job) {
    const providers = [...new Set(group.map((r) => r.provider_id))].sort();
    if (providers.length < 2) continue;
    const first = group[0]!;
    const seqs = group.map((r) => r.seq).sort(byNumber);
    const listed = seqs.slice(0, seqs_max);
    if (
      !add({
        kind: 'duplicate_job',
        severity: 'high',
        subject: { enterprise_id: first.enterprise_id, job_ref: first.job_ref! },
        message:
          `Job "${first.job_ref}" of enterprise ${first.enterprise_id} was reported by ${providers.length} providers ` +
          `(${providers.join(', ')}) in ${seqs.length} records; a job runs with one provider.`,
        evidence: { rule: 'same_job_ref', providers, record_count: seqs.length },
        record_seqs: listed,
        interval: null,
      })
    )
      return { findings, truncated };
  }

  // (b) same enterprise, model and count, overlapping, different providers.
  const pairs_b: [DuplicateRecord, DuplicateRecord][] = [];
  for (const group of groupBy(records, (r) => [r.enterprise_id, r.accelerator, String(r.count)])) {
    overlappingPairs(
      group,
      (r) => r.provider_id,
      'across',
      (a, b) => !(a.job_ref !== null && a.job_ref === b.job_ref) && overlapCoversBoth(a, b),
      pairs_b,
    );
  }
  for (const [a, b] of sortPairs(pairs_b)) {
    const from = Math.max(a.started_at_ms, b.started_at_ms);
    const to = Math.min(a.ended_at_ms, b.ended_at_ms);
    if (
      !add({
        kind: 'duplicate_job',
        severity: 'medium',
        subject: { enterprise_id: a.enterprise_id, accelerator: a.accelerator, count: String(a.count) },
        message:
          `Providers ${a.provider_id} (record ${a.seq}) and ${b.provider_id} (record ${b.seq}) both reported ` +
          `${a.count} ${a.accelerator} cards for enterprise ${a.enterprise_id} over the same time, ${iso(from)} to ${iso(to)}; ` +
          'it may be one job billed twice.',
        evidence: { rule: 'same_shape_overlap', providers: [a.provider_id, b.provider_id], overlap_from_ms: from, overlap_to_ms: to },
        record_seqs: [a.seq, b.seq],
        interval: { from_ms: from, to_ms: to },
      })
    )
      return { findings, truncated };
  }

  // (c) one provider, one job_ref, one model, overlapping records.
  const pairs_c: [DuplicateRecord, DuplicateRecord][] = [];
  for (const group of groupBy(shared_ref, (r) => [r.provider_id, r.enterprise_id, r.job_ref!, r.accelerator])) {
    overlappingPairs(
      group,
      () => '',
      'within',
      () => true,
      pairs_c,
    );
  }
  for (const [a, b] of sortPairs(pairs_c)) {
    const from = Math.max(a.started_at_ms, b.started_at_ms);
    const to = Math.min(a.ended_at_ms, b.ended_at_ms);
    if (
      !add({
        kind: 'overlapping_job',
        severity: 'medium',
        subject: { provider_id: a.provider_id, enterprise_id: a.enterprise_id, job_ref: a.job_ref! },
        message:
          `Provider ${a.provider_id} reported job "${a.job_ref}" of enterprise ${a.enterprise_id} on ${a.accelerator} twice over the same time ` +
          `(records ${a.seq} and ${b.seq}, overlapping from ${iso(from)} to ${iso(to)}); the overlap may be billed twice.`,
        evidence: { rule: 'self_overlap', overlap_from_ms: from, overlap_to_ms: to },
        record_seqs: [a.seq, b.seq],
        interval: { from_ms: from, to_ms: to },
      })
    )
      return { findings, truncated };
  }
  return { findings, truncated };
}

/**
 * The groups of two or more items sharing a composite key, in key order (deterministic output). Most keys of a day's
 * records are unique (job refs): a key seen once holds its item directly, and only repeated keys get an array.
 */
function groupBy<T>(items: readonly T[], key: (x: T) => string[]): T[][] {
  const seen = new Map<string, T | T[]>();
  const repeated: string[] = [];
  for (const x of items) {
    const k = compositeKey(key(x));
    const g = seen.get(k);
    if (g === undefined) seen.set(k, x);
    else if (Array.isArray(g)) g.push(x);
    else {
      seen.set(k, [g, x]);
      repeated.push(k);
    }
  }
  return repeated.sort().map((k) => seen.get(k) as T[]);
}

/** Length-prefixed parts: unambiguous whatever the parts hold, and far cheaper than JSON.stringify per record. */
function compositeKey(parts: readonly string[]): string {
  let k = '';
  for (const p of parts) k += `${p.length}:${p};`;
  return k;
}

/**
 * Every pair of overlapping records in a group, either across parts (different providers) or within one part.
 * Sweep in start order keeping, per part, the records still running; a record that has ended is dropped the next
 * time its list is visited, so the work is O(g log g + pairs) for a group of g.
 */
function overlappingPairs<T extends DuplicateRecord>(
  group: T[],
  part: (r: T) => string,
  mode: 'across' | 'within',
  accept: (a: T, b: T) => boolean,
  out: [T, T][],
): void {
  if (group.length < 2) return;
  group.sort((a, b) => a.started_at_ms - b.started_at_ms || a.seq - b.seq);
  const running = new Map<string, T[]>();
  for (const r of group) {
    const p = part(r);
    for (const [key, list] of running) {
      if ((mode === 'across') === (key === p)) continue;
      let kept = 0;
      for (const a of list) if (a.ended_at_ms > r.started_at_ms) list[kept++] = a;
      list.length = kept;
      if (kept === 0) {
        running.delete(key);
        continue;
      }
      for (const a of list) if (accept(a, r)) out.push(a.seq < r.seq ? [a, r] : [r, a]);
    }
    const own = running.get(p);
    if (own === undefined) running.set(p, [r]);
    else own.push(r);
  }
}

function sortPairs<T extends DuplicateRecord>(pairs: [T, T][]): [T, T][] {
  return pairs.sort(([a1, b1], [a2, b2]) => a1.seq - a2.seq || b1.seq - b2.seq);
}
