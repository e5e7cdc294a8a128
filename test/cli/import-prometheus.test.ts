// `suanli import prometheus` end to end on both engines, against a fake Prometheus answering real-format query_range
// responses: DCGM and Ascend series → usage records through the ingest pipeline; importing again (the same window or
// an overlapping one) only finds duplicates; a Prometheus error stops the import with nothing of its chunk written.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, type Parties } from '../support/api.js';
import { importPrometheus, type PrometheusImportOptions } from '../../src/ingest/prometheus/prometheus-import.js';
import type { PrometheusMappingFile } from '../../src/ingest/prometheus/mapping-file.js';
import { startFakePrometheus, type FakePrometheus } from '../fixtures/prometheus/fake-prometheus.js';
import { dcgm_series, dcgm_window } from '../fixtures/prometheus/dcgm-series.js';
import { ascend_series, ascend_window } from '../fixtures/prometheus/ascend-series.js';

const T = (iso: string) => Date.parse(iso);
const now_ms = T('2026-12-04T08:00:00Z');

describeEachEngine('suanli import prometheus', (db) => {
  let p: Parties;
  let dcgm: FakePrometheus;
  let ascend: FakePrometheus;
  let mapping: PrometheusMappingFile;
  afterAll(async () => { await dcgm?.close(); await ascend?.close(); });

  const run = (options: Partial<PrometheusImportOptions> & Pick<PrometheusImportOptions, 'url' | 'from_ms' | 'to_ms'>) => {
    const lines: string[] = [];
    const summary = importPrometheus(db().store, db().config, {
      step_s: 60, exporter: 'dcgm', mapping, min_util: null, timeout_ms: 5000, batch_records: 10, progress: false, now_ms, out: (l) => lines.push(l), ...options,
    });
    return { summary, lines };
  };
  const stored = async () => db().store.usage.list({ provider_id: p.provider_id, cluster_id: p.cluster_id, from_ms: T('2026-09-01T00:00:00Z') }, 1000);

  it('sets up parties and two fake Prometheus servers', async () => {
    p = await createParties(await testApi(db()), 'prom');
    mapping = {
      clusters: { default: p.cluster_id },
      enterprises: { 'team-a': p.enterprise_id, 'team-b': p.enterprise_id },
      price_fen_per_card_h: { 'nvidia-a800-80gb-pcie': 1250, 'huawei-ascend-910b': 1800 },
      workload: 'training',
    };
    dcgm = await startFakePrometheus('DCGM_FI_DEV_GPU_UTIL', dcgm_series);
    ascend = await startFakePrometheus('container_npu_utilization', ascend_series);
  });

  it('imports DCGM series: one record per pod, model and hour; skips with reasons; queries day by day', async () => {
    const { summary, lines } = run({ url: dcgm.url, from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to) });
    const s = await summary;
    expect(s).toMatchObject({
      query: 'DCGM_FI_DEV_GPU_UTIL', chunks: 2, series: 23, series_idle: 8, runs: 27, records: 23, accepted: 23, duplicates: 0, rejected: 0, skipped: 4,
      card_s_stored: 237_480 + 2_400 + 7_200,
      skipped_by_reason: {
        unmapped_namespace: { count: 1, card_s: 7_200, examples: ['k8s:research/sweep-3: namespace "research" is not in enterprises'] },
        mig_instance: { count: 2, card_s: 7_200 },
        unmapped_model: { count: 1, card_s: 3_600, examples: ['k8s:team-a/b200-probe: model "NVIDIA B200" is neither in models nor in the built-in table'] },
      },
    });
    // the fake checked every request's parameters; chunks are [00:00, 24:00) with the last sample one step before the end
    expect(dcgm.requests.map((r) => [r.get('query'), r.get('start'), r.get('end'), r.get('step')])).toEqual([
      ['DCGM_FI_DEV_GPU_UTIL', String(T('2026-10-01T00:00:00Z') / 1000), String(T('2026-10-01T23:59:00Z') / 1000), '60'],
      ['DCGM_FI_DEV_GPU_UTIL', String(T('2026-10-02T00:00:00Z') / 1000), String(T('2026-10-02T23:59:00Z') / 1000), '60'],
    ]);
    expect(lines[1]).toBe('23 records: 23 accepted, 0 duplicates, 0 rejected; 4 runs skipped; 68.63 card-hours stored, in ' + lines[1]!.split(', in ')[1]);
    expect(lines).toContain('  skipped mig_instance: 2 runs, 2.00 card-hours');

    const records = await stored();
    expect(records).toHaveLength(23);
    const train = records.filter((r) => r.job_ref === 'k8s:team-a/llm-train-0').sort((a, b) => a.started_at_ms - b.started_at_ms);
    expect(train).toHaveLength(19);
    expect(train.slice(2, 5).map((r) => [new Date(r.started_at_ms).toISOString(), new Date(r.ended_at_ms).toISOString(), r.count, r.amount_fen])).toEqual([
      ['2026-10-01T12:00:00.000Z', '2026-10-01T12:10:00.000Z', 4, 833], // 4 × 600 s × 1250 / 3600 = 833.3
      ['2026-10-01T12:10:00.000Z', '2026-10-01T12:12:00.000Z', 3, 125], // GPU 3 missing for two steps
      ['2026-10-01T12:12:00.000Z', '2026-10-01T13:00:00.000Z', 4, 4000],
    ]);
    expect(train.at(-1)).toMatchObject({ started_at_ms: T('2026-10-02T02:00:00Z'), ended_at_ms: T('2026-10-02T02:30:00Z'), count: 4, accelerator: 'nvidia-a800-80gb-pcie', workload: 'training', enterprise_id: p.enterprise_id });
    const infer = records.filter((r) => r.job_ref === 'k8s:team-b/infer-7f9c-x8k2p').map((r) => [new Date(r.started_at_ms).toISOString().slice(11, 16), new Date(r.ended_at_ms).toISOString().slice(11, 16)]);
    expect(infer.sort()).toEqual([['00:30', '00:50'], ['00:55', '01:00'], ['01:00', '01:15']]); // a gap closes the record
    expect(records.filter((r) => r.job_ref === 'k8s:team-a/llm-eval-0')).toMatchObject([{ count: 2, started_at_ms: T('2026-10-02T08:00:00Z') }]); // exported_pod
    expect(records.every((r) => /^prom-[0-9a-f]{40}$/.test(r.record_id))).toBe(true);
  });

  it('importing the same window again, or an overlapping one, finds only duplicates', async () => {
    const again = await run({ url: dcgm.url, from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to) }).summary;
    expect(again).toMatchObject({ records: 23, accepted: 0, duplicates: 23, rejected: 0 });
    const overlap = await run({ url: dcgm.url, from_ms: T('2026-10-01T12:00:00Z'), to_ms: T('2026-10-02T12:00:00Z'), batch_records: 1000 }).summary;
    expect(overlap).toMatchObject({ chunks: 1, records: 18, accepted: 0, duplicates: 18, rejected: 0 });
    expect(await stored()).toHaveLength(23);
  });

  it('imports Ascend npu-exporter series, counting only steps at or above --min-util', async () => {
    const { summary } = run({ url: ascend.url, exporter: 'ascend', from_ms: T(ascend_window.from), to_ms: T(ascend_window.to), min_util: 5 });
    expect(await summary).toMatchObject({
      query: 'container_npu_utilization', chunks: 1, series: 12, series_idle: 0, samples_below_min_util: 30, runs: 4, records: 4, accepted: 4, rejected: 0, skipped: 0,
      card_s_stored: 8 * 7200 - 1800 + 4 * 2700,
    });
    const npu = (await stored()).filter((r) => r.accelerator === 'huawei-ascend-910b').sort((a, b) => a.started_at_ms - b.started_at_ms)
      .map((r) => [r.job_ref, new Date(r.started_at_ms).toISOString().slice(11, 16), new Date(r.ended_at_ms).toISOString().slice(11, 16), r.count, r.amount_fen]);
    expect(npu).toEqual([
      ['k8s:team-a/pangu-sft-0', '02:00', '03:00', 8, 14_400],
      ['k8s:team-a/pangu-sft-0', '03:00', '03:30', 7, 6_300], // NPU 7 at 0% is not counted with --min-util 5
      ['k8s:team-a/pangu-sft-0', '03:30', '04:00', 8, 7_200],
      ['k8s:team-b/qwen-infer-5d8f-2pqx', '06:00', '06:45', 4, 5_400],
    ]);
  });

  it('sends the mapping file\'s selector; the pipeline\'s rejections are counted by code', async () => {
    const small = await startFakePrometheus('DCGM_FI_DEV_GPU_UTIL{job="nvidia-dcgm-exporter"}', dcgm_series);
    try {
      // a model the cluster holds none of: the pipeline refuses the record, and the summary counts it by code
      const { summary, lines } = run({
        url: small.url, from_ms: T('2026-10-01T10:00:00Z'), to_ms: T('2026-10-01T11:00:00Z'),
        mapping: { ...mapping, selector: 'job="nvidia-dcgm-exporter"', models: { 'NVIDIA A800 80GB PCIe': 'nvidia-h20' }, price_fen_per_card_h: { 'nvidia-h20': 900 } },
      });
      const s = await summary;
      expect(s).toMatchObject({ records: 1, accepted: 0, rejected: 1, rejected_by_code: { model_not_in_inventory: { count: 1, examples: [{ job_ref: 'k8s:team-a/llm-train-0', field: 'accelerator' }] } } });
      expect(lines[0]).toMatch(/^DCGM_FI_DEV_GPU_UTIL\{job="nvidia-dcgm-exporter"\} from 2026-10-01T10:00:00.000Z/);
      expect(lines).toContain('  rejected model_not_in_inventory: 1');
    } finally {
      await small.close();
    }
  });

  it('stops at a Prometheus error: the chunks before it stay, nothing of its chunk is written', async () => {
    const before = (await stored()).length;
    const shifted = dcgm_series.map((s) => ({ ...s, value: (t: number) => s.value(t - 3 * 86_400) })); // the same two days, three days later
    const later = await startFakePrometheus('DCGM_FI_DEV_GPU_UTIL', shifted);
    later.intercept = (params) => (params.get('start') === String(T('2026-10-05T00:00:00Z') / 1000)
      ? { status: 422, body: JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }) } : null);
    try {
      const { summary } = run({ url: later.url, from_ms: T('2026-10-04T00:00:00Z'), to_ms: T('2026-10-06T00:00:00Z') });
      await expect(summary).rejects.toThrow(/^chunk 2026-10-05T00:00:00.000Z – 2026-10-06T00:00:00.000Z not imported: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query_range answered HTTP 422 execution: query processing would load too many samples/);
      const after = await stored();
      expect(after.filter((r) => r.started_at_ms >= T('2026-10-05T00:00:00Z'))).toEqual([]);
      expect(after.length - before).toBe(16 + 3); // 10-04: llm-train's 16 runs and infer's 3
    } finally {
      await later.close();
    }
  });

  it('refuses a mapping that names an unknown cluster or a model outside the catalog, before querying', async () => {
    const requests = dcgm.requests.length;
    await expect(run({ url: dcgm.url, from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to), mapping: { ...mapping, clusters: { by_host: { 'gpu-node-01': 'c_nothere' } } } }).summary)
      .rejects.toThrow('mapping clusters.by_host.gpu-node-01: cluster c_nothere not found');
    await expect(run({ url: dcgm.url, from_ms: T(dcgm_window.from), to_ms: T(dcgm_window.to), mapping: { ...mapping, price_fen_per_card_h: { 'nvidia-z9': 1 } } }).summary)
      .rejects.toThrow('mapping price_fen_per_card_h.nvidia-z9: not in the catalog');
    await expect(run({ url: dcgm.url, from_ms: T('2026-10-01T00:30:00Z'), to_ms: T(dcgm_window.to) }).summary).rejects.toThrow(/^--from must be a whole UTC hour/);
    expect(dcgm.requests.length).toBe(requests);
  });

  it('as a command: prints the summary, and exits 1 with the error of a failing Prometheus', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-prom-cli-'));
    const file = path.join(dir, 'mapping.json');
    fs.writeFileSync(file, JSON.stringify(mapping));
    const database_url = db().config.database_url;
    const env = { ...process.env, SUANLI_LOG_LEVEL: 'silent', SUANLI_DATA_DIR: db().config.data_dir, ...(database_url === null ? {} : { DATABASE_URL: database_url }) };
    const suanli = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import', 'prometheus', ...args], { env },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    });
    const ok = await suanli('--url', dcgm.url, '--from', dcgm_window.from, '--to', dcgm_window.to, '--mapping', file, '--step', '1m', '--no-progress');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('23 records: 0 accepted, 23 duplicates, 0 rejected; 4 runs skipped');
    dcgm.intercept = () => ({ status: 503, body: 'Service Unavailable' });
    try {
      const bad = await suanli('--url', dcgm.url, '--from', dcgm_window.from, '--to', dcgm_window.to, '--mapping', file, '--no-progress');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^error: chunk 2026-10-01T00:00:00.000Z – 2026-10-02T00:00:00.000Z not imported: .* answered HTTP 503 with a body that is not JSON: "Service Unavailable"/m);
    } finally {
      dcgm.intercept = null;
    }
    const flag = await suanli('--url', dcgm.url, '--from', dcgm_window.from, '--to', dcgm_window.to, '--mapping', file, '--exporter', 'rocm');
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/--exporter.*Allowed choices are dcgm, ascend/);
  }, 60_000);
});
