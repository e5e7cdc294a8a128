// Money and quantities as exports write them: yuan as exact decimal strings made from integer fen (never through a
// float), and fixed-point quantities (kWh from Wh) the same way.

/** Integer fen → yuan with exactly two decimals: 123456 → "1234.56", -5 → "-0.05", 10n ** 20n → "1000000000000000000.00". */
export function yuanOfFen(fen: number | bigint): string {
  if (typeof fen === 'number' && !Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${fen}`);
  const v = BigInt(fen);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/**
 * Yuan as a spreadsheet number: fen / 100, the nearest double. Exact for display at two decimals for every amount
 * below 2^53 fen (about ¥90 trillion); the integer fen sits in the column beside it for anyone who sums to the fen.
 */
export function yuanNumber(fen: number | bigint): number {
  return Number(fen) / 100;
}

/** Whether integer fen is exact as a double (|fen| ≤ 2^53 − 1). */
export function isSafeFen(fen: number | bigint): boolean {
  return typeof fen === 'number' ? Number.isSafeInteger(fen) : fen <= BigInt(Number.MAX_SAFE_INTEGER) && fen >= BigInt(Number.MIN_SAFE_INTEGER);
}

/** Integer Wh → kWh with three decimals, exactly: 41600 → "41.600". */
export function kwhOfWh(wh: number | bigint): string {
  const v = BigInt(wh);
  if (v < 0n) throw new RangeError(`energy must be non-negative, got ${wh} Wh`);
  return `${v / 1000n}.${(v % 1000n).toString().padStart(3, '0')}`;
}
