// The messages between the main thread and the SQLite usage writer thread (./sqlite-writer.ts), typed on both sides.
// A record travels as a tuple (structured clone copies an array of 13 values faster than an object of 13 keys).
import type { ExistingRow, SignedBatch, UsageRow } from './rows.js';
import type { WorkerAnswer } from '../worker-thread.js';

export interface WriterConfig {
  file: string;
  synchronous: 'NORMAL' | 'FULL';
  /** At most this many rows share a commit (a single larger batch still goes whole, alone). */
  group_rows_max: number;
  rejections_kept_max: number;
  /** The office's zone: rollups are keyed by its days. */
  time_zone: string;
}

export type WireRow = [
  record_id: string,
  cluster_id: string,
  enterprise_id: string,
  accelerator: string,
  count: number,
  started_at_ms: number,
  ended_at_ms: number,
  amount_fen: number,
  job_ref: string | null,
  workload: string | null,
  energy_wh: number | null,
  card_s: number,
  compute_gflop: bigint | null,
];

export const toWireRow = ({ input: r, derived }: UsageRow): WireRow => [
  r.record_id,
  r.cluster_id,
  r.enterprise_id,
  r.accelerator,
  r.count,
  r.started_at_ms,
  r.ended_at_ms,
  r.amount_fen,
  r.job_ref,
  r.workload,
  r.energy_wh,
  derived.card_s,
  derived.compute_gflop,
];

/** A kept rejection: [record_index, record_id, code, field, message], already clipped. */
export type WireRejection = readonly [index: number, record_id: string | null, code: string, field: string | null, message: string];

/** Store a batch of records (the main thread decides duplicate or conflict from the stored rows sent back). */
export interface WriteRecords {
  kind: 'records';
  id: number;
  provider_id: string;
  received_at_ms: number;
  rows: WireRow[];
  signed: SignedBatch | null;
  queue_checks: boolean;
}
/** Keep a batch's rejections and prune the provider's oldest beyond the bound. */
export interface KeepRejections {
  kind: 'rejections';
  id: number;
  provider_id: string;
  received_at_ms: number;
  rejections: WireRejection[];
}
export type WriterRequest = WriteRecords | KeepRejections;

/** Per row of a WriteRecords: null when inserted, else the row stored under its id. */
export type WriteResult = (ExistingRow | null)[];
export type WriterAnswer = WorkerAnswer<WriteResult>;

/** Rows a request brings to a commit, for the group bound. */
export const requestRows = (r: WriterRequest): number => (r.kind === 'records' ? r.rows.length : r.rejections.length);
