// To be written: the provider page.
import type { Route } from '../router.js';
export function ProviderPage(_props: { route: Route }) {
  return <h1>provider</h1>;
}
