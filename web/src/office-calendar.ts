// The program office's calendar in the dashboard: the days and months a person picks or reads are the office's, in its
// IANA time zone (GET /me answers it; Asia/Shanghai by default), while the API takes and answers RFC 3339 instants.
// Offsets come from the browser's time-zone database through Intl, never from a fixed number, so that a zone with
// daylight saving time gets its 23- and 25-hour days right. The server has its own (src/domain/calendar.ts): the
// dashboard is its own program and imports none of the server's code.

export const default_time_zone = 'Asia/Shanghai';

const hour_ms = 3_600_000;
const pad2 = (n: number) => String(n).padStart(2, '0');
const day_re = /^(\d{4})-(\d{2})-(\d{2})$/;
const month_re = /^(\d{4})-(\d{2})$/;

function parseDay(day: string): number {
  const m = day_re.exec(day);
  const ms = m === null ? Number.NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) throw new RangeError(`not a day: ${JSON.stringify(day)} (YYYY-MM-DD)`);
  return ms;
}

/** The calendar day `n` days after `day` (YYYY-MM-DD; n may be negative): dates, not instants, so no zone. */
export function addDays(day: string, n: number): string {
  return new Date(parseDay(day) + n * 24 * hour_ms).toISOString().slice(0, 10);
}

/** The month `n` months after `month` (YYYY-MM; n may be negative). */
export function addMonths(month: string, n: number): string {
  const m = month_re.exec(month);
  if (m === null) throw new RangeError(`not a month: ${JSON.stringify(month)} (YYYY-MM)`);
  const i = Number(m[1]) * 12 + Number(m[2]) - 1 + n;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${pad2((i % 12) + 1)}`;
}

/** UTC+8, UTC+5:30, UTC−3 (a minus sign), UTC: how an offset is written beside a time. */
export function offsetText(offset_ms: number): string {
  if (offset_ms === 0) return 'UTC';
  const minutes = Math.abs(offset_ms) / 60_000;
  const rest = minutes % 60;
  return `UTC${offset_ms < 0 ? '−' : '+'}${Math.floor(minutes / 60)}${rest === 0 ? '' : `:${pad2(rest)}`}`;
}

export class OfficeCalendar {
  private readonly parts: Intl.DateTimeFormat;

  /** Throws RangeError for a zone the browser does not know. */
  constructor(readonly time_zone: string) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone: time_zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** The wall clock of an instant in the zone, written as if it were UTC (so that wall − instant is the offset). */
  private wallMs(ms: number): number {
    const f: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
    for (const p of this.parts.formatToParts(ms)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    return Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!);
  }

  /** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: 8 h). */
  offsetMs(ms: number): number {
    return this.wallMs(ms) - Math.floor(ms / 1000) * 1000;
  }

  /** The office day an instant (ms, or RFC 3339) falls on, YYYY-MM-DD. */
  day(at: number | string): string {
    return new Date(this.wallMs(instantMs(at))).toISOString().slice(0, 10);
  }

  /** The office month an instant falls in, YYYY-MM. */
  month(at: number | string): string {
    return this.day(at).slice(0, 7);
  }

  /**
   * The first instant of an office day: its local midnight, or where the zone skips midnight the first instant the day
   * has. Each offset in force around that date gives a candidate; the earliest one that falls on the day (or, for a
   * day the zone skipped altogether, after it) is the start.
   */
  dayStartMs(day: string): number {
    const utc_midnight = parseDay(day);
    const offsets = new Set([-15, 0, 15].map((h) => this.offsetMs(utc_midnight + h * hour_ms)));
    const candidates = [...offsets].map((o) => utc_midnight - o).filter((c) => this.day(c) >= day);
    if (candidates.length === 0) throw new Error(`no start found for ${day} in ${this.time_zone}`); // a broken zone database
    return Math.min(...candidates);
  }

  /** The first instant of an office month (YYYY-MM). */
  monthStartMs(month: string): number {
    if (!month_re.test(month)) throw new RangeError(`not a month: ${JSON.stringify(month)} (YYYY-MM)`);
    return this.dayStartMs(`${month}-01`);
  }

  /** An instant as RFC 3339 with the office's offset, for the API: 2026-11-01T00:00:00+08:00. */
  rfc3339(ms: number): string {
    const offset = this.offsetMs(ms);
    const wall = new Date(this.wallMs(ms)).toISOString().slice(0, 19);
    if (offset === 0) return `${wall}Z`;
    const minutes = Math.abs(offset) / 60_000;
    return `${wall}${offset < 0 ? '-' : '+'}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
  }

  /** The first instant of an office day, as the API takes it. */
  dayStart(day: string): string {
    return this.rfc3339(this.dayStartMs(day));
  }

  /** The first instant of an office month, as the API takes it. */
  monthStart(month: string): string {
    return this.rfc3339(this.monthStartMs(month));
  }

  /** Whether an instant is the first instant of its office day (a period of whole days starts and ends on one). */
  isDayStart(at: number | string): boolean {
    const ms = instantMs(at);
    return this.dayStartMs(this.day(ms)) === ms;
  }

  /** An instant for people: `2026-11-01 02:00 (UTC+8)`, to the minute, with the zone's offset at that instant. */
  instant(at: number | string): string {
    const ms = instantMs(at);
    if (Number.isNaN(ms)) return String(at);
    const wall = new Date(this.wallMs(ms)).toISOString();
    return `${wall.slice(0, 10)} ${wall.slice(11, 16)} (${offsetText(this.offsetMs(ms))})`;
  }
}

function instantMs(at: number | string): number {
  return typeof at === 'number' ? at : Date.parse(at);
}

const calendars = new Map<string, OfficeCalendar>();

/** The calendar of a zone, made once (an Intl formatter is costly to build); the default zone for one not known here. */
export function calendarOf(time_zone: string): OfficeCalendar {
  let c = calendars.get(time_zone);
  if (c === undefined) {
    try {
      c = new OfficeCalendar(time_zone);
    } catch {
      console.error(`time zone ${JSON.stringify(time_zone)} is unknown to this browser; days are shown in ${default_time_zone}`);
      c = calendarOf(default_time_zone);
    }
    calendars.set(time_zone, c);
  }
  return c;
}
