import { describe, expect, it } from 'vitest';
import { burn_horizon_days, burn_window_days, committedAtMonthEnds, committedChange, projectedExhaustionDate, type DailyTransfers } from './budget-burn.js';
import { OfficeCalendar } from '../calendar.js';
import { parseMonth, type MonthIndex } from './month.js';

const day_ms = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
// The figures below were worked in UTC days; the office calendar is a parameter (Beijing cases at the end).
const utc = new OfficeCalendar('UTC');
const beijing = new OfficeCalendar('Asia/Shanghai');
const months = (...ms: string[]) => ms.map((m) => parseMonth(m)!) as MonthIndex[];

describe('budget burn', () => {
  it('counts approvals in, releases and recoveries out, funding and payments not at all', () => {
    expect([
      committedChange('approve', 10n),
      committedChange('release', 10n),
      committedChange('recover', 10n),
      committedChange('pay', 10n),
      committedChange('fund', 10n),
    ]).toEqual([10n, -10n, -10n, 0n, 0n]);
  });

  it('sums what is committed at each month end', () => {
    const t: DailyTransfers[] = [
      { kind: 'fund', at_ms: day('2026-01-01'), amount_fen: 1_000_000n },
      { kind: 'approve', at_ms: day('2026-08-31'), amount_fen: 300n },
      { kind: 'approve', at_ms: day('2026-10-02'), amount_fen: 500n },
      { kind: 'pay', at_ms: day('2026-10-03'), amount_fen: 500n },
      { kind: 'recover', at_ms: day('2026-10-31'), amount_fen: 100n },
      { kind: 'release', at_ms: day('2026-11-01'), amount_fen: 300n },
    ];
    expect(committedAtMonthEnds(t, months('2026-07', '2026-08', '2026-09', '2026-10', '2026-11'), utc)).toEqual([0n, 300n, 300n, 700n, 400n]);
    expect(committedAtMonthEnds([...t].reverse(), months('2026-10'), utc)).toEqual([700n]);
    expect(() => committedAtMonthEnds(t, months('2026-10', '2026-09'), utc)).toThrow(RangeError);
  });

  it(`projects exhaustion from the net committed over the last ${burn_window_days} days`, () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    const today = day('2026-11-29');
    // 9,000 fen committed in the window: 100 fen a day; 5,000 left → 50 days
    const t: DailyTransfers[] = [
      { kind: 'approve', at_ms: today - burn_window_days * day_ms, amount_fen: 1_000_000n }, // one day too old
      { kind: 'approve', at_ms: today - (burn_window_days - 1) * day_ms, amount_fen: 10_000n },
      { kind: 'release', at_ms: today, amount_fen: 1_000n },
      { kind: 'pay', at_ms: today, amount_fen: 7_000n },
    ];
    expect(projectedExhaustionDate(t, 5_000n, now, utc)).toBe('2027-01-18'); // 2026-11-29T12:00 + 50 d
    expect(projectedExhaustionDate(t, 0n, now, utc)).toBe('2026-11-29'); // nothing left: today
    expect(projectedExhaustionDate([], 5_000n, now, utc)).toBeNull();
    expect(projectedExhaustionDate([{ kind: 'recover', at_ms: today, amount_fen: 10n }], 5_000n, now, utc)).toBeNull(); // net negative
    // the horizon: 100 fen a day lasts exactly burn_horizon_days with 100 × horizon fen; one fen more is past it
    expect(projectedExhaustionDate(t, BigInt(100 * burn_horizon_days), now, utc)).toBe(new Date(now + burn_horizon_days * day_ms).toISOString().slice(0, 10));
    expect(projectedExhaustionDate(t, BigInt(100 * burn_horizon_days + 1), now, utc)).toBeNull();
    // a transfer after now (a clock set back) is not history
    expect(projectedExhaustionDate([{ kind: 'approve', at_ms: today + day_ms, amount_fen: 9_000n }], 5_000n, now, utc)).toBeNull();
    expect(() => projectedExhaustionDate(t, -1n, now, utc)).toThrow(RangeError);
  });

  it('stays exact past 2^53: the committed sums and the budget are bigints', () => {
    const big = 2n ** 60n + 3n;
    const t: DailyTransfers[] = [
      { kind: 'approve', at_ms: day('2026-08-31'), amount_fen: big },
      { kind: 'approve', at_ms: day('2026-08-31'), amount_fen: 2n ** 60n },
    ];
    expect(committedAtMonthEnds(t, months('2026-08'), utc)).toEqual([2n ** 61n + 3n]);
  });

  it('stays exact with large budgets', () => {
    const now = Date.parse('2026-11-29T00:00:00Z');
    // 10^12 fen left (10 billion yuan), 9 × 10^10 committed in 90 days: 10^9 a day → 1,000 days
    expect(projectedExhaustionDate([{ kind: 'approve', at_ms: day('2026-11-01'), amount_fen: 90_000_000_000n }], 1_000_000_000_000n, now, utc)).toBe(
      new Date(now + 1000 * day_ms).toISOString().slice(0, 10),
    );
  });

  it("counts months and days in the office zone: a transfer at 00:30 Beijing time on 1 September is September's", () => {
    const t: DailyTransfers[] = [{ kind: 'approve', at_ms: Date.parse('2026-08-31T16:30:00Z'), amount_fen: 300n }];
    expect(committedAtMonthEnds(t, months('2026-08', '2026-09'), beijing)).toEqual([0n, 300n]);
    expect(committedAtMonthEnds(t, months('2026-08', '2026-09'), utc)).toEqual([300n, 300n]);
    // 300 fen in the window, 300 left: the same rate again from now, and the day named is Beijing's
    expect(projectedExhaustionDate(t, 300n, Date.parse('2026-09-30T15:00:00Z'), beijing)).toBe('2026-12-29'); // 23:00 on 30 Sep + 90 d
    expect(projectedExhaustionDate(t, 0n, Date.parse('2026-09-30T17:00:00Z'), beijing)).toBe('2026-10-01');
  });
});
