// The program office's overview: where the domestic share of compute stands against the 2027 target, how much compute
// was used and on what, what the programs have granted and paid and how fast their budgets burn, who leads on domestic
// compute, and the open high-severity findings. A month range (from/to, kept in the address) re-queries the API.
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { fenOf, fenShareBp, sumFen } from '../i18n/format.js';
import type { MessageKey } from '../i18n/messages.js';
import { useState } from 'react';
import { Show, useLoad } from '../components/load.js';
import { RunChecks } from '../components/run-checks.js';
import { useSession } from '../session.js';
import { href, navigate, type Route } from '../router.js';
import { decimalSum, orgName } from './programs-common.js';
import { BurnSection, ComputeCharts, ShareChart, SubsidyChart } from './overview-charts.js';
import { monthIndex, monthKey } from './overview-data.js';
import type { OrgCompute, Overview } from '../contract.gen.js';

const finding_keys: Record<string, MessageKey> = {
  capacity_overrun: 'overview.finding.capacity_overrun',
  duplicate_job: 'overview.finding.duplicate_job',
  overlapping_job: 'overview.finding.overlapping_job',
  price_outlier: 'overview.finding.price_outlier',
};

export function OverviewPage({ route }: { route: Route }) {
  const { t } = useI18n();
  const from = route.query.get('from') ?? '';
  const to = route.query.get('to') ?? '';
  const [nonce, setNonce] = useState(0);
  const loaded = useLoad((signal) => api.get<Overview>('/dashboard/overview', { from, to }, signal), [from, to, nonce]);
  const shown = loaded.state === 'ok' ? loaded.data.months : [];
  const setRange = (next: { from?: string; to?: string }) => {
    const q = { from: next.from ?? from, to: next.to ?? to };
    navigate(href('overview', q), true);
  };
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('overview.title')}</h1>
          <p className="muted">{t('overview.subtitle')}</p>
        </div>
        <form className="filters range" role="search" aria-label={t('overview.range')} onSubmit={(e) => e.preventDefault()}>
          <label className="field">
            <span>{t('overview.range_from')}</span>
            <input
              type="month"
              data-testid="overview-range-from"
              value={from || (shown[0]?.month ?? '')}
              max={to || undefined}
              onChange={(e) => setRange({ from: e.target.value })}
            />
          </label>
          <label className="field">
            <span>{t('overview.range_to')}</span>
            <input
              type="month"
              data-testid="overview-range-to"
              value={to || (shown[shown.length - 1]?.month ?? '')}
              min={from || undefined}
              onChange={(e) => setRange({ to: e.target.value })}
            />
          </label>
          {(from !== '' || to !== '') && (
            <button type="button" onClick={() => navigate(href('overview'), true)}>
              {t('overview.range_reset')}
            </button>
          )}
        </form>
      </div>
      <Show loaded={loaded}>{(o) => <OverviewBody o={o} onChecked={() => setNonce((n) => n + 1)} />}</Show>
    </>
  );
}

function OverviewBody({ o, onChecked }: { o: Overview; onChecked(): void }) {
  const { t, instant } = useI18n();
  if (o.months.length === 0) return <p className="empty panel">{t('overview.no_months')}</p>;
  // The usage, subsidy and burn charts start at the first month with usage, a subsidy or a commitment: months of
  // inventory alone (the share chart shows them) would leave those charts mostly empty. Said under each chart.
  const busy = (k: number) => {
    const m = o.months[k]!;
    return (
      m.records > 0 ||
      fenOf(m.subsidy_approved_fen) > 0n ||
      fenOf(m.subsidy_paid_fen) > 0n ||
      fenOf(m.subsidy_clawed_back_fen) > 0n ||
      o.programs.some((p) => fenOf(p.burn.find((b) => b.month === m.month)?.committed_fen ?? 0) > 0n)
    );
  };
  const first_busy = o.months.findIndex((_m, k) => busy(k));
  const start = first_busy < 0 ? 0 : first_busy;
  const active: Overview =
    start === 0
      ? o
      : {
          ...o,
          months: o.months.slice(start),
          programs: o.programs.map((p) => ({ ...p, burn: p.burn.filter((b) => b.month >= o.months[start]!.month) })),
        };
  const since = start === 0 ? null : o.months[start]!.month;
  return (
    <>
      <Kpis o={o} />
      <div className="grid">
        <ShareChart o={o} />
        <ComputeCharts o={active} since={since} />
        <SubsidyChart o={active} since={since} />
        <FindingsPanel o={o} onChecked={onChecked} />
        <BurnSection o={active} since={since} />
        <TopTable title={t('overview.top.enterprises')} rows={o.top_enterprises} testId="overview-top-enterprises" />
        <TopTable title={t('overview.top.providers')} rows={o.top_providers} testId="overview-top-providers" />
      </div>
      <p className="method">{t('overview.generated', { at: instant(o.generated_at) })}</p>
    </>
  );
}

function Kpis({ o }: { o: Overview }) {
  const { t, bp, month, decimal, fen } = useI18n();
  const with_used = o.months.filter((m) => m.used_domestic_share_bp !== null);
  const latest = with_used[with_used.length - 1] ?? null;
  const previous = with_used[with_used.length - 2] ?? null;
  const with_installed = o.months.filter((m) => m.installed_domestic_share_bp !== null);
  const inst = with_installed[with_installed.length - 1] ?? null;
  const inst_prev = with_installed[with_installed.length - 2] ?? null;
  const total = decimalSum(o.months.map((m) => m.compute_pflop_h));
  const domestic_total = decimalSum(o.months.map((m) => m.domestic_compute_pflop_h));
  const budget = sumFen(o.programs.map((p) => p.budget_fen));
  const committed = sumFen(o.programs.map((p) => p.committed_fen));
  const first = o.months[0]!.month;
  const last = o.months[o.months.length - 1]!.month;
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? '' : ` (${a - b >= 0 ? '+' : ''}${bp(a - b)})`);
  return (
    <div className="kpi-strip" role="list" aria-label={t('overview.kpis')}>
      <div className="panel kpi" role="listitem" data-testid="kpi-used-share">
        <span className="label">{t('overview.kpi.used_share')}</span>
        <span className="value">{latest ? bp(latest.used_domestic_share_bp) : '—'}</span>
        <span className="sub">
          {latest ? month(latest.month) : t('overview.kpi.no_usage')}
          {previous && (
            <>
              {' '}
              · {t('overview.kpi.prev', { month: month(previous.month), value: bp(previous.used_domestic_share_bp) })}
              {delta(latest!.used_domestic_share_bp, previous.used_domestic_share_bp)}
            </>
          )}
        </span>
      </div>
      <div className="panel kpi" role="listitem" data-testid="kpi-installed-share">
        <span className="label">{t('overview.kpi.installed_share')}</span>
        <span className="value">{inst ? bp(inst.installed_domestic_share_bp) : '—'}</span>
        <span className="sub">
          {inst ? t('overview.kpi.month_end', { month: month(inst.month) }) : t('overview.kpi.no_inventory')}
          {inst_prev && <> · {t('overview.kpi.prev', { month: month(inst_prev.month), value: bp(inst_prev.installed_domestic_share_bp) })}</>}
        </span>
      </div>
      <div className="panel kpi" role="listitem" data-testid="kpi-compute">
        <span className="label">{t('overview.kpi.compute')}</span>
        <span className="value">
          {decimal(total, 0)} <span className="kpi-unit">{t('unit.pflop_h')}</span>
        </span>
        <span className="sub">{t('overview.kpi.compute_sub', { from: month(first), to: month(last), domestic: decimal(domestic_total, 0) })}</span>
      </div>
      <div className="panel kpi" role="listitem" data-testid="kpi-committed">
        <span className="label">{t('overview.kpi.committed')}</span>
        <span className="value">{fen(committed)}</span>
        <span className="sub">
          {t('overview.kpi.committed_sub', { budget: fen(budget), share: budget === 0n ? '—' : bp(fenShareBp(committed, budget), 2) })}
        </span>
      </div>
      <div className={`panel kpi${o.findings.open_high > 0 ? ' alert' : ''}`} role="listitem">
        <span className="label">{t('overview.kpi.open_high')}</span>
        <span className="value" data-testid="kpi-open-high">
          {o.findings.open_high}
        </span>
        <span className="sub">
          {o.findings.open_high > 0 ? (
            <a href="#overview-findings">{t('overview.kpi.open_sub', { total: o.findings.open_total })}</a>
          ) : (
            t('overview.kpi.open_sub', { total: o.findings.open_total })
          )}
        </span>
      </div>
    </div>
  );
}

/** The first day of the last month with usage and the first day of the month after: the full check's default period. */
function lastUsageMonth(o: Overview): { from: string; to: string } {
  const m = [...o.months].reverse().find((x) => x.records > 0) ?? o.months[o.months.length - 1]!;
  return { from: `${m.month}-01`, to: `${monthKey(monthIndex(m.month) + 1)}-01` };
}

function FindingsPanel({ o, onChecked }: { o: Overview; onChecked(): void }) {
  const { t, instant } = useI18n();
  const { session } = useSession();
  const list = o.findings.recent_high;
  return (
    <section className="panel span-6" aria-labelledby="overview-findings" data-testid="overview-findings">
      <h2 id="overview-findings" tabIndex={-1}>
        <span>{t('overview.findings.title')}</span>
        <span className="muted note-sm">{t('overview.findings.count', { high: o.findings.open_high, total: o.findings.open_total })}</span>
      </h2>
      {list.length === 0 ? (
        <p className="empty">{t('overview.findings.none')}</p>
      ) : (
        <div className="table-wrap findings-wrap">
          <table>
            <caption className="visually-hidden">{t('overview.findings.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('overview.findings.kind')}</th>
                <th scope="col">{t('overview.findings.message')}</th>
                <th scope="col">{t('overview.findings.detected')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((f) => (
                <tr key={f.id}>
                  <td>
                    <span className={`badge ${f.severity}`}>{finding_keys[f.kind] ? t(finding_keys[f.kind]!) : f.kind}</span>
                  </td>
                  <td className="note-sm">
                    <span lang="en">{f.message ?? ''}</span>
                    <div className="muted">
                      <code>{f.id}</code>
                    </div>
                  </td>
                  <td className="note-sm no-wrap">{instant(f.detected_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="method">{t('overview.findings.note')}</p>
      {session?.role === 'administrator' && (
        <details className="checks-box" data-testid="overview-checks">
          <summary>{t('checks.title')}</summary>
          <p className="muted note-sm">{t('checks.hint')}</p>
          <RunChecks {...lastUsageMonth(o)} onDone={onChecked} />
        </details>
      )}
    </section>
  );
}

function TopTable({ title, rows, testId }: { title: string; rows: OrgCompute[]; testId: string }) {
  const { t, decimal, bp, locale } = useI18n();
  const max = Math.max(0, ...rows.map((r) => Number(r.compute_pflop_h)));
  return (
    <section className="panel span-6" aria-label={title} data-testid={testId}>
      <h2>
        <span>{title}</span>
        <span className="muted note-sm">{t('overview.top.by')}</span>
      </h2>
      {rows.length === 0 ? (
        <p className="empty">{t('overview.top.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="top-table">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  #
                </th>
                <th scope="col">{t('overview.top.name')}</th>
                <th scope="col" className="num">
                  {t('overview.top.domestic')}
                </th>
                <th scope="col" className="num">
                  {t('overview.top.total')}
                </th>
                <th scope="col" className="num">
                  {t('overview.top.share')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, k) => {
                const dom = max === 0 ? 0 : (Number(r.domestic_compute_pflop_h) * 100) / max;
                const all = max === 0 ? 0 : (Number(r.compute_pflop_h) * 100) / max;
                return (
                  <tr key={r.id}>
                    <td className="num">{k + 1}</td>
                    <td title={r.name}>
                      <div>{orgName(r.name, locale)}</div>
                      <div className="share-bar" aria-hidden="true">
                        <span className="dom" style={{ width: `${dom}%` }} />
                        <span className="for" style={{ width: `${Math.max(0, all - dom)}%` }} />
                      </div>
                    </td>
                    <td className="num">{decimal(r.domestic_compute_pflop_h, 0)}</td>
                    <td className="num">{decimal(r.compute_pflop_h, 0)}</td>
                    <td className="num">{bp(r.domestic_share_bp)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="method">{t('overview.top.note')}</p>
    </section>
  );
}
