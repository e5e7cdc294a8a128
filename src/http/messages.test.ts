import { describe, expect, it } from 'vitest';
import { Refusal, type RefusalCode, type RefusalParams } from '../domain/refusal.js';
import { catalogs, placeholders, renderRefusal, textsOf, wireParams, type Language, type Texts } from './messages.js';
import { error_statuses, refusalAnswer } from './errors.js';

/** Parameters for every code and every variant of it: the test below proves each one renders in every language. */
const samples: { readonly [C in RefusalCode]: readonly RefusalParams[C][] } = {
  not_found: [{ what: 'program', id: 'prg_1' }, { what: 'beneficiary', id: 'e_1' }, { what: 'claim', id: 'clm_1' }, { what: 'finding', id: 'fnd_1' }],
  not_eligible: [
    { requirement: 'office' }, { requirement: 'beneficiary_kind', beneficiary_kind: 'enterprise' }, { requirement: 'enrolment' },
    { requirement: 'size', allowed: ['micro', 'small'] }, { requirement: 'region', allowed: ['31'] }, { requirement: 'sector', allowed: ['ai'] },
    { requirement: 'category', allowed: ['specialized'] },
  ],
  invalid_period: [{ reason: 'end_not_after_start', start_field: 'period_start', end_field: 'period_end' }, { reason: 'spans_years' }, { reason: 'outside_window' }],
  no_rule_set: [{}],
  no_records: [{}],
  amount_too_large: [
    { reason: 'record_past_ingest_limit', record_seq: 7 },
    { reason: 'claim_amount', amount_field: 'computed_fen', amount_fen: 2n ** 63n, amount_fen_max: 2n ** 63n - 1n },
    { reason: 'above_allowed', amount_fen_max: 500n },
  ],
  program_fields_fixed: [{ program_code: 'sh-2027', fields: ['budget_fen', 'window.end'] }],
  records_taken: [{ reason: 'replaced' }, { reason: 'taken' }],
  illegal_transition: [{ subject: 'claim', state: 'draft', allowed_from: ['approved', 'paid'] }, { subject: 'finding', state: 'dismissed', allowed_from: ['open'] }],
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
      expect([...used].sort(), `${code} ${JSON.stringify(wireParams(params))}`).toEqual(Object.keys(params).filter((k) => k !== discriminant).sort());
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
    expect(a).toEqual({ status: 409, body: { error: { code: 'budget_exhausted', message: 'the program has no budget left to grant', details: [{ field: 'budget', message: 'available 12 fen' }], params: { available_fen: '12' } } } });
  });

  it('joins lists with the catalog\'s words, and carries state and finding_ids at the top level as before', () => {
    const illegal = refusalAnswer(new Refusal('illegal_transition', { subject: 'claim', state: 'draft', allowed_from: ['approved', 'paid'] }, { fields: ['state'] }));
    expect(illegal.body).toMatchObject({ state: 'draft', error: { message: 'the claim is draft; this needs approved or paid', details: [{ field: 'state', message: 'draft' }] } });
    const open = refusalAnswer(new Refusal('open_findings', { finding_ids: ['f1', 'f2'] }, { fields: ['override_reason'] }));
    expect(open.body).toMatchObject({ finding_ids: ['f1', 'f2'], error: { params: { finding_ids: ['f1', 'f2'] } } });
    expect((open.body.error as { message: string }).message).toContain('(f1, f2)');
  });

  it('lists the validators\' own problems after its fields, and the answer beside the error', () => {
    const r = new Refusal('all_records_rejected', { records: 1 }, { problems: [{ field: 'records[0].count', message: 'invalid_field: too large' }], answer: { accepted: 0 } });
    expect(refusalAnswer(r)).toEqual({ status: 422, body: { accepted: 0, error: { code: 'all_records_rejected', message: 'all 1 records were rejected; nothing was stored', details: [{ field: 'records[0].count', message: 'invalid_field: too large' }], params: { records: 1 } } } });
  });
});
