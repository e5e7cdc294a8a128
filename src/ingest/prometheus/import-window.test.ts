import { describe, expect, it } from 'vitest';
import { importWindow, parseStep } from './import-window.js';

const T = (iso: string) => Date.parse(iso);
const now = T('2026-12-04T08:00:00Z');

describe('importWindow', () => {
  it('splits into whole-day chunks at one-minute steps, the last one shorter', () => {
    const r = importWindow(T('2026-10-01T00:00:00Z'), T('2026-10-03T06:00:00Z'), 60, now);
    expect(r.ok && r.window.chunks.map((c) => [new Date(c.start_ms).toISOString(), new Date(c.end_ms).toISOString()])).toEqual([
      ['2026-10-01T00:00:00.000Z', '2026-10-02T00:00:00.000Z'], ['2026-10-02T00:00:00.000Z', '2026-10-03T00:00:00.000Z'], ['2026-10-03T00:00:00.000Z', '2026-10-03T06:00:00.000Z'],
    ]);
  });

  it('keeps every chunk within 11,000 points per series at fine steps (whole hours)', () => {
    for (const step of [1, 2, 3, 5, 10, 15]) {
      const r = importWindow(T('2026-10-01T00:00:00Z'), T('2026-10-02T00:00:00Z'), step, now);
      if (!r.ok) throw new Error(r.problem.message);
      for (const c of r.window.chunks) {
        expect((c.end_ms - c.start_ms) / 1000 / step).toBeLessThanOrEqual(11_000);
        expect(c.start_ms % 3_600_000).toBe(0);
      }
    }
    const one = importWindow(T('2026-10-01T00:00:00Z'), T('2026-10-01T06:00:00Z'), 1, now);
    expect(one.ok && one.window.chunks).toHaveLength(2); // 3 hours = 10,800 points each
  });

  it('refuses what would break idempotence or the limits, naming the option', () => {
    const problem = (from: string, to: string, step: number) => { const r = importWindow(T(from), T(to), step, now); return r.ok ? 'ok' : `${r.problem.field} ${r.problem.message}`; };
    expect(problem('2026-10-01T00:30:00Z', '2026-10-02T00:00:00Z', 60)).toMatch(/^--from must be a whole UTC hour/);
    expect(problem('2026-10-01T00:00:00Z', '2026-10-02T00:00:01Z', 60)).toMatch(/^--to must be a whole UTC hour/);
    expect(problem('2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z', 60)).toMatch(/^--to must be after --from/);
    expect(problem('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', 7)).toMatch(/^--step must be whole seconds that divide an hour/);
    expect(problem('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', 7200)).toMatch(/^--step/);
    expect(problem('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', 0)).toMatch(/^--step/);
    expect(problem('2026-06-01T00:00:00Z', '2026-09-02T00:00:00Z', 60)).toBe('ok'); // 93 days: the limit
    expect(problem('2026-06-01T00:00:00Z', '2026-09-02T01:00:00Z', 60)).toMatch(/^--to the window is longer than 93 days/);
    expect(problem('2026-12-04T06:00:00Z', '2026-12-04T08:00:00Z', 60)).toMatch(/^--to must be at least 5 minutes in the past/);
    expect(problem('2026-12-04T06:00:00Z', '2026-12-04T07:00:00Z', 60)).toBe('ok');
  });
});

describe('parseStep', () => {
  it('reads seconds, minutes, hours', () => {
    expect([parseStep('60'), parseStep('15s'), parseStep('5m'), parseStep('1h'), parseStep('1.5m'), parseStep('x')]).toEqual([60, 15, 300, 3600, null, null]);
  });
});
