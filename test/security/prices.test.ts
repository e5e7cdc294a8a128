// Prices are commercial data: nobody but administrators sees other organizations' prices. Providers and enterprises
// see their own (their reads are confined to it); auditors see usage, summaries and findings without the bills.
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord } from '../support/api.js';
import { expectError } from '../support/routes.js';

const now = Date.parse('2026-11-29T12:00:00Z');

describeEachEngine('who sees prices', (db) => {
  it('shows bills to administrators and the parties, not to auditors', async () => {
    const api = await testApi(db(), () => now);
    const p = await createParties(api, 'prices');
    const me = (await api.call('GET', '/api/v1/me')).json() as { org_id: string };
    const auditor = ((await api.call('POST', '/api/v1/api-keys', { body: { org_id: me.org_id, role: 'auditor', label: 'a' } })).json() as { key: string }).key;
    expect(
      (await api.call('PUT', '/api/v1/accelerators/metax-c500/reference-price', { body: { fen_per_card_h: 1000, source: 'test price list' } })).statusCode,
    ).toBe(200);
    const record = usageRecord(p, 'priced-1', {
      accelerator: 'metax-c500',
      count: 1,
      started_at: '2026-09-01T00:00:00Z',
      ended_at: '2026-09-01T01:00:00Z',
      amount_fen: 25_000,
    });
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [record] } })).statusCode).toBe(200);
    expect((await api.call('POST', '/api/v1/checks/run', { body: { from: '2026-09-01T00:00:00Z', to: '2026-09-02T00:00:00Z' } })).json()).toMatchObject({
      found: { price_outlier: 1 },
    });

    const usage = (key: string | undefined) => api.call('GET', `/api/v1/usage?enterprise_id=${p.enterprise_id}`, key === undefined ? {} : { key });
    const summary = (key: string | undefined) =>
      api.call('GET', `/api/v1/usage/summary?group_by=enterprise&enterprise_id=${p.enterprise_id}`, key === undefined ? {} : { key });
    for (const key of [undefined, p.provider_key, p.enterprise_key]) {
      expect(((await usage(key)).json() as { items: { amount_fen: number | null }[] }).items[0]!.amount_fen).toBe(25_000);
      expect(((await summary(key)).json() as { totals: { amount_fen: string | null } }).totals.amount_fen).toBe('25000');
    }
    expect(((await usage(auditor)).json() as { items: { amount_fen: number | null }[] }).items[0]!.amount_fen).toBeNull();
    const s = (await summary(auditor)).json() as { items: { amount_fen: string | null }[]; totals: { amount_fen: string | null } };
    expect([s.items[0]!.amount_fen, s.totals.amount_fen]).toEqual([null, null]);

    const finding = (key: string | undefined) => api.call('GET', '/api/v1/findings?kind=price_outlier', key === undefined ? {} : { key });
    const admin_view = ((await finding(undefined)).json() as { items: { message: string; evidence: Record<string, unknown> }[] }).items[0]!;
    expect(admin_view.evidence).toMatchObject({ price_fen_per_card_h: 25_000, reference_fen_per_card_h: 1000 });
    expect(admin_view.message).toContain('25000');
    const auditor_view = ((await finding(auditor)).json() as { items: { message: string; evidence: Record<string, unknown> }[] }).items[0]!;
    expect(Object.keys(auditor_view.evidence).filter((k) => /price|amount|ratio/.test(k))).toEqual([]);
    expect(auditor_view.evidence).toMatchObject({ direction: 'above' });
    expect(auditor_view.message).not.toMatch(/25000|25,000|1000/);
    expectError(await api.call('GET', '/api/v1/reference-prices', { key: auditor }), 403, 'forbidden');
  });
});
