// The ledger and the claims against the audit chain (issue 13, F5): someone who can write the database can edit a
// transfer, the balances and the claim row consistently, so that every ledger invariant still holds and the chain —
// untouched — still verifies. But the chain recorded every transfer and every claim transition with its amounts when it
// happened: what is stored now must be what the chain says. Pure: the caller streams the entries in.
import type { AuditEntry } from '../audit/chain.js';

export interface StoredTransferFacts {
  key: string;
  kind: string;
  program_id: string;
  claim_id: string | null;
  debit: string;
  credit: string;
  amount_fen: bigint;
}
export interface StoredClaimFacts {
  id: string;
  state: string;
  computed_fen: bigint;
  granted_fen: bigint;
  paid_fen: bigint;
  clawed_back_fen: bigint;
}

export type ChainLedgerProblemCode =
  'transfer_not_in_chain' | 'transfer_missing' | 'transfer_differs' | 'claim_not_in_chain' | 'claim_missing' | 'claim_differs';
export interface ChainLedgerProblem {
  code: ChainLedgerProblemCode;
  subject: string;
  message: string;
}

/** Problems reported at most (the counts are always complete). */
export const chain_problems_max = 1000;

type Fields = Record<string, unknown>;
const fen = (v: unknown): bigint | null => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return null;
};

/** Collects what the chain says of transfers and claims, entry by entry; then compares with what is stored. */
export class LedgerChainCheck {
  private readonly transfers = new Map<string, Fields>();
  private readonly claims = new Map<string, Fields>();

  push(e: Pick<AuditEntry, 'action' | 'subject' | 'after'>): void {
    const after = e.after as Fields | null;
    if (after === null || typeof after !== 'object') return;
    if (e.action === 'ledger.transfer' && e.subject.kind === 'transfer') this.transfers.set(e.subject.id, after);
    else if (e.action.startsWith('claim.') && e.subject.kind === 'claim' && typeof after.state === 'string') {
      // the newest word on the claim: its state and, once decided, its amounts
      this.claims.set(e.subject.id, { ...(this.claims.get(e.subject.id) ?? {}), ...after });
    }
  }

  finish(transfers: Iterable<StoredTransferFacts>, claims: Iterable<StoredClaimFacts>): { transfers: number; claims: number; problems: ChainLedgerProblem[] } {
    const problems: ChainLedgerProblem[] = [];
    const add = (p: ChainLedgerProblem) => {
      if (problems.length < chain_problems_max) problems.push(p);
    };
    const seen = new Set<string>();
    let n_transfers = 0;
    for (const t of transfers) {
      n_transfers++;
      seen.add(t.key);
      const c = this.transfers.get(t.key);
      if (c === undefined) {
        add({
          code: 'transfer_not_in_chain',
          subject: t.key,
          message: `transfer ${t.key} (${t.amount_fen} fen) is stored but the audit chain never recorded it`,
        });
        continue;
      }
      const differs: string[] = [];
      if (fen(c.amount_fen) !== t.amount_fen) differs.push(`amount ${t.amount_fen} fen, the chain says ${String(c.amount_fen)}`);
      if (c.debit !== t.debit) differs.push(`debit ${t.debit}, the chain says ${String(c.debit)}`);
      if (c.credit !== t.credit) differs.push(`credit ${t.credit}, the chain says ${String(c.credit)}`);
      if (c.kind !== t.kind) differs.push(`kind ${t.kind}, the chain says ${String(c.kind)}`);
      if ((c.claim_id ?? null) !== t.claim_id) differs.push(`claim ${String(t.claim_id)}, the chain says ${String(c.claim_id)}`);
      if (differs.length > 0) add({ code: 'transfer_differs', subject: t.key, message: `transfer ${t.key}: stored ${differs.join('; ')}` });
    }
    for (const [key, c] of this.transfers) {
      if (!seen.has(key))
        add({
          code: 'transfer_missing',
          subject: key,
          message: `the audit chain recorded transfer ${key} of ${String(c.amount_fen)} fen, but it is not stored`,
        });
    }
    let n_claims = 0;
    const seen_claims = new Set<string>();
    for (const claim of claims) {
      n_claims++;
      seen_claims.add(claim.id);
      const c = this.claims.get(claim.id);
      if (c === undefined) {
        add({ code: 'claim_not_in_chain', subject: claim.id, message: `claim ${claim.id} is stored but the audit chain never recorded it` });
        continue;
      }
      const differs: string[] = [];
      if (c.state !== claim.state) differs.push(`state ${claim.state}, the chain says ${String(c.state)}`);
      if (c.computed_fen !== undefined && fen(c.computed_fen) !== claim.computed_fen)
        differs.push(`computed_fen ${claim.computed_fen}, the chain says ${String(c.computed_fen)}`);
      for (const field of ['granted_fen', 'paid_fen', 'clawed_back_fen'] as const) {
        // a claim still in draft has no decided amounts in the chain: they must be zero
        const said = c[field] === undefined ? 0n : fen(c[field]);
        if (said !== claim[field]) differs.push(`${field} ${claim[field]}, the chain says ${c[field] === undefined ? 0 : String(c[field])}`);
      }
      if (differs.length > 0) add({ code: 'claim_differs', subject: claim.id, message: `claim ${claim.id}: stored ${differs.join('; ')}` });
    }
    for (const [id, c] of this.claims) {
      if (!seen_claims.has(id))
        add({ code: 'claim_missing', subject: id, message: `the audit chain recorded claim ${id} (last ${String(c.state)}), but it is not stored` });
    }
    return { transfers: n_transfers, claims: n_claims, problems };
  }
}
