// The ledger's storage: transfers under a unique idempotency key, and balances moved in the same transaction.
// A debit that would take an account below zero (all but funding) changes nothing and reports insufficient funds.
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import { accountId, transferAccounts, type Transfer, type TransferKind } from '../domain/ledger/ledger.js';
import type { Database, LedgerTransfersTable } from './schema.js';
import type { Tx } from './write-transaction.js';
import { appendAudit, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import type { Engine } from './engine.js';
import { fen_max } from '../domain/money/fen.js';
import { readFenSum, sumFen } from './exact-sum.js';

export type TransferOutcome = 'applied' | 'duplicate' | 'insufficient_funds';

/** A transfer as stored: the domain's transfer with its ledger position (id), program and time. */
export type StoredTransfer = Transfer & { id: number; program_id: string; at_ms: number };

/**
 * The most transfers one `transfersInPeriod` call answers: a ledger statement's rows, which is one export's section
 * (report_rows_max in src/report/report.ts; a test holds the two together). The caller asks for at most this many.
 */
export const period_transfers_max = 100_000;

export interface TransferRequest {
  key: string;
  kind: TransferKind;
  program_id: string;
  claim_id: string | null;
  beneficiary_id: string | null;
  amount_fen: bigint;
}

async function ensureAccount(tx: Tx, id: string, program_id: string, kind: string, beneficiary_id: string | null): Promise<void> {
  await tx
    .insertInto('ledger_accounts')
    .values({ id, program_id, kind, beneficiary_id, balance_fen: 0n })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

function kindOf(account: string): { kind: string; beneficiary_id: string | null } {
  const parts = account.split(':');
  return parts[1] === 'payable' ? { kind: 'payable', beneficiary_id: parts.slice(2).join(':') } : { kind: parts[1] ?? '', beneficiary_id: null };
}

/** Applies one transfer inside the caller's write transaction. */
export async function applyTransfer(tx: Tx, engine: Engine, actor: AuditActor, t: TransferRequest, at_ms: number): Promise<TransferOutcome> {
  // No balance passes the program's budget (at most fen_max), so a credit never overflows the int8 column.
  if (typeof t.amount_fen !== 'bigint' || t.amount_fen <= 0n || t.amount_fen > fen_max)
    throw new Error(`transfer ${t.key}: amount must be a positive integer of at most ${fen_max} fen`);
  const { debit, credit } = transferAccounts(t.kind, t.program_id, t.beneficiary_id);
  for (const account of [debit, credit]) {
    const k = kindOf(account);
    await ensureAccount(tx, account, t.program_id, k.kind, k.beneficiary_id);
  }
  const inserted = await tx
    .insertInto('ledger_transfers')
    .values({
      key: t.key,
      kind: t.kind,
      program_id: t.program_id,
      claim_id: t.claim_id,
      debit_account: debit,
      credit_account: credit,
      amount_fen: t.amount_fen,
      at_ms,
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return 'duplicate';
  // One statement checks and moves: no read-then-write gap for a concurrent approval to slip through.
  const debited = await tx
    .updateTable('ledger_accounts')
    .set({ balance_fen: sql`balance_fen - ${t.amount_fen}` })
    .where('id', '=', debit)
    .where((eb) => eb.or([eb('kind', '=', 'funding'), eb('balance_fen', '>=', t.amount_fen)]))
    .executeTakeFirst();
  if (Number(debited.numUpdatedRows) !== 1) {
    // Undo the transfer row: the caller decides whether to roll the whole transaction back.
    await tx.deleteFrom('ledger_transfers').where('key', '=', t.key).execute();
    return 'insufficient_funds';
  }
  await tx
    .updateTable('ledger_accounts')
    .set({ balance_fen: sql`balance_fen + ${t.amount_fen}` })
    .where('id', '=', credit)
    .execute();
  await appendAudit(
    tx,
    engine,
    actor,
    {
      action: 'ledger.transfer',
      subject: { kind: 'transfer', id: t.key },
      after: { kind: t.kind, program_id: t.program_id, claim_id: t.claim_id, debit, credit, amount_fen: t.amount_fen },
    },
    at_ms,
  );
  return 'applied';
}

function toStoredTransfer(r: Selectable<LedgerTransfersTable>): StoredTransfer {
  return {
    id: Number(r.id),
    key: r.key,
    kind: r.kind as TransferKind,
    debit: r.debit_account,
    credit: r.credit_account,
    amount_fen: BigInt(r.amount_fen),
    claim_id: r.claim_id,
    program_id: r.program_id,
    at_ms: Number(r.at_ms),
  };
}

export class LedgerRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  async balances(program_id?: string): Promise<Map<string, bigint>> {
    let q = this.db.selectFrom('ledger_accounts').select(['id', 'balance_fen']).orderBy('id');
    if (program_id !== undefined) q = q.where('program_id', '=', program_id);
    return new Map((await q.execute()).map((r) => [r.id, BigInt(r.balance_fen)]));
  }

  async accounts(program_id: string): Promise<{ id: string; kind: string; beneficiary_id: string | null; balance_fen: bigint }[]> {
    const rows = await this.db
      .selectFrom('ledger_accounts')
      .select(['id', 'kind', 'beneficiary_id', 'balance_fen'])
      .where('program_id', '=', program_id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ ...r, balance_fen: BigInt(r.balance_fen) }));
  }

  async transfers(filter: { program_id?: string; claim_id?: string } = {}): Promise<StoredTransfer[]> {
    let q = this.db.selectFrom('ledger_transfers').selectAll().orderBy('id');
    if (filter.program_id !== undefined) q = q.where('program_id', '=', filter.program_id);
    if (filter.claim_id !== undefined) q = q.where('claim_id', '=', filter.claim_id);
    return (await q.execute()).map(toStoredTransfer);
  }

  /**
   * A program's transfers with at_ms in [from_ms, to_ms) (from_ms null: since the first), in ledger (id) order, at most
   * `rows_max` of them; `more` says the period holds further transfers, so the caller refuses rather than cut short.
   */
  async transfersInPeriod(
    period: { program_id: string; from_ms: number | null; to_ms: number },
    rows_max: number,
  ): Promise<{ transfers: StoredTransfer[]; more: boolean }> {
    if (!Number.isSafeInteger(rows_max) || rows_max < 1 || rows_max > period_transfers_max)
      throw new Error(`rows_max must be an integer in [1, ${period_transfers_max}]`);
    let q = this.db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('program_id', '=', period.program_id)
      .where('at_ms', '<', period.to_ms)
      .orderBy('id')
      .limit(rows_max + 1);
    if (period.from_ms !== null) q = q.where('at_ms', '>=', period.from_ms);
    const rows = await q.execute();
    return { transfers: rows.slice(0, rows_max).map(toStoredTransfer), more: rows.length > rows_max };
  }

  /** The program's available budget just before `before_ms`: the net of every change to its available account until then. */
  async availableBefore(program_id: string, before_ms: number): Promise<bigint> {
    const available = accountId(program_id, 'available');
    const change = sql`(case when credit_account = ${available} then amount_fen else 0 end) - (case when debit_account = ${available} then amount_fen else 0 end)`;
    const r = await this.db
      .selectFrom('ledger_transfers')
      .select(sumFen(this.connection.engine, change).as('change_fen'))
      .where('program_id', '=', program_id)
      .where('at_ms', '<', before_ms)
      .where((eb) => eb.or([eb('credit_account', '=', available), eb('debit_account', '=', available)]))
      .executeTakeFirstOrThrow();
    return readFenSum(r.change_fen);
  }
}
