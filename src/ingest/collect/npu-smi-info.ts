// Parser of the table `npu-smi info` prints on a Huawei Ascend node (one node's output, or several concatenated).
//
// Each NPU takes a name row and one row per chip:
//   | NPU   Name                | Health        | Power(W)    Temp(C)           Hugepages-Usage(page)|
//   | Chip                      | Bus-Id        | AICore(%)   Memory-Usage(MB)  HBM-Usage(MB)        |   (910B)
//   | Chip    Device            | Bus-Id        | AICore(%)   Memory-Usage(MB)                       |   (310P)
//   | 0     910B3               | OK            | 99.5        37                0    / 0             |
//   | 0                         | 0000:C1:00.0  | 0           0    / 0          33724/ 65536         |
// A chip row's first cell holds one number (Chip) or two (Chip and Device / Phy-ID), so a 310P chip row "| 0  0 |"
// looks like a name row whose name is "0": chip rows are told apart by their Bus-Id cell first. The process table
// that follows ("| NPU  Chip | Process id | …") is skipped. Every chip is one device: it is what npu-exporter
// reports as one `id` and what the device plugin allocates as one huawei.com/Ascend… resource.
//
// npu-smi prints no host name and no globally unique chip id; a chip's Bus-Id is unique on its host only. So every
// table must belong to a named host: a line `host: NAME` before a node's output names the node of the tables after it
// (`ssh "$h" 'echo "host: $(hostname)"; npu-smi info'`), and options.host names it before any such line (one node's
// output). A table no host names is refused; buildSnapshot then refuses a (host, bus id) pair listed twice.
import { CollectError, type CollectedDevice } from './collected-device.js';

export const npu_smi_limits = {
  devices_max: 100_000,
  host_chars_max: 253,
} as const;

export interface NpuSmiOptions {
  /** The node of the tables no `host:` line precedes (--host). */
  host?: string;
}

export interface NpuSmiChip extends CollectedDevice {
  npu_id: number;
  chip_id: number;
  health: string;
}

const bus_id_re = /^[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]$/;
const host_line_re = /^host:(.*)$/i;

/** A host name as the Prometheus mapping file takes it: no spaces, at most 253 characters (a DNS name's limit). */
export function isHostName(value: string): boolean {
  return value.length >= 1 && value.length <= npu_smi_limits.host_chars_max && /^\S+$/.test(value);
}

function cellsOf(line: string): string[] | null {
  const t = line.trim();
  if (!t.startsWith('|') || !t.endsWith('|') || t.length < 2) return null;
  return t
    .slice(1, -1)
    .split('|')
    .map((c) => c.trim());
}

export function parseNpuSmiInfo(text: string, options: NpuSmiOptions = {}): NpuSmiChip[] {
  if (options.host !== undefined && !isHostName(options.host)) {
    throw new CollectError(0, `--host "${options.host.slice(0, 120)}" is not a host name (no spaces, at most ${npu_smi_limits.host_chars_max} characters)`);
  }
  const chips: NpuSmiChip[] = [];
  let section: 'none' | 'devices' | 'processes' = 'none';
  let npu: { id: number; name: string; health: string; line: number; chips: number } | null = null;
  /** The host named last (a `host:` line, or --host before any); the devices table takes it at its header. */
  let host: string | null = options.host ?? null;
  let table_host: string | null = null;
  /** The last `host:` line and whether a table followed it: a node whose ssh or npu-smi failed prints none. */
  let host_line: { line: number; name: string; tables: number } | null = null;
  const closeHost = () => {
    if (host_line !== null && host_line.tables === 0) throw new CollectError(host_line.line, `no npu-smi table follows host ${host_line.name}`);
  };

  const closeNpu = () => {
    if (npu !== null && npu.chips === 0) throw new CollectError(npu.line, `NPU ${npu.id} (${npu.name}) has no chip row`);
    npu = null;
  };

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const named_host = host_line_re.exec(raw.trim());
    if (named_host) {
      const name = named_host[1]!.trim();
      if (!isHostName(name))
        throw new CollectError(
          line,
          `"${raw.trim().slice(0, 120)}" names no host: expected "host: NAME" (no spaces, at most ${npu_smi_limits.host_chars_max} characters)`,
        );
      closeNpu();
      closeHost();
      section = 'none'; // the next node's output starts with its own header
      host = name;
      host_line = { line, name, tables: 0 };
      return;
    }
    const cells = cellsOf(raw);
    if (cells === null) return; // borders (+---+, +===+), blank lines, shell prompts
    const first = cells[0] ?? '';
    const second = cells[1] ?? '';
    if (/^NPU\b/.test(first) && /^Health\b/.test(second)) {
      closeNpu();
      if (host === null) {
        throw new CollectError(
          line,
          'no host for this npu-smi table (npu-smi prints none, and a Bus-Id is unique only on its host): ' +
            'put a line "host: NAME" before each node\'s output, e.g. ssh "$h" \'echo "host: $(hostname)"; npu-smi info\', or give --host NAME for one node\'s output',
        );
      }
      table_host = host;
      if (host_line !== null) host_line.tables++;
      section = 'devices';
      return;
    }
    if (/^NPU\b/.test(first) && /^Process id\b/i.test(second)) {
      closeNpu();
      section = 'processes';
      return;
    }
    if (section !== 'devices') return; // the version line, the process table, "No running processes found…"
    if (/^Chip\b/.test(first)) return; // the second header row
    if (cells.length < 3) throw new CollectError(line, `not an NPU or chip row: "${raw.trim().slice(0, 120)}"`);

    const chip = /^(\d+)(?:\s+(\d+))?$/.exec(first);
    if (chip && (bus_id_re.test(second) || second === 'NA')) {
      if (npu === null) throw new CollectError(line, 'a chip row before any NPU row');
      if (chips.length >= npu_smi_limits.devices_max) throw new CollectError(line, `more than ${npu_smi_limits.devices_max} chips`);
      npu.chips++;
      chips.push({
        line,
        name: npu.name,
        npu_id: npu.id,
        chip_id: Number(chip[1]),
        health: npu.health,
        index: `${npu.id}/${chip[1]}`,
        uuid: null,
        bus_id: second === 'NA' ? null : second,
        host: table_host,
      });
      return;
    }
    const named = /^(\d+)\s+(\S+)$/.exec(first);
    if (named && !/^\d+$/.test(named[2]!) && second !== '' && !bus_id_re.test(second)) {
      closeNpu();
      npu = { id: Number(named[1]), name: named[2]!, health: second, line, chips: 0 };
      return;
    }
    throw new CollectError(line, `not an NPU or chip row: "${raw.trim().slice(0, 120)}"`);
  });
  closeNpu();
  closeHost();
  if (chips.length === 0) throw new CollectError(0, 'no NPU rows found: expected the table printed by `npu-smi info`');
  return chips;
}
