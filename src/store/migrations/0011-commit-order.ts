// Paging in commit order on PostgreSQL (issue 13): `seq` is taken when a row is inserted, not when its transaction
// commits, so a reader paging by seq can pass a seq whose transaction commits later and never see that row. Each
// usage record now keeps the id of the transaction that inserted it (pg_current_xact_id()); readers page by
// (xid, seq) and only up to the oldest transaction still in flight (pg_snapshot_xmin), so every row is seen exactly
// once. SQLite needs none of this: one writer at a time, seq in commit order.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0011(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (engine !== 'postgres') return;
      // rows from before: 0 (they all committed; ordered by seq among themselves); new rows: their transaction's id
      await sql`ALTER TABLE usage_records ADD COLUMN xid bigint NOT NULL DEFAULT 0`.execute(db);
      await sql`ALTER TABLE usage_records ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint)`.execute(db);
      await sql`CREATE INDEX usage_records_commit_order ON usage_records (xid, seq)`.execute(db);
    },
  };
}
