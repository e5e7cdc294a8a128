// Usage records in the store, by concept (./usage/): the idempotent batch write and its SQLite writer thread
// (write.ts, sqlite-writer.ts), the effects every write keeps in step (effects.ts: rollups, pair durations, check
// windows; sql.ts: their statements), reading records (records.ts), kept rejections (rejections.ts), summaries from the
// rollups (summary.ts) and replacement (replacement.ts). This class holds a store's one writer thread and gives the
// rest of the code one object to call.
import type { UsageInput } from '../domain/usage/validate-usage.js';
import type { OfficeCalendar } from '../domain/calendar.js';
import type { AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { UsageRecords } from './usage/records.js';
import { keepRejections, listRejections, rejections_kept_max, type RejectionFilter, type StoredRejection, type UsageRejection } from './usage/rejections.js';
import { replaceUsage, type ReplaceOutcome } from './usage/replacement.js';
import type { InsertOutcome, SignedBatch, UsageRow } from './usage/rows.js';
import { usageSummary, type SummaryFilter, type SummaryGroup, type SummaryRow } from './usage/summary.js';
import { insertBatch, SqliteUsageWriter, type InsertOptions } from './usage/write.js';

export class UsageRepository extends UsageRecords {
  private readonly writer: SqliteUsageWriter | null;

  /** `calendar`: the office's, as the store settled it (read when the writer thread starts and at each write). */
  constructor(
    private readonly conn: Connection,
    private readonly calendar: () => OfficeCalendar,
  ) {
    super(conn);
    this.writer = conn.sqlite === null ? null : new SqliteUsageWriter(conn.sqlite, calendar, rejections_kept_max);
  }

  /** Writes a validated batch in one transaction; an outcome per row, in the order given (./usage/write.ts). */
  insertBatch(provider_id: string, rows: readonly UsageRow[], received_at_ms: number, options?: InsertOptions): Promise<InsertOutcome[]> {
    return insertBatch(this.conn, this.calendar(), this.writer, provider_id, rows, received_at_ms, options);
  }

  /** Keeps a batch's rejections after its records committed (./usage/rejections.ts). */
  keepRejections(provider_id: string, rejections: readonly UsageRejection[], received_at_ms: number): Promise<void> {
    return keepRejections(this.conn, this.writer, provider_id, rejections, received_at_ms);
  }

  rejections(filter: RejectionFilter, limit: number): Promise<StoredRejection[]> {
    return listRejections(this.conn, filter, limit);
  }

  /** Stores `rows` in place of the stored records `replaced`, or nothing (./usage/replacement.ts). */
  replace(
    provider_id: string,
    replaced: readonly UsageInput[],
    rows: readonly UsageRow[],
    at_ms: number,
    reason: string,
    actor: AuditActor,
    queue_checks: boolean,
    signed: SignedBatch | null = null,
  ): Promise<ReplaceOutcome> {
    return replaceUsage(this.conn, this.calendar(), provider_id, replaced, rows, at_ms, reason, actor, queue_checks, signed);
  }

  /** Sums from the daily rollups, grouped as asked (./usage/summary.ts). */
  summary(group: SummaryGroup, filter: SummaryFilter): Promise<SummaryRow[]> {
    return usageSummary(this.conn, group, filter);
  }

  /** Stops the SQLite writer thread (after the batches it holds); the store closes its connection after this. */
  async close(): Promise<void> {
    await this.writer?.close();
  }
}
