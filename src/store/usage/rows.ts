// The shapes a usage record takes in the store: validated input with its derived figures on the way in, the stored row
// as read back, and the signed batch that delivered it. Shared by the write paths, the reads and the replacement.
import type { UsageDerived, UsageInput } from '../../domain/usage/validate-usage.js';

export interface UsageRow {
  input: UsageInput;
  derived: UsageDerived;
}
export type InsertOutcome = 'accepted' | 'duplicate' | 'conflict';

/** A batch that arrived signed: kept byte for byte, and each record it delivered points at it. */
export interface SignedBatch {
  key_id: string;
  signature: string;
  body: Uint8Array;
  body_sha256: string;
}

/** The columns of a stored record that its content is compared on (an idempotent resend, a replacement's check). */
export const content_columns = [
  'record_id',
  'cluster_id',
  'enterprise_id',
  'accelerator_id',
  'count',
  'started_at_ms',
  'ended_at_ms',
  'amount_fen',
  'job_ref',
  'workload',
  'energy_wh',
] as const;

/** A stored record's content columns as a driver answers them (SQLite may give numbers, PostgreSQL strings or bigints). */
export interface ExistingRow {
  record_id: string;
  cluster_id: string;
  enterprise_id: string;
  accelerator_id: string;
  count: number;
  started_at_ms: number | bigint;
  ended_at_ms: number | bigint;
  amount_fen: number | bigint;
  job_ref: string | null;
  workload: string | null;
  energy_wh: number | bigint | null;
}

export function existingToInput(r: ExistingRow): UsageInput {
  return {
    record_id: r.record_id,
    cluster_id: r.cluster_id,
    enterprise_id: r.enterprise_id,
    accelerator: r.accelerator_id,
    count: Number(r.count),
    started_at_ms: Number(r.started_at_ms),
    ended_at_ms: Number(r.ended_at_ms),
    amount_fen: Number(r.amount_fen),
    job_ref: r.job_ref,
    workload: r.workload as UsageInput['workload'],
    energy_wh: r.energy_wh === null ? null : Number(r.energy_wh),
  };
}

/** A stored record, read back with its derived figures (card_s, compute_gflop), as the write paths took it. */
export function storedToRow(r: ExistingRow & { card_s: number | bigint; compute_gflop: number | bigint | string | null }): UsageRow {
  return { input: existingToInput(r), derived: { card_s: Number(r.card_s), compute_gflop: r.compute_gflop === null ? null : BigInt(r.compute_gflop) } };
}

/** Sorted by UTF-16 code units (no locale): the order of row locks, so that concurrent writers cannot deadlock. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
