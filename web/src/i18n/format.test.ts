import { describe, expect, it } from 'vitest';
import { formatBp, formatDecimal, formatFen, formatFenShort, formatInstant, formatMonth } from './format.js';

describe('dashboard formatting', () => {
  it('money is exact integer fen with thousands separators, in both languages', () => {
    expect(formatFen(123456789, 'zh-CN')).toBe('¥1,234,567.89');
    expect(formatFen(123456789, 'en')).toBe('¥1,234,567.89');
    expect(formatFen(5, 'en')).toBe('¥0.05');
    expect(formatFen(-100, 'en')).toBe('−¥1.00');
    // Past 2^53 fen every digit survives (no float on the way).
    expect(formatFen('9007199254740993', 'en')).toBe('¥90,071,992,547,409.93');
  });
  it('short money uses 万/亿 in Chinese and K/M/B in English', () => {
    expect(formatFenShort(1_2345_6700, 'zh-CN')).toBe('¥123.5万');
    expect(formatFenShort(3_0000_0000_00, 'zh-CN')).toBe('¥3亿');
    expect(formatFenShort(1_234_567_00, 'en')).toBe('¥1.23M');
  });
  it('decimal strings keep their digits, grouped, truncated not rounded', () => {
    expect(formatDecimal('1234567.899', 'en', 2)).toBe('1,234,567.89');
    expect(formatDecimal('12.000', 'zh-CN', 1)).toBe('12');
    expect(formatDecimal('-5.5', 'en')).toBe('−5.5');
  });
  it('basis points as percent, months and instants in UTC', () => {
    expect(formatBp(6123, 'en')).toBe('61.2%');
    expect(formatBp(null, 'en')).toBe('—');
    expect(formatMonth('2026-08', 'en')).toBe('Aug 2026');
    expect(formatMonth('2026-08', 'zh-CN')).toBe('2026年8月');
    expect(formatInstant('2026-11-29T23:30:00Z', 'en')).toContain('11/29/2026');
    expect(formatInstant('2026-11-29T23:30:00Z', 'en')).toContain('UTC');
  });
});
