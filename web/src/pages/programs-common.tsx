// What the program pages (and the overview and catalog) share: names by language, a program's state, source texts
// with their addresses linked, exact decimal sums, and rules told as sentences.
import type { ReactNode } from 'react';
import { useI18n, type I18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/messages.js';
import type { Program, Rule, RuleMatch, RulePay, RuleSetVersion } from '../contract.gen.js';
import { fenOf } from '../i18n/format.js';

// Sums of money are decimal strings of whole fen (exact past 2^53); fenOf makes them bigints for arithmetic.

/** The program's name in the current language. */
export function programName(p: { name_zh: string; name_en: string }, locale: I18n['locale']): string {
  return locale === 'zh-CN' ? p.name_zh : p.name_en;
}

/** Organization names are stored as "中文名 (English name)": the part of the current language, the whole as fallback. */
export function orgName(name: string, locale: I18n['locale']): string {
  const i = name.indexOf(' (');
  if (i <= 0 || !name.endsWith(')')) return name;
  const zh = name.slice(0, i);
  const en = name.slice(i + 2, -1);
  const cjk = /[\u3400-\u9fff]/;
  if (!cjk.test(zh) || cjk.test(en)) return name;
  return locale === 'zh-CN' ? zh : en;
}

export type ProgramState = 'upcoming' | 'active' | 'ended';
export function programState(p: Program, now = Date.now()): ProgramState {
  if (now < Date.parse(p.window.start)) return 'upcoming';
  if (now >= Date.parse(p.window.end)) return 'ended';
  return 'active';
}

/** The rule set in force now: the latest version already effective, else the earliest. */
export function currentRuleSet(versions: readonly RuleSetVersion[], now = Date.now()): RuleSetVersion | null {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  let current: RuleSetVersion | null = null;
  for (const v of sorted) if (Date.parse(v.effective_from) <= now) current = v;
  return current ?? sorted[0] ?? null;
}

/** A text that names its sources: addresses become links (host shown), the rest stays text. */
export function SourceText({ text }: { text: string | null }) {
  const { t } = useI18n();
  if (text === null || text.trim() === '') return <span className="muted">{t('programs.no_source')}</span>;
  const parts = text.split(/(\s+)/);
  return (
    <span className="source-text">
      {parts.map((p, i) => {
        const m = /^(https?:\/\/[^\s]+?)([.,;)]*)$/.exec(p);
        if (!m) return <span key={i}>{p}</span>;
        let host = m[1]!;
        try {
          host = new URL(m[1]!).host;
        } catch {
          /* shown whole */
        }
        return (
          <span key={i}>
            <a href={m[1]} target="_blank" rel="noreferrer noopener" title={m[1]}>
              {host}
            </a>
            {m[2]}
          </span>
        );
      })}
    </span>
  );
}

// ---- exact decimal strings (compute, hours): sums and differences without floating point ----
const scale_digits = 9;
function toScaled(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return 0n;
  const frac = (m[3] ?? '').slice(0, scale_digits).padEnd(scale_digits, '0');
  const v = BigInt(m[2]!) * 10n ** BigInt(scale_digits) + BigInt(frac);
  return m[1] === '-' ? -v : v;
}
function fromScaled(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const unit = 10n ** BigInt(scale_digits);
  const frac = (a % unit).toString().padStart(scale_digits, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${(a / unit).toString()}${frac === '' ? '' : `.${frac}`}`;
}
export function decimalSum(values: readonly string[]): string {
  return fromScaled(values.reduce((s, v) => s + toScaled(v), 0n));
}
export function decimalSub(a: string, b: string): string {
  return fromScaled(toScaled(a) - toScaled(b));
}

/** A fen amount given as text in yuan ("1234.5") → integer fen, or null when it is not such a number. */
export function parseYuan(text: string): number | null {
  const m = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0')));
}
/** Integer fen → "1234.56" for an input box (no grouping, so it parses back). */
export function yuanInput(fen: number | string | bigint): string {
  const v = fenOf(fen);
  return `${(v / 100n).toString()}.${(v % 100n).toString().padStart(2, '0')}`;
}
/** Yuan given as text → whole fen as a decimal string (exact, for sums of money past 2^53), or null. */
export function parseYuanFen(text: string): string | null {
  const m = /^\s*(\d{1,17})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return (BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))).toString();
}
/** A percentage given as text ("30", "12.5") → basis points, or null. */
export function parsePercent(text: string): number | null {
  const m = /^\s*(\d{1,6})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
/** Basis points → "30" / "12.5" for an input box. */
export function percentInput(bp: number): string {
  const whole = Math.floor(bp / 100);
  const frac = String(bp % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

// ---- rules as sentences ----
const size_keys: Record<string, MessageKey> = {
  micro: 'programs.size.micro',
  small: 'programs.size.small',
  medium: 'programs.size.medium',
  large: 'programs.size.large',
};
const workload_keys: Record<string, MessageKey> = { training: 'programs.workload.training', inference: 'programs.workload.inference' };

function list(items: readonly string[], locale: I18n['locale']): string {
  return items.join(locale === 'zh-CN' ? '、' : ', ');
}

/** What a rule matches, as phrases ("domestic accelerators", "vendor: Huawei", …); empty match: any usage. */
export function matchPhrases(m: RuleMatch, i: I18n, model_name: (id: string) => string = (id) => id): string[] {
  const { t, locale } = i;
  const out: string[] = [];
  if (m.domestic === true) out.push(t('programs.match.domestic'));
  if (m.domestic === false) out.push(t('programs.match.foreign'));
  if (m.vendor) out.push(t('programs.match.vendor', { list: list(m.vendor, locale) }));
  if (m.accelerator) out.push(t('programs.match.accelerator', { list: list(m.accelerator.map(model_name), locale) }));
  if (m.workload)
    out.push(
      t('programs.match.workload', {
        list: list(
          m.workload.map((w) => (workload_keys[w] ? t(workload_keys[w]) : w)),
          locale,
        ),
      }),
    );
  if (m.region) out.push(t('programs.match.region', { list: list(m.region, locale) }));
  if (m.provider) out.push(t('programs.match.provider', { list: list(m.provider, locale) }));
  if (m.beneficiary_size)
    out.push(
      t('programs.match.size', {
        list: list(
          m.beneficiary_size.map((s) => (size_keys[s] ? t(size_keys[s]) : s)),
          locale,
        ),
      }),
    );
  if (m.beneficiary_category) out.push(t('programs.match.category', { list: list(m.beneficiary_category, locale) }));
  if (out.length === 0) out.push(t('programs.match.any'));
  return out;
}

export function payPhrase(p: RulePay, i: I18n): string {
  if (p.basis === 'bill') return i.t('programs.pay.bill', { rate: i.bp(p.rate_bp, p.rate_bp % 100 === 0 ? 0 : 2) });
  if (p.basis === 'compute') return i.t('programs.pay.compute', { fen: i.fen(p.fen_per_pflop_h) });
  return i.t('programs.pay.energy', { rate: i.bp(p.rate_bp, p.rate_bp % 100 === 0 ? 0 : 2), fen: i.fen(p.fen_per_kwh) });
}

export function limitPhrases(r: Rule, i: I18n): string[] {
  const out: string[] = [];
  if (r.ceiling_fen_per_card_hour !== undefined) out.push(i.t('programs.limit.ceiling', { fen: i.fen(r.ceiling_fen_per_card_hour) }));
  if (r.tier_bonus) {
    const b = r.tier_bonus;
    out.push(i.t('programs.limit.tier', { bonus: i.bp(b.bonus_bp, b.bonus_bp % 100 === 0 ? 0 : 2), share: i.bp(b.domestic_share_bp_min, 0) }));
  }
  return out;
}

/** A rule set as a table of sentence-like rows: order, when it applies, what it pays, its limits. */
export function RuleTable({
  rules,
  model_name,
  testId,
  caption,
}: {
  rules: readonly Rule[];
  model_name?: (id: string) => string;
  testId?: string;
  caption: string;
}) {
  const i = useI18n();
  const { t } = i;
  if (rules.length === 0)
    return (
      <p className="empty" data-testid={testId}>
        {t('programs.rules_none')}
      </p>
    );
  return (
    <div className="table-wrap" data-testid={testId}>
      <table className="rule-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">{t('programs.rule.id')}</th>
            <th scope="col">{t('programs.rule.when')}</th>
            <th scope="col">{t('programs.rule.pays')}</th>
            <th scope="col">{t('programs.rule.limits')}</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r, k) => {
            const limits = limitPhrases(r, i);
            return (
              <tr key={r.id} data-testid={`rule-${r.id}`}>
                <td className="num">{k + 1}</td>
                <td>
                  <code>{r.id}</code>
                  {r.description && <div className="muted note-sm">{r.description}</div>}
                </td>
                <td>
                  {matchPhrases(r.match, i, model_name).map((p, j) => (
                    <Chip key={j}>{p}</Chip>
                  ))}
                </td>
                <td>
                  <strong>{payPhrase(r.pay, i)}</strong>
                </td>
                <td>{limits.length === 0 ? <span className="muted">—</span> : limits.map((l, j) => <div key={j}>{l}</div>)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="method">{t('programs.rules_order_note')}</p>
    </div>
  );
}

function Chip({ children }: { children: ReactNode }) {
  return <span className="rule-chip">{children}</span>;
}

/** Text for the HTML of a chart tooltip (names come from the API). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
