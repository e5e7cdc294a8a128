// The office's calendar (issue 16): daily rollups are keyed by the program office's day, in its IANA zone
// (SUANLI_TIME_ZONE, Asia/Shanghai by default), no longer the UTC day. This migration records the zone the stored
// rollups are in — UTC, as every version before this one kept them — with no operator choice yet (settled_at_ms null);
// Store.migrate then rebuilds them in the configured zone (src/store/office-calendar.ts), in one transaction.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0014(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('office_calendar')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('time_zone', 'text', (c) => c.notNull())
        // when an operator's zone was last applied (the rollups rebuilt in it); null: the zone of older versions
        .addColumn('settled_at_ms', 'bigint')
        .execute();
      await (db as Kysely<{ office_calendar: { id: number; time_zone: string; settled_at_ms: number | null } }>)
        .insertInto('office_calendar')
        .values({ id: 1, time_zone: 'UTC', settled_at_ms: null })
        .execute();
    },
  };
}
