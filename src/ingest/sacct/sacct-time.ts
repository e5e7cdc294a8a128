// sacct's Start and End: `YYYY-MM-DDTHH:MM:SS` in the local time of the sacct process, with no zone (shared/data/
// slurm-sacct.md); run `TZ=UTC sacct …` so that they are UTC. `--tz` names the fixed offset they were printed in when
// that was not done. `Unknown` or `None` mean unset (not started, or still running).

export const sacct_time_limits = {
  /** the largest fixed offset --tz accepts (UTC−14:00 … UTC+14:00 holds every zone in use) */
  offset_min_max: 14 * 60,
} as const;

const offset_text = /^([+-])(\d{2}):?(\d{2})$/;

/** `UTC` (or `Z`) → 0, `+08:00` / `+0800` → 480, `-05:30` → -330; null when not a fixed offset within ±14:00. */
export function parseTimeZone(text: string): number | null {
  const t = text.trim();
  if (t.toUpperCase() === 'UTC' || t === 'Z') return 0;
  const m = offset_text.exec(t);
  if (m === null) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (minutes > 59) return null;
  const offset = (hours * 60 + minutes) * (m[1] === '-' ? -1 : 1);
  return Math.abs(offset) > sacct_time_limits.offset_min_max ? null : offset;
}

/** Whether a Start or End field says the instant is not known (never started, or still running). */
export function isUnsetTime(text: string): boolean {
  return text === 'Unknown' || text === 'None' || text === '';
}

/** The number written by the digits text[from, to), or -1 when one of them is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A sacct timestamp as epoch milliseconds, read in the given offset (minutes east of UTC); a timestamp that carries its
 * own offset (SLURM_TIME_FORMAT=%FT%T%z) is read in that one. Null when it is not a valid timestamp.
 * Read by position rather than by a regular expression: two of them per job, millions of jobs.
 */
export function parseSacctTime(text: string, offset_min: number): number | null {
  if (text.length < 19 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return null;
  let offset = offset_min;
  if (text.length > 19) {
    const zone = text.slice(19);
    const own = zone === 'Z' ? 0 : offset_text.test(zone) ? parseTimeZone(zone) : null;
    if (own === null) return null;
    offset = own;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** An instant as RFC 3339 UTC without fractional seconds: `2026-03-01T09:00:02Z`. */
export function utcInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}Z`;
}
