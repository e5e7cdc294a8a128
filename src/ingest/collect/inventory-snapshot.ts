// Devices listed by a node tool → an inventory snapshot: per catalog model, how many devices and which ones.
import { CollectError, type CollectedDevice } from './collected-device.js';
import { modelForName } from './model-names.js';

export interface SnapshotDevice {
  index: string | null;
  uuid: string | null;
  bus_id: string | null;
  host: string | null;
}

export interface SnapshotEntry {
  accelerator: string;
  count: number;
  /** The names the tool printed for this model (normally one). */
  names: string[];
  devices: SnapshotDevice[];
}

/**
 * What tells a device apart from every other in the input, with the words that name it: its UUID (nvidia-smi), or its
 * bus id on its host (npu-smi: a Bus-Id is unique only per host; two hosts may print the same ones) — its NPU/chip
 * index on its host where the bus id is NA. Null where neither is known.
 */
function identityOf(d: CollectedDevice): { key: string; says: string } | null {
  if (d.uuid !== null) return { key: JSON.stringify(['uuid', d.uuid]), says: d.uuid };
  if (d.host === null) return null;
  if (d.bus_id !== null) return { key: JSON.stringify(['bus', d.host, d.bus_id.toUpperCase()]), says: `host ${d.host} bus id ${d.bus_id}` };
  if (d.index !== null) return { key: JSON.stringify(['index', d.host, d.index]), says: `host ${d.host} NPU/chip ${d.index}` };
  return null;
}

/**
 * Maps every device's name to a catalog model (an unknown name is an error naming its line), refuses a device listed
 * twice — the same GPU UUID, or the same bus id on the same host (the same node collected twice would double its
 * cards) —, and groups by model, sorted by model id.
 */
export function buildSnapshot(devices: readonly CollectedDevice[], overrides: ReadonlyMap<string, string> = new Map()): SnapshotEntry[] {
  const by_model = new Map<string, SnapshotEntry>();
  const seen_lines = new Map<string, number>();
  for (const d of devices) {
    const model = modelForName(d.name, overrides);
    if (model === null) throw new CollectError(d.line, `unknown accelerator name "${d.name}": add --map "${d.name}=<catalog model id>"`);
    const identity = identityOf(d);
    if (identity !== null) {
      const seen = seen_lines.get(identity.key);
      if (seen !== undefined)
        throw new CollectError(d.line, `${identity.says} is listed twice (also on line ${seen}): the same node's output is in the input twice`);
      seen_lines.set(identity.key, d.line);
    }
    const entry = by_model.get(model) ?? { accelerator: model, count: 0, names: [], devices: [] };
    entry.count++;
    if (!entry.names.includes(d.name)) entry.names.push(d.name);
    entry.devices.push({ index: d.index, uuid: d.uuid, bus_id: d.bus_id, host: d.host });
    by_model.set(model, entry);
  }
  return [...by_model.values()].sort((a, b) => (a.accelerator < b.accelerator ? -1 : a.accelerator > b.accelerator ? 1 : 0));
}
