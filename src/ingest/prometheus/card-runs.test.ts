import { describe, expect, it } from 'vitest';
import { mergeCardRuns, type Presence } from './card-runs.js';

const T = (iso: string) => Date.parse(iso);
const grid = { start_ms: T('2026-10-01T00:00:00Z'), step_ms: 60_000, steps: 180, split_ms: 3_600_000 };
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const run = (key: string, from: string, to: string, count: number) => ({ key, start_ms: T(`2026-10-01T${from}:00Z`), end_ms: T(`2026-10-01T${to}:00Z`), count });

describe('mergeCardRuns', () => {
  it('merges consecutive steps into one run per hour; count = devices present', () => {
    const p: Presence[] = [{ key: 'a', device: 'g0', steps: range(10, 50) }, { key: 'a', device: 'g1', steps: range(10, 50) }];
    expect(mergeCardRuns(p, grid)).toEqual([run('a', '00:10', '00:50', 2)]);
  });

  it('cuts at every whole hour', () => {
    expect(mergeCardRuns([{ key: 'a', device: 'g0', steps: range(30, 150) }], grid)).toEqual([
      run('a', '00:30', '01:00', 1), run('a', '01:00', '02:00', 1), run('a', '02:00', '02:30', 1),
    ]);
  });

  it('closes a run at a gap and at a change in the count', () => {
    const p: Presence[] = [
      { key: 'a', device: 'g0', steps: [...range(0, 5), ...range(7, 12)] },
      { key: 'a', device: 'g1', steps: range(0, 3) },
    ];
    expect(mergeCardRuns(p, grid)).toEqual([run('a', '00:00', '00:03', 2), run('a', '00:03', '00:05', 1), run('a', '00:07', '00:12', 1)]);
  });

  it('counts a device once however often it is reported, and keeps workloads apart (sorted by key)', () => {
    const p: Presence[] = [
      { key: 'b', device: 'g0', steps: [0, 1] },
      { key: 'a', device: 'g0', steps: [0, 1] },
      { key: 'a', device: 'g0', steps: [1, 2] },
    ];
    expect(mergeCardRuns(p, grid)).toEqual([run('a', '00:00', '00:03', 1), run('b', '00:00', '00:02', 1)]);
  });

  it('runs to the end of the grid; a workload without any step yields nothing', () => {
    expect(mergeCardRuns([{ key: 'a', device: 'g0', steps: [179] }, { key: 'z', device: 'g0', steps: [] }], grid)).toEqual([run('a', '02:59', '03:00', 1)]);
  });

  it('card-seconds add up to the device-steps whatever the pattern (property)', () => {
    let seed = 7;
    const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (let round = 0; round < 50; round++) {
      const p: Presence[] = [];
      let device_steps = 0;
      for (let d = 0; d < 4; d++) {
        const steps = range(0, 180).filter(() => rand() < 0.6);
        device_steps += steps.length;
        p.push({ key: rand() < 0.5 ? 'a' : 'b', device: `g${d}`, steps });
      }
      const runs = mergeCardRuns(p, grid);
      expect(runs.reduce((s, r) => s + r.count * (r.end_ms - r.start_ms) / 60_000, 0)).toBe(device_steps);
      for (const r of runs) expect(Math.floor(r.start_ms / 3_600_000)).toBe(Math.floor((r.end_ms - 1) / 3_600_000));
    }
  });

  it('refuses a step outside the grid (a caller bug)', () => {
    expect(() => mergeCardRuns([{ key: 'a', device: 'g0', steps: [180] }], grid)).toThrow(/outside the grid/);
  });
});
