import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiCsv } from './nvidia-smi-csv.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../../test/fixtures/collect/${name}`, import.meta.url), 'utf8');

describe('parseNvidiaSmiCsv', () => {
  it('reads --format=csv with a header and units', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-a100-8gpu.csv'));
    expect(gpus).toHaveLength(8);
    expect(gpus[0]).toEqual({
      line: 2,
      index: '0',
      name: 'NVIDIA A100-SXM4-80GB',
      uuid: 'GPU-c4f82fda-f11d-4492-a176-950eab898aad',
      bus_id: '00000000:07:00.0',
      host: null,
      memory_mib: 81920,
    });
    expect(gpus.map((g) => g.bus_id?.slice(9, 11))).toEqual(['07', '0F', '47', '4E', '87', '90', 'B7', 'BD']);
  });

  it('reads csv,noheader,nounits in the documented column order', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-h800-noheader-nounits.csv'));
    expect(gpus).toHaveLength(8);
    expect(gpus[7]).toMatchObject({ line: 8, index: '7', name: 'NVIDIA H800 80GB HBM3', bus_id: '00000000:DB:00.0', memory_mib: 81559 });
  });

  it('reads csv,nounits (header with [MiB], values without)', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-l20-nounits.csv'));
    expect(gpus.map((g) => [g.name, g.memory_mib])).toEqual(Array(4).fill(['NVIDIA L20', 46068]));
  });

  it('reads several nodes concatenated (the header repeats), with CRLF line ends', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-a800-2nodes.csv').replace(/\n/g, '\r\n'));
    expect(gpus).toHaveLength(16);
    expect(gpus[8]!.line).toBe(11);
    expect(new Set(gpus.map((g) => g.uuid)).size).toBe(16);
  });

  it('accepts the documented aliases and any column order', () => {
    const gpus = parseNvidiaSmiCsv('gpu_uuid, gpu_name, gpu_bus_id\nGPU-1b2c3d4e-0000-1111-2222-333344445555, Tesla T4, 00000000:3B:00.0\n');
    expect(gpus).toEqual([
      { line: 2, index: null, name: 'Tesla T4', uuid: 'GPU-1b2c3d4e-0000-1111-2222-333344445555', bus_id: '00000000:3B:00.0', host: null, memory_mib: null },
    ]);
  });

  it('treats [N/A] as absent', () => {
    const [gpu] = parseNvidiaSmiCsv('0, NVIDIA L40S, GPU-aa, [N/A], [N/A]\n');
    expect(gpu).toMatchObject({ bus_id: null, memory_mib: null });
  });

  it('names the line of what it cannot read', () => {
    expect(() => parseNvidiaSmiCsv(fixture('nvidia-smi-driver-failed.txt'))).toThrow(/^line 1: expected 5 comma-separated fields/);
    expect(() => parseNvidiaSmiCsv('index, name, uuid\n0, NVIDIA L20\n')).toThrow(/^line 2: expected 3 comma-separated fields/);
    expect(() => parseNvidiaSmiCsv('index, name, pci.bus_id\n')).toThrow(/^line 1: the header names no uuid column/);
    expect(() => parseNvidiaSmiCsv('0, NVIDIA L20, not-a-uuid, 00000000:3D:00.0, 46068\n')).toThrow(/^line 1: "not-a-uuid" is not a GPU UUID/);
    expect(() => parseNvidiaSmiCsv('0, NVIDIA L20, GPU-aa, 00000000:3D:00.0, 46 GB\n')).toThrow(/^line 1: memory.total "46 GB"/);
    expect(() => parseNvidiaSmiCsv('0, , GPU-aa, 00000000:3D:00.0, 46068\n')).toThrow(/^line 1: the name field is empty/);
    expect(() => parseNvidiaSmiCsv('No devices were found\n')).toThrow(/^line 1: nvidia-smi found no devices/);
    expect(() => parseNvidiaSmiCsv('\n\n')).toThrow(/^no GPU lines found/);
  });
});
