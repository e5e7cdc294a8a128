// To be written: the claim-detail page.
import type { Route } from '../router.js';
export function ClaimPage(_props: { route: Route }) {
  return <h1>claim-detail</h1>;
}
