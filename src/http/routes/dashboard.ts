// The dashboard's overview for the program office and auditors: compute used and installed per month with the
// domestic shares and their trend towards the target, subsidies moved, programs' budget burn, the leading enterprises
// and providers, and open findings (docs/dashboard.md).
import { Type } from 'typebox';
import { cardHours, formatPflopHours } from '../../domain/catalog/compute.js';
import { exhaustion_method } from '../../domain/analytics/budget-burn.js';
import { formatPflops } from '../../domain/analytics/installed-compute.js';
import { formatMonth, monthOfMs, monthsBetween, parseMonth, type MonthIndex } from '../../domain/analytics/month.js';
import { buildOverview } from '../../domain/analytics/overview.js';
import { shareBp } from '../../domain/analytics/share.js';
import { trend_method, type ShareTrend } from '../../domain/analytics/share-trend.js';
import type { FindingHeadline, OrgCompute } from '../../store/analytics-repository.js';
import type { App, AppContext } from '../context.js';
import { principalOf, readers } from '../auth.js';
import { ApiError } from '../errors.js';
import { seesPrices } from '../access.js';
import { findingMessage, iso } from '../present.js';
import { FenString } from '../money.js';

/** The longest range of months one overview covers. */
export const overview_months_max = 120;
/** How many enterprises, providers and findings the overview lists. */
export const overview_top_max = 10;

const Month = Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'a UTC month, YYYY-MM' });
const Decimal = (description: string) => Type.String({ pattern: '^\\d+\\.\\d+$', description });
const Bp = (description: string) => Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Null()], { description });

const MonthView = Type.Object(
  {
    month: Month,
    records: Type.Integer({ description: 'usage records that started in the month' }),
    card_hours: Decimal('card-hours, all models'),
    domestic_card_hours: Decimal('card-hours on domestic models'),
    compute_pflop_h: Decimal('compute, PFLOP·h (models with a throughput figure)'),
    domestic_compute_pflop_h: Decimal('compute on domestic models, PFLOP·h'),
    used_domestic_share_bp: Bp('domestic compute / all compute used in the month, rounded half up; null without compute'),
    installed_pflops: Decimal('dense PFLOPS of the inventory valid at the end of the month (count × dense throughput)'),
    domestic_installed_pflops: Decimal('the same, domestic models'),
    installed_domestic_share_bp: Bp('domestic installed / all installed, rounded half up; null when nothing is installed'),
    subsidy_approved_fen: FenString('approvals of the month, all programs (ledger transfers)'),
    subsidy_paid_fen: FenString('payments of the month, all programs'),
    subsidy_clawed_back_fen: FenString('claw-backs of the month (unpaid grants released and payments recovered), all programs'),
  },
  { title: 'OverviewMonth' },
);

const TrendView = Type.Object(
  {
    slope_bp_per_month: Type.Union([Type.Integer(), Type.Null()]),
    points: Type.Array(Type.Object({ month: Month, share_bp: Type.Integer() })),
    share_bp_at_target: Bp('the line at the target month, clamped to 0–10000'),
    reaches_target_month: Type.Union([Month, Type.Null()]),
  },
  { title: 'Trend' },
);

const OrgView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    compute_pflop_h: Decimal('compute in the range'),
    domestic_compute_pflop_h: Decimal('compute on domestic models in the range'),
    domestic_share_bp: Bp('domestic / all compute; null without compute'),
  },
  { title: 'OrgCompute' },
);

const Overview = Type.Object(
  {
    generated_at: Type.String(),
    time_zone: Type.String({ description: "the office's IANA time zone: the months, month ends and days of this answer are its" }),
    reference_accelerator: Type.String(),
    target: Type.Object({
      share_bp: Type.Integer(),
      month: Month,
      source: Type.Union([Type.String(), Type.Null()], { description: 'where the default target comes from; null when the operator set it' }),
      note: Type.String(),
    }),
    months: Type.Array(MonthView),
    projection: Type.Object({ method: Type.String(), used: TrendView, installed: TrendView }),
    programs: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          name_zh: Type.String(),
          name_en: Type.String(),
          budget_fen: FenString(),
          committed_fen: FenString('granted net of claw-backs, now'),
          paid_fen: FenString('paid net of recoveries, now'),
          available_fen: FenString(),
          burn: Type.Array(Type.Object({ month: Month, committed_fen: FenString('cumulative, at the end of the month') })),
          projected_exhaustion_date: Type.Union([Type.String(), Type.Null()], { description: 'the office day YYYY-MM-DD (time_zone)' }),
          exhaustion_method: Type.String(),
        },
        { title: 'OverviewProgram' },
      ),
    ),
    top_enterprises: Type.Array(OrgView),
    top_providers: Type.Array(OrgView),
    findings: Type.Object({
      open_high: Type.Integer(),
      open_total: Type.Integer(),
      recent_high: Type.Array(
        Type.Object({ id: Type.String(), kind: Type.String(), severity: Type.String(), message: Type.String(), detected_at: Type.String() }),
      ),
    }),
  },
  { title: 'Overview' },
);

function presentTrend(t: ShareTrend) {
  return {
    slope_bp_per_month: t.slope_bp_per_month,
    points: t.points.map((p) => ({ month: formatMonth(p.month), share_bp: p.share_bp })),
    share_bp_at_target: t.share_bp_at_target,
    reaches_target_month: t.reaches_target_month === null ? null : formatMonth(t.reaches_target_month),
  };
}

function presentOrg(o: OrgCompute) {
  return {
    id: o.id,
    name: o.name,
    compute_pflop_h: formatPflopHours(o.compute_gflop),
    domestic_compute_pflop_h: formatPflopHours(o.domestic_compute_gflop),
    domestic_share_bp: shareBp(o.domestic_compute_gflop, o.compute_gflop),
  };
}

function presentFinding(f: FindingHeadline, prices: boolean) {
  const message = findingMessage(
    { kind: f.kind, message: f.message, evidence: f.evidence, record_seqs: f.first_record_seq === null ? [] : [f.first_record_seq] },
    prices,
  );
  return { id: f.id, kind: f.kind, severity: f.severity, message, detected_at: iso(f.created_at_ms) };
}

function monthParam(name: 'from' | 'to', raw: string | undefined): MonthIndex | null {
  if (raw === undefined) return null;
  const m = parseMonth(raw);
  if (m === null)
    throw new ApiError('validation_failed', `${name} is not a month`, [{ field: `querystring.${name}`, message: 'not a month (YYYY-MM, 01 to 12)' }]);
  return m;
}

export function dashboardRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/dashboard/overview',
    {
      config: { access: readers },
      schema: {
        tags: ['dashboard'],
        summary: "The office's overview",
        description:
          `The program office's overview over the months [from, to] (UTC, both included, at most ${overview_months_max}): usage from the ` +
          'monthly rollups kept at ingest (a record counts in the month it started), installed compute at each month end, ledger transfers ' +
          "of each month, the trend of the domestic shares towards the target, programs' budgets, the top enterprises and providers by " +
          'domestic compute, and open findings (docs/dashboard.md).',
        querystring: Type.Object(
          {
            from: Type.Optional(
              Type.String({
                maxLength: 7,
                description: 'first month, YYYY-MM (default: the earliest month with usage or inventory, at most ' + `${overview_months_max} months before to)`,
              }),
            ),
            to: Type.Optional(Type.String({ maxLength: 7, description: 'last month, YYYY-MM (default: the current month)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Overview },
      },
    },
    async (request) => {
      const now_ms = ctx.now();
      const calendar = ctx.store.calendar;
      const q = request.query;
      const asked_from = monthParam('from', q.from);
      const asked_to = monthParam('to', q.to);
      const to = asked_to ?? monthOfMs(now_ms, calendar);
      let from = asked_from;
      if (from === null) {
        const first = await ctx.store.analytics.firstMonth(calendar);
        // The default reaches back to the first data, but no further than the limit, and never past `to`.
        from = Math.min(to, Math.max(first ?? monthOfMs(now_ms, calendar), to - overview_months_max + 1)) as MonthIndex;
      }
      if (from > to) {
        const field = asked_to !== null ? 'to' : 'from';
        throw new ApiError('validation_failed', `from (${formatMonth(from)}) is after to (${formatMonth(to)})`, [
          { field: `querystring.${field}`, message: field === 'to' ? 'before from' : 'after to' },
        ]);
      }
      if (to - from + 1 > overview_months_max) {
        throw new ApiError('validation_failed', `the range covers ${to - from + 1} months, at most ${overview_months_max}`, [
          { field: 'querystring.from', message: `at most ${overview_months_max} months before to` },
        ]);
      }
      const months = monthsBetween(from, to);
      const target = ctx.config.domestic_target;
      const target_month = parseMonth(target.month);
      if (target_month === null) throw new Error(`the configured target month ${target.month} is not a month`); // config.ts validates it
      const a = ctx.store.analytics;
      const [usage, inventory, transfers, programs, top_enterprises, top_providers, findings] = await Promise.all([
        a.monthlyUsage(from, to),
        a.inventory(),
        a.transfersByQuarterHour(),
        a.programBudgets(),
        a.topByDomesticCompute('enterprise', from, to, overview_top_max),
        a.topByDomesticCompute('provider', from, to, overview_top_max),
        a.openFindings(overview_top_max),
      ]);
      const o = buildOverview({ months, usage, inventory, transfers, programs, target: { share_bp: target.share_bp, month: target_month }, now_ms, calendar });
      const prices = seesPrices(principalOf(request));
      return {
        generated_at: iso(now_ms),
        time_zone: calendar.time_zone,
        reference_accelerator: ctx.config.reference_accelerator,
        target: { share_bp: target.share_bp, month: target.month, source: target.source, note: target.note },
        months: o.months.map((m) => ({
          month: formatMonth(m.month),
          records: m.records,
          card_hours: cardHours(m.card_s),
          domestic_card_hours: cardHours(m.domestic_card_s),
          compute_pflop_h: formatPflopHours(m.compute_gflop),
          domestic_compute_pflop_h: formatPflopHours(m.domestic_compute_gflop),
          used_domestic_share_bp: m.used_domestic_share_bp,
          installed_pflops: formatPflops(m.installed_gflops),
          domestic_installed_pflops: formatPflops(m.domestic_installed_gflops),
          installed_domestic_share_bp: m.installed_domestic_share_bp,
          subsidy_approved_fen: String(m.subsidy_approved_fen),
          subsidy_paid_fen: String(m.subsidy_paid_fen),
          subsidy_clawed_back_fen: String(m.subsidy_clawed_back_fen),
        })),
        projection: { method: trend_method, used: presentTrend(o.projection.used), installed: presentTrend(o.projection.installed) },
        programs: o.programs.map((p) => ({
          id: p.id,
          name_zh: p.name_zh,
          name_en: p.name_en,
          budget_fen: String(p.budget_fen),
          committed_fen: String(p.committed_fen),
          paid_fen: String(p.paid_fen),
          available_fen: String(p.available_fen),
          burn: p.burn.map((b) => ({ month: formatMonth(b.month), committed_fen: String(b.committed_fen) })),
          projected_exhaustion_date: p.projected_exhaustion_date,
          exhaustion_method,
        })),
        top_enterprises: top_enterprises.map(presentOrg),
        top_providers: top_providers.map(presentOrg),
        findings: { open_high: findings.open_high, open_total: findings.open_total, recent_high: findings.recent_high.map((f) => presentFinding(f, prices)) },
      };
    },
  );
}
