import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNpuSmiInfo } from './npu-smi-info.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../../test/fixtures/collect/${name}`, import.meta.url), 'utf8');

describe('parseNpuSmiInfo', () => {
  it('reads the 910B table: one chip per NPU, the process table skipped', () => {
    const chips = parseNpuSmiInfo(fixture('npu-smi-910b3-8npu.txt'));
    expect(chips).toHaveLength(8);
    expect(chips[0]).toEqual({ line: 8, name: '910B3', npu_id: 0, chip_id: 0, health: 'OK', index: '0/0', uuid: null, bus_id: '0000:C1:00.0' });
    expect(chips.map((c) => c.bus_id)).toEqual(['0000:C1:00.0', '0000:C2:00.0', '0000:81:00.0', '0000:82:00.0', '0000:01:00.0', '0000:02:00.0', '0000:41:00.0', '0000:42:00.0']);
  });

  it('reads the 310P table, whose chip rows carry Chip and Device', () => {
    const chips = parseNpuSmiInfo(fixture('npu-smi-310p3-4npu.txt'));
    expect(chips.map((c) => [c.name, c.index, c.bus_id])).toEqual([
      ['310P3', '0/0', '0000:01:00.0'], ['310P3', '1/0', '0000:02:00.0'], ['310P3', '2/0', '0000:81:00.0'], ['310P3', '3/0', '0000:82:00.0'],
    ]);
  });

  it('reads several chips under one NPU and a bus id printed as NA', () => {
    const text = [
      '| NPU   Name                | Health        | Power(W)    Temp(C)           Hugepages-Usage(page)|',
      '| Chip  Phy-ID              | Bus-Id        | AICore(%)   Memory-Usage(MB)  HBM-Usage(MB)        |',
      '+===========================+===============+====================================================+',
      '| 1     Ascend910           | OK            | 150.0       44                0    / 0             |',
      '| 0     2                   | 0000:9E:00.0  | 0           0    / 0          3343 / 65536         |',
      '| 1     3                   | NA            | 0           0    / 0          3343 / 65536         |',
    ].join('\n');
    expect(parseNpuSmiInfo(text).map((c) => [c.npu_id, c.chip_id, c.bus_id])).toEqual([[1, 0, '0000:9E:00.0'], [1, 1, null]]);
  });

  it('reads two nodes concatenated', () => {
    const one = fixture('npu-smi-910b3-8npu.txt');
    expect(parseNpuSmiInfo(`${one}\n$ ssh node2 npu-smi info\n${one}`)).toHaveLength(16);
  });

  it('names the line of what it cannot read', () => {
    const head = '| NPU   Name   | Health | Power(W) Temp(C) |\n';
    expect(() => parseNpuSmiInfo(`${head}| 0     910B3  | OK     | 93.4  38 |\n| 1     910B3  | OK     | 93.4  38 |\n| 0     | 0000:C2:00.0 | 0 |\n`)).toThrow(/^line 2: NPU 0 \(910B3\) has no chip row/);
    expect(() => parseNpuSmiInfo(`${head}| 0     | 0000:C1:00.0 | 0 |\n`)).toThrow(/^line 2: a chip row before any NPU row/);
    expect(() => parseNpuSmiInfo(`${head}| something else entirely |\n`)).toThrow(/^line 2: not an NPU or chip row/);
    expect(() => parseNpuSmiInfo('npu-smi: command not found\n')).toThrow(/^no NPU rows found/);
  });
});
