// `suanli collect nvidia-smi|npu-smi [FILE|-] --cluster ID [--apply]`: reads the device list a node's own tool prints
// (docs/collect.md) into an inventory snapshot; prints it as JSON, or with --apply sets the cluster's inventory from
// --valid-from on through the same repository method as PUT /api/v1/clusters/{id}/inventory. npu-smi output names no
// host, so its tables are named by `host:` lines or --host (a chip is its bus id on its host).
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { Store } from '../../store/store.js';
import { operator_actor } from '../../store/audit-repository.js';
import { inventory_intervals_max } from '../../http/routes/clusters.js';
import type { CollectedDevice } from '../../ingest/collect/collected-device.js';
import { buildSnapshot, type SnapshotEntry } from '../../ingest/collect/inventory-snapshot.js';
import { planInventory } from '../../ingest/collect/inventory-update.js';
import { parseNameMappings } from '../../ingest/collect/model-names.js';
import { parseNpuSmiInfo } from '../../ingest/collect/npu-smi-info.js';
import { parseNvidiaSmiCsv } from '../../ingest/collect/nvidia-smi-csv.js';

export const collect_tools = ['nvidia-smi', 'npu-smi'] as const;
export type CollectTool = (typeof collect_tools)[number];

export const collect_limits = {
  /** A whole cluster's concatenated output is a few MB at most; the input is read at once. */
  input_bytes_max: 16 * 1024 * 1024,
} as const;

export interface CollectOptions {
  tool: CollectTool;
  /** The tool's output. */
  text: string;
  cluster_id: string;
  apply: boolean;
  valid_from_ms: number;
  /** `--map NAME=model` entries. */
  maps: readonly string[];
  /** npu-smi: the node of the tables no `host:` line precedes (--host). */
  host?: string;
  out?: (line: string) => void;
}

export interface CollectSnapshot {
  cluster_id: string;
  tool: CollectTool;
  devices: number;
  inventory: SnapshotEntry[];
}

export function snapshotOf(options: Pick<CollectOptions, 'tool' | 'text' | 'cluster_id' | 'maps' | 'host'>): CollectSnapshot {
  if (options.tool === 'nvidia-smi' && options.host !== undefined)
    throw new Error("--host is for npu-smi output: nvidia-smi's GPU UUIDs already tell nodes apart");
  const devices: CollectedDevice[] = options.tool === 'nvidia-smi' ? parseNvidiaSmiCsv(options.text) : parseNpuSmiInfo(options.text, { host: options.host });
  return { cluster_id: options.cluster_id, tool: options.tool, devices: devices.length, inventory: buildSnapshot(devices, parseNameMappings(options.maps)) };
}

/** Without apply: prints the snapshot as JSON. With apply: checks the models against the catalog and writes the inventory. */
export async function collectInventory(store: Store | null, options: CollectOptions): Promise<CollectSnapshot> {
  const out = options.out ?? ((line: string) => console.log(line));
  const snapshot = snapshotOf(options);
  if (!options.apply) {
    out(JSON.stringify(snapshot, null, 2));
    return snapshot;
  }
  if (store === null) throw new Error('--apply needs the store');
  const cluster = await store.clusters.get(options.cluster_id);
  if (!cluster) throw new Error(`cluster ${options.cluster_id} not found`);
  const known = await store.catalog.throughputs();
  for (const e of snapshot.inventory) {
    if (!known.has(e.accelerator)) throw new Error(`accelerator "${e.accelerator}" (for ${e.names.map((n) => `"${n}"`).join(', ')}) is not in the catalog`);
  }
  const plan = planInventory(cluster.inventory, snapshot.inventory, options.valid_from_ms);
  if (plan.status === 'later_interval') {
    throw new Error(
      `the inventory of ${cluster.id} has a ${plan.accelerator} interval from ${store.calendar.formatInstant(plan.valid_from_ms)}, after --valid-from; change it through PUT /api/v1/clusters/${cluster.id}/inventory`,
    );
  }
  if (plan.inventory.length > inventory_intervals_max) throw new Error(`the inventory would hold more than ${inventory_intervals_max} intervals`);
  const from = store.calendar.formatInstant(options.valid_from_ms);
  for (const e of snapshot.inventory) {
    const change = plan.changes.find((c) => c.accelerator === e.accelerator);
    out(change ? `${e.accelerator}: ${change.count_before ?? 0} → ${change.count_after} from ${from}` : `${e.accelerator}: ${e.count}, unchanged`);
  }
  for (const a of plan.untouched) out(`${a}: not seen by ${options.tool}, left as it is`);
  if (plan.changes.length === 0) {
    out(`inventory of ${cluster.id} unchanged`);
  } else {
    await store.clusters.replaceInventory(cluster.id, plan.inventory, operator_actor, Date.now());
    out(`inventory of ${cluster.id} updated (audit: cluster.inventory)`);
  }
  return snapshot;
}

/** FILE, or standard input for - or no file; refused beyond collect_limits.input_bytes_max. */
export async function readInput(file: string | undefined): Promise<string> {
  const input = file === undefined || file === '-' ? process.stdin : fs.createReadStream(file);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += b.length;
    if (total > collect_limits.input_bytes_max) {
      if (input !== process.stdin) input.destroy();
      throw new Error(`the input is larger than ${collect_limits.input_bytes_max} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function instant(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new InvalidArgumentError('an RFC 3339 instant, e.g. 2026-11-01T00:00:00Z');
  return ms;
}

const collectMap = (value: string, previous: string[]) => [...previous, value];

export function register(parent: Command): void {
  const collect = parent.command('collect').description('read the device list a node tool prints into a cluster inventory snapshot (docs/collect.md)');
  const commands: Record<CollectTool, string> = {
    'nvidia-smi': 'output of `nvidia-smi --query-gpu=index,name,uuid,pci.bus_id,memory.total --format=csv` (also csv,noheader / nounits)',
    'npu-smi': 'output of `npu-smi info` (the table)',
  };
  const descriptions: Record<CollectTool, string> = {
    'nvidia-smi': "several nodes' outputs may be concatenated",
    'npu-smi': 'several nodes\' outputs may be concatenated, each after a line "host: NAME" (npu-smi prints no host; a Bus-Id is unique only per host)',
  };
  for (const tool of collect_tools) {
    const command = collect
      .command(`${tool} [file]`)
      .description(`${commands[tool]}; FILE or - for standard input; ${descriptions[tool]}`)
      .requiredOption('--cluster <id>', 'the cluster the devices belong to')
      .option('--apply', "set the cluster's inventory from --valid-from on (models the tool saw; others are left as they are)")
      .option('--valid-from <instant>', 'RFC 3339 instant the snapshot holds from (default: now)', instant)
      .option('--map <NAME=model>', 'map a printed name to a catalog model id (repeatable), over the built-in table', collectMap, [] as string[]);
    if (tool === 'npu-smi') command.option('--host <name>', 'the node of a table no "host: NAME" line precedes (one node\'s output)');
    command.action(async (file: string | undefined, opts: { cluster: string; apply?: boolean; validFrom?: number; map: string[]; host?: string }) => {
      const text = await readInput(file);
      let store: Store | null = null;
      if (opts.apply === true) {
        const { loadConfig } = await import('../../config.js');
        const { openStore } = await import('../open-store.js');
        store = await openStore(loadConfig());
      }
      try {
        await collectInventory(store, {
          tool,
          text,
          cluster_id: opts.cluster,
          apply: opts.apply === true,
          valid_from_ms: opts.validFrom ?? Date.now(),
          maps: opts.map,
          host: opts.host,
        });
      } finally {
        await store?.close();
      }
    });
  }
}
