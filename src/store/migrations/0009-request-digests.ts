// A client's Idempotency-Key is bound to the request it first came with: the keyed payment's ledger transfer keeps the
// SHA-256 of that request, so that the same key with another body is refused instead of answered as a retry.
// Transfers stored before keep null and are not compared.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0009(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('ledger_transfers').addColumn('request_digest', 'text').execute();
    },
  };
}
