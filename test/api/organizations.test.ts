// GET /api/v1/organizations and /organizations/{id} on both engines: exact contents, the kind and name filters, pages
// that add up to the whole list, the query limits, and tenancy (a provider or an enterprise sees only itself; another
// organization's id answers 404 exactly like a missing one).
import type { LightMyRequestResponse } from 'fastify';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, creditCode, testApi, type Parties, type TestApi } from '../support/api.js';
import { expectError, expectFieldError } from '../support/routes.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const created_at = new Date(now).toISOString();

interface Org {
  id: string;
  kind: string;
  name: string;
  credit_code: string | null;
  region: string | null;
  sector: string | null;
  size: string | null;
  categories: string[];
  created_at: string;
}
interface Page {
  items: Org[];
  next_cursor: string | null;
}

describeEachEngine('organizations', (db) => {
  let api: TestApi;
  let a: Parties;
  let b: Parties;
  let auditor_key: string;
  let office_id: string;
  /** Every organization the suite made, by id. */
  const all = new Map<string, Org>();
  const byId = (x: Org, y: Org) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);

  const page = async (query: string, key?: string): Promise<Page> => {
    const res = await api.call('GET', `/api/v1/organizations${query}`, key === undefined ? {} : { key });
    expect({ query, status: res.statusCode, body: res.statusCode === 200 ? '' : res.body }).toEqual({ query, status: 200, body: '' });
    return res.json() as Page;
  };
  /** Every page of a query, one `limit` at a time, following next_cursor. */
  const walk = async (query: string, limit: number, key?: string): Promise<Org[]> => {
    const got: Org[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const sep = query === '' ? '?' : '&';
      const p = await page(`${query}${sep}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`, key);
      expect(p.items.length).toBeLessThanOrEqual(limit);
      got.push(...p.items);
      cursor = p.next_cursor;
      if (cursor === null) return got;
    }
    throw new Error('more than 100 pages');
  };
  const created = async (res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };

  it('sets up the office, two tenants and organizations with telling names', async () => {
    api = await testApi(db(), () => now);
    a = await createParties(api, 'a');
    b = await createParties(api, 'b');
    office_id = ((await api.call('GET', '/api/v1/me')).json() as { org_id: string }).org_id;
    auditor_key = ((await api.call('POST', '/api/v1/api-keys', { body: { org_id: office_id, role: 'auditor', label: 'auditor' } })).json() as { key: string })
      .key;
    const cc = creditCode();
    const lanxu = await created(
      await api.call('POST', '/api/v1/enterprises', {
        body: { name: 'Lanxu AI Research', credit_code: cc, region: '330100', sector: 'large_models', size: 'medium', categories: ['startup'] },
      }),
    );
    const percent = await created(await api.call('POST', '/api/v1/providers', { body: { name: '100% Compute_Co', region: '110000' } }));
    const chinese = await created(await api.call('POST', '/api/v1/providers', { body: { name: '蓝旭智能算力' } }));
    const enterprise = {
      kind: 'enterprise',
      credit_code: expect.any(String),
      region: '310000',
      sector: 'large_models',
      size: 'small',
      categories: [],
      created_at,
    };
    const provider = { kind: 'provider', credit_code: null, region: '310000', sector: null, size: null, categories: [], created_at };
    const expected: Org[] = [
      { id: office_id, kind: 'office', name: 'Program office', credit_code: null, region: null, sector: null, size: null, categories: [], created_at },
      { ...provider, id: a.provider_id, name: 'Provider a' },
      { ...enterprise, id: a.enterprise_id, name: 'Enterprise a' },
      { ...provider, id: b.provider_id, name: 'Provider b' },
      { ...enterprise, id: b.enterprise_id, name: 'Enterprise b' },
      {
        id: lanxu,
        kind: 'enterprise',
        name: 'Lanxu AI Research',
        credit_code: cc,
        region: '330100',
        sector: 'large_models',
        size: 'medium',
        categories: ['startup'],
        created_at,
      },
      { ...provider, id: percent, name: '100% Compute_Co', region: '110000' },
      { ...provider, id: chinese, name: '蓝旭智能算力', region: null },
    ];
    for (const o of expected) all.set(o.id, o);
  });

  it('lists every organization to an administrator and an auditor, in id order, exactly', async () => {
    const expected = [...all.values()].sort(byId);
    for (const key of [undefined, auditor_key]) {
      const got = await page('', key);
      expect(got).toEqual({ items: expected, next_cursor: null });
    }
    // what the list says is what the single read says
    for (const o of expected) {
      const res = await api.call('GET', `/api/v1/organizations/${o.id}`, { key: auditor_key });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(o);
    }
  });

  it('filters by kind', async () => {
    for (const kind of ['office', 'provider', 'enterprise'] as const) {
      const got = await page(`?kind=${kind}`);
      expect(got.items).toEqual([...all.values()].filter((o) => o.kind === kind).sort(byId));
    }
    expectFieldError(await api.call('GET', '/api/v1/organizations?kind=auditor'), 400, 'validation_failed', 'querystring.kind');
  });

  it('filters by a name fragment, ignoring case, with % and _ taken literally', async () => {
    const names = async (query: string) => (await page(query)).items.map((o) => o.name).sort();
    expect(await names('?q=lanXU')).toEqual(['Lanxu AI Research']);
    expect(await names('?q=PROVIDER')).toEqual(['Provider a', 'Provider b']);
    expect(await names('?q=provider&kind=enterprise')).toEqual([]);
    expect(await names('?q=enterprise%20B')).toEqual(['Enterprise b']);
    expect(await names(`?q=${encodeURIComponent('%')}`)).toEqual(['100% Compute_Co']);
    expect(await names('?q=_')).toEqual(['100% Compute_Co']);
    expect(await names('?q=!')).toEqual([]);
    expect(await names(`?q=${encodeURIComponent('旭智')}`)).toEqual(['蓝旭智能算力']);
    expect(await names('?q=nothing%20like%20this')).toEqual([]);
    // an empty fragment filters nothing
    expect((await page('?q=')).items).toHaveLength(all.size);
  });

  it('takes a name fragment of at most 100 characters', async () => {
    expect((await page(`?q=${'x'.repeat(100)}`)).items).toEqual([]);
    expectFieldError(await api.call('GET', `/api/v1/organizations?q=${'x'.repeat(101)}`), 400, 'validation_failed', 'querystring.q');
  });

  it('pages through the list with next_cursor, whatever the page size', async () => {
    const expected = [...all.values()].sort(byId);
    for (const limit of [1, 2, 3, expected.length, expected.length + 1]) {
      expect(await walk('', limit)).toEqual(expected);
    }
    expect(await walk('?kind=provider', 2)).toEqual(expected.filter((o) => o.kind === 'provider'));
    // a full page points at the next one; the last, short page ends it
    const first = await page('?limit=2');
    expect(first).toEqual({ items: expected.slice(0, 2), next_cursor: expected[1]!.id });
    const second = await page(`?limit=2&cursor=${first.next_cursor}`);
    expect(second.items).toEqual(expected.slice(2, 4));
    expect(await page(`?limit=${expected.length + 1}`)).toEqual({ items: expected, next_cursor: null });
  });

  it('takes a page size from 1 to page_records_max', async () => {
    const max = db().config.page_records_max;
    expect((await page(`?limit=${max}`)).items).toHaveLength(all.size);
    for (const limit of ['0', String(max + 1)]) {
      expectFieldError(await api.call('GET', `/api/v1/organizations?limit=${limit}`), 400, 'validation_failed', 'querystring.limit');
    }
    expectError(await api.call('GET', '/api/v1/organizations?limit=-1'), 400, 'validation_failed');
  });

  it('lists a provider and an enterprise only themselves, whatever they filter by', async () => {
    for (const [p, own_id, kind] of [
      [a, a.provider_id, 'provider'],
      [a, a.enterprise_id, 'enterprise'],
      [b, b.provider_id, 'provider'],
      [b, b.enterprise_id, 'enterprise'],
    ] as const) {
      const key = kind === 'provider' ? p.provider_key : p.enterprise_key;
      const own = all.get(own_id)!;
      expect(await page('', key)).toEqual({ items: [own], next_cursor: null });
      expect((await page(`?kind=${kind}`, key)).items).toEqual([own]);
      expect((await page(`?kind=${kind === 'provider' ? 'enterprise' : 'provider'}`, key)).items).toEqual([]);
      expect((await page('?kind=office', key)).items).toEqual([]);
      expect((await page(`?q=${encodeURIComponent(own.name.slice(-3))}`, key)).items).toEqual([own]);
      expect((await page('?q=Lanxu', key)).items).toEqual([]);
      // a cursor does not lead past the tenant's own organization into others
      expect((await page('?cursor=a', key)).items).toEqual([own]);
      expect((await page(`?cursor=${own_id}`, key)).items).toEqual([]);
      expect(await walk('', 1, key)).toEqual([own]);
    }
  });

  it("reads a tenant its own organization, and answers 404 for another's, the office's or a missing one", async () => {
    for (const [key, own_id] of [
      [a.provider_key, a.provider_id],
      [a.enterprise_key, a.enterprise_id],
      [b.provider_key, b.provider_id],
      [b.enterprise_key, b.enterprise_id],
    ] as const) {
      const res = await api.call('GET', `/api/v1/organizations/${own_id}`, { key });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(all.get(own_id));
      for (const other of [...all.keys()].filter((id) => id !== own_id)) {
        const denied = expectError(await api.call('GET', `/api/v1/organizations/${other}`, { key }), 404, 'not_found');
        const missing = expectError(await api.call('GET', '/api/v1/organizations/p_doesnotexist', { key }), 404, 'not_found');
        expect(denied.error.message.replace(other, 'X')).toBe(missing.error.message.replace('p_doesnotexist', 'X'));
      }
    }
    expectError(await api.call('GET', '/api/v1/organizations/p_doesnotexist'), 404, 'not_found');
    expect((await api.call('GET', `/api/v1/organizations/${office_id}`)).json()).toEqual(all.get(office_id));
  });
});
