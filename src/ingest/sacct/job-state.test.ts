import { describe, expect, it } from 'vitest';
import { baseState, isUnfinishedState } from './job-state.js';

describe('job states', () => {
  it('reads the state word of CANCELLED by <uid> and of a truncated state', () => {
    expect(baseState('CANCELLED by 1000')).toBe('CANCELLED');
    expect(baseState('CANCELLED+')).toBe('CANCELLED');
    expect(baseState(' completed ')).toBe('COMPLETED');
  });

  it('tells running and pending jobs from finished ones', () => {
    for (const s of ['RUNNING', 'PENDING', 'SUSPENDED']) expect(isUnfinishedState(s), s).toBe(true);
    for (const s of ['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED by 1000', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'REQUEUED', 'RESIZING']) {
      expect(isUnfinishedState(s), s).toBe(false);
    }
  });
});
