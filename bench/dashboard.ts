// `npm run bench -- dashboard`: GET /api/v1/dashboard/overview against a SQLite database holding 10,000,000 usage
// records, timed over the loopback from a real `suanli serve`, beside bare better-sqlite3 aggregates over the same
// rollups in the same run.
//
// Set-up (timed, not part of the measurement): 5 providers with one cluster each (4 models, domestic and foreign from
// the catalog, some inventory added or retired mid-way), 30 enterprises (a skewed spread, so the top 10 means
// something), 24 months of jobs (2024-12 to 2026-11, the domestic share rising from 35% to 65%), filled into
// usage_records by raw multi-row INSERTs (indexes dropped during the fill and built after, as bench/integrity.ts does).
// The daily rollups are then filled by ONE aggregate INSERT … SELECT … GROUP BY over the filled records — exactly what
// ingest would have written for them (provider × enterprise × model × UTC day of started_at; compute of models without
// a throughput figure counts 0) — and the monthly rollups by migration 0006's triggers, as at ingest. Then 3 programs
// with ~11,000 ledger transfers (approvals, payments, claw-backs) over the same months, and 300 findings.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { Store } from '../src/store/store.js';
import { operator_actor, system_actor } from '../src/store/audit-repository.js';
import { applyTransfer } from '../src/store/ledger-repository.js';
import { writeTransaction } from '../src/store/write-transaction.js';
import type { Finding } from '../src/domain/integrity/finding.js';
import { buildAndMeasureBundle, measurePageLoads, measureRawFetches, type BundleSize, type PageLoad } from './dashboard-load.js';
import { hashPassword } from '../src/domain/people/password.js';
import {
  RawUsageFill,
  creditCode,
  fmtInt,
  freshDir,
  machineFacts,
  prng,
  removeDir,
  startServer,
  suanliCommand,
  table,
  tmp_root,
  type BenchOptions,
} from './support.js';

const log = (line = '') => console.log(line);
const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Usage records stored; BENCH_DASHBOARD_RECORDS changes it for a quick try (the documented figures use the default). */
const record_count = Number(process.env.BENCH_DASHBOARD_RECORDS ?? 10_000_000);
const data_from_ms = Date.parse('2024-12-01T00:00:00Z');
const data_to_ms = Date.parse('2026-11-28T00:00:00Z');
const inventory_from_ms = Date.parse('2024-06-01T00:00:00Z');
const range = '?from=2024-12&to=2026-11';
const enterprise_count = 30;
const provider_weights = [0.3, 0.25, 0.2, 0.15, 0.1];
const job_counts = [1, 1, 2, 4, 8, 8, 16];
const warmup_requests = 20;
const timed_requests = 300;
const default_range_requests = 100;
const fill_rows_per_insert = 200;
const fill_rows_per_transaction = 500_000;
const day_ms = 86_400_000;
const page_load_runs = 5;
const page_login = 'bench-admin@example.org';
const page_password = 'a bench password for the page load';

interface Slot {
  accelerator: string;
  count: number;
  from_ms: number;
  to_ms: number | null;
}
const ms = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
/** Each provider's one cluster: what it holds and when. */
const provider_inventory: Slot[][] = [
  [
    { accelerator: 'huawei-ascend-910b', count: 1024, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-a800-80gb-pcie', count: 512, from_ms: inventory_from_ms, to_ms: ms('2026-03-01') },
    { accelerator: 'huawei-ascend-910c', count: 512, from_ms: ms('2026-03-01'), to_ms: null },
    { accelerator: 'nvidia-h20', count: 256, from_ms: inventory_from_ms, to_ms: null },
  ],
  [
    { accelerator: 'cambricon-mlu370-x8', count: 1024, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-h800-sxm', count: 256, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-l20', count: 512, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'huawei-ascend-910b', count: 256, from_ms: inventory_from_ms, to_ms: ms('2025-09-01') },
    { accelerator: 'huawei-ascend-910b', count: 1024, from_ms: ms('2025-09-01'), to_ms: null },
  ],
  [
    { accelerator: 'moore-threads-mtt-s4000', count: 512, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'metax-c500', count: 512, from_ms: inventory_from_ms, to_ms: null }, // no throughput figure: card-hours only
    { accelerator: 'nvidia-a800-80gb-pcie', count: 512, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-h20', count: 512, from_ms: inventory_from_ms, to_ms: null },
  ],
  [
    { accelerator: 'biren-br104', count: 512, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'huawei-ascend-910b', count: 512, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-h100-sxm', count: 256, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-l40s', count: 256, from_ms: inventory_from_ms, to_ms: null },
  ],
  [
    { accelerator: 'huawei-ascend-910c', count: 256, from_ms: ms('2025-06-01'), to_ms: null },
    { accelerator: 'huawei-ascend-910b', count: 512, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-a100-80gb-sxm', count: 512, from_ms: inventory_from_ms, to_ms: null },
    { accelerator: 'nvidia-h20', count: 256, from_ms: inventory_from_ms, to_ms: null },
  ],
];

interface Setup {
  providers: { id: string; cluster_id: string }[];
  enterprise_ids: string[];
}

async function createParties(store: Store, now_ms: number): Promise<Setup> {
  const providers: Setup['providers'] = [];
  for (let p = 0; p < provider_inventory.length; p++) {
    const org = await store.organizations.create({ kind: 'provider', name: `Bench Dashboard Compute ${p}`, region: '310000' }, operator_actor, now_ms);
    if (!org) throw new Error(`could not create provider ${p}`);
    const cluster = await store.clusters.create(
      {
        provider_id: org.id,
        name: `dash-${p}`,
        region: '310000',
        inventory: provider_inventory[p]!.map((s) => ({ accelerator: s.accelerator, count: s.count, valid_from_ms: s.from_ms, valid_to_ms: s.to_ms })),
      },
      operator_actor,
      now_ms,
    );
    if (!cluster) throw new Error(`could not create the cluster of provider ${p}`);
    providers.push({ id: org.id, cluster_id: cluster.id });
  }
  const enterprise_ids: string[] = [];
  for (let i = 0; i < enterprise_count; i++) {
    const e = await store.organizations.create(
      {
        kind: 'enterprise',
        name: `Bench Dashboard Lab ${i}`,
        credit_code: creditCode(6007 + i * 7919),
        region: '310000',
        sector: 'large_models',
        size: 'small',
      },
      operator_actor,
      now_ms,
    );
    if (!e) throw new Error(`could not create enterprise ${i}`);
    enterprise_ids.push(e.id);
  }
  return { providers, enterprise_ids };
}

interface FillFigures {
  fill_s: number;
  index_s: number;
  rollup_s: number;
  daily_rows: number;
  monthly_rows: number;
  db_mib: number;
}

/** usage_records by raw INSERTs, then the daily rollups by one aggregate over them (the monthly ones follow by trigger). */
async function fillUsage(store: Store, setup: Setup, n: number): Promise<FillFigures> {
  const sqlite = store.connection.sqlite;
  if (sqlite === null) throw new Error('the dashboard benchmark needs SQLite');
  const models = await store.catalog.throughputs();
  let t_fill = 0;
  const fill = new RawUsageFill(sqlite, {
    rows_per_insert: fill_rows_per_insert,
    rows_per_transaction: fill_rows_per_transaction,
    onCommit: (written) => {
      if (written % 2_000_000 === 0) log(`  … ${fmtInt(written)} records (${seconds(t_fill).toFixed(0)} s)`);
    },
  });
  sqlite.pragma('temp_store = MEMORY');
  const rnd = prng(20241201);
  const hex = (digits: number) =>
    Math.floor(rnd() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0');
  const span = data_to_ms - data_from_ms;
  const slots = provider_inventory.map((list) =>
    list.map((s) => ({ ...s, gflops: models.get(s.accelerator)?.gflops ?? null, domestic: models.get(s.accelerator)?.domestic ?? false })),
  );
  const cumulative = provider_weights.map((_, i) => provider_weights.slice(0, i + 1).reduce((a, b) => a + b, 0));
  t_fill = performance.now();
  for (let i = 0; i < n; i++) {
    // A chronological stream, as providers report: record i starts in the i-th slice of the window.
    const started_at_ms = data_from_ms + Math.floor(((i + rnd()) / n) * (span / 1000)) * 1000;
    const duration_s = 60 + Math.floor(rnd() * rnd() * 6 * 3600);
    const ended_at_ms = started_at_ms + duration_s * 1000;
    const u = rnd();
    let p = 0;
    while (p < cumulative.length - 1 && u > cumulative[p]!) p++;
    // The domestic share of jobs rises from 35% to 65% over the window.
    const domestic = rnd() < 0.35 + 0.3 * ((started_at_ms - data_from_ms) / span);
    const valid = slots[p]!.filter((s) => s.from_ms <= started_at_ms && (s.to_ms === null || s.to_ms >= ended_at_ms));
    const of_kind = valid.filter((s) => s.domestic === domestic);
    const pool = of_kind.length > 0 ? of_kind : valid;
    const slot = pool[Math.floor(rnd() * pool.length)]!;
    const count = job_counts[Math.floor(rnd() * job_counts.length)]!;
    const card_s = count * duration_s;
    const training = rnd() < 0.7;
    fill.add([
      setup.providers[p]!.id,
      `${(i + 1).toString(16).padStart(8, '0')}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(6)}${hex(6)}`,
      setup.providers[p]!.cluster_id,
      setup.enterprise_ids[Math.floor(enterprise_count * rnd() * rnd())]!,
      slot.accelerator,
      count,
      started_at_ms,
      ended_at_ms,
      Math.round((card_s * (slot.domestic ? 800 : 1200)) / 3600),
      `slurm:${i + 1}`,
      training ? 'training' : 'inference',
      rnd() < 0.5 ? Math.round((card_s * 300) / 3600) : null,
      card_s,
      slot.gflops === null ? null : card_s * slot.gflops,
      ended_at_ms + 60_000,
    ]);
  }
  fill.finish();
  const fill_s = seconds(t_fill);
  if (fill.written !== n) throw new Error(`wrote ${fill.written} records, not ${n}`);
  const t_index = performance.now();
  fill.rebuildIndexes();
  const index_s = seconds(t_index);
  // What ingest writes for these records, in one aggregate: a record counts on the UTC day it started.
  const t_rollup = performance.now();
  sqlite.exec(`insert into usage_rollups (provider_id, enterprise_id, accelerator_id, day, records, card_s, compute_gflop, amount_fen)
    select provider_id, enterprise_id, accelerator_id, strftime('%Y-%m-%d', started_at_ms / 1000, 'unixepoch'),
      count(*), sum(card_s), sum(coalesce(compute_gflop, 0)), sum(amount_fen)
    from usage_records group by provider_id, enterprise_id, accelerator_id, strftime('%Y-%m-%d', started_at_ms / 1000, 'unixepoch')`);
  const rollup_s = seconds(t_rollup);
  const daily = sqlite.prepare('select count(*) as rows_n, sum(records) as records from usage_rollups').get() as { rows_n: number; records: number };
  const monthly = sqlite.prepare('select count(*) as rows_n, sum(records) as records from usage_rollups_monthly').get() as { rows_n: number; records: number };
  if (daily.records !== n || monthly.records !== n)
    throw new Error(`the rollups hold ${daily.records} (daily) and ${monthly.records} (monthly) records, not ${n}`);
  sqlite.pragma('cache_size = -2000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  return { fill_s, index_s, rollup_s, daily_rows: daily.rows_n, monthly_rows: monthly.rows_n, db_mib: fs.statSync(sqlite.name).size / 2 ** 20 };
}

/** 3 programs, each approving claims every few days over the window, paying most of them, clawing a few back. */
async function fillLedger(store: Store, setup: Setup): Promise<number> {
  const rnd = prng(20250101);
  const budgets = [2_000_000_000, 1_000_000_000, 500_000_000];
  let transfers = 0;
  for (let k = 0; k < budgets.length; k++) {
    const program = await store.programs.create(
      {
        code: `bench-dash-${k}`,
        name_zh: `看板基准项目 ${k}`,
        name_en: `Dashboard bench program ${k}`,
        kind: 'compute_rent',
        beneficiary_kind: 'enterprise',
        funding_layer: `bench-dash-${k}`,
        window: { start: '2024-12-01T00:00:00Z', end: '2027-12-01T00:00:00Z' },
        budget_fen: BigInt(budgets[k]!),
        rule_set: { effective_from: '2024-12-01T00:00:00Z', rules: [{ id: 'domestic', match: { domestic: true }, pay: { basis: 'bill', rate_bp: 3000 } }] },
      },
      operator_actor,
      data_from_ms,
    );
    if (!program) throw new Error(`could not create program ${k}`);
    type Step = { kind: 'approve' | 'pay' | 'release' | 'recover'; claim: string; beneficiary: string; amount_fen: number; at_ms: number };
    const steps: Step[] = [];
    for (let c = 0, at = data_from_ms + day_ms; at < data_to_ms - 20 * day_ms; c++, at += Math.floor(rnd() * 1.2 * day_ms)) {
      const claim = `cl_bench_${k}_${c}`;
      const beneficiary = setup.enterprise_ids[Math.floor(rnd() * enterprise_count)]!;
      const amount_fen = 10_000 + Math.floor(rnd() * 490_000);
      steps.push({ kind: 'approve', claim, beneficiary, amount_fen, at_ms: at });
      const fate = rnd();
      if (fate < 0.04) steps.push({ kind: 'release', claim, beneficiary, amount_fen, at_ms: at + 5 * day_ms });
      else {
        steps.push({ kind: 'pay', claim, beneficiary, amount_fen, at_ms: at + 14 * day_ms });
        if (fate < 0.08) steps.push({ kind: 'recover', claim, beneficiary, amount_fen: Math.floor(amount_fen / 2), at_ms: at + 18 * day_ms });
      }
    }
    steps.sort((a, b) => a.at_ms - b.at_ms);
    for (let i = 0; i < steps.length; i += 2000) {
      await writeTransaction(store.connection, async (tx, engine) => {
        for (const s of steps.slice(i, i + 2000)) {
          const outcome = await applyTransfer(
            tx,
            engine,
            operator_actor,
            {
              key: `${s.kind}:${s.claim}`,
              kind: s.kind,
              program_id: program.id,
              claim_id: s.claim,
              beneficiary_id: s.beneficiary,
              amount_fen: BigInt(s.amount_fen),
            },
            s.at_ms,
          );
          if (outcome !== 'applied') throw new Error(`${s.kind} of ${s.claim}: ${outcome}`);
        }
      });
    }
    transfers += steps.length + 1; // + the funding
  }
  return transfers;
}

async function fillFindings(store: Store, n: number, findings_n: number): Promise<void> {
  const rnd = prng(20260601);
  const kinds = ['capacity_overrun', 'duplicate_job', 'overlapping_job', 'price_outlier'] as const;
  const severities = ['high', 'medium', 'low'] as const;
  for (let batch = 0; batch < findings_n / 10; batch++) {
    const findings: Finding[] = [];
    for (let k = 0; k < 10; k++) {
      const seq = 1 + Math.floor(rnd() * n);
      const kind = kinds[Math.floor(rnd() * kinds.length)]!;
      findings.push({
        kind,
        severity: severities[Math.floor(rnd() * severities.length)]!,
        subject: { record: String(seq) },
        message: `bench finding on record ${seq}`,
        evidence: kind === 'price_outlier' ? { direction: 'above', price_fen_per_card_h: 99_999 } : {},
        record_seqs: [seq],
        interval: null,
      });
    }
    await store.findings.upsert(findings, system_actor, data_from_ms + Math.floor(((batch + 1) / (findings_n / 10)) * (data_to_ms - data_from_ms)));
  }
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const median = (xs: readonly number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** ms per call of `fn`, `runs` times after one warm-up call. */
function timeSync(fn: () => unknown, runs: number): number[] {
  fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function dashboardBench(_options: BenchOptions): Promise<void> {
  const facts = machineFacts();
  log(`\nsuanli dashboard benchmark — ${facts.date_utc}`);
  log(`machine: ${facts.nproc} cores (${facts.cpu}), ${facts.memory_gib} GiB RAM, ${facts.platform}, node ${facts.node}`);
  const dir = freshDir('dashboard');
  const admin_key = `sk_bench_${randomBytes(24).toString('hex')}`;
  try {
    const config = loadConfig({}, { data_dir: dir, database_url: null, log_level: 'silent', sqlite_synchronous: 'NORMAL' });
    const store = Store.open(config);
    const t_setup = performance.now();
    await store.migrate(Date.now());
    const setup = await createParties(store, data_from_ms);
    log(`filling ${fmtInt(record_count)} usage records …`);
    const fill = await fillUsage(store, setup, record_count);
    const t_ledger = performance.now();
    const transfers = await fillLedger(store, setup);
    await fillFindings(store, record_count, 300);
    const office = await store.organizations.office(Date.now());
    await store.people.create(
      { org_id: office.id, role: 'administrator', login: page_login, name: 'bench', password_hash: await hashPassword(page_password) },
      operator_actor,
      Date.now(),
    );
    const ledger_s = seconds(t_ledger);
    await store.close();
    const setup_s = seconds(t_setup);
    log(
      `set-up ${setup_s.toFixed(1)} s: records ${fill.fill_s.toFixed(1)} s, indexes ${fill.index_s.toFixed(1)} s, rollups (one INSERT … SELECT … GROUP BY; monthly by trigger) ` +
        `${fill.rollup_s.toFixed(1)} s, ledger + findings ${ledger_s.toFixed(1)} s; ${fmtInt(fill.daily_rows)} daily and ${fmtInt(fill.monthly_rows)} monthly rollup rows, ` +
        `${fmtInt(transfers)} ledger transfers; database ${(fill.db_mib / 1024).toFixed(2)} GiB`,
    );

    const bundle = buildAndMeasureBundle();
    log(`server: ${suanliCommand().label} serve (SQLite, synchronous NORMAL, incremental checks off)`);
    const server = await startServer({
      SUANLI_DATA_DIR: dir,
      SUANLI_ADMIN_KEY: admin_key,
      SUANLI_INCREMENTAL_CHECKS: 'off',
      SUANLI_SQLITE_SYNCHRONOUS: 'NORMAL',
    });
    let overview: number[] = [];
    let defaults: number[] = [];
    let months_n = 0;
    let loads: PageLoad[] = [];
    let raw_loads: number[] = [];
    try {
      const get = async (query: string) => {
        const t0 = performance.now();
        const res = await fetch(`${server.url}/api/v1/dashboard/overview${query}`, { headers: { authorization: `Bearer ${admin_key}` } });
        const text = await res.text();
        const elapsed = performance.now() - t0;
        if (res.status !== 200) throw new Error(`overview answered ${res.status}: ${text.slice(0, 500)}`);
        return { elapsed, body: text };
      };
      const first = JSON.parse((await get(range)).body) as { months: { records: number }[]; top_enterprises: unknown[]; programs: unknown[] };
      const total = first.months.reduce((s, m) => s + m.records, 0);
      if (total !== record_count) throw new Error(`the overview counts ${total} records, not ${record_count}`);
      months_n = first.months.length;
      for (let i = 0; i < warmup_requests; i++) await get(range);
      for (let i = 0; i < timed_requests; i++) overview.push((await get(range)).elapsed);
      for (let i = 0; i < default_range_requests; i++) defaults.push((await get('')).elapsed);
      // First page loads in Chromium, cold cache each time, against the same 10M-record server.
      loads = await measurePageLoads(server.url, page_login, page_password, page_load_runs);
      raw_loads = (await measureRawFetches(server.url, bundle, admin_key, page_load_runs + 1)).slice(1);
    } finally {
      await server.stop();
    }
    overview = overview.sort((a, b) => a - b);
    defaults = defaults.sort((a, b) => a - b);

    // Raw baselines over the same file, through better-sqlite3 in this process.
    const raw = new SqliteDatabase(path.join(dir, 'suanli.db'), { readonly: true });
    const where = "where r.day >= '2024-12-01' and r.day < '2026-12-01'";
    const daily_months = raw.prepare(`select substr(r.day, 1, 7), a.domestic, sum(r.records), sum(r.card_s), sum(r.compute_gflop)
      from usage_rollups r join accelerators a on a.id = r.accelerator_id ${where} group by substr(r.day, 1, 7), a.domestic`);
    const daily_top = (side: string) =>
      raw.prepare(`select r.${side}, sum(case when a.domestic = 1 then r.compute_gflop else 0 end) as d, sum(r.compute_gflop) as t
      from usage_rollups r join accelerators a on a.id = r.accelerator_id ${where} group by r.${side} order by d desc, t desc, r.${side} limit 10`);
    const monthly_months = raw.prepare(`select m.month, a.domestic, sum(m.records), sum(m.card_s), sum(m.compute_gflop)
      from usage_rollups_monthly m join accelerators a on a.id = m.accelerator_id where m.month >= '2024-12' and m.month <= '2026-11' group by m.month, a.domestic`);
    const bare_daily = timeSync(() => daily_months.all(), 10);
    const tops = [daily_top('enterprise_id'), daily_top('provider_id')];
    const daily_usage_path = timeSync(() => {
      daily_months.all();
      for (const q of tops) q.all();
    }, 5);
    const bare_monthly = timeSync(() => monthly_months.all(), 50);
    raw.close();

    const p = (xs: number[], q: number) => quantile(xs, q).toFixed(1);
    log('');
    log(
      `GET /api/v1/dashboard/overview over the loopback, one request at a time (${timed_requests} timed after ${warmup_requests} warm-up; ${months_n} months, ${fmtInt(record_count)} records)`,
    );
    log(
      table(
        ['what', 'requests / runs', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        [
          [`overview ${range}`, String(overview.length), p(overview, 0.5), p(overview, 0.95), p(overview, 0.99), overview[overview.length - 1]!.toFixed(1)],
          [
            'overview, default range (first inventory month to now)',
            String(defaults.length),
            p(defaults, 0.5),
            p(defaults, 0.95),
            p(defaults, 0.99),
            defaults[defaults.length - 1]!.toFixed(1),
          ],
        ],
      ),
    );
    log('');
    log('raw baselines (better-sqlite3 in the benchmark process, same file, medians):');
    log(
      table(
        ['what', 'runs', 'median ms', 'overview p50 / this'],
        [
          [
            'bare month × domestic aggregate over the daily rollups (baseline)',
            String(bare_daily.length),
            median(bare_daily).toFixed(1),
            (quantile(overview, 0.5) / median(bare_daily)).toFixed(2),
          ],
          [
            "the overview's 3 usage aggregates over the daily rollups",
            String(daily_usage_path.length),
            median(daily_usage_path).toFixed(1),
            (quantile(overview, 0.5) / median(daily_usage_path)).toFixed(2),
          ],
          [
            'bare month × domestic aggregate over the monthly rollups',
            String(bare_monthly.length),
            median(bare_monthly).toFixed(2),
            (quantile(overview, 0.5) / median(bare_monthly)).toFixed(2),
          ],
        ],
      ),
    );
    log('\ntarget: p95 ≤ 100 ms at 10,000,000 records on SQLite.');
    logPageLoads(bundle, loads, raw_loads);
    const out = path.join(tmp_root, 'results');
    fs.mkdirSync(out, { recursive: true });
    const file = path.join(out, `dashboard-${facts.date_utc.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify(
        {
          machine: facts,
          records: record_count,
          setup_s,
          fill,
          ledger_s,
          transfers,
          months: months_n,
          overview_ms: { p50: quantile(overview, 0.5), p95: quantile(overview, 0.95), p99: quantile(overview, 0.99), max: overview[overview.length - 1] },
          default_range_ms: { p50: quantile(defaults, 0.5), p95: quantile(defaults, 0.95), p99: quantile(defaults, 0.99) },
          baseline_ms: { bare_daily: median(bare_daily), daily_usage_path: median(daily_usage_path), bare_monthly: median(bare_monthly) },
          bundle,
          page_loads: loads,
          raw_fetch_ms: raw_loads,
        },
        null,
        2,
      ),
    );
    log(`JSON: ${path.relative(process.cwd(), file)}`);
  } finally {
    if (process.env.BENCH_DASHBOARD_KEEP === '1')
      log(`kept ${dir}`); // for a look inside, e.g. EXPLAIN QUERY PLAN
    else removeDir(dir);
  }
}

function logPageLoads(bundle: BundleSize, loads: PageLoad[], raw_ms: number[]): void {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  log('');
  log(`dashboard bundle: ${bundle.files.length} files, ${kib(bundle.bytes)} (${kib(bundle.gzip_bytes)} gzipped; served uncompressed)`);
  log(
    table(
      ['file', 'bytes', 'gzip'],
      bundle.files.map((f) => [f.name, kib(f.bytes), kib(f.gzip_bytes)]),
    ),
  );
  const med = median;
  const raw = med(raw_ms);
  log('');
  log(`first page load in Chromium (headless, loopback, a new context per run = cold cache; ${loads.length} runs, medians; max in brackets)`);
  const row = (what: string, xs: number[]) => [what, `${med(xs).toFixed(0)} (${Math.max(...xs).toFixed(0)})`, (med(xs) / raw).toFixed(1)];
  log(
    table(
      ['what', 'ms', '× raw fetch'],
      [
        row(
          'sign-in page: navigation → form shown',
          loads.map((l) => l.sign_in_ms),
        ),
        row(
          'overview: submit → every chart drawn',
          loads.map((l) => l.overview_ms),
        ),
        row(
          'first load in all (both above)',
          loads.map((l) => l.total_ms),
        ),
        ['raw baseline: Node fetches the bundle + the overview API (no browser)', `${raw.toFixed(0)} (${Math.max(...raw_ms).toFixed(0)})`, '1.0'],
      ],
    ),
  );
  log(`transferred per first load: ${kib(med(loads.map((l) => l.bytes)))} in ${med(loads.map((l) => l.requests))} requests. target: first load ≤ 2,000 ms.`);
}
