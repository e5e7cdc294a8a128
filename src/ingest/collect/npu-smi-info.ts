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
import { CollectError, type CollectedDevice } from './collected-device.js';

export const npu_smi_limits = {
  devices_max: 100_000,
} as const;

export interface NpuSmiChip extends CollectedDevice {
  npu_id: number;
  chip_id: number;
  health: string;
}

const bus_id_re = /^[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]$/;

function cellsOf(line: string): string[] | null {
  const t = line.trim();
  if (!t.startsWith('|') || !t.endsWith('|') || t.length < 2) return null;
  return t.slice(1, -1).split('|').map((c) => c.trim());
}

export function parseNpuSmiInfo(text: string): NpuSmiChip[] {
  const chips: NpuSmiChip[] = [];
  let section: 'none' | 'devices' | 'processes' = 'none';
  let npu: { id: number; name: string; health: string; line: number; chips: number } | null = null;

  const closeNpu = () => {
    if (npu !== null && npu.chips === 0) throw new CollectError(npu.line, `NPU ${npu.id} (${npu.name}) has no chip row`);
    npu = null;
  };

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const cells = cellsOf(raw);
    if (cells === null) return; // borders (+---+, +===+), blank lines, shell prompts
    const first = cells[0] ?? '';
    const second = cells[1] ?? '';
    if (/^NPU\b/.test(first) && /^Health\b/.test(second)) {
      closeNpu();
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
        line, name: npu.name, npu_id: npu.id, chip_id: Number(chip[1]), health: npu.health,
        index: `${npu.id}/${chip[1]}`, uuid: null, bus_id: second === 'NA' ? null : second,
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
  if (chips.length === 0) throw new CollectError(0, 'no NPU rows found: expected the table printed by `npu-smi info`');
  return chips;
}
