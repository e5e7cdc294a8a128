// TypeBox schemas that more than one route answers or accepts (each route keeps the ones only it uses).
import { Type } from 'typebox';
import { FenString } from './money.js';

/** Every amount these answers hold is a sum of money: a decimal string. */
const Fen = FenString;
export const NullableInteger = (description?: string) => Type.Union([Type.Integer(), Type.Null()], description === undefined ? {} : { description });

export const Region = Type.String({ pattern: '^\\d{6}$', description: 'administrative division code (GB/T 2260), e.g. 310000 for Shanghai' });

export const UserView = Type.Object({
  id: Type.String(), org_id: Type.String(), role: Type.String(), login: Type.String(), name: Type.String(),
  status: Type.String({ description: 'invited | active | disabled' }), created_at: Type.String(),
});

const Cut = Type.Object({
  kind: Type.Union([Type.Literal('share_cap'), Type.Literal('program_cap'), Type.Literal('year_cap'), Type.Literal('budget')]),
  limit_fen: Fen(), cut_fen: Fen(), message: Type.String(),
});

/** How a subsidy was computed, rule by rule (src/domain/policy/evaluate.ts). */
export const Explanation = Type.Object({
  lines: Type.Array(Type.Object({
    rule_id: Type.String(), basis: Type.Union([Type.Literal('bill'), Type.Literal('compute'), Type.Literal('energy')]),
    records: Type.Integer(), card_s: Type.Integer(),
    compute_gflop: Type.String({ description: 'exact GFLOP of the records with a throughput figure (a decimal string: may pass 2^53)' }),
    energy_wh: Type.Integer(), records_unvalued: Type.Integer({ description: 'records this rule matched but could not value' }),
    base_fen: Fen(), rate_bp: NullableInteger(), fen_per_pflop_h: NullableInteger(), fen_per_kwh: NullableInteger(),
    ceiling_fen_per_card_hour: NullableInteger(), ceiling_cut_fen: Fen(), layer_cut_fen: Fen(), subsidy_fen: Fen(),
  }), { description: 'one line per rule that matched, in rule order' }),
  unmatched: Type.Object({ records: Type.Integer(), card_s: Type.Integer(), amount_fen: Fen(), message: Type.String() }),
  period_excluded: Type.Union([
    Type.Object({ records: Type.Integer(), amount_fen: Fen(), support_ends_at_ms: Type.Integer(), message: Type.String() }),
    Type.Null(),
  ], { description: 'records after the support period ended; null when none' }),
  domestic_share_bp: NullableInteger('the beneficiary\'s domestic share of compute in the period'),
  base_fen: Fen('the bills (after ceilings) and energy costs of the subsidized records'),
  computed_fen: Fen('before caps and budget'), cuts: Type.Array(Cut), granted_fen: Fen('after caps (and, at approval, the budget)'),
  rounding: Type.String(),
});
