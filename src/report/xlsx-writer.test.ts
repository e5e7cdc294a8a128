import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { columnLetter, sheetName, writeXlsx } from './xlsx-writer.js';
import type { Report, Row } from './report.js';
import { OfficeCalendar } from '../domain/calendar.js';

async function toBuffer(report: Report, onData?: (bytes: number) => void): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  let bytes = 0;
  out.on('data', (c: Buffer) => {
    chunks.push(c);
    bytes += c.length;
    onData?.(bytes);
  });
  const ended = new Promise((resolve) => out.on('end', resolve));
  await writeXlsx(report, out);
  await ended;
  return Buffer.concat(chunks);
}

async function read(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ExcelJS.Buffer);
  return wb;
}

const columns = [
  { key: 'name', kind: 'text' },
  { key: 'amount', kind: 'money' },
  { key: 'card_hours', kind: 'hours' },
  { key: 'compute_pflop_h', kind: 'pflop_h' },
  { key: 'energy_kwh', kind: 'kwh' },
  { key: 'share_bp', kind: 'bp' },
  { key: 'records', kind: 'integer' },
  { key: 'at', kind: 'instant' },
] as const;
const calendar = new OfficeCalendar('Asia/Shanghai');

describe('writeXlsx', () => {
  it('writes typed cells under their number formats, a bold frozen header, widths and a filter over the data', async () => {
    const wb = await read(
      await toBuffer({
        kind: 't',
        calendar,
        filename: { ascii: 't', unicode: 't' },
        sections: [
          {
            name: 'data',
            columns,
            rows: [
              ['蓝序智能', 123_456, '52.000', '59.904000', '41.600', 9816, 3, Date.parse('2026-10-01T00:00:00Z')],
              ['neg', -5, null, null, null, null, null, null],
            ],
            footer: [['total', 123_451, null, null, null, null, 3, null]],
          },
          { name: 'a/b:c?[d]*e\\and a long name beyond 31 chars', columns: [{ key: 'x', kind: 'text' }], rows: [] },
        ],
      }),
    );
    expect(wb.worksheets.map((w) => w.name)).toEqual(['data', 'a_b_c__d__e_and a long name bey']);
    const ws = wb.getWorksheet('data')!;
    expect(ws.getRow(1).values).toEqual([
      undefined,
      'name',
      'amount_fen',
      'amount_yuan',
      'card_hours',
      'compute_pflop_h',
      'energy_kwh',
      'share_bp',
      'records',
      'at (Asia/Shanghai)',
    ]);
    ws.getRow(1).eachCell((c) => expect(c.font?.bold).toBe(true));
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBe('A1:I3');
    const r = ws.getRow(2);
    expect(r.values).toEqual([undefined, '蓝序智能', 123_456, 1234.56, 52, 59.904, 41.6, 9816, 3, '2026-10-01T08:00:00+08:00']);
    expect([2, 3, 4, 5, 6, 7, 8].map((c) => r.getCell(c).numFmt)).toEqual(['0', '"¥"#,##0.00', '#,##0.000', '#,##0.000000', '#,##0.000', '0', '#,##0']);
    expect(r.getCell(2).font?.bold).not.toBe(true);
    expect(ws.getRow(3).getCell(3).value).toBe(-0.05);
    expect(ws.getRow(3).getCell(4).value).toBeNull();
    expect(ws.getRow(4).getCell(1).value).toBe('total');
    for (let c = 1; c <= 9; c++) expect(ws.getColumn(c).width).toBeGreaterThanOrEqual(10);
    const empty = wb.worksheets[1]!;
    expect(empty.autoFilter).toBe('A1:A1');
    expect(empty.getRow(1).getCell(1).value).toBe('x');
  });

  it('streams: bytes leave before the last row is built, and 50,000 rows read back whole', async () => {
    const n = 50_000;
    let bytes_at_row_40k = 0;
    let received = 0;
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 0; i < n; i++) {
        if (i === 40_000) bytes_at_row_40k = received;
        yield [`row ${i}`, i, '1.500', '0.000001', '0.001', i % 10_001, i, i * 1000];
      }
    }
    const buffer = await toBuffer({ kind: 't', calendar, filename: { ascii: 't', unicode: 't' }, sections: [{ name: 's', columns, rows: rows() }] }, (b) => {
      received = b;
    });
    expect(bytes_at_row_40k).toBeGreaterThan(0);
    const ws = (await read(buffer)).getWorksheet('s')!;
    expect(ws.rowCount).toBe(n + 1);
    expect(ws.getRow(n + 1).getCell(1).value).toBe(`row ${n - 1}`);
    expect(ws.getRow(n + 1).getCell(3).value).toBe((n - 1) / 100);
  }, 60_000);

  it('stops reading rows when the output closes, also while it waits for a reader that never comes', async () => {
    let produced = 0;
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 0; i < 1_000_000; i++) {
        produced++;
        yield [`row ${i}`, i, '1.500', '0.000001', '0.001', 1, i, 0];
      }
    }
    const out = new PassThrough({ highWaterMark: 1024 }); // nobody reads it: it fills and asks the writer to wait
    const written = writeXlsx({ kind: 't', calendar, filename: { ascii: 't', unicode: 't' }, sections: [{ name: 's', columns, rows: rows() }] }, out);
    setTimeout(() => out.destroy(), 200);
    await expect(written).rejects.toThrow(/output closed/);
    expect(produced).toBeLessThan(1_000_000);
  }, 30_000);

  it('names columns and sheets as Excel wants them', () => {
    expect([1, 26, 27, 52, 53, 702, 703].map(columnLetter)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA']);
    expect(sheetName('')).toBe('sheet');
  });
});
