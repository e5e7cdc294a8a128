import { describe, expect, it } from 'vitest';
import { parseCsv, parseJson } from './provider-upload.js';

const t = (k: string, v?: Record<string, string | number>) => `${k}${v ? JSON.stringify(v) : ''}`;

describe('reading a usage file in the browser', () => {
  it('reads CSV with quoting, a BOM and blank lines; numbers in the integer columns; each row with the line it starts on', () => {
    const text =
      '\ufeffrecord_id,cluster_id,count,amount_fen,job_ref\r\n' +
      'r1,c1,8,1200,"train, step 1"\r\n' +
      '\r\n' +
      'r2,c1,2,0350,"two\nlines"\n' +
      'r3,c1,x,5,\n' +
      'r4,c1\n';
    const p = parseCsv(text, t);
    expect(p.records).toEqual([
      { record_id: 'r1', cluster_id: 'c1', count: 8, amount_fen: 1200, job_ref: 'train, step 1' },
      { record_id: 'r2', cluster_id: 'c1', count: 2, amount_fen: 350, job_ref: 'two\nlines' },
      { record_id: 'r3', cluster_id: 'c1', count: 'x', amount_fen: 5 },
    ]);
    expect(p.lines).toEqual([2, 4, 6]);
    expect(p.errors).toEqual([{ line: 7, record_id: 'r4', code: 'parse_error', field: null, message: 'provider.upload.csv_cells{"n":2,"m":5}' }]);
  });

  it('refuses a CSV file without a record_id column, and an unterminated quote, as one error', () => {
    expect(parseCsv('a,b\n1,2\n', t)).toMatchObject({ records: [], errors: [{ line: 1, message: 'provider.upload.csv_header' }] });
    const bad = parseCsv('record_id,count\n"r1,2\n', t);
    expect(bad.records).toEqual([]);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]!.code).toBe('parse_error');
  });

  it('reads JSON Lines, a JSON array and a batch body; a bad line is an error with its line and record id', () => {
    expect(parseJson('{"record_id":"a"}\n\n{"record_id":"b"}\n', t)).toMatchObject({
      records: [{ record_id: 'a' }, { record_id: 'b' }],
      lines: [1, 3],
      errors: [],
      format: 'jsonl',
    });
    expect(parseJson('[{"record_id":"a"}]', t)).toMatchObject({ records: [{ record_id: 'a' }], format: 'json' });
    expect(parseJson('{"records":[{"record_id":"a"}]}', t)).toMatchObject({ records: [{ record_id: 'a' }], format: 'json' });
    const bad = parseJson('{"record_id":"a"}\n{"record_id":"b",\n[1]\n', t);
    expect(bad.errors.map((e) => [e.line, e.record_id])).toEqual([
      [2, 'b'],
      [3, null],
    ]);
  });
});
