// Money sums in fen, exactly. A single usage record's amount is a JS number (it is bounded by amount_fen_max = 1e13,
// far below 2^53); every sum of amounts is a bigint, bounded only by what the store holds: an 8-byte integer.

/** The most fen a stored money column holds (int8 on both engines): 2^63 − 1. */
export const fen_max = 9_223_372_036_854_775_807n;

/** Whole fen as a decimal string: 0, or digits without a leading zero, with an optional minus sign. */
export const fen_pattern = '^(0|-?[1-9][0-9]*)$';
const fen_text = new RegExp(fen_pattern);

export const fen_unsafe_number_message = 'send amounts past 2^53−1 as a decimal string';
export const fen_too_large_message = `at most ${fen_max} fen (2^63 − 1, the most the store holds)`;

export type FenInput = { ok: true; fen: bigint } | { ok: false; problem: 'not_fen' | 'unsafe_number' | 'below_minimum' | 'too_large'; message: string };

/**
 * An amount of money as a client sends it: a JSON integer that is a safe integer, or a decimal string of whole fen.
 * A JSON number past 2^53 − 1 has already been rounded by the JSON parser, so it is refused, never used.
 */
export function fenOfInput(value: unknown, minimum = 0n): FenInput {
  let fen: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { ok: false, problem: 'not_fen', message: 'must be a whole number of fen' };
    if (!Number.isSafeInteger(value)) return { ok: false, problem: 'unsafe_number', message: fen_unsafe_number_message };
    fen = BigInt(value);
  } else if (typeof value === 'string' && value.length <= 40 && fen_text.test(value)) {
    fen = BigInt(value);
  } else {
    return { ok: false, problem: 'not_fen', message: 'must be a whole number of fen: a JSON integer, or a decimal string past 2^53 − 1' };
  }
  if (fen < minimum) return { ok: false, problem: 'below_minimum', message: `must be at least ${minimum}` };
  if (fen > fen_max) return { ok: false, problem: 'too_large', message: fen_too_large_message };
  return { ok: true, fen };
}

/**
 * A running sum of whole fen: Number arithmetic while the sum is a safe integer, folded into a bigint before it could
 * round. Adding a record's amount costs no BigInt until the sum nears 2^53.
 */
export class FenSum {
  private big = 0n;
  private small = 0;

  add(v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.big += v;
      return;
    }
    const s = this.small + v;
    if (Number.isSafeInteger(s)) {
      this.small = s;
      return;
    }
    if (!Number.isSafeInteger(v)) throw new RangeError(`an addend of fen must be a safe integer or a bigint, got ${v}`);
    this.big += BigInt(this.small);
    this.small = v;
  }

  get total(): bigint {
    return this.big + BigInt(this.small);
  }
}
