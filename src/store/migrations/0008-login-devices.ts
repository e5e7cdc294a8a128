// Browsers that signed in on an account before (OWASP's device cookies): the cookie holds a random id, stored here only
// as its SHA-256; an attempt that presents a live one answers to its own failure counter, not the account's.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0008(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('login_devices')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_devices_user').on('login_devices').columns(['user_id']).execute();
    },
  };
}
