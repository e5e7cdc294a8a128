import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSacctMapping, readSacctMapping, type SacctMapping } from './mapping.js';
import { readSacctFile, SacctFileError, type SacctItem } from './sacct-file.js';

const examples = path.join(import.meta.dirname, '../../../examples/slurm');

const mapping = parseSacctMapping(
  JSON.stringify({
    cluster_id: 'c_abc',
    accounts: { acme_ai: 'e_acme' },
    gres_types: { '910b': 'huawei-ascend-910b' },
    price_fen_per_card_h: { 'huawei-ascend-910b': 800 },
  }),
  'm.json',
);

/** The items read, steps as items of their own (line numbers unknown: 0) after those of their chunk. */
async function read(text: string, m: SacctMapping = mapping, offset_min = 0): Promise<SacctItem[]> {
  const items: SacctItem[] = [];
  for await (const batch of readSacctFile(Readable.from([Buffer.from(text)]), { mapping: m, offset_min })) {
    items.push(...batch.items);
    for (let i = 0; i < batch.steps; i++) items.push({ line: 0, outcome: { kind: 'skipped', reason: 'step' } });
  }
  return items;
}

const alloc =
  '1041|1041|u01|acme_ai|ascend|2026-03-01T09:00:02|2026-03-01T13:00:02|14400|billing=16,cpu=16,gres/gpu:910b=8,gres/gpu=8,mem=256G,node=1|COMPLETED';
const batch = '1041.batch|1041.batch||acme_ai||2026-03-01T09:00:02|2026-03-01T13:00:02|14400|cpu=16,gres/gpu:910b=8,gres/gpu=8,mem=256G,node=1|COMPLETED';
const kinds = (items: SacctItem[]) =>
  items.map((i) => [i.line, i.outcome.kind === 'skipped' ? i.outcome.reason : i.outcome.kind === 'rejected' ? i.outcome.code : i.outcome.kind]);

describe('readSacctFile', () => {
  it('reads output without a header in the documented columns, passing blank lines over and keeping line numbers', async () => {
    const items = await read(`\n${alloc}\n\n${batch}\r\n   \n`);
    expect(kinds(items)).toEqual([
      [2, 'records'],
      [0, 'step'],
    ]);
    expect(items[0]?.outcome).toMatchObject({ records: [{ record_id: 'slurm:c_abc:1041', count: 8, amount_fen: 25_600 }] });
  });

  it('rejects a line with the wrong number of fields with its line number, and reads on', async () => {
    const items = await read(`${alloc}\n1042|1042|u01|acme_ai\n${batch}\n`);
    expect(items[1]).toEqual({
      line: 2,
      outcome: { kind: 'rejected', job_id: null, code: 'malformed_sacct', field: null, message: expect.stringContaining('expected 10 fields') },
    });
    expect(kinds(items)).toEqual([
      [1, 'records'],
      [2, 'malformed_sacct'],
      [0, 'step'],
    ]);
    expect(kinds(await read(`${batch}|extra\n1041.0|1041.0|x\n`))).toEqual([
      [1, 'malformed_sacct'],
      [2, 'malformed_sacct'],
    ]); // a step too
  });

  it('rejects a line past the length limit and reads on', async () => {
    const items = await read(`${alloc}\n${'x|'.repeat(40_000)}\n${batch}`);
    expect(kinds(items)).toEqual([
      [1, 'records'],
      [2, 'malformed_sacct'],
      [0, 'step'],
    ]);
    expect(items[1]?.outcome).toMatchObject({ message: 'the line is longer than 65536 characters' });
  });

  it('takes the columns from a header line, in any order, and passes the same header over when it comes again', async () => {
    const header = 'Cluster|DBIndex|JobIDRaw|JobID|Account|User|Start|End|ElapsedRaw|State|AllocTRES|JobName';
    const row =
      'ascend1|88213|1041|1041|acme_ai|u01|2026-03-01T09:00:02|2026-03-01T13:00:02|14400|COMPLETED|billing=16,cpu=16,gres/gpu:910b=8,gres/gpu=8,mem=256G,node=1|train|llm';
    const running = 'ascend1|88217|1044|1044|acme_ai|u02|2026-03-01T10:00:00|Unknown|3600|RUNNING|billing=4,cpu=4,gres/gpu=1,mem=32G,node=1|eval';
    const items = await read(`${header}\n${row}\n${running}\n${header}\n${row.replace(/1041\|1041/, '1045|1045')}\n`);
    expect(kinds(items)).toEqual([
      [2, 'records'],
      [3, 'running'],
      [5, 'records'],
    ]);
    expect(items[0]?.outcome).toMatchObject({ records: [{ record_id: 'slurm:c_abc:1041', count: 8, started_at: '2026-03-01T09:00:02Z' }] });
  });

  it('stops at a header line it cannot use', async () => {
    const bad = read('JobID|JobIDRaw|Account|Start|End|State\n' + alloc);
    await expect(bad).rejects.toBeInstanceOf(SacctFileError);
    await expect(bad).rejects.toThrow(/^line 1: the header line lacks the columns ElapsedRaw, AllocTRES/);
    await expect(
      read('\nJobID|JobIDRaw|Account|Start|End|ElapsedRaw|AllocTRES|State\n', readSacctMapping(path.join(examples, 'mapping.yaml'))),
    ).rejects.toThrow('line 2: the mapping file maps partitions, and the header line has no Partition column');
  });

  it('reads times in the offset given', async () => {
    const items = await read(alloc, mapping, 480);
    expect(items[0]?.outcome).toMatchObject({ records: [{ started_at: '2026-03-01T01:00:02Z', ended_at: '2026-03-01T05:00:02Z' }] });
  });

  it('reads the example output of examples/slurm with the example mapping', async () => {
    const m = readSacctMapping(path.join(examples, 'mapping.yaml'));
    const items = await read(fs.readFileSync(path.join(examples, 'sacct-example.txt'), 'utf8'), m);
    expect(items).toHaveLength(23);
    const count = (k: string) => kinds(items).filter(([, kind]) => kind === k).length;
    expect({
      records: count('records'),
      step: count('step'),
      running: count('running'),
      no_gpu: count('no_gpu'),
      never_started: count('never_started'),
      unmapped_account: count('unmapped_account'),
    }).toEqual({ records: 7, step: 12, running: 1, no_gpu: 1, never_started: 1, unmapped_account: 1 });
    const records = items.flatMap((i) => (i.outcome.kind === 'records' ? i.outcome.records : []));
    expect(records.map((r) => [r.job_ref, r.accelerator, r.count, r.workload])).toEqual([
      ['slurm:1041', 'huawei-ascend-910b', 8, 'training'],
      ['slurm:1042', 'huawei-ascend-910b', 16, 'training'],
      ['slurm:1043', 'nvidia-a800-80gb-pcie', 2, 'training'],
      ['slurm:1047_1', 'huawei-ascend-910b', 1, 'inference'],
      ['slurm:1047_2', 'huawei-ascend-910b', 1, 'inference'],
      ['slurm:1050+0', 'huawei-ascend-910b', 8, 'training'],
      ['slurm:1050+1', 'nvidia-a800-80gb-pcie', 4, 'training'],
    ]);
    expect(records.map((r) => r.record_id.split(':').pop())).toEqual(['1041', '1042', '1043', '1048', '1049', '1050', '1051']);
  });
});
