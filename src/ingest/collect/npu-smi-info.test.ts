import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNpuSmiInfo } from './npu-smi-info.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../../test/fixtures/collect/${name}`, import.meta.url), 'utf8');

describe('parseNpuSmiInfo', () => {
  it('reads the 910B table: one chip per NPU, the process table skipped', () => {
    const chips = parseNpuSmiInfo(fixture('npu-smi-910b3-8npu.txt'), { host: 'npu-a1' });
    expect(chips).toHaveLength(8);
    expect(chips[0]).toEqual({ line: 8, name: '910B3', npu_id: 0, chip_id: 0, health: 'OK', index: '0/0', uuid: null, bus_id: '0000:C1:00.0', host: 'npu-a1' });
    expect(chips.map((c) => c.bus_id)).toEqual([
      '0000:C1:00.0',
      '0000:C2:00.0',
      '0000:81:00.0',
      '0000:82:00.0',
      '0000:01:00.0',
      '0000:02:00.0',
      '0000:41:00.0',
      '0000:42:00.0',
    ]);
  });

  it('reads the 310P table, whose chip rows carry Chip and Device', () => {
    const chips = parseNpuSmiInfo(fixture('npu-smi-310p3-4npu.txt'), { host: 'infer-1' });
    expect(chips.map((c) => [c.name, c.index, c.bus_id])).toEqual([
      ['310P3', '0/0', '0000:01:00.0'],
      ['310P3', '1/0', '0000:02:00.0'],
      ['310P3', '2/0', '0000:81:00.0'],
      ['310P3', '3/0', '0000:82:00.0'],
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
    expect(parseNpuSmiInfo(text, { host: 'a3-1' }).map((c) => [c.npu_id, c.chip_id, c.bus_id])).toEqual([
      [1, 0, '0000:9E:00.0'],
      [1, 1, null],
    ]);
  });

  it('reads two nodes concatenated, each named by the host: line before it', () => {
    const one = fixture('npu-smi-910b3-8npu.txt');
    const chips = parseNpuSmiInfo(`host: npu-a1\n${one}\n$ ssh npu-a2 npu-smi info\nHOST:  npu-a2 \r\n${one}`);
    expect(chips).toHaveLength(16);
    expect(chips.map((c) => c.host)).toEqual([...Array<string>(8).fill('npu-a1'), ...Array<string>(8).fill('npu-a2')]);
    expect(chips[8]).toMatchObject({ line: 61, index: '0/0', bus_id: '0000:C1:00.0', host: 'npu-a2' });
  });

  it('takes --host for the tables before any host: line, and a host: line over it', () => {
    const one = fixture('npu-smi-910b3-8npu.txt');
    expect(new Set(parseNpuSmiInfo(one, { host: 'npu-a1' }).map((c) => c.host))).toEqual(new Set(['npu-a1']));
    const chips = parseNpuSmiInfo(`${one}\nhost: npu-a2\n${one}`, { host: 'npu-a1' });
    expect([chips[0]!.host, chips[8]!.host]).toEqual(['npu-a1', 'npu-a2']);
    // the same host's table twice is read here; buildSnapshot refuses its bus ids listed twice
    expect(parseNpuSmiInfo(`host: npu-a1\n${one}\n${one}`).map((c) => c.host)).toEqual(Array<string>(16).fill('npu-a1'));
  });

  it('refuses a table no host names, a malformed host, and a host with no table', () => {
    const one = fixture('npu-smi-910b3-8npu.txt');
    expect(() => parseNpuSmiInfo(one)).toThrow(
      /^line 4: no host for this npu-smi table .*put a line "host: NAME" before each node's output.*or give --host NAME/,
    );
    expect(() => parseNpuSmiInfo('host: two words\n' + one)).toThrow(/^line 1: "host: two words" names no host: expected "host: NAME"/);
    expect(() => parseNpuSmiInfo('host:\n' + one)).toThrow(/^line 1: "host:" names no host/);
    expect(() => parseNpuSmiInfo(one, { host: '' })).toThrow(/^--host "" is not a host name/);
    expect(() => parseNpuSmiInfo(one, { host: 'x'.repeat(254) })).toThrow(/is not a host name/);
    expect(() => parseNpuSmiInfo(`host: npu-a1\n${one}\nhost: npu-a2\nssh: connect to host npu-a2 port 22: No route to host\nhost: npu-a3\n${one}`)).toThrow(
      /^line 52: no npu-smi table follows host npu-a2/,
    );
    expect(() => parseNpuSmiInfo(`host: npu-a1\n${one}\nhost: npu-a2\n`)).toThrow(/^line 52: no npu-smi table follows host npu-a2/);
  });

  it('names the line of what it cannot read', () => {
    const head = 'host: n1\n| NPU   Name   | Health | Power(W) Temp(C) |\n';
    expect(() => parseNpuSmiInfo(`${head}| 0     910B3  | OK     | 93.4  38 |\n| 1     910B3  | OK     | 93.4  38 |\n| 0     | 0000:C2:00.0 | 0 |\n`)).toThrow(
      /^line 3: NPU 0 \(910B3\) has no chip row/,
    );
    expect(() => parseNpuSmiInfo(`${head}| 0     | 0000:C1:00.0 | 0 |\n`)).toThrow(/^line 3: a chip row before any NPU row/);
    expect(() => parseNpuSmiInfo(`${head}| something else entirely |\n`)).toThrow(/^line 3: not an NPU or chip row/);
    expect(() => parseNpuSmiInfo('npu-smi: command not found\n', { host: 'n1' })).toThrow(/^no NPU rows found/);
  });
});
