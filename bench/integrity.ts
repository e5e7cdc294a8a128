// `npm run bench -- integrity`: (a) the capacity-overrun sweep over 10,000,000 usage records stored in SQLite, 20
// cluster × model pairs: the production path (capacityOverruns: list the pairs, read each through keyset pages of the
// covering index, sweep) against a bare driver iteration of the same rows, memory sampled as it goes to show it stays
// flat per cluster × model. (b) The audit chain's append rate, in memory (the domain function) and stored (one
// audited change per transaction), against bare SHA-256 over buffers of the same sizes.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import { default_time_zone } from '../src/domain/calendar.js';
import { Store } from '../src/store/store.js';
import { loadConfig, type Config } from '../src/config.js';
import { appendAudit } from '../src/store/audit-repository.js';
import { writeTransaction } from '../src/store/write-transaction.js';
import { createDatabase, findPostgresBinaries, startPostgres } from '../test/support/postgres.js';
import { overHttp } from './ingest.js';
import { operator_actor } from '../src/store/audit-repository.js';
import { capacity_page_sql } from '../src/store/capacity-records.js';
import { capacityFinding } from '../src/domain/integrity/capacity.js';
import { capacityOverruns } from '../src/service/checks.js';
import type { InventoryInterval } from '../src/domain/org/organization.js';
import { appendEntry, canonicalEncoding, verifyChain, type AuditEntry, type AuditFields } from '../src/domain/audit/chain.js';
import {
  RawUsageFill,
  creditCode,
  fmtInt,
  fmtRatio,
  freshDir,
  machineFacts,
  makeRecords,
  prng,
  removeDir,
  table,
  tmp_root,
  type BenchOptions,
} from './support.js';

const log = (line = '') => console.log(line);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const mib = (bytes: number) => bytes / 2 ** 20;

// ---------------------------------------------------------------------------------------------------------------
// Synthetic usage: one provider, 5 clusters × 4 models = 20 pairs of 512 cards each. Jobs arrive as one chronological
// stream (seq rises with started_at, as ingest stores them), each to a pair at random; 1–8 cards, one minute to six
// hours (mean about 1.5 h), so a pair runs about 250 of its 512 cards on average and never near the limit by chance.
// Five pairs get three bursts each of 48 eight-card jobs (+384 cards for 45 minutes): the deliberate overruns.

const cluster_count = 5;
const bench_models = ['huawei-ascend-910b', 'cambricon-mlu370-x8', 'moore-threads-mtt-s4000', 'nvidia-a800-80gb-pcie'] as const;
const cards_per_pair = 512;
const pair_count = cluster_count * bench_models.length;
const enterprise_count = 20;
const data_from_ms = Date.parse('2025-09-01T00:00:00Z');
const inventory_from_ms = Date.parse('2025-01-01T00:00:00Z');
/** Mean gap between two jobs of one pair: 250 busy cards / (3.14 cards × 5,460 s per job). */
const pair_gap_s_mean = 68.6;
const job_counts = [1, 1, 2, 2, 4, 4, 8];
const burst_pairs = [1, 5, 9, 13, 17];
const burst_fractions = [0.25, 0.5, 0.75];
const burst_jobs = 48;
const burst_job_cards = 8;
const burst_job_s = 45 * 60;
/** Rows per multi-row INSERT of the fill (15 parameters a row, under SQLite's 32,766). */
const fill_rows_per_insert = 200;
const fill_rows_per_transaction = 500_000;

interface Pair {
  cluster_id: string;
  accelerator: string;
  inventory: InventoryInterval[];
}

interface Setup {
  pairs: Pair[];
  provider_id: string;
  enterprise_ids: string[];
  from_ms: number;
  to_ms: number;
  fill_s: number;
  index_s: number;
  bursts: number;
}

async function createParties(store: Store, now_ms: number): Promise<Omit<Setup, 'from_ms' | 'to_ms' | 'fill_s' | 'index_s' | 'bursts'>> {
  const provider = await store.organizations.create({ kind: 'provider', name: 'Bench Integrity Compute Co.', region: '310000' }, operator_actor, now_ms);
  if (!provider) throw new Error('could not create the provider');
  const pairs: Pair[] = [];
  for (let c = 0; c < cluster_count; c++) {
    const inventory = bench_models.map((m) => ({ accelerator: m, count: cards_per_pair, valid_from_ms: inventory_from_ms, valid_to_ms: null }));
    const cluster = await store.clusters.create({ provider_id: provider.id, name: `sh-integrity-${c}`, region: '310000', inventory }, operator_actor, now_ms);
    if (!cluster) throw new Error(`could not create cluster ${c}`);
    for (const m of bench_models) pairs.push({ cluster_id: cluster.id, accelerator: m, inventory: inventory.filter((i) => i.accelerator === m) });
  }
  const enterprise_ids: string[] = [];
  for (let i = 0; i < enterprise_count; i++) {
    const e = await store.organizations.create(
      {
        kind: 'enterprise',
        name: `Bench Integrity Lab ${i}`,
        credit_code: creditCode(5113 + i * 7919),
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
  return { pairs, provider_id: provider.id, enterprise_ids };
}

/**
 * Fills usage_records with n rows through raw prepared multi-row INSERTs, with the secondary indexes dropped during
 * the fill and built afterwards, journal off; then puts the connection back as production runs it.
 */
async function fill(store: Store, n: number, now_ms: number): Promise<Setup> {
  const parties = await createParties(store, now_ms);
  const sqlite = store.connection.sqlite;
  if (sqlite === null) throw new Error('the integrity benchmark needs SQLite');
  const gflops = await store.catalog.throughputs();
  let t_fill = 0;
  let progress_next = 2_000_000;
  const writer = new RawUsageFill(sqlite, {
    rows_per_insert: fill_rows_per_insert,
    rows_per_transaction: fill_rows_per_transaction,
    required_indexes: ['usage_records_capacity', 'usage_records_provider_record', 'usage_records_enterprise'],
    onCommit: (written) => {
      if (written < progress_next) return;
      log(`  … ${fmtInt(written)} rows (${seconds(t_fill).toFixed(0)} s)`);
      progress_next += 2_000_000;
    },
  });

  const rnd = prng(20250901);
  const hex = (digits: number) =>
    Math.floor(rnd() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0');
  const span_s = (n * pair_gap_s_mean) / pair_count;
  // Bursts, in time order: [instant, pair index].
  const bursts = burst_pairs
    .flatMap((p) => burst_fractions.map((f) => [data_from_ms + Math.floor(f * span_s + p * 3600) * 1000, p] as const))
    .sort((a, b) => a[0] - b[0]);
  let burst_next = 0;
  let t_s = 0;
  let job = 1;
  let last_end_ms = data_from_ms;
  const pushRow = (pair: Pair, count: number, started_at_ms: number, duration_s: number) => {
    const card_s = count * duration_s;
    const ended_at_ms = started_at_ms + duration_s * 1000;
    if (ended_at_ms > last_end_ms) last_end_ms = ended_at_ms;
    const training = rnd() < 0.7;
    writer.add([
      parties.provider_id,
      `${job.toString(16).padStart(8, '0')}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(6)}${hex(6)}`,
      pair.cluster_id,
      parties.enterprise_ids[Math.floor(rnd() * enterprise_count)]!,
      pair.accelerator,
      count,
      started_at_ms,
      ended_at_ms,
      Math.round((card_s * 900) / 3600),
      `slurm:${job}`,
      training ? 'training' : 'inference',
      rnd() < 0.5 ? Math.round((card_s * 300) / 3600) : null,
      card_s,
      card_s * (gflops.get(pair.accelerator)?.gflops ?? 0),
      started_at_ms + duration_s * 1000 + 60_000,
    ]);
    job++;
  };
  t_fill = performance.now();
  let bursts_written = 0;
  for (let i = 0; i < n; i++) {
    const started_at_ms = data_from_ms + Math.floor(t_s) * 1000;
    const burst = bursts[burst_next];
    if (burst !== undefined && burst[0] <= started_at_ms && n - i >= burst_jobs) {
      for (let k = 0; k < burst_jobs && i < n; k++, i++) {
        pushRow(parties.pairs[burst[1]]!, burst_job_cards, burst[0] + k * 1000, burst_job_s);
      }
      bursts_written++;
      burst_next++;
      i--;
      continue;
    }
    t_s += -Math.log(1 - rnd()) * (pair_gap_s_mean / pair_count);
    const pair = parties.pairs[Math.floor(rnd() * pair_count)]!;
    const count = job_counts[Math.floor(rnd() * job_counts.length)]!;
    const duration_s = 60 + Math.floor(rnd() * rnd() * 6 * 3600);
    pushRow(pair, count, started_at_ms, duration_s);
  }
  writer.finish();
  const fill_s = seconds(t_fill);
  if (writer.written !== n) throw new Error(`wrote ${writer.written} rows, not ${n}`);
  const t_index = performance.now();
  writer.rebuildIndexes();
  // What ingest keeps for each cluster × model: its longest record.
  sqlite.exec(`insert into usage_pair_stats (cluster_id, accelerator_id, duration_ms_max)
    select cluster_id, accelerator_id, max(ended_at_ms - started_at_ms) from usage_records group by cluster_id, accelerator_id
    on conflict (cluster_id, accelerator_id) do update set duration_ms_max = excluded.duration_ms_max`);
  const index_s = seconds(t_index);
  // Back to the connection's production settings (database.ts) with the default page cache.
  sqlite.pragma('cache_size = -2000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  return { ...parties, from_ms: data_from_ms, to_ms: last_end_ms + 86_400_000, fill_s, index_s, bursts: bursts_written };
}

// ---------------------------------------------------------------------------------------------------------------
// Memory: sampled on a timer between pages of the streaming sweep (each page is an await) and at the end of every
// pair.

class MemorySampler {
  rss_max = 0;
  rss_min = Infinity;
  heap_max = 0;
  samples = 0;
  readonly per_pair: { pair: string; rss_mib: number; heap_used_mib: number }[] = [];

  sample(): void {
    const m = process.memoryUsage();
    this.samples++;
    this.rss_max = Math.max(this.rss_max, m.rss);
    this.rss_min = Math.min(this.rss_min, m.rss);
    this.heap_max = Math.max(this.heap_max, m.heapUsed);
  }

  endPair(pair: string): void {
    const m = process.memoryUsage();
    this.sample();
    this.per_pair.push({ pair, rss_mib: mib(m.rss), heap_used_mib: mib(m.heapUsed) });
  }

  summary() {
    return {
      samples: this.samples,
      rss_mib_min: mib(this.rss_min),
      rss_mib_max: mib(this.rss_max),
      heap_used_mib_max: mib(this.heap_max),
      per_pair: this.per_pair,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface Row {
  what: string;
  records: number;
  seconds: number;
  per_s: number;
  baseline_s: number | null;
  note: string;
}

const raw_sql = `select seq, count, started_at_ms, ended_at_ms from usage_records
  where cluster_id = ? and accelerator_id = ? and started_at_ms < ? and ended_at_ms > ? order by started_at_ms, seq`;

const queryPlan = (sqlite: SqliteDatabase.Database, sql: string, params: unknown[]) =>
  (sqlite.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');

/** The baseline: the same rows in the same index order through one bare better-sqlite3 iterate() per pair, nothing else. */
function rawIterate(sqlite: SqliteDatabase.Database, pairs: readonly Pair[], from_ms: number, to_ms: number): { records: number; seconds: number } {
  const stmt = sqlite.prepare(raw_sql).raw(true);
  let records = 0;
  let cards = 0;
  const t0 = performance.now();
  for (const pair of pairs) {
    for (const r of stmt.iterate(pair.cluster_id, pair.accelerator, to_ms, from_ms) as IterableIterator<[number, number, number, number]>) {
      records++;
      cards += r[1];
    }
  }
  const s = seconds(t0);
  if (cards <= 0) throw new Error('the raw iteration read no cards');
  return { records, seconds: s };
}

/**
 * The production path, whole: capacityOverruns of src/service/checks.ts (what `suanli check` and the checks route run
 * before storing): list the cluster × model pairs with usage, then per pair the keyset pages of the covering index
 * into the streaming sweep. Memory is sampled between pages (a timer fires there: each page is an await).
 */
async function production(
  store: Store,
  from_ms: number,
  to_ms: number,
): Promise<{ seconds: number; overruns: number; excess_max: number; memory: ReturnType<MemorySampler['summary']> }> {
  const mem = new MemorySampler();
  mem.sample();
  const timer = setInterval(() => mem.sample(), 50);
  let overruns = 0;
  let excess_max = 0;
  let current = '';
  const t0 = performance.now();
  try {
    for await (const o of capacityOverruns(store, { from_ms, to_ms }, duration_ms_max)) {
      const pair = `${o.cluster_id}/${o.accelerator}`;
      if (pair !== current) {
        if (current !== '') mem.endPair(current);
        current = pair;
      }
      const f = capacityFinding(o.overrun, o, store.calendar);
      overruns++;
      excess_max = Math.max(excess_max, Number(f.evidence.excess));
    }
  } finally {
    clearInterval(timer);
  }
  const s = seconds(t0);
  mem.endPair(current);
  return { seconds: s, overruns, excess_max, memory: mem.summary() };
}

/** The longest a record may run (SUANLI_USAGE_DURATION_S_MAX's default): where each pair's read starts. */
const duration_ms_max = 31 * 86_400_000;

async function capacityBench(rows: Row[], n: number): Promise<Record<string, unknown>> {
  const dir = freshDir('integrity');
  const store = Store.open({ database_url: null, data_dir: dir, sqlite_synchronous: 'NORMAL', pg_pool_size_max: 4, time_zone: default_time_zone });
  try {
    const now = Date.parse('2026-12-01T00:00:00Z');
    await store.migrate(now);
    log(`  filling ${fmtInt(n)} usage records (${pair_count} cluster × model pairs of ${cards_per_pair} cards) …`);
    const setup = await fill(store, n, now);
    const db_mib = mib(fs.statSync(path.join(dir, 'suanli.db')).size);
    log(
      `  filled in ${setup.fill_s.toFixed(1)} s (${fmtInt(n / setup.fill_s)} rows/s), indexes built in ${setup.index_s.toFixed(1)} s; ${db_mib.toFixed(0)} MiB; ${setup.bursts} bursts (set-up, not measured)`,
    );
    log(`  period ${new Date(setup.from_ms).toISOString().slice(0, 10)} – ${new Date(setup.to_ms).toISOString().slice(0, 10)}`);
    const sqlite = store.connection.sqlite!;
    const { from_ms, to_ms, pairs } = setup;
    log(
      `  plans: raw — ${queryPlan(sqlite, raw_sql, ['c', 'm', to_ms, from_ms])}; pages — ${queryPlan(sqlite, capacity_page_sql, ['c', 'm', to_ms, from_ms, 0, 0, 0, 1])}`,
    );
    const raw = rawIterate(sqlite, pairs, from_ms, to_ms);
    if (raw.records !== n) throw new Error(`raw iteration read ${raw.records} rows, not ${n}`);
    log(`  raw iterate: ${raw.seconds.toFixed(2)} s, ${fmtInt(raw.records / raw.seconds)} records/s`);
    const runs = [];
    for (let run = 1; run <= 2; run++) {
      const r = await production(store, from_ms, to_ms);
      log(
        `  production run ${run}: ${r.seconds.toFixed(2)} s, ${fmtInt(n / r.seconds)} records/s, ${r.overruns} overruns (largest excess ${r.excess_max}); RSS ${r.memory.rss_mib_min.toFixed(0)}–${r.memory.rss_mib_max.toFixed(0)} MiB, heap used ≤ ${r.memory.heap_used_mib_max.toFixed(0)} MiB`,
      );
      if (r.overruns === 0) throw new Error('the sweep found none of the deliberate overruns');
      runs.push(r);
    }
    const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    rows.push({
      what: 'raw better-sqlite3 iterate, same rows and index order (baseline)',
      records: raw.records,
      seconds: raw.seconds,
      per_s: raw.records / raw.seconds,
      baseline_s: raw.seconds,
      note: '',
    });
    rows.push({
      what: 'capacityOverruns (list pairs, keyset pages, streaming sweep), best of 2',
      records: n,
      seconds: best.seconds,
      per_s: n / best.seconds,
      baseline_s: raw.seconds,
      note: `${best.overruns} overruns`,
    });
    log('');
    log('  memory at the end of each pair that had overruns (production, best run):');
    log(
      table(
        ['pair', 'RSS MiB', 'heap used MiB'],
        best.memory.per_pair.map((p) => [p.pair, p.rss_mib.toFixed(0), p.heap_used_mib.toFixed(0)]),
      ),
    );
    return {
      records: n,
      pairs: pair_count,
      cards_per_pair,
      db_mib,
      fill_s: setup.fill_s,
      index_s: setup.index_s,
      raw,
      runs,
      process_max_rss_mib: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await store.close();
    removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// (b) The audit chain: appendEntry over realistic entries (an actor, an action on a subject, small before/after
// summaries), against SHA-256 of buffers as long as their canonical encodings — the hashing any chain must do.

const audit_actions = ['claim.approve', 'claim.file', 'finding.dismiss', 'program.apply', 'api_key.create'] as const;

function auditFields(n: number): AuditFields[] {
  const rnd = prng(4242);
  const start = Date.parse('2026-08-01T00:00:00Z');
  const out: AuditFields[] = [];
  for (let i = 0; i < n; i++) {
    const action = audit_actions[Math.floor(rnd() * audit_actions.length)]!;
    const fen = Math.floor(rnd() * 50_000_000);
    const records = Math.floor(rnd() * 1_000_000);
    const id = i.toString(36).padStart(20, '0');
    let subject: AuditFields['subject'];
    let before: AuditFields['before'] = null;
    let after: AuditFields['after'];
    switch (action) {
      case 'claim.approve':
        subject = { kind: 'claim', id: `cl_${id}` };
        before = { status: 'filed', computed_fen: fen };
        after = { status: 'approved', approved_fen: fen - (fen % 100), budget_fen_available: 9_000_000_000 - i * 1000 };
        break;
      case 'claim.file':
        subject = { kind: 'claim', id: `cl_${id}` };
        after = { status: 'filed', computed_fen: fen, records, period: { from: '2026-08-01', to: '2026-11-01' } };
        break;
      case 'finding.dismiss':
        subject = { kind: 'finding', id: `f_${id}` };
        before = { status: 'open' };
        after = { status: 'dismissed', reason: 'maintenance window: cards swapped, double-reported by the scheduler' };
        break;
      case 'program.apply':
        subject = { kind: 'program', id: `pg_${(i % 12).toString(36).padStart(20, '0')}` };
        before = { version: Math.floor(i / 1000), rules: 2, cap_share_bp: 8000 };
        after = { version: Math.floor(i / 1000) + 1, rules: 3, cap_share_bp: 7000 };
        break;
      case 'api_key.create':
        subject = { kind: 'api_key', id: `k_${id}` };
        after = { role: 'provider', label: 'ingest', key_prefix: 'sk_liv' };
        break;
    }
    out.push({
      at_ms: start + i * 1000,
      actor: {
        org_id: `o_${(i % 37).toString(36).padStart(20, '0')}`,
        key_id: `k_${(i % 101).toString(36).padStart(20, '0')}`,
        role: i % 5 === 0 ? 'provider' : 'administrator',
      },
      action,
      subject,
      before,
      after,
    });
  }
  return out;
}

function auditBench(rows: Row[], n: number): Record<string, unknown> {
  const fields = auditFields(n);
  const best = (fn: () => void) => {
    let b = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      fn();
      b = Math.min(b, seconds(t0));
    }
    return b;
  };
  let entries: AuditEntry[] = [];
  const append_s = best(() => {
    const out: AuditEntry[] = new Array(n);
    let prev: AuditEntry | null = null;
    for (let i = 0; i < n; i++) prev = out[i] = appendEntry(prev, fields[i]!);
    entries = out;
  });
  const verdict = verifyChain(entries);
  if (!verdict.ok || verdict.entries !== n) throw new Error(`the benchmark's chain does not verify: ${JSON.stringify(verdict)}`);
  const sizes = entries.map((e) => canonicalEncoding(e).length);
  const buffers = sizes.map((size, i) => Buffer.alloc(size, i & 0xff));
  const bytes = sizes.reduce((s, x) => s + x, 0);
  const sha_s = best(() => {
    let x = 0;
    for (const b of buffers) x ^= createHash('sha256').update(b).digest('hex').charCodeAt(0);
    if (x < 0) throw new Error('unreachable');
  });
  rows.push({
    what: 'SHA-256 of buffers the size of the canonical encodings (baseline), best of 3',
    records: n,
    seconds: sha_s,
    per_s: n / sha_s,
    baseline_s: sha_s,
    note: `${(bytes / n).toFixed(0)} B/entry`,
  });
  rows.push({
    what: 'audit appendEntry (canonical encoding + SHA-256), best of 3',
    records: n,
    seconds: append_s,
    per_s: n / append_s,
    baseline_s: sha_s,
    note: 'pure domain, in memory',
  });
  return { entries: n, bytes_per_entry_mean: bytes / n, append_s, sha_s };
}

/**
 * Stored appends on SQLite with suanli's settings (WAL, synchronous=FULL): one audited change per write transaction
 * (lock the head, insert the entry, move the head, commit), against the same commits of a bare one-row INSERT of an
 * equally long row — the cost of a durable commit, which any audited change pays anyway.
 */
async function auditStoreBench(rows: Row[], n: number): Promise<Record<string, unknown>> {
  const dir = freshDir('audit-store');
  const store = Store.open({ database_url: null, data_dir: dir, sqlite_synchronous: 'FULL', pg_pool_size_max: 4, time_zone: default_time_zone });
  try {
    await store.migrate(Date.now());
    const fields = auditFields(n);
    const sqlite = store.connection.sqlite!;
    sqlite.exec('create table bench_raw_rows (id integer primary key, body text not null)');
    const insert = sqlite.prepare('insert into bench_raw_rows (body) values (?)');
    const bodies = fields.map((f) => JSON.stringify(f));
    const t_raw = performance.now();
    for (const body of bodies) sqlite.transaction(() => insert.run(body)).immediate();
    const raw_s = seconds(t_raw);
    const before = await store.audit.head();
    const t0 = performance.now();
    for (const f of fields) {
      await writeTransaction(store.connection, (tx, engine) =>
        appendAudit(tx, engine, f.actor, { action: f.action, subject: f.subject, before: f.before, after: f.after }, f.at_ms),
      );
    }
    const append_s = seconds(t0);
    const verdict = await store.audit.verify();
    if (!verdict.ok || verdict.head.seq !== before.seq + n) throw new Error(`the stored chain does not verify: ${JSON.stringify(verdict)}`);
    rows.push({
      what: 'SQLite: one-row INSERT per committed transaction, same size (baseline)',
      records: n,
      seconds: raw_s,
      per_s: n / raw_s,
      baseline_s: raw_s,
      note: 'synchronous=FULL',
    });
    rows.push({
      what: 'SQLite: appendAudit per committed write transaction (head locked, entry, head moved)',
      records: n,
      seconds: append_s,
      per_s: n / append_s,
      baseline_s: raw_s,
      note: 'chain verified after',
    });
    return { entries: n, raw_s, append_s };
  } finally {
    await store.close();
    removeDir(dir);
  }
}

/**
 * Ingest over HTTP (`suanli serve`, 1,000-record batches, the ingest benchmark's clients and chronological records,
 * at least 600,000) with the incremental checks off and on (default interval), alternating, twice; with them on, the checker's lag: how long after the
 * last batch was acknowledged the queue of windows is empty.
 */
async function checksOnOff(rows: Row[], options: BenchOptions): Promise<Record<string, unknown>> {
  // Long enough (≈ 15–20 s a run) for the checker, every SUANLI_CHECK_INTERVAL_MS (2 s by default), to run many times.
  const records = makeRecords(Math.max(options.records, 600_000));
  const results: Record<string, unknown>[] = [];
  const engines: { engine: 'sqlite' | 'postgres'; url: () => Promise<string | null> }[] = [{ engine: 'sqlite', url: async () => null }];
  let pg_server: Awaited<ReturnType<typeof startPostgres>> | null = null;
  if (options.engines.includes('postgres') && findPostgresBinaries() !== null) {
    pg_server = await startPostgres();
    let serial = 0;
    engines.push({ engine: 'postgres', url: () => createDatabase(pg_server!.url, `bench_checks_${process.pid}_${++serial}`) });
  }
  try {
    for (const { engine, url } of engines) {
      if (!options.engines.includes(engine)) continue;
      const by: Record<string, number[]> = { off: [], on: [] };
      const lags: number[] = [];
      for (let round = 0; round < 2; round++) {
        for (const mode of ['off', 'on'] as const) {
          const dir = freshDir(`checks-${mode}`);
          const database_url = await url();
          try {
            const env: Record<string, string> = {
              SUANLI_DATA_DIR: dir,
              SUANLI_INCREMENTAL_CHECKS: mode,
              ...(database_url === null ? {} : { DATABASE_URL: database_url }),
            };
            const config = loadConfig({}, { data_dir: dir, database_url, log_level: 'silent', incremental_checks: mode === 'on' });
            const ingestEnd = { at: 0 };
            const m = await overHttp(
              engine,
              config,
              env,
              records,
              1000,
              options.clients,
              { engine, kind: 'a', label: '', batch: 0, records: 1, seconds: 1, records_per_s: 1, ratio_to_raw: null, notes: {} },
              mode === 'on'
                ? async () => {
                    ingestEnd.at = performance.now();
                    await waitForEmptyQueue(config);
                    lags.push(seconds(ingestEnd.at));
                  }
                : undefined,
            );
            by[mode]!.push(m.records_per_s);
            log(
              `  ${engine} checks ${mode}: ${fmtInt(m.records_per_s)} records/s${mode === 'on' ? `; queue empty ${lags[lags.length - 1]!.toFixed(1)} s after the last batch` : ''}`,
            );
          } finally {
            removeDir(dir);
          }
        }
      }
      const off = Math.max(...by.off!);
      const on = Math.max(...by.on!);
      rows.push({
        what: `${engine}: POST /usage, incremental checks off (baseline), best of 2`,
        records: records.length,
        seconds: records.length / off,
        per_s: off,
        baseline_s: records.length / off,
        note: '',
      });
      rows.push({
        what: `${engine}: POST /usage, incremental checks on, best of 2`,
        records: records.length,
        seconds: records.length / on,
        per_s: on,
        baseline_s: records.length / off,
        note: `queue empty ${Math.max(...lags).toFixed(1)} s after the last batch (worst)`,
      });
      results.push({ engine, off: by.off, on: by.on, lag_s: lags, drop: 1 - on / off });
    }
  } finally {
    await pg_server?.stop();
  }
  return { records: records.length, clients: options.clients, results };
}

async function waitForEmptyQueue(config: Config): Promise<void> {
  const store = Store.open(config);
  try {
    for (let i = 0; i < 6000; i++) {
      if ((await store.findings.pendingWindowCount()) === 0) {
        const kinds = new Map<string, number>();
        for (const f of (await store.findings.list({ limit: 100_000 })).items) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
        log(`    findings stored by the checker: ${kinds.size === 0 ? 'none' : [...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the check queue did not empty within 5 minutes');
  } finally {
    await store.close();
  }
}

export async function integrityBench(options: BenchOptions): Promise<void> {
  const facts = machineFacts();
  log(`\nsuanli integrity benchmark — ${facts.date_utc}`);
  log(`machine: ${facts.nproc} cores (${facts.cpu}), ${facts.memory_gib} GiB RAM, ${facts.platform}, node ${facts.node}`);
  const sweep_rows: Row[] = [];
  const capacity = options.capacity_records > 0 ? await capacityBench(sweep_rows, options.capacity_records) : null;
  const audit_rows: Row[] = [];
  const audit_entries = 200_000;
  const audit = auditBench(audit_rows, audit_entries);
  const audit_store = await auditStoreBench(audit_rows, 5000);
  const checks_rows: Row[] = [];
  const checks = await checksOnOff(checks_rows, options);
  const show = (title: string, rs: readonly Row[], unit: string) => {
    log('');
    log(title);
    log(
      table(
        ['what', unit, 'seconds', `${unit}/s`, 'baseline s', '× baseline', ''],
        rs.map((r) => [
          r.what,
          fmtInt(r.records),
          r.seconds.toFixed(3),
          fmtInt(r.per_s),
          r.baseline_s === null ? '—' : r.baseline_s.toFixed(3),
          fmtRatio(r.baseline_s === null ? null : r.baseline_s / r.seconds),
          r.note,
        ]),
      ),
    );
  };
  show(`capacity-overrun sweep over ${fmtInt(options.capacity_records)} stored records (SQLite, ${pair_count} cluster × model pairs)`, sweep_rows, 'records');
  show(`audit chain: ${fmtInt(audit_entries)} entries in memory, 5,000 stored`, audit_rows, 'entries');
  show(
    `ingest with the incremental checks off and on (${fmtInt(Math.max(options.records, 600_000))} records, 1,000 a batch, ${options.clients} clients)`,
    checks_rows,
    'records',
  );
  log('\n× baseline: baseline seconds / seconds (1.00 = as fast as the baseline). Sweep baseline: a bare better-sqlite3 iterate()');
  log('of the same rows in the same index order, on the same schema (what-if rows: with the covering index); audit baseline:');
  log('SHA-256 of buffers as long as the canonical encodings. Page cache warm: the fill has just written the file.');
  log('targets: the sweep over 10,000,000 stored records ≤ 10 s, memory flat per cluster × model; ingest with checks on ≥ 0.80 × off.');
  const out = path.join(tmp_root, 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `integrity-${facts.date_utc.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({ machine: facts, capacity, audit, audit_store, checks, rows: [...sweep_rows, ...audit_rows, ...checks_rows] }, null, 2),
  );
  log(`JSON: ${path.relative(process.cwd(), file)}`);
}
