import { describe, expect, it } from 'vitest';
import { formatMonth, monthEndMs, monthOfMs, monthsBetween, monthStartMs, parseMonth, type MonthIndex } from './month.js';
import { OfficeCalendar } from '../calendar.js';

describe('months as integers', () => {
  it('parses and formats YYYY-MM', () => {
    expect(parseMonth('2026-08')).toBe(2026 * 12 + 7);
    expect(formatMonth(parseMonth('2026-08')!)).toBe('2026-08');
    expect(formatMonth(parseMonth('1970-01')!)).toBe('1970-01');
    expect(formatMonth(parseMonth('9999-12')!)).toBe('9999-12');
    expect(formatMonth((parseMonth('2026-12')! + 1) as MonthIndex)).toBe('2027-01');
  });

  it.each(['2026-13', '2026-00', '2026-1', '26-01', '2026-08-01', '1969-12', ' 2026-08', '2026-08 ', '２０２６-08', ''])('refuses %j', (s) => {
    expect(parseMonth(s)).toBeNull();
  });

  it("places instants in the office's month, with exclusive ends", () => {
    const aug = parseMonth('2026-08')!;
    const utc = new OfficeCalendar('UTC');
    expect(monthStartMs(aug, utc)).toBe(Date.parse('2026-08-01T00:00:00Z'));
    expect(monthEndMs(aug, utc)).toBe(Date.parse('2026-09-01T00:00:00Z'));
    expect(monthOfMs(Date.parse('2026-08-31T23:59:59.999Z'), utc)).toBe(aug);
    expect(monthOfMs(Date.parse('2026-09-01T00:00:00Z'), utc)).toBe(aug + 1);
    expect(monthEndMs(parseMonth('2026-12')!, utc)).toBe(Date.parse('2027-01-01T00:00:00Z'));
    const beijing = new OfficeCalendar('Asia/Shanghai');
    expect(monthStartMs(aug, beijing)).toBe(Date.parse('2026-07-31T16:00:00Z'));
    expect(monthOfMs(Date.parse('2026-10-31T16:30:00Z'), beijing)).toBe(parseMonth('2026-11'));
    expect(monthOfMs(Date.parse('2026-10-31T15:59:59Z'), beijing)).toBe(parseMonth('2026-10'));
  });

  it('lists the months of a range, both ends included, and refuses an empty one', () => {
    expect(monthsBetween(parseMonth('2026-11')!, parseMonth('2027-02')!).map(formatMonth)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(monthsBetween(parseMonth('2026-11')!, parseMonth('2026-11')!)).toHaveLength(1);
    expect(() => monthsBetween(parseMonth('2026-11')!, parseMonth('2026-10')!)).toThrow(RangeError);
  });
});
