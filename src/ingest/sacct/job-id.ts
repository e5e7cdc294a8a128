// Slurm job ids as sacct prints them (shared/data/slurm-sacct.md): `JobID[.JobStep]`, array tasks `ArrayJobID_TaskID`
// (`123_[5-10]` while tasks are pending), heterogeneous components `HetJobID+Offset`; JobIDRaw is numeric.

export interface JobId {
  /** the job (or array job, or heterogeneous job) number */
  job: string;
  /** array task: a number, or a pending range such as `[5-10%2]` */
  array_task: string | null;
  /** heterogeneous component offset */
  het_offset: string | null;
  /** step name: `batch`, `extern`, `interactive`, `0`, … (null for the job's allocation line) */
  step: string | null;
}

const job_id_text = /^(\d+)(?:_(\d+|\[[^\]|]+\]))?(?:\+(\d+))?(?:\.([A-Za-z0-9_-]+))?$/;
const step_id_text = /^\d+(?:_(?:\d+|\[[^\]|]+\]))?(?:\+\d+)?\.[A-Za-z0-9_-]+$/;
const job_id_raw_text = /^\d{1,19}$/;

/** The parts of a JobID, or null when it is not one. */
export function parseJobId(text: string): JobId | null {
  const m = job_id_text.exec(text);
  if (m === null) return null;
  return { job: m[1] as string, array_task: m[2] ?? null, het_offset: m[3] ?? null, step: m[4] ?? null };
}

/** Whether a JobID is a step's (`1041.batch`, `123_4.0`, `123+1.extern`). */
export function isStepJobId(text: string): boolean {
  return text.indexOf('.') !== -1 && step_id_text.test(text); // test, not exec: nothing allocated for millions of steps
}

/** Whether a JobIDRaw is one: digits only (a step's JobIDRaw carries its step too, and is not asked). */
export function isJobIdRaw(text: string): boolean {
  return job_id_raw_text.test(text);
}
