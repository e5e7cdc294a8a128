// Job states as sacct prints them (shared/data/slurm-sacct.md): one word, but a cancelled job reads
// `CANCELLED by <uid>`; a width-truncated state (plain sacct, not --parsable2) ends in `+`.

/** States of a job that has not finished: its line says nothing final about its usage yet. */
const unfinished_states: ReadonlySet<string> = new Set(['RUNNING', 'PENDING', 'SUSPENDED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'STOPPED']);

/** `CANCELLED by 1000` → `CANCELLED`, `completed` → `COMPLETED`. */
export function baseState(state: string): string {
  const word = state.trim().split(/\s+/, 1)[0] ?? '';
  return (word.endsWith('+') ? word.slice(0, -1) : word).toUpperCase();
}

export function isUnfinishedState(state: string): boolean {
  return unfinished_states.has(baseState(state));
}
