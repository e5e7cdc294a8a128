// To be written: the enterprise page.
import type { Route } from '../router.js';
export function EnterprisePage(_props: { route: Route }) {
  return <h1>enterprise</h1>;
}
