// A replacement of usage records (migration 0013): in one write transaction, the records a provider stored for some
// work move unchanged to usage_superseded and the records that replace them are stored — or nothing happens. Refused
// when a record to replace is no longer stored as the caller read it (someone replaced it first) or is part of a claim
// (a claimed record stands: the office decides on it, not the provider), and when a new id is taken. The rollups lose
// the superseded records and gain the new ones; the windows of both are queued for the incremental checks; one
// `usage.replace` audit entry names both lists.
import { sql } from 'kysely';
import { sameUsageContent, type UsageInput } from '../../domain/usage/validate-usage.js';
import type { OfficeCalendar } from '../../domain/calendar.js';
import { appendAudit, type AuditActor } from '../audit-repository.js';
import type { Connection } from '../database.js';
import { deliveredDigest, sortIds } from '../../domain/integrity/batch-delivery.js';
import { lockRows, writeTransaction } from '../write-transaction.js';
import { BatchEffects, batchEffects, checkWindows } from './effects.js';
import { byCodeUnits, existingToInput, storedToRow, type ExistingRow, type SignedBatch, type UsageRow } from './rows.js';
import { addGroups, addRollups, insertRecords, insertSignedBatch, queueWindows, raisePairDurations, runStatement, statements, stored_columns } from './sql.js';

/** PostgreSQL advisory lock key: exclusive for a replacement, shared while a claim takes its records (claim-repository.ts). */
export const usage_replacement_lock = 0x5375_5265; // "SuRe"

export type ReplaceOutcome = { ok: true; replacement_id: number } | { ok: false; code: 'conflict' | 'record_claimed'; record_id: string; message: string };

export async function replaceUsage(
  connection: Connection,
  calendar: OfficeCalendar,
  provider_id: string,
  replaced: readonly UsageInput[],
  rows: readonly UsageRow[],
  at_ms: number,
  reason: string,
  actor: AuditActor,
  queue_checks: boolean,
  signed: SignedBatch | null = null,
): Promise<ReplaceOutcome> {
  return writeTransaction(connection, async (tx, engine) => {
    if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${usage_replacement_lock})`.execute(tx);
    const ids = replaced.map((r) => r.record_id);
    const stored =
      ids.length === 0
        ? []
        : await lockRows(
            tx
              .selectFrom('usage_records')
              .select([...stored_columns])
              .where('provider_id', '=', provider_id)
              .where('record_id', 'in', ids)
              .orderBy('seq'),
            engine,
          ).execute();
    const by_id = new Map(stored.map((s) => [s.record_id, s]));
    for (const r of replaced) {
      const s = by_id.get(r.record_id);
      if (s === undefined || !sameUsageContent(existingToInput(s as unknown as ExistingRow), r)) {
        return {
          ok: false,
          code: 'conflict',
          record_id: r.record_id,
          message: `record ${r.record_id} is no longer stored as it was read (replaced or changed since)`,
        };
      }
    }
    const seqs = stored.map((s) => Number(s.seq));
    if (seqs.length > 0) {
      const claimed = await tx.selectFrom('claim_records').select('record_seq').where('record_seq', 'in', seqs).executeTakeFirst();
      if (claimed !== undefined) {
        const s = stored.find((x) => Number(x.seq) === Number(claimed.record_seq))!;
        return {
          ok: false,
          code: 'record_claimed',
          record_id: s.record_id,
          message: `record ${s.record_id} is part of a claim: a claimed record stands until the program office rejects or claws back the claim`,
        };
      }
    }
    const new_ids = rows.map((r) => r.input.record_id);
    // an id is never used twice, superseded records included: a signed batch's records stay findable by id
    for (const table of ['usage_records', 'usage_superseded'] as const) {
      const taken =
        new_ids.length === 0
          ? undefined
          : await tx.selectFrom(table).select('record_id').where('provider_id', '=', provider_id).where('record_id', 'in', new_ids).executeTakeFirst();
      if (taken !== undefined) return { ok: false, code: 'conflict', record_id: taken.record_id, message: `record_id ${taken.record_id} is already stored` };
    }

    const sorted = (l: readonly string[]) => JSON.stringify([...l].sort(byCodeUnits));
    const rep = await tx
      .insertInto('usage_replacements')
      .values({ provider_id, at_ms, reason, superseded_ids: sorted(ids), record_ids: sorted(new_ids) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const replacement_id = Number(rep.id);
    if (seqs.length > 0) {
      const columns = stored_columns.join(', ');
      const xid = engine === 'postgres' ? sql.raw(', xid') : sql.raw('');
      await sql`INSERT INTO usage_superseded (${sql.raw(columns)}${xid}, replacement_id, superseded_at_ms)
        SELECT ${sql.raw(columns)}${xid}, ${replacement_id}, ${at_ms} FROM usage_records WHERE seq IN (${sql.join(seqs)})`.execute(tx);
      await tx.deleteFrom('usage_records').where('seq', 'in', seqs).execute();
      const removed = new BatchEffects(provider_id, calendar, false);
      for (const s of stored) removed.addRow(storedToRow(s as unknown as Parameters<typeof storedToRow>[0]), s.batch_id !== null);
      await addRollups(tx, engine, removed.rollups(), -1n);
      await addGroups(tx, engine, removed.groupDeltas(), calendar, -1n);
    }
    // A signed replacement is a signed batch like any other: its body kept, its records pointing at it, what it
    // delivered recorded for the seal (UsageIngest seals it after the commit).
    const batch_id = signed === null ? null : await insertSignedBatch(tx, engine, provider_id, signed, at_ms);
    if (batch_id !== null && signed !== null) {
      const delivered = sortIds(new_ids);
      await runStatement(tx, engine, statements.record_delivery, [
        delivered.length,
        deliveredDigest(signed.body_sha256, delivered),
        JSON.stringify(delivered),
        batch_id,
      ]);
    }
    await insertRecords(tx, engine, provider_id, rows, at_ms, batch_id);
    const effects = batchEffects(provider_id, rows, calendar, false, batch_id !== null);
    await addRollups(tx, engine, effects.rollups());
    await addGroups(tx, engine, effects.groupDeltas(), calendar);
    await raisePairDurations(tx, engine, effects.longestDurations());
    if (queue_checks) await queueWindows(tx, engine, checkWindows([...replaced, ...rows.map((r) => r.input)]));
    const summary = (l: readonly UsageInput[]) =>
      l.map((r) => ({
        record_id: r.record_id,
        count: r.count,
        started_at_ms: r.started_at_ms,
        ended_at_ms: r.ended_at_ms,
        amount_fen: r.amount_fen,
      }));
    await appendAudit(
      tx,
      engine,
      actor,
      {
        action: 'usage.replace',
        subject: { kind: 'usage_replacement', id: String(replacement_id) },
        before: { provider_id, records: summary(replaced) },
        after: {
          provider_id,
          reason,
          records: summary(rows.map((r) => r.input)),
          signed: signed === null ? null : { batch_id, key_id: signed.key_id, body_sha256: signed.body_sha256 },
        },
      },
      at_ms,
    );
    return { ok: true, replacement_id };
  });
}
