// The dashboard: monthly usage rollups (provider × enterprise × model × UTC month), kept by triggers on the daily
// rollups, so that they change in the very statement, and so the very ingest transaction, that changes a daily row.
// Reading the daily rollups for the overview costs ~0.3 s per aggregate at 10,000,000 records (438,000 daily rows,
// docs/performance.md); the monthly rows are 30 times fewer.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';

const columns = 'month, provider_id, enterprise_id, accelerator_id, records, card_s, compute_gflop, amount_fen';
const key = 'month, provider_id, enterprise_id, accelerator_id';
const add = `records = usage_rollups_monthly.records + excluded.records, card_s = usage_rollups_monthly.card_s + excluded.card_s,
  compute_gflop = usage_rollups_monthly.compute_gflop + excluded.compute_gflop, amount_fen = usage_rollups_monthly.amount_fen + excluded.amount_fen`;

/** SQLite: row triggers. A daily row's sums only grow, but the triggers hold for any change (old out, new in). */
function sqliteTriggers(): string[] {
  const upsert = (row: 'NEW' | 'OLD', sign: '' | '-') => `INSERT INTO usage_rollups_monthly (${columns})
    VALUES (substr(${row}.day, 1, 7), ${row}.provider_id, ${row}.enterprise_id, ${row}.accelerator_id,
      ${sign}${row}.records, ${sign}${row}.card_s, ${sign}${row}.compute_gflop, ${sign}${row}.amount_fen)
    ON CONFLICT (${key}) DO UPDATE SET ${add};`;
  return [
    `CREATE TRIGGER usage_rollups_monthly_insert AFTER INSERT ON usage_rollups BEGIN ${upsert('NEW', '')} END`,
    `CREATE TRIGGER usage_rollups_monthly_update AFTER UPDATE ON usage_rollups BEGIN ${upsert('OLD', '-')} ${upsert('NEW', '')} END`,
    `CREATE TRIGGER usage_rollups_monthly_delete AFTER DELETE ON usage_rollups BEGIN ${upsert('OLD', '-')} END`,
  ];
}

/**
 * PostgreSQL: statement triggers over the transition tables, one aggregated upsert per statement in key order. Row
 * triggers would lock a monthly row between two daily rows of the same batch, and two concurrent batches could then
 * wait on each other; here every daily row of the statement is locked first, then the monthly rows, always in order.
 */
function postgresTriggers(): string[] {
  const apply = (name: string, parts: string) => `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO usage_rollups_monthly (${columns})
        SELECT substr(day, 1, 7), provider_id, enterprise_id, accelerator_id, sum(records), sum(card_s), sum(compute_gflop), sum(amount_fen)
        FROM (${parts}) AS d
        GROUP BY substr(day, 1, 7), provider_id, enterprise_id, accelerator_id
        ORDER BY substr(day, 1, 7), provider_id, enterprise_id, accelerator_id
      ON CONFLICT (${key}) DO UPDATE SET ${add};
      RETURN NULL;
    END $$`;
  const plus = (t: string) => `SELECT day, provider_id, enterprise_id, accelerator_id, records, card_s, compute_gflop, amount_fen FROM ${t}`;
  const minus = (t: string) => `SELECT day, provider_id, enterprise_id, accelerator_id,
    -records AS records, -card_s AS card_s, -compute_gflop AS compute_gflop, -amount_fen AS amount_fen FROM ${t}`;
  return [
    apply('usage_rollups_monthly_on_insert', plus('added')),
    apply('usage_rollups_monthly_on_update', `${plus('added')} UNION ALL ${minus('removed')}`),
    apply('usage_rollups_monthly_on_delete', minus('removed')),
    `CREATE TRIGGER usage_rollups_monthly_insert AFTER INSERT ON usage_rollups REFERENCING NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION usage_rollups_monthly_on_insert()`,
    `CREATE TRIGGER usage_rollups_monthly_update AFTER UPDATE ON usage_rollups REFERENCING OLD TABLE AS removed NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION usage_rollups_monthly_on_update()`,
    `CREATE TRIGGER usage_rollups_monthly_delete AFTER DELETE ON usage_rollups REFERENCING OLD TABLE AS removed
      FOR EACH STATEMENT EXECUTE FUNCTION usage_rollups_monthly_on_delete()`,
  ];
}

export function migration0006(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // PostgreSQL runs each migration in a transaction; SQLite's migrations do not, so take the write lock here: no
      // batch may land between the copy of the daily rollups below and the triggers that take over from it.
      if (engine === 'sqlite') await sql`BEGIN IMMEDIATE`.execute(db);
      try {
        await create(db, engine);
        if (engine === 'sqlite') await sql`COMMIT`.execute(db);
      } catch (error) {
        if (engine === 'sqlite') await sql`ROLLBACK`.execute(db);
        throw error;
      }
    },
  };
}

async function create(db: Kysely<unknown>, engine: Engine): Promise<void> {
  // Keyed by month first: the overview reads a range of months.
  await db.schema
    .createTable('usage_rollups_monthly')
    .addColumn('month', 'text', (c) => c.notNull()) // YYYY-MM (UTC) of started_at
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('enterprise_id', 'text', (c) => c.notNull())
    .addColumn('accelerator_id', 'text', (c) => c.notNull())
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addColumn('card_s', 'bigint', (c) => c.notNull())
    .addColumn('compute_gflop', 'bigint', (c) => c.notNull())
    .addColumn('amount_fen', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_rollups_monthly_pk', ['month', 'provider_id', 'enterprise_id', 'accelerator_id'])
    // On SQLite the rows then live in the key's B-tree: a range of months is read in place, not looked up row by row
    // (half the time of the overview's aggregates, docs/performance.md).
    .$call((t) => (engine === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
  // What the daily rollups already hold, before the triggers take over (the migration runs in one transaction).
  await sql
    .raw(
      `INSERT INTO usage_rollups_monthly (${columns})
    SELECT substr(day, 1, 7), provider_id, enterprise_id, accelerator_id, sum(records), sum(card_s), sum(compute_gflop), sum(amount_fen)
    FROM usage_rollups GROUP BY substr(day, 1, 7), provider_id, enterprise_id, accelerator_id`,
    )
    .execute(db);
  for (const statement of engine === 'postgres' ? postgresTriggers() : sqliteTriggers()) await sql.raw(statement).execute(db);
  // The overview sums the ledger by program, kind and day: a covering index spares it the transfer rows' keys and accounts.
  await db.schema.createIndex('ledger_transfers_program_kind_at').on('ledger_transfers').columns(['program_id', 'kind', 'at_ms', 'amount_fen']).execute();
}
