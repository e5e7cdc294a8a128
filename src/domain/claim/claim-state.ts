// The claim life cycle: draft → submitted → approved | rejected; draft | submitted → withdrawn; approved → paid;
// approved | paid → clawed_back. Transitions are values: an illegal one is an answer with the current state.

export const claim_states = ['draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'paid', 'clawed_back'] as const;
export type ClaimState = (typeof claim_states)[number];
export const claim_actions = ['submit', 'withdraw', 'approve', 'reject', 'pay', 'claw_back'] as const;
export type ClaimAction = (typeof claim_actions)[number];

const transitions: Record<ClaimAction, { from: readonly ClaimState[]; to: ClaimState }> = {
  submit: { from: ['draft'], to: 'submitted' },
  // A draft may be withdrawn too: it frees its records for another claim of the same funding layer.
  withdraw: { from: ['draft', 'submitted'], to: 'withdrawn' },
  approve: { from: ['submitted'], to: 'approved' },
  reject: { from: ['submitted'], to: 'rejected' },
  // A payment keeps the claim approved until it is paid in full (staged payment).
  pay: { from: ['approved'], to: 'paid' },
  claw_back: { from: ['approved', 'paid'], to: 'clawed_back' },
};

export type TransitionCheck = { status: 'ok'; to: ClaimState } | { status: 'illegal_transition'; state: ClaimState; allowed_from: readonly ClaimState[] };

export function checkTransition(state: ClaimState, action: ClaimAction): TransitionCheck {
  const t = transitions[action];
  return t.from.includes(state) ? { status: 'ok', to: t.to } : { status: 'illegal_transition', state, allowed_from: t.from };
}

/**
 * Staged payment: what may be paid now of a granted amount. `first_stage_bp` of it on approval, the rest once the
 * progress report is accepted. Floor on the first stage, so the stages always add up to the grant.
 */
export function payableNow(granted_fen: bigint, paid_fen: bigint, first_stage_bp: number, progress_report_accepted: boolean): bigint {
  const allowed = progress_report_accepted ? granted_fen : (granted_fen * BigInt(first_stage_bp)) / 10_000n;
  return allowed > paid_fen ? allowed - paid_fen : 0n;
}
