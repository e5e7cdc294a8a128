// Parser of `nvidia-smi --query-gpu=index,name,uuid,pci.bus_id,memory.total --format=csv` (also `csv,noheader`,
// `csv,nounits`), one node's output or several nodes' outputs concatenated. Field names are NVIDIA's documented
// query fields (`nvidia-smi --help-query-gpu`), with their documented aliases.
import { CollectError, type CollectedDevice } from './collected-device.js';

/** The query suanli documents; without a header line the columns are taken in this order. */
export const nvidia_smi_query_fields = ['index', 'name', 'uuid', 'pci.bus_id', 'memory.total'] as const;
type Field = (typeof nvidia_smi_query_fields)[number];

const aliases: Readonly<Record<string, Field>> = {
  index: 'index',
  name: 'name',
  gpu_name: 'name',
  uuid: 'uuid',
  gpu_uuid: 'uuid',
  'pci.bus_id': 'pci.bus_id',
  gpu_bus_id: 'pci.bus_id',
  'memory.total': 'memory.total',
};

export const nvidia_smi_limits = {
  /** A node has at most a few dozen GPUs; a whole cluster's concatenated output stays well below this. */
  devices_max: 100_000,
} as const;

export interface NvidiaSmiGpu extends CollectedDevice {
  memory_mib: number | null;
}

/** A header cell is a field name, with its unit in brackets when printed with units: "memory.total [MiB]". */
function headerField(cell: string): Field | null {
  return aliases[cell.replace(/\s*\[[^\]]*\]$/, '').trim()] ?? null;
}

function isHeader(cells: readonly string[]): boolean {
  return cells.length > 0 && cells.every((c) => headerField(c) !== null);
}

function value(cell: string | undefined): string | null {
  if (cell === undefined) return null;
  const v = cell.trim();
  return v === '' || v === '[N/A]' || v === '[Not Supported]' ? null : v;
}

function memoryMib(cell: string | undefined, line: number): number | null {
  const v = value(cell);
  if (v === null) return null;
  const m = /^(\d+)(?:\s*MiB)?$/.exec(v);
  if (!m) throw new CollectError(line, `memory.total "${v}" is not a number of MiB`);
  return Number(m[1]);
}

export function parseNvidiaSmiCsv(text: string): NvidiaSmiGpu[] {
  const gpus: NvidiaSmiGpu[] = [];
  let columns: Field[] | null = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim());
    if (isHeader(cells)) {
      const fields = cells.map((c) => headerField(c)!);
      for (const required of ['name', 'uuid'] as const) {
        if (!fields.includes(required)) throw new CollectError(line, `the header names no ${required} column: query ${nvidia_smi_query_fields.join(',')}`);
      }
      columns = fields; // a repeated header starts the next node's output
      return;
    }
    if (/^No devices were found/i.test(raw.trim())) throw new CollectError(line, `nvidia-smi found no devices: "${raw.trim()}"`);
    const cols: readonly Field[] = columns ?? nvidia_smi_query_fields;
    if (cells.length !== cols.length) {
      throw new CollectError(line, `expected ${cols.length} comma-separated fields (${cols.join(', ')}), got ${cells.length}: "${raw.trim().slice(0, 120)}"`);
    }
    const get = (f: Field) => {
      const at = cols.indexOf(f);
      return at < 0 ? undefined : cells[at];
    };
    const name = value(get('name'));
    if (name === null) throw new CollectError(line, 'the name field is empty');
    const uuid = value(get('uuid'));
    if (uuid !== null && !/^(GPU|MIG)-[0-9A-Za-z-]+$/.test(uuid)) throw new CollectError(line, `"${uuid}" is not a GPU UUID`);
    const index = value(get('index'));
    if (index !== null && !/^\d+$/.test(index)) throw new CollectError(line, `index "${index}" is not a number`);
    if (gpus.length >= nvidia_smi_limits.devices_max) throw new CollectError(line, `more than ${nvidia_smi_limits.devices_max} GPUs`);
    gpus.push({ line, name, index, uuid, bus_id: value(get('pci.bus_id')), host: null, memory_mib: memoryMib(get('memory.total'), line) });
  });
  if (gpus.length === 0)
    throw new CollectError(0, `no GPU lines found: expected the output of nvidia-smi --query-gpu=${nvidia_smi_query_fields.join(',')} --format=csv`);
  return gpus;
}
