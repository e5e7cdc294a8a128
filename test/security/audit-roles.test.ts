// The audit log presented per role, on both engines (issue 12, F7): an auditor reads every entry's place in the chain
// (seq, hashes, action, subject, actor, time) but not the content of entries its role may not read — reference prices
// are the office's commercial data (docs/security.md, role matrix). The attack: an auditor paging GET /api/v1/audit for
// catalog.reference_price entries to read the prices that GET /api/v1/reference-prices refuses it.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { testApi, type TestApi } from '../support/api.js';
import { expectError } from '../support/routes.js';
import { audit_payloads, withheldReason } from '../../src/http/routes/audit.js';
import { claim_actions } from '../../src/domain/claim/claim-state.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const price = 987_654;
const source = 'office price list 2026-Q4 (confidential)';

interface Entry {
  seq: number;
  action: string;
  subject: { kind: string; id: string };
  actor: unknown;
  at: string;
  at_ms: number;
  before: unknown;
  after: unknown;
  withheld: { fields: string[]; reason: string } | null;
  prev_hash: string;
  hash: string;
}

describeEachEngine('the audit log per role', (db) => {
  let api: TestApi;
  let auditor: string;
  const all = async (key?: string): Promise<{ items: Entry[]; text: string }> => {
    const items: Entry[] = [];
    let text = '';
    let after = '0';
    for (let page = 0; page < 100; page++) {
      const res = await api.call('GET', `/api/v1/audit?limit=50&after_seq=${after}`, key === undefined ? {} : { key });
      expect(res.statusCode, res.body).toBe(200);
      text += res.body;
      const body = res.json() as { items: Entry[]; next_cursor: string | null };
      items.push(...body.items);
      if (body.next_cursor === null) return { items, text };
      after = body.next_cursor;
    }
    throw new Error('more than 100 pages');
  };

  it('withholds reference prices from an auditor, keeping the chain fields', async () => {
    api = await testApi(db(), () => now);
    const me = (await api.call('GET', '/api/v1/me')).json() as { org_id: string };
    auditor = ((await api.call('POST', '/api/v1/api-keys', { body: { org_id: me.org_id, role: 'auditor', label: 'inspection' } })).json() as { key: string })
      .key;
    expect((await api.call('PUT', '/api/v1/accelerators/metax-c500/reference-price', { body: { fen_per_card_h: price, source } })).statusCode).toBe(200);
    expect((await api.call('PUT', '/api/v1/accelerators/metax-c500/reference-price', { body: { fen_per_card_h: price + 1, source } })).statusCode).toBe(200);
    expect((await api.call('DELETE', '/api/v1/accelerators/metax-c500/reference-price')).statusCode).toBe(200);

    // the administrator reads the prices
    const office = await all();
    const priced = office.items.filter((e) => e.action === 'catalog.reference_price');
    expect(priced).toHaveLength(3);
    expect(priced[0]).toMatchObject({ after: { fen_per_card_h: price, source }, withheld: null });
    expect(priced[2]).toMatchObject({ before: { fen_per_card_h: price + 1, source }, after: null, withheld: null });

    // the auditor sees the same entries, in the same places, with their content withheld and said so
    const seen = await all(auditor);
    expect(seen.items.map((e) => [e.seq, e.hash, e.prev_hash, e.action, e.at_ms])).toEqual(
      office.items.map((e) => [e.seq, e.hash, e.prev_hash, e.action, e.at_ms]),
    );
    for (const e of seen.items.filter((x) => x.action === 'catalog.reference_price')) {
      const admin_view = office.items.find((x) => x.seq === e.seq)!;
      expect(e).toMatchObject({ before: null, after: null, subject: { kind: 'accelerator', id: 'metax-c500' }, actor: admin_view.actor, at: admin_view.at });
      expect(e.withheld).toEqual({ fields: ['before', 'after'], reason: expect.stringContaining('administrators only') });
    }
    expect(seen.text).not.toContain(String(price));
    expect(seen.text).not.toContain(String(price + 1));
    expect(seen.text).not.toContain('confidential');
    // filtering for the action does not get round it
    const filtered = await api.call('GET', '/api/v1/audit?action=catalog.reference_price', { key: auditor });
    expect(filtered.body).not.toContain(String(price));
    expect((filtered.json() as { items: Entry[] }).items).toHaveLength(3);
    // other entries keep their content for the auditor (the key it was issued, for one)
    expect(seen.items.find((e) => e.action === 'api_key.create' && (e.after as { role?: string }).role === 'auditor')).toMatchObject({
      withheld: null,
      after: { label: 'inspection' },
    });
    // and the prices stay refused where they live
    expectError(await api.call('GET', '/api/v1/reference-prices', { key: auditor }), 403, 'forbidden');
  });

  it('lets the auditor still verify the chain', async () => {
    const seen = await all(auditor);
    for (let i = 1; i < seen.items.length; i++) expect(seen.items[i]!.prev_hash, `seq ${seen.items[i]!.seq}`).toBe(seen.items[i - 1]!.hash);
    expect((await api.call('GET', '/api/v1/audit/verify', { key: auditor })).json()).toMatchObject({ ok: true, first_bad_seq: null });
  });
});

it('classifies every action the store writes, and shows an unclassified one to administrators only', () => {
  const root = new URL('../../src/store/', import.meta.url).pathname;
  const written = new Set<string>(claim_actions.map((a) => `claim.${a}`));
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
  for (const file of walk(root)) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      for (const value of line.matchAll(/\baction: ([^,}]*)/g)) {
        for (const m of value[1]!.matchAll(/'([a-z_]+\.[a-z_]+)'/g)) written.add(m[1]!);
      }
    }
  }
  expect(written.size).toBeGreaterThan(25);
  expect([...written].filter((a) => audit_payloads[a] === undefined).sort()).toEqual([]);
  const as = (role: 'administrator' | 'auditor') => ({ key_id: 'k', org_id: 'office', role, via: 'key' as const });
  expect(withheldReason('something.new', as('administrator'))).toBeNull();
  expect(withheldReason('something.new', as('auditor'))).toContain('administrators only');
  expect(withheldReason('catalog.reference_price', as('auditor'))).toContain('administrators only');
  expect(withheldReason('ledger.transfer', as('auditor'))).toBeNull();
});
