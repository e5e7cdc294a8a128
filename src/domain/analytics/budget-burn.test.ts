import { describe, expect, it } from 'vitest';
import { burn_horizon_days, burn_window_days, committedAtMonthEnds, committedChange, day_ms, projectedExhaustionDate, type DailyTransfers } from './budget-burn.js';
import { parseMonth, type MonthIndex } from './month.js';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / day_ms;
const months = (...ms: string[]) => ms.map((m) => parseMonth(m)!) as MonthIndex[];

describe('budget burn', () => {
  it('counts approvals in, releases and recoveries out, funding and payments not at all', () => {
    expect([committedChange('approve', 10), committedChange('release', 10), committedChange('recover', 10), committedChange('pay', 10), committedChange('fund', 10)])
      .toEqual([10, -10, -10, 0, 0]);
  });

  it('sums what is committed at each month end', () => {
    const t: DailyTransfers[] = [
      { kind: 'fund', day: day('2026-01-01'), amount_fen: 1_000_000 },
      { kind: 'approve', day: day('2026-08-31'), amount_fen: 300 },
      { kind: 'approve', day: day('2026-10-02'), amount_fen: 500 },
      { kind: 'pay', day: day('2026-10-03'), amount_fen: 500 },
      { kind: 'recover', day: day('2026-10-31'), amount_fen: 100 },
      { kind: 'release', day: day('2026-11-01'), amount_fen: 300 },
    ];
    expect(committedAtMonthEnds(t, months('2026-07', '2026-08', '2026-09', '2026-10', '2026-11'))).toEqual([0, 300, 300, 700, 400]);
    expect(committedAtMonthEnds([...t].reverse(), months('2026-10'))).toEqual([700]);
    expect(() => committedAtMonthEnds(t, months('2026-10', '2026-09'))).toThrow(RangeError);
  });

  it(`projects exhaustion from the net committed over the last ${burn_window_days} days`, () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    const today = day('2026-11-29');
    // 9,000 fen committed in the window: 100 fen a day; 5,000 left → 50 days
    const t: DailyTransfers[] = [
      { kind: 'approve', day: today - burn_window_days, amount_fen: 1_000_000 }, // one day too old
      { kind: 'approve', day: today - burn_window_days + 1, amount_fen: 10_000 },
      { kind: 'release', day: today, amount_fen: 1_000 },
      { kind: 'pay', day: today, amount_fen: 7_000 },
    ];
    expect(projectedExhaustionDate(t, 5_000, now)).toBe('2027-01-18'); // 2026-11-29T12:00 + 50 d
    expect(projectedExhaustionDate(t, 0, now)).toBe('2026-11-29'); // nothing left: today
    expect(projectedExhaustionDate([], 5_000, now)).toBeNull();
    expect(projectedExhaustionDate([{ kind: 'recover', day: today, amount_fen: 10 }], 5_000, now)).toBeNull(); // net negative
    // the horizon: 100 fen a day lasts exactly burn_horizon_days with 100 × horizon fen; one fen more is past it
    expect(projectedExhaustionDate(t, 100 * burn_horizon_days, now)).toBe(new Date(now + burn_horizon_days * day_ms).toISOString().slice(0, 10));
    expect(projectedExhaustionDate(t, 100 * burn_horizon_days + 1, now)).toBeNull();
    // a transfer after now (a clock set back) is not history
    expect(projectedExhaustionDate([{ kind: 'approve', day: today + 1, amount_fen: 9_000 }], 5_000, now)).toBeNull();
    expect(() => projectedExhaustionDate(t, -1, now)).toThrow(RangeError);
  });

  it('stays exact with large budgets', () => {
    const now = Date.parse('2026-11-29T00:00:00Z');
    // 10^12 fen left (10 billion yuan), 9 × 10^10 committed in 90 days: 10^9 a day → 1,000 days
    expect(projectedExhaustionDate([{ kind: 'approve', day: day('2026-11-01'), amount_fen: 90_000_000_000 }], 1_000_000_000_000, now))
      .toBe(new Date(now + 1000 * day_ms).toISOString().slice(0, 10));
  });
});
