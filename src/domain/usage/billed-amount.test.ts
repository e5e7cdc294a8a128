import { describe, expect, it } from 'vitest';
import { billedAmountFen } from './billed-amount.js';

describe('billedAmountFen', () => {
  it('is cards × seconds × fen per card-hour / 3600', () => {
    expect(billedAmountFen(8, 14_400, 800)).toBe(25_600); // 32 card-hours at 8 yuan
    expect(billedAmountFen(16, 43_200, 1200)).toBe(230_400);
  });

  it('rounds half up, exactly', () => {
    expect(billedAmountFen(1, 1, 1800)).toBe(1); // 0.5 → 1
    expect(billedAmountFen(1, 1, 1799)).toBe(0); // 0.4997 → 0
    expect(billedAmountFen(1, 3, 1800)).toBe(2); // 1.5 → 2
    expect(billedAmountFen(1, 2710, 1200)).toBe(903); // 903.33…
    expect(billedAmountFen(2, 2710, 1200)).toBe(1807); // 1806.67…
    expect(billedAmountFen(4, 600, 1250)).toBe(833); // 833.33…
  });

  it('stays exact past 2^53 in the product', () => {
    // 100,000 cards × 31 days × 10,000,000 fen: the product is 2.7e18, beyond any float's exact integers
    expect(billedAmountFen(100_000, 2_678_400, 10_000_000)).toBe(744_000_000_000_000);
    expect(billedAmountFen(99_999, 2_678_399, 9_999_999)).toBe(Number((99_999n * 2_678_399n * 9_999_999n + 1800n) / 3600n));
  });
});
