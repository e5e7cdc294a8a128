// Organizations (the program office, providers, enterprises), their API-key roles and clusters with inventory.

export type OrganizationKind = 'office' | 'provider' | 'enterprise';
export const roles = ['administrator', 'provider', 'enterprise', 'auditor'] as const;
export type Role = (typeof roles)[number];
export const enterprise_sizes = ['micro', 'small', 'medium', 'large'] as const;
export type EnterpriseSize = (typeof enterprise_sizes)[number];

export interface Organization {
  id: string;
  kind: OrganizationKind;
  name: string;
  credit_code: string | null;
  region: string | null;
  sector: string | null;
  size: EnterpriseSize | null;
  /** tags programs select on: startup, sme, research_institution, data_centre_operator, … */
  categories: string[];
  created_at_ms: number;
}

/** Which roles a key of an organization of this kind may carry. */
export function roleFitsOrganization(role: Role, kind: OrganizationKind): boolean {
  switch (role) {
    case 'administrator':
    case 'auditor':
      return kind === 'office';
    case 'provider':
      return kind === 'provider';
    case 'enterprise':
      return kind === 'enterprise';
  }
}

export interface InventoryInterval {
  accelerator: string;
  count: number;
  valid_from_ms: number;
  /** Exclusive end; null = still installed. */
  valid_to_ms: number | null;
}

export interface Cluster {
  id: string;
  provider_id: string;
  name: string;
  region: string;
  inventory: InventoryInterval[];
  created_at_ms: number;
}

/** What is wrong with an inventory (the refusal invalid_inventory): the interval by its index, and the field at fault. */
export type InventoryProblem =
  | { reason: 'not_in_catalog'; index: number; accelerator: string }
  | { reason: 'ends_before_start'; index: number }
  | { reason: 'overlaps'; index: number; accelerator: string; other_index: number };

/** The field of the interval a problem names. */
export function inventoryProblemField(p: InventoryProblem): 'accelerator' | 'valid_to' | 'valid_from' {
  return p.reason === 'not_in_catalog' ? 'accelerator' : p.reason === 'ends_before_start' ? 'valid_to' : 'valid_from';
}

/** Inventory intervals of one model must not overlap: a cluster holds one count of a model at a time. */
export function checkInventory(intervals: readonly InventoryInterval[]): InventoryProblem | null {
  for (let i = 0; i < intervals.length; i++) {
    const a = intervals[i]!;
    if (a.valid_to_ms !== null && a.valid_to_ms <= a.valid_from_ms) {
      return { reason: 'ends_before_start', index: i };
    }
    for (let j = 0; j < i; j++) {
      const b = intervals[j]!;
      if (a.accelerator !== b.accelerator) continue;
      const a_end = a.valid_to_ms ?? Number.POSITIVE_INFINITY;
      const b_end = b.valid_to_ms ?? Number.POSITIVE_INFINITY;
      if (a.valid_from_ms < b_end && b.valid_from_ms < a_end) {
        return { reason: 'overlaps', index: i, accelerator: a.accelerator, other_index: j };
      }
    }
  }
  return null;
}
