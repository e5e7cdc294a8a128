// To be written: the program-detail page.
import type { Route } from '../router.js';
export function ProgramPage(_props: { route: Route }) {
  return <h1>program-detail</h1>;
}
