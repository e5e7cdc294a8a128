// Claims exports: a list of claims (filtered by program, beneficiary, state) one row each, and one claim with its
// explanation — the rule lines, the cuts at filing and at approval, and the totals from computed to paid.
import { cardHours, formatPflopHours } from '../domain/catalog/compute.js';
import type { Program } from '../domain/program/program.js';
import type { Claim, ClaimFilter } from '../store/claim-repository.js';
import type { Store } from '../store/store.js';
import { kwhOfWh } from './money.js';
import type { NameScope } from './names.js';
import { report_rows_max, ReportTooLarge, type Column, type Report, type Row } from './report.js';

const page_size = 1000;

/** The columns of a claim's row: in the claims list and the first section of a claim's report alike. */
export const claim_columns: readonly Column[] = [
  { key: 'claim_id', kind: 'text', width: 28 },
  { key: 'program_id', kind: 'text', width: 28 },
  { key: 'program_code', kind: 'text', width: 28 },
  { key: 'program_name_zh', kind: 'text', width: 30 },
  { key: 'program_name_en', kind: 'text', width: 30 },
  { key: 'beneficiary_id', kind: 'text', width: 28 },
  { key: 'beneficiary_name', kind: 'text', width: 30 },
  { key: 'funding_layer', kind: 'text' },
  { key: 'state', kind: 'text', width: 12 },
  { key: 'period_start', kind: 'instant' },
  { key: 'period_end', kind: 'instant' },
  { key: 'rule_set_version', kind: 'integer', width: 18 },
  { key: 'records', kind: 'integer' },
  { key: 'domestic_share_bp', kind: 'bp', width: 18 },
  { key: 'base', kind: 'money' },
  { key: 'computed', kind: 'money' },
  { key: 'granted', kind: 'money' },
  { key: 'paid', kind: 'money' },
  { key: 'clawed_back', kind: 'money' },
  { key: 'created_at', kind: 'instant' },
  { key: 'updated_at', kind: 'instant' },
];

function claimRow(c: Claim, program: Program | undefined, beneficiary_name: string | null): Row {
  return [
    c.id,
    c.program_id,
    program?.code ?? null,
    program?.name_zh ?? null,
    program?.name_en ?? null,
    c.beneficiary_id,
    beneficiary_name,
    c.funding_layer,
    c.state,
    c.period_start_ms,
    c.period_end_ms,
    c.rule_set_version,
    c.records,
    c.explanation.domestic_share_bp,
    c.base_fen,
    c.computed_fen,
    c.granted_fen,
    c.paid_fen,
    c.clawed_back_fen,
    c.created_at_ms,
    c.updated_at_ms,
  ];
}

/** The claims a filter selects, a page at a time in id order. */
export async function* claimPages(store: Store, filter: ClaimFilter): AsyncGenerator<Claim[]> {
  let after: string | undefined;
  for (;;) {
    const page = await store.claims.list(filter, page_size, after);
    if (page.length > 0) yield page;
    if (page.length < page_size) return;
    after = page[page.length - 1]!.id;
  }
}

/** Beneficiary names (enterprises or providers), looked up as the rows go by: a claim list names few, each once. */
function nameCache(store: Store, scope: NameScope): (id: string) => Promise<string | null> {
  const known = new Map<string, string | null>();
  return async (id) => {
    if (!known.has(id)) known.set(id, scope.all || id === scope.own_id ? ((await store.organizations.get(id))?.name ?? null) : null);
    return known.get(id)!;
  };
}

/**
 * Every claim the filter selects, in id order. The claims are counted first (one COUNT in the database), so that an
 * export too large is refused before its first byte; the rows are then read a page at a time as they are sent.
 */
export async function claimsListReport(store: Store, filter: ClaimFilter, names: NameScope, rows_max = report_rows_max): Promise<Report> {
  if ((await store.claims.count(filter)) > rows_max)
    throw new ReportTooLarge('querystring.program_id', rows_max, 'claims; filter by program, beneficiary or state');
  const programs = new Map((await store.programs.list()).map((p) => [p.id, p]));
  const nameOf = nameCache(store, names);
  async function* rows(): AsyncGenerator<Row> {
    let sent = 0;
    for await (const page of claimPages(store, filter)) {
      for (const c of page) {
        // Claims filed between the count and now are left for the next export rather than passing the limit.
        if (++sent > rows_max) return;
        yield claimRow(c, programs.get(c.program_id), await nameOf(c.beneficiary_id));
      }
    }
  }
  const parts = [
    filter.program_id ? (programs.get(filter.program_id)?.code ?? filter.program_id) : null,
    filter.beneficiary_id ?? null,
    filter.state ?? null,
  ].filter((x) => x !== null);
  const unicode_parts = [
    filter.program_id ? (programs.get(filter.program_id)?.name_zh ?? filter.program_id) : null,
    filter.beneficiary_id ? ((await nameOf(filter.beneficiary_id)) ?? filter.beneficiary_id) : null,
    filter.state ?? null,
  ].filter((x) => x !== null);
  return {
    kind: 'claims',
    calendar: store.calendar,
    filename: { ascii: ['claims', ...parts].join('-'), unicode: ['claims', ...unicode_parts].join('-') },
    sections: [{ name: 'claims', columns: claim_columns, rows: rows() }],
  };
}

const line_columns: readonly Column[] = [
  { key: 'rule_id', kind: 'text', width: 24 },
  { key: 'basis', kind: 'text', width: 10 },
  { key: 'records', kind: 'integer' },
  { key: 'records_unvalued', kind: 'integer', width: 18 },
  { key: 'card_hours', kind: 'hours' },
  { key: 'compute_pflop_h', kind: 'pflop_h' },
  { key: 'energy_kwh', kind: 'kwh' },
  { key: 'base', kind: 'money' },
  { key: 'rate_bp', kind: 'bp' },
  { key: 'fen_per_pflop_h', kind: 'integer', width: 16 },
  { key: 'fen_per_kwh', kind: 'integer' },
  { key: 'ceiling_fen_per_card_hour', kind: 'integer', width: 26 },
  { key: 'ceiling_cut', kind: 'money' },
  { key: 'layer_cut', kind: 'money' },
  { key: 'subsidy', kind: 'money' },
  { key: 'note', kind: 'text', width: 48 },
];

const cut_columns: readonly Column[] = [
  { key: 'stage', kind: 'text', width: 10 },
  { key: 'kind', kind: 'text', width: 14 },
  { key: 'limit', kind: 'money' },
  { key: 'cut', kind: 'money' },
  { key: 'message', kind: 'text', width: 60 },
];

const total_columns: readonly Column[] = [
  { key: 'item', kind: 'text', width: 28 },
  { key: 'amount', kind: 'money' },
  { key: 'note', kind: 'text', width: 60 },
];

/** One claim: its row, its explanation lines (with a total), the cuts, and the totals from base to what is still payable. */
export async function claimReport(store: Store, c: Claim, names: NameScope): Promise<Report> {
  const program = (await store.programs.get(c.program_id)) ?? undefined;
  const beneficiary = await nameCache(store, names)(c.beneficiary_id);
  const e = c.explanation;

  const lines: Row[] = e.lines.map((l) => [
    l.rule_id,
    l.basis,
    l.records,
    l.records_unvalued,
    cardHours(l.card_s),
    formatPflopHours(BigInt(l.compute_gflop)),
    kwhOfWh(l.energy_wh),
    l.base_fen,
    l.rate_bp,
    l.fen_per_pflop_h,
    l.fen_per_kwh,
    l.ceiling_fen_per_card_hour,
    l.ceiling_cut_fen,
    l.layer_cut_fen,
    l.subsidy_fen,
    null,
  ]);
  if (e.unmatched.records > 0) {
    lines.push([
      '(no rule)',
      null,
      e.unmatched.records,
      null,
      cardHours(e.unmatched.card_s),
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      0,
      e.unmatched.message,
    ]);
  }
  if (e.period_excluded !== null) {
    lines.push([
      '(after support period)',
      null,
      e.period_excluded.records,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      0,
      e.period_excluded.message,
    ]);
  }
  const sum = (f: (l: (typeof e.lines)[number]) => number) => e.lines.reduce((s, l) => s + f(l), 0);
  const sumFen = (f: (l: (typeof e.lines)[number]) => bigint) => e.lines.reduce((s, l) => s + f(l), 0n);
  const gflop = e.lines.reduce((s, l) => s + BigInt(l.compute_gflop), 0n);
  const footer: Row[] = [
    [
      'total',
      null,
      c.records,
      sum((l) => l.records_unvalued),
      cardHours(sum((l) => l.card_s) + e.unmatched.card_s),
      formatPflopHours(gflop),
      kwhOfWh(sum((l) => l.energy_wh)),
      e.base_fen,
      null,
      null,
      null,
      null,
      sumFen((l) => l.ceiling_cut_fen),
      sumFen((l) => l.layer_cut_fen),
      e.computed_fen,
      "records: all the claim's records; card-hours: the lines' and those no rule matched; base and subsidy as filed",
    ],
  ];

  const cuts: Row[] = [
    ...e.cuts.map((x): Row => ['filing', x.kind, x.limit_fen, x.cut_fen, x.message]),
    ...(e.approval?.cuts ?? []).map((x): Row => ['approval', x.kind, x.limit_fen, x.cut_fen, x.message]),
  ];

  const totals: Row[] = [
    ['base', e.base_fen, 'the bills (after price ceilings) and energy costs of the records the rules paid'],
    ['computed', e.computed_fen, "the sum of the lines' subsidies, each record floored to whole fen"],
    ['cut_at_filing', e.cuts.reduce((s, x) => s + x.cut_fen, 0n), 'caps and budget as they stood when the claim was filed'],
    ['estimated_at_filing', e.granted_fen, null],
  ];
  if (e.approval) {
    totals.push(
      ['cut_at_approval', e.approval.cuts.reduce((s, x) => s + x.cut_fen, 0n), 'caps and budget applied again at approval'],
      ['granted_at_approval', e.approval.granted_fen, null],
    );
  }
  totals.push(
    ['clawed_back', c.clawed_back_fen, 'unpaid grant released and payments recovered'],
    ['granted', c.granted_fen, 'now: net of claw-backs'],
    ['paid', c.paid_fen, 'now: net of recoveries'],
    ['unpaid', c.granted_fen - c.paid_fen, 'granted, not yet paid'],
  );

  const program_words = program ? program.name_zh : c.program_id;
  return {
    kind: 'claim',
    calendar: store.calendar,
    filename: { ascii: `claim-${c.id}`, unicode: `${program_words}-${beneficiary ?? c.beneficiary_id}-claim-${c.id}` },
    sections: [
      { name: 'claim', columns: claim_columns, rows: [claimRow(c, program, beneficiary)] },
      { name: 'lines', columns: line_columns, rows: lines, footer },
      { name: 'cuts', columns: cut_columns, rows: cuts },
      { name: 'totals', columns: total_columns, rows: totals },
    ],
  };
}
