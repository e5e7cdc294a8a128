// The store's contract, written once and run on SQLite and PostgreSQL.
import { expect, it } from 'vitest';
import { operator_actor } from '../../src/store/audit-repository.js';
import { describeEachEngine } from '../support/engines.js';
import { readCatalogFile } from '../../src/store/catalog-file.js';
import { migrate } from '../../src/store/database.js';
import { hashApiKey } from '../../src/store/store.js';
import type { UsageInput } from '../../src/domain/usage/validate-usage.js';
import { creditCode } from '../support/api.js';

describeEachEngine('store contract', (db) => {
  it('migrations are idempotent and the catalog seed never duplicates or overwrites', async () => {
    const { store } = db();
    expect(await migrate(store.connection)).toEqual([]);
    const shipped = readCatalogFile();
    expect((await store.catalog.list({})).length).toBe(shipped.length);
    const before = (await store.catalog.get('huawei-ascend-910b'))!;
    await store.catalog.replace({ ...before, notes: 'corrected by the office' }, operator_actor, 1);
    expect(await store.migrate(2)).toEqual({ migrations: [], catalog_added: 0 });
    expect((await store.catalog.get('huawei-ascend-910b'))!.notes).toBe('corrected by the office');
    const throughputs = await store.catalog.throughputs();
    expect(throughputs.get('huawei-ascend-910b')).toEqual({ gflops: 320_000, domestic: true, vendor: 'Huawei', tdp_w: 310 });
    expect(throughputs.get('metax-c500')?.gflops).toBeNull();
    expect(throughputs.get('nvidia-a800-80gb-pcie')?.gflops).toBe(311_870);
  });

  it('filters the catalog by domestic and vendor', async () => {
    const { store } = db();
    const domestic = await store.catalog.list({ domestic: true });
    expect(domestic.length).toBeGreaterThanOrEqual(10);
    expect(domestic.every((m) => m.domestic)).toBe(true);
    const huawei = await store.catalog.list({ vendor: 'Huawei' });
    expect(huawei.map((m) => m.id)).toContain('huawei-ascend-910c');
  });

  it('refuses a second organization with the same credit code', async () => {
    const { store } = db();
    const code = creditCode();
    expect(
      await store.organizations.create({ kind: 'enterprise', name: 'A', credit_code: code, region: '310000', sector: 'x' }, operator_actor, 1),
    ).not.toBeNull();
    expect(await store.organizations.create({ kind: 'enterprise', name: 'B', credit_code: code, region: '310000', sector: 'x' }, operator_actor, 1)).toBeNull();
  });

  it('keeps cluster names unique per provider and replaces inventory atomically', async () => {
    const { store } = db();
    const p = (await store.organizations.create({ kind: 'provider', name: 'P' }, operator_actor, 1))!;
    const inv = [{ accelerator: 'huawei-ascend-910b', count: 8, valid_from_ms: 0, valid_to_ms: null }];
    const c = (await store.clusters.create({ provider_id: p.id, name: 'a', region: '310000', inventory: inv }, operator_actor, 1))!;
    expect(await store.clusters.create({ provider_id: p.id, name: 'a', region: '310000', inventory: inv }, operator_actor, 1)).toBeNull();
    await store.clusters.replaceInventory(c.id, [{ accelerator: 'metax-c500', count: 16, valid_from_ms: 5, valid_to_ms: 10 }], operator_actor, 2);
    expect((await store.clusters.get(c.id))!.inventory).toEqual([{ accelerator: 'metax-c500', count: 16, valid_from_ms: 5, valid_to_ms: 10 }]);
  });

  it('finds a key by hash until it is revoked', async () => {
    const { store } = db();
    const office = await store.organizations.office(1);
    const k = await store.apiKeys.create(
      { org_id: office.id, role: 'auditor', label: 'l', key_hash: hashApiKey('secret-key-for-test-0001'), key_prefix: 'secret' },
      operator_actor,
      1,
    );
    expect((await store.apiKeys.findActive(hashApiKey('secret-key-for-test-0001')))?.id).toBe(k.id);
    expect(await store.apiKeys.revoke(k.id, operator_actor, 2)).toBe(true);
    expect(await store.apiKeys.revoke(k.id, operator_actor, 3)).toBe(false);
    expect(await store.apiKeys.findActive(hashApiKey('secret-key-for-test-0001'))).toBeNull();
  });

  it('writes a batch once: accepted, then duplicate or conflict; rollups sum the stored rows; the cursor pages', async () => {
    const { store } = db();
    const input = (id: string, o: Partial<UsageInput> = {}): UsageInput => ({
      record_id: id,
      cluster_id: 'c',
      enterprise_id: 'e',
      accelerator: 'huawei-ascend-910b',
      count: 1,
      started_at_ms: Date.parse('2026-10-01T23:00:00Z'),
      ended_at_ms: Date.parse('2026-10-02T01:00:00Z'),
      amount_fen: 1000,
      job_ref: null,
      workload: null,
      energy_wh: null,
      ...o,
    });
    const row = (i: UsageInput) => ({ input: i, derived: { card_s: i.count * 7200, compute_gflop: BigInt(i.count * 7200) * 320_000n } });
    const rows = [
      row(input('a')),
      row(input('b', { count: 2 })),
      row(input('c', { started_at_ms: Date.parse('2026-11-01T00:00:00Z'), ended_at_ms: Date.parse('2026-11-01T01:00:00Z') })),
    ];
    expect(await store.usage.insertBatch('p', rows, 10)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await store.usage.insertBatch('p', [rows[0]!, row(input('b', { count: 3 })), row(input('d'))], 11)).toEqual(['duplicate', 'conflict', 'accepted']);
    // the same record_id from another provider is another record
    expect(await store.usage.insertBatch('q', [rows[0]!], 12)).toEqual(['accepted']);

    const page1 = await store.usage.list({ provider_id: 'p' }, 2);
    const page2 = await store.usage.list({ provider_id: 'p', after: { xid: page1[1]!.xid, seq: page1[1]!.seq } }, 2);
    expect([...page1, ...page2].map((u) => u.record_id)).toEqual(['a', 'b', 'c', 'd']);
    expect(page1[1]).toMatchObject({ count: 2, card_s: 14_400, compute_gflop: 4_608_000_000n, received_at_ms: 10 });

    // days are the office's (Asia/Shanghai): 2026-10-01T23:00Z is 07:00 on 2 October in Beijing
    const by_day = await store.usage.summary('day', { provider_id: 'p' });
    expect(by_day.map((r) => [r.key, r.records, r.amount_fen])).toEqual([
      ['2026-10-02', 3, 3000n],
      ['2026-11-01', 1, 1000n],
    ]);
    const by_month = await store.usage.summary('month', {});
    expect(by_month.map((r) => [r.key, r.records])).toEqual([
      ['2026-10', 4],
      ['2026-11', 1],
    ]);
    const by_domestic = await store.usage.summary('domestic', { from_day: '2026-10-02', to_day: '2026-10-03' });
    expect(by_domestic).toEqual([{ key: 'true', records: 4, card_s: 36_000n, card_s_unnormalized: 0n, compute_gflop: 11_520_000_000n, amount_fen: 4000n }]);
  });

  it('sums compute beyond 2^53 exactly', async () => {
    const { store } = db();
    const big = 2n ** 53n + 1n;
    const i: UsageInput = {
      record_id: 'big',
      cluster_id: 'c',
      enterprise_id: 'e-big',
      accelerator: 'huawei-ascend-910b',
      count: 1,
      started_at_ms: 0,
      ended_at_ms: 1000,
      amount_fen: 0,
      job_ref: null,
      workload: null,
      energy_wh: null,
    };
    await store.usage.insertBatch(
      'p-big',
      [
        { input: i, derived: { card_s: 1, compute_gflop: big } },
        { input: { ...i, record_id: 'big2' }, derived: { card_s: 1, compute_gflop: big } },
      ],
      1,
    );
    const [sum] = await store.usage.summary('enterprise', { enterprise_id: 'e-big' });
    expect(sum!.compute_gflop).toBe(2n * big);
    const [stored] = await store.usage.list({ provider_id: 'p-big' }, 1);
    expect(stored!.compute_gflop).toBe(big);
  });
});
