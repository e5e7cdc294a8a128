// Edges of ingestion found in review: re-sends inside a batch share the fate of their first occurrence, unknown fields
// are named, the Bearer scheme is case-insensitive, throughput figures are bounded, summary days must be real days.
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';

describeEachEngine('ingestion edges', (db) => {
  let api: TestApi;
  let p: Parties;
  it('sets up parties', async () => {
    api = await testApi(db(), () => Date.parse('2026-11-29T12:00:00Z'));
    p = await createParties(api, 'edges');
  });

  it('an identical copy of a record that conflicts with a stored one is a conflict too, not a duplicate', async () => {
    await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'e1')] } });
    const changed = usageRecord(p, 'e1', { amount_fen: 1 });
    const res = await api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      body: { records: [changed, changed, usageRecord(p, 'e2'), usageRecord(p, 'e2')] },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
      [0, 'conflict'],
      [1, 'conflict'],
    ]);
  });

  it('names an unknown field in a record with a plain message', async () => {
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'e3', { gpu_type: 'x' })] } });
    expect(res.json().rejected[0]).toMatchObject({ code: 'invalid_field', field: 'gpu_type', message: 'unknown field gpu_type' });
  });

  it('accepts the Bearer scheme in any case', async () => {
    const res = await api.call('GET', '/api/v1/me', { key: null, headers: { authorization: `bearer ${p.provider_key}` } });
    expect(res.statusCode).toBe(200);
  });

  it('bounds dense throughput so that compute fits a 64-bit column', async () => {
    const over = await api.call('PATCH', '/api/v1/accelerators/metax-c500', { body: { bf16_tflops_dense: '20000.001' } });
    expect(over.statusCode).toBe(422);
    expect(over.json().error.details[0].field).toBe('bf16_tflops_dense');
    const huge = await api.call('PATCH', '/api/v1/accelerators/metax-c500', { body: { bf16_tflops_dense: '99999999999999999999' } });
    expect(huge.statusCode).toBe(400);
    expect((await api.call('PATCH', '/api/v1/accelerators/metax-c500', { body: { bf16_tflops_dense: '20000' } })).statusCode).toBe(200);
    expect((await api.call('PATCH', '/api/v1/accelerators/metax-c500', { body: { bf16_tflops_dense: null } })).statusCode).toBe(200);
  });

  it('refuses summary days that are not calendar days', async () => {
    const res = await api.call('GET', '/api/v1/usage/summary?from=2026-13-45');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('querystring.from');
    expect((await api.call('GET', '/api/v1/usage/summary?from=2026-02-29')).statusCode).toBe(400);
    expect((await api.call('GET', '/api/v1/usage/summary?from=2028-02-29&to=2028-03-01')).statusCode).toBe(200);
  });
});
