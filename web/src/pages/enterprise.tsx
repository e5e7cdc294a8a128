// The enterprise view: an enterprise's own usage (domestic vs foreign by month, by accelerator), what a claim would
// pay (an estimate with its explanation), its claims, and filing a new one. Administrators and auditors pick the
// enterprise (?org=); an enterprise always sees itself.
import { useEffect, useMemo, useState } from 'react';
import { allPages, api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Chart, domestic_color, foreign_color, type ChartOption } from '../components/chart.js';
import { Show, useLoad } from '../components/load.js';
import { Downloads } from '../components/download.js';
import { href, type Route } from '../router.js';
import { useSignedIn } from '../session.js';
import {
  ClaimFigureCells,
  ClaimFigureHeads,
  compactNumber,
  decimalUnits,
  localName,
  OrgChooser,
  OrgPicker,
  programName,
  setQuery,
  shareBp,
  useCatalog,
  useViewedOrg,
  usePrograms,
} from './claims-shared.js';
import { EstimatePanel, FileClaimPanel } from './enterprise-forms.js';
import { AcceleratorUsageTable } from './accelerator-usage-table.js';
import { DateRangeFilter, dateRangeOf } from './date-range-filter.js';
import type { Accelerator, Claim, ClaimPage, Organization, Program, UsageSummary } from '../contract.gen.js';

export function EnterprisePage({ route }: { route: Route }) {
  const { t, locale } = useI18n();
  const { office, org, org_map, me } = useViewedOrg(route.query);
  return (
    <div className="f2-page">
      <div className="page-head">
        <div>
          <h1>{office ? t('enterprise.title_office') : t('enterprise.title')}</h1>
          <p className="muted">{me ? <OrgFacts org={me} /> : office ? t('enterprise.office_note') : null}</p>
        </div>
        {office && (
          <OrgPicker
            kind="enterprise"
            value={org}
            orgs={org_map}
            label={t('enterprise.pick')}
            onChange={(id) => setQuery('enterprise', route.query, { org: id })}
          />
        )}
      </div>
      {org === '' ? (
        <div className="panel">
          <p className="muted">{t('enterprise.pick_prompt')}</p>
          <OrgChooser kind="enterprise" orgs={org_map} page="enterprise" />
        </div>
      ) : (
        <EnterpriseView key={org} org={org} route={route} orgName={me ? localName(me.name, locale) : org} />
      )}
    </div>
  );
}

function OrgFacts({ org }: { org: Organization }) {
  const { t, locale } = useI18n();
  const parts = [localName(org.name, locale)];
  if (org.region) parts.push(t('enterprise.region', { code: org.region }));
  if (org.sector) parts.push(org.sector);
  if (org.credit_code) parts.push(org.credit_code);
  return <span title={org.name}>{parts.join(' · ')}</span>;
}

interface UsageData {
  domestic: UsageSummary;
  foreign: UsageSummary;
  accelerators: UsageSummary;
}

function EnterpriseView({ org, route, orgName }: { org: string; route: Route; orgName: string }) {
  const i18n = useI18n();
  const { t, int, decimal, fen, bp } = i18n;
  const session = useSignedIn();
  const office = session.role === 'administrator' || session.role === 'auditor';
  const { from, to } = dateRangeOf(route.query);
  const scope = office ? { enterprise_id: org } : {};
  const usage = useLoad(
    async (signal): Promise<UsageData> => {
      const q = { ...scope, from, to };
      const [domestic, foreign, accelerators] = await Promise.all([
        api.get<UsageSummary>('/usage/summary', { ...q, group_by: 'month', domestic: 'true' }, signal),
        api.get<UsageSummary>('/usage/summary', { ...q, group_by: 'month', domestic: 'false' }, signal),
        api.get<UsageSummary>('/usage/summary', { ...q, group_by: 'accelerator' }, signal),
      ]);
      return { domestic, foreign, accelerators };
    },
    [org, from, to],
  );
  const claims = useLoad(() => allPages<ClaimPage>('/claims', office ? { beneficiary_id: org } : {}, 2000), [org]);
  const programs = usePrograms();
  const catalog = useCatalog();
  const cat = catalog.state === 'ok' ? catalog.data : undefined;
  const program_list = useMemo(() => (programs.state === 'ok' ? programs.data.filter((p) => p.beneficiary_kind === 'enterprise') : []), [programs]);
  const months = useMemo(
    () => (usage.state === 'ok' ? [...new Set([...usage.data.domestic.items, ...usage.data.foreign.items].map((r) => r.key))].sort() : []),
    [usage],
  );
  const [metric, setMetric] = useState<'card_hours' | 'compute_pflop_h'>('card_hours');

  useEffect(() => {
    if (route.query.get('section') === 'file-claim') {
      const el = document.getElementById('file-claim');
      if (el) {
        el.scrollIntoView({ block: 'start' });
        el.querySelector('select')?.focus();
      }
    }
  }, [route.query, claims.state, usage.state]);

  return (
    <>
      <div className="filters panel-filters">
        <DateRangeFilter page="enterprise" query={route.query} clearLabel={t('enterprise.range_all')} unboundedNote={t('enterprise.range_all_note')} />
      </div>
      <Show loaded={usage}>
        {(u) => {
          const dom = decimalUnits(u.domestic.totals.compute_pflop_h);
          const all = dom + decimalUnits(u.foreign.totals.compute_pflop_h);
          const dom_h = decimalUnits(u.domestic.totals.card_hours);
          const all_h = dom_h + decimalUnits(u.foreign.totals.card_hours);
          const records = u.domestic.totals.records + u.foreign.totals.records;
          const billed = u.accelerators.totals.amount_fen;
          return (
            <div className="grid">
              <div className="panel span-3 kpi">
                <span className="label">{t('enterprise.kpi.card_hours')}</span>
                <span className="value">{decimal(u.accelerators.totals.card_hours, 0)}</span>
                <span className="sub">{t('enterprise.kpi.records', { n: int(records) })}</span>
              </div>
              <div className="panel span-3 kpi">
                <span className="label">{t('enterprise.kpi.compute')}</span>
                <span className="value">{decimal(u.accelerators.totals.compute_pflop_h, 0)}</span>
                <span className="sub">
                  {t('enterprise.kpi.compute_sub', {
                    ref: u.accelerators.totals.reference_card_hours === null ? '—' : decimal(u.accelerators.totals.reference_card_hours, 0),
                  })}
                </span>
              </div>
              <div className="panel span-3 kpi">
                <span className="label">{t('enterprise.kpi.domestic_share')}</span>
                <span className="value">{bp(shareBp(dom, all))}</span>
                <span className="sub">{t('enterprise.kpi.domestic_hours', { share: bp(shareBp(dom_h, all_h)) })}</span>
              </div>
              <div className="panel span-3 kpi">
                <span className="label">{t('enterprise.kpi.billed')}</span>
                <span className="value">{billed === null ? '—' : fen(billed)}</span>
                <span className="sub">{billed === null ? t('enterprise.kpi.billed_hidden') : t('enterprise.kpi.billed_sub')}</span>
              </div>

              <section className="panel span-12" aria-labelledby="ent-chart-h">
                <h2 id="ent-chart-h">
                  <span>{t('enterprise.chart_title')}</span>
                  <Downloads
                    path="/reports/usage-summary"
                    query={{ ...scope, from, to, group_by: 'month' }}
                    label={t('enterprise.export_months')}
                    testId="enterprise-export-months"
                  />
                  <span className="segmented" role="group" aria-label={t('enterprise.metric')}>
                    <button type="button" aria-pressed={metric === 'card_hours'} onClick={() => setMetric('card_hours')}>
                      {t('unit.card_hours')}
                    </button>
                    <button type="button" aria-pressed={metric === 'compute_pflop_h'} onClick={() => setMetric('compute_pflop_h')}>
                      {t('unit.pflop_h')}
                    </button>
                  </span>
                </h2>
                {months.length === 0 ? <p className="empty">{t('enterprise.no_usage')}</p> : <MonthChart data={u} months={months} metric={metric} />}
                <p className="method">
                  {t('enterprise.method', {
                    ref: cat?.get(u.accelerators.reference_accelerator)
                      ? `${cat.get(u.accelerators.reference_accelerator)!.vendor} ${cat.get(u.accelerators.reference_accelerator)!.model}`
                      : u.accelerators.reference_accelerator,
                  })}
                </p>
              </section>

              <section className="panel span-12" aria-labelledby="ent-acc-h">
                <h2 id="ent-acc-h">
                  <span>{t('enterprise.by_accelerator')}</span>
                  <Downloads
                    path="/reports/usage-summary"
                    query={{ ...scope, from, to, group_by: 'accelerator' }}
                    label={t('enterprise.export_accelerators')}
                    testId="enterprise-export-accelerators"
                  />
                </h2>
                <AcceleratorTable summary={u.accelerators} catalog={cat} />
              </section>
            </div>
          );
        }}
      </Show>

      <div className="grid section-gap">
        <EstimatePanel org={org} office={office} programs={program_list} months={months} orgName={orgName} />
        {session.role !== 'auditor' ? (
          <FileClaimPanel org={org} office={office} programs={program_list} months={months} claims={claims.state === 'ok' ? claims.data : []} />
        ) : (
          <section className="panel span-4">
            <h2>{t('enterprise.file_title')}</h2>
            <p className="muted">{t('enterprise.file_auditor')}</p>
          </section>
        )}
        <section className="panel span-12" aria-labelledby="ent-claims-h">
          <h2 id="ent-claims-h">
            <span>{t('enterprise.claims')}</span>
            <a className="small" href={href('claims', office ? { beneficiary: org } : {})}>
              {t('enterprise.claims_all')}
            </a>
          </h2>
          <Show loaded={claims}>{(list) => <ClaimList claims={list} programs={programs.state === 'ok' ? programs.data : []} />}</Show>
        </section>
      </div>
    </>
  );
}

function MonthChart({ data, months, metric }: { data: UsageData; months: string[]; metric: 'card_hours' | 'compute_pflop_h' }) {
  const { t, month, decimal, locale } = useI18n();
  const value = (s: UsageSummary, m: string) => s.items.find((r) => r.key === m)?.[metric] ?? '0';
  const unit = metric === 'card_hours' ? t('unit.card_hours') : t('unit.pflop_h');
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${decimal(String(v), 1)} ${unit}` },
      legend: { top: 0, left: 'center' },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: months.map((m) => month(m)) },
      yAxis: { type: 'value', name: unit, nameTextStyle: { align: 'left' }, axisLabel: { formatter: (v: number) => compactNumber(v, locale) } },
      series: [
        {
          name: t('domestic.yes'),
          type: 'bar',
          stack: 'usage',
          barMaxWidth: 48,
          itemStyle: { color: domestic_color },
          data: months.map((m) => Number(value(data.domestic, m))),
        },
        {
          name: t('domestic.no'),
          type: 'bar',
          stack: 'usage',
          barMaxWidth: 48,
          itemStyle: { color: foreign_color },
          data: months.map((m) => Number(value(data.foreign, m))),
        },
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the formatters change with locale, which is listed
    [data, months, metric, locale],
  );
  const label = t('enterprise.chart_label', {
    unit,
    from: months[0] ? month(months[0]) : '',
    to: months[months.length - 1] ? month(months[months.length - 1]!) : '',
  });
  const table = {
    columns: [t('enterprise.col.month'), `${t('domestic.yes')} (${unit})`, `${t('domestic.no')} (${unit})`],
    rows: months.map((m) => [month(m), decimal(value(data.domestic, m), 1), decimal(value(data.foreign, m), 1)]),
  };
  return <Chart option={option} label={label} table={table} testId="enterprise-usage-chart" height={300} />;
}

function AcceleratorTable({ summary, catalog }: { summary: UsageSummary; catalog: Map<string, Accelerator> | undefined }) {
  const { t } = useI18n();
  const rows = useMemo(() => [...summary.items].sort((a, b) => (decimalUnits(b.compute_pflop_h) > decimalUnits(a.compute_pflop_h) ? 1 : -1)), [summary]);
  if (rows.length === 0)
    return (
      <p className="empty" data-testid="enterprise-accelerator-table">
        {t('enterprise.no_usage')}
      </p>
    );
  return (
    <AcceleratorUsageTable
      items={rows}
      totals={summary.totals}
      catalog={catalog}
      caption={t('enterprise.by_accelerator')}
      testId="enterprise-accelerator-table"
      shares
      totalsInFoot
    />
  );
}

function ClaimList({ claims, programs }: { claims: Claim[]; programs: Program[] }) {
  const { t, locale } = useI18n();
  const by_id = useMemo(() => new Map(programs.map((p) => [p.id, p])), [programs]);
  const sorted = useMemo(() => [...claims].sort((a, b) => b.period_start.localeCompare(a.period_start) || b.updated_at.localeCompare(a.updated_at)), [claims]);
  if (sorted.length === 0)
    return (
      <p className="empty" data-testid="enterprise-claims">
        {t('claims.none')}
      </p>
    );
  return (
    <div className="table-wrap">
      <table data-testid="enterprise-claims">
        <caption className="visually-hidden">{t('enterprise.claims')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('claims.col.program')}</th>
            <ClaimFigureHeads />
          </tr>
        </thead>
        <tbody>
          {sorted.map((c) => (
            <tr key={c.id} data-testid={`claim-row-${c.id}`}>
              <td className="claim-cell">
                <a href={href('claims', c.id)}>{programName(by_id.get(c.program_id), c.program_id, locale)}</a>
              </td>
              <ClaimFigureCells c={c} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
