// The shared shape of an integrity finding, and the stable key that lets a re-run of a check recognise a finding it
// has already stored instead of adding it twice.

export const finding_kinds = ['capacity_overrun', 'duplicate_job', 'overlapping_job', 'price_outlier'] as const;
export type FindingKind = (typeof finding_kinds)[number];

export const finding_severities = ['high', 'medium', 'low'] as const;
export type FindingSeverity = (typeof finding_severities)[number];

/** A JSON value: evidence must survive a round trip through the database and the API unchanged. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Finding {
  kind: FindingKind;
  severity: FindingSeverity;
  /** What the finding is about, e.g. { cluster_id, accelerator } or { enterprise_id, job_ref }. */
  subject: Readonly<Record<string, string>>;
  /** Plain English, for the reviewer. */
  message: string;
  evidence: { [key: string]: Json };
  /** The usage records involved, ascending; may be capped (the evidence then says how many there were). */
  record_seqs: number[];
  /** The stretch of time the finding covers, when it has one (capacity overruns). */
  interval: { from_ms: number; to_ms: number } | null;
}

/** Seq lists longer than this go into the key as a hash, so the key stays short enough to index. */
export const finding_key_seqs_inline_max = 8;

/**
 * A deterministic key from kind, subject, interval and the sorted seqs. The same finding computed again (in any
 * record order) gets the same key; a finding over other records or another interval gets another.
 */
export function findingKey(f: Pick<Finding, 'kind' | 'subject' | 'record_seqs' | 'interval'>): string {
  const subject = Object.keys(f.subject)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(f.subject[k] ?? '')}`)
    .join('&');
  const interval = f.interval === null ? '-' : `${f.interval.from_ms}..${f.interval.to_ms}`;
  const seqs = [...f.record_seqs].sort((a, b) => a - b);
  const seq_part = seqs.length <= finding_key_seqs_inline_max ? seqs.join(',') : `${seqs.length}#${hash53(seqs.join(','))}`;
  return `${f.kind}/${subject}/${interval}/${seq_part}`;
}

/** cyrb53: a small, well-mixed 53-bit string hash (not cryptographic; it only shortens a key). */
function hash53(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}
