// The days and instants that bound an export, as the API and `suanli report` read them: a day is the office's (its
// first instant in the office zone), an instant is RFC 3339 with its own offset.
import type { OfficeCalendar } from '../domain/calendar.js';

const day_pattern = /^\d{4}-\d{2}-\d{2}$/;
const instant_pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** YYYY-MM-DD naming a day of the calendar (not 2026-02-30); days have the same names in every zone. */
export function isCalendarDay(day: string): boolean {
  if (!day_pattern.test(day)) return false;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/**
 * An office day YYYY-MM-DD (its first instant in the office zone: 2026-11-01 in Beijing is 2026-10-31T16:00:00Z) or an
 * RFC 3339 instant with a zone; null when `value` is neither.
 */
export function dayOrInstantMs(value: string, calendar: OfficeCalendar): number | null {
  if (day_pattern.test(value)) return isCalendarDay(value) ? calendar.dayStartMs(value) : null;
  return isInstant(value) ? Date.parse(value) : null;
}

/** An RFC 3339 instant with its zone (Z or an offset). */
export function isInstant(value: string): boolean {
  return instant_pattern.test(value) && !Number.isNaN(Date.parse(value));
}
