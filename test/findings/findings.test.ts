// Findings end to end, on both engines: usage that overbooks a cluster and a job billed through two providers become
// findings once (a re-run adds nothing), which the office reviews; listing filters and pages.
import { expect, it } from 'vitest';
import { operator_actor } from '../../src/store/audit-repository.js';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError } from '../support/routes.js';
import { runChecks } from '../../src/service/checks.js';

const now = Date.parse('2026-11-29T12:00:00Z');

interface FindingBody {
  id: string;
  kind: string;
  severity: string;
  status: string;
  subject: Record<string, string>;
  message: string;
  evidence: Record<string, unknown>;
  record_seqs: number[];
  interval: { from: string; to: string } | null;
  resolution: { reason: string; by: string | null } | null;
}
interface Page {
  items: FindingBody[];
  next_cursor: string | null;
}

describeEachEngine('findings', (db) => {
  let api: TestApi;
  let a: Parties;
  let b: Parties;
  let auditor_key: string;
  const seqs = new Map<string, number>();

  const list = async (query = '', key?: string): Promise<Page> => {
    const res = await api.call('GET', `/api/v1/findings${query}`, key === undefined ? {} : { key });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Page;
  };
  const run = async (from: string, to: string) => {
    const res = await api.call('POST', '/api/v1/checks/run', { body: { from, to } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { found: Record<string, number>; created: number; truncated: boolean };
  };

  it('ingests usage that overbooks a cluster and a job reported by two providers', async () => {
    api = await testApi(db(), () => now);
    a = await createParties(api, 'fa');
    b = await createParties(api, 'fb');
    const me = (await api.call('GET', '/api/v1/me')).json() as { org_id: string };
    auditor_key = ((await api.call('POST', '/api/v1/api-keys', { body: { org_id: me.org_id, role: 'auditor', label: 'auditor' } })).json() as { key: string })
      .key;
    // 64 Ascend 910B cards; three jobs of 30 each: 90 busy from 04:00 to 06:00, 26 more than the cluster holds.
    const overbook = [
      usageRecord(a, 'ob-1', { count: 30, started_at: '2026-06-01T00:00:00Z', ended_at: '2026-06-01T06:00:00Z' }),
      usageRecord(a, 'ob-2', { count: 30, started_at: '2026-06-01T02:00:00Z', ended_at: '2026-06-01T08:00:00Z' }),
      usageRecord(a, 'ob-3', { count: 30, started_at: '2026-06-01T04:00:00Z', ended_at: '2026-06-01T10:00:00Z' }),
      // within capacity on its own, a day later: no finding
      usageRecord(a, 'ok-1', { count: 64, started_at: '2026-06-02T00:00:00Z', ended_at: '2026-06-02T01:00:00Z' }),
      usageRecord(a, 'dup-a', { count: 4, job_ref: 'slurm:shared', started_at: '2026-06-03T00:00:00Z', ended_at: '2026-06-03T02:00:00Z' }),
    ];
    expect((await api.call('POST', '/api/v1/usage', { key: a.provider_key, body: { records: overbook } })).json()).toMatchObject({ accepted: 5 });
    const other = usageRecord({ cluster_id: b.cluster_id, enterprise_id: a.enterprise_id }, 'dup-b', {
      count: 4,
      job_ref: 'slurm:shared',
      started_at: '2026-06-03T00:30:00Z',
      ended_at: '2026-06-03T02:30:00Z',
    });
    expect((await api.call('POST', '/api/v1/usage', { key: b.provider_key, body: { records: [other] } })).json()).toMatchObject({ accepted: 1 });
    const usage = (await api.call('GET', '/api/v1/usage?from=2026-06-01T00:00:00Z&to=2026-06-04T00:00:00Z')).json() as {
      items: { record_id: string; seq: number }[];
    };
    for (const u of usage.items) seqs.set(u.record_id, u.seq);
    expect(seqs.size).toBe(6);
  });

  it('finds exactly the capacity overrun, with its interval, excess and records', async () => {
    const r = await run('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z');
    expect(r).toEqual({ found: { capacity_overrun: 1, duplicate_job: 0, overlapping_job: 0, price_outlier: 0 }, created: 1, truncated: false });
    const page = await list('?kind=capacity_overrun');
    expect(page.items).toHaveLength(1);
    const f = page.items[0]!;
    expect(f).toMatchObject({
      kind: 'capacity_overrun',
      severity: 'high',
      status: 'open',
      subject: { cluster_id: a.cluster_id, accelerator: 'huawei-ascend-910b' },
      interval: { from: '2026-06-01T04:00:00.000Z', to: '2026-06-01T06:00:00.000Z' },
      evidence: { busy_max: 90, inventory: 64, excess: 26, record_count: 3 },
      resolution: null,
    });
    expect(f.record_seqs).toEqual(['ob-1', 'ob-2', 'ob-3'].map((id) => seqs.get(id)!).sort((x, y) => x - y));
    expect(f.message).toContain('26 more cards');
    const one = await api.call('GET', `/api/v1/findings/${f.id}`, { key: auditor_key });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(f);
  });

  it('stores nothing twice when the checks run again, over the same or a wider period', async () => {
    expect((await run('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z')).created).toBe(0);
    const wide = await run('2026-05-01T00:00:00Z', '2026-07-01T00:00:00Z');
    expect(wide.found).toEqual({ capacity_overrun: 1, duplicate_job: 1, overlapping_job: 0, price_outlier: 0 });
    expect(wide.created).toBe(1); // only the duplicate is new
    const again = await runChecks(
      db().store,
      { from_ms: Date.parse('2026-05-01T00:00:00Z'), to_ms: Date.parse('2026-07-01T00:00:00Z') },
      operator_actor,
      now + 1,
      { duration_ms_max: 31 * 86_400_000 },
    );
    expect(again.created).toBe(0);
    expect((await list()).items).toHaveLength(2);
  });

  it('reports the same job_ref from two providers as a duplicate_job', async () => {
    const page = await list('?kind=duplicate_job');
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      severity: 'high',
      status: 'open',
      subject: { enterprise_id: a.enterprise_id, job_ref: 'slurm:shared' },
      evidence: { rule: 'same_job_ref', providers: [a.provider_id, b.provider_id].sort(), record_count: 2 },
      record_seqs: [seqs.get('dup-a')!, seqs.get('dup-b')!].sort((x, y) => x - y),
    });
    const by_record = await list(`?record_seq=${seqs.get('dup-b')!}`);
    expect(by_record.items.map((f) => f.kind)).toEqual(['duplicate_job']);
    expect((await list(`?record_seq=${seqs.get('ok-1')!}`)).items).toEqual([]);
  });

  it('dismisses with a reason once; a second dismissal or a confirmation answers 409', async () => {
    const [dup] = (await list('?kind=duplicate_job')).items;
    expectError(await api.call('POST', `/api/v1/findings/${dup!.id}/dismiss`, { body: {} }), 400, 'validation_failed');
    expectError(await api.call('POST', `/api/v1/findings/${dup!.id}/dismiss`, { body: { reason: '' } }), 400, 'validation_failed');
    const ok = await api.call('POST', `/api/v1/findings/${dup!.id}/dismiss`, { body: { reason: 'the job moved providers mid-run; billed once' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'dismissed', resolution: { reason: 'the job moved providers mid-run; billed once' } });
    const twice = await api.call('POST', `/api/v1/findings/${dup!.id}/dismiss`, { body: { reason: 'again' } });
    expectError(twice, 409, 'illegal_transition');
    expect(twice.json()).toMatchObject({ state: 'dismissed' });
    expectError(await api.call('POST', `/api/v1/findings/${dup!.id}/confirm`, { body: { reason: 'no' } }), 409, 'illegal_transition');
    expectError(await api.call('POST', '/api/v1/findings/fnd_missing/dismiss', { body: { reason: 'x' } }), 404, 'not_found');
    expectError(await api.call('GET', '/api/v1/findings/fnd_missing'), 404, 'not_found');
    // a re-run does not reopen it
    await run('2026-05-01T00:00:00Z', '2026-07-01T00:00:00Z');
    expect((await api.call('GET', `/api/v1/findings/${dup!.id}`)).json()).toMatchObject({ status: 'dismissed' });
  });

  it('confirms the overrun; the review helpers see it', async () => {
    const [cap] = (await list('?kind=capacity_overrun')).items;
    const high = await db().store.findings.openHighSeverityForRecords([seqs.get('ob-2')!, seqs.get('ok-1')!]);
    expect(high.map((f) => f.id)).toEqual([cap!.id]);
    expect((await api.call('POST', `/api/v1/findings/${cap!.id}/confirm`, { body: { reason: 'the provider admits the overbooking' } })).statusCode).toBe(200);
    expect(await db().store.findings.openHighSeverityForRecords([seqs.get('ob-2')!])).toEqual([]);
    expect(await db().store.findings.confirmedRecordSeqs()).toEqual(cap!.record_seqs);
  });

  it('filters by status, kind and severity, and pages with a cursor', async () => {
    expect((await list('?status=open')).items).toEqual([]);
    expect((await list('?status=dismissed')).items.map((f) => f.kind)).toEqual(['duplicate_job']);
    expect((await list('?status=confirmed&kind=capacity_overrun&severity=high', auditor_key)).items).toHaveLength(1);
    expect((await list('?severity=medium')).items).toEqual([]);
    const first = await list('?limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const second = await list(`?limit=1&cursor=${encodeURIComponent(first.next_cursor!)}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
    const third = await list(`?limit=1&cursor=${encodeURIComponent(second.next_cursor!)}`);
    expect(third).toEqual({ items: [], next_cursor: null });
    expectError(await api.call('GET', '/api/v1/findings?status=closed'), 400, 'validation_failed');
    expectError(await api.call('GET', '/api/v1/findings?limit=0'), 400, 'validation_failed');
    expectError(await api.call('GET', '/api/v1/findings', { key: a.provider_key }), 403, 'forbidden');
    expectError(await api.call('GET', '/api/v1/findings', { key: a.enterprise_key }), 403, 'forbidden');
    expectError(await api.call('POST', '/api/v1/checks/run', { body: { from: '2026-06-02T00:00:00Z', to: '2026-06-01T00:00:00Z' } }), 400, 'validation_failed');
  });
});
