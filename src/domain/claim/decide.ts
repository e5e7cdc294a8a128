// The claim life cycle as one pure decision (issue 15): given a claim, an action and the facts the store read under
// its locks, decide the next state, the changes to the claim's amounts, the ledger transfers and what the audit
// records — or a refusal with its parameters. No repository, no connection, no I/O: the store locks, loads the facts,
// calls decideTransition and applies the plan in one transaction (src/store/claim-repository.ts).
//
// Invariants every plan keeps (test: decide.test.ts, over every (state, action) pair and random sequences):
// granted ≤ computed and ≤ the available budget at approval (never overspent); paid ≤ granted; a claw-back recovers at
// most what was paid; granted = paid + what is still reserved; amounts never go below zero.
import { applyCuts, type Cut } from '../policy/evaluate.js';
import type { ClaimState } from './claim-state.js';
import { claimTransition, payableNow, type ClaimActionAny } from './claim-state.js';

/** The claim as the decision needs it. */
export interface ClaimFigures {
  state: ClaimState;
  computed_fen: bigint;
  base_fen: bigint;
  granted_fen: bigint;
  paid_fen: bigint;
  clawed_back_fen: bigint;
  progress_report_accepted: boolean;
}

/** The program's limits that bind a claim. */
export interface ProgramLimits {
  first_stage_bp: number;
  cap_share_bp: number | null;
  cap_fen: bigint | null;
  cap_fen_year: bigint | null;
}

/** What the store read, under its locks, for the action at hand (only what the action needs). */
export interface TransitionFacts {
  program?: ProgramLimits;
  /** approve: the program's available budget now. */
  budget_available_fen?: bigint;
  /** approve: what the program granted the beneficiary before (all claims in a granting state but this one). */
  granted_before?: { granted_fen: bigint; granted_fen_year: bigint };
  /** approve: open high-severity findings on the claim's records. */
  open_high_findings?: readonly string[];
  /** approve: the office's written override of those findings. */
  override_reason?: string | null;
  /** pay, claw_back: the amount asked for (null: the most allowed). */
  amount_fen?: bigint | null;
}

export type TransferKind = 'approve' | 'pay' | 'release' | 'recover';

export interface TransitionPlan {
  status: 'ok';
  /** The claim's state after the action. */
  state: ClaimState;
  /** The claim's new figures (only those that change). */
  changes: Partial<Pick<ClaimFigures, 'granted_fen' | 'paid_fen' | 'clawed_back_fen' | 'progress_report_accepted'>>;
  /** Ledger transfers, in the order to apply them. */
  transfers: { kind: TransferKind; amount_fen: bigint }[];
  /** The amount the event and audit entry record (null: none moves). */
  amount_fen: bigint | null;
  /** approve: the cuts applied to the computed amount, for the explanation. */
  approval: { computed_fen: bigint; cuts: Cut[]; granted_fen: bigint } | null;
  /** approve: findings approved over, in writing. */
  overridden_findings: readonly string[];
  /** withdraw, reject: the claim's records are free for another claim of its funding layer. */
  frees_records: boolean;
}

export type NothingPayable = 'paid_in_full' | 'awaiting_progress_report';

export type TransitionRefusal =
  | { status: 'illegal_transition'; state: ClaimState; allowed_from: readonly ClaimState[] }
  | { status: 'open_findings'; finding_ids: readonly string[] }
  | { status: 'budget_exhausted'; available_fen: bigint }
  | { status: 'nothing_payable'; reason: NothingPayable }
  | { status: 'amount_too_large'; amount_fen_max: bigint };

export type TransitionDecision = TransitionPlan | TransitionRefusal;

function need<T>(value: T | undefined, what: string, action: ClaimActionAny): T {
  if (value === undefined) throw new Error(`decideTransition: ${action} needs ${what}`); // a caller's bug, never a user's
  return value;
}

const plan = (state: ClaimState, rest: Partial<Omit<TransitionPlan, 'status' | 'state'>> = {}): TransitionPlan => ({
  status: 'ok',
  state,
  changes: {},
  transfers: [],
  amount_fen: null,
  approval: null,
  overridden_findings: [],
  frees_records: false,
  ...rest,
});

/** The plan of `action` on `claim`, or why it is refused. */
export function decideTransition(claim: ClaimFigures, action: ClaimActionAny, facts: TransitionFacts = {}): TransitionDecision {
  const t = claimTransition(claim.state, action);
  if (t.status !== 'ok') return t;
  switch (action) {
    case 'submit':
      return plan(t.to);
    case 'withdraw':
    case 'reject':
      return plan(t.to, { frees_records: true });
    case 'accept_progress_report':
      return plan(t.to, { changes: { progress_report_accepted: true } });
    case 'approve': {
      const program = need(facts.program, 'the program', action);
      const available = need(facts.budget_available_fen, 'the available budget', action);
      const before = need(facts.granted_before, 'what was granted before', action);
      const open = facts.open_high_findings ?? [];
      if (open.length > 0 && !facts.override_reason) return { status: 'open_findings', finding_ids: open };
      const { cuts, granted_fen } = applyCuts(claim.computed_fen, claim.base_fen, {
        cap_share_bp: program.cap_share_bp,
        cap_fen: program.cap_fen,
        cap_fen_year: program.cap_fen_year,
        granted_fen: before.granted_fen,
        granted_fen_year: before.granted_fen_year,
        budget_available_fen: available,
      });
      if (granted_fen === 0n && available === 0n) return { status: 'budget_exhausted', available_fen: 0n };
      return plan(t.to, {
        changes: { granted_fen },
        transfers: granted_fen > 0n ? [{ kind: 'approve', amount_fen: granted_fen }] : [],
        amount_fen: granted_fen,
        approval: { computed_fen: claim.computed_fen, cuts, granted_fen },
        overridden_findings: open,
      });
    }
    case 'pay': {
      const program = need(facts.program, 'the program', action);
      const max = payableNow(claim.granted_fen, claim.paid_fen, program.first_stage_bp, claim.progress_report_accepted);
      if (max === 0n) return { status: 'nothing_payable', reason: claim.paid_fen >= claim.granted_fen ? 'paid_in_full' : 'awaiting_progress_report' };
      const pay = facts.amount_fen ?? max;
      if (pay > max) return { status: 'amount_too_large', amount_fen_max: max };
      const paid_fen = claim.paid_fen + pay;
      // Staged payment: the claim stays approved until it is paid in full.
      return plan(paid_fen === claim.granted_fen ? 'paid' : 'approved', {
        changes: { paid_fen },
        transfers: [{ kind: 'pay', amount_fen: pay }],
        amount_fen: pay,
      });
    }
    case 'claw_back': {
      const recover = facts.amount_fen ?? claim.paid_fen;
      if (recover > claim.paid_fen) return { status: 'amount_too_large', amount_fen_max: claim.paid_fen };
      const release = claim.granted_fen - claim.paid_fen; // the unpaid part goes back to the budget whole
      const transfers: TransitionPlan['transfers'] = [];
      if (release > 0n) transfers.push({ kind: 'release', amount_fen: release });
      if (recover > 0n) transfers.push({ kind: 'recover', amount_fen: recover });
      return plan(t.to, {
        changes: {
          granted_fen: claim.granted_fen - release - recover,
          paid_fen: claim.paid_fen - recover,
          clawed_back_fen: claim.clawed_back_fen + release + recover,
        },
        transfers,
        amount_fen: release + recover,
      });
    }
  }
}

/** What a beneficiary was granted before, from its claims in a granting state: over the program and in `year`. */
export function grantedBefore(claims: Iterable<{ granted_fen: bigint; year: number }>, year: number): { granted_fen: bigint; granted_fen_year: bigint } {
  let granted_fen = 0n;
  let granted_fen_year = 0n;
  for (const c of claims) {
    granted_fen += c.granted_fen;
    if (c.year === year) granted_fen_year += c.granted_fen;
  }
  return { granted_fen, granted_fen_year };
}
