// `suanli import sacct`: Slurm accounting output through the same pipeline as the API, on both engines — a window of
// jobs imported (records, card-hours, amounts, enterprises as sacct and the mapping file say), the same window again
// (duplicates only), and an overlapping window printed in another zone with a header line, through the real command.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { createParties, creditCode, testApi, type Parties, type TestApi } from '../support/api.js';
import { importSacctFile, type SacctImportOptions } from '../../src/cli/import-sacct.js';

const fixtures = path.join(import.meta.dirname, '../fixtures/sacct');
const repo_root = path.join(import.meta.dirname, '../..');

function suanli(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo_root, env }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

describeEachEngine('suanli import sacct', (db) => {
  let api: TestApi;
  let p: Parties;
  let acme: string;
  let lanxu: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-sacct-'));
  const mapping_file = path.join(dir, 'mapping.yaml');
  const options = (file: string, more: Partial<SacctImportOptions> = {}): SacctImportOptions => ({
    file,
    mapping_file,
    tz: 'UTC',
    batch_records: 4,
    progress: false,
    out: () => {},
    ...more,
  });

  it('sets up a provider with a cluster, two enterprises and the mapping file', async () => {
    api = await testApi(db());
    p = await createParties(api, 'sacct');
    acme = p.enterprise_id;
    const r = await api.call('POST', '/api/v1/enterprises', {
      body: { name: 'Lanxu AI', credit_code: creditCode(), region: '310000', sector: 'large_models', size: 'small' },
    });
    lanxu = (r.json() as { id: string }).id;
    fs.writeFileSync(
      mapping_file,
      [
        `cluster_id: ${p.cluster_id}`,
        'slurm_cluster: sh-test',
        'accounts:',
        `  acme: ${acme}`,
        `  lanxu: ${lanxu}`,
        'gres_types:',
        '  910b: huawei-ascend-910b',
        '  a800: nvidia-a800-80gb-pcie',
        'gres_default: huawei-ascend-910b',
        'partitions:',
        '  a800: { gres_default: nvidia-a800-80gb-pcie }',
        '  infer: { workload: inference }',
        '  train: { workload: training }',
        'price_fen_per_card_h:',
        '  huawei-ascend-910b: 800',
        '  nvidia-a800-80gb-pcie: 1200',
        '',
      ].join('\n'),
    );
  });

  it('imports a window of jobs: allocations only, GPUs from AllocTRES, amounts from the price, skips and rejects counted', async () => {
    const out: string[] = [];
    const s = await importSacctFile(db().store, db().config, options(path.join(fixtures, 'window-1.txt'), { out: (l) => out.push(l) }));
    expect(s).toMatchObject({
      lines: 23,
      jobs: 13,
      records: 9,
      accepted: 9,
      duplicates: 0,
      rejected: 3,
      skipped: { step: 9, running: 1, never_started: 1, no_gpu: 1 },
    });
    expect(s.rejected_by_code.unmapped_account?.examples).toEqual([
      { line: 22, job_id: '2013', record_id: null, field: 'Account', message: 'account "ghost" is not in the mapping file\'s accounts' },
    ]);
    expect(s.rejected_by_code.unmapped_gres?.examples[0]).toMatchObject({ line: 23, job_id: '2014', field: 'AllocTRES' });
    expect(s.rejected_by_code.malformed_sacct?.examples[0]).toMatchObject({ line: 24, job_id: null, message: expect.stringContaining('expected 10 fields') });
    expect(out[0]).toMatch(
      /^read 23 lines \(13 jobs, 9 steps\) in [\d.]+ s \(\d+ lines\/s, \d+ records\/s\): 9 records, 9 accepted, 0 duplicates, 3 rejected$/,
    );
    expect(out[1]).toBe('skipped: 9 steps, 1 running or pending, 1 never started, 1 without GPU');
    expect(out).toContain('    line 22 (job 2013) Account: account "ghost" is not in the mapping file\'s accounts');

    // the rejected lines are kept for GET /usage/rejections, as the pipeline's rejections are: newest first, in line order
    const kept = await db().store.usage.rejections({ provider_id: p.provider_id }, 100);
    expect(kept.map((r) => ({ index: r.index, record_id: r.record_id, code: r.code, field: r.field, message: r.message }))).toEqual([
      {
        index: 0,
        record_id: `slurm:${p.cluster_id}:2013`,
        code: 'unmapped_account',
        field: 'Account',
        message: 'line 22: account "ghost" is not in the mapping file\'s accounts',
      },
      {
        index: 1,
        record_id: `slurm:${p.cluster_id}:2014`,
        code: 'unmapped_gres',
        field: 'AllocTRES',
        message: expect.stringMatching(/^line 23: GRES type "h100"/),
      },
      { index: 2, record_id: null, code: 'malformed_sacct', field: null, message: expect.stringMatching(/^line 24: .*expected 10 fields/) },
    ]);
    const res = await api.call('GET', '/api/v1/usage/rejections?code=unmapped_account', { key: p.provider_key });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        provider_id: p.provider_id,
        record_id: `slurm:${p.cluster_id}:2013`,
        code: 'unmapped_account',
        field: 'Account',
      }),
    ]);

    const stored = await db().store.usage.list({ provider_id: p.provider_id }, 100);
    expect(stored).toHaveLength(9);
    const by_id = Object.fromEntries(stored.map((r) => [r.record_id, r]));
    const c = p.cluster_id;
    expect(Object.keys(by_id).sort()).toEqual([
      `slurm:${c}:2001`,
      `slurm:${c}:2002`,
      `slurm:${c}:2003`,
      `slurm:${c}:2004:huawei-ascend-910b`,
      `slurm:${c}:2004:nvidia-a800-80gb-pcie`,
      `slurm:${c}:2009`,
      `slurm:${c}:2010`,
      `slurm:${c}:2011`,
      `slurm:${c}:2012`,
    ]);
    expect(by_id[`slurm:${c}:2001`]).toMatchObject({
      enterprise_id: acme,
      accelerator: 'huawei-ascend-910b',
      count: 8,
      card_s: 115_200,
      amount_fen: 25_600,
      job_ref: 'slurm:2001',
      workload: 'training',
      started_at_ms: Date.parse('2026-10-01T00:00:00Z'),
      ended_at_ms: Date.parse('2026-10-01T04:00:00Z'),
    });
    expect(by_id[`slurm:${c}:2002`]).toMatchObject({ enterprise_id: lanxu, count: 16, card_s: 345_600, amount_fen: 76_800 }); // two nodes, 16 cards
    expect(by_id[`slurm:${c}:2003`]).toMatchObject({ accelerator: 'nvidia-a800-80gb-pcie', count: 2, card_s: 5420, amount_fen: 1807, workload: null }); // cancelled after it ran
    expect(by_id[`slurm:${c}:2009`]).toMatchObject({ job_ref: 'slurm:2008_1', count: 1, amount_fen: 400, workload: 'inference' });
    expect(by_id[`slurm:${c}:2012`]).toMatchObject({ job_ref: 'slurm:2011+1', accelerator: 'nvidia-a800-80gb-pcie', amount_fen: 2400 });

    // card-hours and amounts per enterprise
    const sum = (e: string, k: 'card_s' | 'amount_fen') => stored.filter((r) => r.enterprise_id === e).reduce((t, r) => t + r[k], 0);
    expect([sum(acme, 'card_s') / 3600, sum(acme, 'amount_fen')]).toEqual([(115_200 + 5420 + 1800 + 1200) / 3600, 25_600 + 1807 + 400 + 267]);
    expect([sum(lanxu, 'card_s') / 3600, sum(lanxu, 'amount_fen')]).toEqual([96 + 16 + 8 + 4 + 2, 76_800 + 12_800 + 9600 + 3200 + 2400]);
    const summary = await db().store.usage.summary('enterprise', { provider_id: p.provider_id });
    expect(summary.map((r) => [r.key, Number(r.records), Number(r.amount_fen)]).sort()).toEqual(
      [
        [acme, 4, 28_074],
        [lanxu, 5, 104_800],
      ].sort(),
    );
  });

  it('finds the same window again to be duplicates only', async () => {
    const s = await importSacctFile(db().store, db().config, options(path.join(fixtures, 'window-1.txt'), { batch_records: db().config.batch_records_max }));
    expect(s).toMatchObject({ records: 9, accepted: 0, duplicates: 9, rejected: 3 });
    expect(await db().store.usage.count({ provider_id: p.provider_id })).toBe(9);
    const kept = await db().store.usage.rejections({ provider_id: p.provider_id }, 100);
    expect(kept.map((r) => r.code)).toEqual(['unmapped_account', 'unmapped_gres', 'malformed_sacct', 'unmapped_account', 'unmapped_gres', 'malformed_sacct']);
  });

  it('keeps rejected lines in batches of --batch', async () => {
    const before = await db().store.usage.rejections({ provider_id: p.provider_id }, 100);
    await importSacctFile(db().store, db().config, options(path.join(fixtures, 'window-1.txt'), { batch_records: 2 }));
    const kept = (await db().store.usage.rejections({ provider_id: p.provider_id }, 100)).slice(0, 3);
    // two writes: lines 22 and 23, then line 24; ids fall as the index rises within a write
    expect(kept.map((r) => [r.index, r.code])).toEqual([
      [0, 'malformed_sacct'],
      [0, 'unmapped_account'],
      [1, 'unmapped_gres'],
    ]);
    expect(kept[0]!.id).toBeGreaterThan(before[0]!.id);
  });

  it('imports an overlapping window printed in UTC+8 with a header, from standard input, through the command', async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/',
      SUANLI_DATA_DIR: db().config.data_dir,
      SUANLI_LOG_LEVEL: 'silent',
    };
    if (db().config.database_url !== null) env.DATABASE_URL = db().config.database_url!;
    const text = fs.readFileSync(path.join(fixtures, 'window-2-shanghai.txt'), 'utf8');
    const r = await suanli(['import', 'sacct', '-', '--mapping', mapping_file, '--tz', '+08:00', '--no-progress'], env, text);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 2003, 2004 (two records), 2008_1, 2011+0, 2011+1 were imported before; 2005 has finished since
    expect(r.stdout).toMatch(/^read 8 lines \(6 jobs, 2 steps\) .*: 7 records, 1 accepted, 6 duplicates, 0 rejected\n/);
    const [finished] = await db().store.usage.list(
      { provider_id: p.provider_id, from_ms: Date.parse('2026-10-01T04:00:00Z'), to_ms: Date.parse('2026-10-01T04:00:01Z') },
      10,
    );
    expect(finished).toMatchObject({
      record_id: `slurm:${p.cluster_id}:2005`,
      count: 1,
      started_at_ms: Date.parse('2026-10-01T04:00:00Z'),
      ended_at_ms: Date.parse('2026-10-01T10:00:00Z'),
      amount_fen: 4800,
    });
    expect(await db().store.usage.count({ provider_id: p.provider_id })).toBe(10);

    // the same window read as UTC is other content under the same record ids: conflicts, nothing stored
    const wrong = await suanli(['import', 'sacct', '-', '--mapping', mapping_file, '--no-progress'], env, text);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/7 records, 0 accepted, 0 duplicates, 7 rejected\n/);
    expect(wrong.stdout).toContain('  conflict: 7');
    expect(await db().store.usage.count({ provider_id: p.provider_id })).toBe(10);
  }, 60_000);

  it('refuses a bad --tz, --batch, mapping file or cluster before reading anything', async () => {
    const file = path.join(fixtures, 'window-1.txt');
    await expect(importSacctFile(db().store, db().config, options(file, { tz: 'Asia/Shanghai' }))).rejects.toThrow(/--tz must be UTC or a fixed offset/);
    await expect(importSacctFile(db().store, db().config, options(file, { batch_records: 0 }))).rejects.toThrow(/--batch must be between 1 and/);
    await expect(importSacctFile(db().store, db().config, options(file, { batch_records: db().config.batch_records_max + 1 }))).rejects.toThrow(
      /--batch must be between 1 and/,
    );
    const header = path.join(dir, 'bad-header.txt');
    fs.writeFileSync(header, 'JobID|JobIDRaw|Account|Start|End|State\n2001|2001|acme|x|y|COMPLETED\n');
    await expect(importSacctFile(db().store, db().config, options(header))).rejects.toThrow(
      /bad-header\.txt: line 1: the header line lacks the columns ElapsedRaw, AllocTRES/,
    );
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      `cluster_id: ${p.cluster_id}\naccounts: { acme: ${acme} }\ngres_types: { 910b: huawei-ascend-910b }\nprice_fen_per_card_h: { huawei-ascend-910b: 8.5 }\n`,
    );
    await expect(importSacctFile(db().store, db().config, options(file, { mapping_file: bad }))).rejects.toThrow(
      /bad\.yaml: price_fen_per_card_h\.huawei-ascend-910b: must be integer/,
    );
    const elsewhere = path.join(dir, 'elsewhere.yaml');
    fs.writeFileSync(elsewhere, fs.readFileSync(mapping_file, 'utf8').replace(p.cluster_id, 'c_nowhere'));
    await expect(importSacctFile(db().store, db().config, options(file, { mapping_file: elsewhere }))).rejects.toThrow(
      /cluster_id c_nowhere is not a registered cluster/,
    );
  });
});
