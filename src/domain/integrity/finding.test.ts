import { expect, it } from 'vitest';
import { findingKey, type Finding } from './finding.js';

const f = (p: Partial<Finding>): Finding => ({
  kind: 'capacity_overrun',
  severity: 'high',
  subject: { cluster_id: 'c1', accelerator: 'a' },
  message: 'm',
  evidence: {},
  record_seqs: [3, 1, 2],
  interval: { from_ms: 10, to_ms: 20 },
  ...p,
});

it('gives the same key whatever the seq or subject order, and another for another kind, interval or seq set', () => {
  const k = findingKey(f({}));
  expect(k).toBe('capacity_overrun/accelerator=a&cluster_id=c1/10..20/1,2,3');
  expect(findingKey(f({ record_seqs: [2, 3, 1], subject: { accelerator: 'a', cluster_id: 'c1' }, message: 'other' }))).toBe(k);
  expect(findingKey(f({ kind: 'price_outlier' }))).not.toBe(k);
  expect(findingKey(f({ interval: { from_ms: 10, to_ms: 21 } }))).not.toBe(k);
  expect(findingKey(f({ interval: null }))).not.toBe(k);
  expect(findingKey(f({ record_seqs: [1, 2] }))).not.toBe(k);
});

it('hashes long seq lists so the key stays short, still order-independent, at and just past the inline limit', () => {
  const eight = [8, 7, 6, 5, 4, 3, 2, 1];
  expect(findingKey(f({ record_seqs: eight }))).toMatch(/\/1,2,3,4,5,6,7,8$/);
  const many = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  const k = findingKey(f({ record_seqs: many }));
  expect(k).toMatch(/\/1000#[0-9a-f]{14}$/);
  expect(findingKey(f({ record_seqs: [...many].reverse() }))).toBe(k);
  expect(findingKey(f({ record_seqs: [...many.slice(1), 1001] }))).not.toBe(k);
  expect(findingKey(f({ record_seqs: [...eight, 9] }))).toMatch(/\/9#/);
});
