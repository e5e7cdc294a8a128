// The accelerator catalog: every model with its published figures and sources; the performance gap of each domestic
// part against the Western parts the catalog compares it with; and (administrators) what a PFLOP·h costs at the
// reference prices, before and after a program's subsidy.
import type { Accelerator, AcceleratorList, Program, ProgramDetail, ProgramList, ReferencePrice, ReferencePriceList, Rule } from '../contract.gen.js';
import { useMemo, useState } from 'react';
import { api, ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Chart, domestic_color, foreign_color, type ChartOption } from '../components/chart.js';
import { Loading, Show, useLoad, ErrorBox } from '../components/load.js';
import type { Route } from '../router.js';
import { useSignedIn } from '../session.js';
import { currentRuleSet, escapeHtml, programName, SourceText } from './programs-common.js';

/** The Western parts every domestic part is measured against, as the catalog names them (absent ones are skipped). */
const reference_parts = ['nvidia-h100-sxm', 'nvidia-h800-sxm', 'nvidia-a100-80gb-sxm', 'nvidia-a800-80gb-sxm', 'nvidia-h20'];

const name = (m: Accelerator) => `${m.vendor} ${m.model}`;
const tf = (s: string | null) => (s === null ? null : Number(s));

export function CatalogPage(_props: { route: Route }) {
  const { t } = useI18n();
  // Reference prices are the office's (market prices are commercial data): only administrators are asked for them.
  const session = useSignedIn();
  const loaded = useLoad((signal) => api.get<AcceleratorList>('/accelerators', undefined, signal).then((r) => r.items), []);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('catalog.title')}</h1>
          <p className="muted">{t('catalog.subtitle')}</p>
        </div>
      </div>
      <Show loaded={loaded}>
        {(items) =>
          items.length === 0 ? (
            <p className="empty panel">{t('catalog.none')}</p>
          ) : (
            <div className="grid">
              <CatalogTable items={items} />
              <GapChart items={items} />
              {session.role === 'administrator' && <PricePanel items={items} />}
            </div>
          )
        }
      </Show>
    </>
  );
}

function Figure({ value, unit }: { value: string | number | null; unit?: string }) {
  const { decimal, t } = useI18n();
  if (value === null)
    return (
      <span className="muted" title={t('catalog.no_figure')}>
        —
      </span>
    );
  return (
    <>
      {typeof value === 'number' ? decimal(String(value), 0) : decimal(value, 3)}
      {unit ? <span className="kpi-unit"> {unit}</span> : null}
    </>
  );
}

function CatalogTable({ items }: { items: Accelerator[] }) {
  const { t } = useI18n();
  const [side, setSide] = useState<'all' | 'domestic' | 'foreign'>('all');
  const [vendor, setVendor] = useState('');
  const vendors = useMemo(() => [...new Set(items.map((m) => m.vendor))].sort((a, b) => a.localeCompare(b)), [items]);
  const byId = useMemo(() => new Map(items.map((m) => [m.id, m])), [items]);
  const shown = items
    .filter((m) => (side === 'all' ? true : side === 'domestic' ? m.domestic : !m.domestic))
    .filter((m) => vendor === '' || m.vendor === vendor)
    .sort(
      (a, b) => Number(b.domestic) - Number(a.domestic) || a.vendor.localeCompare(b.vendor) || (b.year ?? 0) - (a.year ?? 0) || a.model.localeCompare(b.model),
    );
  const verified_label = (v: Accelerator['verified']) => t(`catalog.verified.${v}`);
  return (
    <section className="panel span-12" aria-labelledby="catalog-table-title">
      <h2 id="catalog-table-title">
        <span>{t('catalog.table_title')}</span>
        <span className="muted note-sm">{t('catalog.count', { n: shown.length, total: items.length })}</span>
      </h2>
      <div className="filters" role="group" aria-label={t('catalog.filters')}>
        <label className="field">
          <span>{t('catalog.filter_side')}</span>
          <select value={side} onChange={(e) => setSide(e.target.value as typeof side)} data-testid="catalog-filter-domestic">
            <option value="all">{t('field.all')}</option>
            <option value="domestic">{t('domestic.yes')}</option>
            <option value="foreign">{t('domestic.no')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('catalog.filter_vendor')}</span>
          <select value={vendor} onChange={(e) => setVendor(e.target.value)} data-testid="catalog-filter-vendor">
            <option value="">{t('field.all')}</option>
            {vendors.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="table-wrap catalog-wrap" tabIndex={0} role="region" aria-label={t('catalog.table_title')}>
        <table data-testid="catalog-table" className="catalog-table">
          <caption className="visually-hidden">{t('catalog.table_title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('catalog.col.model')}</th>
              <th scope="col" className="num">
                {t('catalog.col.year')}
              </th>
              <th scope="col" className="num">
                {t('catalog.col.bf16')}
              </th>
              <th scope="col" className="num">
                {t('catalog.col.fp16')}
              </th>
              <th scope="col" className="num">
                {t('catalog.col.fp32')}
              </th>
              <th scope="col" className="num">
                {t('catalog.col.memory')}
              </th>
              <th scope="col" className="num">
                {t('catalog.col.bandwidth')}
              </th>
              <th scope="col" className="num">
                {t('catalog.col.tdp')}
              </th>
              <th scope="col">{t('catalog.col.comparable')}</th>
              <th scope="col">{t('catalog.col.verified')}</th>
              <th scope="col">{t('catalog.col.source')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={11} className="empty">
                  {t('catalog.none_match')}
                </td>
              </tr>
            )}
            {shown.map((m) => {
              const cmp = m.comparable_to === null ? null : (byId.get(m.comparable_to) ?? null);
              return (
                <tr key={m.id} data-testid={`catalog-row-${m.id}`}>
                  <th scope="row" className="model-cell">
                    <span className="model-name">{m.model}</span>
                    <div className="model-sub">
                      <span className="muted">{m.vendor}</span>{' '}
                      <span className={m.domestic ? 'badge domestic' : 'badge foreign'}>{m.domestic ? t('domestic.yes') : t('domestic.no')}</span>
                    </div>
                    {m.notes !== '' && (
                      <details className="notes">
                        <summary>{t('catalog.notes')}</summary>
                        {m.notes}
                      </details>
                    )}
                  </th>
                  <td className="num">{m.year ?? <span className="muted">—</span>}</td>
                  <td className="num">
                    {m.normalization.basis === 'bf16_dense' ? (
                      <strong>
                        <Figure value={m.bf16_tflops_dense} />
                      </strong>
                    ) : (
                      <Figure value={m.bf16_tflops_dense} />
                    )}
                  </td>
                  <td className="num">
                    {m.normalization.basis === 'fp16_dense' ? (
                      <strong>
                        <Figure value={m.fp16_tflops_dense} />
                      </strong>
                    ) : (
                      <Figure value={m.fp16_tflops_dense} />
                    )}
                  </td>
                  <td className="num">
                    <Figure value={m.fp32_tflops} />
                  </td>
                  <td className="num">
                    <Figure value={m.memory_gb} unit={m.memory_type ?? undefined} />
                  </td>
                  <td className="num">
                    <Figure value={m.memory_bw_gbs} />
                  </td>
                  <td className="num">
                    <Figure value={m.tdp_w} />
                  </td>
                  <td>{m.comparable_to === null ? <span className="muted">—</span> : cmp ? name(cmp) : <code>{m.comparable_to}</code>}</td>
                  <td>
                    <span className={`badge verified-${m.verified}`}>{verified_label(m.verified)}</span>
                  </td>
                  <td className="source-cell">
                    <SourceText text={m.source === '' ? null : m.source} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="method">{t('catalog.units_note')}</p>
    </section>
  );
}

function GapChart({ items }: { items: Accelerator[] }) {
  const { t, decimal } = useI18n();
  const byId = new Map(items.map((m) => [m.id, m]));
  const domestic = items.filter((m) => m.domestic);
  const with_figure = domestic
    .filter((m) => m.normalization.dense_tflops !== null)
    .sort((a, b) => a.vendor.localeCompare(b.vendor) || (a.year ?? 0) - (b.year ?? 0));
  const without = domestic.filter((m) => m.normalization.dense_tflops === null);
  // Reference lines: the catalog's figures for the reference Western parts, parts with the same figure on one line.
  const refs = new Map<string, string[]>();
  for (const id of reference_parts) {
    const m = byId.get(id);
    if (!m || m.normalization.dense_tflops === null) continue;
    const k = m.normalization.dense_tflops;
    refs.set(k, [...(refs.get(k) ?? []), m.model.replace(/ (SXM|80GB SXM)$/, '')]);
  }
  const missing_refs = reference_parts.filter((id) => !byId.get(id) || byId.get(id)!.normalization.dense_tflops === null);
  const comparison = (m: Accelerator) => (m.comparable_to === null ? null : (byId.get(m.comparable_to) ?? null));
  const basis = (m: Accelerator) => (m.normalization.basis === 'bf16_dense' ? 'BF16' : 'FP16');

  const option: ChartOption = {
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: { dataIndex: number }[]) => {
        const m = with_figure[params[0]?.dataIndex ?? 0]!;
        const c = comparison(m);
        const cf = c?.normalization.dense_tflops ?? null;
        return [
          `<b>${escapeHtml(name(m))}</b>: ${decimal(m.normalization.dense_tflops!, 1)} TFLOPS (${basis(m)})`,
          c === null
            ? t('catalog.gap.no_comparison')
            : cf === null
              ? `${escapeHtml(name(c))}: ${t('catalog.no_published')}`
              : `${escapeHtml(name(c))}: ${decimal(cf, 1)} TFLOPS (${basis(c)})`,
        ].join('<br/>');
      },
    },
    legend: { top: 0 },
    grid: { left: 8, right: 130, top: 40, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: with_figure.map((m) => m.id),
      axisLabel: {
        interval: 0,
        fontSize: 11,
        lineHeight: 14,
        width: 84,
        overflow: 'break',
        formatter: (id: string) => {
          const m = byId.get(id)!;
          const c = comparison(m);
          return `${m.model}\n${c ? t('catalog.gap.vs', { name: c.model }) : ''}`;
        },
      },
    },
    yAxis: { type: 'value', name: 'TFLOPS', nameTextStyle: { align: 'right' } },
    series: [
      {
        name: t('catalog.gap.domestic'),
        type: 'bar',
        itemStyle: { color: domestic_color },
        barMaxWidth: 36,
        data: with_figure.map((m) => Number(m.normalization.dense_tflops)),
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { type: 'dashed', color: '#5d6575' },
          label: {
            position: 'end',
            formatter: (p: { value: number; name: string }) => `${p.name} ${decimal(String(p.value), 0)}`,
            fontSize: 11,
            color: '#3a4256',
          },
          data: [...refs.entries()].map(([v, models]) => ({ name: models.join(' / '), yAxis: Number(v) })),
        },
      },
      {
        name: t('catalog.gap.compared'),
        type: 'bar',
        itemStyle: { color: foreign_color },
        barMaxWidth: 36,
        data: with_figure.map((m) => {
          const c = comparison(m);
          return c?.normalization.dense_tflops == null ? null : tf(c.normalization.dense_tflops);
        }),
      },
    ],
  };
  const ratio = (a: string, b: string | null) => (b === null || Number(b) === 0 ? '—' : `${Math.round((Number(a) * 100) / Number(b))}%`);
  const h100 = byId.get('nvidia-h100-sxm')?.normalization.dense_tflops ?? null;
  const a100 = byId.get('nvidia-a100-80gb-sxm')?.normalization.dense_tflops ?? null;
  const h20 = byId.get('nvidia-h20')?.normalization.dense_tflops ?? null;
  const rows = with_figure.map((m) => {
    const c = comparison(m);
    const cf = c?.normalization.dense_tflops ?? null;
    return [
      name(m),
      `${decimal(m.normalization.dense_tflops!, 1)} (${basis(m)})`,
      c ? name(c) : '—',
      cf === null ? (c ? t('catalog.no_published') : '—') : decimal(cf, 1),
      c ? ratio(m.normalization.dense_tflops!, cf) : '—',
      ratio(m.normalization.dense_tflops!, h100),
      ratio(m.normalization.dense_tflops!, a100),
      ratio(m.normalization.dense_tflops!, h20),
    ];
  });
  return (
    <section className="panel span-12" aria-labelledby="gap-title">
      <h2 id="gap-title">{t('catalog.gap.title')}</h2>
      {with_figure.length === 0 ? (
        <p className="empty" data-testid="catalog-gap-chart">
          {t('catalog.gap.none')}
        </p>
      ) : (
        <Chart
          option={option}
          height={380}
          testId="catalog-gap-chart"
          label={t('catalog.gap.label', { n: with_figure.length })}
          table={{
            columns: [
              t('catalog.gap.col.part'),
              t('catalog.gap.col.tflops'),
              t('catalog.gap.col.compared'),
              t('catalog.gap.col.compared_tflops'),
              t('catalog.gap.col.ratio'),
              t('catalog.gap.col.vs', { name: 'H100' }),
              t('catalog.gap.col.vs', { name: 'A100' }),
              t('catalog.gap.col.vs', { name: 'H20' }),
            ],
            rows,
          }}
        />
      )}
      <p className="method">
        {t('catalog.gap.method')}
        {missing_refs.length > 0 ? ` ${t('catalog.gap.missing_refs', { list: missing_refs.join(', ') })}` : ''}
      </p>
      {without.length > 0 && (
        <p className="method" data-testid="catalog-no-figure">
          <strong>{t('catalog.no_published')}</strong>
          {t('catalog.colon')}
          {without.map(name).join(t('catalog.list_sep'))}
        </p>
      )}
    </section>
  );
}

/** What a matched rule takes off a PFLOP·h at a price, for the simple computation the panel explains. */
interface PriceRow {
  model: Accelerator;
  price: ReferencePrice;
  before_fen: number | null;
  after_fen: number | null;
  rule: Rule | null;
  outcome: 'subsidized' | 'no_rule' | 'energy' | 'no_figure';
}

/** Fen per PFLOP·h from fen per card-hour and dense TFLOPS (a decimal string), rounded to whole fen. */
function perPflopH(fen_per_card_h: number, dense_tflops: string): number {
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(dense_tflops);
  if (!m) return NaN;
  const milli = BigInt(m[1]!) * 1000n + BigInt((m[2] ?? '').padEnd(3, '0'));
  if (milli === 0n) return NaN;
  // fen/card-h ÷ (TFLOPS / 1000) = fen/PFLOP·h; in thousandths: fen × 10^6 / milli-TFLOPS
  const num = BigInt(fen_per_card_h) * 1_000_000n;
  return Number((num * 2n + milli) / (2n * milli));
}

function firstRule(rules: readonly Rule[], m: Accelerator): Rule | null {
  for (const r of rules) {
    const x = r.match;
    if (x.accelerator && !x.accelerator.includes(m.id)) continue;
    if (x.domestic !== undefined && x.domestic !== m.domestic) continue;
    if (x.vendor && !x.vendor.includes(m.vendor)) continue;
    if (x.workload && !x.workload.includes('training')) continue;
    return r;
  }
  return null;
}

function priceRow(m: Accelerator, price: ReferencePrice, program: ProgramDetail | null): PriceRow {
  const tflops = m.normalization.dense_tflops;
  if (tflops === null) return { model: m, price, before_fen: null, after_fen: null, rule: null, outcome: 'no_figure' };
  const before = perPflopH(price.fen_per_card_h, tflops);
  const rules = program ? (currentRuleSet(program.rule_sets)?.rules ?? []) : [];
  const rule = firstRule(rules, m);
  if (rule === null) return { model: m, price, before_fen: before, after_fen: before, rule: null, outcome: 'no_rule' };
  if (rule.pay.basis === 'energy') return { model: m, price, before_fen: before, after_fen: before, rule, outcome: 'energy' };
  // Per card-hour: the subsidized base is the price, at most the ceiling; the subsidy is the rule's rate of it (bill)
  // or its fen per PFLOP·h (compute), never more than the base; the program's share cap limits it too.
  const base = Math.min(price.fen_per_card_h, rule.ceiling_fen_per_card_hour ?? Number.POSITIVE_INFINITY);
  let subsidy_card_h = rule.pay.basis === 'bill' ? (base * rule.pay.rate_bp) / 10_000 : (rule.pay.fen_per_pflop_h * Number(tflops)) / 1000;
  subsidy_card_h = Math.min(subsidy_card_h, base);
  if (program?.caps.share_bp != null) subsidy_card_h = Math.min(subsidy_card_h, (base * program.caps.share_bp) / 10_000);
  const after = Math.round(((price.fen_per_card_h - subsidy_card_h) * 1000) / Number(tflops));
  return { model: m, price, before_fen: before, after_fen: after, rule, outcome: 'subsidized' };
}

function PricePanel({ items }: { items: Accelerator[] }) {
  const { t } = useI18n();
  const loaded = useLoad(async (signal) => {
    try {
      const [prices, programs] = await Promise.all([
        api.get<ReferencePriceList>('/reference-prices', undefined, signal),
        api.get<ProgramList>('/programs', undefined, signal),
      ]);
      return { prices: prices.items, programs: programs.items.filter((p) => p.beneficiary_kind === 'enterprise') };
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) return null; // reference prices are the office's: the section is not shown
      throw e;
    }
  }, []);
  if (loaded.state === 'ok' && loaded.data === null) return null;
  return (
    <section className="panel span-12" aria-labelledby="price-title" data-testid="catalog-prices">
      <h2 id="price-title">{t('catalog.price.title')}</h2>
      <Show loaded={loaded}>{(data) => (data === null ? null : <PriceView items={items} prices={data.prices} programs={data.programs} />)}</Show>
    </section>
  );
}

function PriceView({ items, prices, programs }: { items: Accelerator[]; prices: ReferencePrice[]; programs: Program[] }) {
  const i = useI18n();
  const { t, fen, fenShort, locale } = i;
  const [program_id, setProgramId] = useState(() => programs.find((p) => p.kind === 'compute_rent')?.id ?? programs[0]?.id ?? '');
  const detail = useLoad(
    (signal) => (program_id === '' ? Promise.resolve(null) : api.get<ProgramDetail>(`/programs/${encodeURIComponent(program_id)}`, undefined, signal)),
    [program_id],
  );
  const byId = new Map(items.map((m) => [m.id, m]));
  const priced = prices.filter((p) => byId.has(p.accelerator));
  const unpriced = items.filter((m) => !prices.some((p) => p.accelerator === m.id));
  const program = detail.state === 'ok' ? detail.data : null;
  const rows = priced.map((p) => priceRow(byId.get(p.accelerator)!, p, program));
  const charted = rows.filter((r) => r.before_fen !== null);

  const option: ChartOption = {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (v == null ? '—' : fen(Number(v))) },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: charted.map((r) => `${r.model.model}\n${r.model.domestic ? t('domestic.yes') : t('domestic.no')}`),
      axisLabel: { interval: 0, width: 110, overflow: 'break' },
    },
    yAxis: { type: 'value', name: t('catalog.price.axis'), minInterval: 100, axisLabel: { formatter: (v: number) => fenShort(v) } },
    series: [
      { name: t('catalog.price.before'), type: 'bar', data: charted.map((r) => r.before_fen), barMaxWidth: 40, itemStyle: { color: '#b9c0cc' } },
      { name: t('catalog.price.after'), type: 'bar', data: charted.map((r) => r.after_fen), barMaxWidth: 40, itemStyle: { color: '#3a4256' } },
    ],
  };
  const outcome = (r: PriceRow) => {
    if (r.outcome === 'no_figure') return t('catalog.price.no_figure');
    if (r.outcome === 'no_rule') return t('catalog.price.no_rule');
    if (r.outcome === 'energy') return t('catalog.price.energy', { rule: r.rule!.id });
    return r.rule!.id;
  };
  const cut = (r: PriceRow) =>
    r.before_fen && r.after_fen !== null && r.before_fen > 0 ? `${Math.round(((r.before_fen - r.after_fen) * 100) / r.before_fen)}%` : '—';

  return (
    <>
      <div className="filters">
        <label className="field">
          <span>{t('catalog.price.program')}</span>
          <select value={program_id} onChange={(e) => setProgramId(e.target.value)} data-testid="catalog-price-program">
            {programs.map((p) => (
              <option key={p.id} value={p.id}>
                {programName(p, locale)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {priced.length === 0 ? (
        <p className="empty">{t('catalog.price.none')}</p>
      ) : (
        <>
          {detail.state === 'loading' && <Loading />}
          {detail.state === 'error' && <ErrorBox error={detail.error} retry={detail.reload} />}
          {charted.length > 0 && (
            <Chart
              option={option}
              height={320}
              testId="catalog-price-chart"
              label={t('catalog.price.label', { program: program ? programName(program, locale) : '—' })}
              table={{
                columns: [t('catalog.price.col.model'), t('catalog.price.before'), t('catalog.price.after')],
                rows: charted.map((r) => [name(r.model), fen(r.before_fen!), fen(r.after_fen!)]),
              }}
            />
          )}
          <div className="table-wrap">
            <table data-testid="catalog-price-table" className="row-heads">
              <thead>
                <tr>
                  <th scope="col">{t('catalog.price.col.model')}</th>
                  <th scope="col" className="num">
                    {t('catalog.price.col.card_h')}
                  </th>
                  <th scope="col" className="num">
                    {t('catalog.price.col.tflops')}
                  </th>
                  <th scope="col" className="num">
                    {t('catalog.price.before')}
                  </th>
                  <th scope="col">{t('catalog.price.col.rule')}</th>
                  <th scope="col" className="num">
                    {t('catalog.price.after')}
                  </th>
                  <th scope="col" className="num">
                    {t('catalog.price.col.cut')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.model.id}>
                    <th scope="row">
                      {name(r.model)}{' '}
                      <span className={r.model.domestic ? 'badge domestic' : 'badge foreign'}>{r.model.domestic ? t('domestic.yes') : t('domestic.no')}</span>
                      <div className="muted note-sm price-basis">
                        {r.price.basis === 'set' ? t('catalog.price.set') : t('catalog.price.market')} · <PriceSource price={r.price} />
                      </div>
                    </th>
                    <td className="num">{fen(r.price.fen_per_card_h)}</td>
                    <td className="num">
                      {r.model.normalization.dense_tflops === null ? <span className="muted">—</span> : i.decimal(r.model.normalization.dense_tflops, 1)}
                    </td>
                    <td className="num">{r.before_fen === null ? '—' : fen(r.before_fen)}</td>
                    <td className="note-sm">{outcome(r)}</td>
                    <td className="num">
                      <strong>{r.after_fen === null ? '—' : fen(r.after_fen)}</strong>
                    </td>
                    <td className="num">{cut(r)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <p className="method">{t('catalog.price.method')}</p>
      {unpriced.length > 0 && (
        <details className="method">
          <summary>{t('catalog.price.unpriced', { n: unpriced.length })}</summary>
          <p>{unpriced.map(name).join(t('catalog.list_sep'))}</p>
        </details>
      )}
    </>
  );
}

/** Where a reference price comes from, in the reader's language: the office's source, or the market's figures. */
function PriceSource({ price }: { price: ReferencePrice }) {
  const { t, int } = useI18n();
  if (price.market === null) return <SourceText text={price.source} />;
  return <>{t('catalog.price.market_basis', { records: int(price.market.records), providers: int(price.market.providers) })}</>;
}
