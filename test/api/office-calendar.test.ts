// Issue 16: days and months are the program office's (Asia/Shanghai by default), on both engines. A record that
// starts at 2026-10-31T16:30:00Z (00:30 on 1 November in Beijing) is November's; one at 15:59:59Z (23:59:59 on
// 31 October) is October's: in the usage summaries, the daily and monthly rollups, the overview and a claim for
// November. Then the zone an operator sets (Europe/Berlin, a zone with daylight saving) rebuilds the rollups, and a
// process configured with another zone refuses to start.
import { expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { undoRoundingAndGroups } from '../support/migrations.js';
import { describeEachEngine, freshDatabase } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { setZone, TimeZoneMismatch } from '../../src/store/office-calendar.js';
import { operator_actor } from '../../src/store/audit-repository.js';
import { Store } from '../../src/store/store.js';
import { migrate } from '../../src/store/database.js';

const november = '2026-10-31T16:30:00Z';
const october = '2026-10-31T15:59:59Z';
const hour_ms = 3_600_000;

describeEachEngine('the office calendar', (db) => {
  let api: TestApi;
  let p: Parties;
  let program_id: string;
  const clock = Date.parse('2026-12-05T04:00:00Z');
  const ok = (res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body.slice(0, 500)).toBeLessThan(300);
    return res.json() as Record<string, unknown>;
  };

  it('stores a record of 00:30 Beijing time on 1 November in November, one of 23:59:59 on 31 October in October', async () => {
    api = await testApi(db(), () => clock);
    p = await createParties(api, 'cal');
    const at = (iso: string, id: string, amount_fen: number) =>
      usageRecord(p, id, { started_at: iso, ended_at: new Date(Date.parse(iso) + hour_ms).toISOString(), count: 1, amount_fen });
    const res = ok(
      await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [at(november, 'nov', 10_000), at(october, 'oct', 1_000)] } }),
    );
    expect(res).toMatchObject({ accepted: 2, rejected: [] });

    const summary = async (group: string, query = '') =>
      ok(await api.call('GET', `/api/v1/usage/summary?group_by=${group}${query}`)) as { items: { key: string; records: number; amount_fen: string }[] };
    expect((await summary('day')).items.map((g) => [g.key, g.records, g.amount_fen])).toEqual([
      ['2026-10-31', 1, '1000'],
      ['2026-11-01', 1, '10000'],
    ]);
    expect((await summary('month')).items.map((g) => [g.key, g.records])).toEqual([
      ['2026-10', 1],
      ['2026-11', 1],
    ]);
    // a day filter is the office's day too
    expect((await summary('month', '&from=2026-11-01')).items.map((g) => [g.key, g.records])).toEqual([['2026-11', 1]]);

    const rollups = await db().store.connection.db.selectFrom('usage_rollups').select(['day', 'records']).orderBy('day').execute();
    expect(rollups.map((r) => [r.day, Number(r.records)])).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 1],
    ]);
    const monthly = await db().store.connection.db.selectFrom('usage_rollups_monthly').select(['month', 'records']).orderBy('month').execute();
    expect(monthly.map((r) => [r.month, Number(r.records)])).toEqual([
      ['2026-10', 1],
      ['2026-11', 1],
    ]);
  });

  it('shows the overview in office months and says which zone', async () => {
    const o = ok(await api.call('GET', '/api/v1/dashboard/overview?from=2026-10&to=2026-11')) as {
      time_zone: string;
      months: { month: string; records: number }[];
    };
    expect(o.time_zone).toBe('Asia/Shanghai');
    expect(o.months.map((m) => [m.month, m.records])).toEqual([
      ['2026-10', 1],
      ['2026-11', 1],
    ]);
    expect(ok(await api.call('GET', '/api/v1/me'))).toMatchObject({ time_zone: 'Asia/Shanghai' });
  });

  it('a claim for November (Beijing) holds the November record and not the October one', async () => {
    program_id = String(
      ok(
        await api.call('POST', '/api/v1/programs', {
          body: {
            code: 'cal-voucher',
            name_zh: '日历算力券',
            name_en: 'Calendar voucher',
            kind: 'compute_rent',
            beneficiary_kind: 'enterprise',
            funding_layer: 'cal',
            window: { start: '2026-01-01T00:00:00+08:00', end: '2027-01-01T00:00:00+08:00' },
            budget_fen: 1_000_000,
            rule_set: {
              effective_from: '2026-01-01T00:00:00+08:00',
              rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 5000 } }],
            },
          },
        }),
      ).id,
    );
    const estimate = async (start: string, end: string) =>
      ok(
        await api.call('POST', `/api/v1/programs/${program_id}/estimate`, {
          key: p.enterprise_key,
          body: { period_start: start, period_end: end },
        }),
      ) as { records: number; explanation: { base_fen: string; granted_fen: string } };
    // November in Beijing: [2026-11-01T00:00+08:00, 2026-12-01T00:00+08:00)
    expect(await estimate('2026-11-01T00:00:00+08:00', '2026-12-01T00:00:00+08:00')).toMatchObject({
      records: 1,
      explanation: { base_fen: '10000', granted_fen: '5000' },
    });
    expect(await estimate('2026-10-01T00:00:00+08:00', '2026-11-01T00:00:00+08:00')).toMatchObject({
      records: 1,
      explanation: { base_fen: '1000', granted_fen: '500' },
    });
    const claim = ok(
      await api.call('POST', '/api/v1/claims', {
        key: p.enterprise_key,
        body: { program_id, period_start: '2026-10-31T16:00:00Z', period_end: '2026-11-30T16:00:00Z' },
      }),
    );
    expect(claim).toMatchObject({ period_start: '2026-10-31T16:00:00.000Z', computed_fen: '5000', explanation: { base_fen: '10000' } });
  });

  it("a claim may not cross the office's new year: 2026-12-31T16:00Z is already 2027 in Beijing", async () => {
    const res = await api.call('POST', `/api/v1/programs/${program_id}/estimate`, {
      key: p.enterprise_key,
      body: { period_start: '2026-12-01T00:00:00+08:00', period_end: '2027-01-01T00:00:01+08:00' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_period', params: { reason: 'spans_years' } } });
    // up to the office's midnight is one year
    ok(
      await api.call('POST', `/api/v1/programs/${program_id}/estimate`, {
        key: p.enterprise_key,
        body: { period_start: '2026-12-01T00:00:00+08:00', period_end: '2027-01-01T00:00:00+08:00' },
      }),
    );
  });

  it("an operator's new zone rebuilds the rollups in it, on record in the audit chain", async () => {
    const { store } = db();
    const r = await setZone(store.connection, 'Europe/Berlin', operator_actor, clock);
    expect(r).toEqual({ from: 'Asia/Shanghai', to: 'Europe/Berlin', rollups: 1, records: 2 });
    const rollups = await store.connection.db.selectFrom('usage_rollups').select(['day', 'records']).orderBy('day').execute();
    // 16:30Z and 15:59:59Z on 31 October are 17:30 and 16:59:59 in Berlin (UTC+1 after 25 October): both on the 31st
    expect(rollups.map((x) => [x.day, Number(x.records)])).toEqual([['2026-10-31', 2]]);
    const monthly = await store.connection.db.selectFrom('usage_rollups_monthly').select(['month', 'records']).where('records', '<>', 0).execute();
    expect(monthly.map((x) => [x.month, Number(x.records)])).toEqual([['2026-10', 2]]);
    const audit = ok(await api.call('GET', '/api/v1/audit?action=calendar.set_zone')) as { items: { action: string; before: unknown; after: unknown }[] };
    expect(audit.items.map((i) => [i.action, i.before, i.after])).toEqual([
      ['calendar.set_zone', { time_zone: 'Asia/Shanghai' }, { time_zone: 'Europe/Berlin', rollups: 1, records: 2 }],
    ]);
    // back to Beijing: the same rollups as ingest wrote
    await setZone(store.connection, 'Asia/Shanghai', operator_actor, clock + 1);
    const back = await store.connection.db.selectFrom('usage_rollups').select(['day', 'records']).orderBy('day').execute();
    expect(back.map((x) => [x.day, Number(x.records)])).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 1],
    ]);
  });

  it('a process configured with another zone refuses to start against these rollups', async () => {
    const other = Store.open({ ...db().config, time_zone: 'Europe/Berlin' });
    try {
      await expect(other.migrate(clock)).rejects.toThrow(TimeZoneMismatch);
      await expect(other.migrate(clock)).rejects.toThrow(/rollups count days in Asia\/Shanghai, but SUANLI_TIME_ZONE is Europe\/Berlin/);
    } finally {
      await other.close();
    }
  });
});

it('a database from before the office calendar has its UTC rollups rebuilt in Beijing days once, when migrated', async () => {
  const { db, dispose } = await freshDatabase('sqlite');
  try {
    // Rebuild the scene of a version before migration 0014: UTC rollups, no office_calendar table.
    const conn = db.store.connection;
    await setZone(conn, 'UTC', operator_actor, 1);
    const record = (id: string, started: string) => ({
      input: {
        record_id: id,
        cluster_id: 'c',
        enterprise_id: 'e',
        accelerator: 'huawei-ascend-910b',
        count: 1,
        started_at_ms: Date.parse(started),
        ended_at_ms: Date.parse(started) + hour_ms,
        amount_fen: 100,
        job_ref: null,
        workload: null,
        energy_wh: null,
      },
      derived: { card_s: 3600, compute_gflop: 3600n * 320_000n },
    });
    const utc_store = Store.open({ ...db.config, time_zone: 'UTC' });
    await utc_store.migrate(2);
    await utc_store.usage.insertBatch('p', [record('a', november), record('b', october)], 3);
    await utc_store.close();
    // and undo what came after 0014 (rule-set rounding, usage groups), as that version had neither
    const later = await undoRoundingAndGroups(conn);
    await conn.db.schema.dropTable('office_calendar').execute();
    await conn.db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', '0014-office-calendar' as never)
      .execute();
    const utc_days = await conn.db.selectFrom('usage_rollups').select(['day', 'records']).execute();
    expect(utc_days.map((x) => [x.day, Number(x.records)])).toEqual([['2026-10-31', 2]]);

    const upgraded = Store.open(db.config); // SUANLI_TIME_ZONE left at its default
    try {
      expect((await upgraded.migrate(4)).migrations).toEqual(['0014-office-calendar', ...later]);
      expect(upgraded.calendar.time_zone).toBe('Asia/Shanghai');
      const days = await conn.db.selectFrom('usage_rollups').select(['day', 'records']).orderBy('day').execute();
      expect(days.map((x) => [x.day, Number(x.records)])).toEqual([
        ['2026-10-31', 1],
        ['2026-11-01', 1],
      ]);
      // the usage groups, filled by migration 0016 in the stored zone (UTC), are rebuilt in Beijing days with the rollups
      const groups = await conn.db.selectFrom('usage_groups').select(['day', 'records']).orderBy('day').execute();
      expect(groups.map((x) => [x.day, Number(x.records)])).toEqual([
        ['2026-10-31', 1],
        ['2026-11-01', 1],
      ]);
      expect(await conn.db.selectFrom('office_calendar').selectAll().executeTakeFirst()).toMatchObject({ time_zone: 'Asia/Shanghai' });
      expect((await upgraded.migrate(5)).migrations).toEqual([]); // settled: nothing again
    } finally {
      await upgraded.close();
    }
    void migrate;
  } finally {
    await dispose();
  }
});
