// One call of Prometheus's HTTP API `GET /api/v1/query` with a range selector (`<selector>[<range>s]`), which answers
// every sample scraped in the range, as stored: no step, no lookback, no interpolation
// (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries, "Range Vector Selectors" in
// https://prometheus.io/docs/prometheus/latest/querying/basics/). With a time-out and a cap on the answer's size. The
// answer is checked against the documented envelope
// `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{…},"values":[[<unix s>,"<value>"],…]}]}}`;
// an error answer (`{"status":"error","errorType":…,"error":…}`), an HTTP error or a malformed body is a
// PrometheusError with a message an operator can act on.
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

export const sample_query_limits = {
  /** Largest answer read; 80 minutes of 15-second samples for 1,000 GPUs is about 25 MB. */
  response_bytes_max: 256 * 1024 * 1024,
} as const;

export class PrometheusError extends Error {}

const Sample = Type.Tuple([Type.Number(), Type.String()]);
const MatrixAnswer = Type.Object({
  status: Type.Literal('success'),
  data: Type.Object({
    resultType: Type.Literal('matrix'),
    result: Type.Array(Type.Object({ metric: Type.Record(Type.String(), Type.String()), values: Type.Array(Sample) })),
  }),
});
const ErrorAnswer = Type.Object({ status: Type.Literal('error'), errorType: Type.Optional(Type.String()), error: Type.Optional(Type.String()) });
const checkMatrix = Compile(MatrixAnswer);
const checkError = Compile(ErrorAnswer);

export interface SampleSeries {
  metric: Record<string, string>;
  /** [unix seconds (ms precision), value as Prometheus prints it] */
  values: [number, string][];
}

export interface SampleQuery {
  /** The server's base URL, e.g. http://prometheus.monitoring:9090 (a path prefix is kept). */
  base_url: string;
  /** An instant-vector selector; the range is appended. */
  selector: string;
  /** The evaluation time, unix ms: the samples in [time − range, time] are answered. */
  time_ms: number;
  range_s: number;
  timeout_ms: number;
}

export function sampleQueryUrl(q: Pick<SampleQuery, 'base_url' | 'selector' | 'time_ms' | 'range_s'>): URL {
  const url = new URL(q.base_url.endsWith('/') ? q.base_url : `${q.base_url}/`);
  const target = new URL('api/v1/query', url);
  target.searchParams.set('query', `${q.selector}[${q.range_s}s]`);
  target.searchParams.set('time', (q.time_ms / 1000).toFixed(3));
  return target;
}

async function readCapped(response: Response, bytes_max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > bytes_max) throw new PrometheusError(`the answer is ${declared} bytes, more than ${bytes_max}; query a shorter window`);
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > bytes_max) throw new PrometheusError(`the answer is more than ${bytes_max} bytes; query a shorter window`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function querySamples(q: SampleQuery, bytes_max: number = sample_query_limits.response_bytes_max): Promise<SampleSeries[]> {
  const url = sampleQueryUrl(q);
  const where = `${url.origin}${url.pathname}`;
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(q.timeout_ms) });
    body = await readCapped(response, bytes_max);
  } catch (error) {
    if (error instanceof PrometheusError) throw new PrometheusError(`${where}: ${error.message}`);
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new PrometheusError(`${where} did not answer within ${q.timeout_ms / 1000} s`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PrometheusError(`${where} cannot be reached: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PrometheusError(`${where} answered HTTP ${response.status} with a body that is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
  }
  if (checkError.Check(json)) {
    throw new PrometheusError(`${where} answered HTTP ${response.status} ${json.errorType ?? 'error'}: ${json.error ?? '(no message)'}`);
  }
  if (!response.ok) throw new PrometheusError(`${where} answered HTTP ${response.status}: ${JSON.stringify(body.slice(0, 200))}`);
  if (!checkMatrix.Check(json)) {
    const first = checkMatrix.Errors(json)[0];
    throw new PrometheusError(
      `${where} answered with something other than a matrix of samples (${first ? `${first.instancePath || '/'} ${first.message}` : 'unexpected shape'})`,
    );
  }
  return json.data.result;
}
