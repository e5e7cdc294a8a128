import { describe, expect, it } from 'vitest';
import { OfficeCalendar } from '../calendar.js';
import { monthsBetween, parseMonth, type MonthIndex } from './month.js';
import { buildOverview, type OverviewInput } from './overview.js';

const month = (s: string) => parseMonth(s)!;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

function input(overrides: Partial<OverviewInput> = {}): OverviewInput {
  return {
    months: monthsBetween(month('2026-08'), month('2026-10')),
    usage: [
      { month: month('2026-08'), domestic: true, records: 3, card_s: 7200n, compute_gflop: 600n },
      { month: month('2026-08'), domestic: false, records: 1, card_s: 3600n, compute_gflop: 400n },
      { month: month('2026-10'), domestic: false, records: 2, card_s: 100n, compute_gflop: 0n }, // a model without throughput
      { month: month('2026-07'), domestic: true, records: 9, card_s: 9n, compute_gflop: 9n }, // outside the range
    ],
    inventory: [
      { count: 2, gflops: 100, domestic: true, valid_from_ms: Date.parse('2026-09-15T00:00:00Z'), valid_to_ms: null },
      { count: 1, gflops: 300, domestic: false, valid_from_ms: Date.parse('2026-01-01T00:00:00Z'), valid_to_ms: null },
    ],
    transfers: [
      { program_id: 'p1', kind: 'fund', at_ms: day('2026-01-01'), amount_fen: 100_000n },
      { program_id: 'p1', kind: 'approve', at_ms: day('2026-08-10'), amount_fen: 3_000n },
      { program_id: 'p1', kind: 'pay', at_ms: day('2026-09-10'), amount_fen: 2_000n },
      { program_id: 'p1', kind: 'recover', at_ms: day('2026-10-10'), amount_fen: 500n },
      { program_id: 'p1', kind: 'release', at_ms: day('2026-10-10'), amount_fen: 1_000n },
      { program_id: 'p2', kind: 'approve', at_ms: day('2026-10-11'), amount_fen: 700n },
      { program_id: 'p2', kind: 'approve', at_ms: day('2026-11-01'), amount_fen: 50n }, // after the range: in the totals, not the months
    ],
    programs: [
      { id: 'p1', name_zh: '甲', name_en: 'One', budget_fen: 100_000n, available_fen: 98_500n },
      { id: 'p2', name_zh: '乙', name_en: 'Two', budget_fen: 0n, available_fen: 0n },
      { id: 'p3', name_zh: '丙', name_en: 'Three', budget_fen: 5n, available_fen: 5n },
    ],
    target: { share_bp: 7000, month: month('2027-12') },
    now_ms: Date.parse('2026-11-02T00:00:00Z'),
    // the figures below were worked in UTC months; the Beijing calendar has its own tests (budget-burn, month)
    calendar: new OfficeCalendar('UTC'),
    ...overrides,
  };
}

describe('the overview', () => {
  it('sums each month and leaves empty months at zero', () => {
    const o = buildOverview(input());
    expect(o.months.map((m) => m.month)).toEqual([month('2026-08'), month('2026-09'), month('2026-10')]);
    expect(o.months[0]).toEqual({
      month: month('2026-08'),
      records: 4,
      card_s: 10_800n,
      domestic_card_s: 7200n,
      compute_gflop: 1000n,
      domestic_compute_gflop: 600n,
      used_domestic_share_bp: 6000,
      installed_gflops: 300n,
      domestic_installed_gflops: 0n,
      installed_domestic_share_bp: 0,
      subsidy_approved_fen: 3_000n,
      subsidy_paid_fen: 0n,
      subsidy_clawed_back_fen: 0n,
    });
    expect(o.months[1]).toMatchObject({
      records: 0,
      compute_gflop: 0n,
      used_domestic_share_bp: null,
      installed_gflops: 500n,
      installed_domestic_share_bp: 4000,
      subsidy_paid_fen: 2_000n,
    });
    expect(o.months[2]).toMatchObject({
      records: 2,
      card_s: 100n,
      compute_gflop: 0n,
      used_domestic_share_bp: null,
      subsidy_approved_fen: 700n,
      subsidy_clawed_back_fen: 1_500n,
    });
  });

  it("follows each program's budget", () => {
    const [p1, p2, p3] = buildOverview(input()).programs;
    expect(p1).toEqual({
      id: 'p1',
      name_zh: '甲',
      name_en: 'One',
      budget_fen: 100_000n,
      committed_fen: 1_500n,
      paid_fen: 1_500n,
      available_fen: 98_500n,
      burn: [
        { month: month('2026-08'), committed_fen: 3_000n },
        { month: month('2026-09'), committed_fen: 3_000n },
        { month: month('2026-10'), committed_fen: 1_500n },
      ],
      // 1,500 committed net in the 90 days to 2026-11-02: 98,500 left lasts 5,910 days, past the horizon
      projected_exhaustion_date: null,
    });
    expect(p2).toMatchObject({
      committed_fen: 750n,
      burn: [{ committed_fen: 0n }, { committed_fen: 0n }, { committed_fen: 700n }],
      projected_exhaustion_date: '2026-11-02',
    });
    expect(p3).toMatchObject({
      committed_fen: 0n,
      paid_fen: 0n,
      burn: [{ committed_fen: 0n }, { committed_fen: 0n }, { committed_fen: 0n }],
      projected_exhaustion_date: null,
    });
  });

  it('projects both shares through the months that have one', () => {
    const o = buildOverview(input());
    expect(o.projection.used).toMatchObject({ slope_bp_per_month: null, points: [{ month: month('2026-08'), share_bp: 6000 }] });
    expect(o.projection.installed).toMatchObject({ slope_bp_per_month: 2000, share_bp_at_target: 10_000, reaches_target_month: month('2026-12') }); // 667 + 2000·x ≥ 7000 at x = 4
    expect(o.projection.installed.points.map((p) => p.share_bp)).toEqual([0, 4000, 4000]);
  });

  it('ignores usage outside the range and copes with no data at all', () => {
    const o = buildOverview(input({ usage: [], inventory: [], transfers: [], programs: [], months: [month('2026-08')] as MonthIndex[] }));
    expect(o.months).toEqual([
      expect.objectContaining({ records: 0, used_domestic_share_bp: null, installed_domestic_share_bp: null, subsidy_approved_fen: 0n }),
    ]);
    expect(o.programs).toEqual([]);
    expect(o.projection.used.points).toEqual([]);
  });
});
