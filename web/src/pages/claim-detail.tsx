// One claim: its facts and amounts, the explanation line by line, the usage behind it, the integrity findings on its
// records, its history, and the actions the caller's role may take in its state — each confirmed with what it will do.
import { useMemo, useState, type ReactNode } from 'react';
import { allPages, api, ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { fenOf, type Fen } from '../i18n/format.js';
import type { MessageKey } from '../i18n/messages.js';
import { Confirm } from '../components/confirm.js';
import { Show, useLoad } from '../components/load.js';
import { Downloads } from '../components/download.js';
import { href, type Route } from '../router.js';
import { useSignedIn } from '../session.js';
import {
  known,
  ExplanationTable,
  fenOfYuan,
  formatPeriod,
  OrgName,
  payableNow,
  programName,
  rulesOf,
  StateBadge,
  useCatalog,
  useOrgs,
  yuanText,
} from './claims-shared.js';
import { AcceleratorUsageTable } from './accelerator-usage-table.js';
import { addDays } from '../office-calendar.js';
import type { ClaimDetail, FindingPage, Organization, ProgramDetail, UsageSummary } from '../contract.gen.js';

type Action = 'submit' | 'withdraw' | 'approve' | 'reject' | 'pay' | 'claw-back' | 'accept-progress-report';

export function ClaimPage({ route }: { route: Route }) {
  const id = route.path[1] ?? '';
  const i18n = useI18n();
  const { t, locale } = i18n;
  const session = useSignedIn();
  const office = session.role === 'administrator' || session.role === 'auditor';
  const claim = useLoad((signal) => api.get<ClaimDetail>(`/claims/${encodeURIComponent(id)}`, undefined, signal), [id]);
  const program_id = claim.state === 'ok' ? claim.data.program_id : null;
  const program = useLoad(
    (signal) => (program_id === null ? Promise.resolve(null) : api.get<ProgramDetail>(`/programs/${encodeURIComponent(program_id)}`, undefined, signal)),
    [program_id],
  );
  const orgs = useOrgs();
  const org_map = orgs.state === 'ok' ? orgs.data : undefined;
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <div className="f2-page">
      <p className="crumbs">
        <a href={href('claims')}>← {t('claims.back')}</a>
      </p>
      <Show loaded={claim}>
        {(c) => {
          const p = program.state === 'ok' && program.data !== null ? program.data : undefined;
          return (
            <>
              <div className="page-head">
                <div>
                  <h1>{programName(p, c.program_id, locale)}</h1>
                  <p className="muted">
                    <OrgName id={c.beneficiary_id} orgs={org_map} /> · {formatPeriod(c.period_start, c.period_end, i18n)} · <code className="id">{c.id}</code>
                  </p>
                </div>
                <div className="head-state">
                  <StateBadge state={c.state} testId="claim-state" />
                  <ClaimActions
                    claim={c}
                    program={p}
                    orgs={org_map}
                    onDone={(msg) => {
                      setNotice(msg);
                      claim.reload();
                      program.reload();
                    }}
                  />
                </div>
              </div>
              {notice !== null && (
                <div className="notice" role="status">
                  {notice}
                  <button type="button" className="link" onClick={() => setNotice(null)}>
                    {t('action.close')}
                  </button>
                </div>
              )}
              <div className="grid">
                <section className="panel span-8" aria-labelledby="facts-h">
                  <h2 id="facts-h">{t('claims.facts')}</h2>
                  <Facts claim={c} program={p} orgs={org_map} />
                </section>
                <section className="panel span-4" aria-labelledby="amounts-h">
                  <h2 id="amounts-h">{t('claims.amounts')}</h2>
                  <Amounts claim={c} program={p} />
                </section>
                <section className="panel span-12" aria-labelledby="expl-h" data-testid="claim-explanation">
                  <h2 id="expl-h">
                    <span>{t('claims.explanation')}</span>
                    <Downloads path={`/reports/claims/${encodeURIComponent(c.id)}`} label={t('claims.export_one')} testId="claim-export" />
                  </h2>
                  <ExplanationTable explanation={c.explanation} rules={rulesOf(p, c.rule_set_version)} />
                </section>
                <section className="panel span-12" aria-labelledby="usage-h" data-testid="claim-usage">
                  <h2 id="usage-h">{t('claims.usage')}</h2>
                  <ClaimUsage claim={c} />
                </section>
                <section className="panel span-12" aria-labelledby="findings-h" data-testid="claim-findings">
                  <h2 id="findings-h">{t('claims.findings')}</h2>
                  {office ? <ClaimFindings claimId={c.id} /> : <p className="muted">{t('claims.findings_office_only')}</p>}
                </section>
                <section className="panel span-12" aria-labelledby="history-h" data-testid="claim-history">
                  <h2 id="history-h">{t('claims.history')}</h2>
                  <History claim={c} orgs={org_map} />
                </section>
              </div>
            </>
          );
        }}
      </Show>
    </div>
  );
}

function Facts({ claim: c, program: p, orgs }: { claim: ClaimDetail; program: ProgramDetail | undefined; orgs: Map<string, Organization> | undefined }) {
  const i18n = useI18n();
  const { t, int, instant, bp } = i18n;
  const rows: [string, ReactNode][] = [
    [
      t('claims.col.program'),
      p ? <a href={href('programs', c.program_id)}>{programName(p, c.program_id, i18n.locale)}</a> : <code className="id">{c.program_id}</code>,
    ],
    [t('claims.col.beneficiary'), <OrgName id={c.beneficiary_id} orgs={orgs} />],
    [t('claims.funding_layer'), <code className="id">{c.funding_layer}</code>],
    [
      t('claims.col.period'),
      <>
        {formatPeriod(c.period_start, c.period_end, i18n)}{' '}
        <span className="muted">
          ({instant(c.period_start)} – {instant(c.period_end)})
        </span>
      </>,
    ],
    [t('claims.col.records'), int(c.records)],
    [t('claims.rule_set_version'), `v${c.rule_set_version}`],
    [t('claims.created'), instant(c.created_at)],
    [t('claims.updated'), instant(c.updated_at)],
  ];
  if (p && p.first_stage_bp < 10_000) {
    rows.push([
      t('claims.staged'),
      <>
        {t('claims.staged_value', { first: bp(p.first_stage_bp, 0) })} · {c.progress_report_accepted ? t('claims.report_accepted') : t('claims.report_pending')}
      </>,
    ]);
  }
  return (
    <dl className="claim-facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Amounts({ claim: c, program: p }: { claim: ClaimDetail; program: ProgramDetail | undefined }) {
  const { t, fen } = useI18n();
  const decided = !(c.state === 'draft' || c.state === 'submitted' || c.state === 'withdrawn' || c.state === 'rejected');
  const rows: [string, Fen | bigint | null, string?][] = [
    [t('claims.col.computed'), c.computed_fen, t('claims.computed_sub')],
    [t('claims.col.granted'), decided ? c.granted_fen : null],
    [t('claims.col.paid'), c.paid_fen],
  ];
  if (fenOf(c.clawed_back_fen) > 0n || c.state === 'clawed_back') rows.push([t('claims.clawed_back'), c.clawed_back_fen]);
  if (c.state === 'approved' && p) rows.push([t('claims.payable_now'), payableNow(c, p.first_stage_bp)]);
  return (
    <dl className="claim-amounts">
      {rows.map(([k, v, sub]) => (
        <div key={k} className="kpi">
          <dt className="label">{k}</dt>
          <dd className="value">{v === null ? <span className="muted">—</span> : fen(v)}</dd>
          {sub && <dd className="sub">{sub}</dd>}
        </div>
      ))}
    </dl>
  );
}

// ---- actions ----

interface ActionSpec {
  action: Action;
  label: MessageKey;
  danger?: boolean;
  primary?: boolean;
}

function availableActions(c: ClaimDetail, p: ProgramDetail | undefined, role: string, org_id: string): ActionSpec[] {
  const out: ActionSpec[] = [];
  const beneficiary = (role === 'enterprise' || role === 'provider') && org_id === c.beneficiary_id;
  if (beneficiary) {
    if (c.state === 'draft') out.push({ action: 'submit', label: 'claims.action.submit', primary: true });
    if (c.state === 'draft' || c.state === 'submitted') out.push({ action: 'withdraw', label: 'claims.action.withdraw', danger: true });
  }
  if (role === 'administrator') {
    if (c.state === 'submitted') {
      out.push({ action: 'approve', label: 'claims.action.approve', primary: true });
      out.push({ action: 'reject', label: 'claims.action.reject', danger: true });
    }
    if (c.state === 'approved' && p && payableNow(c, p.first_stage_bp) > 0) out.push({ action: 'pay', label: 'claims.action.pay', primary: true });
    if ((c.state === 'approved' || c.state === 'paid') && p && p.first_stage_bp < 10_000 && !c.progress_report_accepted) {
      out.push({ action: 'accept-progress-report', label: 'claims.action.accept_report' });
    }
    if (c.state === 'approved' || c.state === 'paid') out.push({ action: 'claw-back', label: 'claims.action.claw_back', danger: true });
  }
  return out;
}

const testid: Record<Action, string> = {
  submit: 'claim-action-submit',
  withdraw: 'claim-action-withdraw',
  approve: 'claim-action-approve',
  reject: 'claim-action-reject',
  pay: 'claim-action-pay',
  'claw-back': 'claim-action-claw-back',
  'accept-progress-report': 'claim-action-accept-report',
};

function ClaimActions({
  claim,
  program,
  orgs,
  onDone,
}: {
  claim: ClaimDetail;
  program: ProgramDetail | undefined;
  orgs: Map<string, Organization> | undefined;
  onDone(message: string): void;
}) {
  const { t } = useI18n();
  const session = useSignedIn();
  const [open, setOpen] = useState<Action | null>(null);
  const actions = availableActions(claim, program, session.role, session.org_id);
  if (actions.length === 0) return null;
  return (
    <div className="claim-actions" role="group" aria-label={t('claims.actions')}>
      {actions.map((a) => (
        <button
          key={a.action}
          type="button"
          className={a.primary ? 'primary' : a.danger ? 'danger' : undefined}
          data-testid={testid[a.action]}
          onClick={() => setOpen(a.action)}
          disabled={program === undefined && a.action !== 'submit' && a.action !== 'withdraw'}
        >
          {t(a.label)}
        </button>
      ))}
      {open !== null && <ActionDialog action={open} claim={claim} program={program} orgs={orgs} onClose={() => setOpen(null)} onDone={onDone} />}
    </div>
  );
}

function ActionDialog({
  action,
  claim: c,
  program: p,
  orgs,
  onClose,
  onDone,
}: {
  action: Action;
  claim: ClaimDetail;
  program: ProgramDetail | undefined;
  orgs: Map<string, Organization> | undefined;
  onClose(): void;
  onDone(message: string): void;
}) {
  const i18n = useI18n();
  const { t, fen, int } = i18n;
  const payable = p ? payableNow(c, p.first_stage_bp) : 0n;
  const paid = fenOf(c.paid_fen);
  const [amount, setAmount] = useState(() => yuanText(action === 'pay' ? payable : c.paid_fen));
  const open_high = (c.findings ?? []).filter((f) => f.status === 'open' && f.severity === 'high');
  const [override, setOverride] = useState<string[] | null>(open_high.length > 0 ? open_high.map((f) => f.id) : null);
  const beneficiary = <OrgName id={c.beneficiary_id} orgs={orgs} />;

  const amountField = (label: string, max: bigint) => (
    <label className="field">
      <span>{label}</span>
      <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} aria-describedby="amount-hint" data-testid="claim-action-amount" />
      <small id="amount-hint" className="muted">
        {t('claims.amount_hint', { max: fen(max) })}
      </small>
    </label>
  );
  const amountOf = (max: bigint): bigint => {
    const v = fenOfYuan(amount);
    if (v === null || v > max) throw new Error(t('claims.amount_invalid', { max: fen(max) }));
    return v;
  };

  let title = '';
  let confirm_label = '';
  let body: ReactNode = null;
  let reason_label: string | undefined;
  let reason_required = false;
  let danger = false;
  let run: (reason: string) => Promise<string>;
  const post = (body: Record<string, unknown>) => api.post<ClaimDetail>(`/claims/${encodeURIComponent(c.id)}/${action}`, body);
  const opt = (reason: string) => (reason === '' ? {} : { reason });

  switch (action) {
    case 'submit':
      title = t('claims.dlg.submit_title');
      confirm_label = t('claims.action.submit');
      body = (
        <>
          <p>{t('claims.dlg.submit_body', { amount: fen(c.computed_fen), n: int(c.records) })}</p>
          <p className="muted">{t('claims.dlg.submit_expected', { expected: fen(c.explanation.granted_fen) })}</p>
        </>
      );
      run = async () => {
        await post({});
        return t('claims.done.submit');
      };
      break;
    case 'withdraw':
      title = t('claims.dlg.withdraw_title');
      confirm_label = t('claims.action.withdraw');
      danger = true;
      reason_label = t('claims.reason_optional');
      body = <p>{t('claims.dlg.withdraw_body', { n: int(c.records) })}</p>;
      run = async (reason) => {
        await post(opt(reason));
        return t('claims.done.withdraw');
      };
      break;
    case 'approve': {
      title = t('claims.dlg.approve_title');
      confirm_label = override ? t('claims.action.approve_override') : t('claims.action.approve');
      reason_label = override ? t('claims.override_reason') : t('claims.note_optional');
      reason_required = override !== null;
      const expected = fenOf(c.explanation.granted_fen);
      body = (
        <>
          <p>{t('claims.dlg.approve_body', { computed: fen(c.computed_fen), expected: fen(expected) })}</p>
          {p && <BudgetEffect available={p.budget.available_fen} change={-expected} label={t('claims.budget_after_approve')} />}
          <p className="muted">{t('claims.dlg.approve_caps')}</p>
          {override && (
            <div className="warn-box" role="alert">
              <strong>{t('claims.dlg.open_findings', { n: int(override.length) })}</strong>
              <ul>
                {override.map((fid) => {
                  const f = (c.findings ?? []).find((x) => x.id === fid);
                  return (
                    <li key={fid}>
                      <code className="id">{fid}</code>
                      {f ? ` — ${f.message}` : ''}
                    </li>
                  );
                })}
              </ul>
              <span>{t('claims.dlg.override_hint')}</span>
            </div>
          )}
        </>
      );
      run = async (reason) => {
        try {
          const r = await post(override ? { override_reason: reason } : opt(reason));
          return t('claims.done.approve', { amount: fen(r.granted_fen) });
        } catch (e) {
          if (e instanceof ApiError && e.code === 'open_findings' && override === null) {
            setOverride(e.body?.finding_ids ?? []);
            throw new Error(t('claims.dlg.override_needed'), { cause: e });
          }
          throw e;
        }
      };
      break;
    }
    case 'reject':
      title = t('claims.dlg.reject_title');
      confirm_label = t('claims.action.reject');
      danger = true;
      reason_label = t('claims.reason');
      reason_required = true;
      body = <p>{t('claims.dlg.reject_body', { n: int(c.records), amount: fen(c.computed_fen) })}</p>;
      run = async (reason) => {
        await post({ reason });
        return t('claims.done.reject');
      };
      break;
    case 'pay':
      title = t('claims.dlg.pay_title');
      confirm_label = t('claims.action.pay');
      reason_label = t('claims.note_optional');
      body = (
        <>
          <p>
            {t('claims.dlg.pay_body', { granted: fen(c.granted_fen), paid: fen(c.paid_fen), payable: fen(payable) })} {beneficiary}
          </p>
          {payable > 0n ? (
            amountField(t('claims.pay_amount'), payable)
          ) : (
            <p className="warn-box">{paid >= fenOf(c.granted_fen) ? t('claims.dlg.paid_in_full') : t('claims.dlg.report_first')}</p>
          )}
          <p className="muted">{t('claims.dlg.pay_effect')}</p>
        </>
      );
      run = async (reason) => {
        const fen_amount = amountOf(payable);
        // Amounts go as decimal strings: exact past 2^53.
        const r = await post({ ...opt(reason), ...(fen_amount === payable ? {} : { amount_fen: fen_amount.toString() }) });
        return t('claims.done.pay', { amount: fen(fenOf(r.paid_fen) - paid) });
      };
      break;
    case 'claw-back': {
      title = t('claims.dlg.claw_title');
      confirm_label = t('claims.action.claw_back');
      danger = true;
      reason_label = t('claims.reason');
      reason_required = true;
      const unpaid = fenOf(c.granted_fen) - paid;
      body = (
        <>
          <p>{t('claims.dlg.claw_body', { unpaid: fen(unpaid), paid: fen(c.paid_fen) })}</p>
          {paid > 0n && amountField(t('claims.recover_amount'), paid)}
          {p && <BudgetEffect available={p.budget.available_fen} change={unpaid} label={t('claims.budget_after_claw')} />}
        </>
      );
      run = async (reason) => {
        const recover = paid > 0n ? amountOf(paid) : 0n;
        await post({ reason, ...(recover > 0n && recover !== paid ? { amount_fen: recover.toString() } : {}) });
        return t('claims.done.claw_back', { released: fen(unpaid), recovered: fen(recover) });
      };
      break;
    }
    case 'accept-progress-report': {
      title = t('claims.dlg.report_title');
      confirm_label = t('claims.action.accept_report');
      reason_label = t('claims.note_optional');
      const unpaid = fenOf(c.granted_fen) - paid;
      body = <p>{t('claims.dlg.report_body', { amount: fen(unpaid > 0n ? unpaid : 0n) })}</p>;
      run = async (reason) => {
        await post(opt(reason));
        return t('claims.done.report');
      };
      break;
    }
  }

  return (
    <Confirm
      title={title}
      confirm_label={confirm_label}
      danger={danger}
      reason_required={reason_required}
      {...(reason_label === undefined ? {} : { reason_label })}
      onClose={onClose}
      onConfirm={async (reason) => {
        try {
          onDone(await run(reason));
        } catch (e) {
          if (e instanceof ApiError)
            throw new Error(`${e.message} (${e.code})${e.details.length > 0 ? ` — ${e.details.map((d) => `${d.field}: ${d.message}`).join('; ')}` : ''}`, {
              cause: e,
            });
          throw e;
        }
      }}
    >
      {body}
    </Confirm>
  );
}

function BudgetEffect({ available, change, label }: { available: Fen; change: bigint; label: string }) {
  const { t, fen } = useI18n();
  const after = fenOf(available) + change;
  return (
    <dl className="budget-effect">
      <div>
        <dt>{t('claims.budget_available')}</dt>
        <dd className="num">{fen(available)}</dd>
      </div>
      <div>
        <dt>{label}</dt>
        <dd className="num">{fen(after > 0n ? after : 0n)}</dd>
      </div>
    </dl>
  );
}

// ---- usage, findings, history ----

function ClaimUsage({ claim: c }: { claim: ClaimDetail }) {
  const { t, int, calendar } = useI18n();
  const session = useSignedIn();
  const catalog = useCatalog();
  // The usage summary counts office days: the days the period touches, the end's own day only when it has begun.
  const from = calendar.day(c.period_start);
  const to = calendar.isDayStart(c.period_end) ? calendar.day(c.period_end) : addDays(calendar.day(c.period_end), 1);
  const party = c.beneficiary_id.startsWith('p_') ? 'provider_id' : 'enterprise_id';
  const usage = useLoad((signal) => api.get<UsageSummary>('/usage/summary', { group_by: 'accelerator', [party]: c.beneficiary_id, from, to }, signal), [c.id]);
  const cat = catalog.state === 'ok' ? catalog.data : undefined;
  const office = session.role === 'administrator' || session.role === 'auditor';
  const view = party === 'provider_id' ? 'provider' : 'enterprise';
  return (
    <Show loaded={usage}>
      {(u) =>
        u.items.length === 0 ? (
          <p className="empty">{t('claims.usage_none')}</p>
        ) : (
          <>
            <p className="muted">{t('claims.usage_note', { n: int(c.records), total: int(u.totals.records) })}</p>
            <AcceleratorUsageTable items={u.items} totals={u.totals} catalog={cat} caption={t('claims.usage')} />
            {office && (
              <p className="method">
                <a href={href(view, { org: c.beneficiary_id, from, to })}>
                  {t(view === 'provider' ? 'claims.usage_open_provider' : 'claims.usage_open_enterprise')}
                </a>
              </p>
            )}
          </>
        )
      }
    </Show>
  );
}

const severity_rank: Record<string, number> = { high: 0, medium: 1, low: 2 };

function ClaimFindings({ claimId }: { claimId: string }) {
  const { t, int, instant } = useI18n();
  const findings = useLoad(() => allPages<FindingPage>('/findings', { claim_id: claimId }, 1000), [claimId]);
  const sorted = useMemo(
    () =>
      findings.state === 'ok'
        ? [...findings.data].sort(
            (a, b) =>
              Number(b.status === 'open') - Number(a.status === 'open') ||
              (severity_rank[a.severity] ?? 3) - (severity_rank[b.severity] ?? 3) ||
              a.id.localeCompare(b.id),
          )
        : [],
    [findings],
  );
  return (
    <Show loaded={findings}>
      {() =>
        sorted.length === 0 ? (
          <p className="empty">{t('claims.findings_none')}</p>
        ) : (
          <>
            <p className="muted">
              {t('claims.findings_summary', {
                n: int(sorted.length),
                open: int(sorted.filter((f) => f.status === 'open').length),
                high: int(sorted.filter((f) => f.status === 'open' && f.severity === 'high').length),
              })}
            </p>
            <div className="table-wrap scroll-y">
              <table>
                <caption className="visually-hidden">{t('claims.findings')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('claims.col.severity')}</th>
                    <th scope="col">{t('claims.col.finding')}</th>
                    <th scope="col">{t('claims.col.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((f) => (
                    <tr key={f.id}>
                      <td>
                        <span className={`badge ${f.severity}`}>{known(t, `claims.severity.${f.severity}`, f.severity)}</span>
                      </td>
                      <td>
                        <strong>{known(t, `claims.finding.${f.kind}`, f.kind)}</strong>
                        <div className="finding-message">{f.message}</div>
                        <div className="muted small">
                          <code className="id">{f.id}</code>
                          {f.interval && (
                            <>
                              {' '}
                              · {instant(f.interval.from)} – {instant(f.interval.to)}
                            </>
                          )}
                          {' · '}
                          {t('claims.finding_records', { n: int(f.record_seqs.length) })}
                        </div>
                        {f.resolution && <div className="muted small">{t('claims.finding_resolution', { reason: f.resolution.reason })}</div>}
                      </td>
                      <td>{known(t, `claims.finding_status.${f.status}`, f.status)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )
      }
    </Show>
  );
}

function History({ claim: c, orgs }: { claim: ClaimDetail; orgs: Map<string, Organization> | undefined }) {
  const { t, instant, fen } = useI18n();
  if (c.events.length === 0) return <p className="empty">{t('state.empty')}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t('claims.history')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('claims.col.when')}</th>
            <th scope="col">{t('claims.col.event')}</th>
            <th scope="col">{t('claims.col.by')}</th>
            <th scope="col" className="num">
              {t('claims.col.amount')}
            </th>
            <th scope="col">{t('claims.col.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {[...c.events].reverse().map((e, i) => (
            <tr key={i}>
              <td className="nowrap">{instant(e.at)}</td>
              <td>
                {known(t, `claims.event.${e.action}`, e.action)}{' '}
                {e.from_state !== null && e.from_state !== e.to_state && (
                  <span className="muted">
                    ({known(t, `claims.state.${e.from_state}`, e.from_state)} → {known(t, `claims.state.${e.to_state}`, e.to_state)})
                  </span>
                )}
              </td>
              <td>
                <OrgName id={e.actor_org_id} orgs={orgs} />
              </td>
              <td className="num">{e.amount_fen === null ? <span className="muted">—</span> : fen(e.amount_fen)}</td>
              <td>{e.reason ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
