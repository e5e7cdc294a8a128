// The rollups' money sums at the storage's bound (issue 12, F3), on both engines: a batch that would carry a daily or
// monthly rollup past 2^63 − 1 fen is refused whole with 422 amount_too_large naming the limit — not a 500 (PostgreSQL)
// and not a sum silently turned into a float (SQLite).
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord } from '../support/api.js';
import { expectError } from '../support/routes.js';

describeEachEngine('rollup sums at the int8 bound', (db) => {
  it('refuses the batch that would pass 2^63 − 1 fen, storing nothing of it, and still takes the next one', async () => {
    const api = await testApi(db());
    const p = await createParties(api, 'bound');
    expect(
      (await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'first', { amount_fen: 10 })] } })).json().accepted,
    ).toBe(1);
    // the day's rollup planted just under the bound (as ~922,000 records of 1e13 fen would leave it)
    const near = 9_223_372_036_854_775_000n;
    await sql`update usage_rollups set amount_fen = ${near} where provider_id = ${p.provider_id}`.execute(db().store.connection.db);
    await sql`update usage_rollups_monthly set amount_fen = ${near} where provider_id = ${p.provider_id}`.execute(db().store.connection.db);
    const over = await api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      body: { records: [usageRecord(p, 'over', { amount_fen: 10_000_000_000_000 })] },
    });
    const body = expectError(over, 422, 'amount_too_large');
    expect(body.error.message).toContain('9223372036854775807');
    const stored = await sql<{
      n: number | string;
    }>`select count(*) as n from usage_records where provider_id = ${p.provider_id} and record_id = 'over'`.execute(db().store.connection.db);
    expect(Number(stored.rows[0]!.n)).toBe(0);
    const rollup = await sql<{ a: string }>`select cast(amount_fen as text) as a from usage_rollups where provider_id = ${p.provider_id}`.execute(
      db().store.connection.db,
    );
    expect(rollup.rows.map((r) => r.a)).toEqual([near.toString()]);
    // a record on another day has its own rollup row: taken
    const other = await api.call('POST', '/api/v1/usage', {
      key: p.provider_key,
      body: { records: [usageRecord(p, 'next-month', { started_at: '2026-11-02T00:00:00Z', ended_at: '2026-11-02T01:00:00Z', amount_fen: 5 })] },
    });
    expect(other.json().accepted, other.body).toBe(1);
  });
});
