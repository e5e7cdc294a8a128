// GET /dashboard/overview on both engines: exact figures for a small hand-checked data set (usage on domestic and
// foreign models over several months, inventory that changes, claims approved, paid and clawed back at known
// instants, findings), then the whole answer against a naive computation over the raw records; the 400s naming the
// field, the range limit at and just past it, and who may read it.
import { expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectFieldError, expectError } from '../support/routes.js';
import { cardHours, formatPflopHours } from '../../src/domain/catalog/compute.js';
import { system_actor } from '../../src/store/audit-repository.js';
import type { Finding } from '../../src/domain/integrity/finding.js';

const t = (iso: string) => Date.parse(iso);
const now = t('2026-11-29T12:00:00Z');
const day_ms = 86_400_000;
const base = '/api/v1/dashboard/overview';

interface Wire {
  record_id: string;
  cluster_id: string;
  enterprise_id: string;
  accelerator: string;
  count: number;
  started_at: string;
  ended_at: string;
  amount_fen: number;
}
interface Interval {
  accelerator: string;
  count: number;
  valid_from: string;
  valid_to?: string;
}

/** Every cluster's inventory as the test created it (createParties gives each provider the first three). */
const main_inventory: Interval[] = [
  { accelerator: 'huawei-ascend-910b', count: 64, valid_from: '2026-01-01T00:00:00Z' },
  { accelerator: 'nvidia-a800-80gb-pcie', count: 16, valid_from: '2026-01-01T00:00:00Z' },
  { accelerator: 'metax-c500', count: 8, valid_from: '2026-01-01T00:00:00Z' },
];
const b2_inventory: Interval[] = [
  { accelerator: 'cambricon-mlu370-x8', count: 32, valid_from: '2026-09-10T00:00:00Z' },
  { accelerator: 'nvidia-h20', count: 8, valid_from: '2026-02-01T00:00:00Z', valid_to: '2026-10-01T00:00:00Z' },
];

interface MonthView {
  month: string;
  records: number;
  card_hours: string;
  domestic_card_hours: string;
  compute_pflop_h: string;
  domestic_compute_pflop_h: string;
  used_domestic_share_bp: number | null;
  installed_pflops: string;
  domestic_installed_pflops: string;
  installed_domestic_share_bp: number | null;
  subsidy_approved_fen: string;
  subsidy_paid_fen: string;
  subsidy_clawed_back_fen: string;
}
interface TrendView {
  slope_bp_per_month: number | null;
  points: { month: string; share_bp: number }[];
  share_bp_at_target: number | null;
  reaches_target_month: string | null;
}
interface OrgView {
  id: string;
  name: string;
  compute_pflop_h: string;
  domestic_compute_pflop_h: string;
  domestic_share_bp: number | null;
}
interface OverviewView {
  generated_at: string;
  reference_accelerator: string;
  target: { share_bp: number; month: string; source: string | null; note: string };
  months: MonthView[];
  projection: { method: string; used: TrendView; installed: TrendView };
  programs: {
    id: string;
    name_zh: string;
    name_en: string;
    budget_fen: string;
    committed_fen: string;
    paid_fen: string;
    available_fen: string;
    burn: { month: string; committed_fen: string }[];
    projected_exhaustion_date: string | null;
    exhaustion_method: string;
  }[];
  top_enterprises: OrgView[];
  top_providers: OrgView[];
  findings: { open_high: number; open_total: number; recent_high: { id: string; kind: string; severity: string; message: string; detected_at: string }[] };
}

// The office's months are Beijing's (the default SUANLI_TIME_ZONE). China keeps UTC+8 all year, so the oracle adds
// eight hours: a computation independent of the server's zone arithmetic.
const beijing_ms = 8 * 3_600_000;
const monthOf = (ms: number) => new Date(ms + beijing_ms).toISOString().slice(0, 7);
const halfUpBp = (part: bigint, whole: bigint) => (whole === 0n ? null : Number((part * 20_000n + whole) / (2n * whole)));

describeEachEngine('the dashboard overview', (db) => {
  let clock = now;
  let api: TestApi;
  let a: Parties;
  let b: Parties;
  let b2_cluster: string;
  let auditor_key: string;
  let program_id: string;
  const sent: Wire[] = [];
  const clusters = new Map<string, Interval[]>();

  const call = async (url: string, key?: string): Promise<LightMyRequestResponse> => api.call('GET', url, key === undefined ? {} : { key });
  const overview = async (query = '', key?: string): Promise<OverviewView> => {
    const res = await call(`${base}${query}`, key);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    return res.json() as OverviewView;
  };
  const ok = (res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body.slice(0, 500)).toBeLessThan(300);
    return res.json() as Record<string, unknown>;
  };
  const ingest = async (p: Parties, records: Wire[]) => {
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    expect(res.json(), res.body.slice(0, 500)).toMatchObject({ accepted: records.length, rejected: [] });
    sent.push(...records);
  };
  const record = (
    p: Parties,
    cluster_id: string,
    enterprise: Parties,
    id: string,
    accelerator: string,
    count: number,
    started_at: string,
    hours: number,
    amount_fen: number,
  ): Wire => {
    const ended_at = new Date(t(started_at) + hours * 3_600_000).toISOString();
    return usageRecord({ cluster_id, enterprise_id: enterprise.enterprise_id }, `${id}`, {
      accelerator,
      count,
      started_at,
      ended_at,
      amount_fen,
    }) as unknown as Wire;
  };

  it('answers an empty database with the current month, all zero', async () => {
    api = await testApi(db(), () => clock);
    const o = await overview();
    expect(o).toMatchObject({
      generated_at: '2026-11-29T12:00:00.000Z',
      reference_accelerator: 'nvidia-a100-80gb-sxm',
      target: { share_bp: 7000, month: '2027-12', source: expect.stringContaining('deepnewz.com'), note: expect.stringContaining('70%') },
      programs: [],
      top_enterprises: [],
      top_providers: [],
      findings: { open_high: 0, open_total: 0, recent_high: [] },
    });
    expect(o.months).toEqual([
      {
        month: '2026-11',
        records: 0,
        card_hours: '0.000',
        domestic_card_hours: '0.000',
        compute_pflop_h: '0.000000',
        domestic_compute_pflop_h: '0.000000',
        used_domestic_share_bp: null,
        installed_pflops: '0.000000',
        domestic_installed_pflops: '0.000000',
        installed_domestic_share_bp: null,
        subsidy_approved_fen: '0',
        subsidy_paid_fen: '0',
        subsidy_clawed_back_fen: '0',
      },
    ]);
    expect(o.projection.used).toEqual({ slope_bp_per_month: null, points: [], share_bp_at_target: null, reaches_target_month: null });
    expect(o.projection.method).toMatch(/least-squares/);
  });

  it('sets up two providers (one with a second cluster whose inventory changes), an auditor and a program', async () => {
    a = await createParties(api, 'a');
    b = await createParties(api, 'b');
    clusters.set(a.cluster_id, main_inventory);
    clusters.set(b.cluster_id, main_inventory);
    b2_cluster = String(
      ok(await api.call('POST', `/api/v1/providers/${b.provider_id}/clusters`, { body: { name: 'sh-b2', region: '310000', inventory: b2_inventory } })).id,
    );
    clusters.set(b2_cluster, b2_inventory);
    const office = String(ok(await call('/api/v1/me')).org_id);
    auditor_key = String(ok(await api.call('POST', '/api/v1/api-keys', { body: { org_id: office, role: 'auditor', label: 'auditor' } })).key);
    program_id = String(
      ok(
        await api.call('POST', '/api/v1/programs', {
          body: {
            code: 'dash-voucher',
            name_zh: '看板算力券',
            name_en: 'Dashboard voucher',
            kind: 'compute_rent',
            beneficiary_kind: 'enterprise',
            funding_layer: 'dash',
            window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
            budget_fen: 100_000,
            rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }] },
          },
        }),
      ).id,
    );
  });

  it('gives exact figures for hand-checked usage, inventory and claims', async () => {
    await ingest(a, [
      record(a, a.cluster_id, a, 'h1', 'huawei-ascend-910b', 8, '2026-08-03T00:00:00Z', 6, 48_000), // 172,800 card-s × 320,000 GFLOPS
      record(a, a.cluster_id, b, 'h2', 'nvidia-a800-80gb-pcie', 4, '2026-08-10T00:00:00Z', 2, 9_000),
      record(a, a.cluster_id, a, 'h3', 'metax-c500', 2, '2026-08-31T15:00:00Z', 2, 6_000), // no throughput figure; 23:00 on 31 August in Beijing: counts in August, where it started
      record(a, a.cluster_id, a, 'h7', 'nvidia-a800-80gb-pcie', 1, '2026-11-02T00:00:00Z', 1, 2_000),
    ]);
    await ingest(b, [
      record(b, b.cluster_id, a, 'h4', 'huawei-ascend-910b', 1, '2026-09-05T00:00:00Z', 1, 1_000),
      record(b, b2_cluster, b, 'h5', 'cambricon-mlu370-x8', 4, '2026-09-20T00:00:00Z', 5, 20_000),
      record(b, b2_cluster, b, 'h6', 'nvidia-h20', 8, '2026-09-21T00:00:00Z', 3, 30_000),
    ]);
    // Claims at known instants: approved 09-05 and paid 09-20 (enterprise a, August: 30% of 48,000 + 6,000 = 16,200);
    // approved 10-15 and clawed back unpaid 11-20 (enterprise b, September: 30% of 20,000 = 6,000); approved and paid
    // 11-25, 100 recovered 11-26 (enterprise a, September: 30% of 1,000 = 300).
    const claim = async (at: string, enterprise: Parties, period_start: string, period_end: string): Promise<string> => {
      clock = t(at);
      const c = ok(await api.call('POST', '/api/v1/claims', { key: enterprise.enterprise_key, body: { program_id, period_start, period_end } }));
      ok(await api.call('POST', `/api/v1/claims/${String(c.id)}/submit`, { key: enterprise.enterprise_key, body: {} }));
      return String(c.id);
    };
    const act = async (at: string, id: string, action: string, body: Record<string, unknown> = {}) => {
      clock = t(at);
      return ok(await api.call('POST', `/api/v1/claims/${id}/${action}`, { body }));
    };
    const c1 = await claim('2026-09-05T10:00:00Z', a, '2026-08-01T00:00:00Z', '2026-09-01T00:00:00Z');
    expect(await act('2026-09-05T11:00:00Z', c1, 'approve')).toMatchObject({ granted_fen: '16200' });
    expect(await act('2026-09-20T09:00:00Z', c1, 'pay')).toMatchObject({ paid_fen: '16200' });
    const c2 = await claim('2026-10-15T10:00:00Z', b, '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z');
    expect(await act('2026-10-15T11:00:00Z', c2, 'approve')).toMatchObject({ granted_fen: '6000' });
    expect(await act('2026-11-20T09:00:00Z', c2, 'claw-back', { reason: 'chips not domestic' })).toMatchObject({
      state: 'clawed_back',
      clawed_back_fen: '6000',
    });
    const c3 = await claim('2026-11-25T10:00:00Z', a, '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z');
    expect(await act('2026-11-25T11:00:00Z', c3, 'approve')).toMatchObject({ granted_fen: '300' });
    expect(await act('2026-11-25T12:00:00Z', c3, 'pay')).toMatchObject({ paid_fen: '300' });
    expect(await act('2026-11-26T09:00:00Z', c3, 'claw-back', { reason: 'partly foreign', amount_fen: 100 })).toMatchObject({ clawed_back_fen: '100' });
    clock = now;

    const o = await overview('?from=2026-08&to=2026-11');
    expect(o.months).toEqual([
      {
        month: '2026-08',
        records: 3,
        card_hours: '60.000',
        domestic_card_hours: '52.000',
        compute_pflop_h: '17.854960',
        domestic_compute_pflop_h: '15.360000',
        used_domestic_share_bp: 8603,
        installed_pflops: '52.123840',
        domestic_installed_pflops: '40.960000',
        installed_domestic_share_bp: 7858,
        subsidy_approved_fen: '0',
        subsidy_paid_fen: '0',
        subsidy_clawed_back_fen: '0',
      },
      {
        month: '2026-09',
        records: 3,
        card_hours: '45.000',
        domestic_card_hours: '21.000',
        compute_pflop_h: '5.792000',
        domestic_compute_pflop_h: '2.240000',
        used_domestic_share_bp: 3867,
        installed_pflops: '55.195840',
        domestic_installed_pflops: '44.032000',
        installed_domestic_share_bp: 7977,
        subsidy_approved_fen: '16200',
        subsidy_paid_fen: '16200',
        subsidy_clawed_back_fen: '0',
      },
      {
        month: '2026-10',
        records: 0,
        card_hours: '0.000',
        domestic_card_hours: '0.000',
        compute_pflop_h: '0.000000',
        domestic_compute_pflop_h: '0.000000',
        used_domestic_share_bp: null,
        installed_pflops: '54.011840',
        domestic_installed_pflops: '44.032000',
        installed_domestic_share_bp: 8152,
        subsidy_approved_fen: '6000',
        subsidy_paid_fen: '0',
        subsidy_clawed_back_fen: '0',
      },
      {
        month: '2026-11',
        records: 1,
        card_hours: '1.000',
        domestic_card_hours: '0.000',
        compute_pflop_h: '0.311870',
        domestic_compute_pflop_h: '0.000000',
        used_domestic_share_bp: 0,
        installed_pflops: '54.011840',
        domestic_installed_pflops: '44.032000',
        installed_domestic_share_bp: 8152,
        subsidy_approved_fen: '300',
        subsidy_paid_fen: '300',
        subsidy_clawed_back_fen: '6100',
      },
    ]);
    // x = 0, 1, 3 (October has no share); y = 8603, 3867, 0: slope −38,279 / 14; the line starts above 70%
    expect(o.projection.used).toEqual({
      slope_bp_per_month: -2734,
      points: [
        { month: '2026-08', share_bp: 8603 },
        { month: '2026-09', share_bp: 3867 },
        { month: '2026-11', share_bp: 0 },
      ],
      share_bp_at_target: 0,
      reaches_target_month: '2026-08',
    });
    expect(o.programs).toEqual([
      {
        id: program_id,
        name_zh: '看板算力券',
        name_en: 'Dashboard voucher',
        budget_fen: '100000',
        committed_fen: '16400',
        paid_fen: '16400',
        available_fen: '83600',
        burn: [
          { month: '2026-08', committed_fen: '0' },
          { month: '2026-09', committed_fen: '16200' },
          { month: '2026-10', committed_fen: '22200' },
          { month: '2026-11', committed_fen: '16400' },
        ],
        // 16,400 committed net in the last 90 days: 83,600 left lasts 458.8 days from 2026-11-29T12:00
        projected_exhaustion_date: '2028-03-02',
        exhaustion_method: expect.stringContaining('90'),
      },
    ]);
    expect(o.top_enterprises).toEqual([
      { id: a.enterprise_id, name: 'Enterprise a', compute_pflop_h: '15.991870', domestic_compute_pflop_h: '15.680000', domestic_share_bp: 9805 },
      { id: b.enterprise_id, name: 'Enterprise b', compute_pflop_h: '7.966960', domestic_compute_pflop_h: '1.920000', domestic_share_bp: 2410 },
    ]);
    expect(o.top_providers).toEqual([
      { id: a.provider_id, name: 'Provider a', compute_pflop_h: '18.166830', domestic_compute_pflop_h: '15.360000', domestic_share_bp: 8455 },
      { id: b.provider_id, name: 'Provider b', compute_pflop_h: '5.792000', domestic_compute_pflop_h: '2.240000', domestic_share_bp: 3867 },
    ]);
    // a range without usage lists nobody, and the default range starts at the first inventory (2026-01)
    expect((await overview('?from=2026-10&to=2026-10')).top_enterprises).toEqual([]);
    const all = await overview();
    expect(all.months.map((m) => m.month)).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
    ]);
    expect(all.months.map((m) => m.installed_domestic_share_bp)).toEqual([8041, 7858, 7858, 7858, 7858, 7858, 7858, 7858, 7977, 8152, 8152]);
  });

  it('lists open findings, newest high ones first, with price figures only for the administrator', async () => {
    const seqs = (await db().store.usage.list({}, 10)).map((r) => r.seq);
    const finding = (kind: Finding['kind'], severity: Finding['severity'], message: string, seq: number, evidence: Finding['evidence'] = {}): Finding => ({
      kind,
      severity,
      subject: { record: String(seq) },
      message,
      evidence,
      record_seqs: [seq],
      interval: null,
    });
    await db().store.findings.upsert([finding('capacity_overrun', 'high', 'cluster overrun', seqs[0]!)], system_actor, t('2026-11-01T00:00:00Z'));
    await db().store.findings.upsert(
      [finding('price_outlier', 'high', 'billed 99,999 fen per card-hour', seqs[1]!, { direction: 'above', price_fen_per_card_h: 99_999 })],
      system_actor,
      t('2026-11-02T00:00:00Z'),
    );
    await db().store.findings.upsert([finding('duplicate_job', 'medium', 'same job twice', seqs[2]!)], system_actor, t('2026-11-03T00:00:00Z'));
    await db().store.findings.upsert([finding('capacity_overrun', 'high', 'dismissed later', seqs[3]!)], system_actor, t('2026-11-04T00:00:00Z'));
    const listed = ok(await call('/api/v1/findings?status=open')).items as { id: string; message: string }[];
    const dismissed = listed.find((f) => f.message === 'dismissed later')!;
    ok(await api.call('POST', `/api/v1/findings/${dismissed.id}/dismiss`, { body: { reason: 'maintenance window' } }));
    const id = (message: string) => listed.find((f) => f.message === message)!.id;

    const admin = (await overview()).findings;
    expect(admin).toEqual({
      open_high: 2,
      open_total: 3,
      recent_high: [
        {
          id: id('billed 99,999 fen per card-hour'),
          kind: 'price_outlier',
          severity: 'high',
          message: 'billed 99,999 fen per card-hour',
          detected_at: '2026-11-02T00:00:00.000Z',
        },
        { id: id('cluster overrun'), kind: 'capacity_overrun', severity: 'high', message: 'cluster overrun', detected_at: '2026-11-01T00:00:00.000Z' },
      ],
    });
    const auditor = (await overview('', auditor_key)).findings;
    expect(auditor.recent_high[0]!.message).not.toContain('99,999');
    expect(auditor.recent_high[0]!.message).toBe(
      `Record ${seqs[1]} is billed above the accepted band around its model's reference price (the prices are shown to administrators).`,
    );
    expect(auditor.recent_high[1]).toEqual(admin.recent_high[1]);
  });

  it('equals a naive computation over the raw records, the inventory and the ledger', async () => {
    // More usage: a seeded spread over March–November on every cluster, inside each model's inventory, sent as
    // concurrent batches whose records share days (so the monthly rollups see concurrent inserts and updates).
    let seed = 4711;
    const rnd = () => (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 4_294_967_296;
    const sends: Promise<void>[] = [];
    for (const p of [a, b]) {
      const batch: Wire[] = [];
      for (let k = 0; batch.length < 150; k++) {
        const cluster_id = p === b && rnd() < 0.4 ? b2_cluster : p.cluster_id;
        const interval = clusters.get(cluster_id)![Math.floor(rnd() * clusters.get(cluster_id)!.length)]!;
        const start = t('2026-03-01T00:00:00Z') + Math.floor((rnd() * (t('2026-11-28T00:00:00Z') - t('2026-03-01T00:00:00Z'))) / 60_000) * 60_000;
        const hours = 1 + Math.floor(rnd() * 20);
        const end = start + hours * 3_600_000;
        if (start < t(interval.valid_from) || (interval.valid_to !== undefined && end > t(interval.valid_to))) continue;
        batch.push(
          record(
            p,
            cluster_id,
            rnd() < 0.5 ? a : b,
            `n-${p === a ? 'a' : 'b'}-${k}`,
            interval.accelerator,
            1 + Math.floor(rnd() * 8),
            new Date(start).toISOString(),
            hours,
            500 + Math.floor(rnd() * 90_000),
          ),
        );
      }
      for (let i = 0; i < batch.length; i += 30) sends.push(ingest(p, batch.slice(i, i + 30)));
    }
    await Promise.all(sends);
    // and a record on the day, model and parties of h1: its daily rollup row is updated, not inserted
    await ingest(a, [record(a, a.cluster_id, a, 'same-day-as-h1', 'huawei-ascend-910b', 2, '2026-08-03T10:00:00Z', 1, 700)]);

    const catalog = await db().store.catalog.throughputs();
    const transfers = await db().store.ledger.transfers();
    const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'];
    const provider_of = new Map<string, string>([
      [a.cluster_id, a.provider_id],
      [b.cluster_id, b.provider_id],
      [b2_cluster, b.provider_id],
    ]);
    const expected_months = months.map((month) => {
      const mine = sent.filter((r) => monthOf(t(r.started_at)) === month);
      let card_s = 0n,
        dom_card_s = 0n,
        compute = 0n,
        dom_compute = 0n;
      for (const r of mine) {
        const model = catalog.get(r.accelerator)!;
        const s = BigInt(r.count * ((t(r.ended_at) - t(r.started_at)) / 1000));
        const c = model.gflops === null ? 0n : s * BigInt(model.gflops);
        card_s += s;
        compute += c;
        if (model.domestic) {
          dom_card_s += s;
          dom_compute += c;
        }
      }
      // installed: every interval valid at the month's last millisecond
      const end = t(`${month}-01T00:00:00Z`) + 40 * day_ms;
      const last_ms = t(`${new Date(end).toISOString().slice(0, 7)}-01T00:00:00+08:00`) - 1;
      let installed = 0n,
        dom_installed = 0n;
      for (const intervals of clusters.values()) {
        for (const i of intervals) {
          if (t(i.valid_from) > last_ms || (i.valid_to !== undefined && t(i.valid_to) <= last_ms)) continue;
          const model = catalog.get(i.accelerator)!;
          const g = BigInt(i.count) * BigInt(model.gflops ?? 0);
          installed += g;
          if (model.domestic) dom_installed += g;
        }
      }
      const of = (kinds: string[]) =>
        transfers
          .filter((x) => kinds.includes(x.kind) && monthOf(x.at_ms) === month)
          .reduce((s, x) => s + x.amount_fen, 0n)
          .toString();
      const pflops = (g: bigint) => (Number(g) / 1e6).toFixed(6);
      return {
        month,
        records: mine.length,
        card_hours: cardHours(card_s),
        domestic_card_hours: cardHours(dom_card_s),
        compute_pflop_h: formatPflopHours(compute),
        domestic_compute_pflop_h: formatPflopHours(dom_compute),
        used_domestic_share_bp: halfUpBp(dom_compute, compute),
        installed_pflops: pflops(installed),
        domestic_installed_pflops: pflops(dom_installed),
        installed_domestic_share_bp: halfUpBp(dom_installed, installed),
        subsidy_approved_fen: of(['approve']),
        subsidy_paid_fen: of(['pay']),
        subsidy_clawed_back_fen: of(['release', 'recover']),
      };
    });
    const o = await overview('?from=2026-01&to=2026-11');
    expect(o.months).toEqual(expected_months);
    expect(expected_months.reduce((s, m) => s + m.records, 0)).toBe(sent.length);

    const top = (key: (r: Wire) => string) => {
      const by = new Map<string, { c: bigint; d: bigint }>();
      for (const r of sent) {
        const model = catalog.get(r.accelerator)!;
        const c = model.gflops === null ? 0n : BigInt(r.count * ((t(r.ended_at) - t(r.started_at)) / 1000)) * BigInt(model.gflops);
        const e = by.get(key(r)) ?? { c: 0n, d: 0n };
        e.c += c;
        if (model.domestic) e.d += c;
        by.set(key(r), e);
      }
      return [...by.entries()]
        .sort(([x, p], [y, q]) => (p.d !== q.d ? (p.d > q.d ? -1 : 1) : p.c !== q.c ? (p.c > q.c ? -1 : 1) : x < y ? -1 : 1))
        .map(([id, e]) => ({
          id,
          compute_pflop_h: formatPflopHours(e.c),
          domestic_compute_pflop_h: formatPflopHours(e.d),
          domestic_share_bp: halfUpBp(e.d, e.c),
        }));
    };
    expect(o.top_enterprises.map(({ name: _, ...rest }) => rest)).toEqual(top((r) => r.enterprise_id));
    expect(o.top_providers.map(({ name: _, ...rest }) => rest)).toEqual(top((r) => provider_of.get(r.cluster_id)!));

    // the trend: the last up to 12 months with a share, and a floating-point least-squares fit within rounding
    for (const [trend, share] of [
      [o.projection.used, (m: MonthView) => m.used_domestic_share_bp],
      [o.projection.installed, (m: MonthView) => m.installed_domestic_share_bp],
    ] as const) {
      const points = o.months
        .filter((m) => share(m) !== null)
        .slice(-12)
        .map((m) => ({ month: m.month, share_bp: share(m)! }));
      expect(trend.points).toEqual(points);
      const xs = points.map((p) => (Number(p.month.slice(0, 4)) - 2026) * 12 + Number(p.month.slice(5)) - 1);
      const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
      const my = points.reduce((s, p) => s + p.share_bp, 0) / points.length;
      const slope = xs.reduce((s, x, i) => s + (x - mx) * (points[i]!.share_bp - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
      expect(Math.abs(trend.slope_bp_per_month! - slope)).toBeLessThanOrEqual(0.5);
      const at_target = Math.min(10_000, Math.max(0, my + slope * (23 - mx))); // 2027-12
      expect(Math.abs(trend.share_bp_at_target! - at_target)).toBeLessThanOrEqual(0.5 + 1e-6);
    }

    // the programs: the ledger's transfers summed naively
    const committed = (until_ms: number) =>
      transfers
        .filter((x) => x.at_ms < until_ms)
        .reduce((s, x) => s + (x.kind === 'approve' ? x.amount_fen : x.kind === 'release' || x.kind === 'recover' ? -x.amount_fen : 0n), 0n)
        .toString();
    const burn = months.map((month) => ({ month, committed_fen: committed(t(`${monthOf(t(`${month}-01T00:00:00Z`) + 40 * day_ms)}-01T00:00:00Z`)) }));
    const budget = ok(await call(`/api/v1/programs/${program_id}`)).budget as { budget_fen: string; available_fen: string; paid_fen: string };
    expect(o.programs).toEqual([
      expect.objectContaining({
        budget_fen: budget.budget_fen,
        available_fen: budget.available_fen,
        paid_fen: budget.paid_fen,
        committed_fen: committed(Infinity),
        burn,
      }),
    ]);
  });

  it('names the field of a bad month and holds the range to 120 months, at and just past the limit', async () => {
    for (const [query, field] of [
      ['?from=2026-13', 'querystring.from'],
      ['?from=august', 'querystring.from'],
      ['?from=2026-8', 'querystring.from'],
      ['?from=2026-08-01', 'querystring.from'],
      ['?to=2026-00', 'querystring.to'],
      ['?from=2026-09&to=2026-08', 'querystring.to'],
      ['?from=2016-11&to=2026-11', 'querystring.from'],
      ['?month=2026-08', 'querystring.month'],
    ] as const) {
      expectFieldError(await call(`${base}${query}`), 400, 'validation_failed', field);
    }
    expect((await overview('?from=2016-12&to=2026-11')).months).toHaveLength(120);
    // a default from never reaches further back than the limit; one after the data starts where asked
    expect((await overview('?to=2040-01')).months).toHaveLength(120);
    expect((await overview('?to=2025-06')).months.map((m) => m.month)).toEqual(['2025-06']);
    expectFieldError(await call(`${base}?from=2027-01`), 400, 'validation_failed', 'querystring.from'); // after the current month
  });

  it('answers administrators and auditors, refuses providers and enterprises', async () => {
    expect((await call(base, auditor_key)).statusCode).toBe(200);
    expectError(await call(base, a.provider_key), 403, 'forbidden');
    expectError(await call(base, a.enterprise_key), 403, 'forbidden');
    expectError(await api.call('GET', base, { key: null }), 401, 'unauthorized');
  });
});
