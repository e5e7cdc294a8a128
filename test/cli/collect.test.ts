// `suanli collect nvidia-smi|npu-smi`: a node tool's device list → an inventory snapshot, printed or applied to a
// cluster through the store (the method PUT /clusters/{id}/inventory uses), on both engines; and as a command.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, type Parties } from '../support/api.js';
import os from 'node:os';
import path from 'node:path';
import { collect_limits, collectInventory, readInput, type CollectOptions } from '../../src/cli/commands/collect.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/collect/${name}`, import.meta.url), 'utf8');
/** One node's `npu-smi info` output after the line naming its host, as `ssh "$h" 'echo "host: $(hostname)"; npu-smi info'` prints it. */
const npuNode = (host: string, name = 'npu-smi-910b3-8npu.txt') => `host: ${host}\n${fixture(name)}`;
const T = (iso: string) => Date.parse(iso);

describeEachEngine('suanli collect', (db) => {
  let p: Parties;
  const run = (options: Partial<CollectOptions> & Pick<CollectOptions, 'tool' | 'text'>) => {
    const lines: string[] = [];
    const result = collectInventory(db().store, {
      cluster_id: p.cluster_id,
      apply: true,
      valid_from_ms: T('2026-11-01T00:00:00Z'),
      maps: [],
      out: (l) => lines.push(l),
      ...options,
    });
    return { result, lines };
  };

  it('sets up parties', async () => {
    p = await createParties(await testApi(db()), 'collect');
  });

  it('prints the snapshot as JSON without --apply and changes nothing', async () => {
    const { result, lines } = run({ tool: 'npu-smi', text: npuNode('npu-a1'), apply: false });
    await result;
    const printed = JSON.parse(lines.join('\n')) as { inventory: { accelerator: string; count: number; devices: { bus_id: string }[] }[] };
    expect(printed).toMatchObject({
      cluster_id: p.cluster_id,
      tool: 'npu-smi',
      devices: 8,
      inventory: [{ accelerator: 'huawei-ascend-910b', count: 8, names: ['910B3'] }],
    });
    expect(printed.inventory[0]!.devices[0]).toEqual({ index: '0/0', uuid: null, bus_id: '0000:C1:00.0', host: 'npu-a1' });
    expect((await db().store.clusters.get(p.cluster_id))!.inventory.find((i) => i.accelerator === 'huawei-ascend-910b')!.count).toBe(64);
  });

  it('applies: closes the old interval at --valid-from, opens the collected count, leaves other models, audits as operator', async () => {
    const before = await db().store.audit.list({ subject_id: p.cluster_id, action: 'cluster.inventory' }, 100);
    const { result, lines } = run({ tool: 'npu-smi', text: fixture('npu-smi-910b3-8npu.txt'), host: 'npu-a1' });
    await result;
    expect(lines).toEqual([
      'huawei-ascend-910b: 64 → 8 from 2026-11-01 08:00 (UTC+8)',
      'metax-c500: not seen by npu-smi, left as it is',
      'nvidia-a800-80gb-pcie: not seen by npu-smi, left as it is',
      `inventory of ${p.cluster_id} updated (audit: cluster.inventory)`,
    ]);
    const c = (await db().store.clusters.get(p.cluster_id))!;
    expect(c.inventory.filter((i) => i.accelerator === 'huawei-ascend-910b')).toEqual([
      { accelerator: 'huawei-ascend-910b', count: 64, valid_from_ms: T('2026-01-01T00:00:00Z'), valid_to_ms: T('2026-11-01T00:00:00Z') },
      { accelerator: 'huawei-ascend-910b', count: 8, valid_from_ms: T('2026-11-01T00:00:00Z'), valid_to_ms: null },
    ]);
    expect(c.inventory.find((i) => i.accelerator === 'nvidia-a800-80gb-pcie')).toMatchObject({ count: 16, valid_to_ms: null });
    const after = await db().store.audit.list({ subject_id: p.cluster_id, action: 'cluster.inventory' }, 100);
    expect(after).toHaveLength(before.length + 1);
    expect(after[after.length - 1]!.actor.role).toBe('operator');
  });

  it('applying the same snapshot again changes nothing and writes no audit entry', async () => {
    const before = await db().store.audit.list({ subject_id: p.cluster_id }, 100);
    const { result, lines } = run({ tool: 'npu-smi', text: npuNode('npu-a1'), valid_from_ms: T('2026-11-15T00:00:00Z') });
    await result;
    expect(lines[0]).toBe('huawei-ascend-910b: 8, unchanged');
    expect(lines[lines.length - 1]).toBe(`inventory of ${p.cluster_id} unchanged`);
    expect(await db().store.audit.list({ subject_id: p.cluster_id }, 100)).toHaveLength(before.length);
  });

  it('adds a model the cluster did not hold (310P), and nvidia-smi output with a --map', async () => {
    await run({ tool: 'npu-smi', text: npuNode('infer-1', 'npu-smi-310p3-4npu.txt') }).result;
    const { result, lines } = run({
      tool: 'nvidia-smi',
      text: fixture('nvidia-smi-unknown-model.csv'),
      maps: ['NVIDIA B200=nvidia-h200-sxm'],
      valid_from_ms: T('2026-12-01T00:00:00Z'),
    });
    await result;
    expect(lines.slice(0, 2)).toEqual(['nvidia-h100-sxm: 0 → 1 from 2026-12-01 08:00 (UTC+8)', 'nvidia-h200-sxm: 0 → 1 from 2026-12-01 08:00 (UTC+8)']);
    const c = (await db().store.clusters.get(p.cluster_id))!;
    expect(c.inventory.filter((i) => i.valid_to_ms === null).map((i) => [i.accelerator, i.count])).toEqual([
      ['huawei-ascend-310p', 4],
      ['huawei-ascend-910b', 8],
      ['metax-c500', 8],
      ['nvidia-a800-80gb-pcie', 16],
      ['nvidia-h100-sxm', 1],
      ['nvidia-h200-sxm', 1],
    ]);
  });

  it('refuses an unknown name (naming the line), a model outside the catalog, an unknown cluster and a later interval', async () => {
    await expect(run({ tool: 'nvidia-smi', text: fixture('nvidia-smi-unknown-model.csv') }).result).rejects.toThrow(
      /^line 3: unknown accelerator name "NVIDIA B200"/,
    );
    await expect(run({ tool: 'npu-smi', text: npuNode('npu-a1'), maps: ['910B3=huawei-ascend-999'] }).result).rejects.toThrow(
      /accelerator "huawei-ascend-999" \(for "910B3"\) is not in the catalog/,
    );
    await expect(run({ tool: 'npu-smi', text: npuNode('npu-a1'), cluster_id: 'c_nothere' }).result).rejects.toThrow(/cluster c_nothere not found/);
    await expect(run({ tool: 'npu-smi', text: npuNode('npu-a1'), valid_from_ms: T('2026-10-01T00:00:00Z') }).result).rejects.toThrow(
      /has a huawei-ascend-910b interval from 2026-11-01 08:00 \(UTC\+8\), after --valid-from/,
    );
  });

  it("npu-smi: refuses the same node's output twice, naming the host and the bus id, and changes nothing", async () => {
    const before = (await db().store.clusters.get(p.cluster_id))!.inventory;
    const audit = await db().store.audit.list({ subject_id: p.cluster_id }, 100);
    const twice = `${npuNode('npu-a1')}${npuNode('npu-a2')}${npuNode('npu-a1')}`;
    await expect(run({ tool: 'npu-smi', text: twice, valid_from_ms: T('2026-12-15T00:00:00Z') }).result).rejects.toThrow(
      /^line 109: host npu-a1 bus id 0000:C1:00.0 is listed twice \(also on line 9\): the same node's output is in the input twice$/,
    );
    // one node's file given with --host and again after its host: line (two files of the same node, concatenated)
    await expect(
      run({ tool: 'npu-smi', text: `${fixture('npu-smi-910b3-8npu.txt')}${npuNode('npu-a1')}`, host: 'npu-a1', valid_from_ms: T('2026-12-15T00:00:00Z') })
        .result,
    ).rejects.toThrow(/host npu-a1 bus id 0000:C1:00.0 is listed twice \(also on line 8\)/);
    await expect(run({ tool: 'npu-smi', text: fixture('npu-smi-910b3-8npu.txt'), valid_from_ms: T('2026-12-15T00:00:00Z') }).result).rejects.toThrow(
      /^line 4: no host for this npu-smi table/,
    );
    await expect(run({ tool: 'nvidia-smi', text: fixture('nvidia-smi-a100-8gpu.csv'), host: 'gpu-1', apply: false }).result).rejects.toThrow(
      /--host is for npu-smi output/,
    );
    expect((await db().store.clusters.get(p.cluster_id))!.inventory).toEqual(before);
    expect(await db().store.audit.list({ subject_id: p.cluster_id }, 100)).toHaveLength(audit.length);
  });

  it('npu-smi: two hosts printing the same bus ids are two nodes', async () => {
    const { result, lines } = run({ tool: 'npu-smi', text: `${npuNode('npu-a1')}${npuNode('npu-a2')}`, valid_from_ms: T('2026-12-15T00:00:00Z') });
    const snapshot = await result;
    expect(snapshot.devices).toBe(16);
    expect(snapshot.inventory[0]!.devices.filter((d) => d.bus_id === '0000:C1:00.0').map((d) => d.host)).toEqual(['npu-a1', 'npu-a2']);
    expect(lines[0]).toBe('huawei-ascend-910b: 8 → 16 from 2026-12-15 08:00 (UTC+8)');
  });
});

function suanli(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env: { ...process.env, SUANLI_LOG_LEVEL: 'silent' } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

it('suanli collect reads standard input, prints JSON, and exits 1 naming the line it cannot map', async () => {
  const ok = await suanli(['collect', 'nvidia-smi', '-', '--cluster', 'c_x'], fixture('nvidia-smi-h800-noheader-nounits.csv'));
  expect(ok.code).toBe(0);
  expect(JSON.parse(ok.stdout)).toMatchObject({ cluster_id: 'c_x', tool: 'nvidia-smi', devices: 8, inventory: [{ accelerator: 'nvidia-h800-sxm', count: 8 }] });
  const bad = await suanli(['collect', 'nvidia-smi', '--cluster', 'c_x'], fixture('nvidia-smi-unknown-model.csv'));
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('error: line 3: unknown accelerator name "NVIDIA B200"');
  const tool = await suanli(['collect', 'rocm-smi', '--cluster', 'c_x'], '');
  expect(tool.code).toBe(1);
}, 60_000);

it("suanli collect npu-smi names each table's host (host: lines or --host) and exits 1 on the same node twice", async () => {
  const one = fixture('npu-smi-910b3-8npu.txt');
  const ok = await suanli(['collect', 'npu-smi', '-', '--cluster', 'c_x', '--host', 'npu-a1'], one);
  expect(ok.code).toBe(0);
  const printed = JSON.parse(ok.stdout) as { devices: number; inventory: { devices: { host: string }[] }[] };
  expect(printed.devices).toBe(8);
  expect(new Set(printed.inventory[0]!.devices.map((d) => d.host))).toEqual(new Set(['npu-a1']));
  const two = await suanli(['collect', 'npu-smi', '--cluster', 'c_x'], `host: npu-a1\n${one}host: npu-a2\n${one}`);
  expect(two.code).toBe(0);
  expect(JSON.parse(two.stdout)).toMatchObject({ devices: 16, inventory: [{ accelerator: 'huawei-ascend-910b', count: 16 }] });
  const twice = await suanli(['collect', 'npu-smi', '-', '--cluster', 'c_x'], `host: npu-a1\n${one}host: npu-a1\n${one}`);
  expect(twice.code).toBe(1);
  expect(twice.stderr).toContain('error: line 59: host npu-a1 bus id 0000:C1:00.0 is listed twice (also on line 9)');
  const none = await suanli(['collect', 'npu-smi', '-', '--cluster', 'c_x'], one);
  expect(none.code).toBe(1);
  expect(none.stderr).toContain('error: line 4: no host for this npu-smi table');
  const nvidia = await suanli(['collect', 'nvidia-smi', '-', '--cluster', 'c_x', '--host', 'gpu-1'], fixture('nvidia-smi-a100-8gpu.csv'));
  expect(nvidia.code).toBe(1);
  expect(nvidia.stderr).toContain('--host');
}, 60_000);

it('reads an input up to its limit and refuses one byte more', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-collect-')), 'big.txt');
  fs.writeFileSync(file, Buffer.alloc(collect_limits.input_bytes_max, 0x20));
  expect((await readInput(file)).length).toBe(collect_limits.input_bytes_max);
  fs.appendFileSync(file, ' ');
  await expect(readInput(file)).rejects.toThrow(`the input is larger than ${collect_limits.input_bytes_max} bytes`);
  fs.rmSync(path.dirname(file), { recursive: true });
});
