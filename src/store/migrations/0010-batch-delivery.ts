// What a signed batch delivered (issue 13, F4): the records it stored (not the duplicates or rejections it also
// carried), their count and a digest, written in the batch's own transaction; and when the batch was sealed into the
// audit chain (a `usage.batch_sealed` entry holding count and digest), after which an edit of these columns shows.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0010(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('usage_batches').addColumn('delivered_count', 'integer').execute();
      await db.schema.alterTable('usage_batches').addColumn('delivered_digest', 'text').execute();
      // the delivered record ids, sorted, one per line (null for a batch stored before this migration)
      await db.schema.alterTable('usage_batches').addColumn('delivered_ids', 'text').execute();
      await db.schema.alterTable('usage_batches').addColumn('sealed_at_ms', 'bigint').execute();
      await db.schema.createIndex('usage_batches_unsealed').on('usage_batches').column('sealed_at_ms').execute();
    },
  };
}
