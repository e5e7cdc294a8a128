// decideTransition without a database: every (state, action) pair, the refusals with their parameters, and the
// invariants over random sequences of actions against one budget (never overspent, paid ≤ granted, a claw-back
// recovers at most what was paid, amounts never below zero).
import { describe, expect, it } from 'vitest';
import { claim_states, type ClaimActionAny, type ClaimState } from './claim-state.js';
import { decideTransition, grantedBefore, type ClaimFigures, type ProgramLimits, type TransitionFacts } from './decide.js';

const actions: ClaimActionAny[] = ['submit', 'withdraw', 'approve', 'reject', 'pay', 'claw_back', 'accept_progress_report'];
const program: ProgramLimits = { first_stage_bp: 6000, cap_share_bp: null, cap_fen: null, cap_fen_year: null };
const claim = (over: Partial<ClaimFigures> = {}): ClaimFigures => ({
  state: 'draft',
  computed_fen: 10_000n,
  base_fen: 40_000n,
  granted_fen: 0n,
  paid_fen: 0n,
  clawed_back_fen: 0n,
  progress_report_accepted: false,
  ...over,
});
const facts: TransitionFacts = { program, budget_available_fen: 1_000_000n, granted_before: { granted_fen: 0n, granted_fen_year: 0n }, open_high_findings: [] };
/** A claim in `state` with figures that state can have. */
const inState = (state: ClaimState): ClaimFigures => {
  switch (state) {
    case 'approved':
      return claim({ state, granted_fen: 10_000n });
    case 'paid':
      return claim({ state, granted_fen: 10_000n, paid_fen: 10_000n, progress_report_accepted: true });
    case 'clawed_back':
      return claim({ state, granted_fen: 0n, clawed_back_fen: 10_000n });
    default:
      return claim({ state });
  }
};

describe('decideTransition: every state × action', () => {
  const allowed: Record<ClaimActionAny, readonly ClaimState[]> = {
    submit: ['draft'],
    withdraw: ['draft', 'submitted'],
    approve: ['submitted'],
    reject: ['submitted'],
    pay: ['approved'],
    claw_back: ['approved', 'paid'],
    accept_progress_report: ['approved', 'paid'],
  };
  for (const state of claim_states) {
    for (const action of actions) {
      it(`${action} on a ${state} claim`, () => {
        const d = decideTransition(inState(state), action, facts);
        if (!allowed[action].includes(state)) {
          expect(d).toEqual({ status: 'illegal_transition', state, allowed_from: allowed[action] });
          return;
        }
        expect(d.status).toBe('ok');
        if (d.status !== 'ok') return;
        const expected_state: Record<ClaimActionAny, ClaimState> = {
          submit: 'submitted',
          withdraw: 'withdrawn',
          approve: 'approved',
          reject: 'rejected',
          pay: 'approved',
          claw_back: 'clawed_back',
          accept_progress_report: state,
        };
        expect(d.state).toBe(expected_state[action]);
        expect(d.frees_records).toBe(action === 'withdraw' || action === 'reject');
      });
    }
  }
});

describe('decideTransition: amounts', () => {
  it('approve grants the computed amount, cut by caps and the budget, and reserves it', () => {
    expect(decideTransition(claim({ state: 'submitted' }), 'approve', facts)).toMatchObject({
      state: 'approved',
      changes: { granted_fen: 10_000n },
      transfers: [{ kind: 'approve', amount_fen: 10_000n }],
      amount_fen: 10_000n,
      approval: { computed_fen: 10_000n, cuts: [], granted_fen: 10_000n },
    });
    const capped = decideTransition(claim({ state: 'submitted' }), 'approve', {
      ...facts,
      program: { ...program, cap_share_bp: 2000, cap_fen: 12_000n },
      granted_before: { granted_fen: 5_000n, granted_fen_year: 0n },
      budget_available_fen: 6_000n,
    });
    expect(capped).toMatchObject({ changes: { granted_fen: 6_000n }, transfers: [{ kind: 'approve', amount_fen: 6_000n }] });
    expect(capped.status === 'ok' && capped.approval!.cuts.map((c) => [c.kind, c.limit_fen])).toEqual([
      ['share_cap', 8_000n],
      ['program_cap', 7_000n],
      ['budget', 6_000n],
    ]);
  });

  it('approve is refused on an empty budget and on open findings without an override; an override is recorded', () => {
    expect(decideTransition(claim({ state: 'submitted' }), 'approve', { ...facts, budget_available_fen: 0n })).toEqual({
      status: 'budget_exhausted',
      available_fen: 0n,
    });
    expect(decideTransition(claim({ state: 'submitted' }), 'approve', { ...facts, open_high_findings: ['fnd_1'] })).toEqual({
      status: 'open_findings',
      finding_ids: ['fnd_1'],
    });
    expect(
      decideTransition(claim({ state: 'submitted' }), 'approve', { ...facts, open_high_findings: ['fnd_1'], override_reason: 'checked on site' }),
    ).toMatchObject({ status: 'ok', overridden_findings: ['fnd_1'] });
    // a grant cut to nothing by a cap, with budget left, is an approval of 0 (no transfer)
    expect(
      decideTransition(claim({ state: 'submitted' }), 'approve', {
        ...facts,
        program: { ...program, cap_fen: 5_000n },
        granted_before: { granted_fen: 5_000n, granted_fen_year: 0n },
      }),
    ).toMatchObject({ status: 'ok', changes: { granted_fen: 0n }, transfers: [], amount_fen: 0n });
  });

  it('pay: the first stage, then the rest once the progress report is accepted; paid when paid in full', () => {
    const approved = claim({ state: 'approved', granted_fen: 10_001n });
    expect(decideTransition(approved, 'pay', facts)).toMatchObject({
      state: 'approved',
      changes: { paid_fen: 6_000n },
      transfers: [{ kind: 'pay', amount_fen: 6_000n }],
    });
    expect(decideTransition({ ...approved, paid_fen: 6_000n }, 'pay', facts)).toEqual({ status: 'nothing_payable', reason: 'awaiting_progress_report' });
    expect(decideTransition({ ...approved, paid_fen: 6_000n, progress_report_accepted: true }, 'pay', { ...facts, amount_fen: 5_000n })).toEqual({
      status: 'amount_too_large',
      amount_fen_max: 4_001n,
    });
    expect(decideTransition({ ...approved, paid_fen: 6_000n, progress_report_accepted: true }, 'pay', facts)).toMatchObject({
      state: 'paid',
      changes: { paid_fen: 10_001n },
      amount_fen: 4_001n,
    });
    expect(decideTransition(claim({ state: 'approved', granted_fen: 0n }), 'pay', facts)).toEqual({ status: 'nothing_payable', reason: 'paid_in_full' });
  });

  it('claw back releases the unpaid part and recovers what is asked, at most what was paid', () => {
    const partly = claim({ state: 'approved', granted_fen: 10_000n, paid_fen: 6_000n });
    expect(decideTransition(partly, 'claw_back', { amount_fen: 7_000n })).toEqual({ status: 'amount_too_large', amount_fen_max: 6_000n });
    expect(decideTransition(partly, 'claw_back', { amount_fen: 2_000n })).toMatchObject({
      state: 'clawed_back',
      transfers: [
        { kind: 'release', amount_fen: 4_000n },
        { kind: 'recover', amount_fen: 2_000n },
      ],
      amount_fen: 6_000n,
      changes: { granted_fen: 4_000n, paid_fen: 4_000n, clawed_back_fen: 6_000n },
    });
    expect(decideTransition(partly, 'claw_back', {})).toMatchObject({ changes: { granted_fen: 0n, paid_fen: 0n, clawed_back_fen: 10_000n } });
  });

  it('sums what was granted before, over the program and in the year', () => {
    expect(
      grantedBefore(
        [
          { granted_fen: 5n, year: 2026 },
          { granted_fen: 7n, year: 2025 },
          { granted_fen: 2n ** 70n, year: 2026 },
        ],
        2026,
      ),
    ).toEqual({ granted_fen: 2n ** 70n + 12n, granted_fen_year: 2n ** 70n + 5n });
  });
});

describe('decideTransition: invariants over random sequences against one budget', () => {
  it('never overspends, pays at most what was granted, recovers at most what was paid', () => {
    let seed = 20261207;
    const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const budget = BigInt(Math.floor(rnd() * 50_000));
      let available = budget;
      let reserved = 0n; // granted and not yet paid or released
      let paid_out = 0n;
      const claims = Array.from({ length: 4 }, () => claim({ computed_fen: BigInt(Math.floor(rnd() * 20_000)), base_fen: 100_000n }));
      for (let step = 0; step < 40; step++) {
        const i = Math.floor(rnd() * claims.length);
        const c = claims[i]!;
        const action = actions[Math.floor(rnd() * actions.length)]!;
        const amount = rnd() < 0.5 ? null : BigInt(1 + Math.floor(rnd() * 12_000));
        const d = decideTransition(c, action, {
          program,
          budget_available_fen: available,
          granted_before: { granted_fen: 0n, granted_fen_year: 0n },
          open_high_findings: [],
          amount_fen: amount,
        });
        if (d.status !== 'ok') continue;
        for (const t of d.transfers) {
          expect(t.amount_fen).toBeGreaterThan(0n);
          if (t.kind === 'approve') {
            available -= t.amount_fen;
            reserved += t.amount_fen;
          }
          if (t.kind === 'pay') {
            reserved -= t.amount_fen;
            paid_out += t.amount_fen;
          }
          if (t.kind === 'release') {
            reserved -= t.amount_fen;
            available += t.amount_fen;
          }
          if (t.kind === 'recover') {
            paid_out -= t.amount_fen;
            available += t.amount_fen;
          }
        }
        const next: ClaimFigures = { ...c, ...d.changes, state: d.state };
        claims[i] = next;
        expect(available).toBeGreaterThanOrEqual(0n); // never overspent
        expect(next.paid_fen).toBeLessThanOrEqual(next.granted_fen);
        expect(next.paid_fen).toBeGreaterThanOrEqual(0n);
        expect(next.granted_fen).toBeLessThanOrEqual(next.computed_fen);
        expect(available + reserved + paid_out).toBe(budget); // the budget is whole
        expect(reserved).toBe(claims.reduce((s, x) => s + (x.granted_fen - x.paid_fen), 0n));
      }
    }
  });
});
