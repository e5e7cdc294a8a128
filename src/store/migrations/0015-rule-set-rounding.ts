// Rounding as a property of the rule-set version (issue 17): versions stored before this migration keep rounding per
// record ('record'), so that re-evaluating a claim they priced (claw-back, verification) gives the fen it gave then;
// versions added from now on round per claim line unless their definition says otherwise (docs/programs.md, Rounding).
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';

export function migration0015(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('rule_sets')
        .addColumn('rounding', 'text', (c) =>
          c
            .notNull()
            .defaultTo('record')
            .check(sql`rounding in ('record', 'line')`),
        )
        .execute();
    },
  };
}
