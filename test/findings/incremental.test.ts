// The incremental checks on both engines: ingest queues the windows its records ran in; the checker finds what the full
// check finds, without rescanning everything, and a window touched while it was being checked stays queued.
import { expect, it } from 'vitest';
import { runChecks } from '../../src/service/checks.js';
import { IntegrityChecker } from '../../src/service/integrity-checker.js';
import { findDuplicates } from '../../src/domain/integrity/duplicates.js';
import { findPriceOutliers } from '../../src/domain/integrity/price.js';
import { findingKey } from '../../src/domain/integrity/finding.js';
import { operator_actor } from '../../src/store/audit-repository.js';
import { describeEachEngine, type EngineDb } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { mulberry32 } from '../support/prng.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const day = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describeEachEngine('incremental integrity checks', (db) => {
  let api: TestApi;
  let a: Parties;
  let b: Parties;
  let checker: IntegrityChecker;
  const post = async (p: Parties, records: unknown[]) => {
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { accepted: number };
  };
  const openFindings = async (store: EngineDb['store'], kind: string) => (await store.findings.list({ kind: kind as 'capacity_overrun', limit: 1000 })).items;

  it('queues every cluster × model × day a new record ran in, once per window', async () => {
    api = await testApi(db(), () => now);
    a = await createParties(api, 'ia');
    b = await createParties(api, 'ib');
    checker = new IntegrityChecker(db().store, { interval_ms: 60_000, duration_ms_max: db().config.usage_duration_s_max * 1000 });
    expect(db().config.incremental_checks).toBe(true);
    // one record spanning three UTC days, two on the same day
    await post(a, [
      usageRecord(a, 'q-1', { count: 1, started_at: '2026-07-01T20:00:00Z', ended_at: '2026-07-03T04:00:00Z' }),
      usageRecord(a, 'q-2', { count: 1, started_at: '2026-07-01T01:00:00Z', ended_at: '2026-07-01T02:00:00Z' }),
      usageRecord(a, 'q-3', { count: 1, accelerator: 'metax-c500', started_at: '2026-07-01T01:00:00Z', ended_at: '2026-07-01T02:00:00Z' }),
    ]);
    const q = await db().store.findings.pendingWindows(100);
    const d = (s: string) => Date.parse(s) / day;
    expect(q.map((w) => [w.accelerator, w.day])).toEqual([
      ['huawei-ascend-910b', d('2026-07-01T00:00:00Z')],
      ['huawei-ascend-910b', d('2026-07-02T00:00:00Z')],
      ['huawei-ascend-910b', d('2026-07-03T00:00:00Z')],
      ['metax-c500', d('2026-07-01T00:00:00Z')],
    ]);
    // a re-send (duplicate) queues nothing new
    await db().store.findings.clearWindows(q);
    await post(a, [usageRecord(a, 'q-2', { count: 1, started_at: '2026-07-01T01:00:00Z', ended_at: '2026-07-01T02:00:00Z' })]);
    expect(await db().store.findings.pendingWindowCount()).toBe(0);
  });

  it('finds an overrun built up over two batches, whole, with the key the full check gives it', async () => {
    // 64 cards; 40 + 40 busy from 10:00 to 12:00 on 2026-08-01, the second batch a day later
    await post(a, [usageRecord(a, 'o-1', { count: 40, started_at: '2026-07-31T22:00:00Z', ended_at: '2026-08-01T12:00:00Z' })]);
    expect((await checker.drainAll(now)).capacity_overruns).toBe(0);
    await post(a, [usageRecord(a, 'o-2', { count: 40, started_at: '2026-08-01T10:00:00Z', ended_at: '2026-08-01T16:00:00Z' })]);
    const r = await checker.drainAll(now);
    expect(r).toMatchObject({ capacity_overruns: 1, created: 1 });
    const [f] = (await openFindings(db().store, 'capacity_overrun')).filter((x) => x.subject.cluster_id === a.cluster_id);
    expect(f).toMatchObject({
      interval: { from_ms: Date.parse('2026-08-01T10:00:00Z'), to_ms: Date.parse('2026-08-01T12:00:00Z') },
      evidence: { busy_max: 80, excess: 16 },
    });
    expect(await db().store.findings.pendingWindowCount()).toBe(0);
    const full = await runChecks(db().store, { from_ms: Date.parse('2026-07-01T00:00:00Z'), to_ms: Date.parse('2026-09-01T00:00:00Z') }, operator_actor, now, {
      duration_ms_max: 31 * 86_400_000,
    });
    expect(full.found.capacity_overrun).toBe(1);
    expect(full.created).toBe(0);
    // a third job makes it longer: the larger overrun is stored, the earlier one superseded (not left open)
    await post(a, [usageRecord(a, 'o-3', { count: 30, started_at: '2026-08-01T11:00:00Z', ended_at: '2026-08-01T14:00:00Z' })]);
    expect(await checker.drainAll(now)).toMatchObject({ created: 1, superseded: 1 });
    const aug = (await db().store.findings.list({ kind: 'capacity_overrun', limit: 100 })).items.filter(
      (x) =>
        x.subject.cluster_id === a.cluster_id &&
        x.interval !== null &&
        x.interval.from_ms >= Date.parse('2026-08-01T00:00:00Z') &&
        x.interval.to_ms <= Date.parse('2026-08-02T00:00:00Z'),
    );
    expect(aug.map((x) => [x.status, x.interval?.to_ms]).sort()).toEqual([
      ['open', Date.parse('2026-08-01T14:00:00Z')],
      ['superseded', Date.parse('2026-08-01T12:00:00Z')],
    ]);
    expect(
      (
        await runChecks(db().store, { from_ms: Date.parse('2026-07-01T00:00:00Z'), to_ms: Date.parse('2026-09-01T00:00:00Z') }, operator_actor, now, {
          duration_ms_max: 31 * 86_400_000,
        })
      ).created,
    ).toBe(0);
  });

  it('reports an overrun that runs for days whole, though the new record touches one day of it', async () => {
    // 64 cards: 60 busy for 5 days, then a 10-card job inside day 3 only: 70 busy during that job
    await post(a, [usageRecord(a, 'long-1', { count: 60, started_at: '2026-09-01T00:00:00Z', ended_at: '2026-09-06T00:00:00Z' })]);
    await checker.drainAll(now);
    await post(a, [usageRecord(a, 'long-2', { count: 10, started_at: '2026-09-03T05:00:00Z', ended_at: '2026-09-03T06:00:00Z' })]);
    expect((await db().store.findings.pendingWindows(10)).map((w) => w.day)).toEqual([Date.parse('2026-09-03T00:00:00Z') / day]);
    expect((await checker.drainAll(now)).created).toBe(1);
    const f = (await openFindings(db().store, 'capacity_overrun')).find((x) => x.interval?.from_ms === Date.parse('2026-09-03T05:00:00Z'));
    expect(f?.interval?.to_ms).toBe(Date.parse('2026-09-03T06:00:00Z'));
    // and an overrun that extends past the queued day: 30 + 40 for 3 days, the second record queued alone
    await post(b, [usageRecord(b, 'wide-1', { count: 30, started_at: '2026-10-01T00:00:00Z', ended_at: '2026-10-04T00:00:00Z' })]);
    await checker.drainAll(now);
    await post(b, [usageRecord(b, 'wide-2', { count: 40, started_at: '2026-09-30T12:00:00Z', ended_at: '2026-10-04T12:00:00Z' })]);
    await checker.drainAll(now);
    const wide = (await openFindings(db().store, 'capacity_overrun')).filter((x) => x.subject.cluster_id === b.cluster_id);
    expect(wide.map((x) => x.interval)).toEqual([{ from_ms: Date.parse('2026-10-01T00:00:00Z'), to_ms: Date.parse('2026-10-04T00:00:00Z') }]);
  });

  it('finds a job billed through two providers', async () => {
    await post(a, [usageRecord(a, 'd-a', { count: 2, job_ref: 'slurm:77', started_at: '2026-10-10T00:00:00Z', ended_at: '2026-10-10T02:00:00Z' })]);
    await post(b, [
      usageRecord({ cluster_id: b.cluster_id, enterprise_id: a.enterprise_id }, 'd-b', {
        count: 2,
        job_ref: 'slurm:77',
        started_at: '2026-10-10T00:10:00Z',
        ended_at: '2026-10-10T02:10:00Z',
      }),
    ]);
    const r = await checker.drainAll(now);
    expect(r.duplicates).toBeGreaterThanOrEqual(1);
    const dup = (await db().store.findings.list({ kind: 'duplicate_job', limit: 10 })).items;
    expect(dup).toHaveLength(1);
    expect(dup[0]!.subject).toMatchObject({ enterprise_id: a.enterprise_id, job_ref: 'slurm:77' });
  });

  it('keeps a window that new records touched while it was being checked', async () => {
    await post(a, [usageRecord(a, 'g-1', { count: 1, started_at: '2026-10-20T00:00:00Z', ended_at: '2026-10-20T01:00:00Z' })]);
    const read = await db().store.findings.pendingWindows(10);
    expect(read).toHaveLength(1);
    await post(a, [usageRecord(a, 'g-2', { count: 1, started_at: '2026-10-20T03:00:00Z', ended_at: '2026-10-20T04:00:00Z' })]);
    await db().store.findings.clearWindows(read); // the checker finishing with what it read before g-2
    expect(await db().store.findings.pendingWindowCount()).toBe(1);
    await checker.drainAll(now);
    expect(await db().store.findings.pendingWindowCount()).toBe(0);
  });

  it('judges prices against a reference the office set, and against the market price once two providers make one', async () => {
    // metax-c500: 1 card × 1 h billed 20,000 fen where the office says 1,000 fen per card-hour is the going rate
    const set = await api.call('PUT', '/api/v1/accelerators/metax-c500/reference-price', { body: { fen_per_card_h: 1000, source: 'test: office price list' } });
    expect(set.statusCode, set.body).toBe(200);
    await post(a, [
      usageRecord(a, 'p-high', {
        accelerator: 'metax-c500',
        count: 1,
        started_at: '2026-11-02T00:00:00Z',
        ended_at: '2026-11-02T01:00:00Z',
        amount_fen: 20_000,
      }),
      usageRecord(a, 'p-fair', {
        accelerator: 'metax-c500',
        count: 1,
        started_at: '2026-11-02T02:00:00Z',
        ended_at: '2026-11-02T03:00:00Z',
        amount_fen: 1_100,
      }),
      usageRecord(a, 'p-low', { accelerator: 'metax-c500', count: 2, started_at: '2026-11-02T04:00:00Z', ended_at: '2026-11-02T05:00:00Z', amount_fen: 100 }),
    ]);
    expect((await checker.drainAll(now)).price_outliers).toBe(2);
    const prices = (await db().store.findings.list({ kind: 'price_outlier', limit: 10 })).items;
    expect(
      prices
        .map((f) => [f.severity, f.evidence.direction, f.evidence.price_fen_per_card_h, f.evidence.reference_basis])
        .sort((x, y) => Number(y[2]) - Number(x[2])),
    ).toEqual([
      ['medium', 'above', 20_000, 'set'],
      ['low', 'below', 50, 'set'],
    ]);
    const full = await runChecks(db().store, { from_ms: Date.parse('2026-11-02T00:00:00Z'), to_ms: Date.parse('2026-11-03T00:00:00Z') }, operator_actor, now, {
      duration_ms_max: 31 * 86_400_000,
    });
    expect(full.found.price_outlier).toBe(2);
    expect(full.created).toBe(0);

    // the market: 120 records of two providers on the A800 (used nowhere else here) at 1 card-hour for 900 fen, one at 9,000
    const rows = (p: Parties, tag: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        usageRecord(p, `${tag}-${i}`, {
          accelerator: 'nvidia-a800-80gb-pcie',
          count: 1,
          started_at: iso(Date.parse('2026-11-05T00:00:00Z') + i * 3_600_000),
          ended_at: iso(Date.parse('2026-11-05T01:00:00Z') + i * 3_600_000),
          amount_fen: 900,
        }),
      );
    await post(a, rows(a, 'm-a', 60));
    await post(b, [
      ...rows(b, 'm-b', 59),
      usageRecord(b, 'm-b-dear', {
        accelerator: 'nvidia-a800-80gb-pcie',
        count: 1,
        started_at: '2026-11-09T00:00:00Z',
        ended_at: '2026-11-09T01:00:00Z',
        amount_fen: 9_000,
      }),
    ]);
    const listed = (await api.call('GET', '/api/v1/reference-prices')).json() as { items: { accelerator: string; basis: string; fen_per_card_h: number }[] };
    const market = listed.items.find((r) => r.accelerator === 'nvidia-a800-80gb-pcie');
    expect(market).toMatchObject({ basis: 'market', fen_per_card_h: Math.floor((119 * 900 + 9000) / 120), market: { records: 120, providers: 2 } });
    expect(listed.items.find((r) => r.accelerator === 'metax-c500')).toMatchObject({ basis: 'set', fen_per_card_h: 1000, market: null });
    await checker.drainAll(now);
    const dear = (await db().store.findings.list({ kind: 'price_outlier', limit: 100 })).items.filter((f) => f.subject.accelerator === 'nvidia-a800-80gb-pcie');
    expect(dear).toHaveLength(1);
    expect(dear[0]!.evidence).toMatchObject({ direction: 'above', price_fen_per_card_h: 9000, reference_basis: 'market' });
    expect((await api.call('GET', '/api/v1/reference-prices', { key: a.provider_key })).statusCode).toBe(403);
  });

  it('finds in the database exactly the records the duplicate and price checks flag among all of a day (random data)', async () => {
    const rand = mulberry32(777);
    const base = Date.parse('2026-04-10T00:00:00Z');
    for (const [p, tag] of [
      [a, 'ra'],
      [b, 'rb'],
    ] as const) {
      const records = Array.from({ length: 150 }, (_, i) => {
        const start = base + Math.floor(rand() * 20) * 3_600_000;
        const hours = 1 + Math.floor(rand() * 3);
        return usageRecord({ cluster_id: p.cluster_id, enterprise_id: rand() < 0.5 ? a.enterprise_id : b.enterprise_id }, `${tag}-${i}`, {
          // b mostly reports other card counts than a, so only a few shapes come from both providers
          accelerator: 'metax-c500',
          count: tag === 'ra' ? 1 + Math.floor(rand() * 4) : rand() < 0.1 ? 1 : 5 + Math.floor(rand() * 3),
          started_at: iso(start),
          ended_at: iso(start + hours * 3_600_000),
          amount_fen: Math.floor(2000 * hours * (rand() < 0.05 ? 10 : 0.5 + rand())),
          job_ref: rand() < 0.1 ? `shared-${Math.floor(rand() * 10)}` : `${tag}-${i}`,
        });
      });
      await post(p, records);
    }
    const pairs = await db().store.findings.usageClusterModels(base, base + day, 31 * day);
    const refs = new Map([['metax-c500', 2000]]);
    const band = { low_bp: 3000, high_bp: 30_000 };
    const all = await db().store.findings.windowRecords(pairs, base, base + day, 31 * day);
    const candidates = await db().store.findings.dayCandidates(pairs, base, base + day, 31 * day, refs, band);
    expect(candidates.length).toBeLessThan(all.length);
    const keys = (records: typeof all) =>
      [...findDuplicates(records, db().store.calendar).findings, ...findPriceOutliers(records, refs, band)].map(findingKey).sort();
    const expected = keys(all);
    expect(expected.length).toBeGreaterThan(10);
    expect(keys(candidates)).toEqual(expected);
  });

  it('agrees with the full check on random batches (capacity): after every drain, the full check finds nothing new', async () => {
    const rand = mulberry32(4242);
    const base = Date.parse('2026-05-01T00:00:00Z');
    let k = 0;
    for (let batch = 0; batch < 12; batch++) {
      const records = [];
      for (let i = 0; i < 15; i++) {
        const start = base + Math.floor((rand() * 6 * day) / 60_000) * 60_000;
        const hours = 1 + Math.floor(rand() * 40);
        records.push(usageRecord(a, `r-${k++}`, { count: 5 + Math.floor(rand() * 20), started_at: iso(start), ended_at: iso(start + hours * 3_600_000) }));
      }
      await post(a, records);
      await checker.drainAll(now);
    }
    const period = { from_ms: base - 40 * day, to_ms: base + 10 * day };
    const full = await runChecks(db().store, period, operator_actor, now, { duration_ms_max: 31 * 86_400_000 });
    expect(full.found.capacity_overrun).toBeGreaterThan(0);
    expect(full.created).toBe(0);
  });
});
