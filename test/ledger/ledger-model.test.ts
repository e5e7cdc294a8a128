// The ledger checked against a naive model (STYLE.md; TigerBeetle's auditor): a deliberately simple in-memory model of
// programs, claims, record holdings and account balances runs beside the real store on a seeded random workload. After
// every operation the answers, the claim, the balances and the transfers must agree, checkLedger must find nothing, and
// the available budget must not be below zero. The second half pins down the holding of records once per funding layer.
import fc from 'fast-check';
import { operator_actor } from '../../src/store/audit-repository.js';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { applyCuts } from '../../src/domain/policy/evaluate.js';
import { accountId, checkLedger, transferAccounts, type TransferKind } from '../../src/domain/ledger/ledger.js';
import type { ClaimState } from '../../src/domain/claim/claim-state.js';
import { checkProgramDefinition, type CheckedProgramDefinition, type Program, type ProgramDefinition } from '../../src/domain/program/program.js';
import { UsageIngest } from '../../src/ingest/usage-pipeline.js';
import { applyProgram, fileClaim } from '../../src/service/claims.js';
import { Refusal } from '../../src/domain/refusal.js';
import type { Actor, Claim, TransitionResult } from '../../src/store/claim-repository.js';
import type { Store } from '../../src/store/store.js';
import { describeEachEngine, type EngineDb } from '../support/engines.js';
import { creditCode } from '../support/api.js';

/** Limits of the workload (each run makes its own enterprises, programs and funding layers). */
const runs_n = 30;
/** How often each answer came, per action: shows what the workload exercised. */
const tally = new Map<string, number>();
const count = (what: string) => tally.set(what, (tally.get(what) ?? 0) + 1);
const ops_min = 20;
const ops_max = 45;
const seed = 0x5a11;

const day_ms = 86_400_000;
const oct1_ms = Date.parse('2026-10-01T00:00:00Z');
/** A fixed clock after the usage, so that nothing depends on the wall clock. */
const now_ms = Date.parse('2026-12-01T00:00:00Z');
const actor: Actor = { org_id: null, key_id: null, role: 'operator' };
const accelerators = ['huawei-ascend-910b', 'nvidia-a800-80gb-pcie', 'metax-c500'] as const;

// ---------------------------------------------------------------------------------------------------------------------
// The naive model

interface MRecord {
  seq: number;
  enterprise: number;
  started_at_ms: number;
  amount_fen: number;
  domestic: boolean;
}
interface MProgram {
  id: string;
  layer: string;
  rate_bp: number;
  budget_fen: bigint;
  first_stage_bp: number;
  cap_share_bp: number | null;
  cap_fen: bigint | null;
  cap_fen_year: bigint | null;
  real: Program;
}
interface MClaim {
  id: string;
  program: MProgram;
  enterprise: number;
  beneficiary_id: string;
  state: ClaimState;
  computed_fen: bigint;
  base_fen: bigint;
  granted_fen: bigint;
  paid_fen: bigint;
  clawed_back_fen: bigint;
  progress_report_accepted: boolean;
  period_start_ms: number;
  actions: string[];
  /** Idempotency keys of the payments made, and the last keyed request (to send it again). */
  pay_keys: Set<string>;
  last_keyed: { key: string; amount_fen: bigint | null } | null;
}
interface MTransfer {
  key: string;
  kind: TransferKind;
  amount_fen: bigint;
  claim_id: string | null;
}

type Expected =
  | { status: 'ok' }
  | { status: 'not_found' }
  | { status: 'illegal_transition'; state: ClaimState }
  | { status: 'budget_exhausted'; available_fen: bigint }
  | { status: 'nothing_payable' }
  | { status: 'amount_too_large'; amount_fen_max: bigint };

type ModelAction = 'submit' | 'withdraw' | 'approve' | 'reject' | 'pay' | 'claw_back' | 'accept_progress_report';

class Model {
  readonly balances = new Map<string, bigint>();
  readonly transfers = new Map<string, MTransfer[]>(); // per program, in order
  /** funding layer → record seq → the claim holding it and the subsidy it computed for the record */
  readonly holdings = new Map<string, Map<number, { claim_id: string; subsidy_fen: number }>>();
  readonly claims: MClaim[] = [];

  move(p: MProgram, kind: TransferKind, key: string, claim_id: string | null, beneficiary_id: string | null, amount_fen: bigint): void {
    const { debit, credit } = transferAccounts(kind, p.id, beneficiary_id);
    this.balances.set(debit, (this.balances.get(debit) ?? 0n) - amount_fen);
    this.balances.set(credit, (this.balances.get(credit) ?? 0n) + amount_fen);
    const list = this.transfers.get(p.id) ?? [];
    list.push({ key, kind, amount_fen, claim_id });
    this.transfers.set(p.id, list);
  }

  balance(account: string): bigint {
    return this.balances.get(account) ?? 0n;
  }

  held(layer: string): Map<number, { claim_id: string; subsidy_fen: number }> {
    let h = this.holdings.get(layer);
    if (!h) {
      h = new Map();
      this.holdings.set(layer, h);
    }
    return h;
  }

  /** What the other funding layers subsidize of a record. */
  otherLayers(seq: number, layer: string): number {
    let sum = 0;
    for (const [l, h] of this.holdings) if (l !== layer) sum += h.get(seq)?.subsidy_fen ?? 0;
    return sum;
  }

  /** The claim a filing should produce: the free records of the period, each valued at rate × bill, within what is left of the bill. */
  file(p: MProgram, records: readonly MRecord[], enterprise: number, from_ms: number, to_ms: number) {
    const held = this.held(p.layer);
    const mine = records
      .filter((r) => r.enterprise === enterprise && r.started_at_ms >= from_ms && r.started_at_ms < to_ms && !held.has(r.seq))
      .sort((a, b) => a.seq - b.seq);
    let computed_fen = 0n;
    let base_fen = 0n;
    const subsidies = mine.map((r) => {
      if (!r.domestic) return { seq: r.seq, subsidy_fen: 0 }; // the only rule pays domestic cards
      base_fen += BigInt(r.amount_fen);
      const subsidy_fen = Math.min(Math.floor((r.amount_fen * p.rate_bp) / 10_000), Math.max(0, r.amount_fen - this.otherLayers(r.seq, p.layer)));
      computed_fen += BigInt(subsidy_fen);
      return { seq: r.seq, subsidy_fen };
    });
    return { subsidies, computed_fen, base_fen };
  }

  hold(c: MClaim, subsidies: readonly { seq: number; subsidy_fen: number }[]): void {
    const held = this.held(c.program.layer);
    for (const s of subsidies) held.set(s.seq, { claim_id: c.id, subsidy_fen: s.subsidy_fen });
  }

  free(c: MClaim): void {
    const held = this.held(c.program.layer);
    for (const [seq, h] of held) if (h.claim_id === c.id) held.delete(seq);
  }

  /** One transition; mutates the model only when it succeeds. */
  apply(c: MClaim, action: ModelAction, amount_fen: bigint | null, idempotency_key: string | null = null): Expected {
    const p = c.program;
    const illegal = (from: readonly ClaimState[]): Expected | null => (from.includes(c.state) ? null : { status: 'illegal_transition', state: c.state });
    const done = (): Expected => {
      c.actions.push(action);
      return { status: 'ok' };
    };
    switch (action) {
      case 'submit': {
        const no = illegal(['draft']);
        if (no) return no;
        c.state = 'submitted';
        return done();
      }
      case 'withdraw':
      case 'reject': {
        const no = illegal(action === 'withdraw' ? ['draft', 'submitted'] : ['submitted']);
        if (no) return no;
        c.state = action === 'withdraw' ? 'withdrawn' : 'rejected';
        this.free(c);
        return done();
      }
      case 'approve': {
        const no = illegal(['submitted']);
        if (no) return no;
        const available = this.balance(accountId(p.id, 'available'));
        let before = 0n;
        for (const o of this.claims) {
          if (o !== c && o.program === p && o.beneficiary_id === c.beneficiary_id && ['approved', 'paid', 'clawed_back'].includes(o.state))
            before += o.granted_fen;
        }
        // every claim of the workload lies in 2026: the year's grants are the program's
        const { granted_fen } = applyCuts(c.computed_fen, c.base_fen, {
          cap_share_bp: p.cap_share_bp,
          cap_fen: p.cap_fen,
          cap_fen_year: p.cap_fen_year,
          granted_fen: before,
          granted_fen_year: before,
          budget_available_fen: available,
        });
        if (granted_fen === 0n && available === 0n) return { status: 'budget_exhausted', available_fen: 0n };
        if (granted_fen > 0n) this.move(p, 'approve', `approve:${c.id}`, c.id, c.beneficiary_id, granted_fen);
        c.state = 'approved';
        c.granted_fen = granted_fen;
        return done();
      }
      case 'pay': {
        // A payment sent again under its idempotency key is a no-op that answers the claim, whatever happened since.
        if (idempotency_key !== null && c.pay_keys.has(idempotency_key)) return { status: 'ok' };
        const no = illegal(['approved']);
        if (no) return no;
        const allowed = c.progress_report_accepted ? c.granted_fen : (c.granted_fen * BigInt(p.first_stage_bp)) / 10_000n;
        const max = allowed > c.paid_fen ? allowed - c.paid_fen : 0n;
        if (max === 0n) return { status: 'nothing_payable' };
        const pay = amount_fen ?? max;
        if (pay > max) return { status: 'amount_too_large', amount_fen_max: max };
        this.move(p, 'pay', idempotency_key === null ? `pay:${c.id}:${c.paid_fen}` : `pay:${c.id}:key:${idempotency_key}`, c.id, c.beneficiary_id, pay);
        if (idempotency_key !== null) c.pay_keys.add(idempotency_key);
        c.paid_fen += pay;
        if (c.paid_fen === c.granted_fen) c.state = 'paid';
        return done();
      }
      case 'claw_back': {
        const no = illegal(['approved', 'paid']);
        if (no) return no;
        const recover = amount_fen ?? c.paid_fen;
        if (recover > c.paid_fen) return { status: 'amount_too_large', amount_fen_max: c.paid_fen };
        const release = c.granted_fen - c.paid_fen;
        if (release > 0n) this.move(p, 'release', `release:${c.id}`, c.id, c.beneficiary_id, release);
        if (recover > 0n) this.move(p, 'recover', `recover:${c.id}`, c.id, c.beneficiary_id, recover);
        c.granted_fen -= release + recover;
        c.paid_fen -= recover;
        c.clawed_back_fen += release + recover;
        c.state = 'clawed_back';
        return done();
      }
      case 'accept_progress_report': {
        const no = illegal(['approved', 'paid']);
        if (no) return no;
        c.progress_report_accepted = true;
        return done();
      }
    }
  }
}

function outcome(r: TransitionResult): Expected {
  switch (r.status) {
    case 'ok':
    case 'not_found':
    case 'nothing_payable':
      return { status: r.status };
    case 'illegal_transition':
      return { status: r.status, state: r.state };
    case 'budget_exhausted':
      return { status: r.status, available_fen: r.available_fen };
    case 'amount_too_large':
      return { status: r.status, amount_fen_max: r.amount_fen_max };
    case 'open_findings':
      throw new Error('the model runs without findings: no open finding can block an approval');
    default:
      throw new Error(`the model does not expect ${r.status}`);
  }
}

function claimFigures(c: Pick<Claim, 'state' | 'granted_fen' | 'paid_fen' | 'clawed_back_fen' | 'progress_report_accepted' | 'computed_fen' | 'base_fen'>) {
  return {
    state: c.state,
    computed_fen: c.computed_fen,
    base_fen: c.base_fen,
    granted_fen: c.granted_fen,
    paid_fen: c.paid_fen,
    clawed_back_fen: c.clawed_back_fen,
    progress_report_accepted: c.progress_report_accepted,
  };
}

function nonZero(m: ReadonlyMap<string, bigint>): Record<string, bigint> {
  return Object.fromEntries([...m].filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1)));
}

// ---------------------------------------------------------------------------------------------------------------------
// The workload

const recordArb = fc.record({
  day: fc.integer({ min: 0, max: 3 }),
  hour: fc.integer({ min: 0, max: 20 }),
  hours: fc.integer({ min: 1, max: 3 }),
  model: fc.constantFrom(0, 0, 1, 2),
  count: fc.integer({ min: 1, max: 8 }),
  amount_fen: fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.constantFrom(0, 1, 3)),
});
const programArb = fc.record({
  budget_fen: fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
    { weight: 3, arbitrary: fc.integer({ min: 100_000, max: 1_500_000 }) },
  ),
  rate_bp: fc.integer({ min: 500, max: 8000 }),
  share_bp: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
  cap_fen: fc.option(fc.integer({ min: 0, max: 150_000 }), { nil: undefined }),
  cap_fen_year: fc.option(fc.integer({ min: 0, max: 150_000 }), { nil: undefined }),
  first_stage_bp: fc.constantFrom(5000, 10_000),
});
const onClaim = <K extends string>(kind: K) => fc.record({ kind: fc.constant(kind), claim: fc.nat(1000) });
const opArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('file' as const),
      enterprise: fc.integer({ min: 0, max: 2 }),
      program: fc.integer({ min: 0, max: 2 }),
      from_day: fc.integer({ min: 0, max: 3 }),
      days: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 3, arbitrary: onClaim('submit' as const) },
  { weight: 1, arbitrary: onClaim('withdraw' as const) },
  { weight: 4, arbitrary: onClaim('approve' as const) },
  { weight: 2, arbitrary: onClaim('approve_twice' as const) },
  { weight: 1, arbitrary: onClaim('reject' as const) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      claim: fc.nat(1000),
      amount: fc.constantFrom('payable', 'one', 'half', 'too_much'),
      // 'next_default': a numeric key equal to what the claim will have paid afterwards (the key an unkeyed payment derives)
      key: fc.constantFrom('none', 'none', 'fresh', 'next_default'),
    }),
  },
  { weight: 1, arbitrary: onClaim('pay_again' as const) },
  { weight: 1, arbitrary: onClaim('accept_progress_report' as const) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('claw_back' as const), claim: fc.nat(1000), amount: fc.constantFrom('all', 'one', 'half', 'too_much') }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'unknown_claim' as const }) },
);
const scenarioArb = fc.record({
  records: fc.tuple(...[0, 1, 2].map(() => fc.array(recordArb, { minLength: 1, maxLength: 4 }))),
  programs: fc.tuple(programArb, programArb, programArb),
  ops: fc.array(opArb, { minLength: ops_min, maxLength: ops_max }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;
type Op = Scenario['ops'][number];

interface World {
  provider_id: string;
  cluster_id: string;
  domestic: Map<string, boolean>;
  ingest: UsageIngest;
}

async function createWorld(db: EngineDb): Promise<World> {
  const store = db.store;
  const provider = await store.organizations.create({ kind: 'provider', name: 'Model provider', region: '310000' }, operator_actor, now_ms);
  if (!provider) throw new Error('could not create the provider');
  const cluster = await store.clusters.create(
    {
      provider_id: provider.id,
      name: 'model-cluster',
      region: '310000',
      inventory: [
        { accelerator: 'huawei-ascend-910b', count: 64, valid_from_ms: Date.parse('2026-01-01T00:00:00Z'), valid_to_ms: null },
        { accelerator: 'nvidia-a800-80gb-pcie', count: 16, valid_from_ms: Date.parse('2026-01-01T00:00:00Z'), valid_to_ms: null },
        { accelerator: 'metax-c500', count: 8, valid_from_ms: Date.parse('2026-01-01T00:00:00Z'), valid_to_ms: null },
      ],
    },
    operator_actor,
    now_ms,
  );
  if (!cluster) throw new Error('could not create the cluster');
  const facts = await store.catalog.throughputs();
  return {
    provider_id: provider.id,
    cluster_id: cluster.id,
    domestic: new Map([...facts].map(([id, f]) => [id, f.domestic])),
    ingest: new UsageIngest(store, db.config),
  };
}

async function createEnterprise(store: Store, name: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const org = await store.organizations.create(
      { kind: 'enterprise', name, credit_code: creditCode(), region: '310000', sector: 'large_models', size: 'small' },
      operator_actor,
      now_ms,
    );
    if (org) return org.id;
  }
  throw new Error('no free credit code after 5 tries');
}

function definition(code: string, layer: string, p: Scenario['programs'][number]): CheckedProgramDefinition {
  const caps: NonNullable<ProgramDefinition['caps']> = {};
  if (p.share_bp !== undefined) caps.share_bp = p.share_bp;
  if (p.cap_fen !== undefined) caps.fen = p.cap_fen;
  if (p.cap_fen_year !== undefined) caps.fen_year = p.cap_fen_year;
  const d: unknown = {
    code,
    name_zh: `模型 ${code}`,
    name_en: `Model ${code}`,
    kind: 'compute_rent',
    beneficiary_kind: 'enterprise',
    funding_layer: layer,
    window: { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    budget_fen: p.budget_fen,
    caps,
    first_stage_bp: p.first_stage_bp,
    // The model floors each record (a version from before line rounding): the ledger is what is tested here;
    // line rounding has its own tests (src/domain/policy/evaluate-lines.test.ts, test/api/claims-from-aggregates.test.ts).
    rule_set: {
      effective_from: '2026-01-01T00:00:00Z',
      rounding: 'record',
      rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: p.rate_bp } }],
    },
  };
  const checked = checkProgramDefinition(d);
  if (!checked.ok) throw new Error(`invalid definition: ${JSON.stringify(checked.problems)}`);
  return checked.definition;
}

/** The store's view of one program must equal the model's: balances, transfers, claims; and the ledger must check out. */
async function checkProgram(store: Store, model: Model, p: MProgram, where: string): Promise<void> {
  const [balances, transfers, claims, budget] = await Promise.all([
    store.ledger.balances(p.id),
    store.ledger.transfers({ program_id: p.id }),
    store.claims.list({ program_id: p.id }, 1000),
    store.programs.budget(p.id),
  ]);
  const model_balances = new Map([...model.balances].filter(([k]) => k.startsWith(`${p.id}:`)));
  expect(nonZero(balances), `${where}: balances`).toEqual(nonZero(model_balances));
  expect(
    transfers.map((t) => ({ key: t.key, kind: t.kind, amount_fen: t.amount_fen, claim_id: t.claim_id })),
    `${where}: transfers`,
  ).toEqual(model.transfers.get(p.id) ?? []);
  expect(checkLedger(transfers, balances, claims), `${where}: ledger problems`).toEqual([]);
  expect(budget.available_fen, `${where}: available`).toBeGreaterThanOrEqual(0);
  expect(budget.budget_fen, `${where}: budget`).toBe(p.budget_fen);
  expect(budget.available_fen + budget.reserved_fen + budget.paid_fen, `${where}: available + reserved + paid`).toBe(p.budget_fen);
}

let run_counter = 0;

async function runScenario(db: EngineDb, world: World, s: Scenario): Promise<void> {
  const store = db.store;
  const run = ++run_counter;
  const model = new Model();
  const log: string[] = [];
  const where = () => `run ${run}, op ${log.length}: ${log.slice(-6).join(' | ')}`;

  // Three enterprises with their usage, ingested as providers send it.
  const enterprises: string[] = [];
  for (let e = 0; e < 3; e++) enterprises.push(await createEnterprise(store, `Model enterprise ${run}-${e}`));
  const wire = s.records.flatMap((list, e) =>
    list.map((r, k) => {
      const start_ms = oct1_ms + r.day * day_ms + r.hour * 3_600_000;
      return {
        record_id: `r${run}-${e}-${k}`,
        cluster_id: world.cluster_id,
        enterprise_id: enterprises[e]!,
        accelerator: accelerators[r.model]!,
        count: r.count,
        started_at: new Date(start_ms).toISOString(),
        ended_at: new Date(start_ms + r.hours * 3_600_000).toISOString(),
        amount_fen: r.amount_fen,
        workload: 'training',
      };
    }),
  );
  const ingested = await world.ingest.ingest(world.provider_id, wire, now_ms);
  expect(ingested, 'ingest').toEqual({ accepted: wire.length, duplicates: 0, rejected: [] });
  const records: MRecord[] = [];
  for (let e = 0; e < 3; e++) {
    for (const u of await store.usage.list({ enterprise_id: enterprises[e]! }, 100)) {
      records.push({
        seq: u.seq,
        enterprise: e,
        started_at_ms: u.started_at_ms,
        amount_fen: u.amount_fen,
        domestic: world.domestic.get(u.accelerator) === true,
      });
    }
  }
  expect(records.length).toBe(wire.length);

  // Three programs: two of one funding layer (they share the holding of records), one of another.
  const layers = [`r${run}-city`, `r${run}-district`, `r${run}-city`];
  const programs: MProgram[] = [];
  for (let i = 0; i < 3; i++) {
    const g = s.programs[i]!;
    const { program, created } = await applyProgram(store, definition(`model-r${run}-p${i}`, layers[i]!, g), operator_actor, now_ms);
    expect(created).toBe(true);
    const p: MProgram = {
      id: program.id,
      layer: layers[i]!,
      rate_bp: g.rate_bp,
      budget_fen: BigInt(g.budget_fen),
      first_stage_bp: g.first_stage_bp,
      cap_share_bp: g.share_bp ?? null,
      cap_fen: g.cap_fen === undefined ? null : BigInt(g.cap_fen),
      cap_fen_year: g.cap_fen_year === undefined ? null : BigInt(g.cap_fen_year),
      real: program,
    };
    programs.push(p);
    if (p.budget_fen > 0n) model.move(p, 'fund', `fund:${p.id}:1`, null, null, p.budget_fen);
    await checkProgram(store, model, p, `run ${run}: program ${i} created`);
  }

  const file = async (e: number, pi: number, from_day: number, days: number) => {
    const p = programs[pi]!;
    const from_ms = oct1_ms + from_day * day_ms;
    const to_ms = from_ms + days * day_ms;
    log.push(`file e${e} p${pi} days ${from_day}+${days}`);
    const expected = model.file(p, records, e, from_ms, to_ms);
    let claim: Claim;
    try {
      claim = await fileClaim(store, p.id, enterprises[e]!, from_ms, to_ms, actor, now_ms);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      expect({ code: error.code, records: expected.subsidies.length }, where()).toEqual({ code: 'no_records', records: 0 });
      count('file no_records');
      return;
    }
    expect(expected.subsidies.length, `${where()}: the model finds no free records`).toBeGreaterThan(0);
    const c: MClaim = {
      id: claim.id,
      program: p,
      enterprise: e,
      beneficiary_id: enterprises[e]!,
      state: 'draft',
      computed_fen: expected.computed_fen,
      base_fen: expected.base_fen,
      granted_fen: 0n,
      paid_fen: 0n,
      clawed_back_fen: 0n,
      progress_report_accepted: false,
      period_start_ms: from_ms,
      actions: ['create'],
      pay_keys: new Set(),
      last_keyed: null,
    };
    expect({ records: claim.records, ...claimFigures(claim) }, where()).toEqual({ records: expected.subsidies.length, ...claimFigures(c) });
    expect(await store.claims.recordSubsidies(claim.id), `${where()}: record subsidies`).toEqual(
      expected.subsidies.map((x) => ({ record_seq: x.seq, subsidy_fen: x.subsidy_fen })),
    );
    model.claims.push(c);
    model.hold(c, expected.subsidies);
    count('file ok');
  };

  const transition = async (c: MClaim, action: ModelAction, amount_fen: bigint | null, idempotency_key: string | null = null, label: string = action) => {
    const expected = model.apply(c, action, amount_fen, idempotency_key);
    const r = await store.claims.transition(c.id, action, actor, now_ms, { program: c.program.real, amount_fen, reason: `model ${action}`, idempotency_key });
    expect(outcome(r), where()).toEqual(expected);
    count(`${label} ${r.status}`);
    if (r.status === 'ok') expect(claimFigures(r.claim), `${where()}: the answered claim`).toEqual(claimFigures(c));
  };

  const step = async (op: Op) => {
    if (op.kind === 'file') return file(op.enterprise, op.program, op.from_day, op.days);
    if (op.kind === 'unknown_claim') {
      log.push('transition of an unknown claim');
      const r = await store.claims.transition('clm_does_not_exist', 'approve', actor, now_ms, { program: programs[0]!.real });
      expect(r, where()).toEqual({ status: 'not_found' });
      return;
    }
    // Mostly a claim the action is legal for (else the workload would be all illegal transitions), sometimes any claim.
    const legal: Record<typeof op.kind, readonly ClaimState[]> = {
      submit: ['draft'],
      withdraw: ['draft', 'submitted'],
      approve: ['submitted'],
      approve_twice: ['submitted'],
      reject: ['submitted'],
      pay: ['approved'],
      claw_back: ['approved', 'paid'],
      accept_progress_report: ['approved', 'paid'],
      pay_again: [],
    };
    const candidates =
      op.kind === 'pay_again' ? model.claims.filter((x) => x.last_keyed !== null) : model.claims.filter((x) => legal[op.kind].includes(x.state));
    const pool = op.claim % 4 === 0 || candidates.length === 0 ? model.claims : candidates;
    const c = pool[op.claim % Math.max(1, pool.length)];
    if (!c) {
      log.push(`${op.kind}: no claim yet`);
      return;
    }
    const tag = `${c.id.slice(-6)} (p${programs.indexOf(c.program)} e${c.enterprise} ${c.state})`;
    if (op.kind === 'approve_twice') {
      // Two approvals of one claim at once: one may succeed, never both; the model says what the first one gets.
      log.push(`approve twice ${tag}`);
      const expected = model.apply(c, 'approve', null);
      const answers = await Promise.all([0, 1].map(() => store.claims.transition(c.id, 'approve', actor, now_ms, { program: c.program.real })));
      const second: Expected = expected.status === 'ok' ? { status: 'illegal_transition', state: 'approved' } : expected;
      expect(
        answers.map(outcome).sort((a, b) => (a.status < b.status ? -1 : 1)),
        where(),
      ).toEqual([expected, second].sort((a, b) => (a.status < b.status ? -1 : 1)));
      count(`approve twice ${expected.status}`);
    } else if (op.kind === 'pay') {
      const allowed = c.progress_report_accepted ? c.granted_fen : (c.granted_fen * BigInt(c.program.first_stage_bp)) / 10_000n;
      const max = allowed > c.paid_fen ? allowed - c.paid_fen : 0n;
      const amount = op.amount === 'payable' ? null : op.amount === 'one' ? 1n : op.amount === 'half' ? (max / 2n > 1n ? max / 2n : 1n) : max + 1n;
      const key = op.key === 'none' ? null : op.key === 'fresh' ? `k-${run}-${log.length}` : String(c.paid_fen + (amount ?? max));
      log.push(`pay ${amount ?? 'payable'} of ${tag} (granted ${c.granted_fen}, paid ${c.paid_fen}) key ${key}`);
      await transition(c, 'pay', amount, key);
      if (key !== null && c.pay_keys.has(key)) c.last_keyed = { key, amount_fen: amount };
    } else if (op.kind === 'pay_again') {
      if (c.last_keyed === null) {
        log.push(`pay again: ${tag} has no keyed payment`);
        return;
      }
      log.push(`pay again ${c.last_keyed.amount_fen ?? 'payable'} of ${tag} key ${c.last_keyed.key}`);
      await transition(c, 'pay', c.last_keyed.amount_fen, c.last_keyed.key, 'pay again');
    } else if (op.kind === 'claw_back') {
      const amount =
        op.amount === 'all' ? null : op.amount === 'one' ? 1n : op.amount === 'half' ? (c.paid_fen / 2n > 1n ? c.paid_fen / 2n : 1n) : c.paid_fen + 1n;
      log.push(`claw back ${amount ?? 'all'} of ${tag} (granted ${c.granted_fen}, paid ${c.paid_fen})`);
      await transition(c, 'claw_back', amount);
    } else {
      log.push(`${op.kind} ${tag}`);
      await transition(c, op.kind, null);
    }
    await checkProgram(store, model, c.program, where());
    const stored = await store.claims.get(c.id);
    expect(stored && claimFigures(stored), `${where()}: the stored claim`).toEqual(claimFigures(c));
  };

  // Every enterprise claims in the first two programs, and submits; then the random operations.
  for (let e = 0; e < 3; e++) {
    await file(e, 0, 0, 4);
    await file(e, 1, 0, 2);
  }
  for (let i = 0; i < model.claims.length; i++) await step({ kind: 'submit', claim: i });
  for (const op of s.ops) await step(op);

  // At the end: every program, every claim's events and records, and the holdings of the run's records.
  for (const p of programs) await checkProgram(store, model, p, `run ${run}: end`);
  for (const c of model.claims) {
    expect(
      (await store.claims.events(c.id)).map((e) => e.action),
      `run ${run}: events of ${c.id}`,
    ).toEqual(c.actions);
  }
  const seqs = records.map((r) => r.seq);
  const rows = await store.connection.db
    .selectFrom('claim_records')
    .select(['funding_layer', 'record_seq', 'claim_id', 'subsidy_fen'])
    .where('record_seq', 'in', seqs)
    .execute();
  const stored_holdings = rows.map((r) => `${r.funding_layer} ${Number(r.record_seq)} ${r.claim_id} ${Number(r.subsidy_fen)}`).sort();
  const model_holdings = [...model.holdings].flatMap(([layer, h]) => [...h].map(([seq, x]) => `${layer} ${seq} ${x.claim_id} ${x.subsidy_fen}`)).sort();
  expect(stored_holdings, `run ${run}: claim_records`).toEqual(model_holdings);
  // Funding layers together never subsidize more than the bill.
  for (const r of records) {
    const layers_sum = rows.filter((x) => Number(x.record_seq) === r.seq).reduce((sum, x) => sum + Number(x.subsidy_fen), 0);
    expect(layers_sum, `run ${run}: layers of record ${r.seq}`).toBeLessThanOrEqual(r.amount_fen);
  }
}

// ---------------------------------------------------------------------------------------------------------------------

describeEachEngine('the ledger against a naive model', (db) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(db());
  });

  it(`a seeded random workload (${runs_n} runs of ${ops_min}–${ops_max} operations) agrees with the model after every operation`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) => runScenario(db(), world, s)),
      { seed, numRuns: runs_n, endOnFailure: true },
    );
    // The whole database: every transfer, balance and claim of every run.
    const [transfers, balances, claims] = await Promise.all([db().store.ledger.transfers(), db().store.ledger.balances(), db().store.claims.amounts()]);
    expect(checkLedger(transfers, balances, claims)).toEqual([]);
    expect(transfers.length).toBeGreaterThan(runs_n);
    console.log(
      `[ledger model ${db().engine}] seed ${seed}: ${[...tally]
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}; ${transfers.length} transfers`,
    );
    // The workload must reach the interesting answers, or the model checks little.
    for (const must of [
      'approve ok',
      'approve budget_exhausted',
      'pay ok',
      'pay nothing_payable',
      'pay amount_too_large',
      'claw_back ok',
      'file no_records',
      'withdraw ok',
      'reject ok',
      'accept_progress_report ok',
    ]) {
      expect(tally.get(must) ?? 0, must).toBeGreaterThan(0);
    }
    tally.clear();
  }, 50_000);

  it('a payment sent again under its idempotency key is a no-op, also once paid in full; a numeric key is no derived key', async () => {
    const store = db().store;
    const w = world;
    const enterprise_id = await createEnterprise(store, 'Idempotent payee');
    const start_ms = oct1_ms + 20 * day_ms;
    const wire = [
      {
        record_id: 'idem-0',
        cluster_id: w.cluster_id,
        enterprise_id,
        accelerator: 'huawei-ascend-910b',
        count: 1,
        started_at: new Date(start_ms).toISOString(),
        ended_at: new Date(start_ms + 3_600_000).toISOString(),
        amount_fen: 10_000,
        workload: 'training',
      },
    ];
    expect((await w.ingest.ingest(w.provider_id, wire, now_ms)).accepted).toBe(1);
    const { program } = await applyProgram(
      store,
      definition('idempotent-pay', 'idem', {
        budget_fen: 1_000_000,
        rate_bp: 5000,
        share_bp: undefined,
        cap_fen: undefined,
        cap_fen_year: undefined,
        first_stage_bp: 5000,
      }),
      operator_actor,
      now_ms,
    );
    const claim = await fileClaim(store, program.id, enterprise_id, start_ms, start_ms + day_ms, actor, now_ms);
    const go = (action: ModelAction, o: { amount_fen?: bigint; idempotency_key?: string } = {}) =>
      store.claims.transition(claim.id, action, actor, now_ms, { program, ...o });
    const paid = (r: TransitionResult) => (r.status === 'ok' ? { state: r.claim.state, paid_fen: r.claim.paid_fen } : r);
    expect((await go('submit')).status).toBe('ok');
    expect(paid(await go('approve'))).toEqual({ state: 'approved', paid_fen: 0n }); // granted 5,000: 2,500 now, 2,500 later
    // The client's key is the number a derived key would carry next ("2500" = paid_fen after this payment).
    expect(paid(await go('pay', { idempotency_key: '2500' }))).toEqual({ state: 'approved', paid_fen: 2500n });
    expect(paid(await go('pay', { idempotency_key: '2500' }))).toEqual({ state: 'approved', paid_fen: 2500n }); // the stage is used up: still a no-op
    expect((await go('accept_progress_report')).status).toBe('ok');
    expect(paid(await go('pay'))).toEqual({ state: 'paid', paid_fen: 5000n }); // unkeyed: pays the rest, not "already done"
    expect(paid(await go('pay', { idempotency_key: '2500' }))).toEqual({ state: 'paid', paid_fen: 5000n }); // paid in full: still a no-op
    const transfers = await store.ledger.transfers({ claim_id: claim.id });
    expect(transfers.map((t) => `${t.kind} ${t.amount_fen}`)).toEqual(['approve 5000', 'pay 2500', 'pay 2500']);
    expect((await store.claims.events(claim.id)).map((e) => e.action)).toEqual(['create', 'submit', 'approve', 'pay', 'accept_progress_report', 'pay']);
    expect(
      checkLedger(await store.ledger.transfers({ program_id: program.id }), await store.ledger.balances(program.id), [
        { id: claim.id, granted_fen: 5000n, paid_fen: 5000n },
      ]),
    ).toEqual([]);
  });

  describeHoldings(db, () => world);
});

/** A usage record is held by one claim per funding layer, and the database itself enforces it. */
function describeHoldings(db: () => EngineDb, world: () => World): void {
  const setup = async (label: string) => {
    const store = db().store;
    const w = world();
    const enterprise_id = await createEnterprise(store, `Holding ${label}`);
    const wire = [0, 1, 2].map((k) => ({
      record_id: `hold-${label}-${k}`,
      cluster_id: w.cluster_id,
      enterprise_id,
      accelerator: 'huawei-ascend-910b',
      count: 4,
      started_at: new Date(oct1_ms + 10 * day_ms + k * 3_600_000).toISOString(),
      ended_at: new Date(oct1_ms + 10 * day_ms + (k + 1) * 3_600_000).toISOString(),
      amount_fen: 100_000 + k,
      workload: 'training',
    }));
    expect((await w.ingest.ingest(w.provider_id, wire, now_ms)).accepted).toBe(3);
    const program = async (code: string, layer: string, rate_bp: number) =>
      (
        await applyProgram(
          store,
          definition(`${code}-${label}`, layer, {
            budget_fen: 10_000_000,
            rate_bp,
            share_bp: undefined,
            cap_fen: undefined,
            cap_fen_year: undefined,
            first_stage_bp: 10_000,
          }),
          operator_actor,
          now_ms,
        )
      ).program;
    const city = await program('city', `city-${label}`, 6000);
    const city_too = await program('city-too', `city-${label}`, 6000);
    const district = await program('district', `district-${label}`, 6000);
    const from_ms = oct1_ms + 10 * day_ms;
    const to_ms = from_ms + day_ms;
    const file = (p: Program) => fileClaim(store, p.id, enterprise_id, from_ms, to_ms, actor, now_ms);
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'filed',
        (e: unknown) => (e instanceof Refusal ? e.code : Promise.reject(e)),
      );
    return { store, enterprise_id, city, city_too, district, file, code };
  };

  it('filing twice gives no records; a program of the same layer gets none, one of another layer gets them all', async () => {
    const { store, city, city_too, district, file, code } = await setup('twice');
    const first = await file(city);
    expect(first.records).toBe(3);
    expect(first.computed_fen).toBe(60_000n + 60_000n + 60_001n); // 60% of 100,000, 100,001 and 100,002, floored
    expect(await code(file(city))).toBe('no_records');
    expect(await code(file(city_too))).toBe('no_records');
    const other = await file(district);
    const seqs = (c: Claim) => store.claims.recordSubsidies(c.id).then((r) => r.map((x) => x.record_seq));
    expect(await seqs(other)).toEqual(await seqs(first));
    // The district may pay only what the city left of each bill: 40% of it.
    expect(await store.claims.recordSubsidies(other.id)).toEqual(
      (await seqs(first)).map((record_seq, k) => ({ record_seq, subsidy_fen: 100_000 + k - Math.floor(((100_000 + k) * 6000) / 10_000) })),
    );
    expect(await code(file(district))).toBe('no_records');
  });

  it('the database refuses a second holder of a (funding_layer, record_seq), whatever the code does', async () => {
    const { store, city, district, file } = await setup('constraint');
    const held = await file(city);
    const other = await file(district);
    const [row] = await store.claims.recordSubsidies(held.id);
    const db_ = store.connection.db;
    const insert = (funding_layer: string, claim_id: string) =>
      db_.insertInto('claim_records').values({ funding_layer, record_seq: row!.record_seq, claim_id, subsidy_fen: 1 }).execute();
    const refusal = await insert(city.funding_layer, other.id).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(refusal, 'the duplicate holding was stored').not.toBeNull();
    expect(String(refusal!.code), refusal!.message).toMatch(db().engine === 'postgres' ? /^23505$/ : /^SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)$/);
    // The same insert for a layer nobody holds goes through: it is the key that is refused, not the row.
    await insert('a-free-layer', other.id);
    await db_.deleteFrom('claim_records').where('funding_layer', '=', 'a-free-layer').execute();
    const count = await sql<{ n: number | string }>`select count(*) as n from claim_records where record_seq = ${row!.record_seq}`.execute(db_);
    expect(Number(count.rows[0]!.n)).toBe(2); // city and district, once each
  });

  it('withdraw and reject free the records: filing again works; two filings at once hold them once', async () => {
    const { store, city, city_too, file, code } = await setup('free');
    const first = await file(city);
    const seqs = (c: Claim) => store.claims.recordSubsidies(c.id).then((r) => r.map((x) => x.record_seq));
    const held = await seqs(first);
    expect((await store.claims.transition(first.id, 'withdraw', actor, now_ms)).status).toBe('ok');
    expect(await seqs(first)).toEqual([]);
    const second = await file(city_too); // another program of the same layer may take them now
    expect(await seqs(second)).toEqual(held);
    expect((await store.claims.transition(second.id, 'submit', actor, now_ms)).status).toBe('ok');
    expect((await store.claims.transition(second.id, 'reject', actor, now_ms, { reason: 'test' })).status).toBe('ok');
    expect(await code(file(city))).toBe('filed');
    // Withdraw the third claim, then file twice at once: one claim gets the records, the other none.
    const third = (await store.claims.list({ program_id: city.id, state: 'draft' }, 10))[0]!;
    expect((await store.claims.transition(third.id, 'withdraw', actor, now_ms)).status).toBe('ok');
    const answers = await Promise.all([code(file(city)), code(file(city_too))]);
    expect(answers.filter((a) => a === 'filed')).toHaveLength(1);
    expect(answers.filter((a) => a !== 'filed').every((a) => a === 'no_records' || a === 'records_taken')).toBe(true);
    const holders = await store.connection.db
      .selectFrom('claim_records')
      .select('claim_id')
      .distinct()
      .where('record_seq', 'in', held)
      .where('funding_layer', '=', city.funding_layer)
      .execute();
    expect(holders).toHaveLength(1);
  });
}
