// What a signed usage batch delivered, in a form the verifiers can hold it to: the ids of the records it stored, sorted,
// and a digest binding them to the signed body (SHA-256 over the body's SHA-256 and the ids, each after a NUL — a
// character no record id may hold). The records' content is bound by the provider's signature on the body; the digest
// binds which of them this batch stored. Every write path computes it here, the SQLite writer thread included.
import { createHash } from 'node:crypto';

export function deliveredDigest(body_sha256: string, sorted_ids: readonly string[]): string {
  const h = createHash('sha256').update(body_sha256);
  for (const id of sorted_ids) h.update('\u0000').update(id);
  return h.digest('hex');
}

/** Sorted by UTF-16 code units, the same everywhere (no locale). */
export const sortIds = (ids: readonly string[]): string[] => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
