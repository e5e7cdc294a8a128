// One accelerator as a node's own tool lists it (nvidia-smi, npu-smi), before its name is mapped to a catalog model.

export interface CollectedDevice {
  /** 1-based line of the input the device was read from (errors name it). */
  line: number;
  /** The name the tool prints, e.g. "NVIDIA A100-SXM4-80GB" or "910B3". */
  name: string;
  /** nvidia-smi's index, or npu-smi's "NPU/chip" pair. */
  index: string | null;
  /** nvidia-smi's GPU UUID; npu-smi info prints none. */
  uuid: string | null;
  /** The PCIe bus id: unique on its host only. */
  bus_id: string | null;
  /**
   * The node the device was listed on, where the tool does not print a globally unique id: npu-smi's chips (named by a
   * `host:` line or --host); null for nvidia-smi, whose UUIDs tell cards apart across nodes.
   */
  host: string | null;
}

/** A problem with the input, naming the line it was found on (0: the input as a whole). */
export class CollectError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}
