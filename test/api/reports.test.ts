// Exports over the API on both engines: each report downloaded as CSV and as XLSX (opened again with exceljs: values,
// number formats, the bold and frozen header, the auto-filter), JSON beside them, tenancy (another tenant's claim or
// usage answers 404), the errors, and the builders' row limit.
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties, type TestApi } from '../support/api.js';
import { expectError, expectFieldError } from '../support/routes.js';
import { claimsListReport } from '../../src/report/claims.js';
import { ledgerStatement } from '../../src/report/ledger-statement.js';
import { usageSummaryReport } from '../../src/report/usage-summary.js';
import { ReportTooLarge } from '../../src/report/report.js';

const xlsx_type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
/** A header of a column of instants or of office days and months: the zone is named after the key. */
const zoned = (key: string) => `${key} (Asia/Shanghai)`;

/** The CSV as rows of strings, after checking the BOM and the content type. */
function csvRows(res: LightMyRequestResponse): string[][] {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  return parse(res.rawPayload.toString('utf8').slice(1), { relax_column_count: true, skip_empty_lines: false }) as string[][];
}

/** A CSV of one section as objects keyed by its header. */
function csvObjects(res: LightMyRequestResponse): Record<string, string>[] {
  const [header, ...rows] = csvRows(res);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

async function workbook(res: LightMyRequestResponse): Promise<ExcelJS.Workbook> {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe(xlsx_type);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.rawPayload as unknown as ExcelJS.Buffer);
  return wb;
}

/** A sheet's header → column number. */
function headerOf(ws: ExcelJS.Worksheet): Map<string, number> {
  const map = new Map<string, number>();
  ws.getRow(1).eachCell((cell, col) => map.set(String(cell.value), col));
  return map;
}

/** The header row is bold, the view frozen below it, and the auto-filter starts at A1. */
function expectSheetShape(ws: ExcelJS.Worksheet, data_rows: number) {
  const header = ws.getRow(1);
  header.eachCell((cell) => expect(cell.font?.bold, `header ${String(cell.value)} bold`).toBe(true));
  expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  const last = ws.getRow(1).cellCount;
  const letter = ws.getColumn(last).letter;
  expect(ws.autoFilter).toBe(`A1:${letter}${1 + data_rows}`);
  for (let c = 1; c <= last; c++) expect(ws.getColumn(c).width ?? 0).toBeGreaterThanOrEqual(8);
}

describeEachEngine('exports', (db) => {
  let clock = Date.parse('2026-11-01T00:00:00Z');
  let api: TestApi;
  let a: Parties;
  let b: Parties;
  let auditor_key: string;
  let program_id: string;
  let claim_a: string;
  let claim_b: string;
  const a_label = '蓝序, "甲"';

  it('sets up two tenants, usage, a program and claims moved through the ledger at known times', async () => {
    api = await testApi(db(), () => clock);
    a = await createParties(api, a_label);
    b = await createParties(api, 'b');
    const me = (await api.call('GET', '/api/v1/me')).json() as { org_id: string };
    auditor_key = ((await api.call('POST', '/api/v1/api-keys', { body: { org_id: me.org_id, role: 'auditor', label: 'auditor' } })).json() as { key: string })
      .key;
    const post = async (p: Parties, records: Record<string, unknown>[]) => {
      const res = await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } });
      expect(res.json()).toMatchObject({ accepted: records.length });
    };
    // a: 8 × 910B × 6.5 h (52 card-hours, ¥1,248.00), 1 × A800 1 h (foreign, ¥15.00), 2 × C500 1 h (no throughput figure, ¥30.00)
    await post(a, [
      usageRecord(a, 'u1'),
      usageRecord(a, 'u2', { accelerator: 'nvidia-a800-80gb-pcie', count: 1, ended_at: '2026-10-01T01:00:00Z', amount_fen: 1500 }),
      usageRecord(a, 'u3', { accelerator: 'metax-c500', count: 2, started_at: '2026-10-02T00:00:00Z', ended_at: '2026-10-02T01:00:00Z', amount_fen: 3000 }),
    ]);
    // b: 4 × 910B × 2 h, ¥100.00
    await post(b, [usageRecord(b, 'u1', { count: 4, started_at: '2026-10-05T00:00:00Z', ended_at: '2026-10-05T02:00:00Z', amount_fen: 10_000 })]);

    const created = await api.call('POST', '/api/v1/programs', {
      body: {
        code: 'report-voucher',
        name_zh: '上海市算力券（报表测试）',
        name_en: 'Report test voucher',
        kind: 'compute_rent',
        beneficiary_kind: 'enterprise',
        funding_layer: 'report-layer',
        window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
        budget_fen: 100_000,
        caps: { fen: 30_000 },
        rule_set: {
          effective_from: '2026-01-01T00:00:00Z',
          rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 }, ceiling_fen_per_card_hour: 2000 }],
        },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    program_id = (created.json() as { id: string }).id;
    const period = { period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' };
    const act = async (path: string, body: unknown = {}, key?: string) => {
      const res = await api.call('POST', path, { body, ...(key === undefined ? {} : { key }) });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json() as { id: string; state: string; granted_fen: string };
    };
    claim_a = (await act('/api/v1/claims', { program_id, beneficiary_id: a.enterprise_id, ...period })).id;
    claim_b = (await act('/api/v1/claims', { program_id, beneficiary_id: b.enterprise_id, ...period })).id;
    await act(`/api/v1/claims/${claim_a}/submit`, {}, a.enterprise_key);
    await act(`/api/v1/claims/${claim_b}/submit`, {}, b.enterprise_key);
    clock = Date.parse('2026-11-10T08:00:00Z');
    expect((await act(`/api/v1/claims/${claim_a}/approve`)).granted_fen).toBe('30000');
    clock = Date.parse('2026-11-20T08:00:00Z');
    expect((await act(`/api/v1/claims/${claim_a}/pay`)).state).toBe('paid');
    clock = Date.parse('2026-12-02T08:00:00Z');
    expect((await act(`/api/v1/claims/${claim_b}/approve`)).granted_fen).toBe('3000');
    clock = Date.parse('2026-12-05T08:00:00Z');
    expect((await act(`/api/v1/claims/${claim_b}/claw-back`, { reason: 'usage proved false' })).state).toBe('clawed_back');
    clock = Date.parse('2026-12-10T00:00:00Z');
  });

  it('exports a usage summary as CSV: BOM, attachment names, exact yuan, the same figures as the JSON summary, a total row', async () => {
    const url = '/api/v1/reports/usage-summary?group_by=enterprise&format=csv';
    const res = await api.call('GET', url);
    expect(res.headers['content-disposition']).toBe('attachment; filename="usage-summary-by-enterprise.csv"');
    expect(res.headers['cache-control']).toBe('no-store');
    const rows = csvObjects(res);
    const summary = (await api.call('GET', '/api/v1/usage/summary?group_by=enterprise')).json() as {
      items: Record<string, unknown>[];
      totals: Record<string, unknown>;
    };
    expect(rows.map((r) => r.enterprise_id)).toEqual([...summary.items.map((i) => i.key), 'total']);
    for (const [i, item] of summary.items.entries()) {
      expect(rows[i]).toMatchObject({
        records: String(item.records),
        card_hours: item.card_hours,
        card_hours_unnormalized: item.card_hours_unnormalized,
        compute_pflop_h: item.compute_pflop_h,
        reference_card_hours: item.reference_card_hours,
        amount_fen: String(item.amount_fen),
      });
    }
    const row_a = rows.find((r) => r.enterprise_id === a.enterprise_id)!;
    expect(row_a).toMatchObject({
      name: `Enterprise ${a_label}`,
      records: '3',
      card_hours: '55.000',
      card_hours_unnormalized: '2.000',
      amount_fen: '129300',
      amount_yuan: '1293.00',
    });
    expect(rows.at(-1)).toMatchObject({
      enterprise_id: 'total',
      name: '',
      records: '4',
      amount_fen: '139300',
      amount_yuan: '1393.00',
      compute_pflop_h: summary.totals.compute_pflop_h,
    });
    // the name with a comma and quotes survives the round trip (RFC 4180 quoting)
    expect(res.rawPayload.toString('utf8')).toContain(`"Enterprise 蓝序, ""甲"""`);
  });

  it('exports a usage summary as XLSX: yuan numbers under the ¥ format beside integer fen, hours formatted, bold frozen header, filter', async () => {
    const res = await api.call('GET', '/api/v1/reports/usage-summary?group_by=accelerator&format=xlsx');
    expect(res.headers['content-disposition']).toBe('attachment; filename="usage-summary-by-accelerator.xlsx"');
    const wb = await workbook(res);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['usage by accelerator']);
    const ws = wb.worksheets[0]!;
    const col = headerOf(ws);
    expect([...col.keys()]).toEqual([
      'accelerator',
      'name',
      'domestic',
      'records',
      'card_hours',
      'card_hours_unnormalized',
      'compute_pflop_h',
      'reference_card_hours',
      'amount_fen',
      'amount_yuan',
    ]);
    expectSheetShape(ws, 3);
    const row = (id: string) => ws.getRows(2, ws.rowCount - 1)!.find((r) => r.getCell(1).value === id)!;
    const ascend = row('huawei-ascend-910b');
    expect(ascend.getCell(col.get('name')!).value).toBe('Huawei Ascend 910B');
    expect(ascend.getCell(col.get('domestic')!).value).toBe('true');
    expect(ascend.getCell(col.get('records')!).value).toBe(2);
    expect(ascend.getCell(col.get('card_hours')!).value).toBe(60);
    expect(ascend.getCell(col.get('card_hours')!).numFmt).toBe('#,##0.000');
    expect(ascend.getCell(col.get('compute_pflop_h')!).numFmt).toBe('#,##0.000000');
    expect(ascend.getCell(col.get('amount_fen')!).value).toBe(134_800);
    expect(ascend.getCell(col.get('amount_yuan')!).value).toBe(1348);
    expect(ascend.getCell(col.get('amount_yuan')!).numFmt).toBe('"¥"#,##0.00');
    const total = ws.getRow(ws.rowCount);
    expect(total.getCell(1).value).toBe('total');
    expect(total.getCell(col.get('amount_yuan')!).value).toBe(1393);
    expect(total.getCell(col.get('records')!).value).toBe(4);
  });

  it("confines a tenant to its own usage: another's answers 404", async () => {
    const own = csvObjects(await api.call('GET', '/api/v1/reports/usage-summary?group_by=provider', { key: a.enterprise_key }));
    expect(own.map((r) => r.provider_id)).toEqual([a.provider_id, 'total']);
    expect(own[0]!.amount_fen).toBe('129300');
    expectError(await api.call('GET', `/api/v1/reports/usage-summary?enterprise_id=${b.enterprise_id}`, { key: a.enterprise_key }), 404, 'not_found');
    expectError(await api.call('GET', `/api/v1/reports/usage-summary?provider_id=${b.provider_id}&format=xlsx`, { key: a.provider_key }), 404, 'not_found');
  });

  it('hides bills from auditors and names the enterprise in the file name of a scoped export', async () => {
    const audited = csvObjects(await api.call('GET', '/api/v1/reports/usage-summary?group_by=month', { key: auditor_key }));
    expect(audited.map((r) => [r[zoned('month')], r.records, r.amount_fen, r.amount_yuan])).toEqual([
      ['2026-10', '4', '', ''],
      ['total', '4', '', ''],
    ]);
    const scoped = await api.call('GET', `/api/v1/reports/usage-summary?enterprise_id=${a.enterprise_id}&from=2026-10-01&to=2026-11-01`);
    const disposition = String(scoped.headers['content-disposition']);
    expect(disposition).toContain(`filename="${a.enterprise_id}-usage-summary-by-month-2026-10-01_2026-11-01.csv"`);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('Enterprise 蓝序, _甲_-usage-summary-by-month-2026-10-01_2026-11-01.csv')}`);
  });

  it("exports the claims list; a tenant gets its own claims only, and another beneficiary's answers 404", async () => {
    const all = csvObjects(await api.call('GET', `/api/v1/reports/claims?program_id=${program_id}`));
    expect(all.map((r) => r.claim_id).sort()).toEqual([claim_a, claim_b].sort());
    expect(all.find((r) => r.claim_id === claim_a)).toMatchObject({
      program_code: 'report-voucher',
      program_name_zh: '上海市算力券（报表测试）',
      beneficiary_id: a.enterprise_id,
      beneficiary_name: `Enterprise ${a_label}`,
      state: 'paid',
      [zoned('period_start')]: '2026-10-01T08:00:00+08:00',
      [zoned('period_end')]: '2026-11-01T08:00:00+08:00',
      records: '3',
      base_fen: '107000',
      base_yuan: '1070.00',
      computed_fen: '32100',
      computed_yuan: '321.00',
      granted_fen: '30000',
      paid_fen: '30000',
      paid_yuan: '300.00',
      clawed_back_fen: '0',
    });
    expect(all.find((r) => r.claim_id === claim_b)).toMatchObject({
      state: 'clawed_back',
      granted_fen: '0',
      clawed_back_fen: '3000',
      clawed_back_yuan: '30.00',
    });
    const own = csvObjects(await api.call('GET', '/api/v1/reports/claims', { key: b.enterprise_key }));
    expect(own.map((r) => r.claim_id)).toEqual([claim_b]);
    expectError(await api.call('GET', `/api/v1/reports/claims?beneficiary_id=${a.enterprise_id}`, { key: b.enterprise_key }), 404, 'not_found');
    const paid = csvObjects(await api.call('GET', '/api/v1/reports/claims?state=paid'));
    expect(paid.map((r) => r.claim_id)).toEqual([claim_a]);

    const wb = await workbook(await api.call('GET', `/api/v1/reports/claims?program_id=${program_id}&format=xlsx`));
    const ws = wb.getWorksheet('claims')!;
    expectSheetShape(ws, 2);
    const col = headerOf(ws);
    const row_a = ws.getRows(2, 2)!.find((r) => r.getCell(col.get('claim_id')!).value === claim_a)!;
    expect(row_a.getCell(col.get('granted_yuan')!).value).toBe(300);
    expect(row_a.getCell(col.get('granted_yuan')!).numFmt).toBe('"¥"#,##0.00');
    expect(row_a.getCell(col.get('granted_fen')!).value).toBe(30_000);
    expect(row_a.getCell(col.get(zoned('period_start'))!).value).toBe('2026-10-01T08:00:00+08:00');
    expect(row_a.getCell(col.get('program_name_zh')!).value).toBe('上海市算力券（报表测试）');
  });

  it('exports one claim: its row, the explanation lines with a total, the cuts at filing and approval, the totals', async () => {
    const res = await api.call('GET', `/api/v1/reports/claims/${claim_a}?format=csv`, { key: a.enterprise_key });
    const disposition = String(res.headers['content-disposition']);
    expect(disposition).toMatch(new RegExp(`^attachment; filename="claim-${claim_a}\\.csv"; filename\\*=UTF-8''`));
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe(`上海市算力券（报表测试）-Enterprise 蓝序, _甲_-claim-${claim_a}.csv`); // quotes are not for file names
    const rows = csvRows(res);
    // sections: a row with the name alone, the header, the rows; a blank line between sections
    const starts = rows.map((r, i) => (r.length === 1 && ['claim', 'lines', 'cuts', 'totals'].includes(r[0]!) ? i : -1)).filter((i) => i >= 0);
    expect(starts.map((i) => rows[i]![0])).toEqual(['claim', 'lines', 'cuts', 'totals']);
    const section = (k: number) => {
      const [header, ...body] = rows.slice(starts[k]! + 1, k + 1 < starts.length ? starts[k + 1]! - 1 : undefined);
      expect(k + 1 < starts.length ? rows[starts[k + 1]! - 1] : ['']).toEqual(['']);
      return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
    };
    expect(section(0)).toEqual([expect.objectContaining({ claim_id: claim_a, state: 'paid', computed_fen: '32100', granted_yuan: '300.00' })]);
    const lines = section(1);
    expect(lines.map((l) => l.rule_id)).toEqual(['domestic', '(no rule)', 'total']);
    expect(lines[0]).toMatchObject({
      basis: 'bill',
      records: '2',
      card_hours: '54.000',
      base_fen: '107000',
      base_yuan: '1070.00',
      rate_bp: '3000',
      ceiling_fen_per_card_hour: '2000',
      ceiling_cut_fen: '20800',
      subsidy_fen: '32100',
      subsidy_yuan: '321.00',
    });
    expect(lines[1]).toMatchObject({ records: '1', card_hours: '1.000', subsidy_fen: '0', note: '1 records matched no rule and earn nothing' });
    expect(lines[2]).toMatchObject({ records: '3', card_hours: '55.000', base_fen: '107000', subsidy_fen: '32100' });
    expect(section(2)).toEqual([
      expect.objectContaining({ stage: 'filing', kind: 'program_cap', limit_fen: '30000', cut_fen: '2100', cut_yuan: '21.00' }),
      expect.objectContaining({ stage: 'approval', kind: 'program_cap', limit_fen: '30000', cut_fen: '2100' }),
    ]);
    expect(Object.fromEntries(section(3).map((r) => [r.item, r.amount_yuan]))).toEqual({
      base: '1070.00',
      computed: '321.00',
      cut_at_filing: '21.00',
      estimated_at_filing: '300.00',
      cut_at_approval: '21.00',
      granted_at_approval: '300.00',
      clawed_back: '0.00',
      granted: '300.00',
      paid: '300.00',
      unpaid: '0.00',
    });

    const wb = await workbook(await api.call('GET', `/api/v1/reports/claims/${claim_a}?format=xlsx`, { key: a.enterprise_key }));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['claim', 'lines', 'cuts', 'totals']);
    const ws = wb.getWorksheet('lines')!;
    expectSheetShape(ws, 2); // the total row lies outside the filter
    const col = headerOf(ws);
    expect(ws.getRow(2).getCell(col.get('subsidy_yuan')!).value).toBe(321);
    expect(ws.getRow(2).getCell(col.get('subsidy_yuan')!).numFmt).toBe('"¥"#,##0.00');
    expect(ws.getRow(2).getCell(col.get('card_hours')!).value).toBe(54);
    expect(ws.getRow(4).getCell(1).value).toBe('total');
    const totals = wb.getWorksheet('totals')!;
    expectSheetShape(totals, 10);
    expect(totals.getRow(11).values).toEqual([undefined, 'unpaid', 0, 0, 'granted, not yet paid']);
  });

  it("answers 404 for another tenant's claim and for a missing one, in every format", async () => {
    for (const format of ['csv', 'xlsx', 'json']) {
      expectError(await api.call('GET', `/api/v1/reports/claims/${claim_a}?format=${format}`, { key: b.enterprise_key }), 404, 'not_found');
    }
    expectError(await api.call('GET', '/api/v1/reports/claims/clm_missing'), 404, 'not_found');
    expect((await api.call('GET', `/api/v1/reports/claims/${claim_a}`, { key: a.provider_key })).statusCode).toBe(404);
  });

  it('exports a ledger statement: opening balance, each transfer with the running available balance, closing balance', async () => {
    const rows = csvObjects(await api.call('GET', `/api/v1/reports/programs/${program_id}/ledger?from=2026-11-15&to=2026-12-03T00:00:00Z`));
    // from: an office day, its first instant in Beijing; to: an instant, written back in Beijing time
    expect(rows.map((r) => [r.kind, r[zoned('at')], r.amount_fen, r.available_change_fen, r.available_balance_fen, r.available_balance_yuan])).toEqual([
      ['opening_balance', '2026-11-15T00:00:00+08:00', '', '', '70000', '700.00'],
      ['pay', '2026-11-20T16:00:00+08:00', '30000', '0', '70000', '700.00'],
      ['approve', '2026-12-02T16:00:00+08:00', '3000', '-3000', '67000', '670.00'],
      ['closing_balance', '2026-12-03T08:00:00+08:00', '', '-3000', '67000', '670.00'],
    ]);
    expect(rows[1]).toMatchObject({
      from_account: `${program_id}:payable:${a.enterprise_id}`,
      to_account: `${program_id}:paid`,
      beneficiary_id: a.enterprise_id,
      claim_id: claim_a,
      available_change_yuan: '0.00',
    });
    expect(rows[2]).toMatchObject({ available_change_yuan: '-30.00', beneficiary_id: b.enterprise_id, claim_id: claim_b });

    const res = await api.call('GET', `/api/v1/reports/programs/${program_id}/ledger?format=xlsx`, { key: auditor_key });
    const disposition = String(res.headers['content-disposition']);
    expect(disposition).toContain('filename="report-voucher-ledger-start_2026-12-10.xlsx"');
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe('上海市算力券（报表测试）-ledger-start_2026-12-10.xlsx');
    const ws = (await workbook(res)).getWorksheet('ledger')!;
    const col = headerOf(ws);
    expectSheetShape(ws, 6); // opening + 5 transfers
    const kinds = ws.getColumn(col.get('kind')!).values.slice(2);
    expect(kinds).toEqual(['opening_balance', 'fund', 'approve', 'pay', 'approve', 'release', 'closing_balance']);
    const balance = ws.getColumn(col.get('available_balance_yuan')!).values.slice(2);
    expect(balance).toEqual([0, 1000, 700, 700, 670, 700, 700]);
    expect(ws.getRow(3).getCell(col.get('available_balance_yuan')!).numFmt).toBe('"¥"#,##0.00');
    expect(ws.getRow(3).getCell(col.get('transfer_id')!).numFmt).toBe('#,##0');
  });

  it('exports a program report: budget, committed and paid, per beneficiary, per month, the domestic share', async () => {
    const wb = await workbook(await api.call('GET', `/api/v1/reports/programs/${program_id}?format=xlsx`));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['program', 'beneficiaries', 'months']);
    const values = (ws: ExcelJS.Worksheet, r: number) => Object.fromEntries([...headerOf(ws)].map(([h, c]) => [h, ws.getRow(r).getCell(c).value]));
    // the domestic share of a's October compute: 910B against 910B + A800 (the C500 has no figure)
    const dom = 187_200n * 320_000n;
    const all = dom + 3_600n * 311_870n;
    const share = Number((dom * 10_000n * 2n + all) / (2n * all));
    const program = wb.getWorksheet('program')!;
    expectSheetShape(program, 1);
    expect(values(program, 2)).toMatchObject({
      program_code: 'report-voucher',
      name_zh: '上海市算力券（报表测试）',
      budget_fen: 100_000,
      budget_yuan: 1000,
      committed_fen: 30_000,
      reserved_fen: 0,
      paid_fen: 30_000,
      available_fen: 70_000,
      available_yuan: 700,
      claims: 2,
      claims_approved: 2,
      beneficiaries_granted: 1,
      domestic_share_bp: share,
      [zoned('as_of')]: '2026-12-10T08:00:00+08:00',
      [zoned('window_start')]: '2026-01-01T08:00:00+08:00',
    });
    expect(program.getRow(2).getCell(headerOf(program).get('committed_yuan')!).numFmt).toBe('"¥"#,##0.00');
    const beneficiaries = wb.getWorksheet('beneficiaries')!;
    expectSheetShape(beneficiaries, 2);
    expect(values(beneficiaries, 2)).toMatchObject({
      beneficiary_id: a.enterprise_id,
      name: `Enterprise ${a_label}`,
      granted_fen: 30_000,
      paid_fen: 30_000,
      unpaid_fen: 0,
      domestic_share_bp: share,
    });
    expect(values(beneficiaries, 3)).toMatchObject({
      beneficiary_id: b.enterprise_id,
      granted_fen: 0,
      clawed_back_fen: 3000,
      clawed_back_yuan: 30,
      domestic_share_bp: null,
    });
    const months = wb.getWorksheet('months')!;
    expectSheetShape(months, 2);
    expect(values(months, 2)).toMatchObject({
      [zoned('month')]: '2026-11',
      funded_fen: 100_000,
      approved_fen: 30_000,
      paid_fen: 30_000,
      committed_at_end_fen: 30_000,
      available_at_end_yuan: 700,
    });
    expect(values(months, 3)).toMatchObject({
      [zoned('month')]: '2026-12',
      approved_fen: 3000,
      released_fen: 3000,
      committed_change_fen: 0,
      committed_at_end_fen: 30_000,
      paid_at_end_fen: 30_000,
      available_at_end_fen: 70_000,
    });

    const csv = csvRows(await api.call('GET', `/api/v1/reports/programs/${program_id}`, { key: auditor_key }));
    expect(csv.filter((r) => r.length === 1 && r[0] !== '').map((r) => r[0])).toEqual(['program', 'beneficiaries', 'months']);
  });

  it('keeps ledger statements and program reports for the office and auditors', async () => {
    for (const key of [a.enterprise_key, a.provider_key]) {
      expect((await api.call('GET', `/api/v1/reports/programs/${program_id}/ledger`, { key })).statusCode).toBe(403);
      expect((await api.call('GET', `/api/v1/reports/programs/${program_id}?format=xlsx`, { key })).statusCode).toBe(403);
    }
    expectError(await api.call('GET', '/api/v1/reports/programs/prg_missing/ledger'), 404, 'not_found');
  });

  it('answers JSON with the same columns and cells as the CSV', async () => {
    const url = `/api/v1/reports/claims/${claim_a}`;
    const json = (await api.call('GET', `${url}?format=json`)).json() as {
      report: string;
      sections: { name: string; columns: string[]; rows: (string | number | null)[][] }[];
    };
    expect(json.report).toBe('claim');
    expect(json.sections.map((s) => s.name)).toEqual(['claim', 'lines', 'cuts', 'totals']);
    const lines = json.sections[1]!;
    expect(lines.rows[0]![lines.columns.indexOf('subsidy_fen')]).toBe('32100');
    expect(lines.rows[0]![lines.columns.indexOf('subsidy_yuan')]).toBe('321.00');
    expect(lines.rows[0]![lines.columns.indexOf('note')]).toBeNull();
  });

  it('refuses bad parameters with 400 naming the field', async () => {
    expectFieldError(await api.call('GET', '/api/v1/reports/claims?format=pdf'), 400, 'validation_failed', 'querystring.format');
    expectFieldError(await api.call('GET', '/api/v1/reports/usage-summary?from=2026-02-30'), 400, 'validation_failed', 'querystring.from');
    expectFieldError(await api.call('GET', '/api/v1/reports/usage-summary?group_by=week'), 400, 'validation_failed', 'querystring.group_by');
    expectFieldError(await api.call('GET', `/api/v1/reports/programs/${program_id}/ledger?from=yesterday`), 400, 'validation_failed', 'querystring.from');
    expectFieldError(
      await api.call('GET', `/api/v1/reports/programs/${program_id}/ledger?from=2026-12-01&to=2026-11-01`),
      400,
      'validation_failed',
      'querystring.to',
    );
    expectFieldError(await api.call('GET', '/api/v1/reports/claims?color=blue'), 400, 'validation_failed', 'querystring.color');
  });

  it('refuses an export past the row limit before its first byte, at the limit and just past it', async () => {
    const { store, config } = db();
    const usage = (rows_max: number) =>
      usageSummaryReport(store, {
        group_by: 'enterprise',
        filter: {},
        prices: true,
        names: { all: true },
        reference_accelerator: config.reference_accelerator,
        rows_max,
      });
    expect((await usage(2)).sections[0]!.rows).toHaveLength(2);
    await expect(usage(1)).rejects.toThrow(ReportTooLarge);
    const claims = async (rows_max: number) => {
      const r = await claimsListReport(store, { program_id }, { all: true }, rows_max);
      const out: unknown[] = [];
      for await (const row of r.sections[0]!.rows) out.push(row);
      return out;
    };
    expect(await claims(2)).toHaveLength(2);
    await expect(claims(1)).rejects.toThrow(/more than 1 claims/);
    const program = (await store.programs.get(program_id))!;
    expect((await ledgerStatement(store, program, { from_ms: null, to_ms: clock }, 5)).sections[0]!.rows).toHaveLength(6);
    await expect(ledgerStatement(store, program, { from_ms: null, to_ms: clock }, 4)).rejects.toMatchObject({ field: 'querystring.from', rows_max: 4 });
    await expect(ledgerStatement(store, program, { from_ms: day('2026-12-01'), to_ms: day('2026-12-01') })).rejects.toMatchObject({ field: 'querystring.to' });
  });

  it('counts days and months in Beijing time: 16:30Z on 31 October is November, 15:59:59Z is October, in every export', async () => {
    const c = await createParties(api, 'c');
    const at = (start: string, end: string, id: string) => usageRecord(c, id, { count: 1, started_at: start, ended_at: end, amount_fen: 100 });
    const posted = await api.call('POST', '/api/v1/usage', {
      key: c.provider_key,
      body: { records: [at('2026-10-31T16:30:00Z', '2026-10-31T17:30:00Z', 'nov'), at('2026-10-31T15:00:00Z', '2026-10-31T15:59:59Z', 'oct')] },
    });
    expect(posted.json()).toMatchObject({ accepted: 2 });
    const usage = (query: string, format = 'csv') =>
      api.call('GET', `/api/v1/reports/usage-summary?enterprise_id=${c.enterprise_id}&${query}&format=${format}`);
    const months = csvObjects(await usage('group_by=month'));
    expect(months.map((r) => [r[zoned('month')], r.records])).toEqual([
      ['2026-10', '1'],
      ['2026-11', '1'],
      ['total', '2'],
    ]);
    const days = csvObjects(await usage('group_by=day'));
    expect(days.map((r) => [r[zoned('day')], r.records])).toEqual([
      ['2026-10-31', '1'],
      ['2026-11-01', '1'],
      ['total', '2'],
    ]);
    // from/to are office days: November in Beijing holds the 16:30Z record only
    expect(csvObjects(await usage('group_by=month&from=2026-11-01&to=2026-12-01')).map((r) => [r[zoned('month')], r.records])).toEqual([
      ['2026-11', '1'],
      ['total', '1'],
    ]);
    expect(csvObjects(await usage('group_by=month&to=2026-11-01')).map((r) => [r[zoned('month')], r.records])).toEqual([
      ['2026-10', '1'],
      ['total', '1'],
    ]);
    const ws = (await workbook(await usage('group_by=month', 'xlsx'))).worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe(zoned('month'));
    expect([ws.getRow(2).getCell(1).value, ws.getRow(3).getCell(1).value]).toEqual(['2026-10', '2026-11']);
    const json = (await usage('group_by=day', 'json')).json() as { sections: { columns: string[]; rows: (string | number | null)[][] }[] };
    expect(json.sections[0]!.columns[0]).toBe(zoned('day'));
    expect(json.sections[0]!.rows.map((r) => [r[0], r[1]])).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 1],
      ['total', 2],
    ]);

    // a claim for November of Beijing time holds the November record, and its period is written in Beijing time
    const filed = await api.call('POST', '/api/v1/claims', {
      body: {
        program_id,
        beneficiary_id: c.enterprise_id,
        period_start: '2026-11-01T00:00:00+08:00',
        period_end: '2026-12-01T00:00:00+08:00',
      },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const claim = csvObjects(await api.call('GET', `/api/v1/reports/claims?beneficiary_id=${c.enterprise_id}`));
    expect(claim).toEqual([
      expect.objectContaining({
        [zoned('period_start')]: '2026-11-01T00:00:00+08:00',
        [zoned('period_end')]: '2026-12-01T00:00:00+08:00',
        records: '1',
        [zoned('created_at')]: '2026-12-10T08:00:00+08:00',
      }),
    ]);
  });
});
