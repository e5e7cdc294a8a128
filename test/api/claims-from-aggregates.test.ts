// Claims and the replay from aggregates (issue 17), on both engines: the usage groups kept by every write path equal
// those rebuilt from the records; an estimate computed from the groups equals the same estimate computed record by
// record (the reference, under the same per-line rounding), over aligned and unaligned periods and across the end of
// a support period; a version stored with per-record rounding keeps it; usage a claim may hold is read record by record.
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { mulberry32 } from '../support/prng.js';
import { estimateClaim, fileClaim, simulate } from '../../src/service/claims.js';
import { UsageIngest } from '../../src/ingest/usage-pipeline.js';
import { setZone } from '../../src/store/office-calendar.js';
import { operator_actor } from '../../src/store/audit-repository.js';

const now = Date.parse('2026-12-01T00:00:00Z');
const minute = 60_000;
const T0 = Date.parse('2026-10-01T00:00:00Z');
const models = ['huawei-ascend-910b', 'nvidia-a800-80gb-pcie', 'metax-c500'] as const;

/** `n` records of the enterprise of `p`, at providers `p` and `q`, one every 150 minutes from T0 (no cluster overrun). */
function usage(p: Parties, q: Parties, n: number, seed: number): Record<string, unknown>[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: n }, (_, k) => {
    const at = pick([p, q]);
    const count = 1 + Math.floor(rnd() * 2);
    const minutes = 10 + Math.floor(rnd() * 110);
    const start = T0 + k * 150 * minute + Math.floor(rnd() * 30) * minute;
    const price = pick([900, 1200, 1500, 2000]); // fen per card-hour: a price list
    const card_s = count * minutes * 60;
    const amount_fen = Math.floor((price * card_s) / 3600) + (rnd() < 0.2 ? 1 + Math.floor(rnd() * 3) : 0);
    return usageRecord({ cluster_id: at.cluster_id, enterprise_id: p.enterprise_id }, `agg-${seed}-${k}`, {
      accelerator: pick(models),
      count,
      started_at: new Date(start).toISOString(),
      ended_at: new Date(start + minutes * minute).toISOString(),
      amount_fen,
      workload: pick(['training', 'inference', undefined]), // undefined: the record names none
      ...(rnd() < 0.5 ? { energy_wh: Math.floor(rnd() * 5000) } : {}),
    });
  });
}

function definition(code: string, extra: Record<string, unknown> = {}, rule_set: Record<string, unknown> = {}) {
  return {
    code,
    name_zh: '聚合测试',
    name_en: 'Aggregates',
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: `${code}-layer`,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: '100000000',
    caps: { share_bp: 6000 },
    rule_set: {
      effective_from: '2026-01-01T00:00:00Z',
      rules: [
        {
          id: 'energy-at-q',
          match: { domestic: true, provider: [extra.q_provider], workload: ['inference'] },
          pay: { basis: 'energy', rate_bp: 5000, fen_per_kwh: 80 },
        },
        {
          id: 'domestic-rent',
          match: { domestic: true },
          pay: { basis: 'bill', rate_bp: 2999 },
          ceiling_fen_per_card_hour: 1500,
          tier_bonus: { domestic_share_bp_min: 5000, bonus_bp: 1000 },
        },
        { id: 'foreign-compute', match: { domestic: false }, pay: { basis: 'compute', fen_per_pflop_h: 700 }, ceiling_fen_per_card_hour: 1200 },
      ],
      ...rule_set,
    },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'q_provider')),
  };
}

describeEachEngine('claims from aggregates', (db) => {
  let api: TestApi;
  let p: Parties;
  let q: Parties;
  const programs: Record<string, string> = {};
  const apply = async (code: string, extra: Record<string, unknown> = {}, rule_set: Record<string, unknown> = {}) => {
    const r = await api.call('POST', '/api/v1/programs', { body: definition(code, { q_provider: q.provider_id, ...extra }, rule_set) });
    expect(r.statusCode).toBe(201);
    programs[code] = r.json().id;
    return r.json().id as string;
  };
  const groupsTable = async () =>
    (
      await db()
        .store.connection.db.selectFrom('usage_groups')
        .selectAll()
        .orderBy(['enterprise_id', 'day', 'provider_id', 'cluster_id', 'accelerator_id', 'workload', 'price_key', 'signed'])
        .execute()
    ).map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, typeof v === 'bigint' || typeof v === 'number' ? String(v) : v])));
  /** The estimate from groups beside the one record by record: equal but for how they were read. */
  const both = async (program_id: string, from: string, to: string) => {
    const fast = await estimateClaim(db().store, program_id, p.enterprise_id, Date.parse(from), Date.parse(to));
    const slow = await estimateClaim(db().store, program_id, p.enterprise_id, Date.parse(from), Date.parse(to), { records: true });
    return { fast, slow };
  };
  const same = ({ fast, slow }: Awaited<ReturnType<typeof both>>) => {
    const { record_subsidies: _a, ...f } = fast.evaluation;
    const { record_subsidies: _b, ...s } = slow.evaluation;
    expect(f).toEqual(s);
    expect(fast.record_count).toBe(slow.record_count);
  };

  it('keeps the usage groups of ingested records equal to those rebuilt from the records', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'agg-p');
    q = await createParties(api, 'agg-q');
    const records = usage(p, q, 400, 17);
    for (const [at, batch] of [
      [p, records.filter((r) => r.cluster_id === p.cluster_id)],
      [q, records.filter((r) => r.cluster_id === q.cluster_id)],
    ] as const) {
      const res = await api.call('POST', '/api/v1/usage', { key: at.provider_key, body: { records: batch } });
      expect(res.json(), JSON.stringify(res.json().rejected?.slice(0, 2))).toMatchObject({ accepted: batch.length, rejected: [] });
    }
    const kept = await groupsTable();
    expect(kept.length).toBeGreaterThan(20);
    expect(kept.length).toBeLessThan(400); // records do share groups
    await setZone(db().store.connection, db().store.calendar.time_zone, operator_actor, now); // rebuilds rollups and groups
    expect(await groupsTable()).toEqual(kept);
  });

  it('keeps them equal through a replacement of records (groups emptied, narrowed and added to)', async () => {
    const stored = (await db().store.usage.list({ provider_id: p.provider_id }, 1000)).slice(0, 3);
    const replaced = await new UsageIngest(db().store, db().config).replace(
      p.provider_id,
      stored,
      [
        usageRecord({ cluster_id: p.cluster_id, enterprise_id: p.enterprise_id }, 'agg-replacement', {
          started_at: '2026-10-01T00:05:00Z',
          ended_at: '2026-10-01T00:35:00Z',
          amount_fen: 777,
          count: 1,
        }),
      ],
      now,
      'test',
    );
    expect(replaced).toMatchObject({ ok: true });
    const kept = await groupsTable();
    await setZone(db().store.connection, db().store.calendar.time_zone, operator_actor, now);
    expect(await groupsTable()).toEqual(kept);
  });

  it('estimates from the groups exactly what record by record gives: whole days, partial days, across the support end', async () => {
    const line = await apply('agg-line');
    const r1 = await both(line, '2026-09-30T16:00:00Z', '2026-11-30T16:00:00Z'); // October and November, Beijing days
    expect(r1.fast.source).toBe('groups');
    expect(r1.slow.source).toBe('records');
    expect(r1.fast.record_count).toBe(398); // 400, less the 3 replaced by 1
    expect(r1.fast.evaluation.lines.map((l) => l.rule_id).sort()).toEqual(['domestic-rent', 'energy-at-q', 'foreign-compute']);
    same(r1);
    const r2 = await both(line, '2026-10-02T05:17:00Z', '2026-10-19T13:37:00Z'); // starts and ends inside office days
    expect(r2.fast.source).toBe('groups');
    same(r2);
    // Support for 1 month from the first subsidized usage (2026-10-01, Beijing morning): it ends inside 2026-11-01,
    // whose groups are read record by record.
    const support = await apply('agg-support', { support_months: 1 });
    const r3 = await both(support, '2026-09-30T16:00:00Z', '2026-11-30T16:00:00Z');
    expect(r3.fast.source).toBe('groups');
    expect(r3.fast.evaluation.period_excluded?.records).toBeGreaterThan(0);
    same(r3);
  });

  it('replays a rule change from the groups with the figures claims would compute', async () => {
    const line = programs['agg-line']!;
    const r = await simulate(
      db().store,
      line,
      { rules: [{ id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 1234 } }] },
      Date.parse('2026-09-30T16:00:00Z'),
      Date.parse('2026-11-30T16:00:00Z'),
    );
    const current = r.variants.find((v) => v.label === 'current')!;
    const e = await estimateClaim(db().store, line, p.enterprise_id, Date.parse('2026-09-30T16:00:00Z'), Date.parse('2026-11-30T16:00:00Z'), { records: true });
    expect(current.per_beneficiary).toEqual([expect.objectContaining({ beneficiary_id: p.enterprise_id, computed_fen: e.evaluation.computed_fen })]);
    const candidate = r.variants.find((v) => v.label === 'candidate')!;
    const bills = (await db().store.usage.summary('enterprise', { enterprise_id: p.enterprise_id }))[0]!.amount_fen;
    expect(candidate.computed_fen).toBe((bills * 1234n) / 10_000n); // one line, floored once
    expect(candidate.domestic_fen + candidate.foreign_fen).toBe(candidate.granted_fen);
  });

  it('a version with per-record rounding keeps it; the same bills under line rounding floor once', async () => {
    const e = await createParties(api, 'agg-split');
    // three records of 24 card-hours billed 24,010 fen at 29.99%: per record 3 × floor(7,200.599) = 21,600 fen,
    // per line floor(72,030 × 0.2999) = floor(21,601.797) = 21,601 fen
    const days = [0, 1, 2].map((d) =>
      usageRecord(e, `split-${d}`, {
        count: 8,
        started_at: new Date(Date.parse('2026-10-10T00:00:00Z') + d * 86_400_000).toISOString(),
        ended_at: new Date(Date.parse('2026-10-10T03:00:00Z') + d * 86_400_000).toISOString(),
        amount_fen: 24_010,
        energy_wh: undefined,
        workload: 'training',
      }),
    );
    expect((await api.call('POST', '/api/v1/usage', { key: e.provider_key, body: { records: days } })).json().accepted).toBe(3);
    const rule_set = { rules: [{ id: 'r', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 2999 } }] };
    const per_record = await api.call('POST', '/api/v1/programs', {
      body: { ...definition('agg-record'), caps: undefined, rule_set: { effective_from: '2026-01-01T00:00:00Z', rounding: 'record', ...rule_set } },
    });
    const per_line = await api.call('POST', '/api/v1/programs', {
      body: { ...definition('agg-per-line'), caps: undefined, rule_set: { effective_from: '2026-01-01T00:00:00Z', ...rule_set } },
    });
    const program = await api.call('GET', `/api/v1/programs/${per_line.json().id}`);
    expect(program.json().rule_sets[0].rounding).toBe('line');
    const estimate = async (id: string) =>
      (
        await api.call('POST', `/api/v1/programs/${id}/estimate`, {
          key: e.enterprise_key,
          body: { period_start: '2026-10-01T00:00:00+08:00', period_end: '2026-11-01T00:00:00+08:00' },
        })
      ).json().explanation;
    expect(await estimate(per_record.json().id)).toMatchObject({ computed_fen: '21600', rounding: expect.stringContaining('each record') });
    expect(await estimate(per_line.json().id)).toMatchObject({ computed_fen: '21601', rounding: expect.stringContaining('each claim line') });
  });

  it('reads a version stored before migration 0015 (no rounding given) as rounding per record', async () => {
    const id = programs['agg-line']!;
    await db()
      .store.connection.db.insertInto('rule_sets')
      .values({ program_id: id, version: 99, effective_from_ms: Date.parse('2027-06-01T00:00:00Z'), rules: '[]', created_at_ms: now } as never)
      .execute();
    const v = (await db().store.programs.ruleSets(id)).find((x) => x.version === 99);
    expect(v?.rounding).toBe('record');
    await db().store.connection.db.deleteFrom('rule_sets').where('program_id', '=', id).where('version', '=', 99).execute();
  });

  it('reads record by record the usage a claim may hold, and what other layers pay of it', async () => {
    const line = programs['agg-line']!;
    const claim = await fileClaim(
      db().store,
      line,
      p.enterprise_id,
      Date.parse('2026-09-30T16:00:00Z'),
      Date.parse('2026-10-15T16:00:00Z'),
      { org_id: null, key_id: null, role: 'operator' },
      now,
    );
    expect(claim.records).toBeGreaterThan(0);
    const after = await both(line, '2026-09-30T16:00:00Z', '2026-11-30T16:00:00Z');
    expect(after.fast.source).toBe('records');
    expect(after.fast.record_count).toBe(398 - claim.records);
    // another layer's program sees the claim's share of each record as other_layers_fen: read record by record too
    const other = await apply('agg-other-layer');
    const o = await both(other, '2026-09-30T16:00:00Z', '2026-11-30T16:00:00Z');
    expect(o.fast.source).toBe('records');
    same(o);
    expect(o.fast.evaluation.lines.some((l) => l.layer_cut_fen > 0n) || o.fast.evaluation.computed_fen > 0n).toBe(true);
  });
});
