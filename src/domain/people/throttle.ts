// Slowing down password guessing without letting an attacker lock the real user out (OWASP Authentication Cheat Sheet,
// "Login Throttling", and its "Slow Down Online Guessing Attacks with Device Cookies"). A sign-in attempt is counted
// as a failure *before* the password is checked (claimed atomically by the store), so parallel guesses cannot all
// slip through on a stale counter; a success then takes its own count back.
//
// Counters, each with its own policy:
// - client  (one account from one address): the strict lock, 5 free failures then 1 s, 2 s, 4 s … at most 15 min;
// - account (all untrusted clients on one account together): 10 free, then slowed at most 60 s — never a long lock,
//   so that a guesser elsewhere slows the real user's new browser down but does not lock the account;
// - address (one address across all accounts, password spraying): 30 free, then up to 15 min;
// - device  (a browser that signed in on this account before, holding its device cookie): its own counter only, so
//   guesses from elsewhere never reach it; once it is itself locked the browser counts as untrusted.
// Failures older than reset_after_ms are forgotten.

export type ThrottleKind = 'client' | 'account' | 'address' | 'device';

export interface ThrottlePolicy {
  /** Failures in a row that cost nothing; the failure that reaches this number starts the first lock. */
  readonly free_failures: number;
  readonly first_lock_ms: number;
  readonly lock_ms_max: number;
}

export const throttle_policies: Readonly<Record<ThrottleKind, ThrottlePolicy>> = Object.freeze({
  client: { free_failures: 5, first_lock_ms: 1000, lock_ms_max: 15 * 60_000 },
  account: { free_failures: 10, first_lock_ms: 1000, lock_ms_max: 60_000 },
  address: { free_failures: 30, first_lock_ms: 1000, lock_ms_max: 15 * 60_000 },
  device: { free_failures: 5, first_lock_ms: 1000, lock_ms_max: 15 * 60_000 },
});

/** Failures older than this are forgotten. */
export const throttle_reset_after_ms = 60 * 60_000;
/** How long a device cookie is honoured after its last successful sign-in. */
export const device_ttl_s = 90 * 86_400;

export interface ThrottleState {
  failures: number;
  last_failure_ms: number;
  locked_until_ms: number;
}

export interface ThrottleKey {
  readonly kind: ThrottleKind;
  readonly key: string;
}

/** The counters one sign-in attempt answers to: a trusted device's own, or the untrusted client's three. */
export interface AttemptKeys {
  readonly device: ThrottleKey | null;
  readonly untrusted: readonly ThrottleKey[];
}

/** Login is already lower-cased; device_id_hash is the hash of a device cookie this user was given (else null). */
export function attemptKeys(login: string, address: string, device_id_hash: string | null): AttemptKeys {
  return {
    device: device_id_hash === null ? null : { kind: 'device', key: `device:${device_id_hash}` },
    untrusted: [
      { kind: 'client', key: `client:${login} ${address}` },
      { kind: 'account', key: `account:${login}` },
      { kind: 'address', key: `address:${address}` },
    ],
  };
}

export const allKeys = (k: AttemptKeys): string[] => [...(k.device ? [k.device.key] : []), ...k.untrusted.map((x) => x.key)];

/** The state after one more failure at now_ms under a policy. */
export function afterFailure(policy: ThrottlePolicy, prev: ThrottleState | null, now_ms: number): ThrottleState {
  const failures = prev === null || now_ms - prev.last_failure_ms > throttle_reset_after_ms ? 1 : prev.failures + 1;
  const over = failures - policy.free_failures;
  const lock = over < 0 ? 0 : Math.min(policy.lock_ms_max, policy.first_lock_ms * 2 ** Math.min(over, 30));
  return { failures, last_failure_ms: now_ms, locked_until_ms: Math.max(prev?.locked_until_ms ?? 0, now_ms + lock) };
}

/** Milliseconds until the key may try again (0: now). */
export function waitMs(state: ThrottleState | null | undefined, now_ms: number): number {
  if (state === null || state === undefined) return 0;
  return Math.max(0, state.locked_until_ms - now_ms);
}

export type AttemptDecision = { status: 'go'; via: 'device' | 'untrusted'; counted: [string, ThrottleState][] } | { status: 'wait'; wait_ms: number };

/**
 * Decides one attempt from the counters as they are now: either it may go on to the password check, counted as a
 * failure against the keys it answers to (the store writes `counted` in the same transaction that read `states`), or
 * it must wait. A device that is itself locked counts as an untrusted client.
 */
export function decideAttempt(keys: AttemptKeys, states: ReadonlyMap<string, ThrottleState>, now_ms: number): AttemptDecision {
  if (keys.device !== null && waitMs(states.get(keys.device.key), now_ms) === 0) {
    const d = keys.device;
    return { status: 'go', via: 'device', counted: [[d.key, afterFailure(throttle_policies[d.kind], states.get(d.key) ?? null, now_ms)]] };
  }
  const wait_ms = Math.max(0, ...keys.untrusted.map((k) => waitMs(states.get(k.key), now_ms)));
  if (wait_ms > 0) return { status: 'wait', wait_ms };
  return {
    status: 'go',
    via: 'untrusted',
    counted: keys.untrusted.map((k) => [k.key, afterFailure(throttle_policies[k.kind], states.get(k.key) ?? null, now_ms)]),
  };
}

/**
 * What a successful sign-in does to the counters it was counted against: the client's (or device's) own counter is
 * cleared; the shared ones (account, address) only get this attempt's count back, so that a success from one place
 * does not wipe out what guessers elsewhere have spent.
 */
export function afterSuccess(keys: AttemptKeys, via: 'device' | 'untrusted'): { clear: string[]; refund: string[] } {
  if (via === 'device') return { clear: [keys.device!.key], refund: [] };
  return {
    clear: keys.untrusted.filter((k) => k.kind === 'client').map((k) => k.key),
    refund: keys.untrusted.filter((k) => k.kind !== 'client').map((k) => k.key),
  };
}
