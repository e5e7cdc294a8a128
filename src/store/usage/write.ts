// The idempotent batch write of usage records (the hot path). The idempotency key and its record are written in one
// statement under one unique index, inside one transaction with the effects (./effects.ts), so an acknowledged batch is
// whole and a failed one leaves nothing behind. On SQLite, batches that arrive together (concurrent requests) share one
// commit on the writer thread (./sqlite-writer.ts): a commit writes every B-tree page the transaction touched, and
// random record_ids touch about one index page per record, so one commit for several batches writes far fewer pages
// than one commit each (docs/performance.md).
import type SqliteDatabase from 'better-sqlite3';
import { deliveredDigest, sortIds } from '../../domain/integrity/batch-delivery.js';
import type { OfficeCalendar } from '../../domain/calendar.js';
import { sameUsageContent } from '../../domain/usage/validate-usage.js';
import type { Connection } from '../database.js';
import { writeTransaction } from '../write-transaction.js';
import { WorkerClient } from '../worker-thread.js';
import { batchEffects } from './effects.js';
import { byCodeUnits, content_columns, existingToInput, type ExistingRow, type InsertOutcome, type SignedBatch, type UsageRow } from './rows.js';
import { addGroups, addRollups, insertRecords, insertSignedBatch, queueWindows, raisePairDurations, runStatement, statements } from './sql.js';
import { toWireRow, type WriteResult, type WriterConfig, type WriterRequest } from './writer-protocol.js';

export interface InsertOptions {
  signed?: SignedBatch | null;
  /** Queue the cluster × model × day windows of accepted records for the incremental checks. */
  queue_checks: boolean;
}

/** At most this many rows share a SQLite commit (a single larger batch still goes whole, alone). */
const group_rows_max = 10_000;

/** The SQLite writer thread, started on first use; idle, it does not keep the process alive. */
export class SqliteUsageWriter {
  private readonly client: WorkerClient<WriterRequest, WriteResult>;

  constructor(sqlite: SqliteDatabase.Database, calendar: () => OfficeCalendar, rejections_kept_max: number) {
    this.client = new WorkerClient(
      new URL('./sqlite-writer', import.meta.url),
      (): WriterConfig => ({
        file: sqlite.name,
        synchronous: Number(sqlite.pragma('synchronous', { simple: true })) === 1 ? 'NORMAL' : 'FULL',
        group_rows_max,
        rejections_kept_max,
        time_zone: calendar().time_zone,
      }),
      'SQLite usage writer',
    );
  }

  /** Sends a request; resolves once it is committed. */
  send(request: WriterRequest): Promise<WriteResult> {
    return this.client.request(request);
  }

  /** Stops the thread after the requests it holds; the store closes its connection after this. */
  close(): Promise<void> {
    return this.client.close(true);
  }
}

/** Each row's outcome from what the write found: inserted, or the stored row its id already names. */
function outcomes(rows: readonly UsageRow[], result: WriteResult): InsertOutcome[] {
  return rows.map((row, i): InsertOutcome => {
    const before = result[i];
    if (before === null || before === undefined) return 'accepted';
    return sameUsageContent(existingToInput(before), row.input) ? 'duplicate' : 'conflict';
  });
}

/**
 * Writes a validated batch in one transaction; an outcome per row, in the order given. Resolves only once the batch is
 * committed. On SQLite the writer thread commits it, with the same outcomes as one batch after the other.
 */
export async function insertBatch(
  connection: Connection,
  calendar: OfficeCalendar,
  writer: SqliteUsageWriter | null,
  provider_id: string,
  rows: readonly UsageRow[],
  received_at_ms: number,
  options: InsertOptions = { queue_checks: false },
): Promise<InsertOutcome[]> {
  if (rows.length === 0) return [];
  if (writer !== null) {
    const result = await writer.send({
      kind: 'records',
      id: 0,
      provider_id,
      received_at_ms,
      rows: rows.map(toWireRow),
      signed: options.signed ?? null,
      queue_checks: options.queue_checks,
    });
    return outcomes(rows, result);
  }
  // Locks are taken in record_id order so that two writers of overlapping batches cannot deadlock.
  const ordered = [...rows].sort((a, b) => byCodeUnits(a.input.record_id, b.input.record_id));
  return writeTransaction(connection, async (tx, engine) => {
    const batch_id = options.signed ? await insertSignedBatch(tx, engine, provider_id, options.signed, received_at_ms) : null;
    const inserted = new Set(await insertRecords(tx, engine, provider_id, ordered, received_at_ms, batch_id));
    const others = rows.filter((r) => !inserted.has(r.input.record_id)).map((r) => r.input.record_id);
    const stored = new Map<string, ExistingRow>();
    for (let i = 0; i < others.length; i += 2000) {
      const found = await tx
        .selectFrom('usage_records')
        .select([...content_columns])
        .where('provider_id', '=', provider_id)
        .where('record_id', 'in', others.slice(i, i + 2000))
        .execute();
      for (const f of found) stored.set(f.record_id, f as ExistingRow);
    }
    const accepted = rows.filter((r) => inserted.has(r.input.record_id));
    if (batch_id !== null && options.signed) {
      const ids = sortIds(accepted.map((r) => r.input.record_id));
      await runStatement(tx, engine, statements.record_delivery, [ids.length, deliveredDigest(options.signed.body_sha256, ids), JSON.stringify(ids), batch_id]);
    }
    const effects = batchEffects(provider_id, accepted, calendar, options.queue_checks, batch_id !== null);
    await addRollups(tx, engine, effects.rollups());
    await addGroups(tx, engine, effects.groupDeltas(), calendar);
    await raisePairDurations(tx, engine, effects.longestDurations());
    if (options.queue_checks) await queueWindows(tx, engine, effects.checkWindows());
    return outcomes(
      rows,
      rows.map((r) => {
        if (inserted.has(r.input.record_id)) return null;
        const s = stored.get(r.input.record_id);
        if (s === undefined) throw new Error(`usage record ${r.input.record_id} neither inserted nor found`);
        return s;
      }),
    );
  });
}
