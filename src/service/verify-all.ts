// Every verifier in one pass (`suanli verify`, and after `suanli restore`): the audit chain against its head, the
// ledger invariants, the ledger and claims against what the chain recorded, and every signed usage batch against what
// is stored. Each says what it checked and what failed.
import { checkLedger, type LedgerProblem } from '../domain/ledger/ledger.js';
import { LedgerChainCheck, type ChainLedgerProblem } from '../domain/ledger/chain-check.js';
import type { ChainVerdict } from '../domain/audit/chain.js';
import type { Store } from '../store/store.js';
import { verifySignedUsage } from './usage-verify.js';

export interface VerifyLine {
  check: 'audit' | 'ledger' | 'chain' | 'usage';
  ok: boolean;
  message: string;
}

/**
 * The ledger checked whole, reading transfers and claims once: its invariants (checkLedger), then the stored transfers
 * and claims against what the audit chain recorded of them (LedgerChainCheck). GET /ledger/check, `suanli ledger check`
 * and verifyAll all answer from this.
 */
export async function checkLedgerWhole(
  store: Store,
): Promise<{ transfers: number; claims: number; problems: (LedgerProblem | ChainLedgerProblem)[]; lines: VerifyLine[] }> {
  const transfers = await store.ledger.transfers();
  const claims = await store.claims.amounts();
  const invariants = checkLedger(transfers, await store.ledger.balances(), claims);
  const check = new LedgerChainCheck();
  for await (const e of store.audit.entries()) check.push(e);
  const chain = check.finish(transfers, claims);
  const lines: VerifyLine[] = [];
  if (invariants.length === 0) lines.push({ check: 'ledger', ok: true, message: `ledger holds: ${transfers.length} transfers, every invariant true` });
  for (const p of invariants) lines.push({ check: 'ledger', ok: false, message: `${p.code}: ${p.message}` });
  if (chain.problems.length === 0)
    lines.push({ check: 'chain', ok: true, message: `ledger and claims agree with the audit chain: ${chain.transfers} transfers, ${chain.claims} claims` });
  for (const p of chain.problems) lines.push({ check: 'chain', ok: false, message: `${p.code}: ${p.message}` });
  return { transfers: transfers.length, claims: claims.length, problems: [...invariants, ...chain.problems], lines };
}

/** The chain's own verdict as one line (`suanli audit verify` prints the same). */
export function auditLine(v: ChainVerdict & { head: { seq: number; hash: string } }): VerifyLine {
  return v.ok
    ? { check: 'audit', ok: true, message: `audit chain holds: ${v.entries} entries, head seq ${v.head.seq} ${v.head.hash}` }
    : { check: 'audit', ok: false, message: `audit chain BROKEN at seq ${v.first_bad_seq} (${v.problem}): ${v.message}` };
}

export async function verifyAll(store: Store): Promise<{ ok: boolean; lines: VerifyLine[] }> {
  const lines: VerifyLine[] = [];
  lines.push(auditLine(await store.audit.verify()));
  lines.push(...(await checkLedgerWhole(store)).lines);
  const u = await verifySignedUsage(store);
  for (const p of u.problems) lines.push({ check: 'usage', ok: false, message: `${p.code}: ${p.message}` });
  lines.push({
    check: 'usage',
    ok: u.problems.length === 0,
    message: `${u.batches} signed batches, ${u.records} records checked: ${u.problems.length === 0 ? 'all hold' : `${u.problems.length} problem(s)`}`,
  });
  return { ok: lines.every((l) => l.ok), lines };
}
