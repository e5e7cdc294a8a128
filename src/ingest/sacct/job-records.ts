// One line of sacct output → the usage records of the job, a skip, or a rejection (./outcome.ts). Each line is judged
// alone, so that the importer holds nothing between lines. Skips are counted under the first reason that applies, in
// this order: a step (only the allocation line counts), a job still running or pending, a job that never ran, a job
// without GPUs.
import type { UsageRecordWire } from '../usage-schema.js';
import { gpuParts, parseGpuTres } from './alloc-tres.js';
import type { SacctLine } from './columns.js';
import { isJobIdRaw, parseJobId } from './job-id.js';
import { isUnfinishedState } from './job-state.js';
import type { SacctMapping } from './mapping.js';
import type { JobOutcome, SacctRejectCode } from './outcome.js';
import { billedAmountFen } from '../../domain/usage/billed-amount.js';
import { isUnsetTime, parseSacctTime, utcInstant } from './sacct-time.js';

export interface JobContext {
  mapping: SacctMapping;
  /** offset of sacct's zone-less timestamps, minutes east of UTC (0 when sacct ran with TZ=UTC) */
  offset_min: number;
}

const elapsed_text = /^\d{1,10}$/;

/** `slurm:<cluster_id>:<JobIDRaw>`, and `:<model>` when the job holds cards of several models. */
export function sacctRecordId(cluster_id: string, job_id_raw: string, model: string | null): string {
  return model === null ? `slurm:${cluster_id}:${job_id_raw}` : `slurm:${cluster_id}:${job_id_raw}:${model}`;
}

function reject(line: SacctLine, code: SacctRejectCode, field: string | null, message: string): JobOutcome {
  return { kind: 'rejected', job_id: line.job_id, ...(isJobIdRaw(line.job_id_raw) ? { job_id_raw: line.job_id_raw } : {}), code, field, message };
}

const skipped_step: JobOutcome = Object.freeze({ kind: 'skipped', reason: 'step' });
const skipped_running: JobOutcome = Object.freeze({ kind: 'skipped', reason: 'running' });
const skipped_never_started: JobOutcome = Object.freeze({ kind: 'skipped', reason: 'never_started' });
const skipped_no_gpu: JobOutcome = Object.freeze({ kind: 'skipped', reason: 'no_gpu' });

export function jobOutcome(line: SacctLine, ctx: JobContext): JobOutcome {
  const { mapping } = ctx;

  const id = parseJobId(line.job_id);
  if (id === null) return reject(line, 'malformed_sacct', 'JobID', `${show(line.job_id)} is not a Slurm job id`);
  if (id.step !== null) return skipped_step;
  if (mapping.slurm_cluster !== null && line.cluster !== null && line.cluster !== mapping.slurm_cluster) {
    return reject(line, 'other_cluster', 'Cluster', `the job ran on cluster ${show(line.cluster)}, and the mapping file is for ${show(mapping.slurm_cluster)}`);
  }
  if (isUnfinishedState(line.state) || isUnsetTime(line.end)) return skipped_running;
  if (isUnsetTime(line.start) || line.elapsed_raw === '0') return skipped_never_started;

  const tres = parseGpuTres(line.alloc_tres, mapping.gres_name);
  if (!tres.ok) return reject(line, 'malformed_sacct', 'AllocTRES', tres.message);
  const split = gpuParts(tres.gpus);
  if (!split.ok) return reject(line, 'inconsistent_gpu_count', 'AllocTRES', split.message);
  if (split.parts.length === 0) return skipped_no_gpu;

  if (!isJobIdRaw(line.job_id_raw)) return reject(line, 'malformed_sacct', 'JobIDRaw', `${show(line.job_id_raw)} is not a number`);
  if (!elapsed_text.test(line.elapsed_raw)) return reject(line, 'malformed_sacct', 'ElapsedRaw', `${show(line.elapsed_raw)} is not a whole number of seconds`);
  const elapsed_s = Number(line.elapsed_raw);
  const started_ms = parseSacctTime(line.start, ctx.offset_min);
  if (started_ms === null) return reject(line, 'malformed_sacct', 'Start', `${show(line.start)} is not a time YYYY-MM-DDTHH:MM:SS`);
  const end_ms = parseSacctTime(line.end, ctx.offset_min);
  if (end_ms === null) return reject(line, 'malformed_sacct', 'End', `${show(line.end)} is not a time YYYY-MM-DDTHH:MM:SS`);
  // ElapsedRaw is authoritative (it leaves out time suspended, so End may be later); past End it contradicts itself.
  const ended_ms = started_ms + elapsed_s * 1000;
  if (ended_ms > end_ms) {
    return reject(
      line,
      'inconsistent_elapsed',
      'ElapsedRaw',
      `Start + ElapsedRaw (${elapsed_s} s) is ${utcInstant(ended_ms)}, after End ${utcInstant(end_ms)}`,
    );
  }

  const enterprise_id = mapping.enterprise(line.account);
  if (enterprise_id === null) return reject(line, 'unmapped_account', 'Account', `account ${show(line.account)} is not in the mapping file's accounts`);

  const by_model = new Map<string, number>(); // cards per model, in the order of the parts
  for (const part of split.parts) {
    const model = mapping.model(part.type, line.partition);
    if (model === null) {
      const what =
        part.type === null
          ? `untyped gres/${mapping.gres_name} (${part.count} cards) has no model: set gres_default${line.partition === null ? '' : ` or partitions.${line.partition}.gres_default`}`
          : `GRES type ${show(part.type)} (gres/${mapping.gres_name}:${part.type}) is not in the mapping file's gres_types`;
      return reject(line, 'unmapped_gres', 'AllocTRES', what);
    }
    by_model.set(model, (by_model.get(model) ?? 0) + part.count);
  }

  // Formatted afresh, not `${line.start}Z`: a string built on a slice of the input would keep the whole chunk of input
  // it was cut from alive for as long as the record waits in its batch.
  const started_at = utcInstant(started_ms);
  const ended_at = utcInstant(ended_ms);
  const workload = mapping.workload(line.partition);
  const split_by_model = by_model.size > 1;
  const records: UsageRecordWire[] = [];
  for (const [model, count] of by_model) {
    const record: UsageRecordWire = {
      record_id: sacctRecordId(mapping.cluster_id, line.job_id_raw, split_by_model ? model : null),
      cluster_id: mapping.cluster_id,
      enterprise_id,
      accelerator: model,
      count,
      started_at,
      ended_at,
      amount_fen: billedAmountFen(count, elapsed_s, mapping.fenPerCardHour(model)),
      job_ref: `slurm:${line.job_id}`,
    };
    if (workload !== null) record.workload = workload;
    records.push(record);
  }
  return { kind: 'records', job_id: line.job_id, records };
}

function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
