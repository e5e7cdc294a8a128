// To be written: the overview page.
import type { Route } from '../router.js';
export function OverviewPage(_props: { route: Route }) {
  return <h1>overview</h1>;
}
