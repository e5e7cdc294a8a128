// The price bucket of a usage record: its bill per card-hour rounded up to whole fen, ceil(amount_fen × 3600 / card_s).
// For a whole-fen ceiling c, a record's bill is within the ceiling (amount ≤ c × card_s / 3600, what evaluate() floors
// to amount ≤ floor(c × card_s / 3600)) exactly when its price key ≤ c: one comparison decides every record of a bucket,
// so usage can be summed per bucket (usage_groups) and still meet any ceiling record by record. A record of 0
// card-seconds has price key 0 when its bill is 0, and null (above every ceiling) otherwise.
export function priceKey(amount_fen: number, card_s: number): number | null {
  if (card_s === 0) return amount_fen === 0 ? 0 : null;
  const n = amount_fen * 3600;
  if (Number.isSafeInteger(n)) {
    // the quotient of two exact integers, corrected where the division rounded across a whole number (it runs per
    // record in the SQLite writer thread: no bigint there)
    let q = Math.ceil(n / card_s);
    if (q * card_s < n) q += 1;
    else if ((q - 1) * card_s >= n) q -= 1;
    return q;
  }
  const d = BigInt(card_s);
  return Number((BigInt(amount_fen) * 3600n + d - 1n) / d);
}
