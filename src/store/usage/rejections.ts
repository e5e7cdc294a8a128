// Rejected records kept for GET /api/v1/usage/rejections: a bounded, newest-first diagnostic of what a provider sent
// that was not stored. Written after the batch's own transaction (a failure here never costs an accepted record).
import { sql } from 'kysely';
import { usage_reject_codes } from '../../domain/usage/validate-usage.js';
import type { Connection } from '../database.js';
import { writeTransaction } from '../write-transaction.js';
import { runStatement, statements } from './sql.js';
import type { WireRejection } from './writer-protocol.js';
import type { SqliteUsageWriter } from './write.js';

/**
 * Rejections kept per provider: its newest. Each write prunes the provider's older ones beyond the bound, so the table
 * holds at most this many rows per provider (a few hundred bytes each: a few MB); on PostgreSQL two batches of one
 * provider written at once may leave a few more until its next write. One full batch at the default
 * SUANLI_BATCH_RECORDS_MAX; a larger batch keeps its first rejections by index.
 */
export const rejections_kept_max = 10_000;
/** Characters kept of a rejection's texts: the record_id as sent (the wire limit), the field path, the message. */
export const rejection_chars_max = { record_id: 128, field: 200, message: 500 } as const;

/**
 * Codes a kept rejection carries: the pipeline's (a rejected record), and those `suanli import sacct` gives a line it
 * could not make a record of. The latter are sacct_reject_codes of src/ingest/sacct/outcome.ts, repeated here because
 * the store does not import ingest; a compile-time check there keeps the two lists the same.
 */
export const sacct_line_reject_codes = [
  'malformed_sacct',
  'other_cluster',
  'inconsistent_elapsed',
  'inconsistent_gpu_count',
  'unmapped_account',
  'unmapped_gres',
] as const;
export const stored_rejection_codes = [...usage_reject_codes, ...sacct_line_reject_codes] as const;
export type StoredRejectionCode = (typeof stored_rejection_codes)[number];

/** A rejected record of a batch, as POST /api/v1/usage answers it, or a line an import rejected before a record existed. */
export interface UsageRejection {
  index: number;
  record_id: string | null;
  code: StoredRejectionCode;
  field: string | null;
  message: string;
}
export interface StoredRejection extends UsageRejection {
  id: number;
  provider_id: string;
  received_at_ms: number;
}
export interface RejectionFilter {
  provider_id?: string;
  code?: StoredRejectionCode;
  /** received_at in [from_ms, to_ms) */
  from_ms?: number;
  to_ms?: number;
  /** the cursor: rejections older than this id */
  before_id?: number;
}

/** At most `n` UTF-16 units, never ending in half a surrogate pair, NUL replaced (PostgreSQL refuses it in text). */
function clip(s: string, n: number): string {
  let t = s;
  if (t.length > n) {
    t = t.slice(0, n);
    if (/[\uD800-\uDBFF]$/.test(t)) t = t.slice(0, -1);
  }
  return t.includes('\u0000') ? t.replaceAll('\u0000', '\uFFFD') : t;
}

/**
 * Keeps a batch's rejections (the first rejections_kept_max of those given) and prunes the provider's oldest beyond
 * that bound. On SQLite the writer thread writes them (sharing a commit with the batches queued with them), so the
 * main thread never waits on the write lock.
 */
export async function keepRejections(
  connection: Connection,
  writer: SqliteUsageWriter | null,
  provider_id: string,
  rejections: readonly UsageRejection[],
  received_at_ms: number,
): Promise<void> {
  if (rejections.length === 0) return;
  // Written in reverse: ids then fall as the index rises, so that newest-first (id descending) reads a batch in index order.
  const wire: WireRejection[] = rejections
    .slice(0, rejections_kept_max)
    .reverse()
    .map((r) => [
      r.index,
      r.record_id === null ? null : clip(r.record_id, rejection_chars_max.record_id),
      r.code,
      r.field === null ? null : clip(r.field, rejection_chars_max.field),
      clip(r.message, rejection_chars_max.message),
    ]);
  if (writer !== null) {
    await writer.send({ kind: 'rejections', id: 0, provider_id, received_at_ms, rejections: wire });
    return;
  }
  const column = (i: 0 | 1 | 2 | 3 | 4) => wire.map((w) => w[i]);
  await writeTransaction(connection, async (tx, engine) => {
    await sql`INSERT INTO usage_rejections (provider_id, received_at_ms, record_index, record_id, code, field, message)
      SELECT ${provider_id}::text, ${received_at_ms}::int8, t.* FROM unnest(${column(0)}::int4[], ${column(1)}::text[], ${column(2)}::text[],
        ${column(3)}::text[], ${column(4)}::text[]) AS t`.execute(tx);
    await runStatement(tx, engine, statements.prune_rejections, [provider_id, provider_id, rejections_kept_max]);
  });
}

/** Kept rejections, newest first (a batch in index order), filtered; `before_id` continues a page. */
export async function listRejections(connection: Connection, filter: RejectionFilter, limit: number): Promise<StoredRejection[]> {
  let q = connection.db.selectFrom('usage_rejections').selectAll().orderBy('id', 'desc').limit(limit);
  if (filter.provider_id !== undefined) q = q.where('provider_id', '=', filter.provider_id);
  if (filter.code !== undefined) q = q.where('code', '=', filter.code);
  if (filter.from_ms !== undefined) q = q.where('received_at_ms', '>=', filter.from_ms);
  if (filter.to_ms !== undefined) q = q.where('received_at_ms', '<', filter.to_ms);
  if (filter.before_id !== undefined) q = q.where('id', '<', filter.before_id);
  return (await q.execute()).map((r) => ({
    id: Number(r.id),
    provider_id: r.provider_id,
    received_at_ms: Number(r.received_at_ms),
    index: Number(r.record_index),
    record_id: r.record_id,
    code: r.code as StoredRejectionCode,
    field: r.field,
    message: r.message,
  }));
}
