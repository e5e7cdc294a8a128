// The usage summary export: the totals of GET /usage/summary (the same daily rollups, groupings and filters) as a
// table with names, and a total row. Days and months are the office's (the rollups are kept by its days).
import { cardHours, formatPflopHours, referenceCardHours } from '../domain/catalog/compute.js';
import type { Store } from '../store/store.js';
import type { SummaryFilter, SummaryGroup, SummaryRow } from '../store/usage/summary.js';
import { organizationNames, type NameScope } from './names.js';
import { report_rows_max, ReportTooLarge, type Column, type Report, type Row } from './report.js';

export interface UsageSummaryOptions {
  group_by: SummaryGroup;
  /** already confined to the caller's own records (the route and the CLI decide) */
  filter: SummaryFilter;
  /** billed amounts: false for auditors, as in the API (the amount cells are then empty) */
  prices: boolean;
  names: NameScope;
  reference_accelerator: string;
  rows_max?: number;
}

const key_column: Record<SummaryGroup, string> = {
  enterprise: 'enterprise_id',
  provider: 'provider_id',
  accelerator: 'accelerator',
  domestic: 'domestic',
  day: 'day',
  month: 'month',
};

/** The file name's words for what the summary covers: `usage-summary-by-month-2026-10-01_2026-11-01`. */
function fileName(o: UsageSummaryOptions, scope_name: string | null): { ascii: string; unicode: string } {
  const range = o.filter.from_day !== undefined || o.filter.to_day !== undefined ? `-${o.filter.from_day ?? 'start'}_${o.filter.to_day ?? 'now'}` : '';
  const base = `usage-summary-by-${o.group_by}${range}`;
  const who = o.filter.enterprise_id ?? o.filter.provider_id;
  return { ascii: who === undefined ? base : `${who}-${base}`, unicode: scope_name === null ? base : `${scope_name}-${base}` };
}

export async function usageSummaryReport(store: Store, o: UsageSummaryOptions): Promise<Report> {
  const rows_max = o.rows_max ?? report_rows_max;
  const [rows, models] = await Promise.all([store.usage.summary(o.group_by, o.filter), store.catalog.throughputs()]);
  if (rows.length > rows_max) {
    throw new ReportTooLarge('querystring.from', rows_max, `rows (${rows.length} groups); narrow from/to or filter by enterprise, provider or accelerator`);
  }
  const ref_gflops = models.get(o.reference_accelerator)?.gflops ?? null;
  const named = o.group_by === 'enterprise' || o.group_by === 'provider';
  const names = named
    ? await organizationNames(
        store,
        o.group_by as 'enterprise' | 'provider',
        rows.map((r) => r.key),
        o.names,
      )
    : new Map<string, string>();
  const catalog = o.group_by === 'accelerator' ? new Map((await store.catalog.list({})).map((m) => [m.id, m])) : null;
  const scoped = o.filter.enterprise_id ?? o.filter.provider_id;
  const scope_name =
    scoped === undefined
      ? null
      : ((await organizationNames(store, o.filter.enterprise_id !== undefined ? 'enterprise' : 'provider', [scoped], o.names)).get(scoped) ?? null);

  const dated = o.group_by === 'day' || o.group_by === 'month';
  const columns: Column[] = [{ key: key_column[o.group_by], kind: dated ? 'date' : 'text', width: 24 }];
  if (named || catalog) columns.push({ key: 'name', kind: 'text', width: 32 });
  if (catalog) columns.push({ key: 'domestic', kind: 'text', width: 10 });
  columns.push(
    { key: 'records', kind: 'integer' },
    { key: 'card_hours', kind: 'hours' },
    { key: 'card_hours_unnormalized', kind: 'hours', width: 24 },
    { key: 'compute_pflop_h', kind: 'pflop_h' },
    { key: 'reference_card_hours', kind: 'hours', width: 22 },
    { key: 'amount', kind: 'money' },
  );
  const measures = (r: Omit<SummaryRow, 'key'>): Row => [
    r.records,
    cardHours(r.card_s),
    cardHours(r.card_s_unnormalized),
    formatPflopHours(r.compute_gflop),
    ref_gflops === null ? null : referenceCardHours(r.compute_gflop, ref_gflops),
    o.prices ? r.amount_fen : null,
  ];
  const labels = (key: string): Row => {
    if (named) return [key, names.get(key) ?? null];
    if (catalog) {
      const m = catalog.get(key);
      return [key, m ? `${m.vendor} ${m.model}` : null, m ? (m.domestic ? 'true' : 'false') : null];
    }
    return [key];
  };
  const totals = rows.reduce(
    (t, r) => ({
      records: t.records + r.records,
      card_s: t.card_s + r.card_s,
      card_s_unnormalized: t.card_s_unnormalized + r.card_s_unnormalized,
      compute_gflop: t.compute_gflop + r.compute_gflop,
      amount_fen: t.amount_fen + r.amount_fen,
    }),
    { records: 0, card_s: 0n, card_s_unnormalized: 0n, compute_gflop: 0n, amount_fen: 0n },
  );
  const blank = columns.length - 6 - 1; // the name and domestic cells of the total row
  return {
    kind: 'usage-summary',
    calendar: store.calendar,
    filename: fileName(o, scope_name),
    sections: [
      {
        name: `usage by ${o.group_by}`,
        columns,
        rows: rows.map((r) => [...labels(r.key), ...measures(r)]),
        footer: [['total', ...new Array<null>(blank).fill(null), ...measures(totals)]],
      },
    ],
  };
}
