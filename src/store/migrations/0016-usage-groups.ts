// Usage groups (issue 17): the records summed by everything a rule condition or a figure of pay looks at, per office
// day, so that estimating a claim and replaying a program read aggregates instead of every record (src/store/schema.ts
// UsageGroupsTable; kept by every write path through usage/effects.ts). This migration creates the table and fills it
// from the stored records, in the zone the daily rollups are in; changing the zone rebuilds both (office-calendar.ts).
// On SQLite a trigger refuses a sum that stopped being an integer (as 0012 does for the rollups); PostgreSQL refuses
// a bigint overflow by itself.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';
import type { Database } from '../schema.js';
import type { Tx } from '../write-transaction.js';
import { OfficeCalendar } from '../../domain/calendar.js';
import { addGroupsOfRecords } from '../usage/rebuild.js';

export function migration0016(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('usage_groups')
        .addColumn('enterprise_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('cluster_id', 'text', (c) => c.notNull())
        .addColumn('accelerator_id', 'text', (c) => c.notNull())
        .addColumn('workload', 'text', (c) => c.notNull())
        .addColumn('price_key', 'bigint', (c) => c.notNull())
        .addColumn('signed', 'smallint', (c) => c.notNull())
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addColumn('card_s', 'bigint', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addColumn('metered_records', 'bigint', (c) => c.notNull())
        .addColumn('metered_wh', 'bigint', (c) => c.notNull())
        .addColumn('unmetered_card_s', 'bigint', (c) => c.notNull())
        .addColumn('first_started_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_started_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_groups_pk', ['enterprise_id', 'day', 'provider_id', 'cluster_id', 'accelerator_id', 'workload', 'price_key', 'signed'])
        .execute();
      // provider programs read a provider's groups; the replay reads a period of everyone's
      await db.schema.createIndex('usage_groups_provider').on('usage_groups').columns(['provider_id', 'day']).execute();
      await db.schema.createIndex('usage_groups_day').on('usage_groups').columns(['day']).execute();
      if (engine === 'sqlite') {
        for (const column of ['amount_fen', 'metered_wh']) {
          for (const when of ['INSERT', 'UPDATE']) {
            await sql
              .raw(
                `CREATE TRIGGER usage_groups_${column}_exact_${when.toLowerCase()} BEFORE ${when} ON usage_groups
              WHEN typeof(NEW.${column}) <> 'integer' BEGIN SELECT RAISE(ABORT, 'amount_sum_overflow'); END`,
              )
              .execute(db);
          }
        }
      }
      const tx = db as unknown as Kysely<Database>;
      const zone = await tx.selectFrom('office_calendar').select('time_zone').where('id', '=', 1).executeTakeFirstOrThrow();
      await addGroupsOfRecords(tx as Tx, engine, new OfficeCalendar(zone.time_zone));
    },
  };
}
