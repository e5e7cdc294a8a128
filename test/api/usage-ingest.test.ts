// POST /api/v1/usage end to end on both engines: outcomes, idempotency, conflicts, domain validation, tenancy.
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';

const now = Date.parse('2026-11-29T12:00:00Z');

describeEachEngine('usage ingestion', (db) => {
  let api: TestApi;
  let p: Parties;
  it('sets up parties', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'ingest');
  });

  it('accepts a batch, then answers an identical re-send with duplicates and stores nothing twice', async () => {
    const records = [
      usageRecord(p, 'r1'),
      usageRecord(p, 'r2', { count: 16, ended_at: '2026-10-01T02:00:00Z', amount_fen: 80_000 }),
      usageRecord(p, 'r3', { count: 1, ended_at: '2026-10-01T00:30:00Z', amount_fen: 900 }),
    ];
    const first = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const again = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    expect(again.json()).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect(await db().store.usage.count({ provider_id: p.provider_id })).toBe(3);
  });

  it('rejects conflict, end before start, over-inventory and negative amount; stores none of them', async () => {
    const bad = [
      usageRecord(p, 'r1', { amount_fen: 999_999 }),
      usageRecord(p, 'r4', { ended_at: '2026-09-30T00:00:00Z' }),
      usageRecord(p, 'r5', { count: 65 }),
      usageRecord(p, 'r6', { amount_fen: -5 }),
    ];
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: bad } });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.error.code).toBe('all_records_rejected');
    expect(body.rejected.map((r: { code: string; field: string }) => [r.code, r.field])).toEqual([
      ['conflict', 'record_id'],
      ['ended_not_after_started', 'ended_at'],
      ['count_exceeds_inventory', 'count'],
      ['invalid_field', 'amount_fen'],
    ]);
    expect(await db().store.usage.count({ provider_id: p.provider_id })).toBe(3);
  });

  it('lists an enterprise only its own records with derived compute', async () => {
    const res = await api.call('GET', '/api/v1/usage', { key: p.enterprise_key });
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items).toHaveLength(3);
    // 8 × 910B × 6.5 h = 52 card-hours; 320 TFLOPS FP16 dense → 16.64 PFLOP·h
    expect(items[0]).toMatchObject({ record_id: 'r1', card_hours: '52.000', compute_pflop_h: '16.640000', normalized: true });
  });

  it('summarizes by accelerator from the rollups', async () => {
    const res = await api.call('GET', '/api/v1/usage/summary?group_by=accelerator', { key: p.enterprise_key });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items).toEqual([expect.objectContaining({ key: 'huawei-ascend-910b', records: 3, amount_fen: String(124_800 + 80_000 + 900) })]); // a sum of money: a decimal string
  });
});
