import { describe, expect, it } from 'vitest';
import { buildSnapshot } from './inventory-snapshot.js';
import { modelForName, parseNameMappings } from './model-names.js';

const device = (line: number, name: string, uuid: string | null = null) => ({ line, name, index: String(line), uuid, bus_id: null, host: null });
const chip = (line: number, host: string, bus_id: string | null, index = '0/0') => ({ line, name: '910B3', index, uuid: null, bus_id, host });

describe('modelForName', () => {
  it('knows the printed names, old and new driver spellings, and npu-exporter chip names', () => {
    expect(modelForName('NVIDIA A100-SXM4-80GB')).toBe('nvidia-a100-80gb-sxm');
    expect(modelForName('A100-SXM4-80GB')).toBe('nvidia-a100-80gb-sxm');
    expect(modelForName('910B3')).toBe('huawei-ascend-910b');
    expect(modelForName('910B3-Ascend-V1')).toBe('huawei-ascend-910b');
    expect(modelForName('910A-Ascend-V1')).toBe('huawei-ascend-910');
    expect(modelForName('Ascend910B')).toBe('huawei-ascend-910b');
    expect(modelForName('310P3')).toBe('huawei-ascend-310p');
    expect(modelForName('Ascend910')).toBeNull();
    expect(modelForName('NVIDIA B200')).toBeNull();
    expect(modelForName('constructor')).toBeNull();
    expect(modelForName('__proto__')).toBeNull();
  });

  it('lets a mapping win over the table', () => {
    const map = parseNameMappings(['Ascend910=huawei-ascend-910c', '910B3=huawei-ascend-910c', 'NVIDIA B200 = nvidia-h100-sxm']);
    expect(modelForName('Ascend910', map)).toBe('huawei-ascend-910c');
    expect(modelForName('910B3-Ascend-V1', map)).toBe('huawei-ascend-910c');
    expect(modelForName('NVIDIA B200', map)).toBe('nvidia-h100-sxm');
  });

  it('refuses a malformed mapping, naming it', () => {
    expect(() => parseNameMappings(['910B3'])).toThrow(/--map "910B3": expected NAME=model-id/);
    expect(() => parseNameMappings(['=huawei-ascend-910b'])).toThrow(/expected NAME=model-id/);
    expect(() => parseNameMappings(['910B3=Huawei Ascend'])).toThrow(/expected NAME=model-id/);
  });
});

describe('buildSnapshot', () => {
  it('groups by model, sorted, with the devices', () => {
    const s = buildSnapshot([device(2, '910B3'), device(3, 'NVIDIA L20', 'GPU-a'), device(4, '910B4'), device(5, 'NVIDIA L20', 'GPU-b')]);
    expect(s).toEqual([
      {
        accelerator: 'huawei-ascend-910b',
        count: 2,
        names: ['910B3', '910B4'],
        devices: [
          { index: '2', uuid: null, bus_id: null, host: null },
          { index: '4', uuid: null, bus_id: null, host: null },
        ],
      },
      {
        accelerator: 'nvidia-l20',
        count: 2,
        names: ['NVIDIA L20'],
        devices: [
          { index: '3', uuid: 'GPU-a', bus_id: null, host: null },
          { index: '5', uuid: 'GPU-b', bus_id: null, host: null },
        ],
      },
    ]);
  });

  it('names the line of an unknown name, and of a UUID listed twice', () => {
    expect(() => buildSnapshot([device(2, 'NVIDIA L20'), device(3, 'NVIDIA B200')])).toThrow(
      /^line 3: unknown accelerator name "NVIDIA B200": add --map "NVIDIA B200=<catalog model id>"/,
    );
    expect(() => buildSnapshot([device(2, 'NVIDIA L20', 'GPU-a'), device(9, 'NVIDIA L20', 'GPU-a')])).toThrow(
      /^line 9: GPU-a is listed twice \(also on line 2\): the same node's output is in the input twice/,
    );
  });

  it('knows an npu-smi chip by its bus id on its host: the same host twice is refused, two hosts alike are not', () => {
    const node = (host: string, first: number) => [chip(first, host, '0000:C1:00.0', '0/0'), chip(first + 3, host, '0000:C2:00.0', '1/0')];
    const two = buildSnapshot([...node('npu-a1', 8), ...node('npu-a2', 60)]);
    expect(two).toHaveLength(1);
    expect(two[0]!.count).toBe(4);
    expect(two[0]!.devices.map((d) => [d.host, d.bus_id])).toEqual([
      ['npu-a1', '0000:C1:00.0'],
      ['npu-a1', '0000:C2:00.0'],
      ['npu-a2', '0000:C1:00.0'],
      ['npu-a2', '0000:C2:00.0'],
    ]);
    expect(() => buildSnapshot([...node('npu-a1', 8), ...node('npu-a1', 60)])).toThrow(
      /^line 60: host npu-a1 bus id 0000:C1:00.0 is listed twice \(also on line 8\): the same node's output is in the input twice$/,
    );
    // bus ids compare without regard to case; an NA bus id falls back to the chip's NPU/chip index on its host
    expect(() => buildSnapshot([chip(8, 'npu-a1', '0000:C1:00.0'), chip(9, 'npu-a1', '0000:c1:00.0', '1/0')])).toThrow(
      /^line 9: host npu-a1 bus id 0000:c1:00.0 is listed twice/,
    );
    expect(() => buildSnapshot([chip(8, 'a3-1', null, '1/0'), chip(9, 'a3-1', null, '1/1'), chip(20, 'a3-1', null, '1/0')])).toThrow(
      /^line 20: host a3-1 NPU\/chip 1\/0 is listed twice \(also on line 8\)/,
    );
    expect(buildSnapshot([chip(8, 'a3-1', null, '1/0'), chip(20, 'a3-2', null, '1/0')])[0]!.count).toBe(2);
  });
});
