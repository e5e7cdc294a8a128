// Claims: gathering a beneficiary's eligible usage, filing a claim with its records (once per funding layer, by primary
// key), and every transition of the life cycle with its ledger transfers in one write transaction.
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { sql } from 'kysely';
import { type EvalRecord, type Evaluation, type Cut } from '../domain/policy/evaluate.js';
import type { RecordsEvaluation } from '../domain/policy/evaluate-lines.js';
import { claimTransition, type ClaimActionAny, type ClaimState } from '../domain/claim/claim-state.js';
import { decideTransition, grantedBefore, type NothingPayable, type TransitionFacts } from '../domain/claim/decide.js';
import { accountId } from '../domain/ledger/ledger.js';
import { fen_max } from '../domain/money/fen.js';
import type { OfficeCalendar } from '../domain/calendar.js';
import type { Program } from '../domain/program/program.js';
import type { Connection } from './database.js';
import type { ClaimsTable, Database } from './schema.js';
import { newId } from './ids.js';
import { usage_replacement_lock } from './usage/replacement.js';
import { applyTransfer } from './ledger-repository.js';
import { lockRows, writeTransaction, type Tx } from './write-transaction.js';
import { appendAudit, type AuditActor } from './audit-repository.js';
import { rawRows } from './raw-rows.js';

export interface ClaimExplanation extends Omit<Evaluation, 'record_subsidies'> {
  rule_set_version: number;
  /** the cuts applied again at approval, with the caps and budget of that moment */
  approval?: { computed_fen: bigint; cuts: Cut[]; granted_fen: bigint };
}

/** An explanation as stored: JSON with its money (the keys ending in _fen) as decimal strings. */
function explanationJson(e: ClaimExplanation): string {
  return JSON.stringify(e, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A stored explanation with its money as bigints (also those stored as JSON numbers before money became strings). */
function parseExplanation(text: string): ClaimExplanation {
  return JSON.parse(text, (key, v: unknown) => (key.endsWith('_fen') && (typeof v === 'number' || typeof v === 'string') ? BigInt(v) : v)) as ClaimExplanation;
}

export interface Claim {
  id: string;
  program_id: string;
  beneficiary_id: string;
  funding_layer: string;
  period_start_ms: number;
  period_end_ms: number;
  state: ClaimState;
  rule_set_version: number;
  records: number;
  base_fen: bigint;
  computed_fen: bigint;
  granted_fen: bigint;
  paid_fen: bigint;
  clawed_back_fen: bigint;
  first_record_at_ms: number | null;
  progress_report_accepted: boolean;
  explanation: ClaimExplanation;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface ClaimEvent {
  action: string;
  from_state: string | null;
  to_state: string;
  actor_org_id: string | null;
  actor_key_id: string | null;
  reason: string | null;
  amount_fen: bigint | null;
  at_ms: number;
}
/** Who acts: also the audit entry's actor. */
export type Actor = AuditActor;

/** Which claims `list` and `count` select: every field given must match. */
export interface ClaimFilter {
  program_id?: string;
  beneficiary_id?: string;
  state?: ClaimState;
}

export type TransitionResult =
  | { status: 'ok'; claim: Claim }
  | { status: 'not_found' }
  | { status: 'illegal_transition'; state: ClaimState; allowed_from: readonly ClaimState[] }
  | { status: 'budget_exhausted'; available_fen: bigint }
  | { status: 'nothing_payable'; reason: NothingPayable }
  | { status: 'amount_too_large'; amount_fen_max: bigint }
  | { status: 'open_findings'; finding_ids: readonly string[] }
  | { status: 'idempotency_key_reused'; idempotency_key: string };

const granting_states: readonly ClaimState[] = ['approved', 'paid', 'clawed_back'];

function toClaim(r: ClaimsTable): Claim {
  return {
    id: r.id,
    program_id: r.program_id,
    beneficiary_id: r.beneficiary_id,
    funding_layer: r.funding_layer,
    period_start_ms: Number(r.period_start_ms),
    period_end_ms: Number(r.period_end_ms),
    state: r.state as ClaimState,
    rule_set_version: r.rule_set_version,
    records: r.records,
    base_fen: BigInt(r.base_fen),
    computed_fen: BigInt(r.computed_fen),
    granted_fen: BigInt(r.granted_fen),
    paid_fen: BigInt(r.paid_fen),
    clawed_back_fen: BigInt(r.clawed_back_fen),
    first_record_at_ms: r.first_record_at_ms === null ? null : Number(r.first_record_at_ms),
    progress_report_accepted: r.progress_report_accepted === 1,
    explanation: parseExplanation(r.explanation),
    created_at_ms: Number(r.created_at_ms),
    updated_at_ms: Number(r.updated_at_ms),
  };
}

/** The one reading of a ClaimFilter, shared by `list` and `count` so that the two always agree. */
function whereClaimFilter<O>(q: SelectQueryBuilder<Database, 'claims', O>, filter: ClaimFilter): SelectQueryBuilder<Database, 'claims', O> {
  if (filter.program_id !== undefined) q = q.where('program_id', '=', filter.program_id);
  if (filter.beneficiary_id !== undefined) q = q.where('beneficiary_id', '=', filter.beneficiary_id);
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  return q;
}

/** A record of the claim was taken by another claim meanwhile, or replaced by its provider: file again. */
export class ClaimRecordsTaken extends Error {
  constructor(
    readonly reason: 'replaced' | 'taken',
    message: string,
  ) {
    super(message);
  }
}

/** What an action on a claim takes beside the claim and the action. */
export interface TransitionOptions {
  reason?: string | null;
  amount_fen?: bigint | null;
  program?: Program;
  idempotency_key?: string | null;
  request_digest?: string | null;
  override_reason?: string | null;
}

export class ClaimRepository {
  /** `calendar`: the office's (caps per year are its years). */
  constructor(
    private readonly connection: Connection,
    private readonly calendar: () => OfficeCalendar,
  ) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  /**
   * The beneficiary's usage that started in [from, to), not yet held by a claim of this funding layer and not under a
   * confirmed finding (and, for a program requiring signed usage, delivered in a signed batch), with what other layers
   * already subsidize of each record.
   */
  async gatherRecords(
    program: Pick<Program, 'beneficiary_kind' | 'funding_layer' | 'requires_signed_usage'>,
    beneficiary_id: string,
    from_ms: number,
    to_ms: number,
  ): Promise<EvalRecord[]> {
    const layer = program.funding_layer;
    const who = sql.ref(program.beneficiary_kind === 'enterprise' ? 'u.enterprise_id' : 'u.provider_id');
    // What other layers pay of each record: an index lookup per record (claim_records_record), which costs the same
    // however many claims other layers hold; the records this layer already holds drop out by an anti-join.
    const query = sql<Record<string, unknown>>`select u.seq, u.accelerator_id, u.card_s, u.amount_fen, u.started_at_ms, u.workload,
        u.provider_id, c.region, u.energy_wh,
        coalesce((select sum(o.subsidy_fen) from claim_records o where o.record_seq = u.seq and o.funding_layer <> ${layer}), 0) as other
      from usage_records u
      join clusters c on c.id = u.cluster_id
      where ${who} = ${beneficiary_id} and u.started_at_ms >= ${from_ms} and u.started_at_ms < ${to_ms}
        and not exists (select 1 from claim_records h where h.funding_layer = ${layer} and h.record_seq = u.seq)
        and not exists (select 1 from finding_records fr join findings f on f.id = fr.finding_id
          where fr.record_seq = u.seq and f.status = 'confirmed')
        ${program.requires_signed_usage ? sql`and u.batch_id is not null` : sql``}
      order by u.seq`;
    const toRecord = (r: readonly unknown[]): EvalRecord => ({
      seq: Number(r[0]),
      accelerator: r[1] as string,
      card_s: Number(r[2]),
      amount_fen: Number(r[3]),
      started_at_ms: Number(r[4]),
      workload: r[5] as EvalRecord['workload'],
      provider_id: r[6] as string,
      region: r[7] as string,
      energy_wh: r[8] === null ? null : Number(r[8]),
      other_layers_fen: Number(r[9]),
    });
    return (await rawRows(this.connection, query)).map(toRecord);
  }

  /** Card-seconds per model of all the beneficiary's usage that started in [from, to), whatever claims hold it. */
  async cardSecondsByModel(kind: 'enterprise' | 'provider', beneficiary_id: string, from_ms: number, to_ms: number): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('usage_records')
      .select(['accelerator_id', sql<string>`cast(sum(card_s) as text)`.as('card_s')])
      .where(kind === 'enterprise' ? 'enterprise_id' : 'provider_id', '=', beneficiary_id)
      .where('started_at_ms', '>=', from_ms)
      .where('started_at_ms', '<', to_ms)
      .groupBy('accelerator_id')
      .execute();
    return new Map(rows.map((r) => [r.accelerator_id, Number(r.card_s)]));
  }

  /** All usage of a period grouped by beneficiary (enterprise or provider), for the what-if replay: claims ignored. */
  async replayRecords(kind: 'enterprise' | 'provider', from_ms: number, to_ms: number): Promise<Map<string, EvalRecord[]>> {
    const rows = await this.db
      .selectFrom('usage_records as u')
      .innerJoin('clusters as c', 'c.id', 'u.cluster_id')
      .select([
        'u.seq',
        'u.enterprise_id',
        'u.accelerator_id',
        'u.card_s',
        'u.amount_fen',
        'u.started_at_ms',
        'u.workload',
        'u.provider_id',
        'c.region',
        'u.energy_wh',
      ])
      .where('u.started_at_ms', '>=', from_ms)
      .where('u.started_at_ms', '<', to_ms)
      .orderBy('u.seq')
      .execute();
    const by = new Map<string, EvalRecord[]>();
    for (const r of rows) {
      const who = kind === 'enterprise' ? r.enterprise_id : r.provider_id;
      let list = by.get(who);
      if (!list) {
        list = [];
        by.set(who, list);
      }
      list.push({
        seq: Number(r.seq),
        accelerator: r.accelerator_id,
        card_s: Number(r.card_s),
        amount_fen: Number(r.amount_fen),
        started_at_ms: Number(r.started_at_ms),
        workload: r.workload as EvalRecord['workload'],
        provider_id: r.provider_id,
        region: r.region,
        energy_wh: r.energy_wh === null ? null : Number(r.energy_wh),
        other_layers_fen: 0,
      });
    }
    return by;
  }

  /** What the beneficiary was granted before: over the program, in a calendar year, and when its subsidized usage began. */
  async beneficiaryHistory(
    program_id: string,
    beneficiary_id: string,
    year: number,
    exclude_claim?: string,
  ): Promise<{ granted_fen: bigint; granted_fen_year: bigint; first_subsidized_at_ms: number | null }> {
    let q = this.db
      .selectFrom('claims')
      .select(['id', 'granted_fen', 'period_start_ms', 'first_record_at_ms'])
      .where('program_id', '=', program_id)
      .where('beneficiary_id', '=', beneficiary_id)
      .where('state', 'in', [...granting_states]);
    if (exclude_claim !== undefined) q = q.where('id', '<>', exclude_claim);
    const rows = await q.execute();
    let first: number | null = null;
    for (const r of rows) {
      if (r.first_record_at_ms !== null && (first === null || Number(r.first_record_at_ms) < first)) first = Number(r.first_record_at_ms);
    }
    const before = grantedBefore(
      rows.map((r) => ({ granted_fen: BigInt(r.granted_fen), year: this.calendar().year(Number(r.period_start_ms)) })),
      year,
    );
    return { ...before, first_subsidized_at_ms: first };
  }

  /** The last usage replacement so far (0: none): a claim gathered after it checks only the replacements after it. */
  async replacementWatermark(): Promise<number> {
    const r = await this.db
      .selectFrom('usage_replacements')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(r?.id ?? 0);
  }

  /**
   * Files a draft claim holding its records; throws ClaimRecordsTaken when another claim of the layer took one first,
   * or when a provider replaced one of them since `replacements_seen` (usage/replacement.ts: the two serialize on a
   * PostgreSQL advisory lock, shared by claims, exclusive for replacements; SQLite's write lock does the same).
   */
  async create(
    c: {
      program: Program;
      beneficiary_id: string;
      period_start_ms: number;
      period_end_ms: number;
      rule_set_version: number;
      evaluation: RecordsEvaluation;
      records: readonly EvalRecord[];
      replacements_seen?: number;
    },
    actor: Actor,
    now_ms: number,
  ): Promise<Claim> {
    const { record_subsidies, ...explained } = c.evaluation;
    let first: number | null = null;
    c.records.forEach((r, i) => {
      if ((record_subsidies[i] ?? 0) > 0 && (first === null || r.started_at_ms < first)) first = r.started_at_ms;
    });
    const row: ClaimsTable = {
      id: newId('clm'),
      program_id: c.program.id,
      beneficiary_id: c.beneficiary_id,
      funding_layer: c.program.funding_layer,
      period_start_ms: c.period_start_ms,
      period_end_ms: c.period_end_ms,
      state: 'draft',
      rule_set_version: c.rule_set_version,
      records: c.records.length,
      base_fen: c.evaluation.base_fen,
      computed_fen: c.evaluation.computed_fen,
      granted_fen: 0n,
      paid_fen: 0n,
      clawed_back_fen: 0n,
      first_record_at_ms: first,
      progress_report_accepted: 0,
      explanation: explanationJson({ ...explained, rule_set_version: c.rule_set_version }),
      created_at_ms: now_ms,
      updated_at_ms: now_ms,
    };
    try {
      await writeTransaction(this.connection, async (tx, engine) => {
        if (engine === 'postgres') await sql`select pg_advisory_xact_lock_shared(${usage_replacement_lock})`.execute(tx);
        const replaced = await tx
          .selectFrom('usage_superseded')
          .select('seq')
          .where('replacement_id', '>', c.replacements_seen ?? 0)
          .execute();
        if (replaced.length > 0) {
          const gone = new Set(replaced.map((r) => Number(r.seq)));
          if (c.records.some((r) => gone.has(r.seq)))
            throw new ClaimRecordsTaken('replaced', 'a record of this claim was replaced by its provider while the claim was computed');
        }
        await tx.insertInto('claims').values(row).execute();
        const layer = c.program.funding_layer;
        const sqlite = this.connection.sqlite;
        if (engine === 'sqlite' && sqlite !== null) {
          // Inside the write transaction we hold the only connection: a prepared statement per row is the fast path.
          const insert = sqlite.prepare('insert into claim_records (funding_layer, record_seq, claim_id, subsidy_fen) values (?, ?, ?, ?)');
          c.records.forEach((r, i) => insert.run(layer, r.seq, row.id, record_subsidies[i] ?? 0));
        } else {
          // PostgreSQL: arrays unnested server-side, 100,000 rows a statement.
          for (let i = 0; i < c.records.length; i += 100_000) {
            const seqs = c.records.slice(i, i + 100_000).map((r) => r.seq);
            const fens = record_subsidies.slice(i, i + 100_000);
            await sql`insert into claim_records (funding_layer, record_seq, claim_id, subsidy_fen)
              select ${layer}, s, ${row.id}, f from unnest(${seqs}::bigint[], ${fens}::bigint[]) as t(s, f)`.execute(tx);
          }
        }
        await this.event(tx, row.id, 'create', null, 'draft', actor, null, null, now_ms);
        await appendAudit(
          tx,
          engine,
          actor,
          {
            action: 'claim.create',
            subject: { kind: 'claim', id: row.id },
            after: {
              program_id: row.program_id,
              beneficiary_id: row.beneficiary_id,
              period_start_ms: row.period_start_ms,
              period_end_ms: row.period_end_ms,
              state: 'draft',
              records: row.records,
              base_fen: row.base_fen,
              computed_fen: row.computed_fen,
              rule_set_version: row.rule_set_version,
            },
          },
          now_ms,
        );
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new ClaimRecordsTaken('taken', 'a record of this claim was taken by another claim of the same funding layer');
      throw error;
    }
    return toClaim(row);
  }

  async get(id: string): Promise<Claim | null> {
    const r = await this.db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toClaim(r) : null;
  }

  async list(filter: ClaimFilter, limit: number, after_id?: string): Promise<Claim[]> {
    let q = whereClaimFilter(this.db.selectFrom('claims').selectAll(), filter).orderBy('id').limit(limit);
    if (after_id !== undefined) q = q.where('id', '>', after_id);
    return (await q.execute()).map(toClaim);
  }

  /** How many claims `list` would answer for the filter over all its pages: one COUNT, no explanation parsed. */
  async count(filter: ClaimFilter): Promise<number> {
    const q = whereClaimFilter(
      this.db.selectFrom('claims').select((eb) => eb.fn.countAll<string | number | bigint>().as('n')),
      filter,
    );
    // PostgreSQL counts in bigint (a string here); SQLite answers a number.
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async events(claim_id: string): Promise<ClaimEvent[]> {
    const rows = await this.db.selectFrom('claim_events').selectAll().where('claim_id', '=', claim_id).orderBy('id').execute();
    return rows.map((r) => ({
      action: r.action,
      from_state: r.from_state,
      to_state: r.to_state,
      actor_org_id: r.actor_org_id,
      actor_key_id: r.actor_key_id,
      reason: r.reason,
      amount_fen: r.amount_fen === null ? null : BigInt(r.amount_fen),
      at_ms: Number(r.at_ms),
    }));
  }

  async recordSubsidies(claim_id: string): Promise<{ record_seq: number; subsidy_fen: number }[]> {
    const rows = await this.db
      .selectFrom('claim_records')
      .select(['record_seq', 'subsidy_fen'])
      .where('claim_id', '=', claim_id)
      .orderBy('record_seq')
      .execute();
    return rows.map((r) => ({ record_seq: Number(r.record_seq), subsidy_fen: Number(r.subsidy_fen) }));
  }

  /** Every claim's granted and paid amounts, for the ledger check. */
  async amounts(): Promise<{ id: string; state: string; computed_fen: bigint; granted_fen: bigint; paid_fen: bigint; clawed_back_fen: bigint }[]> {
    const rows = await this.db
      .selectFrom('claims')
      .select(['id', 'state', 'computed_fen', 'granted_fen', 'paid_fen', 'clawed_back_fen'])
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      state: r.state,
      computed_fen: BigInt(r.computed_fen),
      granted_fen: BigInt(r.granted_fen),
      paid_fen: BigInt(r.paid_fen),
      clawed_back_fen: BigInt(r.clawed_back_fen),
    }));
  }

  private async event(
    tx: Tx,
    claim_id: string,
    action: string,
    from: string | null,
    to: string,
    actor: Actor,
    reason: string | null,
    amount_fen: bigint | null,
    at_ms: number,
  ) {
    await tx
      .insertInto('claim_events')
      .values({ claim_id, action, from_state: from, to_state: to, actor_org_id: actor.org_id, actor_key_id: actor.key_id, reason, amount_fen, at_ms })
      .execute();
  }

  /**
   * One transition in one write transaction: the claim row is locked, the state checked, the ledger moved, the claim
   * updated and the event recorded — all or nothing.
   */
  async transition(id: string, action: ClaimActionAny, actor: Actor, now_ms: number, options: TransitionOptions = {}): Promise<TransitionResult> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const row = await lockRows(tx.selectFrom('claims').selectAll().where('id', '=', id), engine).executeTakeFirst();
      if (!row) return { status: 'not_found' } as const;
      const claim = toClaim(row);
      const reason = options.reason ?? null;
      // A payment sent again under its idempotency key is a no-op answering the claim as it is, also when the first one
      // paid it in full (now paid) or used up the stage (nothing payable now). Client keys get their own namespace, so
      // that a numeric key can never equal the key of a later unkeyed payment (pay:<id>:<paid_fen>).
      // The key is bound to the request it first came with (its digest): the same key with another body is refused,
      // never answered with the first payment's result. Payments stored before digests were kept are not compared.
      const pay_key = action === 'pay' && options.idempotency_key ? `pay:${id}:key:${options.idempotency_key}` : null;
      const earlier =
        pay_key === null ? undefined : await tx.selectFrom('ledger_transfers').select(['key', 'request_digest']).where('key', '=', pay_key).executeTakeFirst();
      if (earlier !== undefined) {
        if (earlier.request_digest !== null && options.request_digest != null && earlier.request_digest !== options.request_digest) {
          return { status: 'idempotency_key_reused', idempotency_key: options.idempotency_key! } as const;
        }
        return { status: 'ok', claim } as const;
      }
      if (options.amount_fen != null && !(options.amount_fen > 0n && options.amount_fen <= fen_max)) {
        throw new Error(`claim ${id}: an amount must be a positive whole number of fen`); // the routes never let one through
      }
      // The facts the decision needs, read under the locks that keep them true until the commit.
      const facts: TransitionFacts = { amount_fen: options.amount_fen ?? null, override_reason: options.override_reason ?? null };
      const allowed = claimTransition(claim.state, action);
      if (allowed.status === 'ok' && (action === 'approve' || action === 'pay' || action === 'claw_back')) {
        const program = options.program;
        if (!program) throw new Error(`${action} needs the program`);
        facts.program = program;
        if (action === 'approve') {
          // Open high-severity findings on the claim's records (they block approval unless the office overrides in
          // writing), read before the budget's lock is waited for, as the office saw them when it approved.
          const open = await tx
            .selectFrom('claim_records as cr')
            .innerJoin('finding_records as fr', 'fr.record_seq', 'cr.record_seq')
            .innerJoin('findings as f', 'f.id', 'fr.finding_id')
            .select('f.id')
            .distinct()
            .where('cr.claim_id', '=', id)
            .where('f.status', '=', 'open')
            .where('f.severity', '=', 'high')
            .orderBy('f.id')
            .execute();
          facts.open_high_findings = open.map((f) => f.id);
        }
        // Lock the program's available budget: approvals of one program (and so the caps of each beneficiary) are
        // decided one at a time, whatever the number of processes; a claw-back takes it first too, so that the two
        // never wait on each other in a cycle.
        if (action === 'approve' || action === 'claw_back') {
          const available = await lockRows(
            tx.selectFrom('ledger_accounts').select('balance_fen').where('id', '=', accountId(program.id, 'available')),
            engine,
          ).executeTakeFirst();
          facts.budget_available_fen = BigInt(available?.balance_fen ?? 0);
        }
        if (action === 'approve')
          facts.granted_before = await this.grantedBeforeIn(tx, program.id, claim.beneficiary_id, this.calendar().year(claim.period_start_ms), id);
      }
      const d = decideTransition(claim, action, facts);
      if (d.status !== 'ok') return d;

      if (d.frees_records) await tx.deleteFrom('claim_records').where('claim_id', '=', id).execute(); // the records are free again
      for (const t of d.transfers) {
        const program = options.program!;
        const key = t.kind === 'pay' ? (pay_key ?? `pay:${id}:${claim.paid_fen}`) : `${t.kind}:${id}`;
        const moved = await applyTransfer(
          tx,
          engine,
          actor,
          { key, kind: t.kind, program_id: program.id, claim_id: id, beneficiary_id: claim.beneficiary_id, amount_fen: t.amount_fen },
          now_ms,
        );
        if (moved === 'duplicate' && t.kind === 'pay') return { status: 'ok', claim } as const; // the same payment again: a no-op
        if (moved !== 'applied') throw new Error(`${t.kind} transfer of ${id}: ${moved}`); // the row locks make it impossible
        if (t.kind === 'pay' && pay_key !== null && options.request_digest != null) {
          await tx.updateTable('ledger_transfers').set({ request_digest: options.request_digest }).where('key', '=', pay_key).execute();
        }
      }
      const set: Partial<ClaimsTable> = { state: d.state, updated_at_ms: now_ms };
      if (d.changes.granted_fen !== undefined) set.granted_fen = d.changes.granted_fen;
      if (d.changes.paid_fen !== undefined) set.paid_fen = d.changes.paid_fen;
      if (d.changes.clawed_back_fen !== undefined) set.clawed_back_fen = d.changes.clawed_back_fen;
      if (d.changes.progress_report_accepted !== undefined) set.progress_report_accepted = d.changes.progress_report_accepted ? 1 : 0;
      if (d.approval !== null) set.explanation = explanationJson({ ...claim.explanation, approval: d.approval });
      const amount = d.amount_fen;
      const overridden =
        d.overridden_findings.length === 0 ? null : `override of open findings ${d.overridden_findings.join(', ')}: ${options.override_reason}`;
      const updated = await tx.updateTable('claims').set(set).where('id', '=', id).where('state', '=', claim.state).executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new Error(`claim ${id} changed under its lock`);
      const recorded = overridden === null ? reason : reason === null ? overridden : `${reason}; ${overridden}`;
      await this.event(tx, id, action, claim.state, d.state, actor, recorded, amount, now_ms);
      const after = toClaim(await tx.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
      if (overridden !== null) {
        await appendAudit(
          tx,
          engine,
          actor,
          {
            action: 'claim.override_findings',
            subject: { kind: 'claim', id },
            after: { finding_ids: d.overridden_findings, reason: options.override_reason ?? null },
          },
          now_ms,
        );
      }
      if (action === 'accept_progress_report') {
        await appendAudit(
          tx,
          engine,
          actor,
          {
            action: 'claim.accept_progress_report',
            subject: { kind: 'claim', id },
            before: { progress_report_accepted: claim.progress_report_accepted },
            after: { progress_report_accepted: true, reason },
          },
          now_ms,
        );
      } else {
        const summary = (c: Claim) => ({ state: c.state, granted_fen: c.granted_fen, paid_fen: c.paid_fen, clawed_back_fen: c.clawed_back_fen });
        await appendAudit(
          tx,
          engine,
          actor,
          { action: `claim.${action}`, subject: { kind: 'claim', id }, before: summary(claim), after: { ...summary(after), amount_fen: amount, reason } },
          now_ms,
        );
      }
      return { status: 'ok', claim: after } as const;
    });
  }

  /** What the program granted the beneficiary before, but for `exclude` (decide.ts grantedBefore sums it). */
  private async grantedBeforeIn(tx: Tx, program_id: string, beneficiary_id: string, year: number, exclude: string) {
    const rows = await tx
      .selectFrom('claims')
      .select(['granted_fen', 'period_start_ms'])
      .where('program_id', '=', program_id)
      .where('beneficiary_id', '=', beneficiary_id)
      .where('state', 'in', [...granting_states])
      .where('id', '<>', exclude)
      .execute();
    return grantedBefore(
      rows.map((r) => ({ granted_fen: BigInt(r.granted_fen), year: this.calendar().year(Number(r.period_start_ms)) })),
      year,
    );
  }
}
