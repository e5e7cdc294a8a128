// The programs: every subsidy program with its window, budget and state, and how much of the budget is committed
// (reserved for approved claims or paid), from each program's own budget balances.
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { fenOf, fenShareBp } from '../i18n/format.js';
import type { MessageKey } from '../i18n/messages.js';
import { Show, useLoad } from '../components/load.js';
import { href, type Route } from '../router.js';
import { programName, programState } from './programs-common.js';
import type { Program, ProgramDetail, ProgramList } from '../contract.gen.js';

export const kind_keys: Record<string, MessageKey> = {
  compute_rent: 'programs.kind.compute_rent',
  energy: 'programs.kind.energy',
  model: 'programs.kind.model',
  data: 'programs.kind.data',
  other: 'programs.kind.other',
};
export const state_keys: Record<string, MessageKey> = { upcoming: 'programs.state.upcoming', active: 'programs.state.active', ended: 'programs.state.ended' };
export const beneficiary_keys: Record<string, MessageKey> = { enterprise: 'programs.beneficiary.enterprise', provider: 'programs.beneficiary.provider' };

/** A window's two instants in the office's zone: "2025-08-01 00:00 (UTC+8) – 2028-01-01 00:00 (UTC+8)". */
export function WindowText({ window }: { window: Program['window'] }) {
  const { instant } = useI18n();
  return (
    <span className="nowrap-parts">
      <span>{instant(window.start)}</span> – <span>{instant(window.end)}</span>
    </span>
  );
}

export function ProgramsPage(_props: { route: Route }) {
  const i = useI18n();
  const { t, fen, bp, locale } = i;
  const loaded = useLoad(async (signal) => {
    const list = await api.get<ProgramList>('/programs', undefined, signal);
    // One request per program for its budget balances: programs are few (an office runs a handful).
    const details = await Promise.all(
      list.items.map((p) => api.get<ProgramDetail>(`/programs/${encodeURIComponent(p.id)}`, undefined, signal).catch(() => null)),
    );
    return list.items.map((p, k) => ({ program: p, detail: details[k] ?? null }));
  }, []);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('programs.title')}</h1>
          <p className="muted">{t('programs.subtitle')}</p>
        </div>
      </div>
      <Show loaded={loaded}>
        {(rows) =>
          rows.length === 0 ? (
            <p className="empty panel">{t('programs.none')}</p>
          ) : (
            <section className="panel">
              <div className="table-wrap">
                <table data-testid="programs-table">
                  <caption className="visually-hidden">{t('programs.title')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('programs.col.name')}</th>
                      <th scope="col">{t('programs.col.kind')}</th>
                      <th scope="col">{t('programs.col.window')}</th>
                      <th scope="col">{t('programs.col.state')}</th>
                      <th scope="col" className="num">
                        {t('programs.col.budget')}
                      </th>
                      <th scope="col" className="num">
                        {t('programs.col.committed')}
                      </th>
                      <th scope="col" className="num">
                        {t('programs.col.available')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(({ program: p, detail }) => {
                      const state = programState(p);
                      const committed = detail ? fenOf(detail.budget.budget_fen) - fenOf(detail.budget.available_fen) : null;
                      const share = detail && committed !== null ? fenShareBp(committed, detail.budget.budget_fen) : null;
                      return (
                        <tr key={p.id} data-testid={`program-row-${p.id}`}>
                          <td>
                            <a href={href('programs', p.id)}>{programName(p, locale)}</a>
                          </td>
                          <td>
                            {t(kind_keys[p.kind] ?? 'programs.kind.other')}
                            <div className="muted note-sm">
                              {t('programs.pays', { who: t(beneficiary_keys[p.beneficiary_kind] ?? 'programs.beneficiary.enterprise') })}
                            </div>
                          </td>
                          <td className="note-sm">
                            <WindowText window={p.window} />
                          </td>
                          <td>
                            <span className={`badge program-${state}`}>{t(state_keys[state]!)}</span>
                          </td>
                          <td className="num">{fen(p.budget_fen)}</td>
                          <td className="num">
                            {committed === null ? '—' : fen(committed)}
                            {share !== null && <div className="muted note-sm">{t('programs.of_budget', { share: bp(share, 2) })}</div>}
                          </td>
                          <td className="num">{detail ? fen(detail.budget.available_fen) : '—'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <p className="method">{t('programs.committed_note')}</p>
            </section>
          )
        }
      </Show>
    </>
  );
}
