import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvChunks, csvField, csvLine, csvStream, utf8_bom } from './csv-writer.js';
import { officeRfc3339, type Report } from './report.js';
import { OfficeCalendar } from '../domain/calendar.js';

const shanghai = new OfficeCalendar('Asia/Shanghai');

async function text(report: Report): Promise<string> {
  let s = '';
  for await (const chunk of csvChunks(report)) s += chunk;
  return s;
}

describe('csvField', () => {
  it('quotes only what needs quoting, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('蓝序智能')).toBe('蓝序智能');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(-12)).toBe('-12');
  });

  it('defuses spreadsheet formulas in text cells only (CSV injection)', () => {
    expect(csvField('=HYPERLINK("http://x")', true)).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField('+86 21', true)).toBe("'+86 21");
    expect(csvField('-1', true)).toBe("'-1");
    expect(csvField('@SUM(A1)', true)).toBe("'@SUM(A1)");
    expect(csvField('\tx', true)).toBe("'\tx");
    expect(csvField('-1234.56')).toBe('-1234.56'); // a number column keeps its sign
    expect(csvField('a=b', true)).toBe('a=b');
  });

  it('ends lines with CRLF', () => {
    expect(csvLine(['a', 1, null, 'x,y'])).toBe('a,1,,"x,y"\r\n');
  });
});

describe('officeRfc3339', () => {
  it('writes an instant in the office zone with the offset it has there, milliseconds when it has them', () => {
    expect(officeRfc3339(Date.parse('2026-10-31T16:30:00Z'), shanghai)).toBe('2026-11-01T00:30:00+08:00');
    expect(officeRfc3339(Date.parse('2026-10-31T15:59:59.250Z'), shanghai)).toBe('2026-10-31T23:59:59.250+08:00');
    const new_york = new OfficeCalendar('America/New_York');
    expect(officeRfc3339(Date.parse('2026-03-08T06:59:00Z'), new_york)).toBe('2026-03-08T01:59:00-05:00');
    expect(officeRfc3339(Date.parse('2026-03-08T07:00:00Z'), new_york)).toBe('2026-03-08T03:00:00-04:00');
    expect(officeRfc3339(Date.parse('2026-03-08T07:00:00Z'), new OfficeCalendar('Asia/Kolkata'))).toBe('2026-03-08T12:30:00+05:30');
    expect(officeRfc3339(0, new OfficeCalendar('UTC'))).toBe('1970-01-01T00:00:00+00:00');
    // an offset of seconds (Shanghai's local mean time) has no RFC 3339 form: UTC then
    expect(officeRfc3339(Date.parse('1890-01-01T00:00:00Z'), shanghai)).toBe('1890-01-01T00:00:00.000Z');
    for (const ms of [0, Date.parse('2026-10-31T16:30:00Z'), 1_700_000_000_123]) expect(Date.parse(officeRfc3339(ms, shanghai))).toBe(ms);
  });
});

describe('csvChunks', () => {
  const report = (rows: Report['sections'][number]['rows'], footer?: Report['sections'][number]['footer']): Report => ({
    kind: 'test',
    calendar: shanghai,
    filename: { ascii: 't', unicode: 't' },
    sections: [
      {
        name: 'only',
        columns: [
          { key: 'name', kind: 'text' },
          { key: 'amount', kind: 'money' },
          { key: 'at', kind: 'instant' },
          { key: 'hours', kind: 'hours' },
          { key: 'n', kind: 'integer' },
        ],
        rows,
        ...(footer ? { footer } : {}),
      },
    ],
  });

  it('starts with the UTF-8 BOM and a header naming fen and yuan columns; money in integer fen and exact yuan', async () => {
    const s = await text(
      report(
        [
          ['上海蓝序, "AI"', 123_456, Date.parse('2026-10-01T00:00:00Z'), '52.000', 3],
          ['=cmd', -5, null, null, null],
          ['big', 10n ** 20n, 0, '0.001', 2n ** 60n],
        ],
        [['total', 0, null, null, null]],
      ),
    );
    expect(s.startsWith(utf8_bom)).toBe(true);
    const lines = s.slice(1).split('\r\n');
    expect(lines[0]).toBe('name,amount_fen,amount_yuan,at (Asia/Shanghai),hours,n');
    expect(lines[1]).toBe('"上海蓝序, ""AI""",123456,1234.56,2026-10-01T08:00:00+08:00,52.000,3');
    expect(lines[2]).toBe("'=cmd,-5,-0.05,,,");
    expect(lines[3]).toBe('big,100000000000000000000,1000000000000000000.00,1970-01-01T08:00:00+08:00,0.001,1152921504606846976');
    expect(lines[4]).toBe('total,0,0.00,,,');
    expect(lines[5]).toBe('');
    expect(parse(s.slice(1), { columns: true })[0]).toEqual({
      name: '上海蓝序, "AI"',
      amount_fen: '123456',
      amount_yuan: '1234.56',
      'at (Asia/Shanghai)': '2026-10-01T08:00:00+08:00',
      hours: '52.000',
      n: '3',
    });
  });

  it('streams rows as they are produced, in chunks, from an async source', async () => {
    let produced = 0;
    async function* rows() {
      for (let i = 0; i < 1200; i++) {
        produced++;
        yield [`r${i}`, i, 0, '1.000', i] as const;
      }
    }
    const it = csvChunks(report(rows()))[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(utf8_bom);
    expect((await it.next()).value).toBe('name,amount_fen,amount_yuan,at (Asia/Shanghai),hours,n\r\n');
    await it.next(); // the first chunk of rows
    expect(produced).toBeLessThan(1200);
    await it.return?.(undefined);
    const whole = await new Promise<string>((resolve, reject) => {
      let s = '';
      csvStream(report(rows()))
        .on('data', (b: Buffer) => {
          s += b.toString('utf8');
        })
        .on('end', () => resolve(s))
        .on('error', reject);
    });
    expect(whole.split('\r\n')).toHaveLength(1 + 1200 + 1);
  });

  it('writes several sections each under a row with its name, a blank line between', async () => {
    const s = await text({
      kind: 't',
      calendar: shanghai,
      filename: { ascii: 't', unicode: 't' },
      sections: [
        { name: 'claim', columns: [{ key: 'id', kind: 'text' }], rows: [['c1']] },
        {
          name: 'lines',
          columns: [
            { key: 'rule', kind: 'text' },
            { key: 'subsidy', kind: 'money' },
          ],
          rows: [['r', 1]],
        },
      ],
    });
    expect(s).toBe(`${utf8_bom}claim\r\nid\r\nc1\r\n\r\nlines\r\nrule,subsidy_fen,subsidy_yuan\r\nr,1,0.01\r\n`);
  });

  it('refuses a row that does not fit its columns, or money that is not integer fen', async () => {
    await expect(text(report([['x', 1, 0, '1.000']]))).rejects.toThrow(/4 cells under 5 columns/);
    await expect(text(report([['x', '1.00', 0, '1.000', 1]]))).rejects.toThrow(/integer fen/);
  });
});
