// The domain's one invariant check: a broken invariant is a bug, never an answer to a user, so it throws an internal
// error (which the edge logs and answers as a 500) instead of returning a business code.

export class InvariantError extends Error {}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
