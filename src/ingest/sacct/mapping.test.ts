import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MappingFileError } from '../mapping-file.js';
import { mappingProblems, parseSacctMapping, readSacctMapping, sacct_mapping_limits } from './mapping.js';

const valid = {
  cluster_id: 'c_abc',
  accounts: { acme_ai: 'e_acme', lanxu: 'e_lanxu' },
  gres_types: { '910b': 'huawei-ascend-910b', a800: 'nvidia-a800-80gb-pcie' },
  gres_default: 'huawei-ascend-910b',
  partitions: { a800: { gres_default: 'nvidia-a800-80gb-pcie', workload: 'training' }, infer: { workload: 'inference' } },
  price_fen_per_card_h: { 'huawei-ascend-910b': 800, 'nvidia-a800-80gb-pcie': 1200 },
};

/** The problems of the valid mapping with some keys replaced (undefined: removed). */
const problems = (overrides: Record<string, unknown>) =>
  mappingProblems(Object.fromEntries(Object.entries({ ...valid, ...overrides }).filter(([, v]) => v !== undefined)));

describe('sacct mapping file', () => {
  it('accepts a valid mapping and answers the lookups', () => {
    expect(mappingProblems(valid)).toEqual([]);
    const m = parseSacctMapping(JSON.stringify(valid), 'm.json');
    expect(m.cluster_id).toBe('c_abc');
    expect(m.gres_name).toBe('gpu');
    expect(m.enterprise('acme_ai')).toBe('e_acme');
    expect(m.enterprise('ACME_AI')).toBeNull();
    expect(m.model('910b', 'a800')).toBe('huawei-ascend-910b'); // a type wins over the partition's default
    expect(m.model(null, 'a800')).toBe('nvidia-a800-80gb-pcie');
    expect(m.model(null, 'infer')).toBe('huawei-ascend-910b'); // no partition default: the file's
    expect(m.model(null, null)).toBe('huawei-ascend-910b');
    expect(m.model('h100', null)).toBeNull();
    expect(m.workload('infer')).toBe('inference');
    expect(m.workload('ascend')).toBeNull();
    expect(m.fenPerCardHour('nvidia-a800-80gb-pcie')).toBe(1200);
  });

  it('reads the example mapping file of examples/slurm', () => {
    const m = readSacctMapping(path.join(import.meta.dirname, '../../../examples/slurm/mapping.yaml'));
    expect(m.slurm_cluster).toBe('ascend1');
    expect(m.model('910b', null)).toBe('huawei-ascend-910b');
    expect(m.maps_partitions).toBe(true);
  });

  it('names the field of each problem', () => {
    expect(problems({ cluster_id: undefined })).toEqual([{ field: 'cluster_id', message: 'is required' }]);
    expect(problems({ accounts: { acme_ai: 7 } })).toEqual([{ field: 'accounts.acme_ai', message: expect.stringContaining('string') }]);
    expect(problems({ accounts: {} })).toEqual([{ field: 'accounts', message: expect.any(String) }]);
    expect(problems({ accounts: { 'bad name': 'e_x' } })).toEqual([
      { field: 'accounts.bad name', message: expect.stringContaining('is not a Slurm account name') },
    ]);
    expect(problems({ gres_types: { '910b': 'Ascend 910B' } })).toEqual([{ field: 'gres_types.910b', message: expect.stringContaining('pattern') }]);
    expect(problems({ partitions: { infer: { workload: 'serving' } } })).toEqual([
      { field: 'partitions.infer.workload', message: expect.stringContaining('allowed values') },
    ]);
    expect(problems({ partitions: { infer: { model: 'x' } } })).toEqual([{ field: 'partitions.infer.model', message: 'is not a known field' }]);
    expect(problems({ price_fen_per_card_h: { 'huawei-ascend-910b': 8.5, 'nvidia-a800-80gb-pcie': 1200 } })).toEqual([
      { field: 'price_fen_per_card_h.huawei-ascend-910b', message: expect.stringContaining('integer') },
    ]);
    expect(problems({ price_fen_per_card_h: { 'huawei-ascend-910b': -1, 'nvidia-a800-80gb-pcie': 1200 } })).toEqual([
      { field: 'price_fen_per_card_h.huawei-ascend-910b', message: expect.stringContaining('>= 0') },
    ]);
    expect(problems({ price_fen_per_card_h: { 'huawei-ascend-910b': 10_000_001, 'nvidia-a800-80gb-pcie': 1200 } })[0]?.field).toBe(
      'price_fen_per_card_h.huawei-ascend-910b',
    );
    expect(problems({ price_fen_per_card_h: { 'huawei-ascend-910b': 10_000_000, 'nvidia-a800-80gb-pcie': 1200 } })).toEqual([]);
    expect(problems({ prices: {} })).toContainEqual({ field: 'prices', message: 'is not a known field' });
  });

  it('holds at most 100,000 accounts', () => {
    const accounts = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, `e_${i}`]));
    expect(problems({ accounts: accounts(sacct_mapping_limits.accounts_max) })).toEqual([]);
    expect(problems({ accounts: accounts(sacct_mapping_limits.accounts_max + 1) })).toEqual([
      { field: 'accounts', message: expect.stringContaining('100000') },
    ]);
  });

  it('asks a price for every model it maps to, and at least one model', () => {
    expect(problems({ price_fen_per_card_h: { 'huawei-ascend-910b': 800 } })).toEqual([
      { field: 'gres_types.a800', message: 'nvidia-a800-80gb-pcie has no price in price_fen_per_card_h' },
      { field: 'partitions.a800.gres_default', message: 'nvidia-a800-80gb-pcie has no price in price_fen_per_card_h' },
    ]);
    expect(problems({ gres_types: undefined, gres_default: undefined, partitions: undefined })).toEqual([
      { field: 'gres_types', message: expect.stringContaining('at least one') },
    ]);
  });

  it('reports a file that is not YAML or JSON, or too large, with its name', () => {
    expect(() => parseSacctMapping('cluster_id: [', 'm.yaml')).toThrow(/^m\.yaml: not valid YAML/);
    expect(() => parseSacctMapping('{', 'm.json')).toThrow(/^m\.json: not valid JSON/);
    expect(() => parseSacctMapping('', 'm.yaml')).toThrow(MappingFileError);
    expect(() => parseSacctMapping('cluster_id: c_1\naccounts: {a: e_1}\nprice_fen_per_card_h: {x: 1}\ngres_default: y', 'm.yaml')).toThrow(
      'm.yaml: gres_default: y has no price in price_fen_per_card_h',
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-mapping-'));
    const big = path.join(dir, 'big.yaml');
    fs.writeFileSync(big, `# ${'x'.repeat(4 * 1024 * 1024)}\n`);
    expect(() => readSacctMapping(big)).toThrow(/more than the 4194304 a mapping file may have/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
