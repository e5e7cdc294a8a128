import { describe, expect, it } from 'vitest';
import { isJobIdRaw, isStepJobId, parseJobId } from './job-id.js';

describe('Slurm job ids', () => {
  it('reads jobs, steps, array tasks and heterogeneous components', () => {
    expect(parseJobId('1041')).toEqual({ job: '1041', array_task: null, het_offset: null, step: null });
    expect(parseJobId('1041.batch')).toMatchObject({ job: '1041', step: 'batch' });
    expect(parseJobId('1041.extern')).toMatchObject({ step: 'extern' });
    expect(parseJobId('1041.0')).toMatchObject({ step: '0' });
    expect(parseJobId('123_4')).toEqual({ job: '123', array_task: '4', het_offset: null, step: null });
    expect(parseJobId('123_4.batch')).toMatchObject({ array_task: '4', step: 'batch' });
    expect(parseJobId('123_[5-10%2]')).toMatchObject({ array_task: '[5-10%2]', step: null });
    expect(parseJobId('123+0')).toEqual({ job: '123', array_task: null, het_offset: '0', step: null });
    expect(parseJobId('123+1.0')).toMatchObject({ het_offset: '1', step: '0' });
  });

  it('refuses what is not a job id', () => {
    for (const bad of ['', 'JobID', '12a', '1041.', '.batch', '123_', '123+', '1 2']) expect(parseJobId(bad), bad).toBeNull();
  });

  it('tells steps', () => {
    for (const step of ['1041.batch', '1041.extern', '1041.0', '123_4.batch', '123+1.0']) expect(isStepJobId(step), step).toBe(true);
    for (const job of ['1041', '123_4', '123+1', '123_[1-3]', '1041.', 'x.batch']) expect(isStepJobId(job), job).toBe(false);
  });

  it('takes a numeric JobIDRaw only', () => {
    expect(isJobIdRaw('1048')).toBe(true);
    for (const bad of ['', '1048.batch', '123_4', '-1', '1'.repeat(20)]) expect(isJobIdRaw(bad), bad).toBe(false);
  });
});
