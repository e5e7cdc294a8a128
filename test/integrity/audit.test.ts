// The audit log as a hash chain, end to end: every state change made through the API appends an entry naming its
// action, subject and caller; the chain verifies through GET /api/v1/audit/verify and `suanli audit verify`; edits,
// deletions and reorderings made directly in the database are caught and named; and two `suanli serve` processes
// appending at once on one PostgreSQL database never fork the chain.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { entryHash } from '../../src/domain/audit/chain.js';
import { toAuditEntry } from '../../src/store/audit-repository.js';
import { admin_key, describeEachEngine, freshDatabase, type EngineDb } from '../support/engines.js';
import { createParties, testApi, usageRecord, type TestApi } from '../support/api.js';
import { killAllServers, repo_root, serverEnv, startServer, type ServerProcess } from '../durability/server-process.js';
import { sharedDatabase, type SharedDatabase } from '../durability/workload.js';

const run = promisify(execFile);
const now = Date.parse('2026-11-29T12:00:00Z');

function programBody(code: string) {
  return {
    code,
    name_zh: '审计测试',
    name_en: 'Audit test',
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: code,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: 10_000_000,
    rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'all', match: {}, pay: { basis: 'bill', rate_bp: 3000 } }] },
  };
}

interface EntryView {
  seq: number;
  action: string;
  subject: { kind: string; id: string };
  actor: { org_id: string | null; key_id: string | null; role: string | null };
  before: unknown;
  after: unknown;
  prev_hash: string;
  hash: string;
}
interface Verdict {
  ok: boolean;
  entries: number | null;
  head: { seq: number; hash: string };
  first_bad_seq: number | null;
  problem: string | null;
  message: string | null;
}

async function ok<T>(res: Promise<{ statusCode: number; body: string; json(): unknown }>, status = 200): Promise<T> {
  const r = await res;
  expect(r.statusCode, r.body).toBe(status);
  return r.json() as T;
}

async function me(api: TestApi, key: string) {
  return ok<{ key_id: string; org_id: string; role: string }>(api.call('GET', '/api/v1/me', { key }));
}

/** Every entry after `after_seq`, read a page of `limit` at a time by following next_cursor; also returns the page count. */
async function readAll(api: TestApi, query: string, limit: number, after_seq = 0): Promise<{ items: EntryView[]; pages: number }> {
  const items: EntryView[] = [];
  let cursor: string | null = String(after_seq);
  let pages = 0;
  while (cursor !== null) {
    const filter = query === '' ? '' : `${query}&`;
    const page: { items: EntryView[]; next_cursor: string | null } = await ok(api.call('GET', `/api/v1/audit?${filter}limit=${limit}&after_seq=${cursor}`));
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (pages > 1000) throw new Error('next_cursor never ends');
  }
  return { items, pages };
}

// ---------------------------------------------------------------------------------------------------------------------
// 1. A flow through the API

describeEachEngine('audit entries of a flow through the API', (db) => {
  it('appends one entry per change with action, subject and the caller, verifies, and pages with next_cursor', async () => {
    const api = await testApi(db(), () => now);
    const admin = await me(api, admin_key);
    const start: Verdict = await ok(api.call('GET', '/api/v1/audit/verify'));
    expect(start).toMatchObject({ ok: true, first_bad_seq: null, problem: null });
    // the migration's catalog seed, the office and the bootstrap key
    expect(start.head.seq).toBeGreaterThanOrEqual(3);

    const p = await createParties(api, 'audit');
    const provider = await me(api, p.provider_key);
    const enterprise = await me(api, p.enterprise_key);

    const program = await ok<{ id: string }>(api.call('POST', '/api/v1/programs', { body: programBody('audit-flow') }), 201);
    // three overlapping 30-card jobs on a 64-card cluster: one capacity overrun finding
    const records = [0, 2, 4].map((h, i) =>
      usageRecord(p, `au-${i}`, { count: 30, started_at: `2026-06-01T0${h}:00:00Z`, ended_at: `2026-06-01T0${h + 5}:00:00Z`, amount_fen: 10_000 }),
    );
    expect(await ok(api.call('POST', '/api/v1/usage', { key: p.provider_key, body: { records } }))).toMatchObject({ accepted: 3 });
    expect(await ok(api.call('POST', '/api/v1/checks/run', { body: { from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' } }))).toMatchObject({
      created: 1,
    });
    const [finding] = (await ok<{ items: { id: string }[] }>(api.call('GET', '/api/v1/findings?kind=capacity_overrun'))).items;
    await ok(api.call('POST', `/api/v1/findings/${finding!.id}/dismiss`, { body: { reason: 'two clusters, inventory pending' } }));

    const claim = await ok<{ id: string; records: number }>(
      api.call('POST', '/api/v1/claims', {
        key: p.enterprise_key,
        body: { program_id: program.id, period_start: '2026-06-01T00:00:00Z', period_end: '2026-07-01T00:00:00Z' },
      }),
      201,
    );
    expect(claim.records).toBe(3);
    await ok(api.call('POST', `/api/v1/claims/${claim.id}/submit`, { key: p.enterprise_key, body: {} }));
    expect(await ok(api.call('POST', `/api/v1/claims/${claim.id}/approve`, { body: {} }))).toMatchObject({ state: 'approved', granted_fen: '9000' });
    expect(await ok(api.call('POST', `/api/v1/claims/${claim.id}/pay`, { body: {} }))).toMatchObject({ state: 'paid', paid_fen: '9000' });

    const doomed = await ok<{ id: string }>(
      api.call('POST', '/api/v1/api-keys', { body: { org_id: p.enterprise_id, role: 'enterprise', label: 'doomed' } }),
      201,
    );
    await ok(api.call('POST', `/api/v1/api-keys/${doomed.id}/revoke`));
    const public_key = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const signing = await ok<{ id: string; public_key: string }>(
      api.call('POST', `/api/v1/providers/${p.provider_id}/signing-keys`, { key: p.provider_key, body: { label: 'main', public_key } }),
      201,
    );

    // Everything after the start, in chain order.
    const { items: all } = await readAll(api, '', 1000, start.head.seq);
    const by_admin = { org_id: admin.org_id, key_id: admin.key_id, role: 'administrator' };
    const by_provider = { org_id: p.provider_id, key_id: provider.key_id, role: 'provider' };
    const by_enterprise = { org_id: p.enterprise_id, key_id: enterprise.key_id, role: 'enterprise' };
    const transfer = (key: string) => ({ action: 'ledger.transfer', subject: { kind: 'transfer', id: key }, actor: by_admin });
    expect(all.map((e) => ({ action: e.action, subject: e.subject, actor: e.actor }))).toEqual([
      { action: 'organization.create', subject: { kind: 'organization', id: p.provider_id }, actor: by_admin },
      { action: 'organization.create', subject: { kind: 'organization', id: p.enterprise_id }, actor: by_admin },
      { action: 'cluster.create', subject: { kind: 'cluster', id: p.cluster_id }, actor: by_admin },
      { action: 'api_key.create', subject: { kind: 'api_key', id: provider.key_id }, actor: by_admin },
      { action: 'api_key.create', subject: { kind: 'api_key', id: enterprise.key_id }, actor: by_admin },
      { action: 'program.create', subject: { kind: 'program', id: program.id }, actor: by_admin },
      { action: 'rule_set.create', subject: { kind: 'program', id: program.id }, actor: by_admin },
      transfer(`fund:${program.id}:1`),
      { action: 'finding.create', subject: { kind: 'finding', id: finding!.id }, actor: by_admin },
      { action: 'finding.dismiss', subject: { kind: 'finding', id: finding!.id }, actor: by_admin },
      { action: 'claim.create', subject: { kind: 'claim', id: claim.id }, actor: by_enterprise },
      { action: 'claim.submit', subject: { kind: 'claim', id: claim.id }, actor: by_enterprise },
      transfer(`approve:${claim.id}`),
      { action: 'claim.approve', subject: { kind: 'claim', id: claim.id }, actor: by_admin },
      transfer(`pay:${claim.id}:0`),
      { action: 'claim.pay', subject: { kind: 'claim', id: claim.id }, actor: by_admin },
      { action: 'api_key.create', subject: { kind: 'api_key', id: doomed.id }, actor: by_admin },
      { action: 'api_key.revoke', subject: { kind: 'api_key', id: doomed.id }, actor: by_admin },
      { action: 'signing_key.create', subject: { kind: 'signing_key', id: signing.id }, actor: by_provider },
    ]);
    // seqs contiguous from the start, each entry linked to the one before it
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => start.head.seq + 1 + i));
    for (let i = 1; i < all.length; i++) expect(all[i]!.prev_hash).toBe(all[i - 1]!.hash);

    // before and after summaries of the changes
    const entry = (action: string) => all.find((e) => e.action === action)!;
    expect(entry('claim.approve')).toMatchObject({
      before: { state: 'submitted', granted_fen: 0 },
      after: { state: 'approved', granted_fen: 9000, amount_fen: 9000 },
    });
    expect(entry('claim.pay')).toMatchObject({ before: { state: 'approved', paid_fen: 0 }, after: { state: 'paid', paid_fen: 9000 } });
    expect(entry('finding.dismiss')).toMatchObject({ before: { status: 'open' }, after: { status: 'dismissed', reason: 'two clusters, inventory pending' } });
    expect(entry('api_key.revoke')).toMatchObject({ before: { revoked: false }, after: { revoked: true } });
    expect(entry('claim.create').before).toBeNull();
    expect(entry('claim.create').after).toMatchObject({ program_id: program.id, beneficiary_id: p.enterprise_id, state: 'draft', records: 3 });

    // the whole chain verifies, and the count is every stored entry
    const stored = await db()
      .store.connection.db.selectFrom('audit_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const verdict: Verdict = await ok(api.call('GET', '/api/v1/audit/verify'));
    expect(verdict).toEqual({
      ok: true,
      entries: Number(stored.n),
      head: { seq: start.head.seq + all.length, hash: all.at(-1)!.hash },
      first_bad_seq: null,
      problem: null,
      message: null,
      published: null,
    });

    // paging: small pages give the same entries as one big page; filters narrow them
    const paged = await readAll(api, '', 4, start.head.seq);
    expect(paged.items).toEqual(all);
    expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(all.length / 4));
    const first_page: { items: EntryView[]; next_cursor: string | null } = await ok(api.call('GET', `/api/v1/audit?limit=2&after_seq=${start.head.seq}`));
    expect(first_page.items.map((e) => e.seq)).toEqual([start.head.seq + 1, start.head.seq + 2]);
    expect(first_page.next_cursor).toBe(String(start.head.seq + 2));
    const claim_history = await readAll(api, `subject_kind=claim&subject_id=${claim.id}`, 2);
    expect(claim_history.items.map((e) => e.action)).toEqual(['claim.create', 'claim.submit', 'claim.approve', 'claim.pay']);
    const by_enterprise_org = await readAll(api, `actor_org_id=${p.enterprise_id}`, 100);
    expect(by_enterprise_org.items.map((e) => e.action)).toEqual(['claim.create', 'claim.submit']);
    const revokes = await readAll(api, 'action=api_key.revoke', 100, start.head.seq);
    expect(revokes.items.map((e) => e.subject.id)).toEqual([doomed.id]);

    // readers only: the auditor reads it, the provider may not
    const auditor = await ok<{ key: string }>(
      api.call('POST', '/api/v1/api-keys', { body: { org_id: admin.org_id, role: 'auditor', label: 'audit reader' } }),
      201,
    );
    expect(await ok(api.call('GET', '/api/v1/audit/verify', { key: auditor.key }))).toMatchObject({ ok: true });
    expect((await api.call('GET', '/api/v1/audit', { key: p.provider_key })).statusCode).toBe(403);
    await api.app.close();
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// 2. Tampering in the database

/** A fresh database with a short chain made through the API (about a dozen entries); `head` is its newest seq. */
async function freshChain(engine: 'sqlite' | 'postgres') {
  const fresh = await freshDatabase(engine);
  const api = await testApi(fresh.db, () => now);
  await createParties(api, 'tamper');
  await ok(api.call('POST', '/api/v1/programs', { body: programBody('tamper') }), 201);
  const verdict: Verdict = await ok(api.call('GET', '/api/v1/audit/verify'));
  expect(verdict.ok).toBe(true);
  expect(verdict.head.seq).toBeGreaterThanOrEqual(10);
  return {
    db: fresh.db,
    api,
    head: verdict.head.seq,
    verify: async () => ok<Verdict>(api.call('GET', '/api/v1/audit/verify')),
    dispose: async () => {
      await api.app.close();
      await fresh.dispose();
    },
  };
}

async function exec(db: EngineDb, query: ReturnType<typeof sql>) {
  await query.execute(db.store.connection.db);
}

async function storedEntry(db: EngineDb, seq: number) {
  return toAuditEntry(await db.store.connection.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow());
}

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = engine === 'postgres' && inject('postgresUrl') === null;
  describe.skipIf(skip)(`audit chain tampering [${engine}]`, () => {
    const tamper = async (what: (c: Awaited<ReturnType<typeof freshChain>>) => Promise<number>, expected: (bad: number) => Partial<Verdict>) => {
      const c = await freshChain(engine);
      try {
        const bad = await what(c);
        const verdict = await c.verify();
        expect(verdict).toMatchObject({ ok: false, entries: null, ...expected(bad) });
        expect(verdict.message).toEqual(expect.any(String));
        // the store's own verifier agrees with the route
        expect(await c.db.store.audit.verify()).toMatchObject({ ok: false, ...expected(bad) });
        return verdict;
      } finally {
        await c.dispose();
      }
    };

    it('an edited after_json of a middle entry: edited, naming it', async () => {
      await tamper(
        async (c) => {
          const mid = Math.floor(c.head / 2);
          await exec(c.db, sql`update audit_log set after_json = ${'{"tampered":true}'} where seq = ${mid}`);
          return mid;
        },
        (mid) => ({ problem: 'edited', first_bad_seq: mid }),
      );
    });

    it('an edited actor of a middle entry: edited, naming it', async () => {
      await tamper(
        async (c) => {
          const mid = Math.floor(c.head / 2) + 1;
          await exec(c.db, sql`update audit_log set actor_role = ${'auditor'} where seq = ${mid}`);
          return mid;
        },
        (mid) => ({ problem: 'edited', first_bad_seq: mid }),
      );
    });

    it('a deleted middle entry: removed, naming it', async () => {
      const verdict = await tamper(
        async (c) => {
          const mid = Math.floor(c.head / 2);
          await exec(c.db, sql`delete from audit_log where seq = ${mid}`);
          return mid;
        },
        (mid) => ({ problem: 'removed', first_bad_seq: mid }),
      );
      expect(verdict.message).toMatch(/is missing: seq jumps to/);
    });

    it('two adjacent entries with their seqs swapped: caught, naming the lower seq', async () => {
      const verdict = await tamper(
        async (c) => {
          const mid = Math.floor(c.head / 2);
          // seq is the primary key: move one row out of the way first
          await exec(c.db, sql`update audit_log set seq = ${-1} where seq = ${mid}`);
          await exec(c.db, sql`update audit_log set seq = ${mid} where seq = ${mid + 1}`);
          await exec(c.db, sql`update audit_log set seq = ${mid + 1} where seq = ${-1}`);
          return mid;
        },
        (mid) => ({ first_bad_seq: mid }),
      );
      expect(['edited', 'reordered']).toContain(verdict.problem);
    });

    it('the newest entry deleted, head row left as it was: removed, naming it', async () => {
      const verdict = await tamper(
        async (c) => {
          await exec(c.db, sql`delete from audit_log where seq = ${c.head}`);
          return c.head;
        },
        (head) => ({ problem: 'removed', first_bad_seq: head, head: expect.objectContaining({ seq: head }) as never }),
      );
      expect(verdict.message).toMatch(/newest entries were removed/);
    });

    it('a middle entry rewritten and re-hashed (its own hash consistent): edited, naming it, because the next entry still links to the old hash', async () => {
      await tamper(
        async (c) => {
          const mid = Math.floor(c.head / 2);
          const e = await storedEntry(c.db, mid);
          const after = { forged: true };
          const hash = entryHash(e.prev_hash, { seq: e.seq, at_ms: e.at_ms, actor: e.actor, action: e.action, subject: e.subject, before: e.before, after });
          await exec(c.db, sql`update audit_log set after_json = ${JSON.stringify(after)}, hash = ${hash} where seq = ${mid}`);
          // the forged entry is self-consistent: only the link from the next one betrays it
          const forged = await storedEntry(c.db, mid);
          expect(entryHash(forged.prev_hash, forged)).toBe(forged.hash);
          return mid;
        },
        (mid) => ({ problem: 'edited', first_bad_seq: mid }),
      );
    });

    it('a middle entry given another prev_hash and re-hashed to match: caught, as an edit of the entry before it (the documented rule)', async () => {
      await tamper(
        async (c) => {
          const mid = Math.floor(c.head / 2);
          const e = await storedEntry(c.db, mid);
          const prev_hash = 'f'.repeat(64);
          const hash = entryHash(prev_hash, e);
          await exec(c.db, sql`update audit_log set prev_hash = ${prev_hash}, hash = ${hash} where seq = ${mid}`);
          return mid;
        },
        (mid) => ({ problem: 'edited', first_bad_seq: mid - 1 }),
      );
    });

    it('the first entry given another prev_hash and re-hashed: bad_genesis', async () => {
      await tamper(
        async (c) => {
          const e = await storedEntry(c.db, 1);
          const prev_hash = '1'.repeat(64);
          await exec(c.db, sql`update audit_log set prev_hash = ${prev_hash}, hash = ${entryHash(prev_hash, e)} where seq = ${1}`);
          return 1;
        },
        () => ({ problem: 'bad_genesis', first_bad_seq: 1 }),
      );
    });
  });
}

describe('suanli audit verify (the command, on a SQLite file)', () => {
  it('answers "holds" on a clean chain, and exit 1 naming the seq after a middle entry is deleted', async () => {
    const c = await freshChain('sqlite');
    try {
      const env = { ...serverEnv({ database_url: null, data_dir: c.db.config.data_dir, admin_key }), SUANLI_LOG_LEVEL: 'silent' };
      const suanli = () => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify'], { env, cwd: repo_root });
      const clean = await suanli();
      expect(clean.stdout).toMatch(new RegExp(`^audit chain holds: ${c.head} entries, head seq ${c.head} [0-9a-f]{64}\\n$`));

      const mid = Math.floor(c.head / 2);
      await exec(c.db, sql`delete from audit_log where seq = ${mid}`);
      const broken = await suanli().then(
        () => null,
        (error: { code?: number; stdout?: string }) => error,
      );
      expect(broken, 'the command should fail').not.toBeNull();
      expect(broken!.code).toBe(1);
      expect(broken!.stdout).toBe(`audit chain BROKEN at seq ${mid} (removed): entry ${mid} is missing: seq jumps to ${mid + 1}\n`);
    } finally {
      await c.dispose();
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------------
// 3. Two processes appending at once on one PostgreSQL database

const no_postgres = inject('postgresUrl') === null;
describe(`audit appends from 2 suanli serve processes on one database [postgres]${no_postgres ? ' — skipped: PostgreSQL is not available' : ''}`, () => {
  let shared: SharedDatabase | null = null;
  afterAll(async () => {
    killAllServers();
    await shared?.dispose();
  });

  it.skipIf(no_postgres)(
    '100 concurrent changes at both processes: seqs 1..N contiguous, no forked link, the chain verifies',
    async () => {
      shared = await sharedDatabase('postgres', 'audit-multi');
      const servers: ServerProcess[] = await Promise.all([startServer(shared.settings), startServer(shared.settings)]);
      const changes = 100;
      const failures: string[] = [];
      await Promise.all(
        Array.from({ length: changes }, async (_, i) => {
          const server = servers[i % 2]!;
          const [url, body] =
            i % 4 < 2
              ? ['/api/v1/providers', { name: `Concurrent provider ${i}`, region: '310000' }]
              : ['/api/v1/api-keys', { org_id: shared!.parties.provider_id, role: 'provider', label: `concurrent ${i}` }];
          try {
            const res = await fetch(`${server.url}${url}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${admin_key}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
              signal: AbortSignal.timeout(30_000),
            });
            if (res.status !== 201) failures.push(`${url} at ${server.url}: ${res.status} ${(await res.text()).slice(0, 300)}`);
          } catch (error) {
            failures.push(`${url} at ${server.url}: ${String(error)}`);
          }
        }),
      );
      expect(failures, servers.map((s) => s.output()).join('\n---\n')).toEqual([]);
      await Promise.all(servers.map((s) => s.stop()));

      const store = shared.open();
      try {
        const rows = await store.connection.db.selectFrom('audit_log').select(['seq', 'prev_hash', 'hash', 'action', 'subject_id']).orderBy('seq').execute();
        const seqs = rows.map((r) => Number(r.seq));
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
        expect(new Set(rows.map((r) => r.prev_hash)).size, 'two entries share a prev_hash: the chain forked').toBe(rows.length);
        for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
        // every change made it in: 50 providers and 50 keys (beside the entries of the setup)
        const concurrent_orgs = rows.filter((r) => r.action === 'organization.create').length;
        const concurrent_keys = rows.filter((r) => r.action === 'api_key.create').length;
        expect(concurrent_orgs).toBe(50 + 3); // office, provider and enterprise of the setup
        expect(concurrent_keys).toBe(50 + 3); // bootstrap administrator, provider and enterprise keys of the setup
        const head = await store.audit.head();
        expect(head).toEqual({ seq: rows.length, hash: rows.at(-1)!.hash });
        const verdict = await store.audit.verify();
        expect(verdict).toMatchObject({ ok: true, entries: rows.length });
      } finally {
        await store.close();
      }
    },
    120_000,
  );
});
