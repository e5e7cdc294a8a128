import { describe, expect, it } from 'vitest';
import { Refusal, type RefusalCode, type RefusalParams } from '../domain/refusal.js';
import { catalogs, placeholders, renderRefusal, textsOf, wireParams, type Language, type Texts } from './messages.js';
import { error_statuses, refusalAnswer } from './errors.js';

/** Parameters for every code and every variant of it: the test below proves each one renders in every language. */
const samples: { readonly [C in RefusalCode]: readonly RefusalParams[C][] } = {
  not_found: (
    [
      'program',
      'beneficiary',
      'claim',
      'finding',
      'organization',
      'provider',
      'enterprise',
      'cluster',
      'user',
      'api_key',
      'signing_key',
      'accelerator',
      'reference_price',
    ] as const
  ).map((what) => ({ what, id: `${what}_1` })),
  already_exists: [
    { what: 'enterprise', credit_code: '911100001011596274' },
    { what: 'user', login: 'ana@example.com' },
    { what: 'accelerator', id: 'acme-x1' },
    { what: 'cluster', name: 'sh-a' },
    { what: 'program', program_code: 'sh-2027' },
  ],
  invalid_credit_code: [
    { reason: 'length', length: 17, length_expected: 18 },
    { reason: 'charset', position: 10, character: 'I' },
    { reason: 'department', character: 'B' },
    { reason: 'category', character: '0' },
    { reason: 'division', division: 'A10000' },
    { reason: 'check_digit', character: 'X', expected: '4' },
  ],
  invalid_inventory: [
    { reason: 'not_in_catalog', index: 0, accelerator: 'acme-x1' },
    { reason: 'ends_before_start', index: 1 },
    { reason: 'overlaps', index: 2, accelerator: 'acme-x1', other_index: 0 },
  ],
  invalid_accelerator: [
    { reason: 'required', field: 'vendor' },
    { reason: 'not_decimal', field: 'memory_gb', value: '1e3' },
    { reason: 'zero', field: 'bf16_tflops_dense' },
    { reason: 'above_max', field: 'fp16_tflops_dense', tflops_max: 20_000 },
  ],
  invalid_password: [{ reason: 'too_short', chars_min: 12 }, { reason: 'too_long', chars_max: 256 }, { reason: 'is_login' }],
  invalid_invitation: [{ reason: 'not_live' }, { reason: 'expired' }, { reason: 'unknown_or_used' }],
  invalid_public_key: [
    { reason: 'empty' },
    { reason: 'too_long', bytes_max: 4096 },
    { reason: 'private_key' },
    { reason: 'pem_not_public_key' },
    { reason: 'pem_unreadable' },
    { reason: 'not_base64' },
    { reason: 'raw_length', bytes: 31, bytes_expected: 32 },
    { reason: 'raw_invalid' },
    { reason: 'not_ed25519', key_type: 'rsa' },
  ],
  not_eligible: [
    { requirement: 'office' },
    { requirement: 'beneficiary_kind', beneficiary_kind: 'enterprise' },
    { requirement: 'enrolment' },
    { requirement: 'size', allowed: ['micro', 'small'] },
    { requirement: 'region', allowed: ['31'] },
    { requirement: 'sector', allowed: ['ai'] },
    { requirement: 'category', allowed: ['specialized'] },
  ],
  invalid_period: [
    { reason: 'end_not_after_start', start_field: 'period_start', end_field: 'period_end' },
    { reason: 'spans_years' },
    { reason: 'outside_window' },
  ],
  no_rule_set: [{}],
  no_records: [{}],
  amount_too_large: [
    { reason: 'record_past_ingest_limit', record_seq: 7 },
    { reason: 'claim_amount', amount_field: 'computed_fen', amount_fen: 2n ** 63n, amount_fen_max: 2n ** 63n - 1n },
    { reason: 'above_allowed', amount_fen_max: 500n },
  ],
  program_fields_fixed: [{ program_code: 'sh-2027', fields: ['budget_fen', 'window.end'] }],
  records_taken: [{ reason: 'replaced' }, { reason: 'taken' }],
  illegal_transition: [
    { subject: 'claim', state: 'draft', allowed_from: ['approved', 'paid'] },
    { subject: 'finding', state: 'dismissed', allowed_from: ['open'] },
    { subject: 'user', id: 'u_1', state: 'disabled', allowed_from: ['active'] },
    { subject: 'signing_key', id: 'sk_1', state: 'revoked', allowed_from: ['active'] },
  ],
  budget_exhausted: [{ available_fen: 0n }],
  nothing_payable: [{ reason: 'paid_in_full' }, { reason: 'awaiting_progress_report' }],
  open_findings: [{ finding_ids: ['fnd_1', 'fnd_2'] }],
  idempotency_key_reused: [{ idempotency_key: 'pay-2026-09' }],
  signature_required: [{ reason: 'provider_key' }, { reason: 'enrolled_party', program_code: 'signed-only', party_id: 'e_1' }],
  batch_too_large: [{ records: 10_001, records_max: 10_000 }],
  all_records_rejected: [{ records: 3 }],
  replacement_refused: [{ reason: 'not_standing', missing: 2 }, { reason: 'named_twice' }, { reason: 'records_rejected' }],
  invalid_program: [{ reason: 'definition', problems: 2 }, { reason: 'effective_from_missing' }],
};

const languages = Object.keys(catalogs) as Language[];
const codes = Object.keys(samples) as RefusalCode[];

describe.each(languages)('the %s catalog', (language) => {
  const catalog = catalogs[language];

  it('has texts for every refusal code, and for every variant a sample names', () => {
    expect(Object.keys(catalog.texts).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const entry = catalog.texts[code] as Texts | { by: string; cases: Record<string, Texts> };
      if (!('by' in entry)) continue;
      const named = new Set(samples[code].map((p) => String((p as Record<string, unknown>)[entry.by])));
      expect([...named].sort(), code).toEqual(Object.keys(entry.cases).sort());
    }
  });

  it.each(codes)('%s: every template uses exactly the parameters of its variant', (code) => {
    const entry = catalog.texts[code] as Texts | { by: string };
    const discriminant = 'by' in entry ? entry.by : null;
    for (const params of samples[code] as readonly Record<string, unknown>[]) {
      const texts = textsOf(catalog, code, params);
      const used = new Set([...placeholders(texts.message), ...placeholders(texts.detail ?? '')]);
      expect([...used].sort(), `${code} ${JSON.stringify(wireParams(params))}`).toEqual(
        Object.keys(params)
          .filter((k) => k !== discriminant)
          .sort(),
      );
    }
  });

  it.each(codes)('%s: renders a message and details with no placeholder left', (code) => {
    for (const params of samples[code]) {
      const r = new Refusal(code, params as RefusalParams[typeof code], { fields: ['some.field'] });
      const { message, details } = renderRefusal(r, language);
      expect(message.length).toBeGreaterThan(0);
      expect(message).not.toMatch(/\{\w+(\|\w+)?\}/);
      expect(details).toHaveLength(1);
      expect(details[0]!.field).toBe('some.field');
      expect(details[0]!.message).not.toMatch(/\{\w+(\|\w+)?\}/);
    }
  });
});

describe('a refusal answered', () => {
  it('is an error code with its status, its parameters on the wire (fen as decimal strings)', () => {
    for (const code of codes) expect(error_statuses[code], code).toBeGreaterThanOrEqual(400);
    const a = refusalAnswer(new Refusal('budget_exhausted', { available_fen: 12n }, { fields: ['budget'] }));
    expect(a).toEqual({
      status: 409,
      body: {
        error: {
          code: 'budget_exhausted',
          message: 'the program has no budget left to grant',
          details: [{ field: 'budget', message: 'available 12 fen' }],
          params: { available_fen: '12' },
        },
      },
    });
  });

  it("joins lists with the catalog's words, and carries state and finding_ids at the top level as before", () => {
    const illegal = refusalAnswer(
      new Refusal('illegal_transition', { subject: 'claim', state: 'draft', allowed_from: ['approved', 'paid'] }, { fields: ['state'] }),
    );
    expect(illegal.body).toMatchObject({
      state: 'draft',
      error: { message: 'the claim is draft; this needs approved or paid', details: [{ field: 'state', message: 'draft' }] },
    });
    const open = refusalAnswer(new Refusal('open_findings', { finding_ids: ['f1', 'f2'] }, { fields: ['override_reason'] }));
    expect(open.body).toMatchObject({ finding_ids: ['f1', 'f2'], error: { params: { finding_ids: ['f1', 'f2'] } } });
    expect((open.body.error as { message: string }).message).toContain('(f1, f2)');
  });

  it("lists the validators' own problems after its fields, and the answer beside the error", () => {
    const r = new Refusal(
      'all_records_rejected',
      { records: 1 },
      { problems: [{ field: 'records[0].count', message: 'invalid_field: too large' }], answer: { accepted: 0 } },
    );
    expect(refusalAnswer(r)).toEqual({
      status: 422,
      body: {
        accepted: 0,
        error: {
          code: 'all_records_rejected',
          message: 'all 1 records were rejected; nothing was stored',
          details: [{ field: 'records[0].count', message: 'invalid_field: too large' }],
          params: { records: 1 },
        },
      },
    });
  });

  it("carries a validator problem's stable code in its detail", () => {
    const r = new Refusal(
      'invalid_program',
      { reason: 'definition', problems: 1 },
      { problems: [{ code: 'rule_id_twice', field: 'rule_set.rules[1] (a).id', message: 'rule id a is used twice' }] },
    );
    expect(renderRefusal(r).details).toEqual([{ field: 'rule_set.rules[1] (a).id', message: 'rule id a is used twice', code: 'rule_id_twice' }]);
  });
});
