// Tests for compute normalization: worked examples checked by hand in the comments, parse errors,
// rounding at exact halves, and a BigInt reference property for the PFLOP·h formatting.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  GFLOP_PER_PFLOP_H,
  cardHours,
  cardSeconds,
  computeGflop,
  denseThroughput,
  formatPflopHours,
  parseTflopsToGflops,
  referenceCardHours,
} from './compute.js';

// A100 80GB SXM: BF16 and FP16 dense 312 TFLOPS.
const A100 = { bf16_tflops_dense: '312', fp16_tflops_dense: '312' };
const A100_GFLOPS = 312_000;

describe('parseTflopsToGflops', () => {
  it('shifts the decimal point three places', () => {
    expect(parseTflopsToGflops('311.87')).toBe(311_870);
    expect(parseTflopsToGflops('989')).toBe(989_000);
    expect(parseTflopsToGflops('1307.4')).toBe(1_307_400);
    expect(parseTflopsToGflops('0.5')).toBe(500);
    expect(parseTflopsToGflops('165.2')).toBe(165_200);
    expect(parseTflopsToGflops('0.001')).toBe(1);
    expect(parseTflopsToGflops('0')).toBe(0);
    expect(parseTflopsToGflops('007.100')).toBe(7_100);
    // 1.005 × 1000 in floating point is 1004.9999999999999; digit shifting gives 1005.
    expect(parseTflopsToGflops('1.005')).toBe(1_005);
    // Largest accepted: 9007199254740.991 TFLOPS = 2^53 - 1 GFLOPS.
    expect(parseTflopsToGflops('9007199254740.991')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects more than 3 decimals', () => {
    expect(() => parseTflopsToGflops('1.2345')).toThrow(RangeError);
    expect(() => parseTflopsToGflops('1.2345')).toThrow(/more than 3 decimals/);
    expect(() => parseTflopsToGflops('0.0005')).toThrow(/more than 3 decimals/);
  });

  it('rejects anything but a plain non-negative decimal', () => {
    for (const bad of ['abc', '-1', '1e3', '', ' 1', '1 ', '1.', '.5', '+1', '1,000', '1_000', '0x10', 'NaN', '３']) {
      expect(() => parseTflopsToGflops(bad), JSON.stringify(bad)).toThrow(/not a plain decimal number/);
    }
  });

  it('rejects figures past the safe integer range', () => {
    expect(() => parseTflopsToGflops('9007199254740.992')).toThrow(/too large/);
  });
});

describe('denseThroughput', () => {
  it('prefers BF16 dense', () => {
    expect(denseThroughput(A100)).toEqual({ gflops: 312_000, basis: 'bf16_dense' });
    // Biren BR100 states BF16 only.
    expect(denseThroughput({ bf16_tflops_dense: '1024', fp16_tflops_dense: null })).toEqual({
      gflops: 1_024_000,
      basis: 'bf16_dense',
    });
  });

  it('falls back to FP16 dense', () => {
    // Ascend 910B: FP16 dense 320 TFLOPS, no BF16 figure.
    expect(denseThroughput({ bf16_tflops_dense: null, fp16_tflops_dense: '320' })).toEqual({
      gflops: 320_000,
      basis: 'fp16_dense',
    });
    // An empty catalogue cell counts as missing.
    expect(denseThroughput({ bf16_tflops_dense: '', fp16_tflops_dense: '125' })).toEqual({
      gflops: 125_000,
      basis: 'fp16_dense',
    });
  });

  it('returns null for a model with neither figure (card-hours only)', () => {
    // e.g. Cambricon MLU590: no verified compute figure.
    expect(denseThroughput({ bf16_tflops_dense: null, fp16_tflops_dense: null })).toBeNull();
    expect(denseThroughput({ bf16_tflops_dense: '', fp16_tflops_dense: '' })).toBeNull();
  });

  it('throws on a malformed or zero figure rather than skipping it', () => {
    expect(() => denseThroughput({ bf16_tflops_dense: '1.2345', fp16_tflops_dense: '312' })).toThrow(RangeError);
    expect(() => denseThroughput({ bf16_tflops_dense: null, fp16_tflops_dense: '0.000' })).toThrow(/is zero/);
  });
});

describe('cardSeconds', () => {
  it('multiplies count by duration', () => {
    expect(cardSeconds(8, 23_400)).toBe(187_200);
    expect(cardSeconds(0, 23_400)).toBe(0);
    expect(cardSeconds(1, Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects negative, fractional, non-finite and overflowing inputs', () => {
    expect(() => cardSeconds(-1, 10)).toThrow(/count/);
    expect(() => cardSeconds(1, -10)).toThrow(/duration_s/);
    expect(() => cardSeconds(1.5, 10)).toThrow(RangeError);
    expect(() => cardSeconds(1, Number.NaN)).toThrow(RangeError);
    expect(() => cardSeconds(1, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => cardSeconds(2, Number.MAX_SAFE_INTEGER)).toThrow(/safe integer range/);
  });
});

describe('computeGflop', () => {
  it('is exact past 2^53', () => {
    // (2^53 - 1) × 10^6 = 9007199254740991000000.
    expect(computeGflop(Number.MAX_SAFE_INTEGER, 1_000_000)).toBe(9_007_199_254_740_991_000_000n);
  });

  it('rejects negative or fractional inputs', () => {
    expect(() => computeGflop(-1, 1)).toThrow(RangeError);
    expect(() => computeGflop(1, 0.5)).toThrow(RangeError);
  });
});

describe('worked examples', () => {
  it('8 × Ascend 910B for 6.5 h', () => {
    // 6.5 h = 23,400 s; 8 × 23,400 = 187,200 card-s = 52 card-h.
    // FP16 dense "320" → 320,000 GFLOPS (no BF16 figure).
    // 187,200 × 320,000 = 59,904,000,000 GFLOP.
    // 59,904,000,000 / 3,600,000,000 = 16.64 → "16.640000" PFLOP·h.
    // As A100 (312,000 GFLOPS): 59,904,000,000 / 312,000 = 192,000 s; 192,000 / 3600 = 53.333… h → "53.333".
    const throughput = denseThroughput({ bf16_tflops_dense: null, fp16_tflops_dense: '320' });
    expect(throughput).toEqual({ gflops: 320_000, basis: 'fp16_dense' });
    const card_s = cardSeconds(8, 23_400);
    expect(card_s).toBe(187_200);
    expect(cardHours(card_s)).toBe('52.000');
    const gflop = computeGflop(card_s, throughput!.gflops);
    expect(gflop).toBe(59_904_000_000n);
    expect(formatPflopHours(gflop)).toBe('16.640000');
    expect(referenceCardHours(gflop, A100_GFLOPS)).toBe('53.333');
  });

  it('8 × H100 SXM for 24 h, against the A100', () => {
    // 8 × 86,400 s = 691,200 card-s = 192 card-h. BF16 dense "989" → 989,000 GFLOPS.
    // 691,200 × 989,000 = 691,200,000,000 − 691,200 × 11,000 (7,603,200,000) = 683,596,800,000 GFLOP.
    // PFLOP·h = 192 card-h × 0.989 PFLOPS = 189.888 → "189.888000".
    // As A100: 192 × 989 / 312 = 189,888 / 312 = 608 + 192/312 = 608.6153… → "608.615".
    const throughput = denseThroughput({ bf16_tflops_dense: '989', fp16_tflops_dense: '989' });
    expect(throughput).toEqual({ gflops: 989_000, basis: 'bf16_dense' });
    const gflop = computeGflop(cardSeconds(8, 86_400), throughput!.gflops);
    expect(gflop).toBe(683_596_800_000n);
    expect(formatPflopHours(gflop)).toBe('189.888000');
    expect(referenceCardHours(gflop, A100_GFLOPS)).toBe('608.615');
    expect(cardHours(cardSeconds(8, 86_400))).toBe('192.000');
  });

  it('4 × RTX 4090 for 1.5 h', () => {
    // 4 × 5,400 s = 21,600 card-s = 6 card-h. BF16 dense "165.2" → 165,200 GFLOPS.
    // 21,600 × 165,200 = 3,568,320,000 GFLOP. PFLOP·h = 6 × 0.1652 = 0.9912 → "0.991200".
    // As A100: 6 × 165.2 / 312 = 991.2 / 312 = 3.17692… → "3.177" (third decimal 6, next 9: rounds up).
    const throughput = denseThroughput({ bf16_tflops_dense: '165.2', fp16_tflops_dense: '165.2' });
    const gflop = computeGflop(cardSeconds(4, 5_400), throughput!.gflops);
    expect(gflop).toBe(3_568_320_000n);
    expect(formatPflopHours(gflop)).toBe('0.991200');
    expect(referenceCardHours(gflop, A100_GFLOPS)).toBe('3.177');
  });

  it('2 × A800 PCIe for 10 h', () => {
    // 2 × 36,000 s = 72,000 card-s = 20 card-h. BF16 dense "311.87" → 311,870 GFLOPS.
    // 72,000 × 311,870 = 22,454,640,000 GFLOP. PFLOP·h = 20 × 0.31187 = 6.2374 → "6.237400".
    // As A100: 22,454,640,000 / 312,000 = 71,970 s; 71,970 / 3600 = 19.99166… → "19.992".
    const throughput = denseThroughput({ bf16_tflops_dense: '311.87', fp16_tflops_dense: '311.87' });
    const gflop = computeGflop(cardSeconds(2, 36_000), throughput!.gflops);
    expect(gflop).toBe(22_454_640_000n);
    expect(formatPflopHours(gflop)).toBe('6.237400');
    expect(referenceCardHours(gflop, A100_GFLOPS)).toBe('19.992');
  });

  it('an A100 hour is one reference-card hour', () => {
    // 3,600 card-s × 312,000 = 1,123,200,000 GFLOP = 0.312 PFLOP·h.
    const gflop = computeGflop(3_600, A100_GFLOPS);
    expect(formatPflopHours(gflop)).toBe('0.312000');
    expect(referenceCardHours(gflop, A100_GFLOPS)).toBe('1.000');
  });
});

describe('formatting and rounding', () => {
  it('formats one PFLOP·h', () => {
    expect(GFLOP_PER_PFLOP_H).toBe(10n ** 15n * 3600n / 10n ** 9n);
    expect(formatPflopHours(3_600_000_000n)).toBe('1.000000');
    expect(formatPflopHours(0n)).toBe('0.000000');
    expect(formatPflopHours(3_600_000_000n, 0)).toBe('1');
    expect(formatPflopHours(3_600_000_000n, 2)).toBe('1.00');
  });

  it('rounds exact halves up', () => {
    // 1,800 GFLOP = 0.0000005 PFLOP·h: exactly half of the sixth decimal.
    expect(formatPflopHours(1_800n)).toBe('0.000001');
    expect(formatPflopHours(1_799n)).toBe('0.000000');
    // Half an A100-thousandth-hour: 1,123,200,000 / 2,000 = 561,600 GFLOP.
    expect(referenceCardHours(561_600n, A100_GFLOPS)).toBe('0.001');
    expect(referenceCardHours(561_599n, A100_GFLOPS)).toBe('0.000');
    // 18 card-s = 0.005 card-h; 5,400 card-s = 1.5 card-h.
    expect(cardHours(18, 2)).toBe('0.01');
    expect(cardHours(17, 2)).toBe('0.00');
    expect(cardHours(5_400, 0)).toBe('2');
    expect(cardHours(5_399, 0)).toBe('1');
  });

  it('accepts bigint card-seconds beyond 2^53', () => {
    // 2^53 × 3600 card-s = 2^53 card-h exactly.
    expect(cardHours(2n ** 53n * 3600n)).toBe('9007199254740992.000');
  });

  it('rejects negative amounts, bad decimals and a non-positive reference', () => {
    expect(() => formatPflopHours(-1n)).toThrow(RangeError);
    expect(() => formatPflopHours(1n, -1)).toThrow(/decimals/);
    expect(() => formatPflopHours(1n, 1.5)).toThrow(/decimals/);
    expect(() => referenceCardHours(1n, 0)).toThrow(/ref_gflops/);
    expect(() => referenceCardHours(1n, 1.5)).toThrow(/ref_gflops/);
    expect(() => cardHours(-1)).toThrow(RangeError);
    expect(() => cardHours(-1n)).toThrow(RangeError);
  });
});

// Reference: round(n / d) half-up at `decimals` places = floor((2·n·10^decimals + d) / (2·d)),
// then the decimal point is placed by string slicing.
function referenceDecimal(n: bigint, d: bigint, decimals: number): string {
  const units = (2n * n * 10n ** BigInt(decimals) + d) / (2n * d);
  if (decimals === 0) return units.toString();
  const digits = units.toString().padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

describe('properties', () => {
  const safeArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  const smallArb = fc.integer({ min: 0, max: 10_000_000 });

  it('formatPflopHours(computeGflop(card_s, gflops)) matches a BigInt reference', () => {
    fc.assert(
      fc.property(
        fc.oneof(safeArb, smallArb),
        fc.oneof(safeArb, smallArb),
        fc.integer({ min: 0, max: 12 }),
        (card_s, gflops, decimals) => {
          const gflop = computeGflop(card_s, gflops);
          expect(gflop).toBe(BigInt(card_s) * BigInt(gflops));
          expect(formatPflopHours(gflop, decimals)).toBe(referenceDecimal(gflop, 3_600_000_000n, decimals));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('referenceCardHours matches a BigInt reference', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 6 }),
        (gflop, ref_gflops, decimals) => {
          expect(referenceCardHours(gflop, ref_gflops, decimals)).toBe(
            referenceDecimal(gflop, BigInt(ref_gflops) * 3600n, decimals),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('parseTflopsToGflops agrees with integer arithmetic on generated figures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 3 }), (units, places) => {
        // `units` in the last written place, e.g. units 31187 with 2 places is "311.87" = 311,870 GFLOPS.
        const digits = String(units).padStart(places + 1, '0');
        const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
        expect(parseTflopsToGflops(text)).toBe(units * 10 ** (3 - places));
      }),
      { numRuns: 1000 },
    );
  });
});
