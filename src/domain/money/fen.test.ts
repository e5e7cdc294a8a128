// FenSum and fenOfInput: exact sums of fen past 2^53 against a plain BigInt model, and money input at its edges.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fen_max, FenSum, fenOfInput } from './fen.js';

const amount_fen_max = 10_000_000_000_000; // usage_limits.amount_fen_max: a record's bill

describe('FenSum', () => {
  it('equals a BigInt sum for random bills up to 1e13, in counts that pass 2^53', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: amount_fen_max }), { minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 0, max: 2000 }),
        (bills, big_n) => {
          const all = [...bills, ...new Array<number>(big_n).fill(amount_fen_max)];
          const s = new FenSum();
          for (const b of all) s.add(b);
          expect(s.total).toBe(all.reduce((t, b) => t + BigInt(b), 0n));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('takes negative amounts and bigints alike', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -amount_fen_max, max: amount_fen_max }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n })), { maxLength: 500 }),
        (xs) => {
          const s = new FenSum();
          for (const x of xs) s.add(x);
          expect(s.total).toBe(xs.reduce<bigint>((t, x) => t + BigInt(x), 0n));
        },
      ),
    );
  });

  it('the reproduction: 1,000 bills of 1e13 and one of 3 sum to 10000000000000003, where Number arithmetic gives ...004', () => {
    const s = new FenSum();
    let rounded = 0;
    for (let i = 0; i < 1000; i++) {
      s.add(amount_fen_max);
      rounded += amount_fen_max;
    }
    s.add(3);
    rounded += 3;
    expect(s.total).toBe(10_000_000_000_000_003n);
    expect(rounded).toBe(10_000_000_000_000_004); // what the sums were before
  });

  it('refuses an addend that is not a safe integer rather than sum it rounded', () => {
    const s = new FenSum();
    s.add(Number.MAX_SAFE_INTEGER);
    expect(() => s.add(2 ** 53 + 2)).toThrow(RangeError);
  });
});

describe('fenOfInput', () => {
  it('takes a safe JSON integer or a decimal string up to 2^63 − 1', () => {
    expect(fenOfInput(0)).toEqual({ ok: true, fen: 0n });
    expect(fenOfInput(Number.MAX_SAFE_INTEGER)).toEqual({ ok: true, fen: 9_007_199_254_740_991n });
    expect(fenOfInput('9007199254740993')).toEqual({ ok: true, fen: 9_007_199_254_740_993n });
    expect(fenOfInput('9223372036854775807')).toEqual({ ok: true, fen: fen_max });
  });

  it('refuses a JSON number past 2^53 − 1, anything past 2^63 − 1, fractions, leading zeros and text', () => {
    expect(fenOfInput(2 ** 53)).toMatchObject({ ok: false, problem: 'unsafe_number', message: 'send amounts past 2^53−1 as a decimal string' });
    expect(fenOfInput(1e19)).toMatchObject({ ok: false, problem: 'unsafe_number' });
    expect(fenOfInput('9223372036854775808')).toMatchObject({ ok: false, problem: 'too_large', message: expect.stringContaining('9223372036854775807') });
    expect(fenOfInput(1.5)).toMatchObject({ ok: false, problem: 'not_fen' });
    for (const bad of ['', '01', '1.0', ' 1', '1e3', '+1', 'abc', null, true, {}, []]) expect(fenOfInput(bad)).toMatchObject({ ok: false });
    expect(fenOfInput(-1)).toMatchObject({ ok: false, problem: 'below_minimum' });
    expect(fenOfInput('0', 1n)).toMatchObject({ ok: false, problem: 'below_minimum' });
  });
});
