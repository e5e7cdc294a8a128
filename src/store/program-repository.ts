// Programs, their enrollments and rule-set versions. Creating a program funds its budget through the ledger.
import type { Kysely } from 'kysely';
import type { CheckedProgramDefinition, Eligibility, Program, ProgramKind } from '../domain/program/program.js';
import { default_rounding, type Rounding, type RuleSetBody } from '../domain/policy/rule-set.js';
import type { Connection } from './database.js';
import type { Database, ProgramsTable } from './schema.js';
import { newId } from './ids.js';
import { applyTransfer } from './ledger-repository.js';
import { writeTransaction } from './write-transaction.js';
import { appendAudit, type AuditActor } from './audit-repository.js';

export interface ProgramBudget {
  budget_fen: bigint;
  available_fen: bigint;
  reserved_fen: bigint;
  paid_fen: bigint;
}

export interface RuleSetVersion {
  program_id: string;
  version: number;
  effective_from_ms: number;
  rules: RuleSetBody['rules'];
  rounding: Rounding;
  created_at_ms: number;
}

function toProgram(r: ProgramsTable): Program {
  return {
    id: r.id,
    code: r.code,
    name_zh: r.name_zh,
    name_en: r.name_en,
    kind: r.kind as ProgramKind,
    source: r.source,
    beneficiary_kind: r.beneficiary_kind,
    funding_layer: r.funding_layer,
    window_start_ms: Number(r.window_start_ms),
    window_end_ms: Number(r.window_end_ms),
    budget_fen: BigInt(r.budget_fen),
    cap_share_bp: r.cap_share_bp,
    cap_fen: r.cap_fen === null ? null : BigInt(r.cap_fen),
    cap_fen_year: r.cap_fen_year === null ? null : BigInt(r.cap_fen_year),
    support_months: r.support_months,
    first_stage_bp: r.first_stage_bp,
    eligibility: JSON.parse(r.eligibility) as Eligibility,
    requires_signed_usage: r.requires_signed_usage === 1,
    created_at_ms: Number(r.created_at_ms),
  };
}

export class ProgramRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  /** Creates the program, its first rule-set version and its budget (a fund transfer); null when the code is taken. */
  async create(d: CheckedProgramDefinition, actor: AuditActor, now_ms: number): Promise<Program | null> {
    const row: ProgramsTable = {
      id: newId('prg'),
      code: d.code,
      name_zh: d.name_zh,
      name_en: d.name_en,
      kind: d.kind,
      source: d.source ?? null,
      beneficiary_kind: d.beneficiary_kind,
      funding_layer: d.funding_layer,
      window_start_ms: Date.parse(d.window.start),
      window_end_ms: Date.parse(d.window.end),
      budget_fen: d.budget_fen,
      cap_share_bp: d.caps?.share_bp ?? null,
      cap_fen: d.caps?.fen ?? null,
      cap_fen_year: d.caps?.fen_year ?? null,
      support_months: d.support_months ?? null,
      first_stage_bp: d.first_stage_bp ?? 10_000,
      eligibility: JSON.stringify(d.eligibility ?? {}),
      created_at_ms: now_ms,
      requires_signed_usage: d.requires_signed_usage === true ? 1 : 0,
    };
    return writeTransaction(this.connection, async (tx, engine) => {
      const r = await tx
        .insertInto('programs')
        .values(row)
        .onConflict((oc) => oc.column('code').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return null;
      await tx
        .insertInto('rule_sets')
        .values({
          program_id: row.id,
          version: 1,
          effective_from_ms: Date.parse(d.rule_set.effective_from),
          rules: JSON.stringify(d.rule_set.rules),
          rounding: d.rule_set.rounding ?? default_rounding,
          created_at_ms: now_ms,
        })
        .execute();
      const { rule_set, ...definition } = d;
      await appendAudit(
        tx,
        engine,
        actor,
        { action: 'program.create', subject: { kind: 'program', id: row.id }, after: { ...definition, id: row.id } },
        now_ms,
      );
      await appendAudit(tx, engine, actor, { action: 'rule_set.create', subject: { kind: 'program', id: row.id }, after: { version: 1, ...rule_set } }, now_ms);
      if (d.budget_fen > 0n) {
        await applyTransfer(
          tx,
          engine,
          actor,
          { key: `fund:${row.id}:1`, kind: 'fund', program_id: row.id, claim_id: null, beneficiary_id: null, amount_fen: d.budget_fen },
          now_ms,
        );
      }
      return toProgram(row);
    });
  }

  async get(id: string): Promise<Program | null> {
    const r = await this.db.selectFrom('programs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toProgram(r) : null;
  }

  async getByCode(code: string): Promise<Program | null> {
    const r = await this.db.selectFrom('programs').selectAll().where('code', '=', code).executeTakeFirst();
    return r ? toProgram(r) : null;
  }

  async list(): Promise<Program[]> {
    return (await this.db.selectFrom('programs').selectAll().orderBy('created_at_ms').orderBy('id').execute()).map(toProgram);
  }

  /** Adds a version; the rules of earlier versions never change. */
  async addRuleSet(
    program_id: string,
    effective_from_ms: number,
    rules: RuleSetBody['rules'],
    rounding: Rounding,
    actor: AuditActor,
    now_ms: number,
  ): Promise<RuleSetVersion> {
    return writeTransaction(this.connection, async (tx, engine) => {
      let q = tx.selectFrom('programs').select('id').where('id', '=', program_id);
      if (engine === 'postgres') q = q.forUpdate(); // versions of one program are numbered one at a time
      await q.executeTakeFirstOrThrow();
      const last = await tx
        .selectFrom('rule_sets')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('program_id', '=', program_id)
        .executeTakeFirst();
      const version = Number(last?.v ?? 0) + 1;
      await tx
        .insertInto('rule_sets')
        .values({ program_id, version, effective_from_ms, rules: JSON.stringify(rules), rounding, created_at_ms: now_ms })
        .execute();
      await appendAudit(
        tx,
        engine,
        actor,
        {
          action: 'rule_set.create',
          subject: { kind: 'program', id: program_id },
          after: { version, effective_from: new Date(effective_from_ms), rules, rounding },
        },
        now_ms,
      );
      return { program_id, version, effective_from_ms, rules, rounding, created_at_ms: now_ms };
    });
  }

  async ruleSets(program_id: string): Promise<RuleSetVersion[]> {
    const rows = await this.db.selectFrom('rule_sets').selectAll().where('program_id', '=', program_id).orderBy('version').execute();
    return rows.map((r) => ({
      program_id: r.program_id,
      version: r.version,
      effective_from_ms: Number(r.effective_from_ms),
      rules: JSON.parse(r.rules) as RuleSetBody['rules'],
      rounding: r.rounding,
      created_at_ms: Number(r.created_at_ms),
    }));
  }

  /** The version in force at an instant: the latest effective_from at or before it (the highest version on a tie). */
  async ruleSetAt(program_id: string, at_ms: number): Promise<RuleSetVersion | null> {
    const versions = (await this.ruleSets(program_id)).filter((v) => v.effective_from_ms <= at_ms);
    versions.sort((a, b) => a.effective_from_ms - b.effective_from_ms || a.version - b.version);
    return versions[versions.length - 1] ?? null;
  }

  /** Which versions approved (or later) claims used: those are never to be edited (and no route edits any). */
  async usedVersions(program_id: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('claims')
      .select('rule_set_version')
      .distinct()
      .where('program_id', '=', program_id)
      .where('state', 'in', ['approved', 'paid', 'clawed_back'])
      .orderBy('rule_set_version')
      .execute();
    return rows.map((r) => r.rule_set_version);
  }

  async enroll(program_id: string, beneficiary_id: string, actor: AuditActor, now_ms: number): Promise<void> {
    await writeTransaction(this.connection, async (tx, engine) => {
      const r = await tx
        .insertInto('program_enrollments')
        .values({ program_id, beneficiary_id, created_at_ms: now_ms })
        .onConflict((oc) => oc.columns(['program_id', 'beneficiary_id']).doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) === 1) {
        await appendAudit(tx, engine, actor, { action: 'program.enroll', subject: { kind: 'program', id: program_id }, after: { beneficiary_id } }, now_ms);
      }
    });
  }

  async isEnrolled(program_id: string, beneficiary_id: string): Promise<boolean> {
    return (
      (await this.db
        .selectFrom('program_enrollments')
        .select('program_id')
        .where('program_id', '=', program_id)
        .where('beneficiary_id', '=', beneficiary_id)
        .executeTakeFirst()) !== undefined
    );
  }

  /** The budget as the ledger holds it: available, reserved (approved, unpaid) and paid; exact bigints. */
  async budget(program_id: string): Promise<ProgramBudget> {
    const rows = await this.db.selectFrom('ledger_accounts').select(['kind', 'balance_fen']).where('program_id', '=', program_id).execute();
    const sum = (kind: string) => rows.filter((r) => r.kind === kind).reduce((s, r) => s + BigInt(r.balance_fen), 0n);
    return { budget_fen: -sum('funding'), available_fen: sum('available'), reserved_fen: sum('payable'), paid_fen: sum('paid') };
  }
}
