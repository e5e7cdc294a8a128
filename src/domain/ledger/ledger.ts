// Double-entry budget ledger. Every movement is a transfer that debits one account and credits another by the same
// positive integer amount, under an idempotency key. Accounts per program: funding (the source: its balance is minus
// the budget granted), available, paid; per program and beneficiary: payable (approved, not yet paid; the program's
// "reserved" is the sum of its payables). Balances are signed: a transfer subtracts from the debit account and adds
// to the credit account, so all balances always sum to zero. Amounts and balances are bigints: a balance may pass 2^53
// fen, and the store holds up to 2^63 − 1 (fen_max).
import { fen_max } from '../money/fen.js';

export type AccountKind = 'funding' | 'available' | 'paid' | 'payable';
export type TransferKind = 'fund' | 'approve' | 'pay' | 'release' | 'recover';

export function accountId(program_id: string, kind: AccountKind, beneficiary_id?: string): string {
  if (kind === 'payable') {
    if (beneficiary_id === undefined) throw new Error('a payable account belongs to a beneficiary');
    return `${program_id}:payable:${beneficiary_id}`;
  }
  return `${program_id}:${kind}`;
}

/** Which accounts each kind of transfer moves money between. */
export function transferAccounts(kind: TransferKind, program_id: string, beneficiary_id: string | null): { debit: string; credit: string } {
  const b = beneficiary_id ?? undefined;
  switch (kind) {
    case 'fund':
      return { debit: accountId(program_id, 'funding'), credit: accountId(program_id, 'available') };
    case 'approve':
      return { debit: accountId(program_id, 'available'), credit: accountId(program_id, 'payable', b) };
    case 'pay':
      return { debit: accountId(program_id, 'payable', b), credit: accountId(program_id, 'paid') };
    case 'release':
      return { debit: accountId(program_id, 'payable', b), credit: accountId(program_id, 'available') };
    case 'recover':
      return { debit: accountId(program_id, 'paid'), credit: accountId(program_id, 'available') };
  }
}

export interface Transfer {
  key: string;
  kind: TransferKind;
  debit: string;
  credit: string;
  amount_fen: bigint;
  claim_id: string | null;
}

/** Accounts that may never go below zero (funding is the only one that runs negative). */
export function mayGoNegative(account: string): boolean {
  return account.endsWith(':funding');
}

export interface LedgerProblem {
  code: 'unbalanced' | 'negative_balance' | 'balance_mismatch' | 'claim_mismatch';
  subject: string;
  message: string;
}

/**
 * Checks the ledger's invariants from its transfers and stored balances: everything sums to zero; no account but
 * funding below zero; stored balances equal the sums of the transfers; each claim's granted amount equals its
 * approve − release − recover transfers, and its paid amount its pay − recover transfers.
 */
export function checkLedger(
  transfers: readonly Transfer[],
  balances: ReadonlyMap<string, bigint>,
  claims: readonly { id: string; granted_fen: bigint; paid_fen: bigint }[],
): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  const derived = new Map<string, bigint>();
  const per_claim = new Map<string, { granted: bigint; paid: bigint }>();
  for (const t of transfers) {
    if (t.amount_fen <= 0n || t.amount_fen > fen_max || t.debit === t.credit) {
      problems.push({ code: 'unbalanced', subject: t.key, message: `transfer ${t.key} is malformed` });
    }
    derived.set(t.debit, (derived.get(t.debit) ?? 0n) - t.amount_fen);
    derived.set(t.credit, (derived.get(t.credit) ?? 0n) + t.amount_fen);
    if (t.claim_id !== null) {
      const c = per_claim.get(t.claim_id) ?? { granted: 0n, paid: 0n };
      if (t.kind === 'approve') c.granted += t.amount_fen;
      if (t.kind === 'release' || t.kind === 'recover') c.granted -= t.amount_fen;
      if (t.kind === 'pay') c.paid += t.amount_fen;
      if (t.kind === 'recover') c.paid -= t.amount_fen;
      per_claim.set(t.claim_id, c);
    }
  }
  let sum = 0n;
  for (const [account, balance] of balances) {
    sum += balance;
    if (balance < 0n && !mayGoNegative(account)) problems.push({ code: 'negative_balance', subject: account, message: `${account} is ${balance} fen` });
    if ((derived.get(account) ?? 0n) !== balance)
      problems.push({
        code: 'balance_mismatch',
        subject: account,
        message: `${account} holds ${balance} fen, its transfers sum to ${derived.get(account) ?? 0n}`,
      });
  }
  for (const [account, balance] of derived) {
    if (!balances.has(account) && balance !== 0n)
      problems.push({ code: 'balance_mismatch', subject: account, message: `${account} has transfers summing to ${balance} fen but no balance` });
  }
  if (sum !== 0n) problems.push({ code: 'unbalanced', subject: 'ledger', message: `balances sum to ${sum} fen, not 0` });
  for (const c of claims) {
    const t = per_claim.get(c.id) ?? { granted: 0n, paid: 0n };
    if (t.granted !== c.granted_fen || t.paid !== c.paid_fen) {
      problems.push({
        code: 'claim_mismatch',
        subject: c.id,
        message: `claim ${c.id} says granted ${c.granted_fen} / paid ${c.paid_fen} fen, its transfers ${t.granted} / ${t.paid}`,
      });
    }
  }
  return problems;
}
