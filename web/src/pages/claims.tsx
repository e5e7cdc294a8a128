// To be written: the claims page.
import type { Route } from '../router.js';
export function ClaimsPage(_props: { route: Route }) {
  return <h1>claims</h1>;
}
