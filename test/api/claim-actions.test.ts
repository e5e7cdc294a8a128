// Claim actions as clients really send them, on both engines (issue 12, F11): an action whose body is optional accepts
// no body at all (no Content-Type either), and an Idempotency-Key is bound to the body it first came with — the same
// key with another body answers 422 idempotency_key_reused instead of the first payment's result.
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError, expectFieldError } from '../support/routes.js';

const now = Date.parse('2026-11-29T12:00:00Z');

/** A claim answer's state and amounts (amounts as numbers, whether the wire carries them as numbers or strings). */
function claimOf(res: { statusCode: number; body: string; json(): unknown }) {
  expect(res.statusCode, res.body).toBe(200);
  const c = res.json() as { state: string; granted_fen: number | string; paid_fen: number | string; progress_report_accepted: boolean };
  return { state: c.state, granted_fen: Number(c.granted_fen), paid_fen: Number(c.paid_fen), progress_report_accepted: c.progress_report_accepted };
}

const program = (code: string) => ({
  code,
  name_zh: '测试算力券',
  name_en: 'Test compute voucher',
  kind: 'compute_rent',
  beneficiary_kind: 'enterprise',
  funding_layer: `${code}-layer`,
  window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
  budget_fen: 1_000_000,
  first_stage_bp: 5000,
  rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }] },
});

describeEachEngine('claim actions: optional bodies and idempotency keys', (db) => {
  let api: TestApi;
  let p: Parties;
  let program_id: string;
  /** A POST with no body and no Content-Type, as `curl -X POST` sends it. */
  const bare = (url: string, key?: string, headers: Record<string, string> = {}) => api.call('POST', url, { ...(key === undefined ? {} : { key }), headers });
  const fileClaim = async (month: string) => {
    const res = await api.call('POST', '/api/v1/claims', {
      key: p.enterprise_key,
      body: { program_id, period_start: `2026-${month}-01T00:00:00Z`, period_end: `2026-${String(Number(month) + 1).padStart(2, '0')}-01T00:00:00Z` },
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };

  it('sets up a program and two months of usage', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'actions');
    const res = await api.call('POST', '/api/v1/programs', { body: program('actions-voucher') });
    expect(res.statusCode, res.body).toBe(201);
    program_id = (res.json() as { id: string }).id;
    // 124,800 fen billed each month → 30 % = 37,440 fen computed
    const records = [usageRecord(p, 'sep-1', { started_at: '2026-09-01T00:00:00Z', ended_at: '2026-09-01T06:30:00Z' }), usageRecord(p, 'oct-1')];
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } })).json()).toMatchObject({ accepted: 2 });
  });

  it('accepts every action whose body is optional without a body or Content-Type', async () => {
    const claim = await fileClaim('10');
    expect(claimOf(await bare(`/api/v1/claims/${claim}/submit`, p.enterprise_key))).toMatchObject({ state: 'submitted' });
    expect(claimOf(await bare(`/api/v1/claims/${claim}/approve`))).toMatchObject({ state: 'approved', granted_fen: 37_440 });
    expect(claimOf(await bare(`/api/v1/claims/${claim}/pay`))).toMatchObject({ state: 'approved', paid_fen: 18_720 });
    expect(claimOf(await bare(`/api/v1/claims/${claim}/accept-progress-report`))).toMatchObject({ progress_report_accepted: true });
    expect(claimOf(await bare(`/api/v1/claims/${claim}/pay`))).toMatchObject({ state: 'paid', paid_fen: 37_440 });
    // claw back needs a reason: its body is not optional, and no body is refused naming the body
    expectFieldError(await bare(`/api/v1/claims/${claim}/claw-back`), 400, 'validation_failed', '(body)');

    const other = await fileClaim('09');
    expect(claimOf(await bare(`/api/v1/claims/${other}/withdraw`, p.enterprise_key))).toMatchObject({ state: 'withdrawn' });
    // an empty body declared as JSON is still not JSON
    expectError(
      await api.call('POST', `/api/v1/claims/${other}/submit`, { key: p.enterprise_key, headers: { 'content-type': 'application/json' }, raw: '' }),
      400,
      'malformed_json',
    );
  });

  it('finds every route whose body is optional in the document, and none of them refuses a missing body', async () => {
    const doc = (
      api.app as unknown as {
        swagger(): { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>> };
      }
    ).swagger();
    const optional: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (schema !== undefined && (schema.required ?? []).length === 0) optional.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(optional.sort()).toEqual([
      'PATCH /api/v1/accelerators/{id}',
      'POST /api/v1/claims/{id}/accept-progress-report',
      'POST /api/v1/claims/{id}/approve',
      'POST /api/v1/claims/{id}/pay',
      'POST /api/v1/claims/{id}/submit',
      'POST /api/v1/claims/{id}/withdraw',
    ]);
    for (const route of optional) {
      const [method, path] = route.split(' ') as [string, string];
      // an id that does not exist: the answer is its 404, never a 400 about the body
      expectError(await api.call(method, path.replace('{id}', 'nothing-here'), {}), 404, 'not_found');
    }
  });

  it('binds an Idempotency-Key to its body: a retry is a no-op, another body under the same key is refused', async () => {
    const claim = await fileClaim('09');
    await bare(`/api/v1/claims/${claim}/submit`, p.enterprise_key);
    expect(claimOf(await bare(`/api/v1/claims/${claim}/approve`))).toMatchObject({ state: 'approved', granted_fen: 37_440 });
    const pay = (body: unknown, key = 'pay-2026-09') => api.call('POST', `/api/v1/claims/${claim}/pay`, { body, headers: { 'idempotency-key': key } });

    expect(claimOf(await pay({ amount_fen: 1000 }))).toMatchObject({ paid_fen: 1000 });
    // the same request again, in another key order or spacing: the first result, nothing moved
    expect(claimOf(await pay({ amount_fen: 1000 }))).toMatchObject({ paid_fen: 1000 });
    expect(
      claimOf(await api.call('POST', `/api/v1/claims/${claim}/pay`, { raw: '{ "amount_fen" : 1000 }', headers: { 'idempotency-key': 'pay-2026-09' } })),
    ).toMatchObject({ paid_fen: 1000 });
    expect(claimOf(await pay({ amount_fen: '1000' }))).toMatchObject({ paid_fen: 1000 }); // the same amount as a decimal string
    // the attack: the same key with another amount, another reason, or no body at all
    for (const body of [{ amount_fen: 9000 }, { amount_fen: 1000, reason: 'second instalment' }, undefined]) {
      const res = body === undefined ? await bare(`/api/v1/claims/${claim}/pay`, undefined, { 'idempotency-key': 'pay-2026-09' }) : await pay(body);
      const e = expectFieldError(res, 422, 'idempotency_key_reused', 'headers.idempotency-key');
      expect(e.error.message).toContain('pay-2026-09');
    }
    const state = (await api.call('GET', `/api/v1/claims/${claim}`)).json() as { paid_fen: number | string; events: { action: string }[] };
    expect(Number(state.paid_fen)).toBe(1000);
    expect(state.events.filter((e) => e.action === 'pay')).toHaveLength(1);
    // a new key is a new payment; a key of another claim is that claim's own
    expect(claimOf(await pay({ amount_fen: 9000 }, 'pay-2026-09-b'))).toMatchObject({ paid_fen: 10_000 });
    expect((await api.call('GET', '/api/v1/ledger/check')).json()).toEqual({ ok: true, problems: [] });
  });
});
