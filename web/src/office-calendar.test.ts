import { describe, expect, it } from 'vitest';
import { addDays, addMonths, calendarOf, default_time_zone, OfficeCalendar, offsetText } from './office-calendar.js';

const beijing = new OfficeCalendar('Asia/Shanghai');
const berlin = new OfficeCalendar('Europe/Berlin');
const ms = Date.parse;

describe('the office calendar in Beijing time', () => {
  it('puts an instant on the office day and month it falls in, not the UTC one', () => {
    expect(beijing.day('2026-10-31T16:30:00Z')).toBe('2026-11-01');
    expect(beijing.month('2026-10-31T16:30:00Z')).toBe('2026-11');
    expect(beijing.day('2026-10-31T15:59:59.999Z')).toBe('2026-10-31');
    expect(beijing.day(ms('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
  });
  it('starts a day and a month at local midnight and sends it with the offset', () => {
    expect(beijing.dayStartMs('2026-11-01')).toBe(ms('2026-10-31T16:00:00Z'));
    expect(beijing.monthStartMs('2026-11')).toBe(ms('2026-10-31T16:00:00Z'));
    expect(beijing.dayStart('2026-11-01')).toBe('2026-11-01T00:00:00+08:00');
    expect(beijing.monthStart('2026-11')).toBe('2026-11-01T00:00:00+08:00');
    expect(ms(beijing.monthStart('2026-11'))).toBe(ms('2026-10-31T16:00:00Z'));
    expect(ms(beijing.dayStart('2026-12-01')) - ms(beijing.dayStart('2026-11-01'))).toBe(30 * 86_400_000);
    expect(beijing.isDayStart('2026-10-31T16:00:00.000Z')).toBe(true);
    expect(beijing.isDayStart('2026-11-01T00:00:00Z')).toBe(false);
  });
  it('shows an instant to people in the office zone with its offset', () => {
    expect(beijing.instant('2026-10-31T18:00:00Z')).toBe('2026-11-01 02:00 (UTC+8)');
    expect(beijing.instant(ms('2026-10-31T18:00:59.999Z'))).toBe('2026-11-01 02:00 (UTC+8)');
    expect(beijing.instant('not a time')).toBe('not a time');
  });
});

describe('a zone with daylight saving time (Europe/Berlin)', () => {
  it('has a 23-hour day in spring and a 25-hour day in autumn', () => {
    expect(berlin.dayStartMs('2026-03-29')).toBe(ms('2026-03-28T23:00:00Z'));
    expect(berlin.dayStartMs('2026-03-30') - berlin.dayStartMs('2026-03-29')).toBe(23 * 3_600_000);
    expect(berlin.dayStartMs('2026-10-26') - berlin.dayStartMs('2026-10-25')).toBe(25 * 3_600_000);
    expect(berlin.dayStart('2026-03-30')).toBe('2026-03-30T00:00:00+02:00');
  });
  it('gives each instant the offset in force then', () => {
    expect(berlin.instant('2026-03-29T00:59:00Z')).toBe('2026-03-29 01:59 (UTC+1)');
    expect(berlin.instant('2026-03-29T01:00:00Z')).toBe('2026-03-29 03:00 (UTC+2)');
    expect(berlin.day('2026-03-29T22:00:00Z')).toBe('2026-03-30');
    expect(berlin.month('2026-10-31T23:30:00Z')).toBe('2026-11');
  });
  it('starts a month at local midnight whatever the offset', () => {
    expect(berlin.monthStartMs('2026-04')).toBe(ms('2026-03-31T22:00:00Z'));
    expect(berlin.monthStartMs('2026-11')).toBe(ms('2026-10-31T23:00:00Z'));
  });
});

describe('zones that skip midnight or a whole day', () => {
  it('starts a day whose midnight is skipped at its first instant (Santiago, 2026-09-06 begins at 01:00)', () => {
    const santiago = new OfficeCalendar('America/Santiago');
    const start = santiago.dayStartMs('2026-09-06');
    expect(santiago.instant(start)).toBe('2026-09-06 01:00 (UTC−3)');
    expect(santiago.day(start - 1)).toBe('2026-09-05');
  });
  it('starts a skipped day where the next one starts (Apia went from 29 to 31 December 2011)', () => {
    const apia = new OfficeCalendar('Pacific/Apia');
    expect(apia.dayStartMs('2011-12-30')).toBe(apia.dayStartMs('2011-12-31'));
  });
});

describe('date arithmetic and refusals', () => {
  it('adds days and months to dates', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -3)).toBe('2025-10');
  });
  it('refuses what is not a day or a month', () => {
    expect(() => beijing.dayStartMs('2026-02-30')).toThrow(RangeError);
    expect(() => beijing.dayStartMs('2026-11')).toThrow(RangeError);
    expect(() => beijing.monthStartMs('2026-11-01')).toThrow(RangeError);
    expect(() => addMonths('2026-1', 1)).toThrow(RangeError);
    expect(() => new OfficeCalendar('Mars/Olympus_Mons')).toThrow(RangeError);
  });
  it('writes offsets as people read them, and falls back to Beijing for a zone the browser does not know', () => {
    expect(offsetText(8 * 3_600_000)).toBe('UTC+8');
    expect(offsetText(5.5 * 3_600_000)).toBe('UTC+5:30');
    expect(offsetText(-3 * 3_600_000)).toBe('UTC−3');
    expect(offsetText(0)).toBe('UTC');
    expect(new OfficeCalendar('UTC').dayStart('2026-11-01')).toBe('2026-11-01T00:00:00Z');
    const errors: unknown[] = [];
    const was = console.error;
    console.error = (...a: unknown[]) => {
      errors.push(a);
    };
    try {
      expect(calendarOf('Mars/Olympus_Mons').time_zone).toBe(default_time_zone);
    } finally {
      console.error = was;
    }
    expect(errors).toHaveLength(1);
    expect(calendarOf('Asia/Shanghai')).toBe(calendarOf('Asia/Shanghai'));
  });
});
