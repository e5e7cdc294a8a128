import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kwhOfWh, yuanNumber, yuanOfFen } from './money.js';

describe('yuanOfFen', () => {
  it('writes two exact decimals from integer fen, negative and large alike', () => {
    expect(yuanOfFen(0)).toBe('0.00');
    expect(yuanOfFen(5)).toBe('0.05');
    expect(yuanOfFen(123_456)).toBe('1234.56');
    expect(yuanOfFen(-5)).toBe('-0.05');
    expect(yuanOfFen(-123_400)).toBe('-1234.00');
    expect(yuanOfFen(Number.MAX_SAFE_INTEGER)).toBe('90071992547409.91');
    expect(yuanOfFen(Number.MIN_SAFE_INTEGER)).toBe('-90071992547409.91');
    expect(yuanOfFen(10n ** 20n + 1n)).toBe('1000000000000000000.01');
    expect(yuanOfFen(-(10n ** 20n) - 99n)).toBe('-1000000000000000000.99');
  });

  it('never goes through a float: 0.1 + 0.2 style sums stay exact', () => {
    expect(yuanOfFen(10 + 20)).toBe('0.30');
    expect(yuanOfFen(100_000_000_000_001)).toBe('1000000000000.01');
  });

  it('refuses fractional or unsafe numbers rather than rounding them', () => {
    expect(() => yuanOfFen(1.5)).toThrow(RangeError);
    expect(() => yuanOfFen(2 ** 53)).toThrow(RangeError);
    expect(() => yuanOfFen(Number.NaN)).toThrow(RangeError);
  });

  it('reads back to the same fen for any integer (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), (fen) => {
        const s = yuanOfFen(fen);
        expect(s).toMatch(/^-?\d+\.\d{2}$/);
        expect(BigInt(s.replace('.', ''))).toBe(fen);
      }),
    );
  });

  it('yuanNumber is fen / 100, which displays exactly at two decimals', () => {
    expect(yuanNumber(123_456)).toBe(1234.56);
    expect(yuanNumber(-5)).toBe(-0.05);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), (fen) => {
        expect(yuanNumber(fen).toFixed(2)).toBe(yuanOfFen(fen));
      }),
    );
  });
});

describe('kwhOfWh', () => {
  it('writes three exact decimals', () => {
    expect(kwhOfWh(41_600)).toBe('41.600');
    expect(kwhOfWh(1)).toBe('0.001');
    expect(kwhOfWh(0n)).toBe('0.000');
    expect(() => kwhOfWh(-1)).toThrow(RangeError);
  });
});
