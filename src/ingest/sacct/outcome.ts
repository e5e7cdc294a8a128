// What becomes of each line of sacct output: usage records, a skip (counted by reason), or a rejection with a code
// from one closed list (docs/slurm.md lists them; codes are never renamed once shipped).
import type { UsageRecordWire } from '../usage-schema.js';
import type { sacct_line_reject_codes } from '../../store/usage/rejections.js';

export const sacct_reject_codes = [
  'malformed_sacct', // a line that cannot be read: wrong number of fields, a bad JobID, time, number or AllocTRES
  'other_cluster', // the Cluster column names another cluster than the mapping file's slurm_cluster
  'inconsistent_elapsed', // Start + ElapsedRaw is after End
  'inconsistent_gpu_count', // the untyped GPU entry counts fewer GPUs than the typed entries
  'unmapped_account', // the Slurm account is not in the mapping file
  'unmapped_gres', // a GRES type, or untyped GPUs, with no model in the mapping file
] as const;
export type SacctRejectCode = (typeof sacct_reject_codes)[number];
// The rejection store keeps these lines too and lists their codes itself (stored_rejection_codes): the lists must agree.
type StoredLineCode = (typeof sacct_line_reject_codes)[number];
export const sacct_codes_stored: [SacctRejectCode] extends [StoredLineCode] ? ([StoredLineCode] extends [SacctRejectCode] ? true : never) : never = true;

export const sacct_skip_reasons = ['step', 'running', 'never_started', 'no_gpu'] as const;
export type SacctSkipReason = (typeof sacct_skip_reasons)[number];

export type JobOutcome =
  | { kind: 'records'; job_id: string; records: UsageRecordWire[] }
  | { kind: 'skipped'; reason: SacctSkipReason }
  // job_id_raw: the line's JobIDRaw, present when it could be read (it names the record: slurm:<cluster_id>:<JobIDRaw>)
  | { kind: 'rejected'; job_id: string | null; job_id_raw?: string; code: SacctRejectCode; field: string | null; message: string };
