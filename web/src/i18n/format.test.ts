import { describe, expect, it } from 'vitest';
import { fenOf, fenShareBp, formatBp, formatDecimal, formatFen, formatFenShort, formatMonth, formatZone, sumFen } from './format.js';

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
  it('basis points as percent, month names and the office zone by name', () => {
    expect(formatBp(6123, 'en')).toBe('61.2%');
    expect(formatBp(null, 'en')).toBe('—');
    expect(formatMonth('2026-08', 'en')).toBe('Aug 2026');
    expect(formatMonth('2026-08', 'zh-CN')).toBe('2026年8月');
    expect(formatZone('Asia/Shanghai', 'zh-CN')).toBe('北京时间');
    expect(formatZone('Asia/Shanghai', 'en')).toBe('Beijing time');
    expect(formatZone('Europe/Berlin', 'en')).toBe('Europe/Berlin');
  });
});

describe('exact money from the API', () => {
  it('formats decimal strings, safe integers and bigints alike, every digit kept', () => {
    expect(formatFen('10000000000000003', 'en')).toBe('¥100,000,000,000,000.03');
    expect(formatFen(10_000_000_000_000_003n, 'zh-CN')).toBe('¥100,000,000,000,000.03');
    expect(formatFen('-37440', 'en')).toBe('−¥374.40');
    expect(formatFen('9223372036854775807', 'en')).toBe('¥92,233,720,368,547,758.07');
  });
  it('refuses what is not whole fen rather than round it', () => {
    expect(() => formatFen(2 ** 53 + 2, 'en')).toThrow(RangeError); // a float that already rounded
    expect(() => formatFen(1.5, 'en')).toThrow(RangeError);
    expect(() => formatFen('1.5', 'en')).toThrow(RangeError);
    expect(() => fenOf('')).toThrow(RangeError);
  });
  it('adds and divides with BigInt', () => {
    expect(sumFen(['9007199254740993', 1, 2n])).toBe(9_007_199_254_740_996n);
    expect(fenShareBp('1', '3')).toBe(3333);
    expect(fenShareBp('2', '3')).toBe(6667); // rounded half up
    expect(fenShareBp('10000000000000003', '20000000000000000')).toBe(5000);
    expect(fenShareBp('5', '0')).toBeNull();
    expect(formatFenShort('100000000000000003', 'zh-CN')).toBe('¥10,000,000亿'); // 1e15 yuan
  });
});
