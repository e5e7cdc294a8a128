import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { UsageRecordWire } from '../usage-schema.js';
import { prometheusHourPrefix as hourPrefix } from '../../domain/usage/prometheus-ids.js';
import { jobRef, RecordMapper, workloadKey, workloadOfKey, type Workload } from './usage-records.js';

const T = (iso: string) => Date.parse(iso);
const mapper = new RecordMapper({
  clusters: { default: 'c_main', by_host: { 'gpu-node-09': 'c_other' } },
  enterprises: { 'team-a': 'e_a' },
  models: { 'NVIDIA B200': 'nvidia-h200-sxm' },
  price_fen_per_card_h: { 'nvidia-a800-80gb-pcie': 1250, 'huawei-ascend-910b': 1800 },
  workload: 'training',
});
const w = (over: Partial<Workload> = {}): Workload => ({
  cluster_id: 'c_main',
  host: '',
  namespace: 'team-a',
  pod: 'llm-train-0',
  model_name: 'NVIDIA A800 80GB PCIe',
  mig: false,
  ...over,
});
const run = { key: '', start_ms: T('2026-10-01T10:00:00Z'), end_ms: T('2026-10-01T10:10:00Z'), count: 4, part: 1 };
const hour = T('2026-10-01T10:00:00Z');

describe('RecordMapper', () => {
  it('makes a wire record that passes the usage schema', () => {
    const r = mapper.record(run, w(), hour);
    expect(r).toEqual({
      ok: true,
      card_s: 2400,
      prefix: hourPrefix('c_main', 'team-a', 'llm-train-0', 'nvidia-a800-80gb-pcie', hour),
      record: {
        record_id: `${hourPrefix('c_main', 'team-a', 'llm-train-0', 'nvidia-a800-80gb-pcie', hour)}.1`,
        cluster_id: 'c_main',
        enterprise_id: 'e_a',
        accelerator: 'nvidia-a800-80gb-pcie',
        count: 4,
        started_at: '2026-10-01T10:00:00.000Z',
        ended_at: '2026-10-01T10:10:00.000Z',
        amount_fen: 833,
        job_ref: 'k8s:team-a/llm-train-0',
        workload: 'training',
      },
    });
    expect(r.ok && Compile(UsageRecordWire).Check(r.record)).toBe(true);
  });

  it("derives the id from cluster, namespace, pod, model and the whole hour, then the run's part; never from the run's start", () => {
    const id = hourPrefix('c_main', 'team-a', 'llm-train-0', 'nvidia-a800-80gb-pcie', hour);
    expect(id).toMatch(/^prom-[0-9a-f]{40}$/);
    const moved = mapper.record({ ...run, start_ms: run.start_ms + 15_000 }, w(), hour);
    expect(moved.ok && moved.record.record_id).toBe(`${id}.1`);
    for (const other of [
      hourPrefix('c_other', 'team-a', 'llm-train-0', 'nvidia-a800-80gb-pcie', hour),
      hourPrefix('c_main', 'team-b', 'llm-train-0', 'nvidia-a800-80gb-pcie', hour),
      hourPrefix('c_main', 'team-a', 'llm-train-1', 'nvidia-a800-80gb-pcie', hour),
      hourPrefix('c_main', 'team-a', 'llm-train-0', 'huawei-ascend-910b', hour),
      hourPrefix('c_main', 'team-a', 'llm-train-0', 'nvidia-a800-80gb-pcie', hour + 3_600_000),
    ])
      expect(other).not.toBe(id);
  });

  it('maps hosts, and model names through the file then the built-in table (npu-exporter names too)', () => {
    expect(mapper.cluster('gpu-node-09')).toBe('c_other');
    expect(mapper.cluster('anything')).toBe('c_main');
    expect(mapper.accelerator('910B3-Ascend-V1')).toBe('huawei-ascend-910b');
    expect(mapper.accelerator('NVIDIA B200')).toBe('nvidia-h200-sxm');
    const r = mapper.record(run, w({ model_name: '910B3-Ascend-V1' }), hour);
    expect(r.ok && [r.record.accelerator, r.record.amount_fen]).toEqual(['huawei-ascend-910b', 1200]);
  });

  it('skips with a reason: unmapped host, namespace, model, missing price, MIG', () => {
    const reason = (over: Partial<Workload>) => {
      const r = mapper.record(run, w(over), hour);
      return r.ok ? 'ok' : `${r.reason}: ${r.detail}`;
    };
    expect(reason({ cluster_id: null, host: 'gpu-node-77' })).toBe('unmapped_host: host "gpu-node-77" is in neither clusters.by_host nor clusters.default');
    expect(reason({ namespace: 'kube-system' })).toBe('unmapped_namespace: namespace "kube-system" is not in enterprises');
    expect(reason({ model_name: 'NVIDIA GB300' })).toBe('unmapped_model: model "NVIDIA GB300" is neither in models nor in the built-in table');
    expect(reason({ model_name: null })).toBe('unmapped_model: the series carries no model label (set unlabelled_model)');
    const unlabelled = new RecordMapper({
      clusters: { default: 'c_main' },
      enterprises: { 'team-a': 'e_a' },
      unlabelled_model: 'huawei-ascend-910b',
      price_fen_per_card_h: { 'huawei-ascend-910b': 1800 },
    }).record(run, w({ model_name: null }), hour);
    expect(unlabelled.ok && unlabelled.record.accelerator).toBe('huawei-ascend-910b');
    expect(reason({ model_name: 'NVIDIA L20' })).toBe('no_price: nvidia-l20 has no price in price_fen_per_card_h');
    expect(reason({ mig: true })).toMatch(/^mig_instance:/);
    const skipped = mapper.record(run, w({ namespace: 'kube-system' }), hour);
    expect(!skipped.ok && [skipped.card_s, skipped.job_ref]).toEqual([2400, 'k8s:kube-system/llm-train-0']);
  });

  it('keeps a job_ref within the wire limit', () => {
    expect(jobRef('ns', 'p'.repeat(300))).toHaveLength(256);
  });

  it('round-trips the workload key; an unmapped host keeps its name', () => {
    for (const x of [w(), w({ cluster_id: null, host: 'gpu-node-77', model_name: null, mig: true })]) {
      expect(workloadOfKey(workloadKey(x))).toEqual(x.cluster_id === null ? x : { ...x, host: '' });
    }
  });
});
