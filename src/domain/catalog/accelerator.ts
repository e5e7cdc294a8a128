// An accelerator model as the catalog knows it, and the reading of the shipped CSV rows into that shape.
// Throughput figures stay decimal strings exactly as the sources give them; compute.ts turns them into integers.
import { denseThroughput, parseTflopsToGflops, type DenseThroughput } from './compute.js';

export interface AcceleratorModel {
  id: string;
  vendor: string;
  model: string;
  domestic: boolean;
  year: number | null;
  process_nm: string | null;
  fp32_tflops: string | null;
  bf16_tflops_dense: string | null;
  fp16_tflops_dense: string | null;
  int8_tops_dense: string | null;
  memory_gb: string | null;
  memory_type: string | null;
  memory_bw_gbs: string | null;
  tdp_w: number | null;
  comparable_to: string | null;
  verified: 'yes' | 'partly' | 'no' | 'uncertain';
  notes: string;
  source: string;
}

export const accelerator_id_pattern = '^[a-z0-9]+(-[a-z0-9]+)*$';
export const decimal_pattern = '^\\d{1,6}(\\.\\d{1,3})?$';
/**
 * Dense throughput above this is refused: it keeps count × seconds × GFLOPS of one record (at most 100,000 cards ×
 * 31 days × 20,000,000 GFLOPS ≈ 5.4 × 10^18) inside a signed 64-bit column. The strongest card of 2025 is ~2,250.
 */
export const dense_tflops_max = 20_000;
export const verified_values = ['yes', 'partly', 'no', 'uncertain'] as const;

export const figure_fields = ['process_nm', 'fp32_tflops', 'bf16_tflops_dense', 'fp16_tflops_dense', 'int8_tops_dense',
  'memory_gb', 'memory_bw_gbs'] as const;

export type CatalogProblem = { field: string; message: string };

/** What is wrong with a model's figures (the refusal invalid_accelerator), naming the field. */
export type AcceleratorProblem =
  | { reason: 'required'; field: 'vendor' | 'model' }
  | { reason: 'not_decimal'; field: (typeof figure_fields)[number]; value: string }
  | { reason: 'zero'; field: DenseField }
  | { reason: 'above_max'; field: DenseField; tflops_max: number };
type DenseField = 'bf16_tflops_dense' | 'fp16_tflops_dense';

/** Reads one row of catalog/accelerators.csv (all cells text; empty = no figure found). */
export function acceleratorFromCsvRow(row: Record<string, string | undefined>): AcceleratorModel | CatalogProblem {
  const text = (key: string): string | null => {
    const v = row[key]?.trim();
    return v === undefined || v === '' ? null : v;
  };
  const id = text('id');
  if (id === null || !new RegExp(accelerator_id_pattern).test(id)) return { field: 'id', message: `bad id "${id ?? ''}"` };
  const domestic = text('domestic');
  if (domestic !== 'true' && domestic !== 'false') return { field: 'domestic', message: `${id}: domestic must be true or false` };
  const verified = text('verified') ?? 'no';
  if (!(verified_values as readonly string[]).includes(verified)) return { field: 'verified', message: `${id}: bad verified "${verified}"` };
  const integerOrNull = (key: string): number | null | CatalogProblem => {
    const v = text(key);
    if (v === null) return null;
    if (!/^\d+$/.test(v)) return { field: key, message: `${id}: ${key} must be a whole number, got "${v}"` };
    return Number(v);
  };
  const year = integerOrNull('year');
  const tdp_w = integerOrNull('tdp_w');
  if (typeof year === 'object' && year !== null) return year;
  if (typeof tdp_w === 'object' && tdp_w !== null) return tdp_w;
  const model: AcceleratorModel = {
    id, vendor: text('vendor') ?? '', model: text('model') ?? '', domestic: domestic === 'true', year,
    process_nm: text('process_nm'), fp32_tflops: text('fp32_tflops'), bf16_tflops_dense: text('bf16_tflops_dense'),
    fp16_tflops_dense: text('fp16_tflops_dense'), int8_tops_dense: text('int8_tops_dense'), memory_gb: text('memory_gb'),
    memory_type: text('memory_type'), memory_bw_gbs: text('memory_bw_gbs'), tdp_w,
    comparable_to: text('comparable_to'), verified: verified as AcceleratorModel['verified'],
    notes: text('notes') ?? '', source: text('source') ?? '',
  };
  const problem = checkAccelerator(model);
  return problem === null ? model : { field: problem.field, message: `${id}: ${problem.field} is refused: ${JSON.stringify(problem)}` };
}

/** Checks the figures of a model (from the CSV or an administrator's edit); null when all hold. */
export function checkAccelerator(model: AcceleratorModel): AcceleratorProblem | null {
  if (model.vendor === '') return { reason: 'required', field: 'vendor' };
  if (model.model === '') return { reason: 'required', field: 'model' };
  for (const field of figure_fields) {
    const v = model[field];
    if (v !== null && !new RegExp(decimal_pattern).test(v)) return { reason: 'not_decimal', field, value: v };
  }
  for (const field of ['bf16_tflops_dense', 'fp16_tflops_dense'] as const) {
    const v = model[field];
    if (v === null) continue;
    const gflops = parseTflopsToGflops(v);
    if (gflops === 0) return { reason: 'zero', field };
    if (gflops > dense_tflops_max * 1000) return { reason: 'above_max', field, tflops_max: dense_tflops_max };
  }
  return null;
}

/** The throughput that normalizes compute for this model, or null: it then counts card-hours only. */
export function acceleratorThroughput(model: AcceleratorModel): DenseThroughput | null {
  return denseThroughput(model);
}
