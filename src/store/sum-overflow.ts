// A stored sum of fen that would pass the storage's bound (int8: 2^63 − 1): PostgreSQL's "bigint out of range" (22003),
// SQLite's 'amount_sum_overflow' (the triggers of migration 0012) or its own "integer overflow" in sum(). The write was
// rolled back; the request is answered 422 amount_too_large naming the limit, never 500 and never a rounded sum.
export const fen_storage_max = 9_223_372_036_854_775_807n;

export function isSumOverflow(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (e.code === '22003') return true;
  return typeof e.message === 'string' && /amount_sum_overflow|integer overflow|bigint out of range/.test(e.message);
}
