// The program office's calendar: the days, months and years that money and reports are counted in are the office's,
// in its IANA time zone (Asia/Shanghai by default, SUANLI_TIME_ZONE), while instants stay UTC. Zone arithmetic comes
// from the platform's time-zone database through Intl, never from a fixed offset, so that a zone with daylight saving
// time gets its days of 23 and 25 hours right.
//
// Every zone offset in the database, and every change of offset, falls on a quarter hour; so does every day's start.
// The calendar therefore reads the zone once per quarter hour of UTC it is asked about and keeps what it read.

export const default_time_zone = 'Asia/Shanghai';

/** A zone's canonical name, or null when the platform does not know it. */
export function canonicalTimeZone(name: string): string | null {
  if (name.trim() === '' || name !== name.trim()) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const quarter_ms = 900_000;
/** Entries each cache keeps before it starts over: about a year of quarter hours (a few MB at most). */
const cache_entries_max = 40_000;

const two = (n: number) => String(n).padStart(2, '0');
const four = (n: number) => (n < 0 ? `-${String(-n).padStart(4, '0')}` : String(n).padStart(4, '0'));

/** Local wall-clock fields of an instant. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  offset_ms: number;
}

export class OfficeCalendar {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();
  private readonly days = new Map<number, string>();

  constructor(readonly time_zone: string = default_time_zone) {
    const canonical = canonicalTimeZone(time_zone);
    if (canonical === null) throw new RangeError(`unknown time zone ${JSON.stringify(time_zone)}: an IANA name such as Asia/Shanghai`);
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: canonical,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: 8 h). */
  offsetMs(ms: number): number {
    const q = Math.floor(ms / quarter_ms);
    let offset = this.offsets.get(q);
    if (offset === undefined) {
      const at = q * quarter_ms;
      const p = this.wallClock(at);
      offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
      if (this.offsets.size >= cache_entries_max) this.offsets.clear();
      this.offsets.set(q, offset);
    }
    return offset;
  }

  private wallClock(ms: number): Omit<LocalTime, 'offset_ms'> {
    const f: Record<string, string> = {};
    for (const part of this.format.formatToParts(ms)) f[part.type] = part.value;
    const year = f.era === 'BC' || f.era === 'B' ? 1 - Number(f.year) : Number(f.year);
    // Date.UTC reads years 0–99 as 1900–1999; those instants are far outside any program, but stay exact
    return { year, month: Number(f.month), day: Number(f.day), hour: Number(f.hour), minute: Number(f.minute), second: Number(f.second) };
  }

  /** The wall-clock time of an instant in the office zone. */
  local(ms: number): LocalTime {
    const offset_ms = this.offsetMs(ms);
    const d = new Date(ms + offset_ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      offset_ms,
    };
  }

  /** The office's day an instant falls in, as YYYY-MM-DD: daily rollups are keyed by it. */
  day(ms: number): string {
    const q = Math.floor(ms / quarter_ms);
    let day = this.days.get(q);
    if (day === undefined) {
      const l = this.local(q * quarter_ms);
      day = `${four(l.year)}-${two(l.month)}-${two(l.day)}`;
      if (this.days.size >= cache_entries_max) this.days.clear();
      this.days.set(q, day);
    }
    return day;
  }

  /** The office's month an instant falls in, as YYYY-MM. */
  month(ms: number): string {
    return this.day(ms).slice(0, -3);
  }

  /** The office's calendar year an instant falls in: caps are per year. */
  year(ms: number): number {
    return this.local(ms).year;
  }

  /**
   * The first instant of an office day (YYYY-MM-DD): its local midnight, or, where a zone skips midnight, the first
   * instant the day has. The quarter hours around the UTC midnight of that date are searched for where the day turns.
   */
  dayStartMs(day: string): number {
    const m = /^(-?\d{4,})-(\d{2})-(\d{2})$/.exec(day);
    if (m === null) throw new RangeError(`not a day: ${JSON.stringify(day)} (YYYY-MM-DD)`);
    const utc_midnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (Number.isNaN(utc_midnight)) throw new RangeError(`not a day: ${JSON.stringify(day)}`);
    const key = `${four(new Date(utc_midnight).getUTCFullYear())}-${m[2]}-${m[3]}`;
    // offsets lie within ±18 h: the day starts in (utc_midnight − 18 h, utc_midnight + 18 h]
    let lo = Math.floor((utc_midnight - 18 * 3_600_000) / quarter_ms); // day(lo) < key
    let hi = Math.ceil((utc_midnight + 18 * 3_600_000) / quarter_ms); // day(hi) ≥ key
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.day(mid * quarter_ms) < key) lo = mid;
      else hi = mid;
    }
    return hi * quarter_ms;
  }

  /** The first instant of an office month (YYYY-MM). */
  monthStartMs(month: string): number {
    return this.dayStartMs(`${month}-01`);
  }

  /** The first instant of the office month `n` months after the one `ms` falls in (n may be negative). */
  monthStartAfter(ms: number, n: number): number {
    const l = this.local(ms);
    const i = l.year * 12 + (l.month - 1) + n;
    const year = Math.floor(i / 12);
    return this.monthStartMs(`${four(year)}-${two(i - year * 12 + 1)}`);
  }

  /**
   * The same wall-clock time `n` months later in the office zone, on the same day of the month or the month's last
   * day when it is shorter (31 January + 1 month: 28 or 29 February). A time the zone skips that day moves forward.
   */
  addMonths(ms: number, n: number): number {
    const l = this.local(ms);
    const i = l.year * 12 + (l.month - 1) + n;
    const year = Math.floor(i / 12);
    const month = i - year * 12; // 0-based
    const last_day = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const wall = Date.UTC(year, month, Math.min(l.day, last_day), l.hour, l.minute, l.second, ((ms % 1000) + 1000) % 1000);
    return this.fromWallClock(wall);
  }

  /** The instant a wall-clock time (given as if it were UTC) names in the office zone; the later offset in a fold. */
  private fromWallClock(wall: number): number {
    const first = wall - this.offsetMs(wall);
    const second = wall - this.offsetMs(first);
    return this.offsetMs(second) === wall - second ? second : Math.max(first, second);
  }

  /** The first instant of an office year. */
  yearStartMs(year: number): number {
    return this.dayStartMs(`${four(year)}-01-01`);
  }

  /** The office day after `day`. */
  nextDay(day: string): string {
    // a day lasts 23 to 25 hours (a zone that skipped a day makes the next one the day after): 36 h in is the next
    return this.day(this.dayStartMs(day) + 36 * 3_600_000);
  }

  /** An instant for people: `2026-11-01 02:00 (UTC+8)`, minutes and the offset of that instant in the office zone. */
  formatInstant(ms: number): string {
    const l = this.local(ms);
    return `${four(l.year)}-${two(l.month)}-${two(l.day)} ${two(l.hour)}:${two(l.minute)} (${formatOffset(l.offset_ms)})`;
  }
}

/** UTC+8, UTC−3:30, UTC. */
export function formatOffset(offset_ms: number): string {
  if (offset_ms === 0) return 'UTC';
  const minutes = Math.abs(offset_ms) / 60_000;
  const h = Math.floor(minutes / 60);
  const m = minutes - h * 60;
  return `UTC${offset_ms < 0 ? '−' : '+'}${h}${m === 0 ? '' : `:${two(m)}`}`;
}

/** The UTC calendar year of an instant: for facts that are UTC by definition (none of the office's money). */
export function utcYear(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

/** The UTC day of an instant, as YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
