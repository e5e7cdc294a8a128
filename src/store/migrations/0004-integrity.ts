// Integrity, part two: the audit chain (entries and the head row every append locks), providers' signing keys,
// signed batches kept byte for byte as evidence, programs that require signed usage, and the queue of usage windows
// the incremental checks have yet to look at.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';
import { identityKey } from './identity-key.js';

export function migration0004(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('actor_org_id', 'text')
        .addColumn('actor_key_id', 'text')
        .addColumn('actor_role', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject_kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('before_json', 'text')
        .addColumn('after_json', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject_kind', 'subject_id', 'seq']).execute();
      // One row: the newest entry. Every append locks it (FOR UPDATE on PostgreSQL), so appends from any number of
      // processes queue up one behind the other and the chain never forks; it also tells the verifier where the chain
      // must end, so deleting the newest entries is caught.
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into audit_head (id, seq, hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);

      await db.schema
        .createTable('signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull()) // raw 32-byte Ed25519 key, base64
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at_ms', 'bigint')
        .execute();
      await db.schema.createIndex('signing_keys_provider').on('signing_keys').columns(['provider_id']).execute();

      await db.schema
        .createTable('usage_batches')
        .addColumn('id', ...identityKey(engine))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull()) // base64, as sent
        .addColumn('body', engine === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('body_sha256', 'text', (c) => c.notNull())
        .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('usage_records').addColumn('batch_id', 'bigint').execute();

      await db.schema
        .alterTable('programs')
        .addColumn('requires_signed_usage', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      // The capacity sweep reads (seq, count, started_at, ended_at) of one cluster × model in start order: an index that
      // holds them all is read without a table lookup per record (10M records: 20 s → 6.5 s of reading on SQLite).
      await db.schema.dropIndex('usage_records_cluster_model_start').execute();
      await db.schema
        .createIndex('usage_records_capacity')
        .on('usage_records')
        .columns(['cluster_id', 'accelerator_id', 'started_at_ms', 'seq', 'ended_at_ms', 'count'])
        .execute();

      // Reference prices per card-hour an administrator sets (with their source): the price-outlier check's yardstick.
      await db.schema
        .createTable('reference_prices')
        .addColumn('accelerator_id', 'text', (c) => c.primaryKey().references('accelerators.id'))
        .addColumn('fen_per_card_h', 'bigint', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .execute();

      // The longest record of each cluster × model: checks read a window from (its start − this), not from (its start −
      // the longest any record may run, 31 days by default). Ingest raises it in the records' transaction.
      await db.schema
        .createTable('usage_pair_stats')
        .addColumn('cluster_id', 'text', (c) => c.notNull())
        .addColumn('accelerator_id', 'text', (c) => c.notNull())
        .addColumn('duration_ms_max', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_pair_stats_pk', ['cluster_id', 'accelerator_id'])
        .execute();
      await sql`insert into usage_pair_stats (cluster_id, accelerator_id, duration_ms_max)
        select cluster_id, accelerator_id, max(ended_at_ms - started_at_ms) from usage_records group by cluster_id, accelerator_id`.execute(db);

      // Usage windows still to check: a row per batch × cluster × model × UTC day a newly stored record ran in, inserted in
      // the transaction that stores the records. Rows are only ever inserted and deleted by id — never updated — so
      // concurrent batches of one day never wait on each other's row locks; the checker merges repeats and deletes
      // exactly the rows it read, so a row added while it checks stays for the next round.
      await db.schema
        .createTable('check_queue')
        .addColumn('id', ...identityKey(engine))
        .addColumn('cluster_id', 'text', (c) => c.notNull())
        .addColumn('accelerator_id', 'text', (c) => c.notNull())
        .addColumn('day', 'integer', (c) => c.notNull()) // days since 1970-01-01 UTC
        .execute();
    },
  };
}
