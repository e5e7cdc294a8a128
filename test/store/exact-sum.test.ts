// Sums of money read from the store, on both engines, against a plain BigInt model: the usage summary over random
// daily rollups (each up to 4e18 fen, groups summing past 2^63, where SQLite's sum() alone raises "integer overflow"),
// sumFen over signed values, and int8 columns past 2^53 read back exactly (no rounding by the driver).
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describeEachEngine } from '../support/engines.js';
import { readFenSum, sumFen } from '../../src/store/exact-sum.js';

const fen_max = 9_223_372_036_854_775_807n;

describeEachEngine('exact sums of money', (db) => {
  it('sumFen equals the BigInt sum of signed int8 values, also past 2^63 and through zero', async () => {
    const { connection } = db().store;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: -fen_max, max: fen_max }), { minLength: 0, maxLength: 40 }), async (xs) => {
        const values =
          xs.length === 0
            ? sql`select cast(null as bigint) as column1 where 1 = 0`
            : sql`values ${sql.join(xs.map((x) => sql`(cast(${x.toString()} as bigint))`))}`;
        const r = await sql<{ s: string | null }>`select ${sumFen(connection.engine, sql.ref('column1'))} as s from (${values}) as t`.execute(connection.db);
        expect(readFenSum(r.rows[0]!.s)).toBe(xs.reduce((s, x) => s + x, 0n));
      }),
      { numRuns: 60 },
    );
  });

  it('the usage summary sums random rollups exactly, by enterprise and by month, against a BigInt model', async () => {
    const { store } = db();
    const rollup = fc.record({
      enterprise: fc.integer({ min: 0, max: 3 }),
      accelerator: fc.constantFrom('huawei-ascend-910b', 'nvidia-h20'),
      day: fc.integer({ min: 1, max: 28 }),
      amount_fen: fc.oneof(fc.bigInt({ min: 0n, max: 10_000_000_000_000n }), fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n })),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(rollup, { selector: (r) => `${r.enterprise}:${r.accelerator}:${r.day}`, maxLength: 30 }), async (rows) => {
        const provider_id = `prov-sum-${run++}`;
        // Each row its own provider × enterprise × model × day, so no monthly rollup (kept by trigger) passes int8.
        await store.connection.db
          .insertInto('usage_rollups')
          .values(
            rows.map((r, k) => ({
              provider_id: `${provider_id}-${k}`,
              enterprise_id: `ent-${r.enterprise}`,
              accelerator_id: r.accelerator,
              day: `2031-03-${String(r.day).padStart(2, '0')}`,
              records: 1,
              card_s: 3600,
              compute_gflop: 0,
              amount_fen: r.amount_fen,
            })),
          )
          .execute()
          .catch((e: unknown) => {
            if (rows.length > 0) throw e;
          });
        const scope = { from_day: '2031-03-01', to_day: '2031-04-01' };
        const by_enterprise = await store.usage.summary('enterprise', scope);
        const model = new Map<string, bigint>();
        for (const r of rows) model.set(`ent-${r.enterprise}`, (model.get(`ent-${r.enterprise}`) ?? 0n) + r.amount_fen);
        expect(new Map(by_enterprise.filter((r) => r.key.startsWith('ent-')).map((r) => [r.key, r.amount_fen]))).toEqual(model);
        const by_month = await store.usage.summary('month', scope);
        expect(by_month.reduce((s, r) => s + r.amount_fen, 0n)).toBe(rows.reduce((s, r) => s + r.amount_fen, 0n));
        await store.connection.db.deleteFrom('usage_rollups').where('day', '>=', '2031-03-01').where('day', '<', '2031-04-01').execute();
      }),
      { numRuns: 25 },
    );
  });

  it('reads int8 money past 2^53 exactly, as a bigint (and a number while it is exact)', async () => {
    const { connection } = db().store;
    for (const v of [9_007_199_254_740_993n, fen_max, -fen_max, 12_345n]) {
      const r = await sql<{ v: number | bigint }>`select cast(${v.toString()} as bigint) as v`.execute(connection.db);
      expect(BigInt(r.rows[0]!.v)).toBe(v);
      expect(typeof r.rows[0]!.v).toBe(v === 12_345n ? 'number' : 'bigint');
    }
  });
});
