// Integrity findings (capacity overruns, duplicate and overlapping jobs) and the usage records each one names.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0003(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // `key` is the finding's deterministic key (findingKey): a re-run of a check inserts nothing it already stored.
      await db.schema
        .createTable('findings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('interval_from_ms', 'bigint')
        .addColumn('interval_to_ms', 'bigint')
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('resolution_reason', 'text')
        .addColumn('resolved_by', 'text')
        .execute();
      await db.schema.createIndex('findings_created').on('findings').columns(['created_at_ms', 'id']).execute();
      await db.schema.createIndex('findings_status').on('findings').columns(['status', 'severity']).execute();

      await db.schema
        .createTable('finding_records')
        .addColumn('finding_id', 'text', (c) => c.notNull().references('findings.id'))
        .addColumn('record_seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('finding_records_pk', ['finding_id', 'record_seq'])
        .execute();
      await db.schema.createIndex('finding_records_record').on('finding_records').columns(['record_seq']).execute();

      // The capacity sweep reads one cluster × model in start order.
      await db.schema.createIndex('usage_records_cluster_model_start').on('usage_records').columns(['cluster_id', 'accelerator_id', 'started_at_ms']).execute();
    },
  };
}
