import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingKey } from './finding.js';
import { findDuplicates, type DuplicateRecord } from './duplicates.js';
import { OfficeCalendar } from '../calendar.js';

const calendar = new OfficeCalendar('Asia/Shanghai');

let next_seq = 1;
const rec = (p: Partial<DuplicateRecord>): DuplicateRecord => ({
  seq: next_seq++,
  provider_id: 'p1',
  enterprise_id: 'e1',
  job_ref: null,
  accelerator: 'a',
  count: 8,
  started_at_ms: 0,
  ended_at_ms: 100,
  ...p,
});

const rules = (r: ReturnType<typeof findDuplicates>) => r.findings.map((f) => [f.evidence['rule'], f.record_seqs]);

describe('duplicates and overlaps', () => {
  it('(a) flags a job_ref of one enterprise reported by two providers, once per job', () => {
    const a = rec({ provider_id: 'p1', job_ref: 'j1', started_at_ms: 0, ended_at_ms: 10 });
    const b = rec({ provider_id: 'p1', job_ref: 'j1', started_at_ms: 10, ended_at_ms: 20 }); // a split job: fine alone
    const c = rec({ provider_id: 'p2', job_ref: 'j1', started_at_ms: 500, ended_at_ms: 600, accelerator: 'b' });
    const other_enterprise = rec({ provider_id: 'p3', enterprise_id: 'e2', job_ref: 'j1' });
    const r = findDuplicates([a, b, c, other_enterprise], calendar);
    expect(r.truncated).toBe(false);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      kind: 'duplicate_job',
      severity: 'high',
      subject: { enterprise_id: 'e1', job_ref: 'j1' },
      record_seqs: [a.seq, b.seq, c.seq],
      evidence: { rule: 'same_job_ref', providers: ['p1', 'p2'], record_count: 3 },
    });
    expect(r.findings[0]!.message).toContain('reported by 2 providers (p1, p2)');
  });

  it('(b) flags same enterprise, model and count running mostly the same time at two providers, not touching, partly overlapping ones or other shapes', () => {
    const a = rec({ provider_id: 'p1', started_at_ms: 0, ended_at_ms: 100 });
    const b = rec({ provider_id: 'p2', started_at_ms: 10, ended_at_ms: 105 }); // overlap 90: 90% of a, 95% of b
    const touching = rec({ provider_id: 'p3', started_at_ms: 105, ended_at_ms: 200 }); // meets b, overlaps nothing
    const half = rec({ provider_id: 'p3', started_at_ms: 50, ended_at_ms: 150 }); // overlaps a and b by half: separate jobs
    const other_count = rec({ provider_id: 'p4', count: 4, started_at_ms: 0, ended_at_ms: 100 });
    const other_model = rec({ provider_id: 'p4', accelerator: 'b', started_at_ms: 0, ended_at_ms: 100 });
    const same_provider = rec({ provider_id: 'p1', started_at_ms: 12, ended_at_ms: 100 }); // 88 of b's 95: duplicates b (p2)
    const r = findDuplicates([a, b, touching, half, other_count, other_model, same_provider], calendar);
    expect(rules(r)).toEqual([
      ['same_shape_overlap', [a.seq, b.seq]],
      ['same_shape_overlap', [b.seq, same_provider.seq]],
    ]);
    expect(r.findings[0]).toMatchObject({ severity: 'medium', interval: { from_ms: 10, to_ms: 100 } });
    expect(r.findings[0]!.message).toContain('Providers p1');
  });

  it('(b) leaves pairs sharing a job_ref to (a)', () => {
    const a = rec({ provider_id: 'p1', job_ref: 'j9' });
    const b = rec({ provider_id: 'p2', job_ref: 'j9' });
    expect(rules(findDuplicates([a, b], calendar))).toEqual([['same_job_ref', [a.seq, b.seq]]]);
  });

  it('(c) flags one provider reporting overlapping records of one job_ref on one model, not back-to-back ones', () => {
    const a = rec({ job_ref: 'j2', started_at_ms: 0, ended_at_ms: 100 });
    const b = rec({ job_ref: 'j2', started_at_ms: 100, ended_at_ms: 200 });
    const c = rec({ job_ref: 'j2', started_at_ms: 150, ended_at_ms: 160 });
    const r = findDuplicates([c, b, a], calendar);
    expect(rules(r)).toEqual([['self_overlap', [b.seq, c.seq]]]);
    expect(r.findings[0]).toMatchObject({ kind: 'overlapping_job', subject: { provider_id: 'p1', job_ref: 'j2' }, interval: { from_ms: 150, to_ms: 160 } });
  });

  it('(c) leaves one job split by model alone (Slurm gres/gpu:910b=2 and gres/gpu:a800=1: two records, one job ref)', () => {
    const ascend = rec({ job_ref: 'slurm:16', accelerator: 'huawei-ascend-910b', count: 2, started_at_ms: 0, ended_at_ms: 3600 });
    const a800 = rec({ job_ref: 'slurm:16', accelerator: 'nvidia-a800-80gb-pcie', count: 1, started_at_ms: 0, ended_at_ms: 3600 });
    expect(findDuplicates([ascend, a800], calendar).findings).toEqual([]);
    // the same model twice over the same time is still flagged
    const again = rec({ job_ref: 'slurm:16', accelerator: 'huawei-ascend-910b', count: 2, started_at_ms: 0, ended_at_ms: 3600 });
    expect(rules(findDuplicates([ascend, a800, again], calendar))).toEqual([['self_overlap', [ascend.seq, again.seq]]]);
  });

  it('stops at findings_max and says so, at and just past the limit', () => {
    const records = [0, 1, 2].map((i) => rec({ provider_id: `p${i}` })); // 3 cross-provider pairs
    expect(findDuplicates(records, calendar, { findings_max: 3 })).toMatchObject({ truncated: false });
    const cut = findDuplicates(records, calendar, { findings_max: 2 });
    expect(cut.truncated).toBe(true);
    expect(cut.findings).toHaveLength(2);
  });

  it('caps the seqs listed in a same-job_ref finding', () => {
    const records = [0, 1, 2, 3].map((i) => rec({ provider_id: `p${i % 2}`, job_ref: 'j', started_at_ms: i * 100, ended_at_ms: i * 100 + 50 }));
    const [f] = findDuplicates(records, calendar, { record_seqs_max: 2 }).findings;
    expect(f).toMatchObject({ record_seqs: [records[0]!.seq, records[1]!.seq], evidence: { record_count: 4 } });
  });

  const arb = fc
    .array(
      fc.record({
        provider_id: fc.constantFrom('p1', 'p2', 'p3'),
        enterprise_id: fc.constantFrom('e1', 'e2'),
        job_ref: fc.option(fc.constantFrom('j1', 'j2'), { nil: null }),
        accelerator: fc.constantFrom('a', 'b'),
        count: fc.constantFrom(1, 8),
        started_at_ms: fc.integer({ min: 0, max: 50 }),
        len: fc.integer({ min: 1, max: 20 }),
      }),
      { maxLength: 40 },
    )
    .map((xs) => xs.map(({ len, ...x }, i) => ({ ...x, seq: i + 1, ended_at_ms: x.started_at_ms + len })));

  it('(b) and (c) agree with checking every pair (property), and do not depend on input order', () => {
    fc.assert(
      fc.property(arb, (records) => {
        const overlap = (a: DuplicateRecord, b: DuplicateRecord) => a.started_at_ms < b.ended_at_ms && b.started_at_ms < a.ended_at_ms;
        // (b) by its definition: the overlap covers ≥ 80% of each record
        const mostly = (a: DuplicateRecord, b: DuplicateRecord) => {
          const o = Math.min(a.ended_at_ms, b.ended_at_ms) - Math.max(a.started_at_ms, b.started_at_ms);
          return o / (a.ended_at_ms - a.started_at_ms) >= 0.8 && o / (b.ended_at_ms - b.started_at_ms) >= 0.8;
        };
        const expect_b: number[][] = [];
        const expect_c: number[][] = [];
        for (let i = 0; i < records.length; i++) {
          for (let j = i + 1; j < records.length; j++) {
            const a = records[i]!;
            const b = records[j]!;
            if (!overlap(a, b) || a.enterprise_id !== b.enterprise_id) continue;
            if (
              a.provider_id !== b.provider_id &&
              a.accelerator === b.accelerator &&
              a.count === b.count &&
              !(a.job_ref !== null && a.job_ref === b.job_ref) &&
              mostly(a, b)
            )
              expect_b.push([a.seq, b.seq]);
            if (a.provider_id === b.provider_id && a.job_ref !== null && a.job_ref === b.job_ref && a.accelerator === b.accelerator)
              expect_c.push([a.seq, b.seq]);
          }
        }
        const r = findDuplicates(records, calendar);
        const got = (rule: string) => r.findings.filter((f) => f.evidence['rule'] === rule).map((f) => f.record_seqs);
        const sorted = (xs: number[][]) => [...xs].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
        expect(got('same_shape_overlap')).toEqual(sorted(expect_b));
        expect(got('self_overlap')).toEqual(sorted(expect_c));
        const reversed = findDuplicates([...records].reverse(), calendar);
        expect(reversed.findings.map(findingKey)).toEqual(r.findings.map(findingKey));
      }),
      { numRuns: 300 },
    );
  });
});
