import { describe, expect, it } from 'vitest';
import { ascend_exporter, dcgm_exporter, exporterQuery } from './exporters.js';

describe('dcgm exporter series', () => {
  const gpu = { __name__: 'DCGM_FI_DEV_GPU_UTIL', UUID: 'GPU-1', gpu: '0', device: 'nvidia0', modelName: 'NVIDIA A800 80GB PCIe', Hostname: 'gpu-node-01' };

  it("reads pod and namespace, and the exported_* labels before the scrape target's", () => {
    expect(dcgm_exporter.read({ ...gpu, pod: 'p', namespace: 'team-a', container: 'c' })).toEqual({
      kind: 'workload',
      namespace: 'team-a',
      pod: 'p',
      model_name: 'NVIDIA A800 80GB PCIe',
      device: 'GPU-1',
      mig: false,
    });
    expect(dcgm_exporter.read({ ...gpu, pod: 'dcgm-exporter-x', namespace: 'gpu-operator', exported_pod: 'p', exported_namespace: 'team-a' })).toMatchObject({
      namespace: 'team-a',
      pod: 'p',
    });
    expect(dcgm_exporter.read({ ...gpu, pod_name: 'p', pod_namespace: 'team-a' })).toMatchObject({ namespace: 'team-a', pod: 'p' });
  });

  it('calls a GPU without a pod idle, and marks MIG instances', () => {
    expect(dcgm_exporter.read(gpu)).toEqual({ kind: 'idle' });
    expect(dcgm_exporter.read({ ...gpu, pod: 'p' })).toEqual({ kind: 'idle' });
    expect(dcgm_exporter.read({ ...gpu, pod: 'p', namespace: 'n', GPU_I_ID: '3' })).toMatchObject({ device: 'GPU-1/mig3', mig: true });
    const { UUID: _uuid, ...without_uuid } = gpu;
    expect(dcgm_exporter.read({ ...without_uuid, pod: 'p', namespace: 'n' })).toMatchObject({ device: 'gpu-node-01/gpu0' });
  });

  it("queries the metric, with the mapping file's matchers", () => {
    expect(exporterQuery(dcgm_exporter, undefined)).toBe('DCGM_FI_DEV_GPU_UTIL');
    expect(exporterQuery(dcgm_exporter, ' cluster="sh-a" ')).toBe('DCGM_FI_DEV_GPU_UTIL{cluster="sh-a"}');
    expect(exporterQuery(ascend_exporter, '')).toBe('container_npu_utilization');
  });
});

describe('ascend npu-exporter series', () => {
  const npu = {
    __name__: 'container_npu_utilization',
    id: '3',
    model_name: '910B3-Ascend-V1',
    vdie_id: 'V-3',
    pcie_bus_info: '0000:82:00.0',
    instance: '10.0.5.11:8082',
    container_name: 'main',
  };

  it('reads pod_name and namespace (exported_namespace first)', () => {
    expect(ascend_exporter.read({ ...npu, pod_name: 'p', namespace: 'team-a' })).toEqual({
      kind: 'workload',
      namespace: 'team-a',
      pod: 'p',
      model_name: '910B3-Ascend-V1',
      device: 'V-3',
      mig: false,
    });
    expect(ascend_exporter.read({ ...npu, pod_name: 'p', namespace: 'npu-exporter', exported_namespace: 'team-a' })).toMatchObject({ namespace: 'team-a' });
    const { vdie_id: _v, ...without_vdie } = npu;
    expect(ascend_exporter.read({ ...without_vdie, pod_name: 'p', namespace: 'n' })).toMatchObject({ device: '10.0.5.11:8082/npu3' });
    expect(ascend_exporter.read(npu)).toEqual({ kind: 'idle' });
  });
});
