// The words of every business refusal, per language: a template with named placeholders for each code (and each
// variant of a code), rendered from the refusal's parameters at the edge. Another language is one more Catalog with
// the same keys (issue 18); messages.test.ts checks that every template uses exactly its parameters.
import type { Refusal, RefusalCode, RefusalParams, RefusalValue } from '../domain/refusal.js';
import type { ErrorDetail } from '../ingest/schema-issue.js';

/**
 * A message, and the text of each offending field (the message when absent). `{name}` is a parameter; a list
 * parameter is joined with the catalog's `and` words, or its `or` words when written `{name|or}`.
 */
export interface Texts {
  message: string;
  detail?: string;
}

type StringKeys<P> = { [K in keyof P]-?: P[K] extends string ? K : never }[keyof P];
/** One text for a code, or one per variant, chosen by the parameter named in `by` (e.g. `reason`). */
export type Entry<P> = Texts | { [K in StringKeys<P>]: { by: K; cases: { readonly [V in Extract<P[K], string>]: Texts } } }[StringKeys<P>];

export interface Catalog {
  lists: { and: string; or: string };
  texts: { readonly [C in RefusalCode]: Entry<RefusalParams[C]> };
}

const signing = 'sign the exact body bytes and send them with a Suanli-Signature header (docs/integrity.md); nothing was stored';

export const en: Catalog = {
  lists: { and: ', ', or: ' or ' },
  texts: {
    not_found: {
      by: 'what',
      cases: {
        program: { message: 'program {id} not found' },
        beneficiary: { message: 'beneficiary {id} not found' },
        claim: { message: 'claim {id} not found' },
        finding: { message: 'finding {id} not found' },
        organization: { message: 'organization {id} not found', detail: 'no such organization' },
        provider: { message: 'provider {id} not found' },
        enterprise: { message: 'enterprise {id} not found' },
        cluster: { message: 'cluster {id} not found' },
        user: { message: 'user {id} not found' },
        api_key: { message: 'active API key {id} not found' },
        signing_key: { message: 'signing key {id} not found' },
        accelerator: { message: 'accelerator {id} not found' },
        reference_price: { message: 'reference price of {id} not found' },
      },
    },
    already_exists: {
      by: 'what',
      cases: {
        enterprise: { message: 'an enterprise with the credit code {credit_code} is registered', detail: 'already registered' },
        user: { message: 'the login {login} is taken', detail: 'already exists' },
        accelerator: { message: 'accelerator {id} exists; PATCH it instead', detail: 'already exists' },
        cluster: { message: 'the provider already has a cluster named "{name}"', detail: 'already exists' },
        program: { message: 'program {program_code} exists; add a rule-set version instead', detail: 'already exists' },
      },
    },
    invalid_credit_code: {
      by: 'reason',
      cases: {
        length: { message: 'a credit code has {length_expected} characters, this one {length}' },
        charset: {
          message: 'character {position} is "{character}", which is not in the code character set (digits and upper-case letters except I, O, S, V, Z)',
        },
        department: { message: 'the registration department code (character 1) is "{character}", expected one of 1-9, A, N, Y' },
        category: { message: 'the organization category code (character 2) is "{character}", expected 1-9 or a letter' },
        division: { message: 'the administrative division code (characters 3-8) is "{division}", expected 6 digits' },
        check_digit: { message: 'the check digit is {character}, expected {expected}' },
      },
    },
    invalid_inventory: {
      by: 'reason',
      cases: {
        not_in_catalog: { message: 'inventory[{index}].accelerator "{accelerator}" is not in the catalog', detail: 'not in the catalog' },
        ends_before_start: { message: 'inventory[{index}].valid_to must be after valid_from', detail: 'must be after valid_from' },
        overlaps: {
          message: 'inventory[{index}] overlaps inventory[{other_index}], another interval of {accelerator}',
          detail: 'overlaps another interval of {accelerator}',
        },
      },
    },
    invalid_accelerator: {
      by: 'reason',
      cases: {
        required: { message: '{field} is required' },
        not_decimal: { message: '{field} must be a decimal number below 1,000,000 with at most 3 decimals, got "{value}"' },
        zero: { message: '{field} must be above zero' },
        above_max: { message: '{field} must be at most {tflops_max} TFLOPS' },
      },
    },
    invalid_password: {
      by: 'reason',
      cases: {
        too_short: { message: 'a password needs at least {chars_min} characters' },
        too_long: { message: 'a password has at most {chars_max} characters' },
        is_login: { message: 'the password must not be the login' },
      },
    },
    invalid_invitation: {
      by: 'reason',
      cases: {
        not_live: { message: 'the invitation is unknown, used or expired', detail: 'not a live invitation' },
        expired: { message: 'the invitation is expired', detail: 'expired' },
        unknown_or_used: { message: 'the invitation is unknown or used', detail: 'unknown or used' },
      },
    },
    invalid_public_key: {
      by: 'reason',
      cases: {
        empty: { message: 'the public key is empty' },
        too_long: { message: 'the public key text is longer than {bytes_max} bytes' },
        private_key: {
          message: 'this is a private key: register the public key (openssl pkey -pubout) and keep the private key secret',
          detail: 'this is a private key',
        },
        pem_not_public_key: { message: 'expected a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo)' },
        pem_unreadable: { message: 'the PEM public key cannot be read' },
        not_base64: { message: 'expected a PEM public key or the raw 32-byte key in standard base64' },
        raw_length: { message: 'the base64 key decodes to {bytes} bytes; a raw Ed25519 public key is {bytes_expected}' },
        raw_invalid: { message: 'the raw key is not a valid Ed25519 public key' },
        not_ed25519: { message: 'the key is {key_type}; only Ed25519 keys are accepted' },
      },
    },
    not_eligible: {
      by: 'requirement',
      cases: {
        office: { message: 'the program office cannot be a beneficiary' },
        beneficiary_kind: { message: 'the program pays {beneficiary_kind}s' },
        enrolment: { message: 'the program pays enrolled beneficiaries only' },
        size: { message: 'the program pays {allowed} enterprises' },
        region: { message: 'the program pays beneficiaries registered in {allowed}' },
        sector: { message: 'the program pays the sectors {allowed}' },
        category: { message: 'the program pays {allowed} beneficiaries' },
      },
    },
    invalid_period: {
      by: 'reason',
      cases: {
        end_not_after_start: { message: '{end_field} must be after {start_field}' },
        spans_years: { message: 'a claim covers one calendar year at most (caps are per year): split it' },
        outside_window: { message: 'the period lies outside the program window' },
      },
    },
    no_rule_set: { message: 'no rule-set version is in force at the start of the period' },
    no_records: { message: 'no usage in the period that a claim of this funding layer does not already hold' },
    amount_too_large: {
      by: 'reason',
      cases: {
        record_past_ingest_limit: { message: 'usage record {record_seq} holds an amount_fen past 2^53 − 1 fen, beyond the ingest limit' },
        claim_amount: {
          message:
            "the claim's {amount_field} would be {amount_fen} fen: at most {amount_fen_max} fen (2^63 − 1, the most the store holds); claim a shorter period",
        },
        above_allowed: { message: 'at most {amount_fen_max} fen' },
      },
    },
    program_fields_fixed: { message: 'program {program_code} exists; only its rules change (as a new version): {fields} differ' },
    records_taken: {
      by: 'reason',
      cases: {
        replaced: { message: 'a record of this claim was replaced by its provider while the claim was computed' },
        taken: { message: 'a record of this claim was taken by another claim of the same funding layer' },
      },
    },
    illegal_transition: {
      by: 'subject',
      cases: {
        claim: { message: 'the claim is {state}; this needs {allowed_from|or}', detail: '{state}' },
        finding: { message: 'the finding is {state}; this needs {allowed_from|or}', detail: '{state}' },
        user: { message: 'user {id} is already {state} (this needs {allowed_from|or})', detail: 'already {state}' },
        signing_key: { message: 'signing key {id} is already {state} (this needs {allowed_from|or})', detail: 'already {state}' },
      },
    },
    budget_exhausted: { message: 'the program has no budget left to grant', detail: 'available {available_fen} fen' },
    nothing_payable: {
      by: 'reason',
      cases: {
        paid_in_full: { message: 'the claim is paid in full' },
        awaiting_progress_report: { message: 'the next stage is paid once the progress report is accepted' },
      },
    },
    open_findings: {
      message: "the claim's usage has open high-severity findings ({finding_ids}): review them, or approve with a written override_reason",
      detail: 'required while high-severity findings are open',
    },
    idempotency_key_reused: {
      message: 'the Idempotency-Key "{idempotency_key}" was used for this claim with another body: send a new key for a new payment',
      detail: 'used before with another body',
    },
    signature_required: {
      by: 'reason',
      cases: {
        provider_key: { message: `this provider registered a signing key, so its batches must be signed: ${signing}`, detail: 'is required' },
        enrolled_party: { message: `program {program_code} requires signed usage and {party_id} is enrolled in it: ${signing}`, detail: 'is required' },
      },
    },
    batch_too_large: { message: 'a batch holds at most {records_max} records, this one {records}', detail: 'at most {records_max} records' },
    all_records_rejected: { message: 'all {records} records were rejected; nothing was stored' },
    replacement_refused: {
      by: 'reason',
      cases: {
        not_standing: {
          message: '{missing} of the records to replace are not standing records of this provider; nothing was stored',
          detail: 'not a standing record of this provider',
        },
        named_twice: { message: 'a record_id is named twice in replaces; nothing was stored', detail: 'holds a record_id twice' },
        records_rejected: { message: 'the replacement was refused; nothing was stored' },
      },
    },
    invalid_program: {
      by: 'reason',
      cases: {
        definition: { message: 'the program definition has {problems} problem(s), each named in details' },
        effective_from_missing: { message: 'effective_from is required', detail: 'is required (RFC 3339)' },
      },
    },
  },
};

export type Language = 'en';
export const catalogs: Readonly<Record<Language, Catalog>> = { en };

const placeholder = /\{(\w+)(?:\|(or))?\}/g;

/** The texts for a code and its parameters (the variant's, for a code with variants). */
export function textsOf(catalog: Catalog, code: RefusalCode, params: Readonly<Record<string, unknown>>): Texts {
  const entry = catalog.texts[code] as Texts | { by: string; cases: Record<string, Texts> };
  if (!('by' in entry)) return entry;
  const texts = entry.cases[String(params[entry.by])];
  if (texts === undefined) throw new Error(`refusal ${code}: no text for ${entry.by} ${String(params[entry.by])}`);
  return texts;
}

/** A template with its placeholders filled; a placeholder without its parameter is a bug. */
export function fill(catalog: Catalog, template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(placeholder, (_whole, name: string, list?: 'or') => {
    const value = params[name] as RefusalValue | undefined;
    if (value === undefined) throw new Error(`refusal template "${template}": no parameter ${name}`);
    return Array.isArray(value) ? value.join(catalog.lists[list ?? 'and']) : String(value);
  });
}

/** The names a template's placeholders use. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(placeholder)].map((m) => m[1]!);
}

/** Parameters as the API answers them: fen (bigint) as decimal strings, like every amount on the wire. */
export function wireParams(params: Readonly<Record<string, unknown>>): Record<string, string | number | readonly string[]> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : (v as string | number | readonly string[])]));
}

/** A refusal in words: its message, and one detail per offending field. */
export function renderRefusal(r: Refusal, language: Language = 'en'): { message: string; details: ErrorDetail[] } {
  const catalog = catalogs[language];
  const params = r.params as Readonly<Record<string, unknown>>;
  const texts = textsOf(catalog, r.code, params);
  const message = fill(catalog, texts.message, params);
  const detail = fill(catalog, texts.detail ?? texts.message, params);
  return {
    message,
    details: [
      ...r.fields.map((field) => ({ field, message: detail })),
      ...r.problems.map((p) => ({ field: p.field, message: p.message, ...(p.code === undefined ? {} : { code: p.code }) })),
    ],
  };
}
