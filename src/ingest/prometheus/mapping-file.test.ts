import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mappingProblems, readPrometheusMapping } from './mapping-file.js';

const valid = {
  clusters: { default: 'c_main', by_host: { 'gpu-node-01': 'c_main' }, host_label: 'Hostname' },
  enterprises: { 'team-a': 'e_a' },
  models: { 'NVIDIA A800 80GB PCIe': 'nvidia-a800-80gb-pcie' },
  price_fen_per_card_h: { 'nvidia-a800-80gb-pcie': 1250 },
  selector: 'job="nvidia-dcgm-exporter"',
  workload: 'training',
};

describe('Prometheus mapping file', () => {
  it('accepts a complete file', () => {
    expect(mappingProblems(valid)).toEqual([]);
  });

  it('names the field of each problem', () => {
    const problems = (over: Record<string, unknown>) => mappingProblems({ ...valid, ...over }).map((p) => `${p.field}: ${p.message}`);
    expect(problems({ enterprises: { Team_A: 'e_a' } })).toEqual([
      'enterprises.Team_A: is not a Kubernetes namespace (lower-case letters, digits and -, at most 63)',
    ]);
    expect(problems({ price_fen_per_card_h: { 'nvidia-a800-80gb-pcie': 12.5 } })[0]).toMatch(/^price_fen_per_card_h.nvidia-a800-80gb-pcie: /);
    expect(problems({ price_fen_per_card_h: { 'NVIDIA A800': 1250 } })).toEqual([
      'price_fen_per_card_h.NVIDIA A800: is not a catalog model id (lower-case words joined by -)',
    ]);
    expect(problems({ models: { 'NVIDIA L20': 'NVIDIA L20' } })[0]).toMatch(/^models.NVIDIA L20: /);
    expect(problems({ selector: 'job="x"} or vector(1) {' })[0]).toMatch(/^selector: /);
    expect(problems({ workload: 'batch' })[0]).toMatch(/^workload: /);
    expect(problems({ price_fen_per_card_h: { 'nvidia-a800-80gb-pcie': 10_000_000 } })).toEqual([]); // the limit
    expect(problems({ price_fen_per_card_h: { 'nvidia-a800-80gb-pcie': 10_000_001 } })[0]).toMatch(/^price_fen_per_card_h.nvidia-a800-80gb-pcie: /);
    expect(problems({ clusters: {} })).toEqual(['clusters: set clusters.default, or map hosts in clusters.by_host']);
    expect(problems({ clusters: { default: 'c_main', hosts: {} } })).toEqual(['clusters.hosts: is not a known field']);
    expect(problems({ extra: 1 })).toEqual(['extra: is not a known field']);
    expect(mappingProblems({ clusters: { default: 'c_main' } })[0]).toEqual({ field: 'enterprises', message: 'is required' });
  });

  it('accepts the example files', () => {
    for (const name of ['dcgm-mapping.yaml', 'ascend-mapping.yaml']) {
      const m = readPrometheusMapping(new URL(`../../../examples/prometheus/${name}`, import.meta.url).pathname);
      expect(Object.keys(m.price_fen_per_card_h).length).toBeGreaterThan(0);
    }
  });

  it('reads YAML and JSON, and says which file is wrong', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-prom-map-'));
    const yaml = path.join(dir, 'm.yaml');
    fs.writeFileSync(yaml, 'clusters:\n  default: c_main\nenterprises:\n  team-a: e_a\nprice_fen_per_card_h:\n  huawei-ascend-910b: 1800\n');
    expect(readPrometheusMapping(yaml).price_fen_per_card_h).toEqual({ 'huawei-ascend-910b': 1800 });
    const json = path.join(dir, 'm.json');
    fs.writeFileSync(json, JSON.stringify({ ...valid, enterprises: {} }));
    expect(() => readPrometheusMapping(json)).toThrow(/m\.json: enterprises: /);
    fs.writeFileSync(yaml, 'clusters: [');
    expect(() => readPrometheusMapping(yaml)).toThrow(/m\.yaml: not valid YAML/);
  });
});
