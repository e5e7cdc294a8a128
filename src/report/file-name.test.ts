import { describe, expect, it } from 'vitest';
import { asciiFileName, contentDisposition, rfc5987, safeFileName } from './file-name.js';

describe('export file names', () => {
  it('gives an ASCII filename and an RFC 5987 filename* for Chinese names', () => {
    const h = contentDisposition({ ascii: 'sh-voucher-report', unicode: '上海市算力券（市级）-report' }, 'xlsx');
    expect(h).toBe(`attachment; filename="sh-voucher-report.xlsx"; filename*=UTF-8''${encodeURIComponent('上海市算力券（市级）-report.xlsx')}`);
    expect(decodeURIComponent(h.split("UTF-8''")[1]!)).toBe('上海市算力券（市级）-report.xlsx');
  });

  it('leaves filename* out when the name is ASCII already', () => {
    expect(contentDisposition({ ascii: 'claims-paid', unicode: 'claims-paid' }, 'csv')).toBe('attachment; filename="claims-paid.csv"');
  });

  it('keeps quotes, separators, control characters and header syntax out of the names', () => {
    expect(safeFileName('a/b\\c:"d"\u0000e|f?g*h<i>j')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(safeFileName('..hidden')).toBe('hidden');
    expect(safeFileName('')).toBe('export');
    expect(asciiFileName('蓝序 AI; x=1, 100%')).toBe('_ AI_ x=1_ 100_');
    const h = contentDisposition({ ascii: 'x"; filename=evil', unicode: "it's (a) *test*" }, 'csv');
    expect(h).toBe(`attachment; filename="x__ filename=evil.csv"; filename*=UTF-8''it%27s%20%28a%29%20_test_.csv`);
    expect(rfc5987("'()*")).toBe("UTF-8''%27%28%29%2A");
  });

  it('bounds the length', () => {
    expect([...safeFileName('算'.repeat(400))]).toHaveLength(150);
  });
});
