// The claim life cycle over the API on both engines: file, submit, approve (with cuts), staged pay, claw back, and the
// refusals (illegal transitions, tenancy, eligibility, records held once per funding layer).
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';

const now = Date.parse('2026-11-29T12:00:00Z');

function program(code: string, overrides: Record<string, unknown> = {}) {
  return {
    code,
    name_zh: '测试算力券',
    name_en: 'Test compute voucher',
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: `${code}-layer`,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: 100_000,
    first_stage_bp: 5000,
    rule_set: {
      effective_from: '2026-01-01T00:00:00Z',
      rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 }, ceiling_fen_per_card_hour: 2000 }],
    },
    ...overrides,
  };
}

describeEachEngine('claims over the API', (db) => {
  let api: TestApi;
  let p: Parties;
  let program_id: string;
  it('sets up a program and usage', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'claims');
    const res = await api.call('POST', '/api/v1/programs', { body: program('test-voucher') });
    expect(res.statusCode).toBe(201);
    program_id = res.json().id;
    // 8 × 910B × 6.5 h = 52 card-hours billed 124,800 fen; ceiling 2000 × 52 = 104,000 → 30% = 31,200
    // 1 × A800 1 h (foreign, earns nothing)
    const records = [
      usageRecord(p, 'u1'),
      usageRecord(p, 'u2', { accelerator: 'nvidia-a800-80gb-pcie', count: 1, ended_at: '2026-10-01T01:00:00Z', amount_fen: 1500 }),
    ];
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } })).json().accepted).toBe(2);
  });

  it('estimates, files, submits, approves, pays in stages, and checks the ledger', async () => {
    const period = { period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' };
    const est = await api.call('POST', `/api/v1/programs/${program_id}/estimate`, { key: p.enterprise_key, body: period });
    expect(est.statusCode).toBe(200);
    expect(est.json().explanation).toMatchObject({ computed_fen: '31200', granted_fen: '31200', unmatched: { records: 1, amount_fen: '1500' } });
    expect(est.json().explanation.lines[0]).toMatchObject({
      rule_id: 'domestic',
      records: 1,
      base_fen: '104000',
      ceiling_cut_fen: '20800',
      rate_bp: 3000,
      subsidy_fen: '31200',
    });

    const filed = await api.call('POST', '/api/v1/claims', { key: p.enterprise_key, body: { program_id, ...period } });
    expect(filed.statusCode).toBe(201);
    const claim = filed.json();
    expect(claim).toMatchObject({ state: 'draft', records: 2, computed_fen: '31200', granted_fen: '0' });
    // records are held: a second claim of the same layer finds nothing
    expect((await api.call('POST', '/api/v1/claims', { key: p.enterprise_key, body: { program_id, ...period } })).json().error).toMatchObject({
      code: 'no_records',
      params: {},
      details: [{ field: 'period_start' }],
    });

    // a refusal answers its named parameters beside the message written from them
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/approve`, { body: {} })).json()).toEqual({
      state: 'draft',
      error: {
        code: 'illegal_transition',
        message: 'the claim is draft; this needs submitted',
        details: [{ field: 'state', message: 'draft' }],
        params: { subject: 'claim', state: 'draft', allowed_from: ['submitted'] },
      },
    });
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/approve`, { key: p.enterprise_key, body: {} })).statusCode).toBe(403);
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/submit`, { key: p.enterprise_key, body: {} })).json().state).toBe('submitted');
    const approved = await api.call('POST', `/api/v1/claims/${claim.id}/approve`, { body: { reason: 'checked' } });
    expect(approved.json()).toMatchObject({ state: 'approved', granted_fen: '31200' });
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/approve`, { body: {} })).statusCode).toBe(409);

    // staged: half now, the rest after the progress report
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/pay`, { body: {} })).json()).toMatchObject({ state: 'approved', paid_fen: '15600' });
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/pay`, { body: {} })).json().error).toMatchObject({
      code: 'nothing_payable',
      params: { reason: 'awaiting_progress_report' },
      details: [{ field: 'amount_fen' }],
    });
    await api.call('POST', `/api/v1/claims/${claim.id}/accept-progress-report`, { body: {} });
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/pay`, { body: { amount_fen: 20_000 } })).json().error).toMatchObject({
      code: 'amount_too_large',
      message: 'at most 15600 fen',
      params: { reason: 'above_allowed', amount_fen_max: '15600' },
      details: [{ field: 'amount_fen', message: 'at most 15600 fen' }],
    });
    expect((await api.call('POST', `/api/v1/claims/${claim.id}/pay`, { body: {}, headers: { 'idempotency-key': 'pay-2' } })).json()).toMatchObject({
      state: 'paid',
      paid_fen: '31200',
    });

    const budget = (await api.call('GET', `/api/v1/programs/${program_id}`)).json().budget;
    expect(budget).toEqual({ budget_fen: '100000', available_fen: '68800', reserved_fen: '0', paid_fen: '31200' });

    const back = await api.call('POST', `/api/v1/claims/${claim.id}/claw-back`, { body: { reason: 'chips were not domestic', amount_fen: 10_000 } });
    expect(back.json()).toMatchObject({ state: 'clawed_back', granted_fen: '21200', paid_fen: '21200', clawed_back_fen: '10000' });
    expect((await api.call('GET', `/api/v1/programs/${program_id}`)).json().budget).toEqual({
      budget_fen: '100000',
      available_fen: '78800',
      reserved_fen: '0',
      paid_fen: '21200',
    });
    expect((await api.call('GET', '/api/v1/ledger/check')).json()).toEqual({ ok: true, problems: [] });

    const detail = (await api.call('GET', `/api/v1/claims/${claim.id}`, { key: p.enterprise_key })).json();
    expect(detail.events.map((e: { action: string }) => e.action)).toEqual([
      'create',
      'submit',
      'approve',
      'pay',
      'accept_progress_report',
      'pay',
      'claw_back',
    ]);
    expect(detail.events[6]).toMatchObject({ reason: 'chips were not domestic', amount_fen: '10000', from_state: 'paid', to_state: 'clawed_back' });
  });

  it('names the rule and field of a bad rule set', async () => {
    const bad = program('bad-voucher', {
      rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'x', match: {}, pay: { basis: 'bill', rate_bp: 12_000 } }] },
    });
    const res = await api.call('POST', '/api/v1/programs', { body: bad });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details[0].field).toBe('rule_set.rules[0] (x).pay.rate_bp');
  });
});

describeEachEngine('tier bonus over the whole period', (db) => {
  it('cannot be earned by filing domestic usage apart from foreign usage', async () => {
    const api = await testApi(db(), () => now);
    const p = await createParties(api, 'tier');
    const body = program('tier-voucher', {
      rule_set: {
        effective_from: '2026-01-01T00:00:00Z',
        rules: [
          { id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 1000 }, tier_bonus: { domestic_share_bp_min: 9000, bonus_bp: 1000 } },
        ],
      },
    });
    const program_id = (await api.call('POST', '/api/v1/programs', { body })).json().id;
    // October: 1 h of 8 × 910B (domestic, 320 TFLOPS) and 8 h of 16 × A800 (foreign): the domestic share is far below 90%
    await api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      body: {
        records: [
          usageRecord(p, 'd1', { ended_at: '2026-10-01T01:00:00Z', amount_fen: 10_000 }),
          usageRecord(p, 'f1', {
            accelerator: 'nvidia-a800-80gb-pcie',
            count: 16,
            started_at: '2026-10-02T00:00:00Z',
            ended_at: '2026-10-02T08:00:00Z',
            amount_fen: 100_000,
          }),
        ],
      },
    });
    // a claim over the first day only holds the domestic record, yet the share is of the whole period asked for
    const est = await api.call('POST', `/api/v1/programs/${program_id}/estimate`, {
      key: p.enterprise_key,
      body: { period_start: '2026-10-01T00:00:00Z', period_end: '2026-10-03T00:00:00Z' },
    });
    expect(est.json().explanation.lines[0]).toMatchObject({ rate_bp: 1000, subsidy_fen: '1000' });
    const day1 = await api.call('POST', `/api/v1/programs/${program_id}/estimate`, {
      key: p.enterprise_key,
      body: { period_start: '2026-10-01T00:00:00Z', period_end: '2026-10-02T00:00:00Z' },
    });
    expect(day1.json().explanation).toMatchObject({ domestic_share_bp: 10_000 });
    expect(day1.json().explanation.lines[0]).toMatchObject({ rate_bp: 2000, subsidy_fen: '2000' });
  });
});

describeEachEngine('what-if replay', (db) => {
  it('replays a candidate beside the current rules: totals, domestic/foreign split, vendors, net price, budget run-out', async () => {
    const api = await testApi(db(), () => now);
    const p = await createParties(api, 'sim');
    const program_id = (await api.call('POST', '/api/v1/programs', { body: program('sim-voucher', { budget_fen: 40_000 }) })).json().id;
    await api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      body: {
        records: [
          // 8 × 910B × 6.5 h (domestic), billed 124,800 fen; 1 × A800 1 h (foreign), billed 1,500 fen, next day
          usageRecord(p, 's1'),
          usageRecord(p, 's2', {
            accelerator: 'nvidia-a800-80gb-pcie',
            count: 1,
            started_at: '2026-10-02T00:00:00Z',
            ended_at: '2026-10-02T01:00:00Z',
            amount_fen: 1500,
          }),
        ],
      },
    });
    const res = await api.call('POST', `/api/v1/programs/${program_id}/simulate`, {
      body: {
        from: '2026-10-01T00:00:00Z',
        to: '2026-11-01T00:00:00Z',
        rules: [{ id: 'everything', match: {}, pay: { basis: 'bill', rate_bp: 5000 } }],
      },
    });
    expect(res.statusCode).toBe(200);
    const [current, candidate] = res.json().variants;
    // current: 30% of min(124,800, 2000 × 52 = 104,000) = 31,200 on domestic only
    expect(current).toMatchObject({
      label: 'current',
      rule_set_version: 1,
      beneficiaries: 1,
      computed_fen: '31200',
      granted_fen: '31200',
      domestic_fen: '31200',
      foreign_fen: '0',
      budget_runs_out_on: null,
    });
    // candidate: 50% of both bills: 62,400 + 750 = 63,150; past the 40,000 budget on the first day
    expect(candidate).toMatchObject({ label: 'candidate', computed_fen: '63150', domestic_fen: '62400', foreign_fen: '750', budget_runs_out_on: '2026-10-01' });
    expect(candidate.per_vendor).toEqual([
      { vendor: 'Huawei', fen: '62400' },
      { vendor: 'NVIDIA', fen: '750' },
    ]);
    expect(candidate.per_beneficiary).toEqual([{ beneficiary_id: p.enterprise_id, name: 'Enterprise sim', computed_fen: '63150', granted_fen: '63150' }]);
    // net price per PFLOP·h: (124,800 − 62,400) fen over 16.64 PFLOP·h = 3,750 fen
    expect(candidate.net_fen_per_pflop_h.domestic).toBe(3750);
    const bad = await api.call('POST', `/api/v1/programs/${program_id}/simulate`, {
      body: { from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', rules: [{ id: 'x', match: {}, pay: { basis: 'bill' } }] },
    });
    expect(bad.json().error.details[0].field).toBe('rules[0] (x).pay.rate_bp');
  });
});
