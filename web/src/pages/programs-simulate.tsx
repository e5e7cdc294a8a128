// The what-if simulator of a program (administrators): the current rule set's rates, price ceilings and tier bonuses,
// the budget and the caps become editable; POST /programs/:id/simulate replays the usage of a past period under the
// program's current rules and under the edited ones, and the answer is shown side by side with its differences.
import type { ProgramDetail, Rule, RulePay, Simulation, SimulationVariant } from '../contract.gen.js';
import { useMemo, useState } from 'react';
import { api, ApiError, type ErrorDetail } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { fenOf, fenShareBp, type Fen } from '../i18n/format.js';
import { addMonths, type OfficeCalendar } from '../office-calendar.js';

/** An amount of fen as a bar's height: a double (what a chart plots); tables and the diff say the exact figures. */
const chartFen = (fen: Fen | bigint) => Number(fenOf(fen));
import { Chart, domestic_color, foreign_color, type ChartOption } from '../components/chart.js';
import { Progress } from '../components/progress.js';
import { orgName, parsePercent, parseYuan, parseYuanFen, percentInput, yuanInput } from './programs-common.js';

interface RuleDraft {
  rate: string;
  fen_per_pflop_h: string;
  ceiling: string;
  bonus: string;
}
interface Draft {
  from: string;
  to: string;
  budget: string;
  cap_share: string;
  cap_fen: string;
  cap_fen_year: string;
  rules: RuleDraft[];
}

/** The last three whole office months before now, kept inside the program's window (months YYYY-MM). */
function defaultPeriod(p: ProgramDetail, calendar: OfficeCalendar, now_ms: number): { from: string; to: string } {
  const this_month = calendar.month(now_ms);
  const last = addMonths(this_month, -1);
  const first = addMonths(this_month, -3);
  const window_first = calendar.month(p.window.start);
  const window_last = calendar.month(Date.parse(p.window.end) - 1);
  const to = last < window_last ? last : window_last;
  const from = first > window_first ? first : window_first;
  return { from: from < to ? from : to, to };
}

function draftOf(p: ProgramDetail, rules: readonly Rule[], calendar: OfficeCalendar): Draft {
  const period = defaultPeriod(p, calendar, Date.now());
  return {
    ...period,
    budget: yuanInput(p.budget_fen),
    cap_share: p.caps.share_bp === null ? '' : percentInput(p.caps.share_bp),
    cap_fen: p.caps.fen === null ? '' : yuanInput(p.caps.fen),
    cap_fen_year: p.caps.fen_year === null ? '' : yuanInput(p.caps.fen_year),
    rules: rules.map((r) => ({
      rate: r.pay.basis === 'compute' ? '' : percentInput(r.pay.rate_bp),
      fen_per_pflop_h: r.pay.basis === 'compute' ? yuanInput(r.pay.fen_per_pflop_h) : '',
      ceiling: r.ceiling_fen_per_card_hour === undefined ? '' : yuanInput(r.ceiling_fen_per_card_hour),
      bonus: r.tier_bonus ? percentInput(r.tier_bonus.bonus_bp) : '',
    })),
  };
}

/** "rules[0] (domestic-rent).pay.rate_bp" → "rules[0].pay.rate_bp": the API names the rule's id too. */
function normalField(field: string): string {
  return field.replace(/^(rules\[\d+\]) \([^)]*\)/, '$1');
}

export function Simulator({ program, rules, version }: { program: ProgramDetail; rules: readonly Rule[]; version: number | null }) {
  const i = useI18n();
  const { t, calendar } = i;
  const initial = useMemo(() => draftOf(program, rules, calendar), [program, rules, calendar]);
  const [draft, setDraft] = useState<Draft>(initial);
  const [errors, setErrors] = useState<ErrorDetail[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [answer, setAnswer] = useState<Simulation | null>(null);

  const setRule = (k: number, patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, rules: d.rules.map((r, j) => (j === k ? { ...r, ...patch } : r)) }));
  const errorFor = (field: string) => errors.filter((e) => normalField(e.field) === field);
  const known_fields = new Set<string>(['from', 'to', 'budget_fen', 'caps.share_bp', 'caps.fen', 'caps.fen_year']);
  rules.forEach((_r, k) => {
    for (const f of ['pay.rate_bp', 'pay.fen_per_pflop_h', 'ceiling_fen_per_card_hour', 'tier_bonus.bonus_bp']) known_fields.add(`rules[${k}].${f}`);
  });

  const run = async () => {
    const problems: ErrorDetail[] = [];
    const must = <T extends number | string>(value: T | null, field: string, message: string): T => {
      if (value === null) problems.push({ field, message });
      return value ?? (0 as T);
    };
    const percent_message = t('programs.sim.bad_percent');
    const yuan_message = t('programs.sim.bad_yuan');
    const candidate: Rule[] = rules.map((r, k) => {
      const d = draft.rules[k]!;
      let pay: RulePay;
      if (r.pay.basis === 'bill') pay = { basis: 'bill', rate_bp: must(parsePercent(d.rate), `rules[${k}].pay.rate_bp`, percent_message) };
      else if (r.pay.basis === 'energy') pay = { ...r.pay, rate_bp: must(parsePercent(d.rate), `rules[${k}].pay.rate_bp`, percent_message) };
      else pay = { basis: 'compute', fen_per_pflop_h: must(parseYuan(d.fen_per_pflop_h), `rules[${k}].pay.fen_per_pflop_h`, yuan_message) };
      const { ceiling_fen_per_card_hour: _c, ...rest } = r;
      void _c;
      const out: Rule = { ...rest, pay };
      if (d.ceiling.trim() !== '') out.ceiling_fen_per_card_hour = must(parseYuan(d.ceiling), `rules[${k}].ceiling_fen_per_card_hour`, yuan_message);
      if (r.tier_bonus) out.tier_bonus = { ...r.tier_bonus, bonus_bp: must(parsePercent(d.bonus), `rules[${k}].tier_bonus.bonus_bp`, percent_message) };
      return out;
    });
    const optional = <T extends number | string>(text: string, parse: (s: string) => T | null, field: string, message: string): T | null =>
      text.trim() === '' ? null : must(parse(text), field, message);
    // Budgets and caps are sums of money: sent as decimal strings of fen, exact past 2^53.
    const budget_fen = must(parseYuanFen(draft.budget), 'budget_fen', yuan_message);
    const caps = {
      share_bp: optional(draft.cap_share, parsePercent, 'caps.share_bp', percent_message),
      fen: optional(draft.cap_fen, parseYuanFen, 'caps.fen', yuan_message),
      fen_year: optional(draft.cap_fen_year, parseYuanFen, 'caps.fen_year', yuan_message),
    };
    if (!/^\d{4}-\d{2}$/.test(draft.from)) problems.push({ field: 'from', message: t('programs.sim.bad_month') });
    if (!/^\d{4}-\d{2}$/.test(draft.to)) problems.push({ field: 'to', message: t('programs.sim.bad_month') });
    else if (draft.from > draft.to) problems.push({ field: 'to', message: t('programs.sim.to_before_from') });
    setErrors(problems);
    setFailure(null);
    if (problems.length > 0) return;
    setRunning(true);
    try {
      const r = await api.post<Simulation>(`/programs/${encodeURIComponent(program.id)}/simulate`, {
        // whole office months: from the first instant of the first up to the first instant of the month after the last
        from: calendar.monthStart(draft.from),
        to: calendar.monthStart(addMonths(draft.to, 1)),
        rules: candidate,
        budget_fen,
        caps,
      });
      setAnswer(r);
    } catch (e) {
      if (e instanceof ApiError && e.details.length > 0) setErrors(e.details);
      setFailure(e instanceof ApiError ? `${e.message} (${e.code})` : (e as Error).message);
      setAnswer(null);
    } finally {
      setRunning(false);
    }
  };

  const fieldError = (field: string) => {
    const list = errorFor(field);
    if (list.length === 0) return null;
    const bp_field = /(rate_bp|bonus_bp|share_bp)$/.test(field);
    return (
      <span className="field-error" id={`sim-err-${field.replace(/[^a-z0-9]/gi, '-')}`}>
        {list.map((e) => e.message).join('; ')}
        {bp_field ? ` ${t('programs.sim.bp_hint')}` : ''}
      </span>
    );
  };
  const describedBy = (field: string) => (errorFor(field).length > 0 ? `sim-err-${field.replace(/[^a-z0-9]/gi, '-')}` : undefined);
  const unplaced = errors.filter((e) => !known_fields.has(normalField(e.field)));

  return (
    <section className="panel span-12" aria-labelledby="sim-title">
      <h2 id="sim-title">{t('programs.sim.title')}</h2>
      <p className="muted">{t('programs.sim.intro', { version: version === null ? '—' : String(version) })}</p>
      <form
        data-testid="simulate-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!running) void run();
        }}
      >
        <fieldset className="sim-group">
          <legend>{t('programs.sim.period')}</legend>
          <div className="filters">
            <label className="field">
              <span>{t('programs.sim.from')}</span>
              <input
                type="month"
                value={draft.from}
                onChange={(e) => setDraft({ ...draft, from: e.target.value })}
                aria-invalid={errorFor('from').length > 0}
                aria-describedby={describedBy('from')}
                required
              />
              {fieldError('from')}
            </label>
            <label className="field">
              <span>{t('programs.sim.to')}</span>
              <input
                type="month"
                value={draft.to}
                onChange={(e) => setDraft({ ...draft, to: e.target.value })}
                aria-invalid={errorFor('to').length > 0}
                aria-describedby={describedBy('to')}
                required
              />
              {fieldError('to')}
            </label>
          </div>
        </fieldset>

        <fieldset className="sim-group">
          <legend>{t('programs.sim.rules')}</legend>
          {rules.length === 0 && <p className="empty">{t('programs.rules_none')}</p>}
          <div className="sim-rules">
            {rules.map((r, k) => {
              const d = draft.rules[k]!;
              return (
                <div className="sim-rule" key={r.id}>
                  <div className="sim-rule-head">
                    <span className="muted">#{k + 1}</span> <code>{r.id}</code>
                  </div>
                  <div className="filters">
                    {r.pay.basis !== 'compute' ? (
                      <label className="field">
                        <span>{r.pay.basis === 'bill' ? t('programs.sim.rate_bill') : t('programs.sim.rate_energy')}</span>
                        <span className="input-unit">
                          <input
                            inputMode="decimal"
                            value={d.rate}
                            onChange={(e) => setRule(k, { rate: e.target.value })}
                            aria-invalid={errorFor(`rules[${k}].pay.rate_bp`).length > 0}
                            aria-describedby={describedBy(`rules[${k}].pay.rate_bp`)}
                            data-testid={`simulate-rate-${r.id}`}
                            size={8}
                          />
                          <span aria-hidden="true">%</span>
                        </span>
                        {fieldError(`rules[${k}].pay.rate_bp`)}
                      </label>
                    ) : (
                      <label className="field">
                        <span>{t('programs.sim.per_pflop_h')}</span>
                        <span className="input-unit">
                          <span aria-hidden="true">¥</span>
                          <input
                            inputMode="decimal"
                            value={d.fen_per_pflop_h}
                            onChange={(e) => setRule(k, { fen_per_pflop_h: e.target.value })}
                            aria-invalid={errorFor(`rules[${k}].pay.fen_per_pflop_h`).length > 0}
                            aria-describedby={describedBy(`rules[${k}].pay.fen_per_pflop_h`)}
                            data-testid={`simulate-rate-${r.id}`}
                            size={10}
                          />
                        </span>
                        {fieldError(`rules[${k}].pay.fen_per_pflop_h`)}
                      </label>
                    )}
                    {r.pay.basis !== 'energy' && (
                      <label className="field">
                        <span>{t('programs.sim.ceiling')}</span>
                        <span className="input-unit">
                          <span aria-hidden="true">¥</span>
                          <input
                            inputMode="decimal"
                            value={d.ceiling}
                            placeholder={t('programs.sim.none')}
                            onChange={(e) => setRule(k, { ceiling: e.target.value })}
                            aria-invalid={errorFor(`rules[${k}].ceiling_fen_per_card_hour`).length > 0}
                            aria-describedby={describedBy(`rules[${k}].ceiling_fen_per_card_hour`)}
                            size={10}
                          />
                        </span>
                        {fieldError(`rules[${k}].ceiling_fen_per_card_hour`)}
                      </label>
                    )}
                    {r.tier_bonus && (
                      <label className="field">
                        <span>{t('programs.sim.bonus', { share: i.bp(r.tier_bonus.domestic_share_bp_min, 0) })}</span>
                        <span className="input-unit">
                          <input
                            inputMode="decimal"
                            value={d.bonus}
                            onChange={(e) => setRule(k, { bonus: e.target.value })}
                            aria-invalid={errorFor(`rules[${k}].tier_bonus.bonus_bp`).length > 0}
                            aria-describedby={describedBy(`rules[${k}].tier_bonus.bonus_bp`)}
                            size={8}
                          />
                          <span aria-hidden="true">%</span>
                        </span>
                        {fieldError(`rules[${k}].tier_bonus.bonus_bp`)}
                      </label>
                    )}
                  </div>
                </div>
              );
            })}
          </div>
        </fieldset>

        <fieldset className="sim-group">
          <legend>{t('programs.sim.budget_caps')}</legend>
          <div className="filters">
            <label className="field">
              <span>{t('programs.sim.budget')}</span>
              <span className="input-unit">
                <span aria-hidden="true">¥</span>
                <input
                  inputMode="decimal"
                  value={draft.budget}
                  onChange={(e) => setDraft({ ...draft, budget: e.target.value })}
                  aria-invalid={errorFor('budget_fen').length > 0}
                  aria-describedby={describedBy('budget_fen')}
                  data-testid="simulate-budget"
                  size={16}
                />
              </span>
              {fieldError('budget_fen')}
            </label>
            <label className="field">
              <span>{t('programs.sim.cap_share')}</span>
              <span className="input-unit">
                <input
                  inputMode="decimal"
                  value={draft.cap_share}
                  placeholder={t('programs.sim.none')}
                  onChange={(e) => setDraft({ ...draft, cap_share: e.target.value })}
                  aria-invalid={errorFor('caps.share_bp').length > 0}
                  aria-describedby={describedBy('caps.share_bp')}
                  size={8}
                />
                <span aria-hidden="true">%</span>
              </span>
              {fieldError('caps.share_bp')}
            </label>
            <label className="field">
              <span>{t('programs.sim.cap_fen')}</span>
              <span className="input-unit">
                <span aria-hidden="true">¥</span>
                <input
                  inputMode="decimal"
                  value={draft.cap_fen}
                  placeholder={t('programs.sim.none')}
                  onChange={(e) => setDraft({ ...draft, cap_fen: e.target.value })}
                  aria-invalid={errorFor('caps.fen').length > 0}
                  aria-describedby={describedBy('caps.fen')}
                  size={14}
                />
              </span>
              {fieldError('caps.fen')}
            </label>
            <label className="field">
              <span>{t('programs.sim.cap_fen_year')}</span>
              <span className="input-unit">
                <span aria-hidden="true">¥</span>
                <input
                  inputMode="decimal"
                  value={draft.cap_fen_year}
                  placeholder={t('programs.sim.none')}
                  onChange={(e) => setDraft({ ...draft, cap_fen_year: e.target.value })}
                  aria-invalid={errorFor('caps.fen_year').length > 0}
                  aria-describedby={describedBy('caps.fen_year')}
                  size={14}
                />
              </span>
              {fieldError('caps.fen_year')}
            </label>
          </div>
          <p className="method">{t('programs.sim.blank_note')}</p>
        </fieldset>

        {(failure !== null || errors.length > 0) && (
          <div className="error-box" role="alert" data-testid="simulate-error">
            <strong>{t('programs.sim.failed')}</strong>
            {failure !== null && (errors.length === 0 || unplaced.length > 0) && <span>{failure}</span>}
            {unplaced.length > 0 && (
              <ul>
                {unplaced.map((e, k) => (
                  <li key={k}>
                    {e.field === '' ? null : (
                      <>
                        <code>{e.field}</code>:{' '}
                      </>
                    )}
                    {e.message}
                  </li>
                ))}
              </ul>
            )}
            {errors.length > unplaced.length && <span>{t('programs.sim.see_fields')}</span>}
          </div>
        )}
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              setDraft(initial);
              setErrors([]);
              setFailure(null);
            }}
            disabled={running}
          >
            {t('programs.sim.reset')}
          </button>
          <button type="submit" className="primary" disabled={running} data-testid="simulate-run">
            {t('programs.sim.run')}
          </button>
        </div>
      </form>
      {running && <Progress label={t('programs.sim.running')} />}
      {answer && !running && <SimulationResult answer={answer} />}
    </section>
  );
}

function signedFen(fen: (v: bigint) => string, v: bigint): string {
  return v > 0n ? `+${fen(v)}` : fen(v);
}

/** A chart value (fen as a double) in a tooltip: exact while it is, else the short form. */
function chartFenText(fen: (v: number) => string, fenShort: (v: number) => string, v: unknown): string {
  const n = Number(v ?? 0);
  return Number.isSafeInteger(n) ? fen(n) : fenShort(n);
}

function SimulationResult({ answer }: { answer: Simulation }) {
  const i = useI18n();
  const { t, fen, fenShort, int, bp, locale, instant } = i;
  const cur = answer.variants.find((v) => v.label === 'current');
  const cand = answer.variants.find((v) => v.label === 'candidate');
  if (!cur || !cand)
    return (
      <p className="error-box" role="alert">
        {t('programs.sim.no_variants')}
      </p>
    );
  const labels = [
    cur.rule_set_version === null ? t('programs.sim.current_none') : t('programs.sim.current', { version: cur.rule_set_version }),
    t('programs.sim.candidate'),
  ];
  const pct = (a: bigint, b: bigint) => (a === 0n ? null : fenShareBp(b - a, a));
  const delta_pct = pct(fenOf(cur.granted_fen), fenOf(cand.granted_fen));
  const share = (v: SimulationVariant) => fenShareBp(v.domestic_fen, fenOf(v.domestic_fen) + fenOf(v.foreign_fen));
  const tip = (v: unknown) => chartFenText(fen, fenShort, v);

  const totals_option: ChartOption = {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tip },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', minInterval: 100, axisLabel: { formatter: (v: number) => fenShort(v) } },
    series: [
      {
        name: t('domestic.yes'),
        type: 'bar',
        stack: 'sum',
        data: [cur.domestic_fen, cand.domestic_fen].map(chartFen),
        itemStyle: { color: domestic_color },
        barMaxWidth: 72,
      },
      {
        name: t('domestic.no'),
        type: 'bar',
        stack: 'sum',
        data: [cur.foreign_fen, cand.foreign_fen].map(chartFen),
        itemStyle: { color: foreign_color },
        barMaxWidth: 72,
      },
    ],
  };
  const vendors = [...new Set([...cur.per_vendor, ...cand.per_vendor].map((v) => v.vendor))];
  const vendorFen = (v: SimulationVariant, name: string) => chartFen(v.per_vendor.find((x) => x.vendor === name)?.fen ?? '0');
  const vendor_option: ChartOption = {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tip },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: vendors, axisLabel: { interval: 0, rotate: vendors.length > 5 ? 30 : 0, width: 100, overflow: 'truncate' } },
    yAxis: { type: 'value', minInterval: 100, axisLabel: { formatter: (v: number) => fenShort(v) } },
    series: [
      { name: labels[0], type: 'bar', data: vendors.map((n) => vendorFen(cur, n)), itemStyle: { color: '#9aa3b5' } },
      { name: labels[1], type: 'bar', data: vendors.map((n) => vendorFen(cand, n)), itemStyle: { color: '#e6a23c' } },
    ],
  };
  const ids = [...new Set([...cur.per_beneficiary, ...cand.per_beneficiary].map((b) => b.beneficiary_id))];
  const byId = (v: SimulationVariant, id: string) => v.per_beneficiary.find((b) => b.beneficiary_id === id);
  const names = new Map([...cur.per_beneficiary, ...cand.per_beneficiary].map((b) => [b.beneficiary_id, b.name]));
  const beneficiaries = ids
    .map((id) => ({ id, name: names.get(id) ?? id, cur: fenOf(byId(cur, id)?.granted_fen ?? 0), cand: fenOf(byId(cand, id)?.granted_fen ?? 0) }))
    .sort((a, b) => {
      const x = b.cur > b.cand ? b.cur : b.cand;
      const y = a.cur > a.cand ? a.cur : a.cand;
      return x > y ? 1 : x < y ? -1 : 0;
    });
  const top = beneficiaries.slice(0, 10).reverse();
  const beneficiary_option: ChartOption = {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tip },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    yAxis: { type: 'category', data: top.map((b) => orgName(b.name, locale)), axisLabel: { width: 150, overflow: 'truncate' } },
    xAxis: { type: 'value', minInterval: 100, axisLabel: { formatter: (v: number) => fenShort(v) } },
    series: [
      { name: labels[0], type: 'bar', data: top.map((b) => chartFen(b.cur)), itemStyle: { color: '#9aa3b5' } },
      { name: labels[1], type: 'bar', data: top.map((b) => chartFen(b.cand)), itemStyle: { color: '#e6a23c' } },
    ],
  };

  type Row = { label: string; a: string; b: string; d: string };
  const money = (label: string, a: Fen, b: Fen): Row => ({ label, a: fen(a), b: fen(b), d: signedFen(fen, fenOf(b) - fenOf(a)) });
  const maybeMoney = (label: string, a: number | null, b: number | null): Row => ({
    label,
    a: a === null ? '—' : fen(a),
    b: b === null ? '—' : fen(b),
    d: a === null || b === null ? '—' : signedFen(fen, fenOf(b) - fenOf(a)),
  });
  const diff_rows: Row[] = [
    money(t('programs.sim.m.granted'), cur.granted_fen, cand.granted_fen),
    money(t('programs.sim.m.computed'), cur.computed_fen, cand.computed_fen),
    money(t('programs.sim.m.domestic'), cur.domestic_fen, cand.domestic_fen),
    money(t('programs.sim.m.foreign'), cur.foreign_fen, cand.foreign_fen),
    {
      label: t('programs.sim.m.domestic_share'),
      a: bp(share(cur)),
      b: bp(share(cand)),
      d: share(cur) === null || share(cand) === null ? '—' : `${share(cand)! - share(cur)! >= 0 ? '+' : ''}${bp(share(cand)! - share(cur)!)}`,
    },
    {
      label: t('programs.sim.m.beneficiaries'),
      a: int(cur.beneficiaries),
      b: int(cand.beneficiaries),
      d: `${cand.beneficiaries - cur.beneficiaries > 0 ? '+' : ''}${int(cand.beneficiaries - cur.beneficiaries)}`,
    },
    maybeMoney(t('programs.sim.m.net_domestic'), cur.net_fen_per_pflop_h.domestic, cand.net_fen_per_pflop_h.domestic),
    maybeMoney(t('programs.sim.m.net_foreign'), cur.net_fen_per_pflop_h.foreign, cand.net_fen_per_pflop_h.foreign),
    money(t('programs.sim.m.budget'), cur.budget_fen, cand.budget_fen),
    {
      label: t('programs.sim.m.runs_out'),
      a: cur.budget_runs_out_on ?? t('programs.sim.lasts'),
      b: cand.budget_runs_out_on ?? t('programs.sim.lasts'),
      d: cur.budget_runs_out_on === cand.budget_runs_out_on ? t('programs.sim.same') : t('programs.sim.changed'),
    },
  ];

  return (
    <div className="sim-result" data-testid="simulate-result" aria-live="polite">
      <h3>{t('programs.sim.result_title', { from: instant(answer.from), to: instant(answer.to) })}</h3>
      <div className="kpi-strip">
        <div className="panel kpi">
          <span className="label">{t('programs.sim.m.granted')}</span>
          <span className="value">{fen(cand.granted_fen)}</span>
          <span className="sub">
            {t('programs.sim.vs_current', { fen: fen(cur.granted_fen) })} · {signedFen(fen, fenOf(cand.granted_fen) - fenOf(cur.granted_fen))}
            {delta_pct !== null ? ` (${delta_pct > 0 ? '+' : ''}${bp(delta_pct)})` : ''}
          </span>
        </div>
        <div className="panel kpi">
          <span className="label">{t('programs.sim.m.domestic_share')}</span>
          <span className="value">{bp(share(cand))}</span>
          <span className="sub">{t('programs.sim.vs_current', { fen: bp(share(cur)) })}</span>
        </div>
        <div className="panel kpi">
          <span className="label">{t('programs.sim.m.net_domestic')}</span>
          <span className="value">{cand.net_fen_per_pflop_h.domestic === null ? '—' : fen(cand.net_fen_per_pflop_h.domestic)}</span>
          <span className="sub">
            {t('programs.sim.vs_current', { fen: cur.net_fen_per_pflop_h.domestic === null ? '—' : fen(cur.net_fen_per_pflop_h.domestic) })}
          </span>
        </div>
        <div className="panel kpi">
          <span className="label">{t('programs.sim.m.runs_out')}</span>
          <span className="value">{cand.budget_runs_out_on ?? t('programs.sim.lasts')}</span>
          <span className="sub">{t('programs.sim.vs_current', { fen: cur.budget_runs_out_on ?? t('programs.sim.lasts') })}</span>
        </div>
      </div>
      <div className="grid">
        <div className="span-6">
          <h4>{t('programs.sim.chart_totals')}</h4>
          <Chart
            option={totals_option}
            height={280}
            testId="simulate-totals-chart"
            label={t('programs.sim.chart_totals_label', { a: fen(cur.granted_fen), b: fen(cand.granted_fen) })}
            table={{
              columns: [t('programs.sim.variant'), t('domestic.yes'), t('domestic.no'), t('programs.sim.m.granted')],
              rows: [
                [labels[0]!, fen(cur.domestic_fen), fen(cur.foreign_fen), fen(cur.granted_fen)],
                [labels[1]!, fen(cand.domestic_fen), fen(cand.foreign_fen), fen(cand.granted_fen)],
              ],
            }}
          />
        </div>
        <div className="span-6">
          <h4>{t('programs.sim.chart_vendor')}</h4>
          {vendors.length === 0 ? (
            <p className="empty">{t('programs.sim.no_subsidy')}</p>
          ) : (
            <Chart
              option={vendor_option}
              height={280}
              label={t('programs.sim.chart_vendor')}
              table={{
                columns: [t('programs.sim.vendor'), labels[0]!, labels[1]!],
                rows: vendors.map((n) => [n, fen(vendorFen(cur, n)), fen(vendorFen(cand, n))]),
              }}
            />
          )}
        </div>
        <div className="span-12">
          <h4>{t('programs.sim.chart_beneficiary')}</h4>
          {top.length === 0 ? (
            <p className="empty">{t('programs.sim.no_beneficiaries')}</p>
          ) : (
            <Chart
              option={beneficiary_option}
              height={Math.max(200, 48 + top.length * 34)}
              label={t('programs.sim.chart_beneficiary')}
              table={{
                columns: [t('programs.sim.beneficiary'), labels[0]!, labels[1]!],
                rows: top
                  .slice()
                  .reverse()
                  .map((b) => [orgName(b.name, locale), fen(b.cur), fen(b.cand)]),
              }}
            />
          )}
        </div>
      </div>
      <h4>{t('programs.sim.diff_title')}</h4>
      <div className="table-wrap">
        <table data-testid="simulate-diff" className="row-heads">
          <thead>
            <tr>
              <th scope="col">{t('programs.sim.metric')}</th>
              <th scope="col" className="num">
                {labels[0]}
              </th>
              <th scope="col" className="num">
                {labels[1]}
              </th>
              <th scope="col" className="num">
                {t('programs.sim.difference')}
              </th>
            </tr>
          </thead>
          <tbody>
            {diff_rows.map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                <td className="num">{r.a}</td>
                <td className="num">{r.b}</td>
                <td className="num">{r.d}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {beneficiaries.length > 0 && (
        <details className="sim-details">
          <summary>{t('programs.sim.per_beneficiary', { n: beneficiaries.length })}</summary>
          <div className="table-wrap">
            <table className="row-heads">
              <thead>
                <tr>
                  <th scope="col">{t('programs.sim.beneficiary')}</th>
                  <th scope="col" className="num">
                    {labels[0]}
                  </th>
                  <th scope="col" className="num">
                    {labels[1]}
                  </th>
                  <th scope="col" className="num">
                    {t('programs.sim.difference')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {beneficiaries.map((b) => (
                  <tr key={b.id}>
                    <th scope="row" title={b.name}>
                      {orgName(b.name, locale)}
                    </th>
                    <td className="num">{fen(b.cur)}</td>
                    <td className="num">{fen(b.cand)}</td>
                    <td className="num">{signedFen(fen, b.cand - b.cur)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
      <p className="method">{t('programs.sim.method')}</p>
    </div>
  );
}
