// Slowing down repeated failed logins, per account and per address: after `free_failures` failures in a row, each
// further failure locks the key for twice as long as the one before (1 s, 2 s, 4 s … at most 15 min). A success
// clears the account's counter; failures older than the reset window are forgotten.
export const throttle = { free_failures: 5, first_lock_ms: 1000, lock_ms_max: 15 * 60_000, reset_after_ms: 60 * 60_000 } as const;

export interface ThrottleState { failures: number; last_failure_ms: number; locked_until_ms: number }

/** The state after one more failure at now_ms. */
export function afterFailure(prev: ThrottleState | null, now_ms: number): ThrottleState {
  const failures = prev === null || now_ms - prev.last_failure_ms > throttle.reset_after_ms ? 1 : prev.failures + 1;
  const over = failures - throttle.free_failures;
  const lock = over <= 0 ? 0 : Math.min(throttle.lock_ms_max, throttle.first_lock_ms * 2 ** Math.min(over - 1, 30));
  return { failures, last_failure_ms: now_ms, locked_until_ms: now_ms + lock };
}

/** Milliseconds until the key may try again (0: now). */
export function waitMs(state: ThrottleState | null, now_ms: number): number {
  if (state === null) return 0;
  return Math.max(0, state.locked_until_ms - now_ms);
}
