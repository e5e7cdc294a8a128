// Shares in basis points (10,000 = 100%), from exact integer amounts, with the rounding said out loud.

export const bp_whole = 10_000;

/**
 * part / whole in basis points, rounded half up (5,000.5 bp → 5,001); null when the whole is zero (no share to speak
 * of). Throws RangeError unless 0 ≤ part ≤ whole.
 */
export function shareBp(part: bigint, whole: bigint): number | null {
  if (part < 0n || part > whole) throw new RangeError(`a share needs 0 ≤ part ≤ whole, got ${part} of ${whole}`);
  if (whole === 0n) return null;
  return Number(divideRoundHalfAway(part * BigInt(bp_whole), whole));
}

/** n / d rounded to the nearest integer, halves away from zero; d ≠ 0. */
export function divideRoundHalfAway(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  if ((a % d) * 2n >= d) q += 1n;
  return negative ? -q : q;
}

/** The smallest integer ≥ n / d; d > 0. */
export function divideCeil(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divideCeil needs a positive divisor');
  const q = n / d; // truncates toward zero
  return n % d !== 0n && n > 0n ? q + 1n : q;
}

export function clampBp(bp: number): number {
  return Math.min(bp_whole, Math.max(0, bp));
}
