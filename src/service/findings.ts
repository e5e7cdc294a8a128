// The office's decision on a finding (dismiss or confirm), with the store's refusals thrown as a Refusal.
import type { Store } from '../store/store.js';
import type { AuditActor } from '../store/audit-repository.js';
import type { StoredFinding } from '../store/finding-repository.js';
import { Refusal } from '../domain/refusal.js';

/** open → dismissed | confirmed: the finding after it; a missing finding or one no longer open is refused. */
export async function resolveFinding(
  store: Store,
  id: string,
  to: 'dismissed' | 'confirmed',
  reason: string,
  actor: AuditActor,
  now_ms: number,
): Promise<StoredFinding> {
  const r = await store.findings.resolve(id, to, reason, actor, now_ms);
  switch (r.status) {
    case 'resolved':
      return r.finding;
    case 'not_found':
      throw new Refusal('not_found', { what: 'finding', id });
    case 'illegal_transition':
      throw new Refusal('illegal_transition', { subject: 'finding', state: r.state, allowed_from: ['open'] }, { fields: ['status'] });
  }
}
