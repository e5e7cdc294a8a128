// The rollups' money sums stay exact integers (issue 12, F3): on SQLite an integer sum that passes 2^63 − 1 silently
// becomes a float, so a trigger refuses any rollup row whose amount_fen is not an integer ('amount_sum_overflow');
// PostgreSQL refuses it by itself (22003, bigint out of range). Either way the batch is rolled back and answered 422
// amount_too_large naming the limit (src/store/sum-overflow.ts).
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0012(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (engine !== 'sqlite') return;
      for (const table of ['usage_rollups', 'usage_rollups_monthly']) {
        for (const when of ['INSERT', 'UPDATE']) {
          await sql
            .raw(
              `CREATE TRIGGER ${table}_amount_exact_${when.toLowerCase()} BEFORE ${when} ON ${table}
            WHEN typeof(NEW.amount_fen) <> 'integer' BEGIN SELECT RAISE(ABORT, 'amount_sum_overflow'); END`,
            )
            .execute(db);
        }
      }
    },
  };
}
