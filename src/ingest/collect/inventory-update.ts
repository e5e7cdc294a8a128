// A snapshot applied to a cluster's inventory intervals, as a whole new interval list for the repository's
// replaceInventory (what PUT /api/v1/clusters/{id}/inventory writes): from `valid_from` on, each model the snapshot
// saw holds the snapshot's count; models the tool cannot see (another vendor's cards) are left as they are, and
// history before `valid_from` is kept.
import { checkInventory, type InventoryInterval } from '../../domain/org/organization.js';

export interface InventoryChange {
  accelerator: string;
  count_before: number | null;
  count_after: number;
}

export type InventoryPlan =
  | { status: 'ok'; inventory: InventoryInterval[]; changes: InventoryChange[]; untouched: string[] }
  | { status: 'later_interval'; accelerator: string; valid_from_ms: number };

export function planInventory(
  current: readonly InventoryInterval[],
  snapshot: readonly { accelerator: string; count: number }[],
  valid_from_ms: number,
): InventoryPlan {
  const seen = new Set(snapshot.map((s) => s.accelerator));
  const inventory: InventoryInterval[] = current.filter((i) => !seen.has(i.accelerator)).map((i) => ({ ...i }));
  const changes: InventoryChange[] = [];
  for (const s of snapshot) {
    const mine = current.filter((i) => i.accelerator === s.accelerator);
    const later = mine.find((i) => i.valid_from_ms > valid_from_ms);
    // An interval starting after valid_from was entered on purpose; overwriting it would rewrite history.
    if (later) return { status: 'later_interval', accelerator: s.accelerator, valid_from_ms: later.valid_from_ms };
    const covering = mine.find((i) => i.valid_from_ms <= valid_from_ms && (i.valid_to_ms === null || i.valid_to_ms > valid_from_ms));
    if (covering && covering.count === s.count && covering.valid_to_ms === null) {
      inventory.push(...mine.map((i) => ({ ...i })));
      continue;
    }
    for (const i of mine) {
      if (i === covering) {
        if (i.valid_from_ms < valid_from_ms) inventory.push({ ...i, valid_to_ms: valid_from_ms });
      } else {
        inventory.push({ ...i });
      }
    }
    inventory.push({ accelerator: s.accelerator, count: s.count, valid_from_ms, valid_to_ms: null });
    changes.push({ accelerator: s.accelerator, count_before: covering?.count ?? null, count_after: s.count });
  }
  inventory.sort((a, b) => (a.accelerator < b.accelerator ? -1 : a.accelerator > b.accelerator ? 1 : a.valid_from_ms - b.valid_from_ms));
  const problem = checkInventory(inventory);
  if (problem) throw new Error(`internal: the planned inventory is invalid: ${JSON.stringify(problem)}`);
  const untouched = [...new Set(current.map((i) => i.accelerator))].filter((a) => !seen.has(a)).sort();
  return { status: 'ok', inventory, changes, untouched };
}
