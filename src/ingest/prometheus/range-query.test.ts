// The query_range client against a fake Prometheus speaking the documented format, and against broken servers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePrometheus, seriesWhile, between, type FakePrometheus } from '../../../test/fixtures/prometheus/fake-prometheus.js';
import { queryRange, rangeQueryUrl } from './range-query.js';

const metric = { __name__: 'DCGM_FI_DEV_GPU_UTIL', UUID: 'GPU-1', gpu: '0', modelName: 'NVIDIA A800 80GB PCIe', Hostname: 'n1', pod: 'p', namespace: 'team-a' };
const start_s = Date.parse('2026-10-01T00:00:00Z') / 1000;

describe('queryRange', () => {
  let fake: FakePrometheus;
  beforeAll(async () => {
    fake = await startFakePrometheus('DCGM_FI_DEV_GPU_UTIL', [seriesWhile(metric, between('2026-10-01T00:02:00Z', '2026-10-01T00:04:00Z'), 57.5)]);
  });
  afterAll(() => fake.close());

  it('sends query, start, end and step, and reads the matrix', async () => {
    const series = await queryRange({ base_url: fake.url, query: 'DCGM_FI_DEV_GPU_UTIL', start_s, end_s: start_s + 300, step_s: 60, timeout_ms: 5000 });
    expect(series).toEqual([{ metric, values: [[start_s + 120, '57.5'], [start_s + 180, '57.5']] }]);
    const sent = fake.requests.at(-1)!;
    expect([sent.get('query'), sent.get('start'), sent.get('end'), sent.get('step')]).toEqual(['DCGM_FI_DEV_GPU_UTIL', String(start_s), String(start_s + 300), '60']);
  });

  it('keeps a path prefix of the base URL', () => {
    expect(rangeQueryUrl({ base_url: 'http://p.example/prometheus', query: 'up', start_s: 1, end_s: 2, step_s: 1 }).pathname).toBe('/prometheus/api/v1/query_range');
  });

  it('turns Prometheus error answers into a message with their type', async () => {
    await expect(queryRange({ base_url: fake.url, query: 'DCGM_FI_DEV_GPU_UTIL', start_s, end_s: start_s + 11_001, step_s: 1, timeout_ms: 5000 }))
      .rejects.toThrow(/query_range answered HTTP 400 bad_data: exceeded maximum resolution of 11,000 points per timeseries/);
    fake.intercept = () => ({ status: 503, body: JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'TSDB not ready' }) });
    await expect(queryRange({ base_url: fake.url, query: 'x', start_s, end_s: start_s, step_s: 60, timeout_ms: 5000 })).rejects.toThrow(/HTTP 503 unavailable: TSDB not ready/);
    fake.intercept = () => ({ status: 502, body: '<html>Bad Gateway</html>' });
    await expect(queryRange({ base_url: fake.url, query: 'x', start_s, end_s: start_s, step_s: 60, timeout_ms: 5000 })).rejects.toThrow(/HTTP 502 with a body that is not JSON: "<html>Bad Gateway/);
    fake.intercept = () => ({ status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }) });
    await expect(queryRange({ base_url: fake.url, query: 'x', start_s, end_s: start_s, step_s: 60, timeout_ms: 5000 })).rejects.toThrow(/something other than a range-query matrix/);
    fake.intercept = () => ({ status: 200, body: '{}', delay_ms: 3000 });
    await expect(queryRange({ base_url: fake.url, query: 'x', start_s, end_s: start_s, step_s: 60, timeout_ms: 200 })).rejects.toThrow(/did not answer within 0.2 s/);
    fake.intercept = null;
  });

  it('refuses an answer larger than the cap, and says when nothing listens', async () => {
    await expect(queryRange({ base_url: fake.url, query: 'DCGM_FI_DEV_GPU_UTIL', start_s, end_s: start_s + 300, step_s: 60, timeout_ms: 5000 }, 100)).rejects.toThrow(/more than 100 bytes/);
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(queryRange({ base_url: `http://127.0.0.1:${port}`, query: 'x', start_s, end_s: start_s, step_s: 60, timeout_ms: 5000 })).rejects.toThrow(/cannot be reached: ECONNREFUSED/);
  });
});
