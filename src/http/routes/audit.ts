// The audit log: administrators and auditors read its entries and have the chain verified.
import { Type } from 'typebox';
import type { AuditEntry } from '../../domain/audit/chain.js';
import type { App, AppContext } from '../app.js';
import { readers } from '../auth.js';
import { pageLimit } from '../errors.js';

const iso = (ms: number) => new Date(ms).toISOString();

const AuditEntryView = Type.Object({
  seq: Type.Integer(), at: Type.String(), at_ms: Type.Integer(),
  actor: Type.Object({ org_id: Type.Union([Type.String(), Type.Null()]), key_id: Type.Union([Type.String(), Type.Null()]), role: Type.Union([Type.String(), Type.Null()]) }),
  action: Type.String({ description: 'e.g. organization.create, api_key.revoke, claim.approve, ledger.transfer, finding.dismiss' }),
  subject: Type.Object({ kind: Type.String(), id: Type.String() }),
  before: Type.Unknown({ description: 'summary of the subject before the change (null on creation)' }),
  after: Type.Unknown({ description: 'summary after the change' }),
  prev_hash: Type.String(), hash: Type.String({ description: 'SHA-256 of the canonical encoding (docs/integrity.md)' }),
});

function presentEntry(e: AuditEntry) {
  return { seq: e.seq, at: iso(e.at_ms), at_ms: e.at_ms, actor: e.actor, action: e.action, subject: e.subject, before: e.before, after: e.after, prev_hash: e.prev_hash, hash: e.hash };
}

export function auditRoutes(app: App, ctx: AppContext): void {
  app.get('/audit', {
    config: { access: readers },
    schema: {
      tags: ['audit'], summary: 'List audit entries',
      description: 'Audit entries in chain order (oldest first), filtered; page with after_seq = next_cursor.',
      querystring: Type.Object({
        subject_kind: Type.Optional(Type.String({ maxLength: 64 })),
        subject_id: Type.Optional(Type.String({ maxLength: 200 })),
        action: Type.Optional(Type.String({ maxLength: 64 })),
        actor_org_id: Type.Optional(Type.String({ maxLength: 64 })),
        after_seq: Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })),
        limit: Type.Optional(Type.String({ pattern: '^\\d{1,9}$', description: `page size, 1 to ${ctx.config.page_records_max} (default 100)` })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AuditEntryView), next_cursor: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (request) => {
    const q = request.query;
    const limit = pageLimit(q.limit, ctx.config.page_records_max);
    const items = await ctx.store.audit.list({
      ...(q.subject_kind === undefined ? {} : { subject_kind: q.subject_kind }),
      ...(q.subject_id === undefined ? {} : { subject_id: q.subject_id }),
      ...(q.action === undefined ? {} : { action: q.action }),
      ...(q.actor_org_id === undefined ? {} : { actor_org_id: q.actor_org_id }),
      ...(q.after_seq === undefined ? {} : { after_seq: Number(q.after_seq) }),
    }, limit);
    const last = items[items.length - 1];
    return { items: items.map(presentEntry), next_cursor: items.length === limit && last ? String(last.seq) : null };
  });

  app.get('/audit/verify', {
    config: { access: readers },
    schema: {
      tags: ['audit'], summary: 'Verify the audit chain',
      description: 'Walks the whole chain against the head row; names the first entry that was edited, removed or reordered.',
      response: {
        200: Type.Object({
          ok: Type.Boolean(), entries: Type.Union([Type.Integer(), Type.Null()]),
          head: Type.Object({ seq: Type.Integer(), hash: Type.String() }),
          first_bad_seq: Type.Union([Type.Integer(), Type.Null()]), problem: Type.Union([Type.String(), Type.Null()]), message: Type.Union([Type.String(), Type.Null()]),
        }),
      },
    },
  }, async () => {
    const v = await ctx.store.audit.verify();
    return v.ok
      ? { ok: true, entries: v.entries, head: v.head, first_bad_seq: null, problem: null, message: null }
      : { ok: false, entries: null, head: v.head, first_bad_seq: v.first_bad_seq, problem: v.problem, message: v.message };
  });
}
