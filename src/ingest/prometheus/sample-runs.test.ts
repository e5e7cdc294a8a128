import { describe, expect, it } from 'vitest';
import { heldIntervals, hourRuns, scrapeIntervalMs, type DeviceSamples } from './sample-runs.js';

const T = (iso: string) => Date.parse(iso);
const H = T('2026-10-01T00:00:00Z');
/** Samples every `every_s` seconds from `from` (inclusive) to `to` (exclusive), "mm:ss" after the hour, plus a jitter in ms. */
const every = (from: string, to: string, every_s: number, jitter_ms = 0, base = H) => {
  const at = (mmss: string) => {
    const [m, s] = mmss.split(':').map(Number);
    return base + (m! * 60 + s!) * 1000;
  };
  const out: number[] = [];
  for (let t = at(from); t < at(to); t += every_s * 1000) out.push(t + jitter_ms);
  return out;
};
const run = (key: string, from: string, to: string, count: number, part = 0) => ({
  key,
  start_ms: T(`2026-10-01T00:${from}Z`),
  end_ms: to === '60:00' ? H + 3_600_000 : T(`2026-10-01T00:${to}Z`),
  count,
  part,
});

describe('scrapeIntervalMs', () => {
  it('is the median spacing in whole seconds, robust to a missed scrape and jitter', () => {
    expect(scrapeIntervalMs([0, 15_003, 29_998, 60_001, 75_000])).toBe(15_000);
    expect(scrapeIntervalMs([5])).toBeNull();
    expect(scrapeIntervalMs([0, 400])).toBe(1000); // at least a second
    expect(scrapeIntervalMs([0, 3_600_000])).toBe(300_000); // at most five minutes
  });
});

describe('heldIntervals', () => {
  it('a sample stands until the next within two intervals, else for one interval; whole seconds, clipped', () => {
    const times = [1_500, 16_400, 31_200, 76_900, 200_000];
    expect(
      heldIntervals(
        times,
        times.map(() => true),
        15_000,
        0,
        3_600_000,
      ),
    ).toEqual([
      [1_000, 46_000],
      [76_000, 91_000],
      [200_000, 215_000],
    ]);
    expect(heldIntervals([1_000, 16_000], [false, true], 15_000, 0, 20_000)).toEqual([[16_000, 20_000]]);
  });
});

describe('hourRuns', () => {
  it('does not depend on how often the samples were taken: 15 s and 60 s scrapes give the same run', () => {
    const at15: DeviceSamples[] = [0, 1].map((g) => ({ key: 'a', device: `g${g}`, times: every('10:00', '50:00', 15, 7) }));
    const at60: DeviceSamples[] = [0, 1].map((g) => ({ key: 'a', device: `g${g}`, times: every('10:00', '50:00', 60, 431) }));
    expect(hourRuns(at15, H)).toEqual([run('a', '10:00', '50:00', 2)]);
    expect(hourRuns(at60, H)).toEqual([run('a', '10:00', '50:00', 2)]);
  });

  it('the last sample stands for one interval: a series with no staleness marker does not run on for 5 minutes', () => {
    // Samples every 30 s up to 20:00 (last at 19:30); the next hour's reader sees nothing more.
    expect(hourRuns([{ key: 'a', device: 'g', times: every('00:00', '20:00', 30) }], H)).toEqual([run('a', '00:00', '20:00', 1)]);
  });

  it('reads samples before and after the hour but counts only inside it', () => {
    const times = every('00:00', '20:00', 30, 0, H - 10 * 60_000); // 23:50 of the day before to 00:10
    expect(hourRuns([{ key: 'a', device: 'g', times }], H)).toEqual([run('a', '00:00', '10:00', 1)]);
  });

  it('one missed scrape is no gap; a longer silence is', () => {
    const times = every('00:00', '30:00', 15).filter((t) => t !== H + 10 * 60_000 && !(t >= H + 20 * 60_000 && t < H + 21 * 60_000));
    expect(hourRuns([{ key: 'a', device: 'g', times }], H)).toEqual([run('a', '00:00', '20:00', 1), run('a', '21:00', '30:00', 1, 1)]);
  });

  it('counts devices per workload, a device once however many series carry it; sorted by key', () => {
    const s: DeviceSamples[] = [
      { key: 'b', device: 'g0', times: every('00:00', '10:00', 60) },
      { key: 'a', device: 'g0', times: every('00:00', '30:00', 60) },
      { key: 'a', device: 'g0', times: every('00:00', '30:00', 60) }, // the same device in a second series (exporter restart)
      { key: 'a', device: 'g1', times: every('10:00', '20:00', 60) },
    ];
    expect(hourRuns(s, H)).toEqual([
      run('a', '00:00', '10:00', 1),
      run('a', '10:00', '20:00', 2, 1),
      run('a', '20:00', '30:00', 1, 2),
      run('b', '00:00', '10:00', 1),
    ]);
  });

  it('with --min-util, a sample below it does not count its interval', () => {
    const times = every('00:00', '10:00', 60);
    expect(hourRuns([{ key: 'a', device: 'g', times, counts: times.map((_, i) => i < 5) }], H)).toEqual([run('a', '00:00', '05:00', 1)]);
  });

  it('a lone sample stands for the spacing the other devices show, else for 60 s', () => {
    const lone = { key: 'b', device: 'x', times: [H + 5 * 60_000] };
    expect(hourRuns([lone, { key: 'a', device: 'g', times: every('00:00', '10:00', 15) }], H)).toContainEqual(run('b', '05:00', '05:15', 1));
    expect(hourRuns([lone], H)).toEqual([run('b', '05:00', '06:00', 1)]);
  });
});
