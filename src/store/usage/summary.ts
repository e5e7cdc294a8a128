// Usage summaries from the daily rollups (never from the records): grouped by enterprise, provider, model, domestic or
// not, day or month, with exact integer sums.
import { sql } from 'kysely';
import type { Connection } from '../database.js';
import { readFenSum, sumFen } from '../exact-sum.js';

export const summary_groups = ['enterprise', 'provider', 'accelerator', 'domestic', 'day', 'month'] as const;
export type SummaryGroup = (typeof summary_groups)[number];

export interface SummaryFilter {
  provider_id?: string;
  enterprise_id?: string;
  accelerator?: string;
  domestic?: boolean;
  /** YYYY-MM-DD, inclusive: the office's day of started_at (the rollups' days) */
  from_day?: string;
  /** YYYY-MM-DD, exclusive */
  to_day?: string;
}

export interface SummaryRow {
  key: string;
  records: number;
  card_s: bigint;
  /** card-seconds on models without a throughput figure: they count card-hours only */
  card_s_unnormalized: bigint;
  compute_gflop: bigint;
  amount_fen: bigint;
}

export async function usageSummary(connection: Connection, group: SummaryGroup, filter: SummaryFilter): Promise<SummaryRow[]> {
  const key = {
    enterprise: sql<string>`r.enterprise_id`,
    provider: sql<string>`r.provider_id`,
    accelerator: sql<string>`r.accelerator_id`,
    domestic: sql<string>`case when a.domestic = 1 then 'true' else 'false' end`,
    day: sql<string>`r.day`,
    month: sql<string>`substr(r.day, 1, 7)`,
  }[group];
  let q = connection.db
    .selectFrom('usage_rollups as r')
    .innerJoin('accelerators as a', 'a.id', 'r.accelerator_id')
    .select([
      key.as('key'),
      sql<string>`cast(sum(r.records) as text)`.as('records'),
      sql<string>`cast(sum(r.card_s) as text)`.as('card_s'),
      sql<string>`cast(sum(case when a.dense_gflops is null then r.card_s else 0 end) as text)`.as('card_s_unnormalized'),
      sql<string>`cast(sum(r.compute_gflop) as text)`.as('compute_gflop'),
      sumFen(connection.engine, sql.ref('r.amount_fen')).as('amount_fen'),
    ])
    .groupBy(key)
    .orderBy(key);
  if (filter.provider_id !== undefined) q = q.where('r.provider_id', '=', filter.provider_id);
  if (filter.enterprise_id !== undefined) q = q.where('r.enterprise_id', '=', filter.enterprise_id);
  if (filter.accelerator !== undefined) q = q.where('r.accelerator_id', '=', filter.accelerator);
  if (filter.domestic !== undefined) q = q.where('a.domestic', '=', filter.domestic ? 1 : 0);
  if (filter.from_day !== undefined) q = q.where('r.day', '>=', filter.from_day);
  if (filter.to_day !== undefined) q = q.where('r.day', '<', filter.to_day);
  const rows = await q.execute();
  return rows.map((r) => ({
    key: String(r.key),
    records: Number(r.records),
    card_s: BigInt(r.card_s),
    card_s_unnormalized: BigInt(r.card_s_unnormalized),
    compute_gflop: BigInt(r.compute_gflop),
    amount_fen: readFenSum(r.amount_fen),
  }));
}
