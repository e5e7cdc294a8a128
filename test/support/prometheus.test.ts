// The test Prometheus (test/support/prometheus.ts) against the real binaries: backfilled samples come back exactly
// as written; a live scrape stores the exporter's timestamps or its own, as asked; and the staleness facts that
// docs/prometheus.md relies on hold for the installed version (2.42 on CI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithPrometheus,
  exposition,
  openMetricsTimestamp,
  promQuery,
  promQueryRange,
  startBackfilledPrometheus,
  startExporter,
  startScrapedPrometheus,
  waitForSamples,
  type BackfillSeries,
  type Exporter,
  type QueriedSeries,
  type RealPrometheus,
} from './prometheus.js';

const minute_ms = 60_000;
const hour_ms = 60 * minute_ms;
const lookback_ms = 5 * minute_ms;

/** The series matching every given label, or a failure naming what came back. */
function only(result: QueriedSeries[], labels: Record<string, string>): QueriedSeries {
  const found = result.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`expected one series with ${JSON.stringify(labels)}, got ${JSON.stringify(result)}`);
  return found[0]!;
}

function sortedByDevice(result: QueriedSeries[]): QueriedSeries[] {
  return [...result].sort((a, b) => (a.labels.device! < b.labels.device! ? -1 : 1));
}

describe('openMetricsTimestamp', () => {
  it('writes seconds with millisecond precision, nudged where promtool would read it back a millisecond early', () => {
    expect(openMetricsTimestamp(1_772_323_200_007)).toBe('1772323200.007');
    expect(openMetricsTimestamp(1_000)).toBe('1.000');
    expect(openMetricsTimestamp(1_003)).toBe('1.0035'); // 1.003 * 1000 = 1002.9999999999999 in float64
    for (let t_ms = 0; t_ms < 20_000; t_ms++) expect(Math.trunc(Number(openMetricsTimestamp(t_ms)) * 1000)).toBe(t_ms);
    expect(() => openMetricsTimestamp(-1)).toThrow();
    expect(() => openMetricsTimestamp(1.5)).toThrow();
  });
});

describeWithPrometheus('a real Prometheus for tests', () => {
  describe('backfilled with promtool', () => {
    // Months before now: the head stays empty and every query reads the backfilled blocks.
    const end_ms = Date.parse('2026-03-01T00:00:00Z');
    const awkward = 'a "quoted" \\ back\\slash,\nnew line, 算力';
    // npu0 every 15 s (+7 ms) over two hours, with a gap from end-50m to end-20m, and one sample exactly at end - 1h.
    const npu0: [number, number][] = [];
    for (let t = end_ms - 2 * hour_ms + 7; t <= end_ms; t += 15_000) {
      if (t > end_ms - 50 * minute_ms && t < end_ms - 20 * minute_ms) continue;
      npu0.push([t, Math.round(Math.sin(t / 1e6) * 1e6) / 1e4]);
    }
    npu0.push([end_ms - hour_ms, 42.5], [end_ms, -0.25]);
    npu0.sort((a, b) => a[0] - b[0]);
    // npu1 every minute (+999 ms), sparser, with its own gap, values 0 and large.
    const npu1: [number, number][] = [];
    for (let t = end_ms - 2 * hour_ms + 999; t < end_ms; t += minute_ms) {
      if (t > end_ms - 30 * minute_ms && t < end_ms - 10 * minute_ms) continue;
      npu1.push([t, npu1.length % 2 === 0 ? 0 : 1.5e15 + npu1.length]);
    }
    const series: BackfillSeries[] = [
      { labels: { __name__: 'npu_util', node: 'n1', device: 'npu0', note: awkward }, samples: npu0 },
      { labels: { __name__: 'npu_util', node: 'n1', device: 'npu1' }, samples: npu1 },
      { labels: { __name__: 'npu_power_watts', node: 'n1' }, samples: [[end_ms - 1000, 310]] },
      // Near the epoch, where "S.mmm" alone would come back a millisecond early (see openMetricsTimestamp).
      {
        labels: { __name__: 'epoch_probe' },
        samples: [
          [1_001, 1],
          [1_003, 2],
          [1_005, 3],
          [2_009, 4],
        ],
      },
    ];
    let prom: RealPrometheus;

    beforeAll(async () => {
      expect(end_ms).toBeLessThan(Date.now() - 30 * 24 * hour_ms);
      prom = await startBackfilledPrometheus(series);
    });
    afterAll(async () => {
      await prom?.close();
    });

    it('answers a range selector with exactly the raw samples written; a sample exactly at time - 1h is included', async () => {
      const result = sortedByDevice(await promQuery(prom, 'npu_util[1h]', end_ms));
      const inWindow = (s: [number, number][]) => s.filter(([t]) => t >= end_ms - hour_ms && t <= end_ms);
      expect(result).toEqual([
        { labels: { __name__: 'npu_util', node: 'n1', device: 'npu0', note: awkward }, samples: inWindow(npu0) },
        { labels: { __name__: 'npu_util', node: 'n1', device: 'npu1' }, samples: inWindow(npu1) },
      ]);
      // Prometheus 2.x: the window [time - 1h, time] is closed at both ends (3.0 opens it on the left).
      expect(result[0]!.samples[0]).toEqual([end_ms - hour_ms, 42.5]);
      expect(result[0]!.samples.at(-1)).toEqual([end_ms, -0.25]);

      expect(await promQuery(prom, 'npu_util[3h]', end_ms + hour_ms).then(sortedByDevice)).toEqual([
        { labels: series[0]!.labels, samples: npu0 },
        { labels: series[1]!.labels, samples: npu1 },
      ]);
      expect(await promQuery(prom, 'npu_power_watts[1m]', end_ms)).toEqual([{ labels: series[2]!.labels, samples: [[end_ms - 1000, 310]] }]);
      expect(await promQuery(prom, 'epoch_probe[10s]', 10_000)).toEqual([{ labels: series[3]!.labels, samples: series[3]!.samples }]);
    });

    it('answers query_range from the backfilled blocks (each step: the latest sample within the 5 min lookback)', async () => {
      const start_ms = end_ms - 2 * hour_ms;
      const result = sortedByDevice(await promQueryRange(prom, 'npu_util', start_ms, end_ms, 60));
      const expected = [npu0, npu1].map((samples) => {
        const points: [number, number][] = [];
        for (let step = start_ms; step <= end_ms; step += minute_ms) {
          const latest = samples.filter(([t]) => t <= step && t >= step - lookback_ms).at(-1);
          if (latest) points.push([step, latest[1]]);
        }
        return points;
      });
      expect(result.map((s) => s.samples)).toEqual(expected);
      expect(result.map((s) => s.labels)).toEqual([series[0]!.labels, series[1]!.labels]);
    });

    it('ages a sample out of an instant query exactly 5 min after it, inclusive', async () => {
      const t_ms = end_ms - 1000; // npu_power_watts' only sample
      expect(await promQuery(prom, 'npu_power_watts', t_ms + lookback_ms)).toHaveLength(1);
      expect(await promQuery(prom, 'npu_power_watts', t_ms + lookback_ms + 1)).toEqual([]);
    });
  });

  it('backfills 30 series × 2 days × 15 s (345,600 samples) at once', async () => {
    const end_ms = Date.parse('2026-02-01T00:00:00Z');
    const start_ms = end_ms - 2 * 24 * hour_ms;
    const series: BackfillSeries[] = [];
    for (let i = 0; i < 30; i++) {
      const samples: [number, number][] = [];
      for (let t = start_ms; t < end_ms; t += 15_000) samples.push([t, (i * 7919 + t / 15_000) % 1000]);
      series.push({ labels: { __name__: 'npu_big', device: `npu${i}` }, samples });
    }
    const prom = await startBackfilledPrometheus(series);
    try {
      const counts = await promQuery(prom, 'count_over_time(npu_big[3d])', end_ms);
      expect(counts).toHaveLength(30);
      for (const c of counts) expect(c.samples[0]![1]).toBe(2 * 24 * 240);
      const at = start_ms + 24 * hour_ms;
      expect(await promQuery(prom, 'npu_big{device="npu7"}[1m]', at)).toEqual([
        { labels: series[7]!.labels, samples: series[7]!.samples.filter(([t]) => t >= at - minute_ms && t <= at) },
      ]);
    } finally {
      await prom.close();
    }
  }, 60_000);

  describe('scraping an exporter every second', () => {
    let plain: Exporter;
    let stamped: Exporter;
    let prom: RealPrometheus;
    const base_ms = Math.floor(Date.now() / 1000) * 1000;
    const ts1 = base_ms - 3000 + 123;
    const ts2 = ts1 + 1500 + 321;
    let started_ms: number;

    beforeAll(async () => {
      [plain, stamped] = await Promise.all([startExporter(), startExporter()]);
      plain.set(
        exposition('plain_gauge', [
          { labels: { device: 'npu0', job: 'exporter_job' }, value: 1 },
          { labels: { device: 'npu1', job: 'exporter_job' }, value: 2 },
        ]),
      );
      stamped.set(
        exposition('stamped_gauge', [
          { labels: { device: 'npu0', job: 'exporter_job' }, value: 10, timestamp_ms: ts1 },
          { labels: { device: 'npu1', job: 'exporter_job' }, value: 20, timestamp_ms: ts1 },
        ]),
      );
      started_ms = Date.now();
      prom = await startScrapedPrometheus([
        { job: 'plain', url: plain.url, scrape_interval_s: 1, honor_labels: true, labels: { site: 'lab' } },
        { job: 'stamped_honored', url: stamped.url, scrape_interval_s: 1, honor_timestamps: true },
        { job: 'stamped_ignored', url: stamped.url, scrape_interval_s: 1, honor_timestamps: false },
      ]);
    });
    afterAll(async () => {
      await prom?.close();
      await Promise.all([plain?.close(), stamped?.close()]);
    });

    it("stores the exporter's explicit timestamps with honor_timestamps, its own scrape times without", async () => {
      await waitForSamples(prom, 'stamped_gauge', (r) => r.length === 4, 15_000); // the first scrape: ~5 s after ready
      stamped.set(
        exposition('stamped_gauge', [
          { labels: { device: 'npu0', job: 'exporter_job' }, value: 11, timestamp_ms: ts2 },
          { labels: { device: 'npu1', job: 'exporter_job' }, value: 21, timestamp_ms: ts2 },
        ]),
      );
      await waitForSamples(prom, 'stamped_gauge{device="npu0"} == 11', (r) => r.length === 2, 5_000);
      await waitForSamples(prom, 'count_over_time(stamped_gauge{device="npu0",job="stamped_ignored"}[1m]) >= 3', (r) => r.length === 1, 5_000);

      const honored = only(await promQuery(prom, 'stamped_gauge{device="npu0"}[1m]'), { job: 'stamped_honored' });
      // honor_labels false: the exposition's job label is kept as exported_job, the target's job wins.
      expect(honored.labels).toEqual({
        __name__: 'stamped_gauge',
        device: 'npu0',
        exported_job: 'exporter_job',
        instance: new URL(stamped.url).host,
        job: 'stamped_honored',
      });
      expect(honored.samples).toEqual([
        [ts1, 10],
        [ts2, 11],
      ]);

      const ignored = only(await promQuery(prom, 'stamped_gauge{device="npu0"}[1m]'), { job: 'stamped_ignored' });
      const times = ignored.samples.map(([t]) => t);
      expect(times.length).toBeGreaterThanOrEqual(3);
      for (const t of times) {
        expect(t).not.toBe(ts1);
        expect(t).not.toBe(ts2);
        expect(t).toBeGreaterThanOrEqual(started_ms);
        expect(t).toBeLessThanOrEqual(Date.now());
      }
      // One scrape a second (a loaded machine may skip a tick, never add one).
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(750);
      expect(ignored.samples.map(([, v]) => v)).toEqual(expect.arrayContaining([10, 11]));

      // Without timestamps the samples are scrape times too; honor_labels keeps the exposition's job.
      const scraped = only(await promQuery(prom, 'plain_gauge[1m]'), { device: 'npu0' });
      expect(scraped.labels).toEqual({ __name__: 'plain_gauge', device: 'npu0', instance: new URL(plain.url).host, job: 'exporter_job', site: 'lab' });
      expect(scraped.samples.length).toBeGreaterThanOrEqual(2);
      expect(scraped.samples.every(([t, v]) => t >= started_ms && v === 1)).toBe(true);
    });

    it('marks a vanished series stale only when it had no explicit timestamp (2.42: none for timestamped ones)', async () => {
      plain.set(exposition('plain_gauge', [{ labels: { device: 'npu1', job: 'exporter_job' }, value: 2 }]));
      stamped.set(exposition('stamped_gauge', [{ labels: { device: 'npu1', job: 'exporter_job' }, value: 21, timestamp_ms: ts2 }]));
      const dropped_ms = Date.now();

      // No timestamp: the next scrape writes a staleness marker and the instant query is empty at once.
      await waitForSamples(prom, 'plain_gauge{device="npu0"}', (r) => r.length === 0, 5_000);
      // Explicit timestamps ignored (honor_timestamps false): the same.
      await waitForSamples(prom, 'stamped_gauge{device="npu0",job="stamped_ignored"}', (r) => r.length === 0, 5_000);
      expect(Date.now() - dropped_ms).toBeLessThan(5_000);
      // The series that stayed are still there.
      expect(await promQuery(prom, 'plain_gauge{device="npu1"}')).toHaveLength(1);

      // Explicit timestamps honored: once that job has scraped the shorter exposition too, there is still no
      // staleness marker; the last value stays for the whole lookback after ts2.
      await waitForSamples(prom, 'scrape_samples_scraped{job="stamped_honored"} == 1', (r) => r.length === 1, 5_000);
      const survivor = await promQuery(prom, 'stamped_gauge{device="npu0",job="stamped_honored"}');
      expect(survivor.map((s) => s.samples[0]![1])).toEqual([11]);
      expect((await promQuery(prom, 'stamped_gauge{device="npu0",job="stamped_honored"}', ts2 + lookback_ms)).map((s) => s.samples[0]![1])).toEqual([11]);
      expect(await promQuery(prom, 'stamped_gauge{device="npu0",job="stamped_honored"}', ts2 + lookback_ms + 1)).toEqual([]);
    });
  });
});
