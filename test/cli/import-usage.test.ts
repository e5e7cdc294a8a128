// `suanli import usage`: the same validation and outcomes as the API, streamed, with a summary of rejects.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, testApi, usageRecord, type Parties } from '../support/api.js';
import { importUsageFile } from '../../src/cli/import-usage.js';

describeEachEngine('suanli import usage', (db) => {
  let p: Parties;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-import-'));

  it('sets up parties', async () => {
    p = await createParties(await testApi(db()), 'import');
  });

  it('imports JSON Lines, reports rejects by code with line numbers, and is idempotent', async () => {
    const file = path.join(dir, 'usage.jsonl');
    const lines = [
      JSON.stringify(usageRecord(p, 'j1')),
      '',
      JSON.stringify(usageRecord(p, 'j2', { count: 999 })),
      '{"record_id": broken',
      JSON.stringify(usageRecord(p, 'j3', { amount_fen: 1.5 })),
      JSON.stringify(usageRecord(p, 'j4', { accelerator: 'metax-c500', count: 2 })),
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const out: string[] = [];
    const first = await importUsageFile(db().store, db().config, {
      file,
      provider_id: p.provider_id,
      batch_records: 2,
      progress: false,
      out: (l) => out.push(l),
    });
    expect(first).toMatchObject({ read: 5, accepted: 2, duplicates: 0, rejected: 3 });
    expect(first.rejected_by_code.count_exceeds_inventory?.examples[0]).toMatchObject({ line: 3, record_id: 'j2', field: 'count' });
    expect(first.rejected_by_code.malformed_json?.examples[0]?.line).toBe(4);
    expect(first.rejected_by_code.invalid_field?.examples[0]).toMatchObject({ line: 5, field: 'amount_fen' });
    expect(out[0]).toMatch(/read 5 records .* 2 accepted, 0 duplicates, 3 rejected/);
    expect(out.join('\n')).toContain('line 3 (j2) count:');

    const again = await importUsageFile(db().store, db().config, { file, provider_id: p.provider_id, batch_records: 10, progress: false, out: () => {} });
    expect(again).toMatchObject({ accepted: 0, duplicates: 2, rejected: 3 });
    expect(await db().store.usage.count({ provider_id: p.provider_id })).toBe(2);
  });

  it('imports CSV with the same outcomes', async () => {
    const file = path.join(dir, 'usage.csv');
    const r = (id: string, count: number, amount: string) =>
      [
        id,
        p.cluster_id,
        p.enterprise_id,
        'huawei-ascend-910b',
        count,
        '2026-10-02T00:00:00Z',
        '2026-10-02T01:00:00Z',
        amount,
        `"slurm:${id}, array"`,
        'inference',
        '',
      ].join(',');
    fs.writeFileSync(
      file,
      [
        'record_id,cluster_id,enterprise_id,accelerator,count,started_at,ended_at,amount_fen,job_ref,workload,energy_wh',
        r('c1', 8, '800'),
        r('c2', 8, '12.5'),
        r('c1', 8, '801'),
      ].join('\r\n'),
    );
    const s = await importUsageFile(db().store, db().config, { file, provider_id: p.provider_id, batch_records: 100, progress: false, out: () => {} });
    expect(s).toMatchObject({ read: 3, accepted: 1, rejected: 2 });
    expect(s.rejected_by_code.bad_number?.examples[0]).toMatchObject({ line: 3, field: 'amount_fen' });
    expect(s.rejected_by_code.conflict?.examples[0]).toMatchObject({ line: 4, record_id: 'c1' });
    const [stored] = await db().store.usage.list({ provider_id: p.provider_id, cluster_id: p.cluster_id, from_ms: Date.parse('2026-10-02T00:00:00Z') }, 10);
    expect(stored).toMatchObject({ record_id: 'c1', job_ref: 'slurm:c1, array', workload: 'inference', energy_wh: null });
  });

  it('refuses an unknown provider or format', async () => {
    await expect(
      importUsageFile(db().store, db().config, { file: path.join(dir, 'usage.csv'), provider_id: 'p_nobody', batch_records: 10, progress: false }),
    ).rejects.toThrow(/provider p_nobody not found/);
    await expect(
      importUsageFile(db().store, db().config, { file: path.join(dir, 'usage.txt'), provider_id: p.provider_id, batch_records: 10, progress: false }),
    ).rejects.toThrow(/format/);
  });
});
