// `suanli report` as an operator runs it (a child process on the same database): the files it writes are the API's
// exports, and exceljs reads its XLSX back.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { freshDatabase } from '../support/engines.js';
import { createParties, testApi, usageRecord } from '../support/api.js';

const run = promisify(execFile);

it('suanli report program|claim|usage|ledger write the files the API serves; a missing claim fails without a file', async () => {
  const { db, dispose } = await freshDatabase('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-report-'));
  try {
    const api = await testApi(db, () => Date.parse('2026-11-29T12:00:00Z'));
    const p = await createParties(api, '蓝序');
    expect((await api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records: [usageRecord(p, 'u1')] } })).json()).toMatchObject({ accepted: 1 });
    const program = await api.call('POST', '/api/v1/programs', {
      body: {
        code: 'cli-voucher',
        name_zh: '命令行测试券',
        name_en: 'CLI voucher',
        kind: 'compute_rent',
        beneficiary_kind: 'enterprise',
        funding_layer: 'cli',
        window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
        budget_fen: 1_000_000,
        rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 3000 } }] },
      },
    });
    expect(program.statusCode, program.body).toBe(201);
    const filed = await api.call('POST', '/api/v1/claims', {
      body: { program_id: program.json().id, beneficiary_id: p.enterprise_id, period_start: '2026-10-01T00:00:00Z', period_end: '2026-11-01T00:00:00Z' },
    });
    const claim_id = (filed.json() as { id: string }).id;
    await api.call('POST', `/api/v1/claims/${claim_id}/submit`, { key: p.enterprise_key, body: {} });
    expect((await api.call('POST', `/api/v1/claims/${claim_id}/approve`, { body: {} })).json()).toMatchObject({ granted_fen: '37440' });
    const served = await api.call('GET', `/api/v1/reports/claims/${claim_id}?format=csv`);
    await api.app.close();

    const env = { ...process.env, SUANLI_DATA_DIR: db.config.data_dir, SUANLI_LOG_LEVEL: 'silent' };
    const suanli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', ...args], { env, cwd: process.cwd() });
    const program_file = path.join(dir, 'program.xlsx');
    const [prog, claim, usage, ledger] = await Promise.all([
      suanli('program', 'cli-voucher', '--out', program_file),
      suanli('claim', claim_id, '--format', 'csv', '--out', path.join(dir, 'claim.csv')),
      suanli('usage', '--group-by', 'enterprise', '--format', 'xlsx', '--out', path.join(dir, 'usage.xlsx')),
      suanli('ledger', 'cli-voucher', '--from', '2026-01-01', '--out', '-', '--format', 'csv'),
    ]);
    expect(prog.stderr).toMatch(new RegExp(`wrote ${program_file.replace(/[.\\]/g, '\\$&')} \\(\\d+ bytes, xlsx\\)`));
    expect(claim.stderr).toContain('claim.csv');
    expect(usage.stderr).toContain('usage.xlsx');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(program_file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['program', 'beneficiaries', 'months']);
    const ws = wb.getWorksheet('program')!;
    const header = ws.getRow(1).values as unknown[];
    const cell = (name: string) => ws.getRow(2).getCell(header.indexOf(name));
    expect(cell('name_zh').value).toBe('命令行测试券');
    expect(cell('budget_yuan').value).toBe(10_000);
    expect(cell('budget_yuan').numFmt).toBe('"¥"#,##0.00');
    expect(cell('reserved_fen').value).toBe(37_440);
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });

    // the CLI's claim file is the API's, byte for byte
    expect(fs.readFileSync(path.join(dir, 'claim.csv'))).toEqual(served.rawPayload);

    const usage_wb = new ExcelJS.Workbook();
    await usage_wb.xlsx.readFile(path.join(dir, 'usage.xlsx'));
    const u = usage_wb.getWorksheet('usage by enterprise')!;
    expect(u.getRow(2).values).toEqual([undefined, p.enterprise_id, 'Enterprise 蓝序', 1, 52, 0, 16.64, 53.333, 124_800, 1248]);

    expect(ledger.stdout.startsWith('\uFEFFtransfer_id,at (Asia/Shanghai),kind,')).toBe(true);
    expect(ledger.stdout.split('\r\n').map((l) => l.split(',')[2])).toEqual(['kind', 'opening_balance', 'fund', 'approve', 'closing_balance', undefined]);

    await expect(suanli('claim', 'clm_missing', '--out', path.join(dir, 'missing.xlsx'))).rejects.toMatchObject({
      stderr: expect.stringContaining('claim clm_missing not found'),
    });
    await expect(suanli('usage', '--group-by', 'week')).rejects.toMatchObject({ stderr: expect.stringContaining('--group-by: one of') });
    expect(fs.existsSync(path.join(dir, 'missing.xlsx'))).toBe(false);
  } finally {
    await dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
