// TypeBox schemas that more than one route answers or accepts (each route keeps the ones only it uses), and the list
// wrappers every listing answers. A schema's `title` names its type in the dashboard's contract (src/http/contract.ts).
import { Type, type TSchema } from 'typebox';
import { claim_states } from '../domain/claim/claim-state.js';
import { roles } from '../domain/org/organization.js';
import { FenString } from './money.js';

/** Every amount these answers hold is a sum of money: a decimal string. */
const Fen = FenString;
export const NullableInteger = (description?: string) => Type.Union([Type.Integer(), Type.Null()], description === undefined ? {} : { description });

/** The title of a schema a list holds: the list is named after it. */
function titleOf(item: TSchema): string {
  const title = (item as { title?: unknown }).title;
  if (typeof title !== 'string') throw new Error('a listed schema needs a title: the list is named after it');
  return title;
}

/** A list answered whole, `{ items }`: named `<Item>List` in the contract. */
export const List = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) }, { title: `${titleOf(item)}List` });

/** One page of a cursor-paginated list, `{ items, next_cursor }`: named `<Item>Page` in the contract. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object(
    {
      items: Type.Array(item),
      next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'send as `cursor` for the next page; null on the last page' }),
    },
    { title: `${titleOf(item)}Page` },
  );

/** One of a domain's closed list of words, typed as that list. */
const OneOf = <const T extends readonly string[]>(values: T, title: string) =>
  Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { title },
    ),
  );

/** Who a key or a person acts as (src/domain/org/organization.ts). */
export const Role = OneOf(roles, 'Role');

/** Where a claim stands in its life cycle (src/domain/claim/claim-state.ts). */
export const ClaimState = OneOf(claim_states, 'ClaimState');

export const Region = Type.String({ pattern: '^\\d{6}$', description: 'administrative division code (GB/T 2260), e.g. 310000 for Shanghai' });

export const UserView = Type.Object(
  {
    id: Type.String(),
    org_id: Type.String(),
    role: Role,
    login: Type.String(),
    name: Type.String(),
    status: Type.String({ description: 'invited | active | disabled' }),
    created_at: Type.String(),
  },
  { title: 'User' },
);

const Cut = Type.Object(
  {
    kind: Type.Union([Type.Literal('share_cap'), Type.Literal('program_cap'), Type.Literal('year_cap'), Type.Literal('budget')], { title: 'CutKind' }),
    limit_fen: Fen(),
    cut_fen: Fen(),
    message: Type.String(),
  },
  { title: 'Cut' },
);

/** Why one record of a usage batch was not stored: its index in the batch, and the field at fault (null: the whole record). */
export const Rejection = Type.Object(
  {
    index: Type.Integer(),
    record_id: Type.Union([Type.String(), Type.Null()]),
    code: Type.String(),
    field: Type.Union([Type.String(), Type.Null()]),
    message: Type.String(),
  },
  { title: 'Rejection' },
);

/** How a subsidy was computed, rule by rule (src/domain/policy/evaluate.ts). */
export const Explanation = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        {
          rule_id: Type.String(),
          basis: Type.Union([Type.Literal('bill'), Type.Literal('compute'), Type.Literal('energy')]),
          records: Type.Integer(),
          card_s: Type.Integer(),
          compute_gflop: Type.String({ description: 'exact GFLOP of the records with a throughput figure (a decimal string: may pass 2^53)' }),
          energy_wh: Type.Integer(),
          records_unvalued: Type.Integer({ description: 'records this rule matched but could not value' }),
          base_fen: Fen(),
          rate_bp: NullableInteger(),
          fen_per_pflop_h: NullableInteger(),
          fen_per_kwh: NullableInteger(),
          ceiling_fen_per_card_hour: NullableInteger(),
          ceiling_cut_fen: Fen(),
          layer_cut_fen: Fen(),
          subsidy_fen: Fen(),
        },
        { title: 'RuleLine' },
      ),
      { description: 'one line per rule that matched, in rule order' },
    ),
    unmatched: Type.Object({ records: Type.Integer(), card_s: Type.Integer(), amount_fen: Fen(), message: Type.String() }),
    period_excluded: Type.Union(
      [Type.Object({ records: Type.Integer(), amount_fen: Fen(), support_ends_at_ms: Type.Integer(), message: Type.String() }), Type.Null()],
      { description: 'records after the support period ended; null when none' },
    ),
    domestic_share_bp: NullableInteger("the beneficiary's domestic share of compute in the period"),
    base_fen: Fen('the bills (after ceilings) and energy costs of the subsidized records'),
    computed_fen: Fen('before caps and budget'),
    cuts: Type.Array(Cut),
    granted_fen: Fen('after caps (and, at approval, the budget)'),
    rounding: Type.String(),
  },
  { title: 'Explanation' },
);
