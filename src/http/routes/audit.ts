// The audit log: administrators and auditors read its entries and have the chain verified. Each entry is presented
// for the reader's role: a payload the role may not read (an auditor and reference prices) is withheld, never leaked.
import { Type } from 'typebox';
import type { AuditEntry } from '../../domain/audit/chain.js';
import { claim_actions } from '../../domain/claim/claim-state.js';
import type { App, AppContext } from '../context.js';
import { principalOf, readers, type Principal } from '../auth.js';
import { pageLimit } from '../errors.js';
import { verifyAudit } from '../../service/audit-head.js';
import { seesPrices } from '../access.js';
import { iso } from '../present.js';
import { Page } from '../schemas.js';

const AuditEntryView = Type.Object(
  {
    seq: Type.Integer(),
    at: Type.String(),
    at_ms: Type.Integer(),
    actor: Type.Object({
      org_id: Type.Union([Type.String(), Type.Null()]),
      key_id: Type.Union([Type.String(), Type.Null()]),
      role: Type.Union([Type.String(), Type.Null()]),
    }),
    action: Type.String({ description: 'e.g. organization.create, api_key.revoke, claim.approve, ledger.transfer, finding.dismiss' }),
    subject: Type.Object({ kind: Type.String(), id: Type.String() }),
    before: Type.Unknown({ description: 'summary of the subject before the change (null on creation)' }),
    after: Type.Unknown({ description: 'summary after the change' }),
    withheld: Type.Union([Type.Null(), Type.Object({ fields: Type.Array(Type.String()), reason: Type.String() })], {
      description:
        "null, or which fields are withheld from the reader's role (answered as null) and why; the entry's hash still covers them: GET /api/v1/audit/verify walks the whole chain",
    }),
    prev_hash: Type.String(),
    hash: Type.String({ description: 'SHA-256 of the canonical encoding (docs/integrity.md)' }),
  },
  { title: 'AuditEntry' },
);

/**
 * What each action's before/after may hold that some role may not read: `open` (every reader of the log may see it) or
 * `prices` (reference prices: commercial data, administrators only — docs/security.md). An action missing here is
 * shown to administrators only, until it is classified; test/api/audit-roles.test.ts holds this table against every
 * action the store writes.
 */
export const audit_payloads: Readonly<Record<string, 'open' | 'prices'>> = {
  'organization.create': 'open',
  'api_key.create': 'open',
  'api_key.revoke': 'open',
  'user.create': 'open',
  'user.invite': 'open',
  'user.activate': 'open',
  'user.password': 'open',
  'user.disable': 'open',
  'session.login': 'open',
  'session.logout': 'open',
  'catalog.seed': 'open',
  'catalog.create': 'open',
  'catalog.replace': 'open',
  'catalog.reference_price': 'prices',
  'cluster.create': 'open',
  'cluster.inventory': 'open',
  'signing_key.create': 'open',
  'signing_key.revoke': 'open',
  'program.create': 'open',
  'program.enroll': 'open',
  'rule_set.create': 'open',
  // claims and the ledger keep their amounts for auditors: they are the subsidy being audited, not a price list
  'claim.create': 'open',
  'claim.accept_progress_report': 'open',
  'claim.override_findings': 'open',
  ...Object.fromEntries(claim_actions.map((a) => [`claim.${a}`, 'open' as const])),
  'ledger.transfer': 'open',
  'usage.batch_sealed': 'open',
  'usage.replace': 'open',
  'usage.rekey': 'open',
  'calendar.set_zone': 'open',
  'finding.create': 'open',
  'finding.supersede': 'open',
  'finding.dismiss': 'open',
  'finding.confirm': 'open',
};

/** Why the reader may not see an entry's before/after, or null when they may. */
export function withheldReason(action: string, p: Principal): string | null {
  const payload = audit_payloads[action];
  if (payload === undefined) return p.role === 'administrator' ? null : `the content of ${action} entries is shown to administrators only`;
  if (payload === 'prices' && !seesPrices(p))
    return `reference prices are shown to administrators only: the role ${p.role} sees that the entry exists, not the prices`;
  return null;
}

export function presentEntry(e: AuditEntry, p: Principal) {
  const reason = withheldReason(e.action, p);
  return {
    seq: e.seq,
    at: iso(e.at_ms),
    at_ms: e.at_ms,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    before: reason === null ? e.before : null,
    after: reason === null ? e.after : null,
    withheld: reason === null ? null : { fields: ['before', 'after'], reason },
    prev_hash: e.prev_hash,
    hash: e.hash,
  };
}

export function auditRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/audit',
    {
      config: { access: readers, no_store: true },
      schema: {
        tags: ['audit'],
        summary: 'List audit entries',
        description:
          "Audit entries in chain order (oldest first), filtered; page with after_seq = next_cursor. An entry whose content the reader's role may not read (reference prices, for an auditor) comes with before and after withheld (null) and says so in withheld; seq, hashes, action, subject, actor and time are always shown.",
        querystring: Type.Object(
          {
            subject_kind: Type.Optional(Type.String({ maxLength: 64 })),
            subject_id: Type.Optional(Type.String({ maxLength: 200 })),
            action: Type.Optional(Type.String({ maxLength: 64 })),
            actor_org_id: Type.Optional(Type.String({ maxLength: 64 })),
            after_seq: Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })),
            limit: Type.Optional(Type.String({ pattern: '^\\d{1,9}$', description: `page size, 1 to ${ctx.config.page_records_max} (default 100)` })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(AuditEntryView) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, ctx.config.page_records_max);
      const items = await ctx.store.audit.list(
        {
          ...(q.subject_kind === undefined ? {} : { subject_kind: q.subject_kind }),
          ...(q.subject_id === undefined ? {} : { subject_id: q.subject_id }),
          ...(q.action === undefined ? {} : { action: q.action }),
          ...(q.actor_org_id === undefined ? {} : { actor_org_id: q.actor_org_id }),
          ...(q.after_seq === undefined ? {} : { after_seq: Number(q.after_seq) }),
        },
        limit,
      );
      const last = items[items.length - 1];
      const reader = principalOf(request);
      return { items: items.map((e) => presentEntry(e, reader)), next_cursor: items.length === limit && last ? String(last.seq) : null };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { access: readers },
      schema: {
        tags: ['audit'],
        summary: 'Verify the audit chain',
        description:
          'Walks the whole chain against the head row; names the first entry that was edited, removed or reordered. ' +
          'With head=SEQ:HASH (a head published outside the database: `suanli audit head`), the chain must also reach that seq and hold that hash there: ' +
          'a chain cut short (truncated) or rewritten from there (forked) is refused, even when the head row was moved back with it.',
        querystring: Type.Object(
          {
            head: Type.Optional(Type.String({ pattern: '^\\d{1,15}:[0-9a-f]{64}$', description: 'a published head as SEQ:HASH' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              ok: Type.Boolean({ description: 'the chain holds, and holds the published head when one was given' }),
              entries: Type.Union([Type.Integer(), Type.Null()]),
              head: Type.Object({ seq: Type.Integer(), hash: Type.String() }),
              first_bad_seq: Type.Union([Type.Integer(), Type.Null()]),
              problem: Type.Union([Type.String(), Type.Null()]),
              message: Type.Union([Type.String(), Type.Null()]),
              published: Type.Union(
                [
                  Type.Null(),
                  Type.Object({
                    ok: Type.Boolean(),
                    problem: Type.Union([Type.Literal('truncated'), Type.Literal('forked'), Type.Null()]),
                    message: Type.String(),
                  }),
                ],
                { description: 'the check against the published head (null without head=)' },
              ),
            },
            { title: 'AuditVerification' },
          ),
        },
      },
    },
    async (request) => {
      const given = request.query.head;
      const published = given === undefined ? null : { seq: Number(given.split(':')[0]), hash: given.split(':')[1]! };
      const v = await verifyAudit(ctx.store, published);
      const against =
        v.published === null
          ? null
          : v.published.ok
            ? { ok: true, problem: null, message: v.published.message }
            : { ok: false, problem: v.published.problem, message: v.published.message };
      const ok = v.ok && (against === null || against.ok);
      return v.ok
        ? { ok, entries: v.entries, head: v.head, first_bad_seq: null, problem: null, message: null, published: against }
        : { ok: false, entries: null, head: v.head, first_bad_seq: v.first_bad_seq, problem: v.problem, message: v.message, published: against };
    },
  );
}
