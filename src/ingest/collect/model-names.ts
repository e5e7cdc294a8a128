// Accelerator names as the vendors' tools print them (nvidia-smi, npu-smi, dcgm-exporter, npu-exporter) → catalog
// model ids. Only names seen in real output are listed; anything else needs an explicit NAME=model mapping.

/**
 * nvidia-smi's `name` (NVML's product name; DCGM's `modelName` label is the same string) and npu-smi's chip name.
 * Drivers before R510 printed NVIDIA names without the "NVIDIA " prefix, so both spellings are listed where seen.
 * Ascend 910C (Atlas A3) is deliberately absent: npu-smi lists it as "Ascend910" with two dies per NPU, while the
 * catalog's 910C figures are per package, so counting it needs a decision the operator makes with --map.
 */
export const builtin_model_names: Readonly<Record<string, string>> = Object.freeze({
  'NVIDIA A100-SXM4-80GB': 'nvidia-a100-80gb-sxm',
  'A100-SXM4-80GB': 'nvidia-a100-80gb-sxm',
  'NVIDIA A800-SXM4-80GB': 'nvidia-a800-80gb-sxm',
  'NVIDIA A800 80GB PCIe': 'nvidia-a800-80gb-pcie',
  'NVIDIA H100 80GB HBM3': 'nvidia-h100-sxm',
  'NVIDIA H800 80GB HBM3': 'nvidia-h800-sxm',
  'NVIDIA H20': 'nvidia-h20',
  'NVIDIA H200': 'nvidia-h200-sxm',
  'NVIDIA L20': 'nvidia-l20',
  'NVIDIA L40S': 'nvidia-l40s',
  'NVIDIA GeForce RTX 4090': 'nvidia-rtx-4090',
  'Tesla T4': 'nvidia-t4',
  'Tesla V100-SXM2-32GB': 'nvidia-v100-sxm2-32gb',
  // Huawei Ascend: npu-smi's Name column, npu-exporter's chip name (model_name "910B3-Ascend-V1" → "910B3"),
  // and the device plugin's resource-style name.
  '910A': 'huawei-ascend-910',
  '910B1': 'huawei-ascend-910b',
  '910B2': 'huawei-ascend-910b',
  '910B3': 'huawei-ascend-910b',
  '910B4': 'huawei-ascend-910b',
  Ascend910B: 'huawei-ascend-910b',
  '310P3': 'huawei-ascend-310p',
  Ascend310P: 'huawei-ascend-310p',
});

export class ModelNameError extends Error {}

/** `--map NAME=model` options → a map; names may contain spaces ("NVIDIA A100-SXM4-80GB=nvidia-a100-80gb-sxm"). */
export function parseNameMappings(pairs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const name = at < 0 ? '' : pair.slice(0, at).trim();
    const model = at < 0 ? '' : pair.slice(at + 1).trim();
    if (name === '' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(model)) {
      throw new ModelNameError(`--map "${pair}": expected NAME=model-id, e.g. "910B3=huawei-ascend-910b"`);
    }
    map.set(name, model);
  }
  return map;
}

/**
 * The catalog id for a printed name: an explicit mapping first, then the built-in table; npu-exporter's
 * `<chip name>-<chip type>-<chip version>` (e.g. "910B3-Ascend-V1") also matches by its chip name.
 */
export function modelForName(name: string, overrides: ReadonlyMap<string, string> = new Map()): string | null {
  const trimmed = name.trim();
  const candidates = [trimmed];
  const ascend = /^([^-\s]+)(?:-[A-Za-z]+)?-V\d+$/.exec(trimmed);
  if (ascend) candidates.push(ascend[1]!);
  for (const c of candidates) {
    const model = overrides.get(c) ?? (Object.hasOwn(builtin_model_names, c) ? builtin_model_names[c] : undefined);
    if (model !== undefined) return model;
  }
  return null;
}
