// Issue 12, finding F3 ("exact money"), on both engines: sums of fen pass 2^53 and stay exact everywhere — the claim,
// its explanation and exports (CSV, XLSX, JSON), the usage summary, the program's budget, ledger and reports — and past
// 2^63 − 1 (what the store holds) a budget, a payment or a claim is refused with 422 amount_too_large, never a 500.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { usage_limits } from '../../src/ingest/usage-schema.js';

const now = Date.parse('2027-01-15T12:00:00Z');
const hour_ms = 3_600_000;
const fen_max = '9223372036854775807';
/** The reproduction: 1,000 records of amount_fen_max (1e13 fen) and one of 3 fen. */
const exact_total = '10000000000000003'; // 1000 × 10^13 + 3; as a JSON number it reads back as 10000000000000004
const period = { period_start: '2026-10-01T00:00:00Z', period_end: '2026-12-01T00:00:00Z' };

function program(code: string, budget_fen: unknown) {
  return {
    code,
    name_zh: '精确金额',
    name_en: 'Exact money',
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: `${code}-layer`,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen,
    rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'all-of-it', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 10_000 } }] },
  };
}

/** One card for one hour, the k-th hour of October (so the cluster's inventory is never overrun). */
function record(p: Parties, k: number, amount_fen: number) {
  const start = Date.parse('2026-10-01T00:00:00Z') + k * hour_ms;
  return usageRecord(p, `big-${k}`, { count: 1, started_at: new Date(start).toISOString(), ended_at: new Date(start + hour_ms).toISOString(), amount_fen });
}

describeEachEngine('exact money past 2^53', (db) => {
  let api: TestApi;
  let p: Parties;
  let program_id: string;
  let claim_id: string;

  it('ingests 1,000 records of amount_fen_max and one of 3 fen', async () => {
    api = await testApi(db(), () => now);
    p = await createParties(api, 'exact');
    expect(usage_limits.amount_fen_max).toBe(10_000_000_000_000);
    const records = [...Array.from({ length: 1000 }, (_, k) => record(p, k, usage_limits.amount_fen_max)), record(p, 1000, 3)];
    const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1001, duplicates: 0, rejected: [] });
  });

  it('sums the usage summary exactly, as a decimal string', async () => {
    const res = await api.call('GET', '/api/v1/usage/summary?group_by=enterprise');
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([expect.objectContaining({ key: p.enterprise_id, records: 1001, amount_fen: exact_total })]);
    expect(res.json().totals.amount_fen).toBe(exact_total);
    const by_day = (await api.call('GET', '/api/v1/usage/summary?group_by=day')).json();
    expect(by_day.totals.amount_fen).toBe(exact_total);
    expect(by_day.items.reduce((s: bigint, i: { amount_fen: string }) => s + BigInt(i.amount_fen), 0n)).toBe(BigInt(exact_total));
  });

  it('refuses a budget sent as a JSON number past 2^53 − 1 (400) and one past 2^63 − 1 (422), naming the field', async () => {
    const unsafe = await api.call('POST', '/api/v1/programs', { body: program('exact-unsafe', 20_000_000_000_000_000) });
    expect(unsafe.statusCode).toBe(400);
    expect(unsafe.json().error).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'budget_fen', message: 'send amounts past 2^53−1 as a decimal string' }],
    });
    const huge = await api.call('POST', '/api/v1/programs', { body: program('exact-huge', '9223372036854775808') });
    expect(huge.statusCode).toBe(422);
    expect(huge.json().error.details).toEqual([{ field: 'budget_fen', code: 'too_large', message: expect.stringContaining(fen_max) }]);
    // At the limit itself the budget is stored whole.
    const at_max = await api.call('POST', '/api/v1/programs', { body: program('exact-at-max', fen_max) });
    expect(at_max.statusCode).toBe(201);
    expect(at_max.json().budget_fen).toBe(fen_max);
    expect((await api.call('GET', `/api/v1/programs/${at_max.json().id}`)).json().budget).toEqual({
      budget_fen: fen_max,
      available_fen: fen_max,
      reserved_fen: '0',
      paid_fen: '0',
    });
  });

  it('files, approves and pays the claim with base_fen 10000000000000003 exactly', async () => {
    const created = await api.call('POST', '/api/v1/programs', { body: program('exact-money', '20000000000000000') });
    expect(created.statusCode).toBe(201);
    expect(created.json().budget_fen).toBe('20000000000000000');
    program_id = created.json().id;

    const filed = await api.call('POST', '/api/v1/claims', { key: p.enterprise_key, body: { program_id, ...period } });
    expect(filed.statusCode).toBe(201);
    const claim = filed.json();
    claim_id = claim.id;
    expect(claim).toMatchObject({ records: 1001, base_fen: exact_total, computed_fen: exact_total, granted_fen: '0', paid_fen: '0' });
    expect(claim.explanation).toMatchObject({ base_fen: exact_total, computed_fen: exact_total, granted_fen: exact_total });
    expect(claim.explanation.lines).toEqual([
      expect.objectContaining({
        rule_id: 'all-of-it',
        records: 1001,
        base_fen: exact_total,
        subsidy_fen: exact_total,
        ceiling_cut_fen: '0',
        layer_cut_fen: '0',
      }),
    ]);

    expect((await api.call('POST', `/api/v1/claims/${claim_id}/submit`, { key: p.enterprise_key, body: {} })).statusCode).toBe(200);
    let approved = await api.call('POST', `/api/v1/claims/${claim_id}/approve`, { body: {} });
    // 1e13 fen for one card-hour is a price finding; the office approves with a written override where one is open.
    if (approved.statusCode === 409 && approved.json().error.code === 'open_findings') {
      approved = await api.call('POST', `/api/v1/claims/${claim_id}/approve`, { body: { override_reason: 'test: the bills are what the attack sent' } });
    }
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({
      state: 'approved',
      granted_fen: exact_total,
      explanation: { approval: { computed_fen: exact_total, granted_fen: exact_total } },
    });

    // A payment as a JSON number past 2^53 − 1 is refused (the parser rounded it); as a decimal string it is exact.
    // eslint-disable-next-line no-loss-of-precision -- the point: a number the JSON parser cannot hold
    const unsafe = await api.call('POST', `/api/v1/claims/${claim_id}/pay`, { body: { amount_fen: 10_000_000_000_000_001 } });
    expect(unsafe.statusCode).toBe(400);
    expect(unsafe.json().error.details).toEqual([{ field: 'amount_fen', message: 'send amounts past 2^53−1 as a decimal string' }]);
    const too_large = await api.call('POST', `/api/v1/claims/${claim_id}/pay`, { body: { amount_fen: '9223372036854775808' } });
    expect(too_large.statusCode).toBe(422);
    expect(too_large.json().error).toMatchObject({ code: 'amount_too_large', details: [{ field: 'amount_fen', message: expect.stringContaining(fen_max) }] });
    const more_than_payable = await api.call('POST', `/api/v1/claims/${claim_id}/pay`, { body: { amount_fen: '10000000000000004' } });
    expect(more_than_payable.json().error).toMatchObject({ code: 'amount_too_large', message: `at most ${exact_total} fen` });
    const part = await api.call('POST', `/api/v1/claims/${claim_id}/pay`, { body: { amount_fen: '9007199254740993' } });
    expect(part.json()).toMatchObject({ state: 'approved', paid_fen: '9007199254740993' });
    const rest = await api.call('POST', `/api/v1/claims/${claim_id}/pay`, { body: {} });
    expect(rest.json()).toMatchObject({ state: 'paid', granted_fen: exact_total, paid_fen: exact_total });

    const detail = (await api.call('GET', `/api/v1/claims/${claim_id}`)).json();
    expect(detail.events.filter((e: { action: string }) => e.action === 'pay').map((e: { amount_fen: string }) => e.amount_fen)).toEqual([
      '9007199254740993',
      (BigInt(exact_total) - 9_007_199_254_740_993n).toString(),
    ]);
  });

  it('keeps the budget and the ledger exact', async () => {
    const budget = (await api.call('GET', `/api/v1/programs/${program_id}`)).json().budget;
    expect(budget).toEqual({ budget_fen: '20000000000000000', available_fen: '9999999999999997', reserved_fen: '0', paid_fen: exact_total });
    const ledger = (await api.call('GET', `/api/v1/programs/${program_id}/ledger`)).json();
    expect(ledger.accounts.find((a: { kind: string }) => a.kind === 'paid').balance_fen).toBe(exact_total);
    expect(ledger.transfers.find((t: { kind: string }) => t.kind === 'approve').amount_fen).toBe(exact_total);
    expect((await api.call('GET', '/api/v1/ledger/check')).json()).toEqual({ ok: true, problems: [] });
    const overview = (await api.call('GET', '/api/v1/dashboard/overview?from=2026-10&to=2027-01')).json();
    expect(overview.programs.find((x: { id: string }) => x.id === program_id)).toMatchObject({
      budget_fen: '20000000000000000',
      committed_fen: exact_total,
      paid_fen: exact_total,
      available_fen: '9999999999999997',
    });
  });

  it('exports the exact figures: claims as JSON, CSV and XLSX; the claim; the program report; the ledger statement', async () => {
    const json = await api.call('GET', `/api/v1/reports/claims?format=json&program_id=${program_id}`);
    expect(json.statusCode).toBe(200);
    const section = json.json().sections[0];
    const row = section.rows[0];
    expect(row[section.columns.indexOf('base_fen')]).toBe(exact_total);
    expect(row[section.columns.indexOf('base_yuan')]).toBe('100000000000000.03');
    expect(row[section.columns.indexOf('paid_fen')]).toBe(exact_total);

    const csv = await api.call('GET', `/api/v1/reports/claims?format=csv&program_id=${program_id}`);
    expect(csv.statusCode).toBe(200);
    const [header, line] = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    const cells = line!.split(',');
    expect(cells[header!.split(',').indexOf('base_fen')]).toBe(exact_total);
    expect(cells[header!.split(',').indexOf('granted_yuan')]).toBe('100000000000000.03');

    const xlsx = await api.call('GET', `/api/v1/reports/claims?format=xlsx&program_id=${program_id}`);
    expect(xlsx.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const heads = (sheet.getRow(1).values as unknown[]).map(String);
    // Past 2^53 a spreadsheet number would round: the cells are exact text.
    expect(sheet.getRow(2).getCell(heads.indexOf('base_fen')).value).toBe(exact_total);
    expect(sheet.getRow(2).getCell(heads.indexOf('base_yuan')).value).toBe('100000000000000.03');

    const one = (await api.call('GET', `/api/v1/reports/claims/${claim_id}?format=json`)).json();
    const totals = one.sections.find((s: { name: string }) => s.name === 'totals');
    expect(totals.rows.find((r: unknown[]) => r[0] === 'computed')[1]).toBe(exact_total);
    expect(totals.rows.find((r: unknown[]) => r[0] === 'paid')[1]).toBe(exact_total);

    const report = await api.call('GET', `/api/v1/reports/programs/${program_id}?format=json`);
    expect(report.statusCode).toBe(200);
    const facts = report.json().sections[0];
    expect(facts.rows[0][facts.columns.indexOf('paid_fen')]).toBe(exact_total);
    expect(facts.rows[0][facts.columns.indexOf('budget_fen')]).toBe('20000000000000000');

    const statement = await api.call('GET', `/api/v1/reports/programs/${program_id}/ledger?format=json&from=2026-01-01T00:00:00Z&to=2027-02-01T00:00:00Z`);
    expect(statement.statusCode).toBe(200);
    const ledger = statement.json().sections[0];
    const closing = ledger.rows[ledger.rows.length - 1];
    expect(closing[ledger.columns.indexOf('available_balance_fen')]).toBe('9999999999999997');
    const approve = ledger.rows.find((r: unknown[]) => r[ledger.columns.indexOf('kind')] === 'approve');
    expect(approve[ledger.columns.indexOf('amount_fen')]).toBe(exact_total);
    expect(approve[ledger.columns.indexOf('available_change_fen')]).toBe(`-${exact_total}`);
  });

  it('says in the OpenAPI document which money fields are decimal strings, and why', async () => {
    const doc = (await api.call('GET', '/api/docs/json')).json();
    const schema = (path: string, method: string) => doc.paths[path][method].responses['200'].content['application/json'].schema;
    const claim = schema('/api/v1/claims/{id}', 'get');
    for (const field of ['base_fen', 'computed_fen', 'granted_fen', 'paid_fen', 'clawed_back_fen']) {
      expect(claim.properties[field]).toMatchObject({
        type: 'string',
        pattern: '^(0|-?[1-9][0-9]*)$',
        description: expect.stringContaining('fen, decimal string: exact past 2^53'),
      });
    }
    expect(claim.properties.explanation.properties.lines.items.properties.subsidy_fen.type).toBe('string');
    expect(schema('/api/v1/usage/summary', 'get').properties.totals.properties.amount_fen.anyOf).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'string' })]),
    );
    expect(schema('/api/v1/programs/{id}', 'get').properties.budget.properties.available_fen.type).toBe('string');
    // A single record's bill stays a JSON integer, bounded by amount_fen_max.
    const bill = JSON.stringify(schema('/api/v1/usage', 'get').properties.items.items.properties.amount_fen);
    expect(bill).toMatch(/"integer"/);
    expect(bill).not.toMatch(/"string"/);
  });

  it('refuses a claim whose sums would pass 2^63 − 1 with 422 amount_too_large, and still sums such usage exactly', async () => {
    // The ingest limit keeps a record at 1e13 fen, so reaching 2^63 through the API takes ~922,000 records: the test
    // plants 2,100 records of 2^52 − 1 fen in the store (as a raised limit or another importer might: each is still a
    // safe integer) — 2,100 × (2^52 − 1) passes 2^63 − 1 — and rollups of 4e18 fen.
    const q = await createParties(api, 'past-int8');
    const planted = Array.from({ length: 2100 }, (_, k) => {
      const start = Date.parse('2026-10-01T00:00:00Z') + Math.floor(k / 32) * hour_ms; // 32 cards at a time, inventory 64
      return usageRecord(q, `planted-${k}`, {
        count: 1,
        started_at: new Date(start).toISOString(),
        ended_at: new Date(start + hour_ms).toISOString(),
        amount_fen: 1,
      });
    });
    expect((await api.call('POST', '/api/v1/usage', { key: q.provider_key, body: { records: planted } })).json().accepted).toBe(2100);
    const record_fen = 2n ** 52n - 1n;
    const big = 4_000_000_000_000_000_000n;
    const kdb = db().store.connection.db;
    await kdb
      .updateTable('usage_records')
      .set({ amount_fen: Number(record_fen) })
      .where('enterprise_id', '=', q.enterprise_id)
      .execute();
    // and in the usage groups the estimate reads (each record: 1 card-hour, so its price key is its bill)
    await kdb
      .updateTable('usage_groups')
      .set(() => ({ amount_fen: sql<bigint>`records * ${record_fen}`, price_key: Number(record_fen) }))
      .where('enterprise_id', '=', q.enterprise_id)
      .execute();
    // Three daily rollups of 4e18 fen in one month, of three enterprises (a month's rollup per enterprise stays within
    // int8): the month's sum, 1.2e19, passes 2^63, where SQLite's sum() alone would raise "integer overflow".
    const r = await createParties(api, 'third');
    expect((await api.call('POST', '/api/v1/usage', { key: r.provider_key, body: { records: [record(r, 0, 5)] } })).json().accepted).toBe(1);
    await kdb
      .updateTable('usage_rollups')
      .set({ amount_fen: big })
      .where('day', '=', '2026-10-01')
      .where('enterprise_id', 'in', [p.enterprise_id, q.enterprise_id, r.enterprise_id])
      .execute();
    const by_enterprise = (await api.call('GET', '/api/v1/usage/summary?group_by=enterprise&to=2026-11-01')).json();
    const by_month = await api.call('GET', '/api/v1/usage/summary?group_by=month&to=2026-11-01');
    expect(by_month.statusCode).toBe(200);
    const october = by_month.json().items.find((i: { key: string }) => i.key === '2026-10').amount_fen;
    expect(BigInt(october)).toBeGreaterThan(BigInt(fen_max));
    expect(october).toBe(by_enterprise.items.reduce((s: bigint, i: { amount_fen: string }) => s + BigInt(i.amount_fen), 0n).toString());
    expect(by_month.json().totals.amount_fen).toBe(october);
    const third = (await api.call('GET', `/api/v1/usage/summary?group_by=enterprise&enterprise_id=${r.enterprise_id}`)).json();
    expect(third.totals.amount_fen).toBe(big.toString());

    const created = await api.call('POST', '/api/v1/programs', { body: program('exact-past-int8', fen_max) });
    const past = await api.call('POST', '/api/v1/claims', { key: q.enterprise_key, body: { program_id: created.json().id, ...period } });
    expect(past.statusCode).toBe(422);
    expect(past.json().error).toMatchObject({ code: 'amount_too_large', details: [{ field: 'base_fen', message: expect.stringContaining(fen_max) }] });
    // The estimate files nothing, so it answers the exact figure.
    const estimate = await api.call('POST', `/api/v1/programs/${created.json().id}/estimate`, { key: q.enterprise_key, body: period });
    expect(estimate.statusCode).toBe(200);
    expect(estimate.json().explanation.base_fen).toBe((record_fen * 2100n).toString());
  });
});
