import { describe, expect, it } from 'vitest';
import { burn_horizon_days, burn_window_days, committedAtMonthEnds, committedChange, day_ms, projectedExhaustionDate, type DailyTransfers } from './budget-burn.js';
import { parseMonth, type MonthIndex } from './month.js';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / day_ms;
const months = (...ms: string[]) => ms.map((m) => parseMonth(m)!) as MonthIndex[];

describe('budget burn', () => {
  it('counts approvals in, releases and recoveries out, funding and payments not at all', () => {
    expect([committedChange('approve', 10n), committedChange('release', 10n), committedChange('recover', 10n), committedChange('pay', 10n), committedChange('fund', 10n)])
      .toEqual([10n, -10n, -10n, 0n, 0n]);
  });

  it('sums what is committed at each month end', () => {
    const t: DailyTransfers[] = [
      { kind: 'fund', day: day('2026-01-01'), amount_fen: 1_000_000n },
      { kind: 'approve', day: day('2026-08-31'), amount_fen: 300n },
      { kind: 'approve', day: day('2026-10-02'), amount_fen: 500n },
      { kind: 'pay', day: day('2026-10-03'), amount_fen: 500n },
      { kind: 'recover', day: day('2026-10-31'), amount_fen: 100n },
      { kind: 'release', day: day('2026-11-01'), amount_fen: 300n },
    ];
    expect(committedAtMonthEnds(t, months('2026-07', '2026-08', '2026-09', '2026-10', '2026-11'))).toEqual([0n, 300n, 300n, 700n, 400n]);
    expect(committedAtMonthEnds([...t].reverse(), months('2026-10'))).toEqual([700n]);
    expect(() => committedAtMonthEnds(t, months('2026-10', '2026-09'))).toThrow(RangeError);
  });

  it(`projects exhaustion from the net committed over the last ${burn_window_days} days`, () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    const today = day('2026-11-29');
    // 9,000 fen committed in the window: 100 fen a day; 5,000 left → 50 days
    const t: DailyTransfers[] = [
      { kind: 'approve', day: today - burn_window_days, amount_fen: 1_000_000n }, // one day too old
      { kind: 'approve', day: today - burn_window_days + 1, amount_fen: 10_000n },
      { kind: 'release', day: today, amount_fen: 1_000n },
      { kind: 'pay', day: today, amount_fen: 7_000n },
    ];
    expect(projectedExhaustionDate(t, 5_000n, now)).toBe('2027-01-18'); // 2026-11-29T12:00 + 50 d
    expect(projectedExhaustionDate(t, 0n, now)).toBe('2026-11-29'); // nothing left: today
    expect(projectedExhaustionDate([], 5_000n, now)).toBeNull();
    expect(projectedExhaustionDate([{ kind: 'recover', day: today, amount_fen: 10n }], 5_000n, now)).toBeNull(); // net negative
    // the horizon: 100 fen a day lasts exactly burn_horizon_days with 100 × horizon fen; one fen more is past it
    expect(projectedExhaustionDate(t, BigInt(100 * burn_horizon_days), now)).toBe(new Date(now + burn_horizon_days * day_ms).toISOString().slice(0, 10));
    expect(projectedExhaustionDate(t, BigInt(100 * burn_horizon_days + 1), now)).toBeNull();
    // a transfer after now (a clock set back) is not history
    expect(projectedExhaustionDate([{ kind: 'approve', day: today + 1, amount_fen: 9_000n }], 5_000n, now)).toBeNull();
    expect(() => projectedExhaustionDate(t, -1n, now)).toThrow(RangeError);
  });

  it('stays exact past 2^53: the committed sums and the budget are bigints', () => {
    const big = 2n ** 60n + 3n;
    const t: DailyTransfers[] = [{ kind: 'approve', day: day('2026-08-31'), amount_fen: big }, { kind: 'approve', day: day('2026-08-31'), amount_fen: 2n ** 60n }];
    expect(committedAtMonthEnds(t, months('2026-08'))).toEqual([2n ** 61n + 3n]);
  });

  it('stays exact with large budgets', () => {
    const now = Date.parse('2026-11-29T00:00:00Z');
    // 10^12 fen left (10 billion yuan), 9 × 10^10 committed in 90 days: 10^9 a day → 1,000 days
    expect(projectedExhaustionDate([{ kind: 'approve', day: day('2026-11-01'), amount_fen: 90_000_000_000n }], 1_000_000_000_000n, now))
      .toBe(new Date(now + 1000 * day_ms).toISOString().slice(0, 10));
  });
});
