// The enterprise view's two forms: estimating what a claim would pay (POST /programs/:id/estimate) and filing one
// (POST /claims, a draft, then its page where it is submitted). Periods are the office's days (Beijing time by
// default): they start at the first instant of the first day and end at the first instant of the end day (exclusive),
// sent as RFC 3339 with the office's offset (a month 2026-11 in Beijing: 2026-11-01T00:00:00+08:00 up to 2026-12-01).
import { useMemo, useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { ErrorBox } from '../components/load.js';
import { href, navigate } from '../router.js';
import { ExplanationTable, formatPeriod, programName, rulesOf } from './claims-shared.js';
import type { Claim, ClaimState, Estimate, Program, ProgramDetail } from '../contract.gen.js';
import { addMonths, type OfficeCalendar } from '../office-calendar.js';

const holding = new Set<ClaimState>(['draft', 'submitted', 'approved', 'paid', 'clawed_back']);

function defaultProgram(programs: Program[]): string {
  const now = new Date().toISOString();
  return (programs.find((p) => p.window.start <= now && now < p.window.end) ?? programs[0])?.id ?? '';
}

/** The program and the office days (YYYY-MM-DD, `to` exclusive) a form is about. */
interface Period {
  program: string;
  from: string;
  to: string;
}

/** A period as the API takes it: the first instants of its office days. */
function periodBody(period: Period, calendar: OfficeCalendar, beneficiary: string | null) {
  return {
    period_start: calendar.dayStart(period.from),
    period_end: calendar.dayStart(period.to),
    ...(beneficiary === null ? {} : { beneficiary_id: beneficiary }),
  };
}

function usePeriod(programs: Program[], month: string | undefined): [Period, (p: Partial<Period>) => void] {
  const [state, setState] = useState<Partial<Period>>({});
  const value: Period = {
    program: state.program ?? defaultProgram(programs),
    from: state.from ?? (month ? `${month}-01` : ''),
    to: state.to ?? (month ? `${addMonths(month, 1)}-01` : ''),
  };
  return [value, (p) => setState((s) => ({ ...s, program: value.program, from: value.from, to: value.to, ...p }))];
}

function PeriodFields({ prefix, value, set, programs }: { prefix: string; value: Period; set(p: Partial<Period>): void; programs: Program[] }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const month = /^\d{4}-\d{2}-01$/.test(value.from) && value.to === `${addMonths(value.from.slice(0, 7), 1)}-01` ? value.from.slice(0, 7) : '';
  const valid = value.from !== '' && value.to !== '' && value.from < value.to;
  return (
    <>
      <label className="field">
        <span>{t('enterprise.form.program')}</span>
        <select value={value.program} onChange={(e) => set({ program: e.target.value })} data-testid={`${prefix}-program`} required>
          {programs.length === 0 && <option value="">{t('enterprise.form.no_programs')}</option>}
          {programs.map((p) => (
            <option key={p.id} value={p.id}>
              {programName(p, p.id, locale)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('enterprise.form.month')}</span>
        <input
          type="month"
          value={month}
          onChange={(e) => {
            if (e.target.value !== '') set({ from: `${e.target.value}-01`, to: `${addMonths(e.target.value, 1)}-01` });
          }}
          data-testid={`${prefix}-month`}
        />
      </label>
      <div className="field-row">
        <label className="field">
          <span>{t('enterprise.form.from')}</span>
          <input type="date" value={value.from} onChange={(e) => set({ from: e.target.value })} required data-testid={`${prefix}-from`} />
        </label>
        <label className="field">
          <span>{t('enterprise.form.to')}</span>
          <input type="date" value={value.to} onChange={(e) => set({ to: e.target.value })} required data-testid={`${prefix}-to`} />
        </label>
      </div>
      <p className="muted small" aria-live="polite">
        {valid
          ? t('enterprise.form.covers', {
              period: formatPeriod(i18n.calendar.dayStart(value.from), i18n.calendar.dayStart(value.to), i18n),
              from: value.from,
              to: value.to,
            })
          : value.from !== '' && value.to !== ''
            ? t('enterprise.form.bad_period')
            : t('enterprise.form.days')}
      </p>
    </>
  );
}

export function EstimatePanel({
  org,
  office,
  programs,
  months,
  orgName,
}: {
  org: string;
  office: boolean;
  programs: Program[];
  months: string[];
  orgName: string;
}) {
  const i18n = useI18n();
  const { t, fen, int, calendar } = i18n;
  const [period, setPeriod] = usePeriod(programs, months[months.length - 1]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [result, setResult] = useState<(Estimate & { program: ProgramDetail }) | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!(period.from < period.to) || period.program === '') return;
    setBusy(true);
    setError(null);
    try {
      const [r, p] = await Promise.all([
        api.post<Estimate>(`/programs/${encodeURIComponent(period.program)}/estimate`, periodBody(period, calendar, office ? org : null)),
        api.get<ProgramDetail>(`/programs/${encodeURIComponent(period.program)}`),
      ]);
      setResult({ ...r, program: p });
    } catch (err) {
      setResult(null);
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel span-8" aria-labelledby="estimate-h">
      <h2 id="estimate-h">{t('enterprise.estimate_title')}</h2>
      <p className="muted">{office ? t('enterprise.estimate_note_office', { name: orgName }) : t('enterprise.estimate_note')}</p>
      <form className="filters estimate-form" onSubmit={(e) => void submit(e)} data-testid="estimate-form" aria-labelledby="estimate-h">
        <PeriodFields prefix="estimate" value={period} set={setPeriod} programs={programs} />
        <button type="submit" className="primary" disabled={busy || programs.length === 0} data-testid="estimate-submit">
          {busy ? t('state.loading') : t('enterprise.estimate_submit')}
        </button>
      </form>
      {error && <ErrorBox error={error} />}
      {result && (
        <div className="estimate-result" data-testid="estimate-result" aria-live="polite">
          <h3>
            {t('enterprise.estimate_for', {
              program: programName(result.program, result.program.id, i18n.locale),
              period: formatPeriod(result.period_start, result.period_end, i18n),
            })}
          </h3>
          <div className="kpi-row">
            <div className="kpi">
              <span className="label">{t('claims.col.records')}</span>
              <span className="value">{int(result.records)}</span>
            </div>
            <div className="kpi">
              <span className="label">{t('claims.col.computed')}</span>
              <span className="value">{fen(result.explanation.computed_fen)}</span>
            </div>
            <div className="kpi">
              <span className="label">{t('claims.expl.estimated_grant')}</span>
              <span className="value accent">{fen(result.explanation.granted_fen)}</span>
            </div>
          </div>
          {result.records === 0 ? (
            <p className="empty">{t('enterprise.estimate_none')}</p>
          ) : (
            <ExplanationTable
              explanation={{ ...result.explanation, rule_set_version: result.rule_set_version }}
              rules={rulesOf(result.program, result.rule_set_version)}
              estimate
            />
          )}
          <p className="method">{t('enterprise.estimate_method')}</p>
        </div>
      )}
    </section>
  );
}

export function FileClaimPanel({
  org,
  office,
  programs,
  months,
  claims,
}: {
  org: string;
  office: boolean;
  programs: Program[];
  months: string[];
  claims: Claim[];
}) {
  const { t, calendar } = useI18n();
  // The latest month with usage (office months, as the usage summary counts them) that no claim of the default program
  // holds yet.
  const month = useMemo(() => {
    const program = defaultProgram(programs);
    const taken = new Set(claims.filter((c) => c.program_id === program && holding.has(c.state)).map((c) => calendar.month(c.period_start)));
    return [...months].reverse().find((m) => !taken.has(m)) ?? months[months.length - 1];
  }, [programs, months, claims, calendar]);
  const [period, setPeriod] = usePeriod(programs, month);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!(period.from < period.to) || period.program === '') return;
    setBusy(true);
    setError(null);
    try {
      const c = await api.post<Claim>('/claims', { program_id: period.program, ...periodBody(period, calendar, office ? org : null) });
      navigate(href('claims', c.id));
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <section className="panel span-4" id="file-claim" aria-labelledby="file-claim-h">
      <h2 id="file-claim-h">{t('enterprise.file_title')}</h2>
      <p className="muted small">{t('enterprise.file_note')}</p>
      <form onSubmit={(e) => void submit(e)} data-testid="file-claim-form" aria-labelledby="file-claim-h">
        <PeriodFields prefix="file-claim" value={period} set={setPeriod} programs={programs} />
        {error && <ErrorBox error={error} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || programs.length === 0 || !(period.from < period.to)} data-testid="file-claim-submit">
            {busy ? t('state.loading') : t('enterprise.file_submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
