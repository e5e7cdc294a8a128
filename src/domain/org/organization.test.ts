import { expect, it } from 'vitest';
import { checkInventory, roleFitsOrganization } from './organization.js';

it('lets roles belong only to fitting organizations', () => {
  expect(roleFitsOrganization('administrator', 'office')).toBe(true);
  expect(roleFitsOrganization('auditor', 'office')).toBe(true);
  expect(roleFitsOrganization('provider', 'provider')).toBe(true);
  expect(roleFitsOrganization('enterprise', 'enterprise')).toBe(true);
  expect(roleFitsOrganization('provider', 'enterprise')).toBe(false);
  expect(roleFitsOrganization('administrator', 'provider')).toBe(false);
});

it('rejects overlapping intervals of one model and empty intervals, allows back-to-back ones', () => {
  const m = (accelerator: string, from: number, to: number | null) => ({ accelerator, count: 8, valid_from_ms: from, valid_to_ms: to });
  expect(checkInventory([m('a', 0, 10), m('a', 10, null), m('b', 0, null)])).toBeNull();
  expect(checkInventory([m('a', 0, 10), m('a', 9, null)])).toEqual({ reason: 'overlaps', index: 1, accelerator: 'a', other_index: 0 });
  expect(checkInventory([m('a', 0, null), m('a', 100, 200)])).toMatchObject({ index: 1 });
  expect(checkInventory([m('a', 10, 10)])).toEqual({ reason: 'ends_before_start', index: 0 });
});
