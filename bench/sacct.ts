// `npm run bench -- sacct`: `suanli import sacct` of a 1,000,000-job sacct file (with the steps real output carries,
// about 3.3M lines) in a child process, as an operator runs it: wall time, records/s and the child's peak RSS (target
// ≤ 300 MB), against two baselines of the same run: bare parsing of the same file (node:readline, split on `|`), and
// the same usage records through `suanli import usage` of an equivalent JSON Lines file, into an identical database.
// Both databases are then compared (records, card-seconds, amounts), and with the generator's own sums.
// Not a timed test: it prints figures and ratios, and writes them as JSON under .bench-tmp/results/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import SqliteDatabase from 'better-sqlite3';
import { loadConfig, type Config } from '../src/config.js';
import { Store } from '../src/store/store.js';
import { sacct_batch_records_default } from '../src/cli/commands/import-sacct.js';
import {
  buildPrivateDist,
  createParties,
  enterprise_count,
  fmtInt,
  fmtRatio,
  freshDir,
  machineFacts,
  prng,
  removeDir,
  runMeasured,
  suanliCommand,
  table,
  tmp_root,
  type BenchOptions,
  type Parties,
} from './support.js';

const log = (line = '') => process.stderr.write(`${line}\n`);
const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

// ---------------------------------------------------------------------------------------------------------------
// Synthetic Slurm cluster: partitions `ascend` (910B cards, typed and untyped entries, training) and `a800` (untyped
// entries only: the partition's default model, inference); 30 accounts, one per enterprise. Jobs end over Aug–Oct
// 2026 in JobID order, as sacct lists them. Besides the plain GPU jobs: array tasks (JobID ≠ JobIDRaw), heterogeneous
// jobs (two components), jobs with cards of both types (split in two records), CANCELLED jobs that ran, and the lines
// the importer skips: steps (.batch, .extern, some .0), CPU-only jobs, running and never-started jobs.

const window_from_ms = Date.parse('2026-08-01T00:00:00Z');
const window_to_ms = Date.parse('2026-11-01T00:00:00Z');
const counts = [1, 1, 2, 4, 8, 8, 8, 16, 32, 64];
const price: Record<string, bigint> = { 'huawei-ascend-910b': 800n, 'nvidia-a800-80gb-pcie': 1200n };

interface Expected {
  records: number;
  card_s: bigint;
  amount_fen: bigint;
  lines: number;
  jobs: number;
  skipped: Record<'step' | 'running' | 'never_started' | 'no_gpu', number>;
}

const sacctTime = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The amount as the mapping file's price makes it, computed here on its own: round half up of cards × s × fen / 3600. */
function amount(count: number, seconds: number, model: string): number {
  const n = BigInt(count) * BigInt(seconds) * price[model]!;
  return Number((n * 2n + 3600n) / 7200n);
}

/** Writes the sacct output of `jobs` jobs and the JSON Lines file of the usage records it should make. */
function writeFiles(jobs: number, parties: Parties, sacct_file: string, jsonl_file: string): Expected {
  const rnd = prng(20260801);
  const span_s = (window_to_ms - window_from_ms) / 1000 - 86_400;
  const sacct = fs.openSync(sacct_file, 'w');
  const jsonl = fs.openSync(jsonl_file, 'w');
  const expected: Expected = { records: 0, card_s: 0n, amount_fen: 0n, lines: 0, jobs: 0, skipped: { step: 0, running: 0, never_started: 0, no_gpu: 0 } };
  let sacct_chunk = '';
  let jsonl_chunk = '';
  let raw = 4_000_000;
  let array_job = 0;
  let array_task = 0;

  const line = (fields: (string | number)[]) => {
    sacct_chunk += `${fields.join('|')}\n`;
    expected.lines++;
  };
  const record = (
    job_id: string,
    job_id_raw: string,
    enterprise: number,
    model: string,
    count: number,
    start_ms: number,
    seconds: number,
    workload: string,
    split: boolean,
  ) => {
    const r = {
      record_id: `slurm:${parties.cluster_id}:${job_id_raw}${split ? `:${model}` : ''}`,
      cluster_id: parties.cluster_id,
      enterprise_id: parties.enterprise_ids[enterprise]!,
      accelerator: model,
      count,
      started_at: iso(start_ms),
      ended_at: iso(start_ms + seconds * 1000),
      amount_fen: amount(count, seconds, model),
      job_ref: `slurm:${job_id}`,
      workload,
    };
    jsonl_chunk += `${JSON.stringify(r)}\n`;
    expected.records++;
    expected.card_s += BigInt(count * seconds);
    expected.amount_fen += BigInt(r.amount_fen);
  };

  for (let i = 0; i < jobs; i++) {
    const ascend = rnd() < 0.6;
    const partition = ascend ? 'ascend' : 'a800';
    const model = ascend ? 'huawei-ascend-910b' : 'nvidia-a800-80gb-pcie';
    const count = counts[Math.floor(rnd() * counts.length)]!;
    const nodes = Math.max(1, count / 8);
    const seconds = 60 + Math.floor(rnd() * rnd() * 6 * 3600);
    const start_ms = window_from_ms + Math.floor(((i + rnd()) / jobs) * span_s) * 1000;
    const end_ms = start_ms + seconds * 1000;
    const enterprise = Math.floor(rnd() * enterprise_count);
    const account = `acct${String(enterprise).padStart(2, '0')}`;
    const user = `u${String(Math.floor(rnd() * 500)).padStart(3, '0')}`;
    const kind = rnd();
    const shape = rnd();
    const workload = ascend ? 'training' : 'inference';
    const gpu_tres = ascend ? `gres/gpu:910b=${count},gres/gpu=${count}` : `gres/gpu=${count}`;
    const tres = (gpus: string) => `billing=${count * 4},cpu=${count * 4},${gpus}${gpus === '' ? '' : ','}mem=${count * 64}G,node=${nodes}`;

    // ids: mostly plain jobs; 5 % array tasks (JobID A_k, JobIDRaw its own), 1 % heterogeneous jobs handled below
    raw++;
    let job_id = String(raw);
    if (shape < 0.05) {
      if (array_task === 0 || array_task >= 8) {
        array_job = raw;
        array_task = 0;
      }
      job_id = `${array_job}_${array_task++}`;
    }
    const steps = (id: string, id_raw: string, gpus: string, state = 'COMPLETED', end = sacctTime(end_ms), elapsed: number | string = seconds) => {
      line([
        `${id}.batch`,
        `${id_raw}.batch`,
        '',
        account,
        '',
        sacctTime(start_ms),
        end,
        elapsed,
        `cpu=${count * 4},${gpus}${gpus === '' ? '' : ','}mem=${count * 64}G,node=1`,
        state,
      ]);
      line([`${id}.extern`, `${id_raw}.extern`, '', account, '', sacctTime(start_ms), end, elapsed, tres(gpus), state]);
      expected.skipped.step += 2;
      if (rnd() < 1 / 3) {
        line([`${id}.0`, `${id_raw}.0`, '', account, '', sacctTime(start_ms), end, elapsed, tres(gpus), state]);
        expected.skipped.step++;
      }
    };

    expected.jobs++;
    if (kind < 0.015) {
      // CPU only
      line([job_id, raw, user, account, 'cpu', sacctTime(start_ms), sacctTime(end_ms), seconds, tres(''), 'COMPLETED']);
      steps(job_id, String(raw), '');
      expected.skipped.no_gpu++;
    } else if (kind < 0.025) {
      // still running
      line([job_id, raw, user, account, partition, sacctTime(start_ms), 'Unknown', seconds, tres(gpu_tres), 'RUNNING']);
      steps(job_id, String(raw), gpu_tres, 'RUNNING', 'Unknown');
      expected.skipped.running++;
    } else if (kind < 0.035) {
      // cancelled while pending
      line([job_id, raw, user, account, partition, 'None', sacctTime(start_ms), 0, '', 'CANCELLED by 1000']);
      expected.skipped.never_started++;
    } else if (kind < 0.045) {
      // heterogeneous job: two components, one per partition
      const het = raw;
      line([
        `${het}+0`,
        het,
        user,
        account,
        'ascend',
        sacctTime(start_ms),
        sacctTime(end_ms),
        seconds,
        tres(`gres/gpu:910b=${count},gres/gpu=${count}`),
        'COMPLETED',
      ]);
      steps(`${het}+0`, String(het), `gres/gpu:910b=${count},gres/gpu=${count}`);
      record(`${het}+0`, String(het), enterprise, 'huawei-ascend-910b', count, start_ms, seconds, 'training', false);
      raw++;
      expected.jobs++;
      line([`${het}+1`, raw, user, account, 'a800', sacctTime(start_ms), sacctTime(end_ms), seconds, tres(`gres/gpu=${count}`), 'COMPLETED']);
      record(`${het}+1`, String(raw), enterprise, 'nvidia-a800-80gb-pcie', count, start_ms, seconds, 'inference', false);
    } else if (kind < 0.05) {
      // cards of both types in one job: split in two records
      const both = `gres/gpu:910b=${count},gres/gpu:a800=${count},gres/gpu=${count * 2}`;
      line([job_id, raw, user, account, 'ascend', sacctTime(start_ms), sacctTime(end_ms), seconds, tres(both), 'COMPLETED']);
      steps(job_id, String(raw), both);
      record(job_id, String(raw), enterprise, 'huawei-ascend-910b', count, start_ms, seconds, 'training', true);
      record(job_id, String(raw), enterprise, 'nvidia-a800-80gb-pcie', count, start_ms, seconds, 'training', true);
    } else {
      const state = kind < 0.06 ? 'CANCELLED by 1000' : kind < 0.08 ? 'FAILED' : kind < 0.09 ? 'TIMEOUT' : 'COMPLETED';
      line([job_id, raw, user, account, partition, sacctTime(start_ms), sacctTime(end_ms), seconds, tres(gpu_tres), state]);
      steps(job_id, String(raw), gpu_tres, state === 'CANCELLED by 1000' ? 'CANCELLED' : state);
      record(job_id, String(raw), enterprise, model, count, start_ms, seconds, workload, false);
    }
    if (i % 10_000 === 9_999 || i === jobs - 1) {
      fs.writeSync(sacct, sacct_chunk);
      fs.writeSync(jsonl, jsonl_chunk);
      sacct_chunk = '';
      jsonl_chunk = '';
    }
  }
  fs.closeSync(sacct);
  fs.closeSync(jsonl);
  return expected;
}

function mappingYaml(parties: Parties): string {
  return [
    `cluster_id: ${parties.cluster_id}`,
    'accounts:',
    ...parties.enterprise_ids.map((e, i) => `  acct${String(i).padStart(2, '0')}: ${e}`),
    'gres_types:',
    '  910b: huawei-ascend-910b',
    '  a800: nvidia-a800-80gb-pcie',
    'partitions:',
    '  ascend: { gres_default: huawei-ascend-910b, workload: training }',
    '  a800: { gres_default: nvidia-a800-80gb-pcie, workload: inference }',
    'price_fen_per_card_h:',
    `  huawei-ascend-910b: ${price['huawei-ascend-910b']}`,
    `  nvidia-a800-80gb-pcie: ${price['nvidia-a800-80gb-pcie']}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

interface ChildMeasurement {
  label: string;
  command: string;
  wall_s: number;
  records: number;
  accepted: number;
  records_per_s_reported: number;
  records_per_s_wall: number;
  peak_rss_mb: number | null;
  rss_method: string;
  stdout: string;
}

/** Bare parsing: the same file through node:readline, each line split on `|` and its AllocTRES on `,`. */
async function bareParse(file: string): Promise<{ seconds: number; lines: number; fields: number }> {
  const t0 = performance.now();
  let lines = 0;
  let fields = 0;
  const rl = readline.createInterface({ input: fs.createReadStream(file, { highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
  for await (const text of rl) {
    const f = text.split('|');
    fields += f.length + (f[8]?.split(',').length ?? 0);
    lines++;
  }
  return { seconds: (performance.now() - t0) / 1000, lines, fields };
}

async function runImport(label: string, args: string[], dir: string, synchronous: Config['sqlite_synchronous'], display: string): Promise<ChildMeasurement> {
  const cmd = suanliCommand();
  log(`  ${label}: ${cmd.label} ${display}`);
  const run = await runMeasured([...cmd.argv, ...args], {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/',
    SUANLI_DATA_DIR: dir,
    SUANLI_SQLITE_SYNCHRONOUS: synchronous,
  });
  if (run.exit_code !== 0) throw new Error(`${label} exited ${run.exit_code}:\n${run.stdout}\n${run.stderr.slice(-4000)}`);
  const sacct = /\((\d+) lines\/s, (\d+) records\/s\): (\d+) records, (\d+) accepted/.exec(run.stdout);
  const usage = /read (\d+) records in [\d.]+ s \((\d+) records\/s\): (\d+) accepted/.exec(run.stdout);
  const [records, reported, accepted] = sacct
    ? [Number(sacct[3]), Number(sacct[2]), Number(sacct[4])]
    : usage
      ? [Number(usage[1]), Number(usage[2]), Number(usage[3])]
      : [NaN, NaN, NaN];
  return {
    label,
    command: `SUANLI_DATA_DIR=… ${cmd.label} ${display}`,
    wall_s: round(run.wall_s),
    records,
    accepted,
    records_per_s_reported: reported,
    records_per_s_wall: Math.round(records / run.wall_s),
    peak_rss_mb: run.peak_rss_kb === null ? null : round((run.peak_rss_kb * 1024) / 1e6),
    rss_method: run.rss_method,
    stdout: run.stdout.trim(),
  };
}

function storedSums(dir: string): { records: number; card_s: bigint; amount_fen: bigint } {
  const db = new SqliteDatabase(path.join(dir, 'suanli.db'), { readonly: true });
  try {
    db.defaultSafeIntegers(true);
    const r = db.prepare('select count(*) as n, sum(card_s) as card_s, sum(amount_fen) as amount_fen from usage_records').get() as {
      n: bigint;
      card_s: bigint;
      amount_fen: bigint;
    };
    return { records: Number(r.n), card_s: r.card_s, amount_fen: r.amount_fen };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

export async function sacctBench(options: BenchOptions): Promise<void> {
  const jobs = options.import_records;
  const machine = machineFacts();
  const load_before = os.loadavg()[0]!;
  if (load_before > 0.5) log(`  WARNING: load average ${load_before.toFixed(2)} before the run: other work on this machine will skew the figures`);
  const synchronous = loadConfig({}).sqlite_synchronous; // suanli's default
  log(
    `sacct import benchmark — ${machine.date_utc}, ${machine.nproc} cores (${machine.cpu}), ${machine.memory_gib} GiB, node ${machine.node}; ${fmtInt(jobs)} jobs, SQLite synchronous=${synchronous}`,
  );
  if (options.build) log(`  compiled src/ for the child processes: ${path.relative(process.cwd(), buildPrivateDist())}`);

  const root = freshDir('sacct');
  try {
    // One database with the parties, copied, so that both imports start from the same ids and the same state.
    const sacct_dir = path.join(root, 'sacct-db');
    const usage_dir = path.join(root, 'usage-db');
    fs.mkdirSync(sacct_dir);
    const store = Store.open(loadConfig({}, { data_dir: sacct_dir, log_level: 'silent', sqlite_synchronous: synchronous }));
    let parties: Parties;
    try {
      await store.migrate(Date.now());
      parties = await createParties(store, Date.now());
      store.connection.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      await store.close();
    }
    fs.cpSync(sacct_dir, usage_dir, { recursive: true });

    const sacct_file = path.join(root, 'sacct.txt');
    const jsonl_file = path.join(root, 'usage.jsonl');
    const mapping_file = path.join(root, 'mapping.yaml');
    fs.writeFileSync(mapping_file, mappingYaml(parties));
    const t_gen = performance.now();
    const expected = writeFiles(jobs, parties, sacct_file, jsonl_file);
    const sacct_mb = fs.statSync(sacct_file).size / 1e6;
    const jsonl_mb = fs.statSync(jsonl_file).size / 1e6;
    log(
      `  generated ${fmtInt(expected.lines)} sacct lines (${sacct_mb.toFixed(0)} MB; ${fmtInt(expected.jobs)} jobs, ${fmtInt(expected.records)} usage records) ` +
        `and the equivalent JSONL (${jsonl_mb.toFixed(0)} MB) in ${((performance.now() - t_gen) / 1000).toFixed(1)} s`,
    );

    const bare = await bareParse(sacct_file);
    if (bare.lines !== expected.lines) throw new Error(`bare parse read ${bare.lines} lines of ${expected.lines}`);
    log(`  a  bare parse (node:readline + split): ${fmtInt(bare.lines / bare.seconds)} lines/s, ${fmtInt(expected.records / bare.seconds)} records/s`);

    // Both importers with the same batch, sacct's default, so that the ratio compares the parsing and nothing else.
    const batch = String(sacct_batch_records_default);
    const usage = await runImport(
      'b  import usage',
      ['import', 'usage', jsonl_file, '--provider', parties.provider_id, '--batch', batch, '--no-progress'],
      usage_dir,
      synchronous,
      `import usage usage.jsonl --provider ${parties.provider_id} --batch ${batch} --no-progress`,
    );
    log(`     ${fmtInt(usage.records_per_s_reported)} records/s, peak RSS ${usage.peak_rss_mb ?? '?'} MB`);
    const sacct = await runImport(
      'c  import sacct',
      ['import', 'sacct', sacct_file, '--mapping', mapping_file, '--no-progress'],
      sacct_dir,
      synchronous,
      'import sacct sacct.txt --mapping mapping.yaml --no-progress',
    );
    log(`     ${fmtInt(sacct.records_per_s_reported)} records/s, peak RSS ${sacct.peak_rss_mb ?? '?'} MB`);

    // The two databases must hold the same usage, and the generator's.
    const from_usage = storedSums(usage_dir);
    const from_sacct = storedSums(sacct_dir);
    const want = { records: expected.records, card_s: expected.card_s, amount_fen: expected.amount_fen };
    for (const [name, got] of [
      ['import usage', from_usage],
      ['import sacct', from_sacct],
    ] as const) {
      if (got.records !== want.records || got.card_s !== want.card_s || got.amount_fen !== want.amount_fen) {
        throw new Error(
          `${name} stored ${got.records} records, ${got.card_s} card-s, ${got.amount_fen} fen; expected ${want.records}, ${want.card_s}, ${want.amount_fen}`,
        );
      }
    }
    const skipped = /skipped: (\d+) steps, (\d+) running or pending, (\d+) never started, (\d+) without GPU/.exec(sacct.stdout);
    const skipped_ok =
      skipped !== null &&
      Number(skipped[1]) === expected.skipped.step &&
      Number(skipped[2]) === expected.skipped.running &&
      Number(skipped[3]) === expected.skipped.never_started &&
      Number(skipped[4]) === expected.skipped.no_gpu;
    if (!skipped_ok) throw new Error(`import sacct skipped other lines than generated: ${sacct.stdout}\nexpected ${JSON.stringify(expected.skipped)}`);

    // ----- report
    const load_after = os.loadavg()[0]!;
    const ratio_usage = sacct.records_per_s_reported / usage.records_per_s_reported;
    const bare_records_per_s = expected.records / bare.seconds;
    const out: string[] = [];
    out.push('');
    out.push(`suanli sacct import benchmark — ${machine.date_utc}`);
    out.push(
      `machine: ${machine.nproc} cores (${machine.cpu}), ${machine.memory_gib} GiB RAM, ${machine.platform}, node ${machine.node}; ` +
        `load average (1 min) ${load_before.toFixed(2)} before, ${load_after.toFixed(2)} after`,
    );
    out.push(
      `input: ${fmtInt(jobs)} jobs in ${fmtInt(expected.lines)} sacct lines (${sacct_mb.toFixed(0)} MB; ${fmtInt(expected.skipped.step)} steps, ` +
        `${fmtInt(expected.skipped.running)} running, ${fmtInt(expected.skipped.never_started)} never started, ${fmtInt(expected.skipped.no_gpu)} without GPU) → ` +
        `${fmtInt(expected.records)} usage records; ${fmtInt(sacct_batch_records_default)} records per transaction (both importers); SQLite synchronous=${synchronous}; ` +
        `child: ${suanliCommand().label}`,
    );
    out.push('');
    out.push(
      table(
        ['path', 'seconds', 'records/s', 'peak RSS MB', '× import usage'],
        [
          ['a  bare parse of the sacct file (readline + split, in process)', bare.seconds.toFixed(2), fmtInt(bare_records_per_s), '—', '—'],
          [
            `b  import usage of the equivalent JSONL (${jsonl_mb.toFixed(0)} MB)`,
            usage.wall_s.toFixed(2),
            fmtInt(usage.records_per_s_reported),
            String(usage.peak_rss_mb ?? '?'),
            '1.00',
          ],
          ['c  import sacct', sacct.wall_s.toFixed(2), fmtInt(sacct.records_per_s_reported), String(sacct.peak_rss_mb ?? '?'), fmtRatio(ratio_usage)],
        ],
      ),
    );
    out.push('');
    out.push(
      `records/s by the importers' own count (wall, incl. start-up: b ${fmtInt(usage.records_per_s_wall)}, c ${fmtInt(sacct.records_per_s_wall)}); peak RSS by ${sacct.rss_method}`,
    );
    out.push(
      `c/b = ${fmtRatio(ratio_usage)}; c/a = ${(sacct.records_per_s_reported / bare_records_per_s).toFixed(3)}; ` +
        `peak RSS of import sacct ${sacct.peak_rss_mb ?? '?'} MB, target ≤ 300 MB: ${sacct.peak_rss_mb === null ? '—' : sacct.peak_rss_mb <= 300 ? 'met' : 'NOT MET'}`,
    );
    out.push(`both databases hold ${fmtInt(from_sacct.records)} records, ${from_sacct.card_s} card-seconds, ${from_sacct.amount_fen} fen, as generated`);
    out.push(`command: ${sacct.command}`);
    out.push(`summary: ${sacct.stdout.split('\n').join(' / ')}`);
    process.stdout.write(`${out.join('\n')}\n`);

    const results_dir = path.join(tmp_root, 'results');
    fs.mkdirSync(results_dir, { recursive: true });
    const file = path.join(results_dir, `sacct-${machine.date_utc.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(
      file,
      `${JSON.stringify(
        {
          benchmark: 'sacct',
          machine,
          load_average_1min: { before: load_before, after: load_after },
          sqlite_synchronous: synchronous,
          jobs,
          batch_records: sacct_batch_records_default,
          input: { lines: expected.lines, sacct_mb: round(sacct_mb), jsonl_mb: round(jsonl_mb), records: expected.records, skipped: expected.skipped },
          bare_parse: { seconds: round(bare.seconds, 3), lines_per_s: Math.round(bare.lines / bare.seconds), records_per_s: Math.round(bare_records_per_s) },
          import_usage: { ...usage, stdout: undefined },
          import_sacct: { ...sacct, stdout: undefined },
          ratio_sacct_to_usage: round(ratio_usage, 3),
          stored: { records: from_sacct.records, card_s: String(from_sacct.card_s), amount_fen: String(from_sacct.amount_fen) },
          target_rss_mb: 300,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`\nJSON: ${path.relative(process.cwd(), file)}\n`);
  } finally {
    removeDir(root);
  }
}
