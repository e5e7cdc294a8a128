// To be written: the catalog page.
import type { Route } from '../router.js';
export function CatalogPage(_props: { route: Route }) {
  return <h1>catalog</h1>;
}
