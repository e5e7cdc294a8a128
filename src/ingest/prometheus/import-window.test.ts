import { describe, expect, it } from 'vitest';
import { importWindow } from './import-window.js';

const T = (iso: string) => Date.parse(iso);
const now = T('2026-12-04T08:00:00Z');

describe('importWindow', () => {
  it("lists the window's whole hours", () => {
    const r = importWindow(T('2026-10-01T22:00:00Z'), T('2026-10-02T01:00:00Z'), now);
    expect(r.ok && r.window.hours.map((h) => new Date(h).toISOString())).toEqual([
      '2026-10-01T22:00:00.000Z',
      '2026-10-01T23:00:00.000Z',
      '2026-10-02T00:00:00.000Z',
    ]);
  });

  it('refuses what would break idempotence or the limits, naming the option', () => {
    const problem = (from: string, to: string) => {
      const r = importWindow(T(from), T(to), now);
      return r.ok ? 'ok' : `${r.problem.field} ${r.problem.message}`;
    };
    expect(problem('2026-10-01T00:30:00Z', '2026-10-02T00:00:00Z')).toMatch(/^--from must be a whole UTC hour/);
    expect(problem('2026-10-01T00:00:00Z', '2026-10-02T00:00:01Z')).toMatch(/^--to must be a whole UTC hour/);
    expect(problem('2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z')).toMatch(/^--to must be after --from/);
    expect(problem('2026-06-01T00:00:00Z', '2026-09-02T00:00:00Z')).toBe('ok'); // 93 days: the limit
    expect(problem('2026-06-01T00:00:00Z', '2026-09-02T01:00:00Z')).toMatch(/^--to the window is longer than 93 days/);
    expect(problem('2026-12-04T06:00:00Z', '2026-12-04T08:00:00Z')).toMatch(/^--to must be at least 10 minutes in the past/);
    expect(problem('2026-12-04T06:00:00Z', '2026-12-04T07:00:00Z')).toBe('ok');
  });
});
