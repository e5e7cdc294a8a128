import { describe, expect, it } from 'vitest';
import { clampBp, divideCeil, divideRoundHalfAway, shareBp } from './share.js';

describe('shares in basis points', () => {
  it('rounds half up and says null for no whole', () => {
    expect(shareBp(1n, 3n)).toBe(3333);
    expect(shareBp(2n, 3n)).toBe(6667);
    expect(shareBp(1n, 20_000n)).toBe(1); // 0.5 bp → 1
    expect(shareBp(1n, 20_001n)).toBe(0); // just under half
    expect(shareBp(0n, 5n)).toBe(0);
    expect(shareBp(5n, 5n)).toBe(10_000);
    expect(shareBp(0n, 0n)).toBeNull();
    // exact far past 2^53
    expect(shareBp(2n ** 70n, 2n ** 71n)).toBe(5000);
  });

  it('refuses a part outside 0..whole', () => {
    expect(() => shareBp(6n, 5n)).toThrow(RangeError);
    expect(() => shareBp(-1n, 5n)).toThrow(RangeError);
  });

  it('divides with explicit rounding', () => {
    expect([
      divideRoundHalfAway(5n, 2n),
      divideRoundHalfAway(-5n, 2n),
      divideRoundHalfAway(7n, -2n),
      divideRoundHalfAway(4n, 3n),
      divideRoundHalfAway(-4n, 3n),
    ]).toEqual([3n, -3n, -4n, 1n, -1n]);
    expect(() => divideRoundHalfAway(1n, 0n)).toThrow(RangeError);
    expect([divideCeil(7n, 2n), divideCeil(6n, 2n), divideCeil(-7n, 2n), divideCeil(0n, 3n)]).toEqual([4n, 3n, -3n, 0n]);
    expect(() => divideCeil(1n, 0n)).toThrow(RangeError);
    expect([clampBp(-5), clampBp(10_001), clampBp(42)]).toEqual([0, 10_000, 42]);
  });
});
