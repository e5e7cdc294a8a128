// The samples client against servers that answer badly: what a proxy, an overloaded Prometheus or a wrong URL returns.
// What a real Prometheus answers is tested against one (test/cli/import-prometheus.test.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySamples, sampleQueryUrl } from './sample-query.js';

interface Canned {
  status: number;
  body: string;
  delay_ms?: number;
}

describe('querySamples', () => {
  let server: http.Server;
  let url: string;
  let answer: Canned;
  const requests: URL[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(new URL(req.url ?? '/', 'http://x'));
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      }, answer.delay_ms ?? 0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  const q = (timeout_ms = 5000) =>
    querySamples({ base_url: url, selector: 'DCGM_FI_DEV_GPU_UTIL{job="dcgm"}', time_ms: 1_790_000_000_123, range_s: 4800, timeout_ms });

  it('sends the selector with its range and the time in seconds with milliseconds; reads the matrix', async () => {
    const metric = { __name__: 'DCGM_FI_DEV_GPU_UTIL', UUID: 'GPU-1' };
    answer = {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric, values: [[1_789_999_000.5, '57.5']] }] } }),
    };
    expect(await q()).toEqual([{ metric, values: [[1_789_999_000.5, '57.5']] }]);
    const sent = requests.at(-1)!;
    expect([sent.pathname, sent.searchParams.get('query'), sent.searchParams.get('time')]).toEqual([
      '/api/v1/query',
      'DCGM_FI_DEV_GPU_UTIL{job="dcgm"}[4800s]',
      '1790000000.123',
    ]);
  });

  it('keeps a path prefix of the base URL', () => {
    expect(sampleQueryUrl({ base_url: 'http://p.example/prometheus', selector: 'up', time_ms: 1000, range_s: 60 }).pathname).toBe('/prometheus/api/v1/query');
  });

  it('turns error answers into a message with their type; refuses other shapes; times out', async () => {
    answer = {
      status: 422,
      body: JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }),
    };
    await expect(q()).rejects.toThrow(/query answered HTTP 422 execution: query processing would load too many samples/);
    answer = { status: 502, body: '<html>Bad Gateway</html>' };
    await expect(q()).rejects.toThrow(/HTTP 502 with a body that is not JSON: "<html>Bad Gateway/);
    answer = { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }) };
    await expect(q()).rejects.toThrow(/something other than a matrix of samples/);
    answer = { status: 200, body: '{}', delay_ms: 1000 };
    await expect(q(200)).rejects.toThrow(/did not answer within 0.2 s/);
  });

  it('refuses an answer larger than the cap, and says when nothing listens', async () => {
    answer = { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }) };
    await expect(querySamples({ base_url: url, selector: 'x', time_ms: 0, range_s: 60, timeout_ms: 5000 }, 10)).rejects.toThrow(/more than 10 bytes/);
    const other = http.createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as AddressInfo).port;
    await new Promise<void>((r) => other.close(() => r()));
    await expect(querySamples({ base_url: `http://127.0.0.1:${port}`, selector: 'x', time_ms: 0, range_s: 60, timeout_ms: 5000 })).rejects.toThrow(
      /cannot be reached: ECONNREFUSED/,
    );
  });
});
