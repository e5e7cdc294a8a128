import { describe, expect, it } from 'vitest';
import { defaultLayout, isHeaderLine, jobIdOf, layoutFromHeader, splitLine } from './columns.js';

const line = '1041|1041|u01|acme_ai|ascend|2026-03-01T09:00:02|2026-03-01T13:00:02|14400|gres/gpu=8,node=1|COMPLETED';

describe('sacct columns', () => {
  it('reads a line of the documented default columns', () => {
    expect(splitLine(line, defaultLayout())).toEqual({
      ok: true,
      line: {
        job_id: '1041',
        job_id_raw: '1041',
        account: 'acme_ai',
        partition: 'ascend',
        start: '2026-03-01T09:00:02',
        end: '2026-03-01T13:00:02',
        elapsed_raw: '14400',
        alloc_tres: 'gres/gpu=8,node=1',
        state: 'COMPLETED',
        cluster: null,
      },
    });
  });

  it('refuses a line with the wrong number of fields, and takes the trailing | of --parsable', () => {
    expect(splitLine('1041|1041|u01', defaultLayout())).toEqual({
      ok: false,
      message: expect.stringMatching(/^expected 10 fields \(JobID\|JobIDRaw\|.*found 3$/),
    });
    expect(splitLine(`${line}|x`, defaultLayout())).toMatchObject({ ok: false, message: expect.stringContaining('found 11') });
    expect(splitLine(`${line}|`, defaultLayout())).toMatchObject({ ok: true, line: { state: 'COMPLETED' } });
  });

  it('tells a header line from a data line', () => {
    expect(isHeaderLine('JobID|JobIDRaw|User')).toBe(true);
    expect(isHeaderLine('cluster|jobidraw|start')).toBe(true);
    expect(isHeaderLine(line)).toBe(false);
  });

  it('takes the columns of a header by name, in any order and case, ignoring columns it does not read', () => {
    const h = layoutFromHeader('Cluster|DBIndex|jobidraw|JobID|ACCOUNT|User|Start|End|ElapsedRaw|State|AllocTRES|JobName');
    if (!h.ok) throw new Error(h.message);
    expect(h.layout.index).toMatchObject({ cluster: 0, job_id_raw: 2, job_id: 3, account: 4, partition: -1, alloc_tres: 10 });
    const r = splitLine('ascend1|88213|1041|1041|acme_ai|u01|2026-03-01T09:00:02|2026-03-01T13:00:02|14400|COMPLETED|gres/gpu=8|train|llm', h.layout);
    expect(r).toMatchObject({ ok: true, line: { cluster: 'ascend1', job_id: '1041', partition: null, state: 'COMPLETED', alloc_tres: 'gres/gpu=8' } });
  });

  it('joins a | inside a last column it does not read back into it, but not inside one it reads', () => {
    const free = layoutFromHeader('JobID|JobIDRaw|Account|Start|End|ElapsedRaw|AllocTRES|State|JobName');
    if (!free.ok) throw new Error(free.message);
    expect(splitLine('1|1|a|s|e|1|t|COMPLETED|a|b|c', free.layout)).toMatchObject({ ok: true, line: { state: 'COMPLETED' } });
    const read = layoutFromHeader('JobID|JobIDRaw|Account|Start|End|ElapsedRaw|State|AllocTRES');
    if (!read.ok) throw new Error(read.message);
    expect(splitLine('1|1|a|s|e|1|COMPLETED|t|u', read.layout)).toMatchObject({ ok: false });
  });

  it('refuses a header that lacks a column it needs, repeats one, or is not field names', () => {
    expect(layoutFromHeader('JobID|JobIDRaw|Account|Start|End|State')).toEqual({
      ok: false,
      field: 'ElapsedRaw',
      message: expect.stringContaining('lacks the columns ElapsedRaw, AllocTRES'),
    });
    expect(layoutFromHeader('JobID|JobIDRaw|jobid')).toMatchObject({ ok: false, field: 'jobid', message: expect.stringContaining('more than once') });
    expect(layoutFromHeader('JobID|Job IDRaw')).toMatchObject({ ok: false, message: expect.stringContaining('not a sacct field name') });
    expect(layoutFromHeader('JobID|JobIDRaw|User|Account|Partition|Start|End|ElapsedRaw|AllocTRES|State|')).toMatchObject({ ok: true });
  });

  it('reads the JobID of a line without splitting it, when the line fits the layout', () => {
    expect(jobIdOf(line, defaultLayout())).toBe('1041');
    expect(jobIdOf(`${line}|`, defaultLayout())).toBe('1041');
    expect(jobIdOf('1041.batch|1041.batch|u|a|p|s|e|1|t', defaultLayout())).toBeNull();
    expect(jobIdOf(`${line}|x`, defaultLayout())).toBeNull();
    const h = layoutFromHeader('Cluster|JobIDRaw|Account|Start|End|ElapsedRaw|AllocTRES|State|JobID');
    if (!h.ok) throw new Error(h.message);
    expect(jobIdOf('c|1|a|s|e|1|t|COMPLETED|1.batch', h.layout)).toBe('1.batch');
    expect(jobIdOf('c|1|a|s|e|1|t|COMPLETED|', h.layout)).toBe('');
  });
});
