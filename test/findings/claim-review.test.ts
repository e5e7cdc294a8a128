// Review of claims against findings, on both engines: open high-severity findings block approval unless the office
// overrides in writing (recorded), and records under a confirmed finding are never claimed.
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord } from '../support/api.js';

const now = Date.parse('2026-11-29T12:00:00Z');

function program(code: string, layer: string) {
  return {
    code,
    name_zh: '审查测试',
    name_en: 'Review test',
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: layer,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: 10_000_000,
    rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 3000 } }] },
  };
}

describeEachEngine('claims under review', (db) => {
  it('blocks approval on open high-severity findings, records an override, and excludes confirmed records', async () => {
    const api = await testApi(db(), () => now);
    const p = await createParties(api, 'review');
    // three overlapping 30-card jobs on a 64-card cluster: a capacity overrun (high severity)
    const records = [0, 2, 4].map((h, i) =>
      usageRecord(p, `rv-${i}`, {
        count: 30,
        started_at: `2026-06-01T0${h}:00:00Z`,
        ended_at: `2026-06-01T0${h + 6 > 9 ? 9 : h + 6}:00:00Z`,
        amount_fen: 10_000,
      }),
    );
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } })).json()).toMatchObject({ accepted: 3 });
    const checked = (await api.call('POST', '/api/v1/checks/run', { body: { from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' } })).json();
    expect(checked.created).toBe(1);
    const [finding] = (await api.call('GET', '/api/v1/findings?kind=capacity_overrun')).json().items;
    expect(finding).toMatchObject({ severity: 'high', status: 'open' });

    const city = (await api.call('POST', '/api/v1/programs', { body: program('review-city', 'review-city') })).json().id;
    const period = { period_start: '2026-06-01T00:00:00Z', period_end: '2026-07-01T00:00:00Z' };
    const claim = (await api.call('POST', '/api/v1/claims', { key: p.enterprise_key, body: { program_id: city, ...period } })).json();
    expect(claim.records).toBe(3);
    await api.call('POST', `/api/v1/claims/${claim.id}/submit`, { key: p.enterprise_key, body: {} });
    const blocked = await api.call('POST', `/api/v1/claims/${claim.id}/approve`, { body: {} });
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json()).toMatchObject({ error: { code: 'open_findings' }, finding_ids: [finding.id] });
    const held = (await api.call('GET', `/api/v1/claims/${claim.id}`)).json();
    expect(held.state).toBe('submitted');
    // the office sees the findings on the claim's records, on the claim and through the findings filter; the enterprise does not
    expect(held.findings).toEqual([{ id: finding.id, kind: 'capacity_overrun', severity: 'high', status: 'open', message: finding.message }]);
    expect((await api.call('GET', `/api/v1/findings?claim_id=${claim.id}`)).json().items.map((f: { id: string }) => f.id)).toEqual([finding.id]);
    expect((await api.call('GET', `/api/v1/claims/${claim.id}`, { key: p.enterprise_key })).json().findings).toBeUndefined();

    const approved = await api.call('POST', `/api/v1/claims/${claim.id}/approve`, {
      body: { override_reason: 'the provider showed the jobs ran on two clusters; inventory update pending' },
    });
    expect(approved.json()).toMatchObject({ state: 'approved', granted_fen: '9000' });
    const events = (await api.call('GET', `/api/v1/claims/${claim.id}`)).json().events;
    expect(events.at(-1).reason).toBe(`override of open findings ${finding.id}: the provider showed the jobs ran on two clusters; inventory update pending`);

    // Confirmed: the records are excluded from claims of any layer from now on
    expect((await api.call('POST', `/api/v1/findings/${finding.id}/confirm`, { body: { reason: 'overbooked' } })).statusCode).toBe(200);
    const district = (await api.call('POST', '/api/v1/programs', { body: program('review-district', 'review-district') })).json().id;
    const none = await api.call('POST', '/api/v1/claims', { key: p.enterprise_key, body: { program_id: district, ...period } });
    expect(none.json().error.code).toBe('no_records');
  });
});
