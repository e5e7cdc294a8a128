// Hundreds of concurrent approvals, and duplicate approvals of the same claim, at a program whose budget covers about a
// third of them: the sum approved never exceeds the budget, not by one fen, and no claim is approved twice. In one
// process on both engines, and over HTTP with two `suanli serve` processes on one PostgreSQL database and on one
// SQLite file.
import fs from 'node:fs';
import { operator_actor } from '../../src/store/audit-repository.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkLedger } from '../../src/domain/ledger/ledger.js';
import { checkProgramDefinition, type Program } from '../../src/domain/program/program.js';
import { UsageIngest } from '../../src/ingest/usage-pipeline.js';
import type { Config } from '../../src/config.js';
import { applyProgram, fileClaim } from '../../src/service/claims.js';
import type { Actor } from '../../src/store/claim-repository.js';
import type { Store } from '../../src/store/store.js';
import { admin_key, describeEachEngine } from '../support/engines.js';
import { creditCode } from '../support/api.js';
import { killAllServers, repo_root, startServer, type ServerProcess } from '../durability/server-process.js';
import { pick, rng, sharedDatabase, type SharedDatabase } from '../durability/workload.js';

const now_ms = Date.parse('2026-12-01T00:00:00Z');
const actor: Actor = { org_id: null, key_id: null, role: 'operator' };
const day_ms = 86_400_000;
const usage_day_ms = Date.parse('2026-10-05T00:00:00Z');
const records_per_claim = 3;
const rate_bp = 3000;

/** The claims route of the HTTP contract (POST /api/v1/claims/{id}/approve); part (b) needs it. */
const route_exists = (() => {
  const dir = path.join(repo_root, 'src/http');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files.some((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes('claims/:id'));
})();

/** A program's submitted claims, one per enterprise, each over a few usage records; the budget about a third of them. */
interface Prepared {
  program: Program;
  claim_ids: string[];
  computed_fen: Map<string, bigint>;
  budget_fen: bigint;
  provider_id: string;
  cluster_id: string;
}

async function prepare(store: Store, config: Config, label: string, claims_n: number, seed: number): Promise<Prepared> {
  const random = rng(seed);
  const provider = await store.organizations.create({ kind: 'provider', name: `Provider ${label}`, region: '310000' }, operator_actor, now_ms);
  const cluster =
    provider &&
    (await store.clusters.create(
      {
        provider_id: provider.id,
        name: `cluster-${label}`,
        region: '310000',
        inventory: [{ accelerator: 'huawei-ascend-910b', count: 64, valid_from_ms: Date.parse('2026-01-01T00:00:00Z'), valid_to_ms: null }],
      },
      operator_actor,
      now_ms,
    ));
  if (!provider || !cluster) throw new Error('could not create the provider and its cluster');

  const enterprises: string[] = [];
  while (enterprises.length < claims_n) {
    const org = await store.organizations.create(
      {
        kind: 'enterprise',
        name: `Enterprise ${label} ${enterprises.length}`,
        credit_code: creditCode(),
        region: '310000',
        sector: 'large_models',
        size: 'small',
      },
      operator_actor,
      now_ms,
    );
    if (org) enterprises.push(org.id); // null: the random credit code was taken; draw another
  }
  // What each claim will compute, naively: 30% of its (domestic, uncapped) bills, floored once (one claim line).
  const bills = new Map<string, bigint>();
  const wire = enterprises.flatMap((enterprise_id, e) =>
    Array.from({ length: records_per_claim }, (_, k) => {
      const amount_fen = 20_000 + pick(random, 180_000);
      bills.set(enterprise_id, (bills.get(enterprise_id) ?? 0n) + BigInt(amount_fen));
      const start_ms = usage_day_ms + k * 4 * 3_600_000;
      return {
        record_id: `${label}-${e}-${k}`,
        cluster_id: cluster.id,
        enterprise_id,
        accelerator: 'huawei-ascend-910b',
        count: 1 + pick(random, 8),
        started_at: new Date(start_ms).toISOString(),
        ended_at: new Date(start_ms + 3_600_000).toISOString(),
        amount_fen,
        workload: 'training',
      };
    }),
  );
  const ingested = await new UsageIngest(store, config).ingest(provider.id, wire, now_ms);
  expect(ingested).toEqual({ accepted: wire.length, duplicates: 0, rejected: [] });

  const expected = new Map([...bills].map(([id, fen]) => [id, (fen * BigInt(rate_bp)) / 10_000n]));
  const total_fen = [...expected.values()].reduce((s, x) => s + x, 0n);
  const budget_fen = total_fen / 3n + 7n; // about a third, and almost surely not on a claim boundary
  const definition = checkProgramDefinition({
    code: `approvals-${label}`,
    name_zh: '并发审批',
    name_en: `Concurrent approvals ${label}`,
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: `layer-${label}`,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: budget_fen.toString(),
    rule_set: { effective_from: '2026-01-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp } }] },
  });
  if (!definition.ok) throw new Error(JSON.stringify(definition.problems));
  const { program } = await applyProgram(store, definition.definition, operator_actor, now_ms);

  // File and submit, a few at a time (different enterprises: nothing to contend for).
  const claim_ids: string[] = new Array<string>(claims_n);
  const computed_fen = new Map<string, bigint>();
  let next = 0;
  const worker = async () => {
    for (let e = next++; e < claims_n; e = next++) {
      const enterprise_id = enterprises[e]!;
      const claim = await fileClaim(
        store,
        program.id,
        enterprise_id,
        Date.parse('2026-10-01T00:00:00Z'),
        Date.parse('2026-10-01T00:00:00Z') + 31 * day_ms,
        actor,
        now_ms,
      );
      expect({ records: claim.records, computed_fen: claim.computed_fen }).toEqual({ records: records_per_claim, computed_fen: expected.get(enterprise_id) });
      const submitted = await store.claims.transition(claim.id, 'submit', actor, now_ms);
      expect(submitted.status).toBe('ok');
      claim_ids[e] = claim.id;
      computed_fen.set(claim.id, claim.computed_fen);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  expect(total_fen).toBeGreaterThan(budget_fen);
  return { program, claim_ids, computed_fen, budget_fen, provider_id: provider.id, cluster_id: cluster.id };
}

/** Each claim 2 or 3 times, in a seeded shuffled order. */
function approvalRequests(claim_ids: readonly string[], seed: number): { claim_id: string; c: number; nth: number }[] {
  const random = rng(seed);
  const requests = claim_ids.flatMap((claim_id, c) => Array.from({ length: 2 + pick(random, 2) }, (_, nth) => ({ claim_id, c, nth })));
  for (let i = requests.length - 1; i > 0; i--) {
    const j = pick(random, i + 1);
    [requests[i], requests[j]] = [requests[j]!, requests[i]!];
  }
  return requests;
}

type Answer = { status: 'ok'; granted_fen: bigint } | { status: string };
const bigintText = (_key: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** Everything that must hold after the burst, from the answers and from the tables. */
async function checkAfterBurst(store: Store, p: Prepared, answers: ReadonlyMap<string, Answer[]>, where: string) {
  const claims = await store.claims.list({ program_id: p.program.id }, 1000);
  const budget = await store.programs.budget(p.program.id);
  const transfers = await store.ledger.transfers({ program_id: p.program.id });
  const balances = await store.ledger.balances(p.program.id);
  const approved = claims.filter((c) => c.state === 'approved');
  const submitted = claims.filter((c) => c.state === 'submitted');
  const granted_fen = approved.reduce((s, c) => s + c.granted_fen, 0n);

  expect(claims.length, where).toBe(p.claim_ids.length);
  expect(approved.length + submitted.length, `${where}: every claim approved or still submitted`).toBe(claims.length);
  expect(granted_fen, `${where}: granted within the budget`).toBeLessThanOrEqual(p.budget_fen);
  expect(granted_fen, `${where}: granted = budget − available`).toBe(p.budget_fen - budget.available_fen);
  expect(budget.available_fen, `${where}: available`).toBeGreaterThanOrEqual(0);
  // Claims stayed unapproved only because the budget ran out, so all of it is granted, to the fen.
  expect(submitted.length, `${where}: some claims must go without`).toBeGreaterThan(0);
  expect(budget.available_fen, `${where}: nothing left`).toBe(0n);
  expect(budget.reserved_fen, `${where}: reserved`).toBe(p.budget_fen);
  // Each approval grants the computed amount; only the one that met the last of the budget gets less.
  for (const c of approved) {
    expect(c.granted_fen, `${where}: ${c.id}`).toBeGreaterThan(0);
    expect(c.granted_fen, `${where}: ${c.id}`).toBeLessThanOrEqual(p.computed_fen.get(c.id)!);
  }
  expect(approved.filter((c) => c.granted_fen < p.computed_fen.get(c.id)!).length, `${where}: partial approvals`).toBeLessThanOrEqual(1);

  // The ledger: one approve transfer per approved claim, of its grant, under its key; none for the others.
  const approve_transfers = transfers.filter((t) => t.kind === 'approve');
  expect(approve_transfers.map((t) => t.key).sort(), `${where}: approve transfers`).toEqual(approved.map((c) => `approve:${c.id}`).sort());
  for (const t of approve_transfers) expect(t.amount_fen).toBe(approved.find((c) => c.id === t.claim_id)?.granted_fen);
  expect(
    transfers.filter((t) => t.kind !== 'approve').map((t) => t.kind),
    `${where}: other transfers`,
  ).toEqual(['fund']);
  const amounts = claims.map((c) => ({ id: c.id, granted_fen: c.granted_fen, paid_fen: c.paid_fen }));
  expect(checkLedger(transfers, balances, amounts), `${where}: ledger problems`).toEqual([]);

  // One approve event per approved claim, none for the others.
  const events = await store.connection.db
    .selectFrom('claim_events')
    .select(['claim_id'])
    .where('action', '=', 'approve')
    .where('claim_id', 'in', p.claim_ids)
    .execute();
  expect(events.map((e) => e.claim_id).sort(), `${where}: approve events`).toEqual(approved.map((c) => c.id).sort());

  // The answers: an approved claim got exactly one ok (with its grant), the other tries illegal_transition; a claim still
  // submitted got budget_exhausted every time.
  for (const c of claims) {
    const got = answers.get(c.id) ?? [];
    expect(got.length, `${where}: answers for ${c.id}`).toBeGreaterThanOrEqual(2);
    if (c.state === 'approved') {
      expect(
        got.filter((a) => a.status === 'ok'),
        `${where}: ${c.id}`,
      ).toEqual([{ status: 'ok', granted_fen: c.granted_fen }]);
      expect(
        got.filter((a) => a.status !== 'ok').every((a) => a.status === 'illegal_transition'),
        `${where}: ${c.id} ${JSON.stringify(got, bigintText)}`,
      ).toBe(true);
    } else {
      expect(
        got.every((a) => a.status === 'budget_exhausted'),
        `${where}: ${c.id} ${JSON.stringify(got, bigintText)}`,
      ).toBe(true);
    }
  }
  return {
    approved: approved.length,
    submitted: submitted.length,
    granted_fen,
    partial: approved.filter((c) => c.granted_fen < p.computed_fen.get(c.id)!).length,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// (a) In one process

const in_process_claims = 200;

describeEachEngine('concurrent approvals in one process', (db) => {
  let p: Prepared;
  beforeAll(async () => {
    p = await prepare(db().store, db().config, 'inproc', in_process_claims, 0xa11);
  }, 60_000);

  it(`${in_process_claims} claims, each approved 2–3 times at once, a budget for about a third`, async () => {
    const store = db().store;
    const requests = approvalRequests(p.claim_ids, 0xa12);
    const answers = new Map<string, Answer[]>();
    const started = Date.now();
    await Promise.all(
      requests.map(async ({ claim_id }) => {
        const r = await store.claims.transition(claim_id, 'approve', actor, now_ms, { program: p.program });
        const list = answers.get(claim_id) ?? [];
        list.push(r.status === 'ok' ? { status: 'ok', granted_fen: r.claim.granted_fen } : { status: r.status });
        answers.set(claim_id, list);
      }),
    );
    const burst_ms = Date.now() - started;
    const r = await checkAfterBurst(store, p, answers, `in process [${db().engine}]`);
    console.log(
      `[approvals in process ${db().engine}] ${p.claim_ids.length} claims, ${requests.length} approvals fired at once in ${burst_ms} ms; ` +
        `budget ${p.budget_fen} fen, granted ${r.granted_fen} fen to ${r.approved} claims (${r.partial} partial), ${r.submitted} left submitted`,
    );
  }, 60_000);

  it('then approvals race claw-backs and payments, the same beneficiaries on both sides', async () => {
    const store = db().store;
    const random = rng(0xa13);
    const approved = (await store.claims.list({ program_id: p.program.id, state: 'approved' }, 1000)).filter((c) => c.granted_fen === p.computed_fen.get(c.id));
    expect(approved.length).toBeGreaterThanOrEqual(30);
    const claw_whole = approved.slice(0, 10); // their beneficiaries also file a second claim, approved in the same burst
    const claw_part = approved.slice(10, 15); // paid first, then 1 fen recovered and the rest released
    const pay_now = approved.slice(15, 30);
    for (const c of claw_part) expect((await store.claims.transition(c.id, 'pay', actor, now_ms, { program: p.program })).status).toBe('ok');
    // Second claims: new usage of the claw_whole beneficiaries (the first claims hold the old records).
    const wire = claw_whole.map((c, k) => ({
      record_id: `second-${k}`,
      cluster_id: p.cluster_id,
      enterprise_id: c.beneficiary_id,
      accelerator: 'huawei-ascend-910b',
      count: 2,
      started_at: '2026-10-20T00:00:00Z',
      ended_at: '2026-10-20T02:00:00Z',
      amount_fen: 50_000 + k,
      workload: 'training',
    }));
    expect((await new UsageIngest(store, db().config).ingest(p.provider_id, wire, now_ms)).accepted).toBe(wire.length);
    const second: string[] = [];
    for (const c of claw_whole) {
      const filed = await fileClaim(
        store,
        p.program.id,
        c.beneficiary_id,
        Date.parse('2026-10-01T00:00:00Z'),
        Date.parse('2026-11-01T00:00:00Z'),
        actor,
        now_ms,
      );
      expect(filed.records).toBe(1);
      expect((await store.claims.transition(filed.id, 'submit', actor, now_ms)).status).toBe('ok');
      second.push(filed.id);
      p.computed_fen.set(filed.id, filed.computed_fen);
    }
    const submitted = (await store.claims.list({ program_id: p.program.id, state: 'submitted' }, 1000)).map((c) => c.id);
    expect(submitted).toEqual(expect.arrayContaining(second));

    type Job = { claim_id: string; action: 'approve' | 'claw_back' | 'pay'; amount_fen?: bigint };
    const jobs: Job[] = [
      ...claw_whole.map((c) => ({ claim_id: c.id, action: 'claw_back' as const })),
      ...claw_part.map((c) => ({ claim_id: c.id, action: 'claw_back' as const, amount_fen: 1n })),
      ...pay_now.map((c) => ({ claim_id: c.id, action: 'pay' as const })),
      ...submitted.flatMap((claim_id) => [
        { claim_id, action: 'approve' as const },
        { claim_id, action: 'approve' as const },
      ]),
    ];
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = pick(random, i + 1);
      [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
    }
    const answers = await Promise.all(
      jobs.map(async (job) => ({
        job,
        r: await store.claims.transition(job.claim_id, job.action, actor, now_ms, { program: p.program, amount_fen: job.amount_fen ?? null, reason: 'race' }),
      })),
    );
    expect(answers.filter((a) => a.job.action !== 'approve' && a.r.status !== 'ok').map((a) => `${a.job.action} ${a.r.status}`)).toEqual([]);

    const claims = await store.claims.list({ program_id: p.program.id }, 1000);
    const budget = await store.programs.budget(p.program.id);
    const transfers = await store.ledger.transfers({ program_id: p.program.id });
    const granting = claims.filter((c) => c.state === 'approved' || c.state === 'paid' || c.state === 'clawed_back');
    const granted_fen = granting.reduce((s, c) => s + c.granted_fen, 0n);
    expect(budget.available_fen).toBeGreaterThanOrEqual(0);
    expect(granted_fen).toBeLessThanOrEqual(p.budget_fen);
    expect(granted_fen).toBe(p.budget_fen - budget.available_fen);
    expect(budget.reserved_fen + budget.paid_fen).toBe(granted_fen);
    for (const c of claw_whole)
      expect(claims.find((x) => x.id === c.id)).toMatchObject({ state: 'clawed_back', granted_fen: 0n, paid_fen: 0n, clawed_back_fen: c.granted_fen });
    for (const c of claw_part)
      expect(claims.find((x) => x.id === c.id)).toMatchObject({
        state: 'clawed_back',
        granted_fen: c.granted_fen - 1n,
        paid_fen: c.granted_fen - 1n,
        clawed_back_fen: 1n,
      });
    // No claim approved twice: one approve transfer and one approve event at most, and one ok answer at most.
    const approve_keys = transfers.filter((t) => t.kind === 'approve').map((t) => t.claim_id);
    expect(new Set(approve_keys).size).toBe(approve_keys.length);
    const events = await store.connection.db
      .selectFrom('claim_events')
      .select('claim_id')
      .where('action', '=', 'approve')
      .where(
        'claim_id',
        'in',
        claims.map((c) => c.id),
      )
      .execute();
    expect(events.map((e) => e.claim_id).sort()).toEqual([...approve_keys].sort());
    for (const claim_id of submitted) {
      const got = answers.filter((a) => a.job.claim_id === claim_id).map((a) => a.r.status);
      const state = claims.find((c) => c.id === claim_id)!.state;
      if (state === 'approved') expect(got.filter((s) => s === 'ok')).toHaveLength(1);
      else
        expect(
          got.every((s) => s === 'budget_exhausted'),
          `${claim_id} ${state} ${got.join(' ')}`,
        ).toBe(true);
      expect(got.every((s) => s === 'ok' || s === 'budget_exhausted' || s === 'illegal_transition')).toBe(true);
    }
    const amounts = claims.map((c) => ({ id: c.id, granted_fen: c.granted_fen, paid_fen: c.paid_fen }));
    expect(checkLedger(transfers, await store.ledger.balances(p.program.id), amounts)).toEqual([]);
    const newly = answers.filter((a) => a.job.action === 'approve' && a.r.status === 'ok').length;
    console.log(
      `[approvals racing claw-backs ${db().engine}] ${jobs.length} transitions at once (${claw_whole.length + claw_part.length} claw-backs, ${pay_now.length} payments, ` +
        `${jobs.length - claw_whole.length - claw_part.length - pay_now.length} approvals of ${submitted.length} claims): ${newly} approved; granted ${granted_fen} of ${p.budget_fen} fen, ${budget.available_fen} available`,
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------------
// (b) Two `suanli serve` processes on one database

const multi_process_claims = 120;
const servers_n = 2;

for (const engine of ['postgres', 'sqlite'] as const) {
  const no_postgres = engine === 'postgres' && inject('postgresUrl') === null;
  const why = no_postgres
    ? ' — skipped: PostgreSQL is not available'
    : !route_exists
      ? ' — skipped: the route POST /api/v1/claims/{id}/approve does not exist yet (no "claims/:id" under src/http)'
      : '';
  describe(`concurrent approvals over HTTP to ${servers_n} suanli serve processes on one database [${engine}]${why}`, () => {
    let shared: SharedDatabase | null = null;
    afterAll(async () => {
      killAllServers();
      await shared?.dispose();
    });

    it.skipIf(no_postgres || !route_exists)(
      `${multi_process_claims} claims, each approved 2–3 times, every claim at both processes at once`,
      async () => {
        shared = await sharedDatabase(engine, `approvals-${engine}`);
        // The claims are prepared in the shared database through the store; then the store is closed and only the
        // servers use it.
        let p: Prepared;
        const setup = shared.open();
        try {
          p = await prepare(setup, shared.config, `multi${engine}`, multi_process_claims, 0xb11);
        } finally {
          await setup.close();
        }
        const servers: ServerProcess[] = await Promise.all(Array.from({ length: servers_n }, () => startServer(shared!.settings)));
        // The tries of one claim go to alternate processes, so duplicates race across processes.
        const requests = approvalRequests(p.claim_ids, 0xb12);
        const answers = new Map<string, Answer[]>();
        const failures: string[] = [];
        const started = Date.now();
        await Promise.all(
          requests.map(async ({ claim_id, c, nth }) => {
            const server = servers[(c + nth) % servers_n]!;
            let answer: Answer;
            try {
              const res = await fetch(`${server.url}/api/v1/claims/${claim_id}/approve`, {
                method: 'POST',
                headers: { authorization: `Bearer ${admin_key}`, 'content-type': 'application/json' },
                body: JSON.stringify(nth === 0 ? {} : { reason: `try ${nth}` }),
                signal: AbortSignal.timeout(30_000),
              });
              const text = await res.text();
              if (res.status === 200) {
                const body = JSON.parse(text) as { id: string; state: string; granted_fen: string };
                expect({ id: body.id, state: body.state }).toEqual({ id: claim_id, state: 'approved' });
                answer = { status: 'ok', granted_fen: BigInt(body.granted_fen) };
              } else if (res.status === 409) {
                answer = { status: (JSON.parse(text) as { error: { code: string } }).error.code };
              } else {
                failures.push(`${claim_id} at ${server.url}: ${res.status} ${text.slice(0, 300)}`);
                return;
              }
            } catch (error) {
              failures.push(`${claim_id} at ${server.url}: ${String(error)}`);
              return;
            }
            const list = answers.get(claim_id) ?? [];
            list.push(answer);
            answers.set(claim_id, list);
          }),
        );
        const burst_ms = Date.now() - started;
        expect(failures, servers.map((s) => s.output()).join('\n---\n')).toEqual([]);
        await Promise.all(servers.map((s) => s.stop()));
        const store = shared.open();
        try {
          const r = await checkAfterBurst(store, p, answers, `${servers_n} processes [${engine}]`);
          console.log(
            `[approvals over HTTP, ${servers_n} processes, ${engine}] ${p.claim_ids.length} claims, ${requests.length} approvals fired at once in ${burst_ms} ms; ` +
              `budget ${p.budget_fen} fen, granted ${r.granted_fen} fen to ${r.approved} claims (${r.partial} partial), ${r.submitted} left submitted`,
          );
        } finally {
          await store.close();
        }
      },
      60_000,
    );
  });
}
