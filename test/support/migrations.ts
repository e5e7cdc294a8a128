// Tests that rebuild the scene of an older version (a migration not yet applied) undo the migrations that came after
// it too, newest first, so that the migrator sees a consistent history and applies them all again in order.
import { sql } from 'kysely';
import type { Connection } from '../../src/store/database.js';

/** Undoes migrations 0015 (rule-set rounding) and 0016 (usage groups); answers their names, in the order they apply. */
export async function undoRoundingAndGroups(conn: Connection): Promise<string[]> {
  await sql`DROP TABLE usage_groups`.execute(conn.db);
  await sql`ALTER TABLE rule_sets DROP COLUMN rounding`.execute(conn.db);
  await sql`DELETE FROM kysely_migration WHERE name IN ('0015-rule-set-rounding', '0016-usage-groups')`.execute(conn.db);
  return ['0015-rule-set-rounding', '0016-usage-groups'];
}
