// Business refusals as data: a stable code (docs/errors.md) and named, typed parameters — ids, numbers, states, never a
// sentence — so that the edge writes the message in the reader's language (src/http/messages.ts). Decisions answer
// their refusals as values (claim/decide.ts, the store's results); the services throw them as one Refusal, and
// src/http/errors.ts maps it to the HTTP answer.
import type { ClaimState } from './claim/claim-state.js';
import type { NothingPayable } from './claim/decide.js';
import type { Ineligibility } from './program/program.js';
import type { CreditCodeProblem } from './org/credit-code.js';
import type { InventoryProblem } from './org/organization.js';
import type { AcceleratorProblem } from './catalog/accelerator.js';
import type { PasswordProblem } from './people/password.js';
import type { PublicKeyProblem } from './integrity/signature.js';

/** The named parameters of each refusal; a code with variants names the variant in its discriminant (`reason`, …). */
export interface RefusalParams {
  not_found: {
    what:
      | 'program'
      | 'beneficiary'
      | 'claim'
      | 'finding'
      | 'organization'
      | 'provider'
      | 'enterprise'
      | 'cluster'
      | 'user'
      | 'api_key'
      | 'signing_key'
      | 'accelerator'
      | 'reference_price';
    id: string;
  };
  already_exists:
    | { what: 'enterprise'; credit_code: string }
    | { what: 'user'; login: string }
    | { what: 'accelerator'; id: string }
    | { what: 'cluster'; name: string }
    | { what: 'program'; program_code: string };
  invalid_credit_code: CreditCodeProblem;
  invalid_inventory: InventoryProblem;
  invalid_accelerator: AcceleratorProblem;
  invalid_password: PasswordProblem;
  invalid_invitation: { reason: 'not_live' | 'expired' | 'unknown_or_used' };
  invalid_public_key: PublicKeyProblem;
  not_eligible: Ineligibility;
  invalid_period: { reason: 'end_not_after_start'; start_field: string; end_field: string } | { reason: 'spans_years' } | { reason: 'outside_window' };
  no_rule_set: Record<string, never>;
  no_records: Record<string, never>;
  amount_too_large:
    | { reason: 'record_past_ingest_limit'; record_seq: number }
    | { reason: 'claim_amount'; amount_field: 'base_fen' | 'computed_fen'; amount_fen: bigint; amount_fen_max: bigint }
    | { reason: 'above_allowed'; amount_fen_max: bigint };
  program_fields_fixed: { program_code: string; fields: readonly string[] };
  records_taken: { reason: 'replaced' | 'taken' };
  illegal_transition:
    | { subject: 'claim'; state: ClaimState; allowed_from: readonly ClaimState[] }
    | { subject: 'finding'; state: 'open' | 'dismissed' | 'confirmed' | 'superseded'; allowed_from: readonly 'open'[] }
    | { subject: 'user'; id: string; state: 'disabled'; allowed_from: readonly 'active'[] }
    | { subject: 'signing_key'; id: string; state: 'revoked'; allowed_from: readonly 'active'[] };
  budget_exhausted: { available_fen: bigint };
  nothing_payable: { reason: NothingPayable };
  open_findings: { finding_ids: readonly string[] };
  idempotency_key_reused: { idempotency_key: string };
  signature_required: { reason: 'provider_key' } | { reason: 'enrolled_party'; program_code: string; party_id: string };
  batch_too_large: { records: number; records_max: number };
  all_records_rejected: { records: number };
  replacement_refused: { reason: 'not_standing'; missing: number } | { reason: 'named_twice' } | { reason: 'records_rejected' };
  invalid_program: { reason: 'definition'; problems: number } | { reason: 'effective_from_missing' };
}

export type RefusalCode = keyof RefusalParams;

/** A value a parameter may hold: what the message shows, and what the API answers in `error.params`. */
export type RefusalValue = string | number | bigint | readonly string[];

/**
 * One offending field in the words of the validator that found it (a usage record's outcome, a program definition),
 * with the validator's stable code for the kind of problem where it has one (answered as `details[].code`).
 */
export interface RefusalProblem {
  field: string;
  message: string;
  code?: string;
}

export interface RefusalOptions {
  /** The offending fields; each is described by the code's detail text. */
  fields?: readonly string[];
  /** Offending fields that carry their own description (validators' problems), after `fields`. */
  problems?: readonly RefusalProblem[];
  /** What the answer carries beside the error (all_records_rejected: the batch outcome). */
  answer?: Readonly<Record<string, unknown>>;
}

/** A business refusal: thrown by the services, answered once at the edge. Its message is for logs only. */
export class Refusal<C extends RefusalCode = RefusalCode> extends Error {
  readonly fields: readonly string[];
  readonly problems: readonly RefusalProblem[];
  readonly answer: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: C,
    readonly params: RefusalParams[C],
    options: RefusalOptions = {},
  ) {
    super(`${code} ${JSON.stringify(params, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
    this.name = 'Refusal';
    this.fields = options.fields ?? [];
    this.problems = options.problems ?? [];
    this.answer = options.answer ?? {};
  }
}
