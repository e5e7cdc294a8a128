// What the claims, enterprise and provider pages share: organization / program / catalog look-ups (cached per signed-in
// organization), exact unit conversions, the state badge and the subsidy explanation. The API's shapes they read are
// the contract's (web/src/contract.gen.ts, generated from the server's schemas by `npm run contract`).
import { useMemo } from 'react';
import { allPages, api, ApiError } from '../api.js';
import { useI18n, type I18n } from '../i18n/i18n.js';
import { messages, type MessageKey } from '../i18n/messages.js';
import { useLoad } from '../components/load.js';
import { fenOf } from '../i18n/format.js';
import { addDays, addMonths } from '../office-calendar.js';
import { useSignedIn } from '../session.js';
import type {
  Accelerator,
  AcceleratorList,
  Claim,
  ClaimExplanation,
  ClaimState,
  CutKind,
  Organization,
  OrganizationList,
  OrganizationPage,
  Program,
  ProgramDetail,
  ProgramList,
  Rule,
  RuleLine,
} from '../contract.gen.js';
import { href, navigate } from '../router.js';

// Sums of money (Fen) are decimal strings of whole fen: exact past 2^53. Arithmetic on them goes through BigInt (fenOf).

/** Every claim state, in life-cycle order (the filters' order); the compiler checks the list against the contract. */
export const claim_states = ['draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'paid', 'clawed_back'] as const satisfies readonly ClaimState[];
const _every_claim_state: Exclude<ClaimState, (typeof claim_states)[number]> extends never ? true : never = true;
void _every_claim_state;

// ---- cached look-ups ----

const cache = new Map<string, Promise<unknown>>();
function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key)); // a failure is tried again next time
  }
  return p;
}

/**
 * Every organization the caller may see, by id. GET /organizations (administrators and auditors: all; others: only
 * themselves) where the server has it, else GET /enterprises and /providers; what the caller may not list stays unnamed.
 */
async function loadOrgs(): Promise<Map<string, Organization>> {
  const out = new Map<string, Organization>();
  try {
    for (const o of await allPages<OrganizationPage>('/organizations', {}, 10_000)) out.set(o.id, o);
    return out;
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 400)) throw e;
  }
  const lists = await Promise.allSettled([api.get<OrganizationList>('/enterprises'), api.get<OrganizationList>('/providers')]);
  for (const l of lists) if (l.status === 'fulfilled') for (const o of l.value.items) out.set(o.id, o);
  return out;
}

export function useOrgs() {
  const s = useSignedIn();
  return useLoad(() => cached(`orgs|${s.org_id}`, loadOrgs).catch(() => new Map<string, Organization>()), [s.org_id]);
}

/**
 * The organization a party page shows: the office (administrator, auditor) picks one in the address (`?org=`, '' until
 * picked); a provider or an enterprise sees its own. With the names of all it may see, and the shown one's record.
 */
export function useViewedOrg(query: URLSearchParams) {
  const session = useSignedIn();
  const office = session.role === 'administrator' || session.role === 'auditor';
  const org = office ? (query.get('org') ?? '') : session.org_id;
  const orgs = useOrgs();
  const org_map = orgs.state === 'ok' ? orgs.data : undefined;
  return { office, org, org_map, me: org_map?.get(org) };
}

export function usePrograms() {
  const s = useSignedIn();
  return useLoad(() => cached(`programs|${s.org_id}`, () => api.get<ProgramList>('/programs').then((r) => r.items)), [s.org_id]);
}

export function useCatalog() {
  const s = useSignedIn();
  return useLoad(
    () => cached(`catalog|${s.org_id}`, () => api.get<AcceleratorList>('/accelerators').then((r) => new Map(r.items.map((a) => [a.id, a])))),
    [s.org_id],
  );
}

/** Demo and real names are often "中文名 (English name)": show the part of the reader's language, the whole as a title. */
export function localName(name: string, locale: I18n['locale']): string {
  const m = /^(.*[\u3400-\u9fff].*?)\s+\(([^()]*[A-Za-z][^()]*)\)$/.exec(name);
  if (!m) return name;
  return locale === 'zh-CN' ? m[1]!.trim() : m[2]!.trim();
}

export function programName(p: Program | undefined, id: string, locale: I18n['locale']): string {
  if (!p) return id;
  return locale === 'zh-CN' ? p.name_zh : p.name_en;
}

/** An organization's name in the reader's language; its id when the caller may not see it. */
export function OrgName({ id, orgs }: { id: string | null; orgs: Map<string, Organization> | undefined }) {
  const { locale, t } = useI18n();
  if (id === null) return <span className="muted">—</span>;
  const o = orgs?.get(id);
  if (o?.kind === 'office' || (!o && id.startsWith('o_'))) return <span title={o?.name ?? id}>{t('claims.org_office')}</span>;
  if (o) return <span title={o.name}>{localName(o.name, locale)}</span>;
  return <code className="id">{id}</code>;
}

export function orgText(id: string, orgs: Map<string, Organization> | undefined, locale: I18n['locale']): string {
  const o = orgs?.get(id);
  return o ? localName(o.name, locale) : id;
}

export function AcceleratorName({ id, catalog }: { id: string; catalog: Map<string, Accelerator> | undefined }) {
  const a = catalog?.get(id);
  if (!a) return <code className="id">{id}</code>;
  return (
    <span title={id}>
      {a.vendor} {a.model}
    </span>
  );
}

export function DomesticBadge({ domestic }: { domestic: boolean | undefined }) {
  const { t } = useI18n();
  if (domestic === undefined) return <span className="muted">—</span>;
  return <span className={`badge ${domestic ? 'domestic' : 'foreign'}`}>{t(domestic ? 'domestic.yes' : 'domestic.no')}</span>;
}

export function StateBadge({ state, testId }: { state: ClaimState; testId?: string }) {
  const { t } = useI18n();
  return (
    <span className={`badge state-${state}`} data-testid={testId}>
      {known(t, `claims.state.${state}`, state)}
    </span>
  );
}

/** A label looked up by a key made from API data (a state, a code), or the raw value when no string is defined for it. */
export function known(t: I18n['t'], key: string, fallback: string): string {
  return key in messages ? t(key as MessageKey) : fallback;
}

// ---- exact units ----

/** card-seconds → card-hours as an exact decimal string (3 places, truncated). */
export function cardHoursOf(card_s: number): string {
  const whole = Math.floor(card_s / 3600);
  const milli = Math.floor(((card_s % 3600) * 1000) / 3600);
  return `${whole}.${String(milli).padStart(3, '0')}`;
}

/** GFLOP (a decimal string, may pass 2^53) → PFLOP·h as an exact decimal string (3 places, truncated). */
export function pflopHoursOf(gflop: string): string {
  const milli = (BigInt(gflop) * 1000n) / 3_600_000_000n;
  return `${milli / 1000n}.${String(milli % 1000n).padStart(3, '0')}`;
}

/** Wh → kWh, exact, 3 places. */
export function kwhOf(wh: number): string {
  return `${Math.floor(wh / 1000)}.${String(wh % 1000).padStart(3, '0')}`;
}

/** "1234.5" yuan as typed → fen, exactly; null when it is not an amount of at most two decimals. */
export function fenOfYuan(text: string): bigint | null {
  const m = /^\s*(\d{1,17})(?:\.(\d{1,2}))?\s*$/.exec(text.replace(/[,，]/g, ''));
  if (!m) return null;
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

/** fen → "1234.56" for an amount box's initial value. */
export function yuanText(fen: bigint | string): string {
  const v = fenOf(fen);
  return `${v / 100n}.${(v % 100n).toString().padStart(2, '0')}`;
}

/**
 * A claim period for people: a month's name when it is whole office months, its first and last office day when it is
 * whole office days, else its two instants.
 */
export function formatPeriod(start: string, end: string, i18n: Pick<I18n, 'month' | 'calendar' | 'instant'>): string {
  const { calendar } = i18n;
  if (calendar.isDayStart(start) && calendar.isDayStart(end)) {
    const first = calendar.day(start);
    const end_day = calendar.day(end);
    if (first.endsWith('-01') && end_day.endsWith('-01')) {
      const m1 = first.slice(0, 7);
      const m2 = addMonths(end_day.slice(0, 7), -1);
      if (m2 >= m1) return m1 === m2 ? i18n.month(m1) : `${i18n.month(m1)} – ${i18n.month(m2)}`;
    }
    return `${first} – ${addDays(end_day, -1)}`;
  }
  return `${i18n.instant(start)} – ${i18n.instant(end)}`;
}

/** What the administrator can pay now of an approved claim (src/domain/claim/claim-state.ts payableNow). */
export function payableNow(c: Pick<Claim, 'granted_fen' | 'paid_fen' | 'progress_report_accepted'>, first_stage_bp: number): bigint {
  const granted = fenOf(c.granted_fen);
  const allowed = c.progress_report_accepted ? granted : (granted * BigInt(first_stage_bp)) / 10_000n;
  const payable = allowed - fenOf(c.paid_fen);
  return payable > 0n ? payable : 0n;
}

// ---- the explanation of a subsidy amount, line by line ----

function lineSays(l: RuleLine, i18n: I18n): string {
  const { t, bp, fen, decimal } = i18n;
  let s: string;
  if (l.basis === 'bill') s = t('claims.expl.bill', { rate: bp(l.rate_bp ?? 0), base: fen(l.base_fen) });
  else if (l.basis === 'compute') s = t('claims.expl.compute', { price: fen(l.fen_per_pflop_h ?? 0), pflop_h: decimal(pflopHoursOf(l.compute_gflop), 1) });
  else s = t('claims.expl.energy', { rate: bp(l.rate_bp ?? 0), kwh: decimal(kwhOf(l.energy_wh), 1), price: fen(l.fen_per_kwh ?? 0) });
  const notes: string[] = [];
  if (l.ceiling_fen_per_card_hour !== null) notes.push(t('claims.expl.ceiling', { price: fen(l.ceiling_fen_per_card_hour), cut: fen(l.ceiling_cut_fen) }));
  if (fenOf(l.layer_cut_fen) > 0n) notes.push(t('claims.expl.layer_cut', { cut: fen(l.layer_cut_fen) }));
  if (l.records_unvalued > 0) notes.push(t('claims.expl.unvalued', { n: i18n.int(l.records_unvalued) }));
  return notes.length === 0 ? s : `${s}; ${notes.join('; ')}`;
}

const cut_keys: Record<CutKind, MessageKey> = {
  share_cap: 'claims.cut.share_cap',
  program_cap: 'claims.cut.program_cap',
  year_cap: 'claims.cut.year_cap',
  budget: 'claims.cut.budget',
};

/** The explanation as a table: every rule line, what earned nothing, the computed total, each cut, the grant. */
export function ExplanationTable({
  explanation: e,
  rules,
  estimate = false,
}: {
  explanation: ClaimExplanation;
  rules?: Rule[] | undefined;
  estimate?: boolean;
}) {
  const i18n = useI18n();
  const { t, fen, int, decimal, bp } = i18n;
  const descriptions = useMemo(() => new Map((rules ?? []).map((r) => [r.id, r.description ?? ''])), [rules]);
  const cuts = e.approval?.cuts ?? e.cuts;
  const granted = e.approval?.granted_fen ?? e.granted_fen;
  return (
    <>
      <div className="table-wrap">
        <table className="explanation">
          <caption className="visually-hidden">{t('claims.expl.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('claims.expl.line')}</th>
              <th scope="col" className="num">
                {t('claims.col.records')}
              </th>
              <th scope="col" className="num">
                {t('claims.expl.card_hours')}
              </th>
              <th scope="col" className="num">
                {t('claims.expl.base')}
              </th>
              <th scope="col" className="num">
                {t('claims.expl.amount')}
              </th>
            </tr>
          </thead>
          <tbody>
            {e.lines.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  {t('claims.expl.no_lines')}
                </td>
              </tr>
            )}
            {e.lines.map((l, i) => (
              <tr key={`${l.rule_id}-${i}`}>
                <th scope="row" className="line-says">
                  <span className="rule-name">
                    {descriptions.get(l.rule_id) || t('claims.expl.rule')} <code className="id">{l.rule_id}</code>
                  </span>
                  <span className="muted">{lineSays(l, i18n)}</span>
                </th>
                <td className="num">{int(l.records)}</td>
                <td className="num">{decimal(cardHoursOf(l.card_s), 1)}</td>
                <td className="num">{fen(l.base_fen)}</td>
                <td className="num">{fen(l.subsidy_fen)}</td>
              </tr>
            ))}
            {e.unmatched.records > 0 && (
              <tr className="muted-row">
                <th scope="row" className="line-says">
                  <span>{t('claims.expl.unmatched', { n: int(e.unmatched.records) })}</span>
                  <span className="muted">{t('claims.expl.unmatched_bill', { amount: fen(e.unmatched.amount_fen) })}</span>
                </th>
                <td className="num">{int(e.unmatched.records)}</td>
                <td className="num">{decimal(cardHoursOf(e.unmatched.card_s), 1)}</td>
                <td className="num muted">—</td>
                <td className="num">{fen(0)}</td>
              </tr>
            )}
            {e.period_excluded && e.period_excluded.records > 0 && (
              <tr className="muted-row">
                <th scope="row" className="line-says">
                  <span>{t('claims.expl.excluded', { n: int(e.period_excluded.records), day: i18n.calendar.day(e.period_excluded.support_ends_at_ms) })}</span>
                  <span className="muted">{t('claims.expl.unmatched_bill', { amount: fen(e.period_excluded.amount_fen) })}</span>
                </th>
                <td className="num">{int(e.period_excluded.records)}</td>
                <td className="num muted">—</td>
                <td className="num muted">—</td>
                <td className="num">{fen(0)}</td>
              </tr>
            )}
            <tr className="subtotal">
              <th scope="row">{t('claims.expl.computed')}</th>
              <td className="num" />
              <td className="num" />
              <td className="num">{fen(e.base_fen)}</td>
              <td className="num">{fen(e.approval?.computed_fen ?? e.computed_fen)}</td>
            </tr>
            {cuts.length > 0 && (
              <tr className="section">
                <th scope="rowgroup" colSpan={5}>
                  {e.approval ? t('claims.expl.cuts_approval') : estimate ? t('claims.expl.cuts_estimate') : t('claims.expl.cuts_filing')}
                </th>
              </tr>
            )}
            {cuts.map((c, i) => (
              <tr key={`${c.kind}-${i}`}>
                <th scope="row" className="line-says">
                  <span>{t(cut_keys[c.kind])}</span>
                  <span className="muted">{t('claims.expl.cut_limit', { limit: fen(c.limit_fen) })}</span>
                </th>
                <td className="num" />
                <td className="num" />
                <td className="num" />
                <td className="num">−{fen(c.cut_fen)}</td>
              </tr>
            ))}
            <tr className="total">
              <th scope="row">{e.approval ? t('claims.expl.granted') : estimate ? t('claims.expl.estimated_grant') : t('claims.expl.grant_if_approved')}</th>
              <td className="num" />
              <td className="num" />
              <td className="num" />
              <td className="num">{fen(granted)}</td>
            </tr>
          </tbody>
        </table>
      </div>
      <p className="method">
        {e.domestic_share_bp !== null && <>{t('claims.expl.domestic_share', { share: bp(e.domestic_share_bp) })} · </>}
        {e.rule_set_version !== undefined && <>{t('claims.expl.rule_set', { v: e.rule_set_version })} · </>}
        {t('claims.expl.rounding')}
      </p>
    </>
  );
}

/** Rules of a program's rule-set version, for the explanation's descriptions. */
export function rulesOf(p: ProgramDetail | undefined, version: number | undefined): Rule[] | undefined {
  if (!p) return undefined;
  return p.rule_sets.find((r) => r.version === version)?.rules;
}

/** Decimal string → integer in units of 10^-places (exact), for ratios of the API's decimal quantities. */
export function decimalUnits(value: string, places = 6): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return 0n;
  const v = BigInt(m[2]!) * 10n ** BigInt(places) + BigInt((m[3] ?? '').slice(0, places).padEnd(places, '0') || '0');
  return m[1] === '-' ? -v : v;
}

/** part / whole in basis points (exact, floored); null when the whole is zero. */
export function shareBp(part: bigint, whole: bigint): number | null {
  return whole === 0n ? null : Number((part * 10_000n) / whole);
}

/** Compact axis numbers: 1.2万 / 12K. */
export function compactNumber(n: number, locale: I18n['locale']): string {
  return new Intl.NumberFormat(locale === 'zh-CN' ? 'zh-CN' : 'en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

/** The organization an administrator or auditor looks at (?org=), chosen from a list of one kind. */
export function OrgPicker({
  kind,
  value,
  orgs,
  onChange,
  label,
}: {
  kind: 'enterprise' | 'provider';
  value: string;
  orgs: Map<string, Organization> | undefined;
  onChange(id: string): void;
  label: string;
}) {
  const { t, locale } = useI18n();
  const list = useMemo(
    () => [...(orgs?.values() ?? [])].filter((o) => o.kind === kind).sort((a, b) => localName(a.name, locale).localeCompare(localName(b.name, locale), locale)),
    [orgs, kind, locale],
  );
  return (
    <label className="field org-picker">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="org-picker">
        <option value="">{t('claims.pick_org')}</option>
        {list.map((o) => (
          <option key={o.id} value={o.id}>
            {localName(o.name, locale)}
          </option>
        ))}
        {value !== '' && !list.some((o) => o.id === value) && <option value={value}>{value}</option>}
      </select>
    </label>
  );
}

/** Sets one query parameter of the current page, keeping the others (replacing the history entry). */
export function setQuery(page: string, query: URLSearchParams, changes: Record<string, string>): void {
  const q: Record<string, string> = {};
  query.forEach((v, k) => {
    q[k] = v;
  });
  Object.assign(q, changes);
  navigate(href(page, q), true);
}

/** The office's starting point on the enterprise and provider views: every organization of the kind, each a link. */
export function OrgChooser({ kind, orgs, page }: { kind: 'enterprise' | 'provider'; orgs: Map<string, Organization> | undefined; page: string }) {
  const { t, locale } = useI18n();
  const list = useMemo(
    () => [...(orgs?.values() ?? [])].filter((o) => o.kind === kind).sort((a, b) => localName(a.name, locale).localeCompare(localName(b.name, locale), locale)),
    [orgs, kind, locale],
  );
  if (list.length === 0) return <p className="empty">{t('state.empty')}</p>;
  return (
    <div className="table-wrap">
      <table data-testid="org-chooser">
        <caption className="visually-hidden">{t(kind === 'enterprise' ? 'claims.kind.enterprise' : 'claims.kind.provider')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('claims.org.name')}</th>
            <th scope="col">{t('claims.org.region')}</th>
            {kind === 'enterprise' && <th scope="col">{t('claims.org.sector')}</th>}
          </tr>
        </thead>
        <tbody>
          {list.map((o) => (
            <tr key={o.id}>
              <td>
                <a href={href(page, { org: o.id })} title={o.name}>
                  {localName(o.name, locale)}
                </a>
              </td>
              <td>{o.region ?? '—'}</td>
              {kind === 'enterprise' && <td>{o.sector ?? '—'}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The heads of a claims table after its first column (the program): state, period and the amounts. */
export function ClaimFigureHeads() {
  const { t } = useI18n();
  return (
    <>
      <th scope="col">{t('claims.col.state')}</th>
      <th scope="col">{t('claims.col.period')}</th>
      <th scope="col" className="num">
        {t('claims.col.records')}
      </th>
      <th scope="col" className="num">
        {t('claims.col.computed')}
      </th>
      <th scope="col" className="num">
        {t('claims.col.granted')}
      </th>
      <th scope="col" className="num">
        {t('claims.col.paid')}
      </th>
    </>
  );
}

/** A claim's cells under ClaimFigureHeads: the granted amount once granted, the paid one once paid. */
export function ClaimFigureCells({ c }: { c: Claim }) {
  const i18n = useI18n();
  const { fen, int } = i18n;
  return (
    <>
      <td>
        <StateBadge state={c.state} />
      </td>
      <td className="period-cell">
        {formatPeriod(c.period_start, c.period_end, i18n)
          .split(' – ')
          .map((part, k, all) => (
            <span key={k}>
              {k > 0 ? ' ' : ''}
              <span className="nowrap">
                {part}
                {k < all.length - 1 ? ' –' : ''}
              </span>
            </span>
          ))}
      </td>
      <td className="num">{int(c.records)}</td>
      <td className="num">{fen(c.computed_fen)}</td>
      <td className="num">
        {c.state === 'approved' || c.state === 'paid' || c.state === 'clawed_back' ? fen(c.granted_fen) : <span className="muted">—</span>}
      </td>
      <td className="num">{fenOf(c.paid_fen) === 0n ? <span className="muted">—</span> : fen(c.paid_fen)}</td>
    </>
  );
}
