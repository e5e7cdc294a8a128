// Rejected usage records are kept (GET /api/v1/usage/rejections) on both engines: exactly what POST /usage answered,
// newest batch first, filters and pages, tenancy, nothing kept for clean batches or batches refused as a whole, the
// per-provider bound at and past its limit, and accepted records stored even when the rejections cannot be kept.
import { generateKeyPairSync } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachEngine, type EngineDb } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError, expectFieldError } from '../support/routes.js';
import { rejections_kept_max } from '../../src/store/usage/rejections.js';

const t0 = Date.parse('2026-11-29T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface Rejected {
  index: number;
  record_id: string | null;
  code: string;
  field: string | null;
  message: string;
}
interface Kept extends Rejected {
  id: number;
  provider_id: string;
  received_at: string;
}
interface Page {
  items: Kept[];
  next_cursor: string | null;
}

/** The rows of usage_rejections, counted in the database itself. */
async function keptRows(db: EngineDb, provider_id: string): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from usage_rejections where provider_id = ${provider_id}`.execute(db.store.connection.db);
  return Number(r.rows[0]!.n);
}

/** What the list should hold for a batch's answer: each rejection with the batch's provider and time, in index order. */
const keptOf = (provider_id: string, at_ms: number, rejected: readonly Rejected[]) =>
  rejected.map((r) => ({ ...r, id: expect.any(Number) as unknown as number, provider_id, received_at: iso(at_ms) }));

describeEachEngine('kept rejections', (db) => {
  let api: TestApi;
  let a: Parties;
  let b: Parties;
  let auditor_key: string;
  let clock = t0;
  /** What each provider's list must hold, newest batch first. */
  const expected = new Map<string, Kept[]>();
  /** Every kept rejection of both providers, newest batch first. */
  let everything: Kept[] = [];

  const post = async (p: Parties, records: unknown[], at_ms: number): Promise<LightMyRequestResponse> => {
    clock = at_ms;
    return api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
  };
  /** Posts a batch, checks its status, and records what it should have kept. */
  const report = async (p: Parties, records: unknown[], at_ms: number, status: 200 | 422): Promise<Rejected[]> => {
    const res = await post(p, records, at_ms);
    expect(res.statusCode, res.body).toBe(status);
    const rejected = (res.json() as { rejected: Rejected[] }).rejected;
    const kept = keptOf(p.provider_id, at_ms, rejected);
    expected.set(p.provider_id, [...kept, ...(expected.get(p.provider_id) ?? [])]);
    everything = [...kept, ...everything];
    return rejected;
  };
  const list = async (query: string, key?: string): Promise<Page> => {
    const res = await api.call('GET', `/api/v1/usage/rejections${query}`, key === undefined ? {} : { key });
    expect({ query, status: res.statusCode, body: res.statusCode === 200 ? '' : res.body }).toEqual({ query, status: 200, body: '' });
    return res.json() as Page;
  };
  const walk = async (query: string, limit: number, key?: string): Promise<Kept[]> => {
    const got: Kept[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 200; i++) {
      const p = await list(`?limit=${limit}${query}${cursor === null ? '' : `&cursor=${cursor}`}`, key);
      got.push(...p.items);
      cursor = p.next_cursor;
      if (cursor === null) return got;
    }
    throw new Error('more than 200 pages');
  };

  it('sets up two providers and an auditor', async () => {
    api = await testApi(db(), () => clock);
    a = await createParties(api, 'ra');
    b = await createParties(api, 'rb');
    const me = (await api.call('GET', '/api/v1/me')).json() as { org_id: string };
    auditor_key = ((await api.call('POST', '/api/v1/api-keys', { body: { org_id: me.org_id, role: 'auditor', label: 'auditor' } })).json() as { key: string })
      .key;
  });

  it('keeps each rejection of a mixed batch exactly as answered, and stores its good records', async () => {
    const long_id = `L${'x'.repeat(199)}`;
    const rejected = await report(
      a,
      [
        usageRecord(a, 'ok-1'),
        usageRecord(a, 'zero-cards', { count: 0 }),
        usageRecord({ cluster_id: b.cluster_id, enterprise_id: a.enterprise_id }, 'foreign'),
        42,
        { cluster_id: a.cluster_id },
        usageRecord(a, long_id),
        usageRecord(a, 'ok-1', { amount_fen: 1 }),
        usageRecord(a, 'ok-2'),
      ],
      t0 + 1_000,
      200,
    );
    expect(rejected.map((r) => [r.index, r.record_id, r.code, r.field])).toEqual([
      [1, 'zero-cards', 'invalid_field', 'count'],
      [2, 'foreign', 'unknown_cluster', 'cluster_id'],
      [3, null, 'invalid_field', '(record)'],
      [4, null, 'invalid_field', expect.any(String)],
      [5, long_id.slice(0, 128), 'invalid_field', 'record_id'],
      [6, 'ok-1', 'conflict', 'record_id'],
    ]);
    expect(await db().store.usage.count({ provider_id: a.provider_id })).toBe(2);
    expect(await list('', a.provider_key)).toEqual({ items: expected.get(a.provider_id), next_cursor: null });
    expect(await keptRows(db(), a.provider_id)).toBe(6);
  });

  it('keeps the rejections of a batch rejected whole (422), which stores no usage', async () => {
    const before = await db().store.usage.count();
    const rejected = await report(a, [usageRecord(a, 'late', { ended_at: '2026-09-30T00:00:00Z' }), usageRecord(a, 'big', { count: 65 })], t0 + 2_000, 422);
    expect(rejected.map((r) => r.code)).toEqual(['ended_not_after_started', 'count_exceeds_inventory']);
    expect(await db().store.usage.count()).toBe(before);
    const usage = (await api.call('GET', '/api/v1/usage', { key: a.provider_key })).json() as { items: { record_id: string }[] };
    expect(usage.items.map((u) => u.record_id).sort()).toEqual(['ok-1', 'ok-2']);
    // newest batch first, each batch in index order
    const items = (await list('', a.provider_key)).items;
    expect(items).toEqual(expected.get(a.provider_id));
    expect(items.map((r) => r.index)).toEqual([0, 1, 1, 2, 3, 4, 5, 6]);
    expect(items.map((r) => r.received_at)).toEqual([...Array(2).fill(iso(t0 + 2_000)), ...Array(6).fill(iso(t0 + 1_000))]);
    const ids = items.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
  });

  it('keeps a conflict with a stored record, found only once the batch is written', async () => {
    const rejected = await report(a, [usageRecord(a, 'ok-2', { amount_fen: 7 })], t0 + 3_000, 422);
    expect(rejected).toEqual([
      { index: 0, record_id: 'ok-2', code: 'conflict', field: 'record_id', message: 'record_id was stored before with other content' },
    ]);
    expect((await list('?limit=1', a.provider_key)).items).toEqual(keptOf(a.provider_id, t0 + 3_000, rejected));
  });

  it('keeps nothing for a clean batch or an identical re-send', async () => {
    const before = await keptRows(db(), a.provider_id);
    expect((await post(a, [usageRecord(a, 'ok-3')], t0 + 4_000)).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await post(a, [usageRecord(a, 'ok-3'), usageRecord(a, 'ok-1')], t0 + 4_500)).json()).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    expect(await keptRows(db(), a.provider_id)).toBe(before);
  });

  it('keeps nothing of a batch refused as a whole before its records are read', async () => {
    const before = await keptRows(db(), a.provider_id);
    // body schema: no records, an extra property, not JSON, too many records
    expectError(await post(a, [], t0 + 5_000), 400, 'validation_failed');
    expectError(await api.call('POST', '/api/v1/usage', { key: a.provider_key, body: { records: [usageRecord(a, 'x')], extra: 1 } }), 400, 'validation_failed');
    expectError(await api.call('POST', '/api/v1/usage', { key: a.provider_key, raw: '{"records": [' }), 400, 'malformed_json');
    const max = db().config.batch_records_max;
    expectError(
      await post(
        a,
        Array.from({ length: max + 1 }, () => ({})),
        t0 + 5_000,
      ),
      400,
      'batch_too_large',
    );
    // a bad signature
    expectError(
      await api.call('POST', '/api/v1/usage', { key: a.provider_key, body: { records: [{}] }, headers: { 'suanli-signature': 'keyId="sk_nope", sig="AAAA"' } }),
      401,
      'bad_signature',
    );
    expect(await keptRows(db(), a.provider_id)).toBe(before);
  });

  it("shows a provider only its own, and answers 404 when it asks for another's", async () => {
    await report(b, [usageRecord(b, 'b-1', { accelerator: 'no-such-card' }), usageRecord(b, 'b-ok')], t0 + 6_000, 200);
    await report(b, [{ record_id: 'b-2' }], t0 + 7_000, 422);
    for (const p of [a, b]) {
      expect(await list('', p.provider_key)).toEqual({ items: expected.get(p.provider_id), next_cursor: null });
      expect(await list(`?provider_id=${p.provider_id}`, p.provider_key)).toEqual({ items: expected.get(p.provider_id), next_cursor: null });
      const other = p === a ? b : a;
      expectError(await api.call('GET', `/api/v1/usage/rejections?provider_id=${other.provider_id}`, { key: p.provider_key }), 404, 'not_found');
      expectError(await api.call('GET', '/api/v1/usage/rejections?provider_id=p_doesnotexist', { key: p.provider_key }), 404, 'not_found');
      // an enterprise has no rejections to see
      expectError(await api.call('GET', '/api/v1/usage/rejections', { key: p.enterprise_key }), 403, 'forbidden');
    }
    expect(expected.get(b.provider_id)!.map((r) => [r.record_id, r.code])).toEqual([
      ['b-2', 'invalid_field'],
      ['b-1', 'unknown_accelerator'],
    ]);
  });

  it("shows the administrator and the auditor everyone's, and lets them filter by provider", async () => {
    for (const key of [undefined, auditor_key]) {
      expect(await list('', key)).toEqual({ items: everything, next_cursor: null });
      for (const p of [a, b]) expect((await list(`?provider_id=${p.provider_id}`, key)).items).toEqual(expected.get(p.provider_id));
      expect((await list('?provider_id=p_doesnotexist', key)).items).toEqual([]);
    }
  });

  it('filters by code and by the time the batch arrived, [from, to)', async () => {
    const code = (c: string) => everything.filter((r) => r.code === c);
    expect((await list('?code=invalid_field')).items).toEqual(code('invalid_field'));
    expect((await list('?code=conflict')).items).toEqual(code('conflict'));
    expect((await list(`?code=conflict&provider_id=${b.provider_id}`)).items).toEqual([]);
    expect((await list('?code=in_future')).items).toEqual([]);
    expectFieldError(await api.call('GET', '/api/v1/usage/rejections?code=no_such_code'), 400, 'validation_failed', 'querystring.code');
    const between = (from: number, to: number) => everything.filter((r) => Date.parse(r.received_at) >= from && Date.parse(r.received_at) < to);
    expect((await list(`?from=${iso(t0 + 2_000)}&to=${iso(t0 + 3_000)}`)).items).toEqual(between(t0 + 2_000, t0 + 3_000));
    expect(between(t0 + 2_000, t0 + 3_000)).toHaveLength(2);
    expect((await list(`?from=${iso(t0 + 3_000)}`, a.provider_key)).items).toEqual(
      expected.get(a.provider_id)!.filter((r) => Date.parse(r.received_at) >= t0 + 3_000),
    );
    expect((await list(`?to=${iso(t0 + 1_000)}`)).items).toEqual([]);
    expect((await list(`?to=${iso(t0 + 1_001)}&code=unknown_cluster`)).items.map((r) => r.record_id)).toEqual(['foreign']);
    expectFieldError(await api.call('GET', '/api/v1/usage/rejections?from=yesterday'), 400, 'validation_failed', 'querystring.from');
  });

  it('pages newest first with next_cursor, and the pages add up to the list', async () => {
    for (const limit of [1, 2, 5, everything.length, everything.length + 1]) expect(await walk('', limit)).toEqual(everything);
    expect(await walk('&code=invalid_field', 2)).toEqual(everything.filter((r) => r.code === 'invalid_field'));
    expect(await walk('', 3, a.provider_key)).toEqual(expected.get(a.provider_id));
    const ids = (await list('')).items.map((r) => r.id);
    const first = await list('?limit=2');
    expect(first).toEqual({ items: everything.slice(0, 2), next_cursor: String(ids[1]) });
    expect((await list(`?limit=2&cursor=${first.next_cursor}`)).items).toEqual(everything.slice(2, 4));
    // a provider's cursor never leads into another provider's rejections
    expect(await list(`?cursor=${ids[0]! + 1}`, b.provider_key)).toEqual({ items: expected.get(b.provider_id), next_cursor: null });
    const max = db().config.page_records_max;
    expect((await list(`?limit=${max}`)).items).toEqual(everything);
    for (const limit of ['0', String(max + 1)])
      expectFieldError(await api.call('GET', `/api/v1/usage/rejections?limit=${limit}`), 400, 'validation_failed', 'querystring.limit');
    expectFieldError(await api.call('GET', '/api/v1/usage/rejections?cursor=abc'), 400, 'validation_failed', 'querystring.cursor');
  });

  it('keeps nothing for a provider whose signed batch fails verification', async () => {
    const c = await createParties(api, 'rc');
    const { publicKey } = generateKeyPairSync('ed25519');
    const key = await api.call('POST', `/api/v1/providers/${c.provider_id}/signing-keys`, {
      body: { label: 'k', public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString() },
    });
    expect(key.statusCode).toBe(201);
    const key_id = (key.json() as { id: string }).id;
    const res = await api.call('POST', '/api/v1/usage', {
      key: c.provider_key,
      body: { records: [{}] },
      headers: { 'suanli-signature': `keyId="${key_id}", sig="${Buffer.alloc(64).toString('base64')}"` },
    });
    expectError(res, 401, 'bad_signature');
    expectError(await api.call('POST', '/api/v1/usage', { key: c.provider_key, body: { records: [{}] } }), 422, 'signature_required');
    expect(await keptRows(db(), c.provider_id)).toBe(0);
  });
});

describeEachEngine(
  'the bound on kept rejections',
  (db) => {
    let api: TestApi;
    let a: Parties;
    let b: Parties;
    let clock = t0;
    const n = rejections_kept_max;
    /** `count` records that fail the shape check, each with its own record_id. */
    const invalid = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ record_id: `${prefix}-${i}` }));
    const post = async (p: Parties, records: unknown[], at_ms: number) => {
      clock = at_ms;
      return api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    };
    /** The provider's kept record_ids, newest first, read page by page. */
    const keptIds = async (p: Parties): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i++) {
        const res = await api.call('GET', `/api/v1/usage/rejections?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`, { key: p.provider_key });
        expect(res.statusCode).toBe(200);
        const page = res.json() as Page;
        ids.push(...page.items.map((r) => r.record_id!));
        cursor = page.next_cursor;
        if (cursor === null) return ids;
      }
      throw new Error('more than 20 pages');
    };
    const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);

    it('sets up two providers', async () => {
      expect(n).toBe(10_000);
      expect(db().config.batch_records_max).toBe(n + 1);
      api = await testApi(db(), () => clock);
      a = await createParties(api, 'ba');
      b = await createParties(api, 'bb');
      expect((await post(b, invalid('b', 3), t0)).statusCode).toBe(422);
    });

    it(`keeps all ${n} rejections of a provider at the limit`, async () => {
      expect((await post(a, invalid('a', n), t0 + 1_000)).statusCode).toBe(422);
      expect(await keptRows(db(), a.provider_id)).toBe(n);
      expect(await keptIds(a)).toEqual(range('a', 0, n));
    });

    it('drops the oldest one past the limit', async () => {
      expect((await post(a, invalid('c', 1), t0 + 2_000)).statusCode).toBe(422);
      expect(await keptRows(db(), a.provider_id)).toBe(n);
      // the older batch loses its last record first: each batch keeps its first records longest
      expect(await keptIds(a)).toEqual(['c-0', ...range('a', 0, n - 1)]);
    });

    it(`keeps the first ${n} of a batch holding more, and only those`, async () => {
      const res = await post(a, invalid('d', n + 1), t0 + 3_000);
      expect(res.statusCode).toBe(422);
      expect((res.json() as { rejected: unknown[] }).rejected).toHaveLength(n + 1);
      expect(await keptRows(db(), a.provider_id)).toBe(n);
      expect(await keptIds(a)).toEqual(range('d', 0, n));
    });

    it('bounds each provider on its own: another provider keeps its rejections', async () => {
      expect(await keptIds(b)).toEqual(['b-0', 'b-1', 'b-2']);
      expect(await keptRows(db(), b.provider_id)).toBe(3);
    });

    it('stores and acknowledges the accepted records even when the rejections cannot be kept', async () => {
      await sql`drop table usage_rejections`.execute(db().store.connection.db);
      const res = await post(b, [usageRecord(b, 'kept-anyway'), {}], t0 + 4_000);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [expect.objectContaining({ index: 1, code: 'invalid_field' })] });
      expect(await db().store.usage.count({ provider_id: b.provider_id })).toBe(1);
      // and the writer goes on writing usage
      expect((await post(b, [usageRecord(b, 'after')], t0 + 5_000)).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    });
  },
  { batch_records_max: rejections_kept_max + 1 },
);
