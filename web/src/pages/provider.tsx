// The provider view: its clusters and their accelerator inventory, the usage it reported per day, the records the
// platform refused recently and why, and (for the provider itself) uploading a usage file. Administrators and auditors
// pick the provider (?org=).
import type { Accelerator, Cluster, ClusterList, StoredRejection, StoredRejectionPage, UsageSummary } from '../contract.gen.js';
import { useMemo, useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Chart, palette, type ChartOption } from '../components/chart.js';
import { ErrorBox, Show, useLoad } from '../components/load.js';
import { Downloads } from '../components/download.js';
import { type Route } from '../router.js';
import { useSignedIn } from '../session.js';
import { AcceleratorName, compactNumber, DomesticBadge, localName, OrgChooser, OrgPicker, setQuery, useCatalog, useViewedOrg } from './claims-shared.js';
import { RejectionCells, UsageUpload } from './provider-upload.js';
import { DateRangeFilter, dateRangeOf } from './date-range-filter.js';
import { addDays } from '../office-calendar.js';

const default_days = 92;

export function ProviderPage({ route }: { route: Route }) {
  const { t, locale } = useI18n();
  const { office, org, org_map, me } = useViewedOrg(route.query);
  return (
    <div className="f2-page">
      <div className="page-head">
        <div>
          <h1>{office ? t('provider.title_office') : t('provider.title')}</h1>
          <p className="muted">
            {me ? (
              <span title={me.name}>
                {localName(me.name, locale)}
                {me.region ? ` · ${t('enterprise.region', { code: me.region })}` : ''}
              </span>
            ) : office ? (
              t('provider.office_note')
            ) : null}
          </p>
        </div>
        {office && (
          <OrgPicker kind="provider" value={org} orgs={org_map} label={t('provider.pick')} onChange={(id) => setQuery('provider', route.query, { org: id })} />
        )}
      </div>
      {org === '' ? (
        <div className="panel">
          <p className="muted">{t('provider.pick_prompt')}</p>
          <OrgChooser kind="provider" orgs={org_map} page="provider" />
        </div>
      ) : (
        <ProviderView key={org} org={org} route={route} />
      )}
    </div>
  );
}

function ProviderView({ org, route }: { org: string; route: Route }) {
  const { t } = useI18n();
  const session = useSignedIn();
  const catalog = useCatalog();
  const cat = catalog.state === 'ok' ? catalog.data : undefined;
  const clusters = useLoad((signal) => api.get<ClusterList>(`/providers/${encodeURIComponent(org)}/clusters`, undefined, signal).then((r) => r.items), [org]);
  const [nonce, setNonce] = useState(0);
  return (
    <div className="grid">
      <section className="panel span-12" aria-labelledby="clusters-h" data-testid="provider-clusters">
        <h2 id="clusters-h">{t('provider.clusters')}</h2>
        <Show loaded={clusters}>{(list) => <Clusters clusters={list} catalog={cat} />}</Show>
      </section>
      <section className="panel span-12" aria-labelledby="daily-h">
        <h2 id="daily-h">{t('provider.daily')}</h2>
        <Daily org={org} route={route} nonce={nonce} />
      </section>
      {session.role === 'provider' && (
        <section className="panel span-12" aria-labelledby="upload-h">
          <h2 id="upload-h">{t('provider.upload.title')}</h2>
          <UsageUpload onFinished={() => setNonce((n) => n + 1)} />
        </section>
      )}
      <section className="panel span-12" aria-labelledby="rejections-h" data-testid="provider-rejections">
        <h2 id="rejections-h">{t('provider.rejections')}</h2>
        <Rejections key={nonce} org={org} />
      </section>
    </div>
  );
}

// ---- clusters ----

function Clusters({ clusters, catalog }: { clusters: Cluster[]; catalog: Map<string, Accelerator> | undefined }) {
  const { t, int, bp, locale, calendar, instant } = useI18n();
  const now = new Date().toISOString();
  /** A validity bound: its office day when it starts one (an end is exclusive), else the instant. */
  const bound = (iso: string) => (calendar.isDayStart(iso) ? calendar.day(iso) : instant(iso));
  const current = (i: Cluster['inventory'][number]) => i.valid_from <= now && (i.valid_to === null || now < i.valid_to);
  let cards = 0;
  let domestic = 0;
  for (const c of clusters)
    for (const i of c.inventory)
      if (current(i)) {
        cards += i.count;
        if (catalog?.get(i.accelerator)?.domestic) domestic += i.count;
      }
  if (clusters.length === 0) return <p className="empty">{t('provider.no_clusters')}</p>;
  return (
    <>
      <p className="muted">
        {t('provider.cards_now', {
          clusters: int(clusters.length),
          cards: int(cards),
          share: bp(cards === 0 ? null : Math.floor((domestic * 10_000) / cards)),
        })}
      </p>
      <div className="cluster-list">
        {clusters.map((c) => (
          <article key={c.id} className="cluster" aria-labelledby={`cl-${c.id}`}>
            <h3 id={`cl-${c.id}`} title={c.name}>
              {localName(c.name, locale)}{' '}
              <span className="muted small">
                {t('enterprise.region', { code: c.region })} · <code className="id">{c.id}</code>
              </span>
            </h3>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">{t('provider.inventory_of', { name: localName(c.name, locale) })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('claims.col.accelerator')}</th>
                    <th scope="col">{t('enterprise.col.origin')}</th>
                    <th scope="col" className="num">
                      {t('provider.col.count')}
                    </th>
                    <th scope="col">{t('provider.col.valid')}</th>
                    <th scope="col">{t('provider.col.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {c.inventory.length === 0 && (
                    <tr>
                      <td colSpan={5} className="muted">
                        {t('provider.no_inventory')}
                      </td>
                    </tr>
                  )}
                  {[...c.inventory]
                    .sort((a, b) => a.accelerator.localeCompare(b.accelerator) || a.valid_from.localeCompare(b.valid_from))
                    .map((i, k) => {
                      const status = current(i) ? 'current' : i.valid_from > now ? 'future' : 'ended';
                      return (
                        <tr key={k} className={status === 'ended' ? 'muted-row' : undefined}>
                          <th scope="row">
                            <AcceleratorName id={i.accelerator} catalog={catalog} />
                          </th>
                          <td>
                            <DomesticBadge domestic={catalog?.get(i.accelerator)?.domestic} />
                          </td>
                          <td className="num">{int(i.count)}</td>
                          <td className="nowrap">
                            {bound(i.valid_from)} – {i.valid_to === null ? t('provider.open_ended') : bound(i.valid_to)}
                          </td>
                          <td>
                            <span className={`badge inv-${status}`}>{t(`provider.inv.${status}`)}</span>
                          </td>
                        </tr>
                      );
                    })}
                </tbody>
              </table>
            </div>
          </article>
        ))}
      </div>
      <p className="method">{t('provider.inventory_note')}</p>
    </>
  );
}

// ---- usage per day ----

function Daily({ org, route, nonce }: { org: string; route: Route; nonce: number }) {
  const { t, int, decimal, locale } = useI18n();
  const session = useSignedIn();
  const office = session.role !== 'provider';
  const { from, to } = dateRangeOf(route.query);
  const daily = useLoad(
    (signal) => api.get<UsageSummary>('/usage/summary', { group_by: 'day', ...(office ? { provider_id: org } : {}), from, to }, signal),
    [org, from, to, nonce],
  );
  const days = useMemo(() => {
    if (daily.state !== 'ok' || daily.data.items.length === 0) return [];
    const by = new Map(daily.data.items.map((r) => [r.key, r]));
    const keys = daily.data.items.map((r) => r.key).sort();
    let first = from !== '' ? from : keys[0]!;
    const last = to !== '' ? addDays(to, -1) : keys[keys.length - 1]!;
    if (from === '' && to === '') first = keys.find((k) => k >= addDays(last, -(default_days - 1))) ?? first; // the latest days by default
    const out: { day: string; records: number; card_hours: string }[] = [];
    for (let d = first; d <= last && out.length < 3700; d = addDays(d, 1)) {
      const r = by.get(d);
      out.push({ day: d, records: r?.records ?? 0, card_hours: r?.card_hours ?? '0' });
    }
    return out;
  }, [daily, from, to]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, left: 'center' },
      grid: { left: 8, right: 8, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
      yAxis: [
        {
          type: 'value',
          name: t('provider.axis_records'),
          nameTextStyle: { align: 'left' },
          axisLabel: { formatter: (v: number) => compactNumber(v, locale) },
        },
        {
          type: 'value',
          name: t('unit.card_hours'),
          nameTextStyle: { align: 'right' },
          splitLine: { show: false },
          axisLabel: { formatter: (v: number) => compactNumber(v, locale) },
        },
      ],
      series: [
        {
          name: t('provider.series_records'),
          type: 'bar',
          yAxisIndex: 0,
          itemStyle: { color: palette[6] },
          data: days.map((d) => d.records),
          tooltip: { valueFormatter: (v: number) => `${int(v)}` },
        },
        {
          name: t('provider.series_card_hours'),
          type: 'line',
          yAxisIndex: 1,
          showSymbol: false,
          lineStyle: { width: 2 },
          itemStyle: { color: palette[0] },
          data: days.map((d) => Number(d.card_hours)),
          tooltip: { valueFormatter: (v: number) => `${decimal(String(v), 1)} ${t('unit.card_hours')}` },
        },
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the formatters change with locale, which is listed
    [days, locale],
  );
  return (
    <>
      <div className="filters">
        <DateRangeFilter page="provider" query={route.query} clearLabel={t('action.reset')} unboundedNote={t('provider.latest_days', { n: default_days })} />
        <Downloads
          path="/reports/usage-summary"
          query={{ group_by: 'day', ...(office ? { provider_id: org } : {}), from, to }}
          label={t('provider.export_daily')}
          testId="provider-export-daily"
        />
      </div>
      <Show loaded={daily}>
        {(s) =>
          days.length === 0 ? (
            <p className="empty" data-testid="provider-daily-chart">
              {t('provider.no_usage')}
            </p>
          ) : (
            <>
              <Chart
                option={option}
                testId="provider-daily-chart"
                height={300}
                label={t('provider.daily_label', { from: days[0]!.day, to: days[days.length - 1]!.day })}
                table={{
                  columns: [t('provider.col.day'), t('provider.series_records'), t('provider.series_card_hours')],
                  rows: days.map((d) => [d.day, int(d.records), decimal(d.card_hours, 1)]),
                }}
              />
              <p className="method">
                {t('provider.daily_totals', {
                  records: int(s.totals.records),
                  hours: decimal(s.totals.card_hours, 0),
                  pflop: decimal(s.totals.compute_pflop_h, 0),
                })}
              </p>
            </>
          )
        }
      </Show>
    </>
  );
}

// ---- rejections ----

function Rejections({ org }: { org: string }) {
  const { t, instant } = useI18n();
  const session = useSignedIn();
  const [pages, setPages] = useState<StoredRejection[][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState<{ busy: boolean; error: Error | null }>({ busy: false, error: null });
  const first = useLoad(
    async (signal) => {
      const r = await api.get<StoredRejectionPage>('/usage/rejections', { ...(session.role === 'provider' ? {} : { provider_id: org }), limit: 50 }, signal);
      setPages([]);
      setCursor(r.next_cursor);
      return r.items;
    },
    [org],
  );
  const loadMore = async () => {
    if (cursor === null) return;
    setMore({ busy: true, error: null });
    try {
      const r = await api.get<StoredRejectionPage>('/usage/rejections', { ...(session.role === 'provider' ? {} : { provider_id: org }), limit: 50, cursor });
      setPages((p) => [...p, r.items]);
      setCursor(r.next_cursor);
      setMore({ busy: false, error: null });
    } catch (e) {
      setMore({ busy: false, error: e as Error });
    }
  };
  return (
    <Show loaded={first}>
      {(first_items) => {
        const items = [...first_items, ...pages.flat()];
        if (items.length === 0) return <p className="empty">{t('provider.rejections_none')}</p>;
        return (
          <>
            <div className="table-wrap scroll-y">
              <table>
                <caption className="visually-hidden">{t('provider.rejections')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('provider.col.when')}</th>
                    <th scope="col">{t('provider.col.record_id')}</th>
                    <th scope="col">{t('provider.col.code')}</th>
                    <th scope="col">{t('provider.col.field')}</th>
                    <th scope="col">{t('provider.col.message')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((x, k) => (
                    <tr key={`${x.id ?? ''}-${k}`}>
                      <td className="nowrap">{instant(x.received_at)}</td>
                      <RejectionCells r={x} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {more.error && <ErrorBox error={more.error} />}
            {cursor !== null && (
              <div className="actions">
                <button type="button" onClick={() => void loadMore()} disabled={more.busy}>
                  {t('action.more')}
                </button>
              </div>
            )}
          </>
        );
      }}
    </Show>
  );
}
