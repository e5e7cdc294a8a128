// Money on the wire. A sum of money (a claim's amounts, an explanation's totals, budgets, balances, usage totals) may
// pass 2^53, past which a JSON number is rounded by every ordinary JSON parser: such fields are decimal strings of
// whole fen (FenString). A single usage record's amount_fen stays a JSON integer (at most amount_fen_max = 1e13).
// Money a client sends as a sum (a budget, a payment) is a JSON integer while it is a safe integer, else a string.
import { Type, type TSchema } from 'typebox';
import { fen_pattern, fenOfInput } from '../domain/money/fen.js';
import { ApiError } from './errors.js';

export const fen_string_description = 'fen, decimal string: exact past 2^53';

/** A sum of money in fen as a decimal string; the description says so in the OpenAPI document. */
export const FenString = (description?: string) =>
  Type.String({ pattern: fen_pattern, description: description === undefined ? fen_string_description : `${description} (${fen_string_description})` });

export const NullableFenString = (description?: string) => Type.Union([FenString(), Type.Null()], description === undefined ? {} : { description });

/** Money a client sends: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1 (fenInput checks both). */
export const FenInput = (minimum: 0 | 1, description: string): TSchema =>
  Type.Union([Type.Integer({ minimum }), Type.String({ pattern: fen_pattern, maxLength: 25 })], {
    description: `${description} (fen: a JSON integer up to 2^53 − 1, or a decimal string up to 2^63 − 1)`,
  });

/**
 * Money from a request as a bigint. A JSON number past 2^53 − 1 (already rounded by the parser) answers 400
 * validation_failed; an amount past 2^63 − 1 (what the store holds) answers 422 amount_too_large; both name the field.
 */
export function fenInput(value: unknown, field: string, minimum: bigint = 0n): bigint {
  const r = fenOfInput(value, minimum);
  if (r.ok) return r.fen;
  const detail = [{ field, message: r.message }];
  if (r.problem === 'too_large') throw new ApiError('amount_too_large', `${field}: ${r.message}`, detail);
  throw new ApiError('validation_failed', `${field}: ${r.message}`, detail);
}

/** A value as it goes on the wire: every bigint inside a decimal string. */
export type Wire<T> = T extends bigint ? string : T extends readonly (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

/** Presents a value with exact money: every bigint (a sum of fen) becomes its decimal string. */
export function wire<T>(value: T): Wire<T> {
  if (typeof value === 'bigint') return value.toString() as Wire<T>;
  if (Array.isArray(value)) return value.map((v: unknown) => wire(v)) as Wire<T>;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = wire(v);
    return out as Wire<T>;
  }
  return value as Wire<T>;
}
