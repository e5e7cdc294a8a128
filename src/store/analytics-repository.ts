// The dashboard's reads: usage from the monthly rollups (migration 0006, kept by triggers on the daily rollups; never
// the usage records), inventory, the ledger summed per program, kind and day, programs' balances and open findings.
// The same SQL on SQLite and PostgreSQL; sums that may pass 2^53 are read as text.
import { sql, type Kysely } from 'kysely';
import type { TransferKind } from '../domain/ledger/ledger.js';
import type { InventorySpan } from '../domain/analytics/installed-compute.js';
import { formatMonth, monthOfMs, parseMonth, type MonthIndex } from '../domain/analytics/month.js';
import type { MonthlyUsage, ProgramBudget, ProgramTransfers } from '../domain/analytics/overview.js';
import { transfer_bucket_ms } from '../domain/analytics/budget-burn.js';
import type { OfficeCalendar } from '../domain/calendar.js';
import type { FindingKind, FindingSeverity, Json } from '../domain/integrity/finding.js';
import type { Connection } from './database.js';
import type { Engine } from './engine.js';
import { readFenSum, sumFen } from './exact-sum.js';
import type { Database } from './schema.js';

/** An enterprise's or a provider's compute over a range of months. */
export interface OrgCompute {
  id: string;
  name: string;
  compute_gflop: bigint;
  domestic_compute_gflop: bigint;
}

/** An open finding as the overview lists it; first_record_seq lets the presenter word a price finding for auditors. */
export interface FindingHeadline {
  id: string;
  kind: FindingKind;
  severity: FindingSeverity;
  message: string;
  evidence: { [key: string]: Json };
  first_record_seq: number | null;
  created_at_ms: number;
}

const bucket_ms_literal = sql.lit(transfer_bucket_ms);

export class AnalyticsRepository {
  private readonly db: Kysely<Database>;
  private readonly engine: Engine;

  constructor(connection: Connection) {
    this.db = connection.db;
    this.engine = connection.engine;
  }

  /** The earliest office month with usage or with inventory; null when there is neither. */
  async firstMonth(calendar: OfficeCalendar): Promise<MonthIndex | null> {
    const [usage, inventory] = await Promise.all([
      this.db
        .selectFrom('usage_rollups_monthly')
        .select((eb) => eb.fn.min('month').as('month'))
        .executeTakeFirst(),
      this.db
        .selectFrom('inventory')
        .select((eb) => eb.fn.min('valid_from_ms').as('ms'))
        .executeTakeFirst(),
    ]);
    const months: MonthIndex[] = [];
    const u = usage?.month == null ? null : parseMonth(String(usage.month));
    if (u !== null) months.push(u);
    if (inventory?.ms != null) months.push(monthOfMs(Number(inventory.ms), calendar));
    return months.length === 0 ? null : (Math.min(...months) as MonthIndex);
  }

  /** Usage per month of [from, to] on domestic and on foreign models. */
  async monthlyUsage(from: MonthIndex, to: MonthIndex): Promise<MonthlyUsage[]> {
    const rows = await this.db
      .selectFrom('usage_rollups_monthly as m')
      .innerJoin('accelerators as a', 'a.id', 'm.accelerator_id')
      .select([
        'm.month',
        'a.domestic',
        sql<string>`cast(sum(m.records) as text)`.as('records'),
        sql<string>`cast(sum(m.card_s) as text)`.as('card_s'),
        sql<string>`cast(sum(m.compute_gflop) as text)`.as('compute_gflop'),
      ])
      .where('m.month', '>=', formatMonth(from))
      .where('m.month', '<=', formatMonth(to))
      .groupBy(['m.month', 'a.domestic'])
      .orderBy('m.month')
      .orderBy('a.domestic')
      .execute();
    return rows.map((r) => ({
      month: monthOrThrow(r.month),
      domestic: Number(r.domestic) === 1,
      records: Number(r.records),
      card_s: BigInt(r.card_s),
      compute_gflop: BigInt(r.compute_gflop),
    }));
  }

  /** The enterprises (or providers) with the most domestic compute in [from, to]; ties by all compute, then id. */
  async topByDomesticCompute(side: 'enterprise' | 'provider', from: MonthIndex, to: MonthIndex, limit: number): Promise<OrgCompute[]> {
    const id = side === 'enterprise' ? 'm.enterprise_id' : 'm.provider_id';
    // Domestic models by a membership test, not a join per rollup row; names joined to the few rows left.
    const domestic = sql<string>`sum(case when m.accelerator_id in (select id from accelerators where domestic = 1) then m.compute_gflop else 0 end)`;
    const total = sql<string>`sum(m.compute_gflop)`;
    const top = this.db
      .selectFrom('usage_rollups_monthly as m')
      .select([sql.ref<string>(id).as('id'), domestic.as('domestic_compute_gflop'), total.as('compute_gflop')])
      .where('m.month', '>=', formatMonth(from))
      .where('m.month', '<=', formatMonth(to))
      .groupBy(id)
      .orderBy(domestic, 'desc')
      .orderBy(total, 'desc')
      .orderBy(id)
      .limit(limit);
    const rows = await this.db
      .selectFrom(top.as('t'))
      .leftJoin('organizations as o', 'o.id', 't.id')
      .select(['t.id', 'o.name', sql<string>`cast(t.domestic_compute_gflop as text)`.as('domestic'), sql<string>`cast(t.compute_gflop as text)`.as('total')])
      .orderBy('t.domestic_compute_gflop', 'desc')
      .orderBy('t.compute_gflop', 'desc')
      .orderBy('t.id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name ?? r.id, compute_gflop: BigInt(r.total), domestic_compute_gflop: BigInt(r.domestic) }));
  }

  /** Every inventory interval with its model's dense throughput and origin. */
  async inventory(): Promise<InventorySpan[]> {
    const rows = await this.db
      .selectFrom('inventory as i')
      .innerJoin('accelerators as a', 'a.id', 'i.accelerator_id')
      .select(['i.count', 'i.valid_from_ms', 'i.valid_to_ms', 'a.dense_gflops', 'a.domestic'])
      .orderBy('i.id')
      .execute();
    return rows.map((r) => ({
      count: Number(r.count),
      gflops: r.dense_gflops === null ? null : Number(r.dense_gflops),
      domestic: Number(r.domestic) === 1,
      valid_from_ms: Number(r.valid_from_ms),
      valid_to_ms: r.valid_to_ms === null ? null : Number(r.valid_to_ms),
    }));
  }

  /** The whole ledger summed per program, kind and quarter hour (every office day and month starts at one). */
  async transfersByQuarterHour(): Promise<ProgramTransfers[]> {
    const bucket = sql<number>`at_ms / ${bucket_ms_literal}`;
    const rows = await this.db
      .selectFrom('ledger_transfers')
      .select(['program_id', 'kind', bucket.as('bucket'), sumFen(this.engine, sql.ref('amount_fen')).as('amount_fen')])
      .groupBy(['program_id', 'kind', bucket])
      .orderBy('program_id')
      .orderBy(bucket)
      .orderBy('kind')
      .execute();
    return rows.map((r) => ({
      program_id: r.program_id,
      kind: r.kind as TransferKind,
      at_ms: Number(r.bucket) * transfer_bucket_ms,
      amount_fen: readFenSum(r.amount_fen),
    }));
  }

  /** Every program with its budget (what was funded) and what is available now, as the ledger holds them. */
  async programBudgets(): Promise<ProgramBudget[]> {
    const [programs, accounts] = await Promise.all([
      this.db.selectFrom('programs').select(['id', 'name_zh', 'name_en']).orderBy('created_at_ms').orderBy('id').execute(),
      this.db.selectFrom('ledger_accounts').select(['program_id', 'kind', 'balance_fen']).where('kind', 'in', ['funding', 'available']).execute(),
    ]);
    const balance = new Map(accounts.map((a) => [`${a.program_id}:${a.kind}`, BigInt(a.balance_fen)]));
    return programs.map((p) => ({ ...p, budget_fen: -(balance.get(`${p.id}:funding`) ?? 0n), available_fen: balance.get(`${p.id}:available`) ?? 0n }));
  }

  /** Open findings counted (all, and of high severity), and the newest open high-severity ones. */
  async openFindings(recent_max: number): Promise<{ open_total: number; open_high: number; recent_high: FindingHeadline[] }> {
    const [counts, recent] = await Promise.all([
      this.db
        .selectFrom('findings')
        .select(['severity', sql<string>`cast(count(*) as text)`.as('n')])
        .where('status', '=', 'open')
        .groupBy('severity')
        .execute(),
      this.db
        .selectFrom('findings as f')
        .select([
          'f.id',
          'f.kind',
          'f.severity',
          'f.message',
          'f.evidence',
          'f.created_at_ms',
          (eb) =>
            eb
              .selectFrom('finding_records as fr')
              .select((e) => e.fn.min('fr.record_seq').as('s'))
              .whereRef('fr.finding_id', '=', 'f.id')
              .as('first_record_seq'),
        ])
        .where('f.status', '=', 'open')
        .where('f.severity', '=', 'high')
        .orderBy('f.created_at_ms', 'desc')
        .orderBy('f.id', 'desc')
        .limit(recent_max)
        .execute(),
    ]);
    let open_total = 0;
    let open_high = 0;
    for (const c of counts) {
      open_total += Number(c.n);
      if (c.severity === 'high') open_high += Number(c.n);
    }
    return {
      open_total,
      open_high,
      recent_high: recent.map((f) => ({
        id: f.id,
        kind: f.kind as FindingKind,
        severity: f.severity as FindingSeverity,
        message: f.message,
        evidence: JSON.parse(f.evidence) as { [key: string]: Json },
        first_record_seq: f.first_record_seq == null ? null : Number(f.first_record_seq),
        created_at_ms: Number(f.created_at_ms),
      })),
    };
  }
}

function monthOrThrow(s: string): MonthIndex {
  const m = parseMonth(s);
  if (m === null) throw new Error(`usage_rollups_monthly holds a month that is not one: ${s}`);
  return m;
}
