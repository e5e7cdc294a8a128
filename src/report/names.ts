// Organization names for the rows of a report, looked up once per export: one by one for a few ids, page by page
// through the whole kind for many (a summary by enterprise may name thousands).
import type { OrganizationKind } from '../domain/org/organization.js';
import type { Store } from '../store/store.js';

const lookups_one_by_one_max = 200;
const page_size = 1000;

/** Who may read which names: the office and auditors every organization's, a provider or enterprise only its own. */
export type NameScope = { all: true } | { all: false; own_id: string };

export async function organizationNames(store: Store, kind: OrganizationKind, ids: Iterable<string>, scope: NameScope): Promise<Map<string, string>> {
  const wanted = new Set<string>();
  for (const id of ids) if (scope.all || id === scope.own_id) wanted.add(id);
  const names = new Map<string, string>();
  if (wanted.size <= lookups_one_by_one_max) {
    for (const id of wanted) {
      const org = await store.organizations.get(id);
      if (org) names.set(id, org.name);
    }
    return names;
  }
  let after: string | undefined;
  for (;;) {
    const page = await store.organizations.page({ kind, ...(after === undefined ? {} : { after_id: after }) }, page_size);
    for (const org of page) if (wanted.has(org.id)) names.set(org.id, org.name);
    if (page.length < page_size) return names;
    after = page[page.length - 1]!.id;
  }
}
