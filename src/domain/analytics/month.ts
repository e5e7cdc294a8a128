// The office's calendar months (src/domain/calendar.ts) as integers, so that ranges, gaps and trend lines are plain integer arithmetic:
// a month index is year × 12 + (month − 1); 2026-08 is 24,319.

import type { OfficeCalendar } from '../calendar.js';

export type MonthIndex = number & { readonly __brand: 'MonthIndex' };

const month_pattern = /^(\d{4})-(\d{2})$/;
const year_min = 1970;
const year_max = 9999;

/** "2026-08" → its index; null for anything that is not a month from 1970-01 to 9999-12. */
export function parseMonth(s: string): MonthIndex | null {
  const m = month_pattern.exec(s);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (year < year_min || year > year_max || month < 1 || month > 12) return null;
  return (year * 12 + month - 1) as MonthIndex;
}

export function formatMonth(i: MonthIndex): string {
  const year = Math.floor(i / 12);
  const month = i - year * 12 + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The office's month an instant falls in. */
export function monthOfMs(ms: number, calendar: OfficeCalendar): MonthIndex {
  const l = calendar.local(ms);
  return (l.year * 12 + l.month - 1) as MonthIndex;
}

/** The first instant of the office month. */
export function monthStartMs(i: MonthIndex, calendar: OfficeCalendar): number {
  return calendar.monthStartMs(formatMonth(i));
}

/** The end of the office month, exclusive: the first instant of the next one. */
export function monthEndMs(i: MonthIndex, calendar: OfficeCalendar): number {
  return monthStartMs((i + 1) as MonthIndex, calendar);
}

/** Months from `from` to `to`, both included; `to` before `from` is a caller's bug. */
export function monthsBetween(from: MonthIndex, to: MonthIndex): MonthIndex[] {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from <= to)) throw new RangeError(`month range ${from}..${to} is empty or not whole`);
  return Array.from({ length: to - from + 1 }, (_, k) => (from + k) as MonthIndex);
}
