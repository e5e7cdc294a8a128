// To be written: the programs page.
import type { Route } from '../router.js';
export function ProgramsPage(_props: { route: Route }) {
  return <h1>programs</h1>;
}
