// The claims queue: every claim the caller may see, filtered by state, program and (for the office) beneficiary, the
// filters kept in the URL. Administrators get the review queue by default: submitted claims first, oldest first.
import { useMemo, useState } from 'react';
import { allPages } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { fenOf } from '../i18n/format.js';
import type { MessageKey } from '../i18n/messages.js';
import { Show, useLoad } from '../components/load.js';
import { Downloads } from '../components/download.js';
import { href, navigate, type Route } from '../router.js';
import { useSignedIn } from '../session.js';
import { claim_states, ClaimFigureCells, ClaimFigureHeads, localName, OrgName, programName, StateBadge, useOrgs, usePrograms } from './claims-shared.js';
import type { ClaimPage, ClaimState, Organization } from '../contract.gen.js';

const rows_shown_step = 100;
const claims_loaded_max = 5000;

export function ClaimsPage({ route }: { route: Route }) {
  const { t, fen, int, locale } = useI18n();
  const session = useSignedIn();
  const office = session.role === 'administrator' || session.role === 'auditor';
  const state = (claim_states as readonly string[]).includes(route.query.get('state') ?? '') ? (route.query.get('state') as ClaimState) : '';
  const program = route.query.get('program') ?? '';
  const beneficiary = office ? (route.query.get('beneficiary') ?? '') : '';
  const review_queue = session.role === 'administrator' && state === '';

  const programs = usePrograms();
  const orgs = useOrgs();
  const claims = useLoad(
    () => allPages<ClaimPage>('/claims', { state, program_id: program, beneficiary_id: beneficiary }, claims_loaded_max),
    [state, program, beneficiary],
  );
  const [shown, setShown] = useState(rows_shown_step);

  const set = (key: string, value: string) => {
    const q = { state, program, beneficiary, [key]: value };
    setShown(rows_shown_step);
    navigate(href('claims', { state: q.state, program: q.program, beneficiary: q.beneficiary }), true);
  };

  const program_map = useMemo(() => new Map((programs.state === 'ok' ? programs.data : []).map((p) => [p.id, p])), [programs]);
  const org_map = orgs.state === 'ok' ? orgs.data : undefined;

  const sorted = useMemo(() => {
    if (claims.state !== 'ok') return [];
    const list = [...claims.data];
    // Review queue: submitted first, the longest waiting first; then the rest, the latest period first.
    list.sort((a, b) => {
      if (review_queue && (a.state === 'submitted') !== (b.state === 'submitted')) return a.state === 'submitted' ? -1 : 1;
      if (review_queue && a.state === 'submitted') return a.updated_at.localeCompare(b.updated_at) || a.id.localeCompare(b.id);
      return b.period_start.localeCompare(a.period_start) || b.updated_at.localeCompare(a.updated_at) || a.id.localeCompare(b.id);
    });
    return list;
  }, [claims, review_queue]);

  const counts = useMemo(() => {
    const c = new Map<ClaimState, { n: number; fen: bigint }>();
    for (const x of sorted) {
      const v = c.get(x.state) ?? { n: 0, fen: 0n };
      v.n += 1;
      v.fen += fenOf(x.state === 'draft' || x.state === 'submitted' ? x.computed_fen : x.granted_fen);
      c.set(x.state, v);
    }
    return c;
  }, [sorted]);

  const beneficiaries = useMemo(() => {
    const list = org_map ? [...org_map.values()].filter((o) => o.kind === 'enterprise' || o.kind === 'provider') : [];
    const by = (kind: string) => list.filter((o) => o.kind === kind).sort((a, b) => localName(a.name, locale).localeCompare(localName(b.name, locale), locale));
    return { enterprise: by('enterprise'), provider: by('provider') };
  }, [org_map, locale]);

  return (
    <div className="f2-page">
      <div className="page-head">
        <div>
          <h1>{t('claims.title')}</h1>
          <p className="muted">{review_queue ? t('claims.review_queue_note') : office ? t('claims.office_note') : t('claims.own_note')}</p>
        </div>
        <div className="head-actions">
          <Downloads
            path="/reports/claims"
            query={{ state, program_id: program, beneficiary_id: beneficiary }}
            label={t('claims.export_list')}
            testId="claims-export"
          />
          {session.role === 'enterprise' && (
            <a className="button-link primary" href={href('enterprise', { section: 'file-claim' })}>
              {t('claims.file_new')}
            </a>
          )}
        </div>
      </div>

      <div className="panel">
        <div className="filters" role="search" aria-label={t('claims.filters')}>
          <label className="field">
            <span>{t('claims.filter.state')}</span>
            <select value={state} onChange={(e) => set('state', e.target.value)} data-testid="claims-filter-state">
              <option value="">{session.role === 'administrator' ? t('claims.filter.all_review') : t('field.all')}</option>
              {claim_states.map((s) => (
                <option key={s} value={s}>
                  {t(`claims.state.${s}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('claims.filter.program')}</span>
            <select value={program} onChange={(e) => set('program', e.target.value)} data-testid="claims-filter-program">
              <option value="">{t('field.all')}</option>
              {programs.state === 'ok' &&
                programs.data.map((p) => (
                  <option key={p.id} value={p.id}>
                    {programName(p, p.id, locale)}
                  </option>
                ))}
              {program !== '' && !program_map.has(program) && <option value={program}>{program}</option>}
            </select>
          </label>
          {office && (
            <label className="field">
              <span>{t('claims.filter.beneficiary')}</span>
              <select value={beneficiary} onChange={(e) => set('beneficiary', e.target.value)} data-testid="claims-filter-beneficiary">
                <option value="">{t('field.all')}</option>
                <OrgOptions label={t('claims.kind.enterprise')} orgs={beneficiaries.enterprise} />
                <OrgOptions label={t('claims.kind.provider')} orgs={beneficiaries.provider} />
                {beneficiary !== '' && !org_map?.has(beneficiary) && <option value={beneficiary}>{beneficiary}</option>}
              </select>
            </label>
          )}
          {(state !== '' || program !== '' || beneficiary !== '') && (
            <button type="button" onClick={() => navigate(href('claims'), true)}>
              {t('action.reset')}
            </button>
          )}
        </div>

        <Show loaded={claims}>
          {() => (
            <>
              {sorted.length > 0 && (
                <ul className="state-counts" aria-label={t('claims.counts_label')}>
                  {claim_states
                    .filter((s) => counts.has(s))
                    .map((s) => (
                      <li key={s}>
                        <button
                          type="button"
                          className={state === s ? 'chip active' : 'chip'}
                          aria-pressed={state === s}
                          onClick={() => set('state', state === s ? '' : s)}
                        >
                          <StateBadge state={s} /> <strong>{int(counts.get(s)!.n)}</strong>
                          {s !== 'rejected' && s !== 'withdrawn' && <span className="muted">{fen(counts.get(s)!.fen)}</span>}
                        </button>
                      </li>
                    ))}
                </ul>
              )}
              {sorted.length === 0 ? (
                <p className="empty">{state !== '' || program !== '' || beneficiary !== '' ? t('claims.none_filtered') : t('claims.none')}</p>
              ) : (
                <div className="table-wrap">
                  <table data-testid="claims-table">
                    <caption className="visually-hidden">{t('claims.title')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{office ? t('claims.col.program_beneficiary') : t('claims.col.program')}</th>
                        <ClaimFigureHeads />
                      </tr>
                    </thead>
                    <tbody>
                      {sorted.slice(0, shown).map((c) => (
                        <tr
                          key={c.id}
                          data-testid={`claim-row-${c.id}`}
                          className="clickable"
                          onClick={(e) => {
                            if ((e.target as HTMLElement).closest('a') === null) navigate(href('claims', c.id));
                          }}
                        >
                          <td className="claim-cell">
                            <a href={href('claims', c.id)}>{programName(program_map.get(c.program_id), c.program_id, locale)}</a>
                            {office && (
                              <span className="muted">
                                <OrgName id={c.beneficiary_id} orgs={org_map} />
                              </span>
                            )}
                          </td>
                          <ClaimFigureCells c={c} />
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {sorted.length > shown && (
                <div className="actions">
                  <span className="muted">{t('claims.shown', { shown: int(shown), total: int(sorted.length) })}</span>
                  <button type="button" onClick={() => setShown((n) => n + rows_shown_step)}>
                    {t('action.more')}
                  </button>
                </div>
              )}
              {claims.state === 'ok' && claims.data.length >= claims_loaded_max && (
                <p className="method">{t('claims.truncated', { n: int(claims_loaded_max) })}</p>
              )}
            </>
          )}
        </Show>
      </div>
    </div>
  );
}

function OrgOptions({ label, orgs }: { label: string; orgs: Organization[] }) {
  const { locale } = useI18n();
  if (orgs.length === 0) return null;
  return (
    <optgroup label={label}>
      {orgs.map((o) => (
        <option key={o.id} value={o.id}>
          {localName(o.name, locale)}
        </option>
      ))}
    </optgroup>
  );
}
