// Calendar years and days of an instant. Both are UTC for now: the office zone (Asia/Shanghai) is still to come, and
// when it does, these two are where a day or a year starts.

/** The calendar year an instant falls in (UTC): caps are per year. */
export function utcYear(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

/** The calendar day an instant falls in (UTC), as YYYY-MM-DD: daily rollups are keyed by it. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
