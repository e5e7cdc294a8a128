import { describe, expect, it } from 'vitest';
import { formatPeriod } from './claims-shared.js';
import { formatMonth } from '../i18n/format.js';
import { OfficeCalendar } from '../office-calendar.js';

const inZone = (time_zone: string) => {
  const calendar = new OfficeCalendar(time_zone);
  return { calendar, month: (m: string) => formatMonth(m, 'en'), instant: (iso: string) => calendar.instant(iso) };
};

describe('a claim period for people, in the office calendar', () => {
  it('names a whole Beijing month by its name, whatever the UTC form of its bounds', () => {
    const beijing = inZone('Asia/Shanghai');
    expect(formatPeriod('2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z', beijing)).toBe('Nov 2026');
    expect(formatPeriod('2026-11-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00', beijing)).toBe('Nov 2026 – Dec 2026');
  });
  it('gives whole office days as first and last day, and anything else as its instants with the offset', () => {
    const beijing = inZone('Asia/Shanghai');
    expect(formatPeriod('2026-11-09T16:00:00Z', '2026-11-19T16:00:00Z', beijing)).toBe('2026-11-10 – 2026-11-19');
    // Midnight UTC is 08:00 in Beijing: not a whole day there.
    expect(formatPeriod('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', beijing)).toBe('2026-11-01 08:00 (UTC+8) – 2026-12-01 08:00 (UTC+8)');
  });
  it('follows a zone with daylight saving time across its change of offset', () => {
    const berlin = inZone('Europe/Berlin');
    expect(formatPeriod('2026-02-28T23:00:00Z', '2026-03-31T22:00:00Z', berlin)).toBe('Mar 2026');
  });
});
