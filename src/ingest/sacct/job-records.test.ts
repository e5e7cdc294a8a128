import { describe, expect, it } from 'vitest';
import type { SacctLine } from './columns.js';
import { jobOutcome, sacctRecordId, type JobContext } from './job-records.js';
import { parseSacctMapping } from './mapping.js';

const mapping = parseSacctMapping(
  JSON.stringify({
    cluster_id: 'c_abc',
    slurm_cluster: 'ascend1',
    accounts: { acme_ai: 'e_acme', lanxu: 'e_lanxu' },
    gres_types: { '910b': 'huawei-ascend-910b', a800: 'nvidia-a800-80gb-pcie', '910b_alias': 'huawei-ascend-910b' },
    partitions: { a800: { gres_default: 'nvidia-a800-80gb-pcie', workload: 'training' }, infer: { gres_default: 'huawei-ascend-910b', workload: 'inference' } },
    price_fen_per_card_h: { 'huawei-ascend-910b': 800, 'nvidia-a800-80gb-pcie': 1200 },
  }),
  'm.json',
);
const utc: JobContext = { mapping, offset_min: 0 };

function job(overrides: Partial<SacctLine> = {}): SacctLine {
  return {
    job_id: '1041',
    job_id_raw: '1041',
    account: 'acme_ai',
    partition: 'ascend',
    start: '2026-03-01T09:00:02',
    end: '2026-03-01T13:00:02',
    elapsed_raw: '14400',
    alloc_tres: 'billing=16,cpu=16,gres/gpu:910b=8,gres/gpu=8,mem=256G,node=1',
    state: 'COMPLETED',
    cluster: null,
    ...overrides,
  };
}

describe('jobOutcome: records', () => {
  it('makes one record of a job with typed and untyped entries for the same cards (not summed)', () => {
    expect(jobOutcome(job(), utc)).toEqual({
      kind: 'records',
      job_id: '1041',
      records: [
        {
          record_id: 'slurm:c_abc:1041',
          cluster_id: 'c_abc',
          enterprise_id: 'e_acme',
          accelerator: 'huawei-ascend-910b',
          count: 8,
          started_at: '2026-03-01T09:00:02Z',
          ended_at: '2026-03-01T13:00:02Z',
          amount_fen: 25_600,
          job_ref: 'slurm:1041',
        },
      ],
    });
  });

  it('counts a multi-node job whole, with gpumem and gpuutil present', () => {
    const o = jobOutcome(
      job({
        partition: 'a800',
        alloc_tres: 'billing=64,cpu=64,gres/gpu=16,gres/gpumem=1280G,gres/gpuutil=0,mem=1000G,node=2',
        elapsed_raw: '3600',
        end: '2026-03-01T10:00:02',
      }),
      utc,
    );
    expect(o).toMatchObject({ kind: 'records', records: [{ accelerator: 'nvidia-a800-80gb-pcie', count: 16, amount_fen: 19_200, workload: 'training' }] });
  });

  it('splits a job with cards of two models into one record per model, ids suffixed with the model', () => {
    const o = jobOutcome(job({ alloc_tres: 'gres/gpu:a800=4,gres/gpu:910b=8,gres/gpu=12,node=2', elapsed_raw: '3600', end: '2026-03-01T10:00:02' }), utc);
    expect(o).toMatchObject({
      kind: 'records',
      records: [
        { record_id: 'slurm:c_abc:1041:huawei-ascend-910b', accelerator: 'huawei-ascend-910b', count: 8, amount_fen: 6400, job_ref: 'slurm:1041' },
        { record_id: 'slurm:c_abc:1041:nvidia-a800-80gb-pcie', accelerator: 'nvidia-a800-80gb-pcie', count: 4, amount_fen: 4800, job_ref: 'slurm:1041' },
      ],
    });
  });

  it('merges types that map to one model, and untyped cards beyond the typed ones go to the partition default', () => {
    expect(jobOutcome(job({ alloc_tres: 'gres/gpu:910b=4,gres/gpu:910b_alias=4' }), utc)).toMatchObject({
      records: [{ record_id: 'slurm:c_abc:1041', count: 8 }],
    });
    expect(jobOutcome(job({ partition: 'infer', alloc_tres: 'gres/gpu=16,gres/gpu:910b=8' }), utc)).toMatchObject({
      records: [{ record_id: 'slurm:c_abc:1041', count: 16, workload: 'inference' }],
    });
    expect(jobOutcome(job({ partition: 'a800', alloc_tres: 'gres/gpu=16,gres/gpu:910b=8' }), utc)).toMatchObject({
      records: [
        { accelerator: 'huawei-ascend-910b', count: 8 },
        { accelerator: 'nvidia-a800-80gb-pcie', count: 8 },
      ],
    });
  });

  it('counts a cancelled job that ran', () => {
    const o = jobOutcome(job({ state: 'CANCELLED by 1000', end: '2026-03-01T09:45:12', elapsed_raw: '2710' }), utc);
    expect(o).toMatchObject({ kind: 'records', records: [{ ended_at: '2026-03-01T09:45:12Z', amount_fen: 4818 }] }); // 8 × 2710 s × 800 / 3600 = 4817.78
  });

  it('ends the record at Start + ElapsedRaw (suspended time is not used), and refuses ElapsedRaw past End', () => {
    expect(jobOutcome(job({ end: '2026-03-01T14:00:02' }), utc)).toMatchObject({ records: [{ ended_at: '2026-03-01T13:00:02Z' }] });
    expect(jobOutcome(job({ end: '2026-03-01T13:00:01' }), utc)).toEqual({
      kind: 'rejected',
      job_id: '1041',
      job_id_raw: '1041',
      code: 'inconsistent_elapsed',
      field: 'ElapsedRaw',
      message: 'Start + ElapsedRaw (14400 s) is 2026-03-01T13:00:02Z, after End 2026-03-01T13:00:01Z',
    });
  });

  it('reads zone-less times in the --tz offset', () => {
    expect(jobOutcome(job(), { mapping, offset_min: 480 })).toMatchObject({
      records: [{ started_at: '2026-03-01T01:00:02Z', ended_at: '2026-03-01T05:00:02Z' }],
    });
    expect(jobOutcome(job(), { mapping, offset_min: -330 })).toMatchObject({ records: [{ started_at: '2026-03-01T14:30:02Z' }] });
  });

  it('ids array tasks and heterogeneous components by JobIDRaw and refers to them by JobID', () => {
    expect(jobOutcome(job({ job_id: '1047_2', job_id_raw: '1049' }), utc)).toMatchObject({
      job_id: '1047_2',
      records: [{ record_id: 'slurm:c_abc:1049', job_ref: 'slurm:1047_2' }],
    });
    expect(jobOutcome(job({ job_id: '1050+1', job_id_raw: '1051' }), utc)).toMatchObject({
      records: [{ record_id: 'slurm:c_abc:1051', job_ref: 'slurm:1050+1' }],
    });
    expect(sacctRecordId('c_abc', '7', 'huawei-ascend-910b')).toBe('slurm:c_abc:7:huawei-ascend-910b');
  });

  it('takes a line of its own cluster, or of a file without a Cluster column', () => {
    expect(jobOutcome(job({ cluster: 'ascend1' }), utc)).toMatchObject({ kind: 'records' });
    expect(jobOutcome(job({ cluster: 'other' }), utc)).toMatchObject({ kind: 'rejected', code: 'other_cluster', field: 'Cluster' });
  });
});

describe('jobOutcome: skips', () => {
  it('skips steps, whatever they hold', () => {
    for (const job_id of ['1041.batch', '1041.extern', '1041.0', '1047_2.batch', '1050+0.0']) {
      expect(jobOutcome(job({ job_id, job_id_raw: `${job_id.split('.')[0]}.x`, account: 'ghost' }), utc), job_id).toEqual({ kind: 'skipped', reason: 'step' });
    }
  });

  it('skips running and pending jobs', () => {
    expect(jobOutcome(job({ end: 'Unknown', state: 'RUNNING' }), utc)).toEqual({ kind: 'skipped', reason: 'running' });
    expect(jobOutcome(job({ end: 'Unknown', state: 'COMPLETING' }), utc)).toEqual({ kind: 'skipped', reason: 'running' });
    expect(jobOutcome(job({ job_id: '1047_[3-9]', start: 'Unknown', end: 'Unknown', elapsed_raw: '0', alloc_tres: '', state: 'PENDING' }), utc)).toEqual({
      kind: 'skipped',
      reason: 'running',
    });
    expect(jobOutcome(job({ state: 'SUSPENDED' }), utc)).toEqual({ kind: 'skipped', reason: 'running' });
  });

  it('skips jobs that never ran: no Start, or no time elapsed (cancelled while pending)', () => {
    expect(jobOutcome(job({ start: 'None', state: 'CANCELLED by 1000', elapsed_raw: '0' }), utc)).toEqual({ kind: 'skipped', reason: 'never_started' });
    expect(jobOutcome(job({ start: 'Unknown', state: 'CANCELLED by 1000' }), utc)).toEqual({ kind: 'skipped', reason: 'never_started' });
    expect(jobOutcome(job({ end: '2026-03-01T09:00:02', elapsed_raw: '0', state: 'CANCELLED by 1000' }), utc)).toEqual({
      kind: 'skipped',
      reason: 'never_started',
    });
  });

  it('skips jobs without GPUs, even of an account not mapped', () => {
    expect(jobOutcome(job({ alloc_tres: 'billing=32,cpu=32,mem=128G,node=1', account: 'ghost' }), utc)).toEqual({ kind: 'skipped', reason: 'no_gpu' });
    expect(jobOutcome(job({ alloc_tres: 'cpu=8,gres/gpumem=80G,gres/gpuutil=0' }), utc)).toEqual({ kind: 'skipped', reason: 'no_gpu' });
    expect(jobOutcome(job({ alloc_tres: 'gres/gpu=0' }), utc)).toEqual({ kind: 'skipped', reason: 'no_gpu' });
  });
});

describe('jobOutcome: rejections', () => {
  it('rejects an account or GRES type the mapping file does not know, with the reason', () => {
    expect(jobOutcome(job({ account: 'ghost_lab' }), utc)).toEqual({
      kind: 'rejected',
      job_id: '1041',
      job_id_raw: '1041',
      code: 'unmapped_account',
      field: 'Account',
      message: 'account "ghost_lab" is not in the mapping file\'s accounts',
    });
    expect(jobOutcome(job({ alloc_tres: 'gres/gpu:h100=8,gres/gpu=8' }), utc)).toMatchObject({
      code: 'unmapped_gres',
      field: 'AllocTRES',
      message: 'GRES type "h100" (gres/gpu:h100) is not in the mapping file\'s gres_types',
    });
    expect(jobOutcome(job({ alloc_tres: 'gres/gpu=8' }), utc)).toMatchObject({
      code: 'unmapped_gres',
      message: 'untyped gres/gpu (8 cards) has no model: set gres_default or partitions.ascend.gres_default',
    });
  });

  it('rejects fewer untyped GPUs than typed ones', () => {
    expect(jobOutcome(job({ alloc_tres: 'gres/gpu:910b=8,gres/gpu=4' }), utc)).toMatchObject({
      kind: 'rejected',
      code: 'inconsistent_gpu_count',
      field: 'AllocTRES',
    });
  });

  it('rejects a field it cannot read, naming it', () => {
    const cases: [Partial<SacctLine>, string][] = [
      [{ job_id: 'abc' }, 'JobID'],
      [{ job_id_raw: '1041x' }, 'JobIDRaw'],
      [{ elapsed_raw: '4:00:00' }, 'ElapsedRaw'],
      [{ start: '03/01-09:00:02' }, 'Start'],
      [{ end: '2026-03-01 13:00:02' }, 'End'],
      [{ alloc_tres: 'gres/gpu=eight' }, 'AllocTRES'],
    ];
    for (const [overrides, field] of cases) expect(jobOutcome(job(overrides), utc), field).toMatchObject({ kind: 'rejected', code: 'malformed_sacct', field });
  });
});
