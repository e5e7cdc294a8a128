// The claim life cycle: draft → submitted → approved | rejected; draft | submitted → withdrawn; approved → paid;
// approved | paid → clawed_back; and on an approved or paid claim, accepting its progress report (which keeps the
// state). Transitions are values: an illegal one is an answer with the current state. What an allowed action does
// to the claim's amounts and the ledger is decided by decideTransition (./decide.ts).

export const claim_states = ['draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'paid', 'clawed_back'] as const;
export type ClaimState = (typeof claim_states)[number];
export const claim_actions = ['submit', 'withdraw', 'approve', 'reject', 'pay', 'claw_back'] as const;
export type ClaimAction = (typeof claim_actions)[number];
/** Every action on a claim: the state changes, and accepting the progress report (staged payment's second stage). */
export type ClaimActionAny = ClaimAction | 'accept_progress_report';

/** `to: 'same'`: the action keeps the claim's state. */
const transitions: Record<ClaimActionAny, { from: readonly ClaimState[]; to: ClaimState | 'same' }> = {
  submit: { from: ['draft'], to: 'submitted' },
  // A draft may be withdrawn too: it frees its records for another claim of the same funding layer.
  withdraw: { from: ['draft', 'submitted'], to: 'withdrawn' },
  approve: { from: ['submitted'], to: 'approved' },
  reject: { from: ['submitted'], to: 'rejected' },
  // A payment keeps the claim approved until it is paid in full (staged payment).
  pay: { from: ['approved'], to: 'paid' },
  claw_back: { from: ['approved', 'paid'], to: 'clawed_back' },
  // The progress report releases the rest of the grant for payment.
  accept_progress_report: { from: ['approved', 'paid'], to: 'same' },
};

export type TransitionCheck = { status: 'ok'; to: ClaimState } | { status: 'illegal_transition'; state: ClaimState; allowed_from: readonly ClaimState[] };

/** Whether `action` is allowed in `state`, and the state it leads to (for pay: once paid in full). */
export function claimTransition(state: ClaimState, action: ClaimActionAny): TransitionCheck {
  const t = transitions[action];
  if (!t.from.includes(state)) return { status: 'illegal_transition', state, allowed_from: t.from };
  return { status: 'ok', to: t.to === 'same' ? state : t.to };
}

/**
 * Staged payment: what may be paid now of a granted amount. `first_stage_bp` of it on approval, the rest once the
 * progress report is accepted. Floor on the first stage, so the stages always add up to the grant.
 */
export function payableNow(granted_fen: bigint, paid_fen: bigint, first_stage_bp: number, progress_report_accepted: boolean): bigint {
  const allowed = progress_report_accepted ? granted_fen : (granted_fen * BigInt(first_stage_bp)) / 10_000n;
  return allowed > paid_fen ? allowed - paid_fen : 0n;
}
