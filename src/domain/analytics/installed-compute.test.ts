import { OfficeCalendar } from '../calendar.js';
import { describe, expect, it } from 'vitest';
import { formatPflops, installedAt, installedAtMonthEnds, type InventorySpan } from './installed-compute.js';
import { parseMonth, type MonthIndex } from './month.js';

const ms = Date.parse;
const inventory: InventorySpan[] = [
  { count: 64, gflops: 320_000, domestic: true, valid_from_ms: ms('2026-01-01T00:00:00Z'), valid_to_ms: null },
  { count: 16, gflops: 311_870, domestic: false, valid_from_ms: ms('2026-01-01T00:00:00Z'), valid_to_ms: ms('2026-09-01T00:00:00Z') },
  { count: 8, gflops: null, domestic: true, valid_from_ms: ms('2026-01-01T00:00:00Z'), valid_to_ms: null }, // no throughput figure
  { count: 32, gflops: 96_000, domestic: true, valid_from_ms: ms('2026-08-31T23:59:59.999Z'), valid_to_ms: null },
];

describe('installed compute', () => {
  it('counts an interval from valid_from on, up to but not at valid_to', () => {
    expect(installedAt(inventory, ms('2025-12-31T23:59:59.999Z'))).toEqual({ gflops: 0n, domestic_gflops: 0n });
    expect(installedAt(inventory, ms('2026-01-01T00:00:00Z'))).toEqual({ gflops: 64n * 320_000n + 16n * 311_870n, domestic_gflops: 64n * 320_000n });
    expect(installedAt(inventory, ms('2026-09-01T00:00:00Z')).gflops).toBe(64n * 320_000n + 32n * 96_000n);
  });

  it('reads each month at its last millisecond', () => {
    const [jul, aug, sep] = installedAtMonthEnds(
      inventory,
      ['2026-07', '2026-08', '2026-09'].map((m) => parseMonth(m)!) as MonthIndex[],
      new OfficeCalendar('UTC'),
    );
    expect(jul).toEqual({ gflops: 64n * 320_000n + 16n * 311_870n, domestic_gflops: 64n * 320_000n });
    // the A800s leave at 09-01T00:00 (still there at 08-31T23:59:59.999); the MLUs arrive in the last millisecond of August
    expect(aug).toEqual({ gflops: 64n * 320_000n + 16n * 311_870n + 32n * 96_000n, domestic_gflops: 64n * 320_000n + 32n * 96_000n });
    expect(sep).toEqual({ gflops: 64n * 320_000n + 32n * 96_000n, domestic_gflops: 64n * 320_000n + 32n * 96_000n });
  });

  it('formats PFLOPS exactly', () => {
    expect(formatPflops(0n)).toBe('0.000000');
    expect(formatPflops(1n)).toBe('0.000001');
    expect(formatPflops(20_480_000n)).toBe('20.480000');
    expect(formatPflops(2n ** 64n)).toBe('18446744073709.551616');
    expect(() => formatPflops(-1n)).toThrow(RangeError);
  });
});
