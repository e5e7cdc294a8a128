// Rebuilding what the write paths keep beside the records — the daily rollups and the usage groups — from the stored
// records, a page at a time in seq order (addRollups and addGroups upsert, so the pages' deltas sum in the tables):
// when the office's zone changes (../office-calendar.ts) and when migration 0016 fills the new usage groups.
import type { OfficeCalendar } from '../../domain/calendar.js';
import type { Engine } from '../engine.js';
import type { Tx } from '../write-transaction.js';
import { BatchEffects } from './effects.js';
import { storedToRow } from './rows.js';
import { addGroups, addRollups, stored_columns } from './sql.js';

/** Records read per page. */
const page_rows = 20_000;

async function rebuild(tx: Tx, engine: Engine, calendar: OfficeCalendar, what: { rollups: boolean; groups: boolean }): Promise<number> {
  let after = -1;
  let records = 0;
  for (;;) {
    const page = await tx
      .selectFrom('usage_records')
      .select([...stored_columns])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(page_rows)
      .execute();
    const by_provider = new Map<string, BatchEffects>();
    for (const r of page) {
      let e = by_provider.get(r.provider_id);
      if (e === undefined) by_provider.set(r.provider_id, (e = new BatchEffects(r.provider_id, calendar, false)));
      e.addRow(storedToRow(r as unknown as Parameters<typeof storedToRow>[0]), r.batch_id !== null);
    }
    for (const e of by_provider.values()) {
      if (what.rollups) await addRollups(tx, engine, e.rollups());
      if (what.groups) await addGroups(tx, engine, e.groupDeltas(), calendar);
    }
    records += page.length;
    if (page.length < page_rows) return records;
    after = Number(page[page.length - 1]!.seq);
  }
}

/** Adds every stored record to the (emptied) daily rollups and usage groups, in `calendar`'s days; answers the records read. */
export const addEffectsOfRecords = (tx: Tx, engine: Engine, calendar: OfficeCalendar) => rebuild(tx, engine, calendar, { rollups: true, groups: true });

/** Adds every stored record to the (empty) usage groups only (migration 0016). */
export const addGroupsOfRecords = (tx: Tx, engine: Engine, calendar: OfficeCalendar) => rebuild(tx, engine, calendar, { rollups: false, groups: true });
