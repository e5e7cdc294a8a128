// sum() of int8 money, exact on both engines and never an overflow. PostgreSQL sums bigint into numeric (any size).
// SQLite's sum() raises "integer overflow" past 2^63, so there the values are summed in two parts, x / 2^32 and
// x % 2^32 (SQLite divides toward zero and the remainder keeps x's sign, so x = hi × 2^32 + lo), each sum safe for
// over two billion rows, and put together here with BigInt.
import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Engine } from './engine.js';

const split = 4_294_967_296n;

/** The exact sum of `value` as text: read it with readFenSum. Null over no rows. */
export function sumFen(engine: Engine, value: Expression<unknown>): RawBuilder<string | null> {
  if (engine === 'postgres') return sql<string | null>`cast(sum(${value}) as text)`;
  return sql<string | null>`cast(sum((${value}) / ${sql.lit(Number(split))}) as text) || ':' || cast(sum((${value}) % ${sql.lit(Number(split))}) as text)`;
}

/** A sum from sumFen as a bigint (0n over no rows). */
export function readFenSum(text: string | null | undefined): bigint {
  if (text === null || text === undefined) return 0n;
  const colon = text.indexOf(':');
  if (colon < 0) return BigInt(text);
  return BigInt(text.slice(0, colon)) * split + BigInt(text.slice(colon + 1));
}
