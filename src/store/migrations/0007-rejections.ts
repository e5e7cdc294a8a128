// Rejected usage records, kept so that a provider can see why recent records were refused (GET /api/v1/usage/rejections).
// Diagnostic only: written right after the batch's own transaction, bounded per provider (src/store/usage/rejections.ts).
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../engine.js';
import { identityKey } from './identity-key.js';

export function migration0007(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('usage_rejections')
        // time-ordered: the newest rejection has the highest id, so id is both the order and the cursor
        .addColumn('id', ...identityKey(engine))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('record_index', 'integer', (c) => c.notNull()) // the record's position in its batch
        .addColumn('record_id', 'text') // as sent, truncated; null when the record had none (or not a string)
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('field', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      // A provider's own list, newest first, and the pruning that keeps each provider's rows bounded.
      await db.schema.createIndex('usage_rejections_provider').on('usage_rejections').columns(['provider_id', 'id']).execute();
    },
  };
}
