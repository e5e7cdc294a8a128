import { describe, expect, it } from 'vitest';
import { utcDay, utcYear } from './calendar.js';

describe('calendar', () => {
  it('a year and a day turn at UTC midnight', () => {
    const new_year_ms = Date.UTC(2027, 0, 1);
    expect(utcYear(new_year_ms - 1)).toBe(2026);
    expect(utcYear(new_year_ms)).toBe(2027);
    expect(utcDay(new_year_ms - 1)).toBe('2026-12-31');
    expect(utcDay(new_year_ms)).toBe('2027-01-01');
  });

  it('instants before 1970 too', () => {
    expect(utcDay(-1)).toBe('1969-12-31');
    expect(utcYear(-1)).toBe(1969);
  });
});
