// The overview's charts: the domestic share against the 2027 target (with its trend), compute and card-hours by
// month, subsidies by month, and each program's budget burn.
import { useI18n } from '../i18n/i18n.js';
import { fenOf, fenShareBp, sumFen } from '../i18n/format.js';
import { Chart, domestic_color, foreign_color, palette, type ChartOption } from '../components/chart.js';
import { SourceText, decimalSub, escapeHtml, programName } from './programs-common.js';
import { lineAt, monthIndex, monthsFromTo } from './overview-data.js';
import type { Overview } from '../contract.gen.js';

const used_color = domestic_color;
const subsidy_keys = ['subsidy_approved_fen', 'subsidy_paid_fen', 'subsidy_clawed_back_fen'] as const;
/** An amount of fen as a bar's height: a double (what a chart plots); tooltips and tables say the exact figure. */
const chartFen = (fen: string) => Number(fenOf(fen));
const installed_color = '#e6a23c';

export function ShareChart({ o }: { o: Overview }) {
  const { t, bp, month, locale, decimal } = useI18n();
  const first = o.months[0]?.month ?? o.target.month;
  const last = o.months[o.months.length - 1]?.month ?? first;
  const end = monthIndex(o.target.month) > monthIndex(last) ? o.target.month : last;
  const axis = monthsFromTo(first, end);
  const pos = new Map(axis.map((m, k) => [m, k]));
  const series_of = (pick: (m: Overview['months'][number]) => number | null) => {
    const data: (number | null)[] = axis.map(() => null);
    for (const m of o.months) {
      const k = pos.get(m.month);
      if (k !== undefined) data[k] = pick(m) === null ? null : pick(m)! / 100;
    }
    return data;
  };
  // A trend is drawn from its last point to the target month: the least-squares line through its points (clamped to
  // 0–100% as the API's is), which meets the API's exact share at the target month.
  const projection = (trend: Overview['projection']['used']) => {
    const data: (number | null)[] = axis.map(() => null);
    const lastPoint = trend.points[trend.points.length - 1];
    if (!lastPoint || trend.slope_bp_per_month === null) return data;
    const k0 = pos.get(lastPoint.month);
    const k1 = pos.get(o.target.month);
    if (k0 === undefined || k1 === undefined || k1 <= k0) return data;
    for (let k = k0; k <= k1; k++) {
      const v = k === k1 && trend.share_bp_at_target !== null ? trend.share_bp_at_target : lineAt(trend.points, axis[k]!);
      data[k] = v === null ? null : v / 100;
    }
    return data;
  };
  const used = series_of((m) => m.used_domestic_share_bp);
  const installed = series_of((m) => m.installed_domestic_share_bp);
  const pct = (v: unknown) => (v === null || v === undefined || Number.isNaN(Number(v)) ? '—' : bp(Math.round(Number(v) * 100)));
  const target_label = t('overview.share.target', { share: bp(o.target.share_bp, 0), month: month(o.target.month) });
  const option: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: pct },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: axis, boundaryGap: false, axisLabel: { formatter: (v: string) => month(v), hideOverlap: true } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      {
        name: t('overview.share.used'),
        type: 'line',
        data: used,
        connectNulls: false,
        symbolSize: 7,
        itemStyle: { color: used_color },
        lineStyle: { width: 3 },
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { color: '#1f2430', type: 'solid', width: 1.5 },
          label: { formatter: target_label, position: 'insideEndTop', color: '#1f2430', fontWeight: 600 },
          data: [{ yAxis: o.target.share_bp / 100 }],
        },
      },
      {
        name: t('overview.share.installed'),
        type: 'line',
        data: installed,
        connectNulls: false,
        symbolSize: 7,
        itemStyle: { color: installed_color },
        lineStyle: { width: 3 },
      },
      {
        name: t('overview.share.used_trend'),
        type: 'line',
        data: projection(o.projection.used),
        showSymbol: false,
        itemStyle: { color: used_color },
        lineStyle: { type: 'dashed', width: 2 },
      },
      {
        name: t('overview.share.installed_trend'),
        type: 'line',
        data: projection(o.projection.installed),
        showSymbol: false,
        itemStyle: { color: installed_color },
        lineStyle: { type: 'dashed', width: 2 },
      },
    ],
  };
  const reach = (m: string | null) => (m === null ? t('overview.share.not_reached') : month(m));
  const trendText = (name: string, tr: Overview['projection']['used']) =>
    tr.slope_bp_per_month === null
      ? t('overview.share.no_trend', { name })
      : t('overview.share.trend_line', {
          name,
          slope: `${tr.slope_bp_per_month >= 0 ? '+' : '−'}${decimal(String(Math.abs(tr.slope_bp_per_month) / 100), 2)}`,
          at: bp(tr.share_bp_at_target),
          month: month(o.target.month),
          reach: reach(tr.reaches_target_month),
        });
  const label = t('overview.share.label', {
    used: pct(used.filter((v) => v !== null).slice(-1)[0] ?? null),
    installed: pct(installed.filter((v) => v !== null).slice(-1)[0] ?? null),
    target: target_label,
  });
  return (
    <section className="panel span-12" aria-labelledby="share-title">
      <h2 id="share-title">
        <span>{t('overview.share.title')}</span>
      </h2>
      <Chart
        option={option}
        height={360}
        testId="overview-share-chart"
        label={label}
        table={{
          columns: [t('overview.col.month'), t('overview.share.used'), t('overview.share.installed')],
          rows: o.months.map((m) => [month(m.month), bp(m.used_domestic_share_bp), bp(m.installed_domestic_share_bp)]),
        }}
      />
      <ul className="trend-lines">
        <li>{trendText(t('overview.share.used'), o.projection.used)}</li>
        <li>{trendText(t('overview.share.installed'), o.projection.installed)}</li>
      </ul>
      <div className="method" data-testid="overview-method">
        <strong>{t('overview.method')}</strong>{' '}
        <MethodText locale={locale} summary={t('overview.share.method_zh')} server={o.projection.method} label={t('overview.server_text')} />
      </div>
      <p className="method">
        <strong>{t('overview.share.target_source')}</strong>{' '}
        {o.target.source === null ? t('overview.share.target_operator') : <SourceText text={o.target.source} />}
        {' · '}
        <span lang="en">{o.target.note}</span>
      </p>
      <p className="method">{t('overview.share.defs')}</p>
    </section>
  );
}

export function ComputeCharts({ o, since }: { o: Overview; since: string | null }) {
  const { t, month, decimal } = useI18n();
  const months = o.months.map((m) => m.month);
  const stacked = (dom: string[], all: string[], unit: string, testId: string, title: string, digits: number) => {
    const foreign = all.map((a, k) => decimalSub(a, dom[k]!));
    const option: ChartOption = {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => `${decimal(String(v ?? 0), digits)} ${unit}` },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: months, axisLabel: { formatter: (v: string) => month(v), hideOverlap: true } },
      yAxis: { type: 'value', name: unit, nameTextStyle: { align: 'left' }, axisLabel: { formatter: (v: number) => compactNumber(v) } },
      series: [
        { name: t('domestic.yes'), type: 'bar', stack: 'c', data: dom.map(Number), itemStyle: { color: domestic_color }, barMaxWidth: 48 },
        { name: t('domestic.no'), type: 'bar', stack: 'c', data: foreign.map(Number), itemStyle: { color: foreign_color }, barMaxWidth: 48 },
      ],
    };
    return (
      <Chart
        option={option}
        height={300}
        testId={testId}
        label={title}
        table={{
          columns: [t('overview.col.month'), `${t('domestic.yes')} (${unit})`, `${t('domestic.no')} (${unit})`, `${t('overview.col.total')} (${unit})`],
          rows: o.months.map((m, k) => [month(m.month), decimal(dom[k]!, digits), decimal(foreign[k]!, digits), decimal(all[k]!, digits)]),
        }}
      />
    );
  };
  return (
    <>
      <section className="panel span-6" aria-labelledby="compute-title">
        <h2 id="compute-title">
          <span>{t('overview.compute.title')}</span>
          <span className="muted note-sm">{t('unit.pflop_h')}</span>
        </h2>
        {stacked(
          o.months.map((m) => m.domestic_compute_pflop_h),
          o.months.map((m) => m.compute_pflop_h),
          t('unit.pflop_h'),
          'overview-compute-chart',
          t('overview.compute.title'),
          1,
        )}
        <p className="method">
          {t('overview.compute.note', { ref: o.reference_accelerator })}
          {since && <> {t('overview.since', { month: month(since) })}</>}
        </p>
      </section>
      <section className="panel span-6" aria-labelledby="cardh-title">
        <h2 id="cardh-title">
          <span>{t('overview.card_hours.title')}</span>
          <span className="muted note-sm">{t('unit.card_hours')}</span>
        </h2>
        {stacked(
          o.months.map((m) => m.domestic_card_hours),
          o.months.map((m) => m.card_hours),
          t('unit.card_hours'),
          'overview-card-hours-chart',
          t('overview.card_hours.title'),
          0,
        )}
        <p className="method">
          {t('overview.card_hours.note')}
          {since && <> {t('overview.since', { month: month(since) })}</>}
        </p>
      </section>
    </>
  );
}

/** Axis numbers: 1.2M / 340K style, locale-neutral (the unit is named on the axis). */
function compactNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}B`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}K`;
  return String(+v.toFixed(1));
}

export function SubsidyChart({ o, since }: { o: Overview; since: string | null }) {
  const { t, fen, fenShort, month } = useI18n();
  const months = o.months.map((m) => m.month);
  const option: ChartOption = {
    // The bars plot doubles; the tooltip and the table say the exact amounts.
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: { seriesIndex: number; seriesName: string; dataIndex: number; marker: string }[]) => {
        const m = o.months[params[0]?.dataIndex ?? 0];
        if (m === undefined) return '';
        return [month(m.month), ...params.map((p) => `${p.marker}${escapeHtml(p.seriesName)}: ${fen(m[subsidy_keys[p.seriesIndex]!])}`)].join('<br/>');
      },
    },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: months, axisLabel: { formatter: (v: string) => month(v), hideOverlap: true } },
    yAxis: { type: 'value', minInterval: 100, axisLabel: { formatter: (v: number) => fenShort(v) } },
    series: [
      {
        name: t('overview.subsidy.approved'),
        type: 'bar',
        data: o.months.map((m) => chartFen(m.subsidy_approved_fen)),
        itemStyle: { color: '#3ba272' },
        barMaxWidth: 28,
      },
      {
        name: t('overview.subsidy.paid'),
        type: 'bar',
        data: o.months.map((m) => chartFen(m.subsidy_paid_fen)),
        itemStyle: { color: '#2c6fbb' },
        barMaxWidth: 28,
      },
      {
        name: t('overview.subsidy.clawed_back'),
        type: 'bar',
        data: o.months.map((m) => chartFen(m.subsidy_clawed_back_fen)),
        itemStyle: { color: '#7a1c16' },
        barMaxWidth: 28,
      },
    ],
  };
  const total = (k: (typeof subsidy_keys)[number]) => sumFen(o.months.map((m) => m[k]));
  return (
    <section className="panel span-6" aria-labelledby="subsidy-title">
      <h2 id="subsidy-title">
        <span>{t('overview.subsidy.title')}</span>
        <span className="muted note-sm">{t('overview.subsidy.unit')}</span>
      </h2>
      <Chart
        option={option}
        height={300}
        testId="overview-subsidy-chart"
        label={t('overview.subsidy.label', {
          approved: fen(total('subsidy_approved_fen')),
          paid: fen(total('subsidy_paid_fen')),
          clawed: fen(total('subsidy_clawed_back_fen')),
        })}
        table={{
          columns: [t('overview.col.month'), t('overview.subsidy.approved'), t('overview.subsidy.paid'), t('overview.subsidy.clawed_back')],
          rows: o.months.map((m) => [month(m.month), fen(m.subsidy_approved_fen), fen(m.subsidy_paid_fen), fen(m.subsidy_clawed_back_fen)]),
        }}
      />
      <p className="method">
        {t('overview.subsidy.note')}
        {since && <> {t('overview.since', { month: month(since) })}</>}
      </p>
    </section>
  );
}

export function BurnSection({ o, since }: { o: Overview; since: string | null }) {
  const { t, fen, bp, month, locale } = useI18n();
  const months = o.months.map((m) => m.month);
  const share = fenShareBp;
  const option: ChartOption = {
    tooltip: {
      trigger: 'axis',
      formatter: (params: { seriesIndex: number; dataIndex: number; marker: string }[]) => {
        const head = months[params[0]?.dataIndex ?? 0];
        const lines = params.map((p) => {
          const prog = o.programs[p.seriesIndex]!;
          const c = prog.burn.find((b) => b.month === months[p.dataIndex])?.committed_fen ?? '0';
          return `${p.marker}${escapeHtml(programName(prog, locale))}: ${fen(c)} (${bp(share(c, prog.budget_fen), 2)})`;
        });
        return [head ? month(head) : '', ...lines].join('<br/>');
      },
    },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: months, boundaryGap: false, axisLabel: { formatter: (v: string) => month(v), hideOverlap: true } },
    yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => `${+v.toFixed(3)}%` } },
    series: o.programs.map((p, k) => ({
      name: programName(p, locale),
      type: 'line',
      symbolSize: 6,
      itemStyle: { color: palette[k % palette.length] },
      // percent of the budget, to 4 decimals (a chart plots doubles; the table below says the exact amounts)
      data: months.map((m) => {
        const b = p.burn.find((x) => x.month === m);
        const budget = fenOf(p.budget_fen);
        return b === undefined || budget === 0n ? null : Number((fenOf(b.committed_fen) * 1_000_000n) / budget) / 10_000;
      }),
    })),
  };
  const methods = [...new Set(o.programs.map((p) => p.exhaustion_method))];
  return (
    <section className="panel span-12" aria-labelledby="burn-title">
      <h2 id="burn-title">{t('overview.burn.title')}</h2>
      {o.programs.length === 0 ? (
        <p className="empty" data-testid="overview-burn-chart">
          {t('overview.burn.none')}
        </p>
      ) : (
        <>
          <Chart
            option={option}
            height={300}
            testId="overview-burn-chart"
            label={t('overview.burn.label', { n: o.programs.length })}
            table={{
              columns: [t('overview.col.month'), ...o.programs.map((p) => programName(p, locale))],
              rows: months.map((m) => [
                month(m),
                ...o.programs.map((p) => {
                  const b = p.burn.find((x) => x.month === m);
                  return b ? fen(b.committed_fen) : '—';
                }),
              ]),
            }}
          />
          <p className="method">
            {t('overview.burn.chart_note')}
            {since && <> {t('overview.since', { month: month(since) })}</>}
          </p>
          <div className="table-wrap">
            <table data-testid="overview-burn-table" className="row-heads burn-table">
              <caption className="visually-hidden">{t('overview.burn.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('overview.burn.program')}</th>
                  <th scope="col" className="num">
                    {t('overview.burn.budget')}
                  </th>
                  <th scope="col" className="num">
                    {t('overview.burn.committed')}
                  </th>
                  <th scope="col" className="num">
                    {t('overview.burn.share')}
                  </th>
                  <th scope="col" className="num">
                    {t('overview.burn.paid')}
                  </th>
                  <th scope="col" className="num">
                    {t('overview.burn.available')}
                  </th>
                  <th scope="col" className="num">
                    {t('overview.burn.exhaustion')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {o.programs.map((p, k) => {
                  const note = methods.indexOf(p.exhaustion_method) + 1;
                  return (
                    <tr key={p.id} data-testid={`program-burn-${p.id}`}>
                      <th scope="row">
                        <span className="legend-swatch" style={{ background: palette[k % palette.length] }} aria-hidden="true" />
                        <a href={`#/programs/${encodeURIComponent(p.id)}`}>{programName(p, locale)}</a>
                      </th>
                      <td className="num">{fen(p.budget_fen)}</td>
                      <td className="num" data-testid={`program-committed-${p.id}`}>
                        {fen(p.committed_fen)}
                      </td>
                      <td className="num">{bp(share(p.committed_fen, p.budget_fen), 2)}</td>
                      <td className="num">{fen(p.paid_fen)}</td>
                      <td className="num">{fen(p.available_fen)}</td>
                      <td className="num">
                        <span title={p.exhaustion_method}>{p.projected_exhaustion_date ?? t('overview.burn.no_exhaustion')}</span>
                        <sup>
                          <a
                            href={`#burn-note-${note}`}
                            onClick={(e) => {
                              e.preventDefault();
                              document.getElementById(`burn-note-${note}`)?.focus();
                            }}
                            aria-label={t('overview.burn.note_link', { n: note })}
                          >
                            {note}
                          </a>
                        </sup>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <ol className="footnotes method">
            {methods.map((m, k) => (
              <li key={k} id={`burn-note-${k + 1}`} tabIndex={-1}>
                <strong>{t('overview.burn.method')}</strong>{' '}
                <MethodText locale={locale} summary={t('overview.burn.method_zh')} server={m} label={t('overview.server_text')} />
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** A method in the reader's language: in English the server's own sentence; in Chinese its translation, with the
 *  server's English sentence one click away (so that what the page says can be checked against what the API computed). */
function MethodText({ locale, summary, server, label }: { locale: string; summary: string; server: string; label: string }) {
  if (locale !== 'zh-CN') return <span lang="en">{server}</span>;
  return (
    <>
      {summary}{' '}
      <details className="server-text">
        <summary>{label}</summary>
        <span lang="en">{server}</span>
      </details>
    </>
  );
}
