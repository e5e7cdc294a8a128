// Price outliers: a record billed far above or below the model's reference price per card-hour. Integer arithmetic
// throughout (BigInt), so a record is in or out of the band exactly, whatever its size.
import { assert } from '../assert.js';
import type { Finding } from './finding.js';

export interface PriceRecord {
  seq: number;
  accelerator: string;
  amount_fen: number;
  card_s: number;
}

/** The accepted band around the reference, in basis points of it: [low_bp, high_bp], both ends inside. */
export interface PriceBand {
  low_bp: number;
  high_bp: number;
}

/** 0.3× to 3× the reference price. */
export const price_band_default: PriceBand = { low_bp: 3000, high_bp: 30000 };

export type PriceDirection = 'above' | 'below';

/**
 * 'above' or 'below' when amount_fen / card-hours lies outside [low_bp, high_bp] of the reference, else null.
 * Compares amount_fen × 3600 × 10000 with reference × card_s × bp, which is the same test without division.
 */
export function priceOutside(amount_fen: number, card_s: number, reference_fen_per_card_h: number, band: PriceBand): PriceDirection | null {
  const billed = BigInt(amount_fen) * 36_000_000n;
  const base = BigInt(reference_fen_per_card_h) * BigInt(card_s);
  if (billed < base * BigInt(band.low_bp)) return 'below';
  if (billed > base * BigInt(band.high_bp)) return 'above';
  return null;
}

/** The billed price as basis points of the reference, rounded down. */
export function priceRatioBp(amount_fen: number, card_s: number, reference_fen_per_card_h: number): number {
  return Number((BigInt(amount_fen) * 36_000_000n) / (BigInt(reference_fen_per_card_h) * BigInt(card_s)));
}

/**
 * One finding per record billed outside the band of its model's reference price (fen per card-hour, supplied by the
 * caller: the catalog has none yet). Records of a model with no reference are not judged. Overbilling inflates a
 * subsidy, so it weighs more than underbilling. Findings in seq order.
 */
export function findPriceOutliers(records: readonly PriceRecord[], references: ReadonlyMap<string, number>, band: PriceBand = price_band_default): Finding[] {
  assert(Number.isInteger(band.low_bp) && Number.isInteger(band.high_bp), 'band bounds must be integers');
  assert(band.low_bp >= 0 && band.low_bp <= 10_000 && band.high_bp >= 10_000, 'band must hold the reference: 0 ≤ low_bp ≤ 10000 ≤ high_bp');
  for (const [model, ref] of references) assert(Number.isSafeInteger(ref) && ref > 0, `reference price of ${model} must be a positive integer`);
  const out: Finding[] = [];
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    const reference = references.get(r.accelerator);
    if (reference === undefined) continue;
    assert(Number.isSafeInteger(r.card_s) && r.card_s > 0, `record ${r.seq}: card_s must be a positive integer`);
    assert(Number.isSafeInteger(r.amount_fen) && r.amount_fen >= 0, `record ${r.seq}: amount_fen must be a non-negative integer`);
    const direction = priceOutside(r.amount_fen, r.card_s, reference, band);
    if (direction === null) continue;
    const ratio_bp = priceRatioBp(r.amount_fen, r.card_s, reference);
    const price = Number((BigInt(r.amount_fen) * 3600n) / BigInt(r.card_s));
    const bound_bp = direction === 'above' ? band.high_bp : band.low_bp;
    out.push({
      kind: 'price_outlier',
      severity: direction === 'above' ? 'medium' : 'low',
      subject: { accelerator: r.accelerator },
      message:
        `Record ${r.seq} bills ${price} fen per ${r.accelerator} card-hour, ${(ratio_bp / 10_000).toFixed(2)}× the ` +
        `reference of ${reference} fen; the accepted band is ${band.low_bp / 10_000}× to ${band.high_bp / 10_000}×, ` +
        `so it is ${direction} the ${bound_bp / 10_000}× bound.`,
      evidence: {
        direction,
        price_fen_per_card_h: price,
        reference_fen_per_card_h: reference,
        ratio_bp,
        low_bp: band.low_bp,
        high_bp: band.high_bp,
        amount_fen: r.amount_fen,
        card_s: r.card_s,
      },
      record_seqs: [r.seq],
      interval: null,
    });
  }
  return out;
}
