import { describe, expect, it } from 'vitest';
import { planInventory } from './inventory-update.js';

const T = (iso: string) => Date.parse(iso);
const iv = (accelerator: string, count: number, from: string, to: string | null = null) => ({
  accelerator,
  count,
  valid_from_ms: T(from),
  valid_to_ms: to === null ? null : T(to),
});

describe('planInventory', () => {
  const current = [
    iv('huawei-ascend-910b', 64, '2026-01-01T00:00:00Z'),
    iv('nvidia-a800-80gb-pcie', 16, '2025-06-01T00:00:00Z', '2026-01-01T00:00:00Z'),
    iv('nvidia-a800-80gb-pcie', 8, '2026-01-01T00:00:00Z'),
  ];

  it('closes the open interval of a model at valid_from and opens the snapshot count; other models stay', () => {
    const p = planInventory(current, [{ accelerator: 'huawei-ascend-910b', count: 72 }], T('2026-11-01T00:00:00Z'));
    expect(p).toEqual({
      status: 'ok',
      inventory: [
        iv('huawei-ascend-910b', 64, '2026-01-01T00:00:00Z', '2026-11-01T00:00:00Z'),
        iv('huawei-ascend-910b', 72, '2026-11-01T00:00:00Z'),
        iv('nvidia-a800-80gb-pcie', 16, '2025-06-01T00:00:00Z', '2026-01-01T00:00:00Z'),
        iv('nvidia-a800-80gb-pcie', 8, '2026-01-01T00:00:00Z'),
      ],
      changes: [{ accelerator: 'huawei-ascend-910b', count_before: 64, count_after: 72 }],
      untouched: ['nvidia-a800-80gb-pcie'],
    });
  });

  it('adds a model the cluster did not hold', () => {
    const p = planInventory(current, [{ accelerator: 'huawei-ascend-310p', count: 4 }], T('2026-11-01T00:00:00Z'));
    expect(p.status === 'ok' && p.inventory[0]).toEqual(iv('huawei-ascend-310p', 4, '2026-11-01T00:00:00Z'));
    expect(p.status === 'ok' && p.changes).toEqual([{ accelerator: 'huawei-ascend-310p', count_before: null, count_after: 4 }]);
  });

  it('changes nothing when the count is already open at that count (re-applying is a no-op)', () => {
    const p = planInventory(current, [{ accelerator: 'huawei-ascend-910b', count: 64 }], T('2026-11-01T00:00:00Z'));
    expect(p.status === 'ok' && p.changes).toEqual([]);
    expect(p.status === 'ok' && p.inventory).toHaveLength(3);
  });

  it('replaces an interval that starts exactly at valid_from', () => {
    const p = planInventory(current, [{ accelerator: 'huawei-ascend-910b', count: 8 }], T('2026-01-01T00:00:00Z'));
    expect(p.status === 'ok' && p.inventory.filter((i) => i.accelerator === 'huawei-ascend-910b')).toEqual([
      iv('huawei-ascend-910b', 8, '2026-01-01T00:00:00Z'),
    ]);
  });

  it('refuses to overwrite an interval that starts after valid_from', () => {
    expect(planInventory(current, [{ accelerator: 'nvidia-a800-80gb-pcie', count: 4 }], T('2025-12-01T00:00:00Z'))).toEqual({
      status: 'later_interval',
      accelerator: 'nvidia-a800-80gb-pcie',
      valid_from_ms: T('2026-01-01T00:00:00Z'),
    });
  });

  it('keeps closed history and reopens a model whose interval had ended', () => {
    const p = planInventory(
      [iv('nvidia-l20', 4, '2025-01-01T00:00:00Z', '2025-06-01T00:00:00Z')],
      [{ accelerator: 'nvidia-l20', count: 4 }],
      T('2026-01-01T00:00:00Z'),
    );
    expect(p.status === 'ok' && p.inventory).toEqual([
      iv('nvidia-l20', 4, '2025-01-01T00:00:00Z', '2025-06-01T00:00:00Z'),
      iv('nvidia-l20', 4, '2026-01-01T00:00:00Z'),
    ]);
  });
});
