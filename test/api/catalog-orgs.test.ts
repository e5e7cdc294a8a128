// The accelerator catalog and the organizations, through the API on both engines: the shipped catalog and its
// normalization figures, administrators' corrections, providers and enterprises, and usage on a model that has no
// throughput figure (it counts card-hours only).
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, creditCode, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError, expectFieldError } from '../support/routes.js';

const now = Date.parse('2026-11-29T12:00:00Z');

interface Normalization {
  basis: 'bf16_dense' | 'fp16_dense' | null;
  dense_tflops: string | null;
  counts: 'compute' | 'card_hours_only';
  reference_accelerator: string;
  reference_ratio: string | null;
  note: string;
}
interface Accelerator {
  id: string;
  vendor: string;
  domestic: boolean;
  bf16_tflops_dense: string | null;
  fp16_tflops_dense: string | null;
  normalization: Normalization;
}

/** a / b rounded half-up to 3 decimals, from integer GFLOPS: the test's own arithmetic, independent of the app's. */
function ratio3(a_gflops: bigint, b_gflops: bigint): string {
  const scaled = a_gflops * 1000n;
  let units = scaled / b_gflops;
  if ((scaled % b_gflops) * 2n >= b_gflops) units += 1n;
  return `${units / 1000n}.${String(units % 1000n).padStart(3, '0')}`;
}

function acceleratorBody(id: string, figures: { bf16_tflops_dense?: string | null; fp16_tflops_dense?: string | null } = {}) {
  return {
    id,
    vendor: 'Test Silicon',
    model: `Model ${id}`,
    domestic: true,
    year: 2026,
    process_nm: '7',
    fp32_tflops: null,
    bf16_tflops_dense: '100',
    fp16_tflops_dense: null,
    int8_tops_dense: null,
    memory_gb: '96',
    memory_type: 'HBM3',
    memory_bw_gbs: null,
    tdp_w: 450,
    comparable_to: null,
    verified: 'no',
    notes: '',
    source: 'test',
    ...figures,
  };
}

describeEachEngine('catalog and organizations', (db) => {
  let api: TestApi;
  let p: Parties;
  let auditor_key: string;
  const get = async <T>(url: string, key?: string): Promise<T> => {
    const res = await api.call('GET', url, key === undefined ? {} : { key });
    expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
    return res.json() as T;
  };
  const accelerator = (id: string) => get<Accelerator>(`/api/v1/accelerators/${id}`);

  it('sets up parties', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'cat');
    const me = await get<{ org_id: string }>('/api/v1/me');
    auditor_key = (await api.call('POST', '/api/v1/api-keys', { body: { org_id: me.org_id, role: 'auditor', label: 'auditor' } })).json().key as string;
  });

  // ---- the shipped catalog

  it('ships at least 30 models, at least 10 of them domestic, and filters by domestic and vendor', async () => {
    const all = (await get<{ items: Accelerator[] }>('/api/v1/accelerators', p.enterprise_key)).items;
    expect(all.length).toBeGreaterThanOrEqual(30);
    expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort());
    const domestic = (await get<{ items: Accelerator[] }>('/api/v1/accelerators?domestic=true')).items;
    expect(domestic.length).toBeGreaterThanOrEqual(10);
    expect(domestic.every((m) => m.domestic)).toBe(true);
    const foreign = (await get<{ items: Accelerator[] }>('/api/v1/accelerators?domestic=false')).items;
    expect(foreign.every((m) => !m.domestic)).toBe(true);
    expect(domestic.length + foreign.length).toBe(all.length);
    expect(all.map((m) => m.id)).toEqual(expect.arrayContaining(['huawei-ascend-910b', 'metax-c500', 'nvidia-a100-80gb-sxm']));

    const huawei = (await get<{ items: Accelerator[] }>('/api/v1/accelerators?vendor=Huawei')).items;
    expect(huawei.length).toBeGreaterThan(0);
    expect(huawei.every((m) => m.vendor === 'Huawei')).toBe(true);
    expect(huawei.map((m) => m.id)).toContain('huawei-ascend-910b');
    expect((await get<{ items: Accelerator[] }>('/api/v1/accelerators?vendor=Huawei&domestic=false')).items).toEqual([]);
    expect((await get<{ items: Accelerator[] }>('/api/v1/accelerators?vendor=NoSuchVendor')).items).toEqual([]);
    // every entry explains its normalization
    for (const m of all) {
      expect(m.normalization.reference_accelerator).toBe('nvidia-a100-80gb-sxm');
      expect(m.normalization.counts).toBe(m.normalization.basis === null ? 'card_hours_only' : 'compute');
      expect(m.normalization.note.length).toBeGreaterThan(0);
    }
  });

  it('describes the Ascend 910B normalization: FP16 dense 320 TFLOPS, 1.026 A100 reference-card hours per card-hour', async () => {
    const m = await accelerator('huawei-ascend-910b');
    const ref = await accelerator('nvidia-a100-80gb-sxm');
    expect(m).toMatchObject({ id: 'huawei-ascend-910b', vendor: 'Huawei', domestic: true, fp16_tflops_dense: '320' });
    expect(ref.normalization).toMatchObject({ basis: 'bf16_dense', dense_tflops: '312', reference_ratio: '1.000' });
    // 320 / 312 = 1.025641… → 1.026 (half-up at 3 decimals)
    expect(ratio3(320_000n, 312_000n)).toBe('1.026');
    expect(m.normalization).toEqual({
      basis: 'fp16_dense',
      dense_tflops: '320',
      counts: 'compute',
      reference_accelerator: 'nvidia-a100-80gb-sxm',
      reference_ratio: '1.026',
      note: expect.stringContaining('FP16'),
    });
  });

  it('says a model without a throughput figure (MetaX C500) counts card-hours only', async () => {
    const m = await accelerator('metax-c500');
    expect(m).toMatchObject({ bf16_tflops_dense: null, fp16_tflops_dense: null });
    expect(m.normalization).toEqual({
      basis: null,
      dense_tflops: null,
      counts: 'card_hours_only',
      reference_accelerator: 'nvidia-a100-80gb-sxm',
      reference_ratio: null,
      note: expect.stringMatching(/card-hours/),
    });
  });

  it('answers 404 for an unknown model', async () => {
    expectError(await api.call('GET', '/api/v1/accelerators/acme-gpu-9000'), 404, 'not_found');
    expectError(await api.call('PATCH', '/api/v1/accelerators/acme-gpu-9000', { body: { notes: 'x' } }), 404, 'not_found');
  });

  // ---- administrators' corrections

  it('lets an administrator add a model (201), and answers 409 for the same id', async () => {
    const created = await api.call('POST', '/api/v1/accelerators', { body: acceleratorBody('test-npu-1') });
    expect(created.statusCode).toBe(201);
    // 100 / 312 = 0.3205… → 0.321
    expect((created.json() as Accelerator).normalization).toMatchObject({
      basis: 'bf16_dense',
      dense_tflops: '100',
      counts: 'compute',
      reference_ratio: ratio3(100_000n, 312_000n),
    });
    expect(ratio3(100_000n, 312_000n)).toBe('0.321');
    expect((await accelerator('test-npu-1')).normalization.reference_ratio).toBe('0.321');
    expectFieldError(
      await api.call('POST', '/api/v1/accelerators', { body: acceleratorBody('test-npu-1', { bf16_tflops_dense: '200' }) }),
      409,
      'already_exists',
      'id',
    );
    expect((await accelerator('test-npu-1')).bf16_tflops_dense).toBe('100');
    // the new model is listed, and with the domestic filter
    expect((await get<{ items: Accelerator[] }>('/api/v1/accelerators?domestic=true')).items.map((m) => m.id)).toContain('test-npu-1');
  });

  it('refuses bad models on create, naming the field', async () => {
    const before = (await get<{ items: unknown[] }>('/api/v1/accelerators')).items.length;
    const { vendor: _vendor, ...no_vendor } = acceleratorBody('test-npu-x');
    const cases: [unknown, number, string, string][] = [
      [acceleratorBody('Test_NPU'), 400, 'validation_failed', 'id'],
      [acceleratorBody('-npu'), 400, 'validation_failed', 'id'],
      [no_vendor, 400, 'validation_failed', 'vendor'],
      [acceleratorBody('test-npu-x', { bf16_tflops_dense: '12.3456' }), 400, 'validation_failed', 'bf16_tflops_dense'],
      [acceleratorBody('test-npu-x', { bf16_tflops_dense: '-1' }), 400, 'validation_failed', 'bf16_tflops_dense'],
      [acceleratorBody('test-npu-x', { bf16_tflops_dense: 100 as unknown as string }), 400, 'validation_failed', 'bf16_tflops_dense'],
      [acceleratorBody('test-npu-x', { bf16_tflops_dense: '0' }), 422, 'invalid_accelerator', 'bf16_tflops_dense'],
      [acceleratorBody('test-npu-x', { bf16_tflops_dense: null, fp16_tflops_dense: '0.000' }), 422, 'invalid_accelerator', 'fp16_tflops_dense'],
      [acceleratorBody('test-npu-x', { bf16_tflops_dense: '99999999999999999999' }), 400, 'validation_failed', 'bf16_tflops_dense'],
      [acceleratorBody('test-npu-x', { bf16_tflops_dense: '20000.001' }), 422, 'invalid_accelerator', 'bf16_tflops_dense'],
      [{ ...acceleratorBody('test-npu-x'), dense_gflops: 1 }, 400, 'validation_failed', 'dense_gflops'],
    ];
    for (const [body, status, code, field] of cases) expectFieldError(await api.call('POST', '/api/v1/accelerators', { body }), status, code, field);
    expect((await get<{ items: unknown[] }>('/api/v1/accelerators')).items).toHaveLength(before);
  });

  it('lets an administrator correct a figure, and the normalization follows it', async () => {
    const patch = async (body: unknown) => {
      const res = await api.call('PATCH', '/api/v1/accelerators/test-npu-1', { body });
      expect({ status: res.statusCode, body: res.body.slice(0, 300) }).toMatchObject({ status: 200 });
      const m = res.json() as Accelerator;
      expect(await accelerator('test-npu-1')).toEqual(m);
      return m.normalization;
    };
    expect(await patch({ bf16_tflops_dense: '624' })).toMatchObject({ basis: 'bf16_dense', dense_tflops: '624', reference_ratio: '2.000' });
    expect(await patch({ bf16_tflops_dense: null, fp16_tflops_dense: '156' })).toMatchObject({
      basis: 'fp16_dense',
      dense_tflops: '156',
      reference_ratio: '0.500',
    });
    expect(await patch({ fp16_tflops_dense: '156.001' })).toMatchObject({ dense_tflops: '156.001', reference_ratio: ratio3(156_001n, 312_000n) });
    expect(await patch({ fp16_tflops_dense: null })).toMatchObject({ basis: null, dense_tflops: null, counts: 'card_hours_only', reference_ratio: null });
    expect(await patch({ bf16_tflops_dense: '312', notes: 'corrected' })).toMatchObject({ basis: 'bf16_dense', reference_ratio: '1.000' });
    expect(await patch({})).toMatchObject({ reference_ratio: '1.000' });
  });

  it('refuses bad corrections, naming the field, and changes nothing', async () => {
    const before = await accelerator('test-npu-1');
    const ascend = await accelerator('huawei-ascend-910b');
    const cases: [unknown, number, string, string][] = [
      [{ bf16_tflops_dense: '12.3456' }, 400, 'validation_failed', 'bf16_tflops_dense'],
      [{ fp16_tflops_dense: '1e3' }, 400, 'validation_failed', 'fp16_tflops_dense'],
      [{ bf16_tflops_dense: '0' }, 422, 'invalid_accelerator', 'bf16_tflops_dense'],
      [{ bf16_tflops_dense: '99999999999999999999' }, 400, 'validation_failed', 'bf16_tflops_dense'],
      [{ bf16_tflops_dense: '20000.001' }, 422, 'invalid_accelerator', 'bf16_tflops_dense'],
      [{ vendor: '' }, 400, 'validation_failed', 'vendor'],
      [{ tdp_w: 0 }, 400, 'validation_failed', 'tdp_w'],
      [{ verified: 'maybe' }, 400, 'validation_failed', 'verified'],
      // the id is not editable: a PATCH naming another model's id must not overwrite that model
      [{ id: 'huawei-ascend-910b' }, 400, 'validation_failed', 'id'],
      [{ dense_gflops: 1 }, 400, 'validation_failed', 'dense_gflops'],
    ];
    for (const [body, status, code, field] of cases)
      expectFieldError(await api.call('PATCH', '/api/v1/accelerators/test-npu-1', { body }), status, code, field);
    expect(await accelerator('test-npu-1')).toEqual(before);
    expect(await accelerator('huawei-ascend-910b')).toEqual(ascend);
  });

  it("rescales every ratio when the reference model's figure is corrected", async () => {
    const patchRef = (bf16: string) => api.call('PATCH', '/api/v1/accelerators/nvidia-a100-80gb-sxm', { body: { bf16_tflops_dense: bf16 } });
    expect((await patchRef('640')).statusCode).toBe(200);
    try {
      // 320 / 640 = 0.5
      expect((await accelerator('huawei-ascend-910b')).normalization.reference_ratio).toBe('0.500');
    } finally {
      expect((await patchRef('312')).statusCode).toBe(200);
    }
    expect((await accelerator('huawei-ascend-910b')).normalization.reference_ratio).toBe('1.026');
  });

  it('answers 403 to every non-administrator on catalog writes', async () => {
    for (const key of [p.provider_key, p.enterprise_key, auditor_key]) {
      expectError(await api.call('POST', '/api/v1/accelerators', { key, body: acceleratorBody('test-npu-denied') }), 403, 'forbidden');
      expectError(await api.call('PATCH', '/api/v1/accelerators/test-npu-1', { key, body: { notes: 'mine now' } }), 403, 'forbidden');
      // reading stays open to them
      expect((await api.call('GET', '/api/v1/accelerators/test-npu-1', { key })).statusCode).toBe(200);
    }
    expectError(await api.call('GET', '/api/v1/accelerators/test-npu-denied'), 404, 'not_found');
    expect((await accelerator('test-npu-1')).normalization.reference_ratio).toBe('1.000');
  });

  // ---- providers and enterprises

  it('creates, lists and gets providers', async () => {
    const created = await api.call('POST', '/api/v1/providers', { body: { name: 'Shanghai Compute Co', region: '310000' } });
    expect(created.statusCode).toBe(201);
    expect(Object.keys(created.json() as object)).toEqual(['id']);
    const { id } = created.json() as { id: string };
    const bare = (await api.call('POST', '/api/v1/providers', { body: { name: 'No Region Cloud' } })).json() as { id: string };
    expect(await get(`/api/v1/providers/${id}`)).toEqual({
      id,
      kind: 'provider',
      name: 'Shanghai Compute Co',
      credit_code: null,
      region: '310000',
      sector: null,
      size: null,
      categories: [],
      created_at: new Date(now).toISOString(),
    });
    expect(await get(`/api/v1/providers/${bare.id}`)).toMatchObject({ region: null });
    const listed = (await get<{ items: { id: string; name: string }[] }>('/api/v1/providers')).items;
    expect(listed.map((o) => o.id)).toEqual(expect.arrayContaining([id, bare.id, p.provider_id]));
    // ordered by name, then id
    const names = listed.map((o) => o.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // an enterprise id is not a provider
    expectError(await api.call('GET', `/api/v1/providers/${p.enterprise_id}`), 404, 'not_found');
    // a provider reads itself
    expect(await get(`/api/v1/providers/${p.provider_id}`, p.provider_key)).toMatchObject({ id: p.provider_id, kind: 'provider' });
  });

  it('creates, lists and gets enterprises', async () => {
    const credit_code = creditCode();
    const created = await api.call('POST', '/api/v1/enterprises', {
      body: { name: 'Hangzhou Models Ltd', credit_code, region: '330100', sector: 'large_models', size: 'medium', categories: ['startup', 'sme', 'startup'] },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    expect(await get(`/api/v1/enterprises/${id}`)).toEqual({
      id,
      kind: 'enterprise',
      name: 'Hangzhou Models Ltd',
      credit_code,
      region: '330100',
      sector: 'large_models',
      size: 'medium',
      categories: ['sme', 'startup'],
      created_at: new Date(now).toISOString(),
    });
    const sizeless = (
      await api.call('POST', '/api/v1/enterprises', { body: { name: 'Tiny Lab', credit_code: creditCode(), region: '110000', sector: 'research' } })
    ).json() as { id: string };
    expect(await get(`/api/v1/enterprises/${sizeless.id}`)).toMatchObject({ size: null });
    const listed = (await get<{ items: { id: string }[] }>('/api/v1/enterprises', auditor_key)).items;
    expect(listed.map((o) => o.id)).toEqual(expect.arrayContaining([id, sizeless.id, p.enterprise_id]));
    expectError(await api.call('GET', `/api/v1/enterprises/${p.provider_id}`), 404, 'not_found');
    expect(await get(`/api/v1/enterprises/${p.enterprise_id}`, p.enterprise_key)).toMatchObject({ id: p.enterprise_id, kind: 'enterprise' });
  });

  it('creates and reads clusters with their inventory', async () => {
    const res = await api.call('POST', `/api/v1/providers/${p.provider_id}/clusters`, {
      key: p.provider_key,
      body: {
        name: 'bj-1',
        region: '110000',
        inventory: [{ accelerator: 'huawei-ascend-910c', count: 32, valid_from: '2026-03-01T08:00:00+08:00', valid_to: '2027-03-01T00:00:00Z' }],
      },
    });
    expect(res.statusCode).toBe(201);
    const cluster = res.json() as { id: string };
    expect(await get(`/api/v1/clusters/${cluster.id}`, p.provider_key)).toEqual({
      id: cluster.id,
      provider_id: p.provider_id,
      name: 'bj-1',
      region: '110000',
      created_at: new Date(now).toISOString(),
      inventory: [{ accelerator: 'huawei-ascend-910c', count: 32, valid_from: '2026-03-01T00:00:00.000Z', valid_to: '2027-03-01T00:00:00.000Z' }],
    });
    const list = (await get<{ items: { id: string }[] }>(`/api/v1/providers/${p.provider_id}/clusters`)).items;
    expect(list.map((c) => c.id)).toEqual(expect.arrayContaining([p.cluster_id, cluster.id]));
  });

  // ---- usage on a model without a throughput figure

  it('accepts usage on a model without throughput, lists it unnormalized and counts it in card_hours_unnormalized', async () => {
    // 8 × MetaX C500 for 2 h = 16 card-hours, no PFLOP·h; 1 × Ascend 910B for 1 h = 320 TFLOPS·h = 0.32 PFLOP·h
    const records = [
      usageRecord(p, 'metax-1', {
        accelerator: 'metax-c500',
        count: 8,
        started_at: '2026-11-02T00:00:00Z',
        ended_at: '2026-11-02T02:00:00Z',
        amount_fen: 6_400,
      }),
      usageRecord(p, 'ascend-1', { count: 1, started_at: '2026-11-02T00:00:00Z', ended_at: '2026-11-02T01:00:00Z', amount_fen: 1_000 }),
    ];
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });

    const items = (await get<{ items: Record<string, unknown>[] }>('/api/v1/usage', p.enterprise_key)).items;
    expect(items.find((i) => i.record_id === 'metax-1')).toMatchObject({
      accelerator: 'metax-c500',
      card_hours: '16.000',
      compute_pflop_h: null,
      normalized: false,
    });
    expect(items.find((i) => i.record_id === 'ascend-1')).toMatchObject({ card_hours: '1.000', compute_pflop_h: '0.320000', normalized: true });

    const summary = await get<{ items: Record<string, unknown>[]; totals: Record<string, unknown>; reference_accelerator: string }>(
      '/api/v1/usage/summary?group_by=accelerator',
      p.enterprise_key,
    );
    expect(summary.reference_accelerator).toBe('nvidia-a100-80gb-sxm');
    expect(summary.items).toEqual([
      {
        key: 'huawei-ascend-910b',
        records: 1,
        card_hours: '1.000',
        card_hours_unnormalized: '0.000',
        compute_pflop_h: '0.320000',
        reference_card_hours: '1.026',
        amount_fen: '1000',
      },
      {
        key: 'metax-c500',
        records: 1,
        card_hours: '16.000',
        card_hours_unnormalized: '16.000',
        compute_pflop_h: '0.000000',
        reference_card_hours: '0.000',
        amount_fen: '6400',
      },
    ]);
    expect(summary.totals).toEqual({
      records: 2,
      card_hours: '17.000',
      card_hours_unnormalized: '16.000',
      compute_pflop_h: '0.320000',
      reference_card_hours: '1.026',
      amount_fen: '7400',
    });
    // the month view agrees
    const month = await get<{ items: { key: string; card_hours_unnormalized: string }[] }>('/api/v1/usage/summary?group_by=month', p.enterprise_key);
    expect(month.items).toEqual([expect.objectContaining({ key: '2026-11', card_hours_unnormalized: '16.000' })]);
  });
});
