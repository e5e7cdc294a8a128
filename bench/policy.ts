// `npm run bench -- policy`: the subsidy evaluator (records/s against a bare loop over the same records), a claim over
// 1,000,000 stored records on SQLite and PostgreSQL (seconds, against a raw SELECT of the same rows), and the what-if
// replay over the three months of demo usage.
import { OfficeCalendar } from '../src/domain/calendar.js';
import fs from 'node:fs';
import { BatchEffects } from '../src/store/usage/effects.js';
import { addGroups } from '../src/store/usage/sql.js';
import { writeTransaction } from '../src/store/write-transaction.js';
import { operator_actor } from '../src/store/audit-repository.js';
import path from 'node:path';
import pg from 'pg';
import SqliteDatabase from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { Store } from '../src/store/store.js';
import { evaluate, type EvalRecord, type ModelFacts } from '../src/domain/policy/evaluate.js';
import { readCatalogFile } from '../src/store/catalog-file.js';
import { acceleratorThroughput } from '../src/domain/catalog/accelerator.js';
import { readProgramFile } from '../src/cli/program-file.js';
import { applyProgram, estimateClaim, fileClaim, simulate } from '../src/service/claims.js';
import { loadDemo, examples_dir } from '../src/cli/demo.js';
import { findPostgresBinaries } from '../test/support/postgres.js';
import { createDatabase } from '../test/support/postgres.js';
import {
  createParties,
  fmtInt,
  fmtRatio,
  freshDir,
  machineFacts,
  prng,
  removeDir,
  startDurablePostgres,
  table,
  tmp_root,
  type BenchOptions,
} from './support.js';

const log = (line = '') => console.log(line);
const seconds = (t0: number) => (performance.now() - t0) / 1000;

function catalogFacts(): Map<string, ModelFacts> {
  return new Map(
    readCatalogFile().map((m) => [m.id, { domestic: m.domestic, vendor: m.vendor, gflops: acceleratorThroughput(m)?.gflops ?? null, tdp_w: m.tdp_w }]),
  );
}

const bench_models = ['huawei-ascend-910b', 'cambricon-mlu370-x8', 'moore-threads-mtt-s4000', 'nvidia-a800-80gb-pcie', 'nvidia-h20', 'metax-c500'];

function evalRecords(n: number, seed = 7): EvalRecord[] {
  const rnd = prng(seed);
  const start = Date.parse('2026-08-01T00:00:00Z');
  const out: EvalRecord[] = [];
  for (let i = 0; i < n; i++) {
    const card_s = (1 + Math.floor(rnd() * 8)) * (600 + Math.floor(rnd() * 36_000));
    out.push({
      seq: i + 1,
      accelerator: bench_models[Math.floor(rnd() * bench_models.length)]!,
      card_s,
      amount_fen: Math.floor((card_s * (200 + rnd() * 300)) / 3600),
      started_at_ms: start + Math.floor(rnd() * 90 * 86_400_000),
      workload: rnd() < 0.3 ? 'training' : 'inference',
      provider_id: 'p',
      region: rnd() < 0.8 ? '310000' : '520100',
      energy_wh: rnd() < 0.4 ? Math.floor(card_s * 0.25) : null,
      other_layers_fen: 0,
    });
  }
  return out;
}

function shanghaiRules() {
  const [city] = readProgramFile(path.join(new URL(examples_dir).pathname, 'shanghai-compute-voucher.yaml'));
  if (!city) throw new Error('examples/programs/shanghai-compute-voucher.yaml holds no program');
  return city;
}

interface Row {
  what: string;
  engine: string;
  records: number;
  seconds: number;
  per_s: number | null;
  baseline_s: number | null;
}

async function evaluatorBench(rows: Row[]): Promise<void> {
  const n = 1_000_000;
  const records = evalRecords(n);
  const models = catalogFacts();
  const rules = {
    rules: [
      {
        id: 'domestic-train',
        match: { domestic: true, workload: ['training' as const] },
        pay: { basis: 'bill' as const, rate_bp: 3000 },
        ceiling_fen_per_card_hour: 1200,
        tier_bonus: { domestic_share_bp_min: 5000, bonus_bp: 500 },
      },
      { id: 'domestic-compute', match: { domestic: true }, pay: { basis: 'compute' as const, fen_per_pflop_h: 800 }, ceiling_fen_per_card_hour: 1200 },
      { id: 'guizhou-energy', match: { region: ['52'] }, pay: { basis: 'energy' as const, rate_bp: 5000, fen_per_kwh: 60 } },
    ],
  };
  const limits = {
    calendar: new OfficeCalendar(),
    cap_share_bp: 8000,
    cap_fen: null,
    cap_fen_year: null,
    granted_fen: 0n,
    granted_fen_year: 0n,
    support_months: 12,
    first_subsidized_at_ms: null,
    budget_available_fen: 10_000_000_000_000n,
  };
  // The baseline: the least any evaluator must do — look at each record once and floor a share of its bill.
  const baseline = () => {
    let sum = 0;
    for (const r of records) if (models.get(r.accelerator)?.domestic) sum += Math.floor((r.amount_fen * 3000) / 10_000);
    return sum;
  };
  const best = (fn: () => unknown) => {
    let b = Infinity;
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      fn();
      b = Math.min(b, seconds(t0));
    }
    return b;
  };
  const base_s = best(baseline);
  const eval_s = best(() => evaluate(rules, records, models, { size: 'small', categories: [] }, limits));
  rows.push({
    what: 'evaluator (3 rules: bill+ceiling+tier, compute, energy), best of 5',
    engine: 'in memory',
    records: n,
    seconds: eval_s,
    per_s: n / eval_s,
    baseline_s: base_s,
  });
}

async function claimBench(rows: Row[], engine: 'sqlite' | 'postgres', database_url: string | null, n: number): Promise<void> {
  const dir = freshDir(`policy-${engine}`);
  const config = loadConfig({}, { data_dir: dir, database_url, log_level: 'silent' });
  const store = Store.open(config);
  try {
    const now = Date.parse('2026-11-29T00:00:00Z');
    await store.migrate(now);
    const parties = await createParties(store, now);
    const enterprise_id = parties.enterprise_ids[0]!;
    const models = await store.catalog.throughputs();
    const rnd = prng(11);
    const t_load = performance.now();
    const start = Date.parse('2026-08-01T00:00:00Z');
    for (let i = 0; i < n; i += 10_000) {
      const batch = [];
      for (let k = i; k < Math.min(n, i + 10_000); k++) {
        const accelerator = rnd() < 0.6 ? 'huawei-ascend-910b' : 'nvidia-a800-80gb-pcie';
        const count = 1 + Math.floor(rnd() * 8);
        const duration_s = 600 + Math.floor(rnd() * 7200);
        const started_at_ms = start + Math.floor((k / n) * 90 * 86_400_000);
        const card_s = count * duration_s;
        batch.push({
          input: {
            record_id: `r-${k}`,
            cluster_id: parties.cluster_id,
            enterprise_id,
            accelerator,
            count,
            started_at_ms,
            ended_at_ms: started_at_ms + duration_s * 1000,
            amount_fen: Math.floor((card_s / 3600) * 1000),
            job_ref: null,
            workload: 'training' as const,
            energy_wh: null,
          },
          derived: { card_s, compute_gflop: BigInt(card_s) * BigInt(models.get(accelerator)!.gflops!) },
        });
      }
      await store.usage.insertBatch(parties.provider_id, batch, now);
    }
    log(`  ${engine}: ${fmtInt(n)} usage records of one enterprise stored in ${seconds(t_load).toFixed(1)} s (set-up, not measured)`);
    const city = shanghaiRules();
    const { program } = await applyProgram(store, { ...city, code: 'bench-city', eligibility: { regions: ['31'] } }, operator_actor, now);
    // The office's months (Beijing): August to October, as a claim period is; its records all start inside it.
    const from = Date.parse('2026-08-01T00:00:00+08:00');
    const to = Date.parse('2026-11-01T00:00:00+08:00');

    // Baseline: the same rows fetched by a bare driver query, with nothing else done.
    const raw_sql =
      'select u.seq, u.accelerator_id, u.card_s, u.amount_fen, u.started_at_ms, u.workload, u.provider_id, c.region, u.energy_wh from usage_records u join clusters c on c.id = u.cluster_id where u.enterprise_id = $1 and u.started_at_ms >= $2 and u.started_at_ms < $3';
    let raw_s: number;
    if (engine === 'sqlite') {
      const db = new SqliteDatabase(path.join(dir, 'suanli.db'), { readonly: true });
      const stmt = db.prepare(raw_sql.replace(/\$\d/g, '?')).raw(true); // rows as arrays, as suanli reads them
      const t0 = performance.now();
      const got = stmt.all(enterprise_id, from, to);
      raw_s = seconds(t0);
      if (got.length !== n) throw new Error(`raw select found ${got.length}`);
      db.close();
    } else {
      const c = new pg.Client({ connectionString: database_url! });
      await c.connect();
      const t0 = performance.now();
      const got = await c.query(raw_sql, [enterprise_id, from, to]);
      raw_s = seconds(t0);
      if (got.rowCount !== n) throw new Error(`raw select found ${got.rowCount}`);
      await c.end();
    }
    let t0 = performance.now();
    const e = await estimateClaim(store, program.id, enterprise_id, from, to);
    const est_s = seconds(t0);
    if (e.record_count !== n) throw new Error(`estimate saw ${e.record_count} records`);
    rows.push({ what: 'estimate a claim (gather + evaluate)', engine, records: n, seconds: est_s, per_s: n / est_s, baseline_s: raw_s });
    t0 = performance.now();
    const claim = await fileClaim(store, program.id, enterprise_id, from, to, { org_id: null, key_id: null, role: 'operator' }, now);
    const file_s = seconds(t0);
    if (claim.records !== n) throw new Error(`claim holds ${claim.records} records`);
    rows.push({ what: 'file a claim (estimate + hold 1M records)', engine, records: n, seconds: file_s, per_s: n / file_s, baseline_s: raw_s });
    log(`  ${engine}: claim ${claim.id} computed ${claim.computed_fen.toLocaleString('en-US')} fen over ${fmtInt(claim.records)} records`);
  } finally {
    await store.close();
    removeDir(dir);
  }
}

async function simulateBench(rows: Row[], engine: 'sqlite' | 'postgres', database_url: string | null): Promise<void> {
  const dir = freshDir(`simulate-${engine}`);
  const config = loadConfig({}, { data_dir: dir, database_url, log_level: 'silent' });
  const store = Store.open(config);
  try {
    await store.migrate(Date.now());
    const demo = await loadDemo(store, config, { seed: 2027, progress: false });
    const program = await store.programs.getByCode('sh-compute-voucher-city');
    if (!program) throw new Error('the demo has no city program');
    const candidate = {
      rules: [{ id: 'all-domestic', match: { domestic: true }, pay: { basis: 'bill' as const, rate_bp: 4000 }, ceiling_fen_per_card_hour: 1000 }],
    };
    const from = Date.parse('2026-08-01T00:00:00+08:00'); // the office's months
    const to = Date.parse('2026-11-01T00:00:00+08:00');
    const t0 = performance.now();
    const r = await simulate(store, program.id, candidate, from, to);
    const s = seconds(t0);
    const cur = r.variants[0]!;
    rows.push({
      what: `simulate Aug–Oct demo usage (current + candidate, ${cur.beneficiaries} beneficiaries)`,
      engine,
      records: demo.records,
      seconds: s,
      per_s: demo.records / s,
      baseline_s: null,
    });
  } finally {
    await store.close();
    removeDir(dir);
  }
}

/**
 * The replay at a national program's scale: 20,000,000 records of 30 enterprises over a quarter (Aug–Oct 2026).
 * The set-up does not store the records: it sums them into the usage groups with the code every write path uses
 * (usage/effects.ts BatchEffects, then addGroups), which is all a replay over whole office days reads. The measured
 * replay is `simulate` (current rules beside a candidate), as POST /programs/:id/simulate runs it.
 */
async function simulateScaleBench(rows: Row[], engine: 'sqlite' | 'postgres', database_url: string | null, n: number): Promise<void> {
  const dir = freshDir(`simulate-scale-${engine}`);
  const config = loadConfig({}, { data_dir: dir, database_url, log_level: 'silent' });
  const store = Store.open(config);
  try {
    const now = Date.parse('2026-11-29T00:00:00Z');
    await store.migrate(now);
    const parties = await createParties(store, now);
    const models = await store.catalog.throughputs();
    const rnd = prng(23);
    const start = Date.parse('2026-07-31T16:00:00Z'); // 2026-08-01 in Beijing
    const span_ms = 92 * 86_400_000;
    const t_load = performance.now();
    const chunk = 1_000_000;
    let groups = 0;
    for (let i = 0; i < n; i += chunk) {
      const effects = new BatchEffects(parties.provider_id, store.calendar, false);
      for (let k = i; k < Math.min(n, i + chunk); k++) {
        const accelerator = rnd() < 0.6 ? 'huawei-ascend-910b' : 'nvidia-a800-80gb-pcie';
        const count = 1 + Math.floor(rnd() * 8);
        const duration_s = 600 + Math.floor(rnd() * 7200);
        const card_s = count * duration_s;
        const price = [800, 1000, 1200, 1500][Math.floor(rnd() * 4)]!;
        const started_at_ms = start + Math.floor((k / n) * span_ms);
        const gflops = models.get(accelerator)!.gflops!;
        effects.add(
          parties.cluster_id,
          parties.enterprise_ids[k % parties.enterprise_ids.length]!,
          accelerator,
          started_at_ms,
          started_at_ms + duration_s * 1000,
          Math.floor((price * card_s) / 3600),
          card_s,
          BigInt(card_s) * BigInt(gflops),
          rnd() < 0.7 ? 'training' : 'inference',
          rnd() < 0.5 ? Math.floor((card_s * 300) / 3600) : null,
          false,
        );
      }
      const deltas = effects.groupDeltas();
      groups += deltas.length;
      await writeTransaction(store.connection, (tx, e) => addGroups(tx, e, deltas, store.calendar));
    }
    const stored = await store.connection.db
      .selectFrom('usage_groups')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    log(
      `  ${engine}: ${fmtInt(n)} records summed into ${fmtInt(Number(stored.n))} usage groups (${fmtInt(groups)} upserts) in ${seconds(t_load).toFixed(1)} s (set-up, not measured)`,
    );
    const city = shanghaiRules();
    const { program } = await applyProgram(store, { ...city, code: 'bench-scale', eligibility: { regions: ['31'] } }, operator_actor, now);
    const candidate = {
      rules: [{ id: 'all-domestic', match: { domestic: true }, pay: { basis: 'bill' as const, rate_bp: 4000 }, ceiling_fen_per_card_hour: 1000 }],
    };
    const t0 = performance.now();
    const r = await simulate(store, program.id, candidate, start, start + span_ms);
    const s = seconds(t0);
    const cur = r.variants[0]!;
    rows.push({
      what: `simulate ${fmtInt(n)} records (${fmtInt(Number(stored.n))} groups; current + candidate, ${cur.beneficiaries} beneficiaries)`,
      engine,
      records: n,
      seconds: s,
      per_s: n / s,
      baseline_s: null,
    });
  } finally {
    await store.close();
    removeDir(dir);
  }
}

export async function policyBench(options: BenchOptions): Promise<void> {
  const facts = machineFacts();
  log(`\nsuanli policy benchmark — ${facts.date_utc}`);
  log(`machine: ${facts.nproc} cores (${facts.cpu}), ${facts.memory_gib} GiB RAM, ${facts.platform}, node ${facts.node}`);
  const rows: Row[] = [];
  await evaluatorBench(rows);
  const claim_records = 1_000_000;
  if (options.engines.includes('sqlite')) {
    await claimBench(rows, 'sqlite', null, claim_records);
    await simulateBench(rows, 'sqlite', null);
    await simulateScaleBench(rows, 'sqlite', null, 20_000_000);
  }
  if (options.engines.includes('postgres')) {
    const binaries = findPostgresBinaries();
    if (binaries === null) {
      log('\n!!! PostgreSQL NOT AVAILABLE — the PostgreSQL policy benchmarks are SKIPPED (no initdb/postgres binaries)\n');
    } else {
      const server = await startDurablePostgres(binaries);
      try {
        await claimBench(rows, 'postgres', await createDatabase(server.url, 'bench_policy_claim'), claim_records);
        await simulateBench(rows, 'postgres', await createDatabase(server.url, 'bench_policy_sim'));
        await simulateScaleBench(rows, 'postgres', await createDatabase(server.url, 'bench_policy_scale'), 20_000_000);
      } finally {
        await server.stop();
      }
    }
  }
  log('');
  log(
    table(
      ['what', 'engine', 'records', 'seconds', 'records/s', 'baseline s', '× baseline'],
      rows.map((r) => [
        r.what,
        r.engine,
        fmtInt(r.records),
        r.seconds.toFixed(3),
        r.per_s === null ? '—' : fmtInt(r.per_s),
        r.baseline_s === null ? '—' : r.baseline_s.toFixed(3),
        fmtRatio(r.baseline_s === null ? null : r.baseline_s / r.seconds),
      ]),
      2,
    ),
  );
  log('\nbaselines: evaluator — a bare loop flooring 30% of each domestic bill over the same records; claim — a bare driver SELECT of the same rows.');
  log(
    'targets: evaluator ≥ 1,000,000 records/s; estimate a claim over 1,000,000 records ≤ 0.5 s and ≤ 0.2× its bare SELECT; file it ≤ 1 s; simulate 20,000,000 records ≤ 5 s.',
  );
  const out = path.join(tmp_root, 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `policy-${facts.date_utc.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ machine: facts, rows }, null, 2));
  log(`JSON: ${path.relative(process.cwd(), file)}`);
}
