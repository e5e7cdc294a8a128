// One program: its facts, the rule set in force as readable rows, the version history, the budget balances and (for
// the office and auditors) the ledger; administrators get the what-if simulator.
import type { Accelerator, AcceleratorList, Ledger, Organization, OrganizationList, ProgramDetail } from '../contract.gen.js';
import { useMemo } from 'react';
import { api, ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { fenOf, type Fen } from '../i18n/format.js';
import type { MessageKey } from '../i18n/messages.js';
import { Show, useLoad } from '../components/load.js';
import { Downloads } from '../components/download.js';
import { href, type Route } from '../router.js';
import { useSignedIn } from '../session.js';
import { beneficiary_keys, kind_keys, state_keys, WindowText } from './programs.js';
import { currentRuleSet, orgName, programName, programState, RuleTable, SourceText } from './programs-common.js';
import { Simulator } from './programs-simulate.js';

const transfer_keys: Record<string, MessageKey> = {
  fund: 'programs.transfer.fund',
  approve: 'programs.transfer.approve',
  pay: 'programs.transfer.pay',
  release: 'programs.transfer.release',
  recover: 'programs.transfer.recover',
};
const size_keys: Record<string, MessageKey> = {
  micro: 'programs.size.micro',
  small: 'programs.size.small',
  medium: 'programs.size.medium',
  large: 'programs.size.large',
};

export function ProgramPage({ route }: { route: Route }) {
  const id = route.path[1] ?? '';
  const session = useSignedIn();
  const reader = session.role === 'administrator' || session.role === 'auditor';
  const loaded = useLoad(
    async (signal) => {
      const [program, catalog] = await Promise.all([
        api.get<ProgramDetail>(`/programs/${encodeURIComponent(id)}`, undefined, signal),
        api.get<AcceleratorList>('/accelerators', undefined, signal).catch(() => ({ items: [] as Accelerator[] })),
      ]);
      return { program, catalog: catalog.items };
    },
    [id],
  );
  const { t } = useI18n();
  return (
    <>
      <p className="crumb">
        <a href={href('programs')}>← {t('programs.back')}</a>
      </p>
      <Show loaded={loaded}>
        {({ program, catalog }) => <ProgramView program={program} catalog={catalog} reader={reader} admin={session.role === 'administrator'} />}
      </Show>
    </>
  );
}

function ProgramView({ program: p, catalog, reader, admin }: { program: ProgramDetail; catalog: Accelerator[]; reader: boolean; admin: boolean }) {
  const i = useI18n();
  const { t, fen, bp, locale, instant, int } = i;
  const names = useMemo(() => new Map(catalog.map((m) => [m.id, `${m.vendor} ${m.model}`])), [catalog]);
  const modelName = (mid: string) => names.get(mid) ?? mid;
  const current = currentRuleSet(p.rule_sets);
  const versions = [...p.rule_sets].sort((a, b) => b.version - a.version);
  const state = programState(p);
  const b = p.budget;
  const committed = fenOf(b.budget_fen) - fenOf(b.available_fen);
  // a bar segment's width in percent of the budget (4 decimals: a width, not an amount)
  const part = (v: Fen) => (fenOf(b.budget_fen) === 0n ? 0 : Number((fenOf(v) * 1_000_000n) / fenOf(b.budget_fen)) / 10_000);
  const e = p.eligibility;
  const eligibility: string[] = [];
  const join = (xs: readonly string[]) => xs.join(locale === 'zh-CN' ? '、' : ', ');
  if (e.sizes) eligibility.push(t('programs.elig.sizes', { list: join(e.sizes.map((s) => (size_keys[s] ? t(size_keys[s]) : s))) }));
  if (e.regions) eligibility.push(t('programs.elig.regions', { list: join(e.regions) }));
  if (e.sectors) eligibility.push(t('programs.elig.sectors', { list: join(e.sectors) }));
  if (e.categories) eligibility.push(t('programs.elig.categories', { list: join(e.categories) }));
  if (e.enrolled_only) eligibility.push(t('programs.elig.enrolled_only'));

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{programName(p, locale)}</h1>
          {locale === 'zh-CN' && (
            <p className="muted" lang="en">
              {p.name_en}
            </p>
          )}
        </div>
        <div className="head-badges">
          <span className={`badge program-${state}`}>{t(state_keys[state]!)}</span>
          <span className="badge">{t(kind_keys[p.kind] ?? 'programs.kind.other')}</span>
          {reader && <Downloads path={`/reports/programs/${encodeURIComponent(p.id)}`} label={t('programs.export_report')} testId="program-export" />}
        </div>
      </div>
      <div className="grid">
        <section className="panel span-8" aria-labelledby="facts-title">
          <h2 id="facts-title">{t('programs.facts')}</h2>
          <dl className="facts">
            <dt>{t('programs.fact.code')}</dt>
            <dd>
              <code>{p.code}</code>
            </dd>
            <dt>{t('programs.fact.beneficiary')}</dt>
            <dd>{t(beneficiary_keys[p.beneficiary_kind] ?? 'programs.beneficiary.enterprise')}</dd>
            <dt>{t('programs.fact.window')}</dt>
            <dd>
              <WindowText window={p.window} />
            </dd>
            <dt>{t('programs.fact.layer')}</dt>
            <dd>
              <code>{p.funding_layer}</code> <span className="muted note-sm">{t('programs.fact.layer_note')}</span>
            </dd>
            <dt>{t('programs.fact.caps')}</dt>
            <dd>
              {p.caps.share_bp === null && p.caps.fen === null && p.caps.fen_year === null && <span className="muted">{t('programs.caps.none')}</span>}
              {p.caps.share_bp !== null && <div>{t('programs.caps.share', { share: bp(p.caps.share_bp, 0) })}</div>}
              {p.caps.fen !== null && <div>{t('programs.caps.fen', { fen: fen(p.caps.fen) })}</div>}
              {p.caps.fen_year !== null && <div>{t('programs.caps.fen_year', { fen: fen(p.caps.fen_year) })}</div>}
            </dd>
            <dt>{t('programs.fact.support')}</dt>
            <dd>
              {p.support_months === null ? <span className="muted">{t('programs.support.none')}</span> : t('programs.support.months', { n: p.support_months })}
            </dd>
            <dt>{t('programs.fact.stages')}</dt>
            <dd>{p.first_stage_bp >= 10_000 ? t('programs.stages.once') : t('programs.stages.two', { share: bp(p.first_stage_bp, 0) })}</dd>
            <dt>{t('programs.fact.eligibility')}</dt>
            <dd>{eligibility.length === 0 ? <span className="muted">{t('programs.elig.any')}</span> : eligibility.map((x) => <div key={x}>{x}</div>)}</dd>
            <dt>{t('programs.fact.signed')}</dt>
            <dd>{p.requires_signed_usage ? t('programs.signed.yes') : t('programs.signed.no')}</dd>
            <dt>{t('programs.fact.source')}</dt>
            <dd>
              <SourceText text={p.source} />
            </dd>
          </dl>
        </section>

        <section className="panel span-4" aria-labelledby="budget-title" data-testid="program-budget">
          <h2 id="budget-title">{t('programs.budget')}</h2>
          <div className="kpi">
            <span className="label">{t('programs.col.budget')}</span>
            <span className="value">{fen(b.budget_fen)}</span>
          </div>
          <div
            className="budget-bar"
            role="img"
            aria-label={t('programs.budget_bar', { paid: fen(b.paid_fen), reserved: fen(b.reserved_fen), available: fen(b.available_fen) })}
          >
            <span className="seg paid" style={{ width: `${part(b.paid_fen)}%` }} />
            <span className="seg reserved" style={{ width: `${part(b.reserved_fen)}%` }} />
          </div>
          <table className="balances">
            <caption className="visually-hidden">{t('programs.budget')}</caption>
            <tbody>
              <tr>
                <th scope="row">
                  <span className="legend-swatch paid" aria-hidden="true" />
                  {t('programs.bal.paid')}
                </th>
                <td className="num">{fen(b.paid_fen)}</td>
              </tr>
              <tr>
                <th scope="row">
                  <span className="legend-swatch reserved" aria-hidden="true" />
                  {t('programs.bal.reserved')}
                </th>
                <td className="num">{fen(b.reserved_fen)}</td>
              </tr>
              <tr>
                <th scope="row">
                  <span className="legend-swatch available" aria-hidden="true" />
                  {t('programs.bal.available')}
                </th>
                <td className="num" data-testid="program-available">
                  {fen(b.available_fen)}
                </td>
              </tr>
              <tr className="total">
                <th scope="row">{t('programs.col.committed')}</th>
                <td className="num" data-testid="program-committed">
                  {fen(committed)}
                </td>
              </tr>
            </tbody>
          </table>
          <p className="method">{t('programs.committed_note')}</p>
        </section>

        <section className="panel span-12" aria-labelledby="rules-title">
          <h2 id="rules-title">
            <span>{t('programs.rules_current')}</span>
            {current && (
              <span className="muted note-sm">{t('programs.version_line', { version: current.version, from: instant(current.effective_from) })}</span>
            )}
          </h2>
          {current === null ? (
            <p className="empty" data-testid="rule-set">
              {t('programs.rules_none')}
            </p>
          ) : (
            <RuleTable rules={current.rules} model_name={modelName} testId="rule-set" caption={t('programs.rules_current')} />
          )}
        </section>

        <section className="panel span-12" aria-labelledby="versions-title">
          <h2 id="versions-title">{t('programs.versions')}</h2>
          <div className="table-wrap">
            <table data-testid="rule-versions">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('programs.v.version')}
                  </th>
                  <th scope="col">{t('programs.v.effective')}</th>
                  <th scope="col" className="num">
                    {t('programs.v.rules')}
                  </th>
                  <th scope="col">{t('programs.v.rounding')}</th>
                  <th scope="col">{t('programs.v.used')}</th>
                  <th scope="col">{t('programs.v.created')}</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version}>
                    <td className="num">
                      v{v.version}
                      {current?.version === v.version && (
                        <>
                          {' '}
                          <span className="badge program-active">{t('programs.v.in_force')}</span>
                        </>
                      )}
                    </td>
                    <td>{instant(v.effective_from)}</td>
                    <td className="num">{int(v.rules.length)}</td>
                    <td>{v.rounding === 'line' ? t('programs.v.rounding_line') : t('programs.v.rounding_record')}</td>
                    <td>{v.used_by_approved_claims ? t('programs.v.used_yes') : t('programs.v.used_no')}</td>
                    <td>{instant(v.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {versions
            .filter((v) => v.version !== current?.version)
            .map((v) => (
              <details key={v.version} className="version-rules">
                <summary>{t('programs.v.show', { version: v.version })}</summary>
                <RuleTable rules={v.rules} model_name={modelName} caption={t('programs.v.show', { version: v.version })} />
              </details>
            ))}
          <p className="method">{t('programs.versions_note')}</p>
        </section>

        {reader && <LedgerPanel program={p} />}
        {admin && <Simulator program={p} rules={current?.rules ?? []} version={current?.version ?? null} />}
      </div>
    </>
  );
}

function LedgerPanel({ program }: { program: ProgramDetail }) {
  const { t, fen, instant, locale } = useI18n();
  const loaded = useLoad(
    async (signal) => {
      const [ledger, orgs] = await Promise.all([
        api.get<Ledger>(`/programs/${encodeURIComponent(program.id)}/ledger`, undefined, signal),
        api.get<OrganizationList>(`/${program.beneficiary_kind}s`, undefined, signal).catch(() => ({ items: [] as Organization[] })),
      ]);
      return { ledger, names: new Map(orgs.items.map((o) => [o.id, o.name])) };
    },
    [program.id],
  );
  if (loaded.state === 'error' && loaded.error instanceof ApiError && loaded.error.status === 403) return null;
  return (
    <section className="panel span-12" aria-labelledby="ledger-title">
      <h2 id="ledger-title">
        <span>{t('programs.ledger')}</span>
        <Downloads path={`/reports/programs/${encodeURIComponent(program.id)}/ledger`} label={t('programs.export_ledger')} testId="ledger-export" />
      </h2>
      <Show loaded={loaded}>
        {({ ledger, names }) => {
          const payables = ledger.accounts.filter((a) => a.kind === 'payable' && fenOf(a.balance_fen) !== 0n);
          const recent = [...ledger.transfers].sort((a, b) => b.id - a.id).slice(0, 15);
          const accountLabel = (acc: string) => {
            const m = /:(funding|available|paid|payable)(?::(.+))?$/.exec(acc);
            if (!m) return acc;
            const kind = t(`programs.account.${m[1] as 'funding' | 'available' | 'paid' | 'payable'}`);
            return m[2] ? `${kind} · ${orgName(names.get(m[2]) ?? m[2], locale)}` : kind;
          };
          return (
            <div className="grid">
              <div className="span-6">
                <h3>{t('programs.payables')}</h3>
                {payables.length === 0 ? (
                  <p className="empty">{t('programs.payables_none')}</p>
                ) : (
                  <div className="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">{t('programs.col.beneficiary')}</th>
                          <th scope="col" className="num">
                            {t('programs.col.payable')}
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {payables.map((a) => (
                          <tr key={a.id}>
                            <td title={names.get(a.beneficiary_id ?? '') ?? undefined}>
                              {orgName(names.get(a.beneficiary_id ?? '') ?? a.beneficiary_id ?? '', locale)}
                            </td>
                            <td className="num">{fen(a.balance_fen)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </div>
              <div className="span-6">
                <h3>{t('programs.transfers', { n: ledger.transfers.length })}</h3>
                {recent.length === 0 ? (
                  <p className="empty">{t('state.empty')}</p>
                ) : (
                  <div className="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">{t('programs.col.at')}</th>
                          <th scope="col">{t('programs.col.transfer')}</th>
                          <th scope="col">{t('programs.col.to')}</th>
                          <th scope="col" className="num">
                            {t('programs.col.amount')}
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {recent.map((x) => (
                          <tr key={x.id}>
                            <td className="note-sm">{instant(x.at)}</td>
                            <td>
                              {transfer_keys[x.kind] ? t(transfer_keys[x.kind]!) : x.kind}
                              {x.claim_id && (
                                <div className="note-sm">
                                  <a href={href('claims', x.claim_id)}>{x.claim_id}</a>
                                </div>
                              )}
                            </td>
                            <td className="note-sm">{accountLabel(x.credit)}</td>
                            <td className="num">{fen(x.amount_fen)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </div>
            </div>
          );
        }}
      </Show>
    </section>
  );
}
