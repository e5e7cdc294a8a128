// Devices listed by a node tool → an inventory snapshot: per catalog model, how many devices and which ones.
import { CollectError, type CollectedDevice } from './collected-device.js';
import { modelForName } from './model-names.js';

export interface SnapshotDevice { index: string | null; uuid: string | null; bus_id: string | null }

export interface SnapshotEntry {
  accelerator: string;
  count: number;
  /** The names the tool printed for this model (normally one). */
  names: string[];
  devices: SnapshotDevice[];
}

/**
 * Maps every device's name to a catalog model (an unknown name is an error naming its line), refuses a device UUID
 * listed twice (the same node collected twice would double its cards), and groups by model, sorted by model id.
 */
export function buildSnapshot(devices: readonly CollectedDevice[], overrides: ReadonlyMap<string, string> = new Map()): SnapshotEntry[] {
  const by_model = new Map<string, SnapshotEntry>();
  const uuid_lines = new Map<string, number>();
  for (const d of devices) {
    const model = modelForName(d.name, overrides);
    if (model === null) throw new CollectError(d.line, `unknown accelerator name "${d.name}": add --map "${d.name}=<catalog model id>"`);
    if (d.uuid !== null) {
      const seen = uuid_lines.get(d.uuid);
      if (seen !== undefined) throw new CollectError(d.line, `${d.uuid} is listed twice (also on line ${seen})`);
      uuid_lines.set(d.uuid, d.line);
    }
    const entry = by_model.get(model) ?? { accelerator: model, count: 0, names: [], devices: [] };
    entry.count++;
    if (!entry.names.includes(d.name)) entry.names.push(d.name);
    entry.devices.push({ index: d.index, uuid: d.uuid, bus_id: d.bus_id });
    by_model.set(model, entry);
  }
  return [...by_model.values()].sort((a, b) => (a.accelerator < b.accelerator ? -1 : a.accelerator > b.accelerator ? 1 : 0));
}
