import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../assert.js';
import { findPriceOutliers, priceOutside, priceRatioBp, price_band_default } from './price.js';

const refs = new Map([['a', 1000]]); // 1000 fen per card-hour

describe('price outliers', () => {
  it('accepts prices inside the band, both bounds included, and flags just past either bound', () => {
    // 8 cards for 1 hour = 28,800 card-s; reference 8,000 fen. Band 0.3×..3× = 2,400..24,000 fen.
    const card_s = 8 * 3600;
    expect(priceOutside(2400, card_s, 1000, price_band_default)).toBeNull();
    expect(priceOutside(24000, card_s, 1000, price_band_default)).toBeNull();
    expect(priceOutside(2399, card_s, 1000, price_band_default)).toBe('below');
    expect(priceOutside(24001, card_s, 1000, price_band_default)).toBe('above');
  });

  it('reports records outside the band with direction, ratio and plain words, in seq order', () => {
    const records = [
      { seq: 3, accelerator: 'a', amount_fen: 40_000, card_s: 3600 }, // 40× reference
      { seq: 1, accelerator: 'a', amount_fen: 1000, card_s: 3600 }, // at reference
      { seq: 2, accelerator: 'a', amount_fen: 100, card_s: 3600 }, // 0.1×
      { seq: 4, accelerator: 'unpriced', amount_fen: 1, card_s: 3600 }, // no reference: not judged
    ];
    const f = findPriceOutliers(records, refs);
    expect(f.map((x) => [x.record_seqs, x.severity, x.evidence['direction'], x.evidence['ratio_bp']])).toEqual([
      [[2], 'low', 'below', 1000],
      [[3], 'medium', 'above', 400_000],
    ]);
    expect(f[1]!.message).toContain('40000 fen per a card-hour, 40.00× the reference of 1000 fen');
  });

  it('stays exact where the products pass 2^53', () => {
    // 1e9 card-s at 1e7 fen/card-h: 3× is 8,333,333,333,333.3 fen; the products compared are around 3e20.
    const card_s = 1_000_000_000;
    expect(priceOutside(8_333_333_333_333, card_s, 10_000_000, price_band_default)).toBeNull();
    expect(priceOutside(8_333_333_333_334, card_s, 10_000_000, price_band_default)).toBe('above');
    expect(priceRatioBp(8_333_333_333_333, card_s, 10_000_000)).toBe(29_999);
  });

  it('matches rational arithmetic on random records (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 10_000, max: 100_000 }),
        (amount, card_s, ref, low_bp, high_bp) => {
          const billed = BigInt(amount) * 3600n * 10_000n;
          const base = BigInt(ref) * BigInt(card_s);
          const want = billed < base * BigInt(low_bp) ? 'below' : billed > base * BigInt(high_bp) ? 'above' : null;
          expect(priceOutside(amount, card_s, ref, { low_bp, high_bp })).toBe(want);
        },
      ),
    );
  });

  it('rejects a band that excludes the reference, bad references and records without card-seconds', () => {
    expect(() => findPriceOutliers([], refs, { low_bp: 12_000, high_bp: 30_000 })).toThrow(InvariantError);
    expect(() => findPriceOutliers([], refs, { low_bp: 3000, high_bp: 9_999 })).toThrow(InvariantError);
    expect(() => findPriceOutliers([], new Map([['a', 0]]))).toThrow(InvariantError);
    expect(() => findPriceOutliers([{ seq: 1, accelerator: 'a', amount_fen: 1, card_s: 0 }], refs)).toThrow(InvariantError);
    expect(findPriceOutliers([], refs, { low_bp: 10_000, high_bp: 10_000 })).toEqual([]);
  });
});
