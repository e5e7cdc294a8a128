// Programs with versioned rule sets, claims holding their records once per funding layer, and the double-entry ledger.
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';
import { identityKey } from './identity-key.js';

export function migration0002(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('organizations')
        .addColumn('categories', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();

      await db.schema
        .createTable('programs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name_zh', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('beneficiary_kind', 'text', (c) => c.notNull())
        .addColumn('funding_layer', 'text', (c) => c.notNull())
        .addColumn('window_start_ms', 'bigint', (c) => c.notNull())
        .addColumn('window_end_ms', 'bigint', (c) => c.notNull())
        .addColumn('budget_fen', 'bigint', (c) => c.notNull())
        .addColumn('cap_share_bp', 'integer')
        .addColumn('cap_fen', 'bigint')
        .addColumn('cap_fen_year', 'bigint')
        .addColumn('support_months', 'integer')
        .addColumn('first_stage_bp', 'integer', (c) => c.notNull())
        .addColumn('eligibility', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('program_enrollments')
        .addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
        .addColumn('beneficiary_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('program_enrollments_pk', ['program_id', 'beneficiary_id'])
        .execute();

      // Rule sets are append-only versions: a change is a new version effective from a date, so a version used by a
      // claim can never change under it.
      await db.schema
        .createTable('rule_sets')
        .addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('effective_from_ms', 'bigint', (c) => c.notNull())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rule_sets_pk', ['program_id', 'version'])
        .execute();

      await db.schema
        .createTable('claims')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
        .addColumn('beneficiary_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('funding_layer', 'text', (c) => c.notNull())
        .addColumn('period_start_ms', 'bigint', (c) => c.notNull())
        .addColumn('period_end_ms', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('rule_set_version', 'integer', (c) => c.notNull())
        .addColumn('records', 'integer', (c) => c.notNull())
        .addColumn('base_fen', 'bigint', (c) => c.notNull())
        .addColumn('computed_fen', 'bigint', (c) => c.notNull())
        .addColumn('granted_fen', 'bigint', (c) => c.notNull())
        .addColumn('paid_fen', 'bigint', (c) => c.notNull())
        .addColumn('clawed_back_fen', 'bigint', (c) => c.notNull())
        .addColumn('first_record_at_ms', 'bigint')
        .addColumn('progress_report_accepted', 'integer', (c) => c.notNull())
        .addColumn('explanation', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('claims_program_beneficiary').on('claims').columns(['program_id', 'beneficiary_id']).execute();

      // A usage record is subsidized at most once per funding layer: the primary key says so, not only the code.
      await db.schema
        .createTable('claim_records')
        .addColumn('funding_layer', 'text', (c) => c.notNull())
        .addColumn('record_seq', 'bigint', (c) => c.notNull())
        .addColumn('claim_id', 'text', (c) => c.notNull().references('claims.id'))
        .addColumn('subsidy_fen', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('claim_records_pk', ['funding_layer', 'record_seq'])
        .execute();
      await db.schema.createIndex('claim_records_claim').on('claim_records').columns(['claim_id']).execute();
      await db.schema.createIndex('claim_records_record').on('claim_records').columns(['record_seq']).execute();

      await db.schema
        .createTable('claim_events')
        .addColumn('id', ...identityKey(engine))
        .addColumn('claim_id', 'text', (c) => c.notNull().references('claims.id'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('actor_org_id', 'text')
        .addColumn('actor_key_id', 'text')
        .addColumn('reason', 'text')
        .addColumn('amount_fen', 'bigint')
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('claim_events_claim').on('claim_events').columns(['claim_id', 'id']).execute();

      await db.schema
        .createTable('ledger_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('beneficiary_id', 'text')
        .addColumn('balance_fen', 'bigint', (c) => c.notNull())
        // The database itself refuses a negative balance on every account but funding.
        .addCheckConstraint('ledger_accounts_non_negative', sql`balance_fen >= 0 or kind = 'funding'`)
        .execute();
      await db.schema.createIndex('ledger_accounts_program').on('ledger_accounts').columns(['program_id']).execute();

      await db.schema
        .createTable('ledger_transfers')
        .addColumn('id', ...identityKey(engine))
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('program_id', 'text', (c) => c.notNull())
        .addColumn('claim_id', 'text')
        .addColumn('debit_account', 'text', (c) => c.notNull())
        .addColumn('credit_account', 'text', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull().check(sql`amount_fen > 0`))
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ledger_transfers_claim').on('ledger_transfers').columns(['claim_id']).execute();
    },
  };
}
