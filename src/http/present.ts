// Presenting to the wire what more than one route answers: instants (RFC 3339, stored and shown as UTC), users, and
// findings as the caller may read them.
import type { StoredFinding } from '../store/finding-repository.js';
import type { User } from '../store/people-repository.js';
import { ApiError } from './errors.js';

/** An instant (epoch ms) on the wire: RFC 3339 in UTC. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** An RFC 3339 instant (any offset) from the wire as epoch ms; a malformed one answers 400 naming `field`. */
export function parseInstant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ApiError('validation_failed', `${field} is not an instant`, [{ field, message: 'not an RFC 3339 instant' }]);
  return ms;
}

export function presentUser(u: User) {
  return { id: u.id, org_id: u.org_id, role: u.role, login: u.login, name: u.name, status: u.status, created_at: iso(u.created_at_ms) };
}

/** A finding's message as this caller may read it: a price finding's figures only for those who see prices. */
export function findingMessage(f: Pick<StoredFinding, 'kind' | 'message' | 'evidence' | 'record_seqs'>, prices: boolean): string {
  if (prices || f.kind !== 'price_outlier') return f.message;
  return `Record ${f.record_seqs[0] ?? ''} is billed ${String(f.evidence.direction)} the accepted band around its model's reference price (the prices are shown to administrators).`;
}
