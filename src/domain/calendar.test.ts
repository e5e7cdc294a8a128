import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, formatOffset, OfficeCalendar, utcDay, utcYear } from './calendar.js';

const at = (iso: string) => Date.parse(iso);

describe('the office calendar (Asia/Shanghai, the default)', () => {
  const c = new OfficeCalendar();

  it('a day turns at midnight Beijing time, 16:00 UTC', () => {
    expect(c.time_zone).toBe('Asia/Shanghai');
    expect(c.day(at('2026-10-31T16:30:00Z'))).toBe('2026-11-01');
    expect(c.day(at('2026-10-31T15:59:59.999Z'))).toBe('2026-10-31');
    expect(c.day(at('2026-10-31T16:00:00Z'))).toBe('2026-11-01');
    expect(c.month(at('2026-10-31T16:30:00Z'))).toBe('2026-11');
    expect(c.month(at('2026-10-31T15:59:59Z'))).toBe('2026-10');
    expect(c.dayStartMs('2026-11-01')).toBe(at('2026-10-31T16:00:00Z'));
    expect(c.monthStartMs('2026-11')).toBe(at('2026-10-31T16:00:00Z'));
    expect(c.monthStartAfter(at('2026-10-31T16:30:00Z'), 1)).toBe(at('2026-11-30T16:00:00Z'));
    expect(c.monthStartAfter(at('2026-01-15T00:00:00Z'), -1)).toBe(at('2025-11-30T16:00:00Z'));
  });

  it('a year turns at midnight Beijing time: caps are per office year', () => {
    expect(c.year(at('2026-12-31T15:59:59Z'))).toBe(2026);
    expect(c.year(at('2026-12-31T16:00:00Z'))).toBe(2027);
    expect(c.yearStartMs(2027)).toBe(at('2026-12-31T16:00:00Z'));
  });

  it('adds months at the same wall-clock time, clamped to shorter months', () => {
    const utc = new OfficeCalendar('UTC');
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(iso(utc.addMonths(at('2026-01-31T08:30:00Z'), 1))).toBe('2026-02-28T08:30:00.000Z');
    expect(iso(utc.addMonths(at('2028-01-31T00:00:00Z'), 1))).toBe('2028-02-29T00:00:00.000Z'); // leap year
    expect(iso(utc.addMonths(at('2028-02-29T00:00:00Z'), 12))).toBe('2029-02-28T00:00:00.000Z');
    expect(iso(utc.addMonths(at('2026-03-31T23:59:59.999Z'), 1))).toBe('2026-04-30T23:59:59.999Z');
    expect(iso(utc.addMonths(at('2026-08-31T00:00:00Z'), 6))).toBe('2027-02-28T00:00:00.000Z');
    expect(iso(c.addMonths(at('2026-01-30T16:30:00Z'), 1))).toBe('2026-02-27T16:30:00.000Z'); // 31 Jan 00:30 Beijing → 28 Feb 00:30
    expect(iso(c.addMonths(at('2026-12-15T00:00:00Z'), -12))).toBe('2025-12-15T00:00:00.000Z');
    // across a change of offset: 00:30 on 1 March in Berlin (UTC+1) → 00:30 on 1 April (UTC+2)
    expect(iso(new OfficeCalendar('Europe/Berlin').addMonths(at('2026-02-28T23:30:00Z'), 1))).toBe('2026-03-31T22:30:00.000Z');
  });

  it('shows an instant with its offset, never as a bare UTC time', () => {
    expect(c.formatInstant(at('2026-10-31T18:00:00Z'))).toBe('2026-11-01 02:00 (UTC+8)');
    expect(c.nextDay('2026-12-31')).toBe('2027-01-01');
  });
});

describe('a zone with daylight saving time (Europe/Berlin)', () => {
  const b = new OfficeCalendar('Europe/Berlin');

  it('has a day of 23 hours in spring and one of 25 in autumn', () => {
    const hours = (day: string) => (b.dayStartMs(b.nextDay(day)) - b.dayStartMs(day)) / 3_600_000;
    expect(hours('2026-03-29')).toBe(23);
    expect(hours('2026-10-25')).toBe(25);
    expect(hours('2026-07-01')).toBe(24);
    expect(b.dayStartMs('2026-03-29')).toBe(at('2026-03-28T23:00:00Z'));
    expect(b.dayStartMs('2026-03-30')).toBe(at('2026-03-29T22:00:00Z'));
    expect(b.day(at('2026-10-25T22:59:59Z'))).toBe('2026-10-25');
    expect(b.day(at('2026-10-25T23:00:00Z'))).toBe('2026-10-26');
    expect(b.formatInstant(at('2026-10-25T00:30:00Z'))).toBe('2026-10-25 02:30 (UTC+2)');
    expect(b.formatInstant(at('2026-10-25T01:30:00Z'))).toBe('2026-10-25 02:30 (UTC+1)');
  });
});

describe('zones whose days do not start at a whole hour, or at midnight', () => {
  it('Asia/Kathmandu (UTC+5:45)', () => {
    const k = new OfficeCalendar('Asia/Kathmandu');
    expect(k.dayStartMs('2026-01-01')).toBe(at('2025-12-31T18:15:00Z'));
    expect(k.formatInstant(at('2026-01-01T00:00:00Z'))).toBe('2026-01-01 05:45 (UTC+5:45)');
  });

  it('America/Santiago skips midnight when its summer time starts: the day starts at 01:00', () => {
    const s = new OfficeCalendar('America/Santiago');
    expect(s.formatInstant(s.dayStartMs('2026-09-06'))).toBe('2026-09-06 01:00 (UTC−3)');
    expect(s.day(s.dayStartMs('2026-09-06') - 1)).toBe('2026-09-05');
  });

  it('Pacific/Apia skipped 30 December 2011: the day after the 29th is the 31st', () => {
    expect(new OfficeCalendar('Pacific/Apia').nextDay('2011-12-29')).toBe('2011-12-31');
  });
});

describe('zone names', () => {
  it('knows IANA names and refuses others', () => {
    expect(canonicalTimeZone('Asia/Shanghai')).toBe('Asia/Shanghai');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
    expect(canonicalTimeZone(' Asia/Shanghai')).toBeNull();
    expect(() => new OfficeCalendar('Beijing')).toThrow(/unknown time zone "Beijing"/);
    expect(() => new OfficeCalendar().dayStartMs('2026-1-1')).toThrow(/not a day/);
  });

  it('formats offsets', () => {
    expect(formatOffset(0)).toBe('UTC');
    expect(formatOffset(8 * 3_600_000)).toBe('UTC+8');
    expect(formatOffset(-(3 * 60 + 30) * 60_000)).toBe('UTC−3:30');
  });
});

describe('UTC days and years (facts that are UTC by definition)', () => {
  it('turn at UTC midnight, before 1970 too', () => {
    const new_year_ms = Date.UTC(2027, 0, 1);
    expect(utcYear(new_year_ms - 1)).toBe(2026);
    expect(utcYear(new_year_ms)).toBe(2027);
    expect(utcDay(new_year_ms - 1)).toBe('2026-12-31');
    expect(utcDay(-1)).toBe('1969-12-31');
  });
});
