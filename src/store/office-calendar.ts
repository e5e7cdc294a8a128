// The zone the daily rollups' days are in, and rebuilding them in another. One zone per deployment: every process
// shares the rollups, so a process whose SUANLI_TIME_ZONE differs from the settled zone refuses to start instead of
// counting days its own way; changing the zone is an operator's step (`suanli calendar set-zone`, docs/operations.md)
// that rebuilds the rollups from the records in one transaction.
import { OfficeCalendar } from '../domain/calendar.js';
import { appendAudit, system_actor, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { addEffectsOfRecords } from './usage/rebuild.js';
import { writeTransaction } from './write-transaction.js';

/** The configured zone differs from the one the rollups were settled in by an operator. */
export class TimeZoneMismatch extends Error {
  constructor(
    readonly stored: string,
    readonly configured: string,
  ) {
    super(
      `the rollups count days in ${stored}, but SUANLI_TIME_ZONE is ${configured}: every process of a deployment uses one zone. ` +
        `To change it, stop the servers and run \`suanli calendar set-zone ${configured}\` (it rebuilds the rollups; docs/operations.md)`,
    );
  }
}

/** The zone the rollups count days in, and when an operator's (or the first start's) choice of it was applied. */
export async function storedZone(connection: Connection): Promise<{ time_zone: string; settled_at_ms: number | null }> {
  const row = await connection.db.selectFrom('office_calendar').select(['time_zone', 'settled_at_ms']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { time_zone: row.time_zone, settled_at_ms: row.settled_at_ms === null ? null : Number(row.settled_at_ms) };
}

/**
 * The office calendar for `configured`: the stored zone when they agree; rebuilt in `configured` when the stored zone
 * was never chosen (a database from before migration 0014, or a new one); else TimeZoneMismatch.
 */
export async function settleCalendar(connection: Connection, configured: string, now_ms: number): Promise<OfficeCalendar> {
  const row = await storedZone(connection);
  if (row.time_zone === configured) return new OfficeCalendar(configured);
  if (row.settled_at_ms !== null) throw new TimeZoneMismatch(row.time_zone, configured);
  await setZone(connection, configured, system_actor, now_ms);
  return new OfficeCalendar(configured);
}

/** Rebuilds the daily rollups (and with them the monthly ones) and the usage groups in `time_zone` and records it; answers the rows written. */
export async function setZone(
  connection: Connection,
  time_zone: string,
  actor: AuditActor,
  now_ms: number,
): Promise<{ from: string; to: string; rollups: number; records: number }> {
  const calendar = new OfficeCalendar(time_zone);
  return writeTransaction(connection, async (tx, engine) => {
    const before = await tx.selectFrom('office_calendar').select('time_zone').where('id', '=', 1).executeTakeFirstOrThrow();
    await tx.deleteFrom('usage_rollups').execute();
    await tx.deleteFrom('usage_rollups_monthly').execute();
    await tx.deleteFrom('usage_groups').execute();
    const records = await addEffectsOfRecords(tx, engine, calendar);
    const counted = await tx
      .selectFrom('usage_rollups')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    const rollups = Number(counted.n);
    await tx.updateTable('office_calendar').set({ time_zone: calendar.time_zone, settled_at_ms: now_ms }).where('id', '=', 1).execute();
    // a zone an operator sets is always on record; the system's first settling only when it moved stored records
    if (before.time_zone !== calendar.time_zone && (records > 0 || actor.role !== 'system')) {
      await appendAudit(
        tx,
        engine,
        actor,
        {
          action: 'calendar.set_zone',
          subject: { kind: 'office_calendar', id: '1' },
          before: { time_zone: before.time_zone },
          after: { time_zone: calendar.time_zone, rollups, records },
        },
        now_ms,
      );
    }
    return { from: before.time_zone, to: calendar.time_zone, rollups, records };
  });
}
