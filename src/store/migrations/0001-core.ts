// Core tables: organizations, catalog, API keys, clusters with inventory, usage records and their daily rollups.
import { type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';
import { identityKey } from './identity-key.js';

export function migration0001(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('credit_code', 'text', (c) => c.unique())
        .addColumn('region', 'text')
        .addColumn('sector', 'text')
        .addColumn('size', 'text')
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('accelerators')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('domestic', 'integer', (c) => c.notNull())
        .addColumn('year', 'integer')
        .addColumn('process_nm', 'text')
        .addColumn('fp32_tflops', 'text')
        .addColumn('bf16_tflops_dense', 'text')
        .addColumn('fp16_tflops_dense', 'text')
        .addColumn('int8_tops_dense', 'text')
        .addColumn('memory_gb', 'text')
        .addColumn('memory_type', 'text')
        .addColumn('memory_bw_gbs', 'text')
        .addColumn('tdp_w', 'integer')
        .addColumn('comparable_to', 'text')
        .addColumn('verified', 'text', (c) => c.notNull())
        .addColumn('notes', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('dense_gflops', 'bigint')
        .addColumn('dense_basis', 'text')
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('key_prefix', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at_ms', 'bigint')
        .execute();

      await db.schema
        .createTable('clusters')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('clusters_provider_name', ['provider_id', 'name'])
        .execute();

      await db.schema
        .createTable('inventory')
        .addColumn('id', ...identityKey(engine))
        .addColumn('cluster_id', 'text', (c) => c.notNull().references('clusters.id'))
        .addColumn('accelerator_id', 'text', (c) => c.notNull().references('accelerators.id'))
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('valid_from_ms', 'bigint', (c) => c.notNull())
        .addColumn('valid_to_ms', 'bigint')
        .execute();
      await db.schema.createIndex('inventory_cluster').on('inventory').columns(['cluster_id', 'accelerator_id']).execute();

      // seq is the internal, time-ordered key: rows land in key order, which keeps inserts fast; the
      // provider's random record_id lives in its own unique index (shared/DESIGN.md, Storage).
      await db.schema
        .createTable('usage_records')
        .addColumn('seq', ...identityKey(engine))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('cluster_id', 'text', (c) => c.notNull())
        .addColumn('enterprise_id', 'text', (c) => c.notNull())
        .addColumn('accelerator_id', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('ended_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addColumn('job_ref', 'text')
        .addColumn('workload', 'text')
        .addColumn('energy_wh', 'bigint')
        .addColumn('card_s', 'bigint', (c) => c.notNull())
        .addColumn('compute_gflop', 'bigint')
        .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('usage_records_provider_record').unique().on('usage_records').columns(['provider_id', 'record_id']).execute();
      await db.schema.createIndex('usage_records_enterprise').on('usage_records').columns(['enterprise_id', 'seq']).execute();

      await db.schema
        .createTable('usage_rollups')
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('enterprise_id', 'text', (c) => c.notNull())
        .addColumn('accelerator_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addColumn('card_s', 'bigint', (c) => c.notNull())
        .addColumn('compute_gflop', 'bigint', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_rollups_pk', ['provider_id', 'enterprise_id', 'accelerator_id', 'day'])
        .execute();
      await db.schema.createIndex('usage_rollups_day').on('usage_rollups').columns(['day']).execute();
    },
  };
}
