import { describe, expect, it } from 'vitest';
import { afterFailure, afterSuccess, attemptKeys, decideAttempt, throttle_policies, throttle_reset_after_ms, waitMs, type ThrottleState } from './throttle.js';

const t0 = Date.parse('2026-12-01T00:00:00Z');

describe('sign-in throttle', () => {
  it('locks a client when its failures reach the free ones, doubling up to the cap, and forgets old failures', () => {
    const p = throttle_policies.client;
    let s: ThrottleState | null = null;
    const locks: number[] = [];
    for (let n = 1; n <= 20; n++) {
      s = afterFailure(p, s, t0);
      locks.push(waitMs(s, t0));
    }
    expect(locks.slice(0, p.free_failures - 1)).toEqual([0, 0, 0, 0]);
    expect(locks.slice(p.free_failures - 1, p.free_failures + 3)).toEqual([1000, 2000, 4000, 8000]);
    expect(locks.at(-1)).toBe(p.lock_ms_max);
    expect(afterFailure(p, s, t0 + throttle_reset_after_ms + 1).failures).toBe(1);
    // a later failure never shortens a lock already set
    expect(afterFailure(throttle_policies.account, { failures: 1, last_failure_ms: t0, locked_until_ms: t0 + 10_000 }, t0).locked_until_ms).toBe(t0 + 10_000);
  });

  it('the account counter only slows down: never more than a minute', () => {
    let s: ThrottleState | null = null;
    for (let n = 0; n < 1000; n++) s = afterFailure(throttle_policies.account, s, t0 + n * 61_000);
    expect(waitMs(s, t0 + 999 * 61_000)).toBe(60_000);
  });

  it("counts an attempt against the untrusted counters, or a live device's own, and waits while any untrusted one is locked", () => {
    const keys = attemptKeys('user@example.org', '203.0.113.1', 'devicehash');
    expect(keys.untrusted.map((k) => k.key)).toEqual(['client:user@example.org 203.0.113.1', 'account:user@example.org', 'address:203.0.113.1']);
    const locked: ThrottleState = { failures: 50, last_failure_ms: t0, locked_until_ms: t0 + 5000 };
    // the account is locked for everybody untrusted, but the device goes on
    const states = new Map([['account:user@example.org', locked]]);
    const d = decideAttempt(keys, states, t0);
    expect(d).toMatchObject({ status: 'go', via: 'device' });
    expect(d.status === 'go' && d.counted.map(([k]) => k)).toEqual(['device:devicehash']);
    expect(decideAttempt(attemptKeys('user@example.org', '203.0.113.1', null), states, t0)).toEqual({ status: 'wait', wait_ms: 5000 });
    // a locked device falls back to the untrusted counters
    expect(
      decideAttempt(
        keys,
        new Map([
          ['device:devicehash', locked],
          ['account:user@example.org', locked],
        ]),
        t0,
      ),
    ).toEqual({ status: 'wait', wait_ms: 5000 });
    const u = decideAttempt(keys, new Map([['device:devicehash', locked]]), t0);
    expect(u.status === 'go' && u.via).toBe('untrusted');
    expect(u.status === 'go' && u.counted.map(([, s]) => s.failures)).toEqual([1, 1, 1]);
  });

  it("a success clears the client's or device's own counter and takes its count back from the shared ones", () => {
    const keys = attemptKeys('u', '192.0.2.1', 'h');
    expect(afterSuccess(keys, 'device')).toEqual({ clear: ['device:h'], refund: [] });
    expect(afterSuccess(keys, 'untrusted')).toEqual({ clear: ['client:u 192.0.2.1'], refund: ['account:u', 'address:192.0.2.1'] });
  });
});
