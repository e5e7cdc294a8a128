// The workload of the durability and concurrency tests: seeded records, the HTTP calls a provider makes, a shared
// database that child processes open, and the checks that the stored rows and the rollups agree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { sql } from 'kysely';
import { loadConfig, type Config } from '../../src/config.js';
import { Store } from '../../src/store/store.js';
import { admin_key, type EngineName } from '../support/engines.js';
import { createParties, testApi, type Parties } from '../support/api.js';
import { mulberry32 } from '../support/prng.js';
import { createDatabase, dropDatabase } from '../support/postgres.js';
import type { ServerSettings } from './server-process.js';

/** A small, fast, seedable generator (mulberry32): the same seed gives the same workload. */
export const rng = mulberry32;

/** DURABILITY_SEED=n reproduces a run; otherwise a fresh seed, printed so that a failure can be replayed. */
export function testSeed(label: string): number {
  const given = process.env.DURABILITY_SEED;
  const seed = given !== undefined && /^\d+$/.test(given) ? Number(given) : randomBytes(4).readUInt32BE(0);
  console.log(`[${label}] seed ${seed} (rerun with DURABILITY_SEED=${seed})`);
  return seed;
}

export function pick(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** The cluster of createParties holds 64 × 910B, 16 × A800 PCIe and 8 × C500 from 2026-01-01. */
const models = [
  { accelerator: 'huawei-ascend-910b', count_max: 64 },
  { accelerator: 'nvidia-a800-80gb-pcie', count_max: 16 },
  { accelerator: 'metax-c500', count_max: 8 },
] as const;

export type WireRecord = Record<string, unknown> & { record_id: string; amount_fen: number; started_at: string };

/** A valid record whose content depends only on (record_id, random): re-sending it is a duplicate, never a conflict. */
export function validRecord(p: Pick<Parties, 'cluster_id' | 'enterprise_id'>, record_id: string, random: () => number): WireRecord {
  const m = models[pick(random, models.length)]!;
  const start_ms = Date.parse('2026-10-01T00:00:00Z') + pick(random, 10) * 86_400_000 + pick(random, 86_400) * 1000;
  const duration_s = 60 + pick(random, 12 * 3600);
  return {
    record_id,
    cluster_id: p.cluster_id,
    enterprise_id: p.enterprise_id,
    accelerator: m.accelerator,
    count: 1 + pick(random, m.count_max),
    started_at: new Date(start_ms).toISOString(),
    ended_at: new Date(start_ms + duration_s * 1000).toISOString(),
    amount_fen: pick(random, 5_000_000),
    job_ref: `slurm:${record_id}`,
    workload: random() < 0.5 ? 'training' : 'inference',
  };
}

/** A record the domain rejects (more cards than the cluster holds): it must never be stored. */
export function invalidRecord(p: Pick<Parties, 'cluster_id' | 'enterprise_id'>, record_id: string): WireRecord {
  return {
    record_id,
    cluster_id: p.cluster_id,
    enterprise_id: p.enterprise_id,
    accelerator: 'huawei-ascend-910b',
    count: 65,
    started_at: '2026-10-02T00:00:00Z',
    ended_at: '2026-10-02T01:00:00Z',
    amount_fen: 100,
  };
}

export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; record_id: string | null; code: string }[];
}

export type PostResult = { ok: true; status: number; body: IngestAnswer } | { ok: false; status: number | null; error: string };

/** POST /api/v1/usage over the network; any failure (reset by a kill, timeout, 5xx) is an answer we did not get. */
export async function postUsage(base_url: string, key: string, records: readonly unknown[], timeout_ms = 20_000): Promise<PostResult> {
  try {
    const res = await fetch(`${base_url}/api/v1/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
      signal: AbortSignal.timeout(timeout_ms),
    });
    const text = await res.text();
    if (res.status !== 200) return { ok: false, status: res.status, error: text.slice(0, 500) };
    return { ok: true, status: res.status, body: JSON.parse(text) as IngestAnswer };
  } catch (error) {
    return {
      ok: false,
      status: null,
      error: error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error),
    };
  }
}

export interface ListedRecord {
  record_id: string;
  provider_id: string;
  amount_fen: number;
  started_at: string;
  seq: number;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${admin_key}` }, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Every record of a provider through GET /api/v1/usage with the administrator key, page by page (bounded). */
export async function listAllOverHttp(base_url: string, provider_id: string, records_max = 200_000): Promise<ListedRecord[]> {
  const out: ListedRecord[] = [];
  let cursor: string | null = null;
  for (let page = 0; page * 1000 <= records_max; page++) {
    const q = new URLSearchParams({ provider_id, limit: '1000', ...(cursor === null ? {} : { cursor }) });
    const body = (await getJson(`${base_url}/api/v1/usage?${q.toString()}`)) as { items: ListedRecord[]; next_cursor: string | null };
    out.push(...body.items);
    cursor = body.next_cursor;
    if (cursor === null) return out;
  }
  throw new Error(`more than ${records_max} records listed`);
}

/** As GET /usage/summary answers: the summed bills as decimal strings (exact past 2^53). */
export interface DaySummary {
  key: string;
  records: number;
  amount_fen: string;
}
export interface Summary {
  items: DaySummary[];
  totals: { records: number; amount_fen: string };
}

export async function summaryOverHttp(base_url: string, provider_id: string): Promise<Summary> {
  return (await getJson(`${base_url}/api/v1/usage/summary?group_by=day&provider_id=${provider_id}`)) as Summary;
}

/**
 * What the daily rollups must say, summed from the rows themselves, in the office's days (Asia/Shanghai, the default:
 * UTC+8 all year, so the oracle adds eight hours, independent of the server's zone arithmetic).
 */
export function summaryFromRows(rows: readonly { started_at: string; amount_fen: number }[]): Summary {
  const by = new Map<string, { key: string; records: number; amount_fen: bigint }>();
  for (const r of rows) {
    const day = new Date(Date.parse(r.started_at) + 8 * 3_600_000).toISOString().slice(0, 10);
    const d = by.get(day) ?? { key: day, records: 0, amount_fen: 0n };
    d.records += 1;
    d.amount_fen += BigInt(r.amount_fen);
    by.set(day, d);
  }
  const days = [...by.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  const items = days.map((d) => ({ key: d.key, records: d.records, amount_fen: d.amount_fen.toString() }));
  return { items, totals: { records: rows.length, amount_fen: days.reduce((s, d) => s + d.amount_fen, 0n).toString() } };
}

/** Only the fields the rollups must agree on. */
export function summaryNumbers(s: Summary): Summary {
  return {
    items: s.items.map((d) => ({ key: d.key, records: d.records, amount_fen: d.amount_fen })),
    totals: { records: s.totals.records, amount_fen: s.totals.amount_fen },
  };
}

/** Straight from the tables: (provider_id, record_id) stored more than once, and rollup sums against row sums. */
export async function tableChecks(
  store: Store,
  provider_id: string,
): Promise<{ repeated: number; rows: number; rows_amount_fen: string; rollup_records: string; rollup_amount_fen: string }> {
  const db = store.connection.db;
  const repeated = await sql<{ n: number | string }>`select count(*) as n from (select provider_id, record_id from usage_records
    where provider_id = ${provider_id} group by provider_id, record_id having count(*) > 1) t`.execute(db);
  const rows = await sql<{ n: number | string; a: string | null }>`select count(*) as n, cast(sum(amount_fen) as text) as a
    from usage_records where provider_id = ${provider_id}`.execute(db);
  const rollups = await sql<{ r: string | null; a: string | null }>`select cast(sum(records) as text) as r, cast(sum(amount_fen) as text) as a
    from usage_rollups where provider_id = ${provider_id}`.execute(db);
  return {
    repeated: Number(repeated.rows[0]!.n),
    rows: Number(rows.rows[0]!.n),
    rows_amount_fen: rows.rows[0]!.a ?? '0',
    rollup_records: rollups.rows[0]!.r ?? '0',
    rollup_amount_fen: rollups.rows[0]!.a ?? '0',
  };
}

export interface SharedDatabase {
  engine: EngineName;
  config: Config;
  settings: ServerSettings;
  parties: Parties;
  /** Opens the store anew (after the children are gone or beside them). */
  open(): Store;
  dispose(): Promise<void>;
}

/**
 * A fresh database (SQLite directory — `data_dir` when given — or PostgreSQL database, on the test server or the one
 * `admin_url` names), migrated, with the administrator key and the parties
 * created through the in-process API; the store is closed again so that the child processes are its only users.
 */
export async function sharedDatabase(engine: EngineName, label: string, options: { admin_url?: string; data_dir?: string } = {}): Promise<SharedDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const data_dir = options.data_dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-durability-'));
  const admin_url = options.admin_url ?? inject('postgresUrl');
  let database_url: string | null = null;
  if (engine === 'postgres') {
    if (admin_url === null) throw new Error('PostgreSQL is not available');
    database_url = await createDatabase(admin_url, name);
  }
  const config = loadConfig({}, { data_dir, database_url, admin_key, log_level: 'silent' });
  const store = Store.open(config);
  let parties: Parties;
  try {
    await store.migrate(Date.now());
    const api = await testApi({ engine, config, store });
    parties = await createParties(api, label);
    await api.app.close();
  } finally {
    await store.close();
  }
  return {
    engine,
    config,
    parties,
    settings: { database_url, data_dir, admin_key },
    open: () => Store.open(config),
    dispose: async () => {
      if (engine === 'postgres' && admin_url !== null) await dropDatabase(admin_url, name);
      fs.rmSync(data_dir, { recursive: true, force: true });
    },
  };
}
