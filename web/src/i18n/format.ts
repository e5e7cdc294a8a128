// Locale-aware formatting of the API's exact values: integer fen, basis points, decimal strings of hours and
// PFLOP·h, and the office's time zone by name (its days and instants: ../office-calendar.ts). Money is never turned into a float: yuan and fen are split with integer arithmetic.

export type Locale = 'zh-CN' | 'en';
export const locales: readonly Locale[] = ['zh-CN', 'en'];

const intl_locale: Record<Locale, string> = { 'zh-CN': 'zh-CN', en: 'en-US' };

function groupDigits(digits: string, locale: Locale): string {
  // BigInt keeps every digit of amounts past 2^53 fen.
  return new Intl.NumberFormat(intl_locale[locale], { useGrouping: true }).format(BigInt(digits));
}

/**
 * A sum of money as the API sends it: whole fen as a decimal string (exact past 2^53), or a number where the API sends
 * a bounded amount. Exactly: a number that is not a safe integer, or a string that is not whole fen, is refused.
 */
export type Fen = string;

/** Whole fen as a bigint, for arithmetic on the API's amounts: never through a float. */
export function fenOf(fen: number | bigint | string): bigint {
  if (typeof fen === 'bigint') return fen;
  if (typeof fen === 'number') {
    if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${fen}`);
    return BigInt(fen);
  }
  if (!/^-?\d{1,40}$/.test(fen)) throw new RangeError(`fen must be a decimal string of whole fen, got ${JSON.stringify(fen)}`);
  return BigInt(fen);
}

/** A sum of fen, exactly. */
export function sumFen(values: Iterable<number | bigint | string>): bigint {
  let s = 0n;
  for (const v of values) s += fenOf(v);
  return s;
}

/** part / whole in basis points, rounded half up, exactly; null when whole is not positive. */
export function fenShareBp(part: number | bigint | string, whole: number | bigint | string): number | null {
  const w = fenOf(whole);
  if (w <= 0n) return null;
  const twice = 2n * fenOf(part) * 10_000n + w;
  const q = twice / (2n * w);
  return Number(twice < 0n && q * 2n * w !== twice ? q - 1n : q); // floor, also below zero
}

/** An amount as a chart value (yuan, a double: a chart plots doubles; the tables beside charts show exact figures). */
export function chartYuan(fen: number | bigint | string): number {
  return Number(fenOf(fen)) / 100;
}

/** ¥1,234,567.89 from 123456789 fen (a decimal string, a safe integer or a bigint), exactly. */
export function formatFen(fen: number | bigint | string, locale: Locale): string {
  let v = fenOf(fen);
  const negative = v < 0n;
  if (negative) v = -v;
  const yuan = v / 100n;
  const cents = (v % 100n).toString().padStart(2, '0');
  return `${negative ? '−' : ''}¥${groupDigits(yuan.toString(), locale)}.${cents}`;
}

/** Short money for chart axes (rounded, as axes are): ¥1.2亿 / ¥3,400万 in Chinese, ¥120M / ¥34K in English. */
export function formatFenShort(fen: number | bigint | string, locale: Locale): string {
  const yuan = typeof fen === 'number' ? fen / 100 : chartYuan(fen);
  const abs = Math.abs(yuan);
  const sign = yuan < 0 ? '−' : '';
  const f = (n: number, d: number) => new Intl.NumberFormat(intl_locale[locale], { maximumFractionDigits: d }).format(n);
  if (locale === 'zh-CN') {
    if (abs >= 1e8) return `${sign}¥${f(abs / 1e8, 2)}亿`;
    if (abs >= 1e4) return `${sign}¥${f(abs / 1e4, 1)}万`;
    return `${sign}¥${f(abs, 0)}`;
  }
  if (abs >= 1e9) return `${sign}¥${f(abs / 1e9, 2)}B`;
  if (abs >= 1e6) return `${sign}¥${f(abs / 1e6, 2)}M`;
  if (abs >= 1e3) return `${sign}¥${f(abs / 1e3, 1)}K`;
  return `${sign}¥${f(abs, 0)}`;
}

/** A decimal string from the API ("12345.678") with grouping and at most `fraction_digits` decimals (truncated exactly). */
export function formatDecimal(value: string | number, locale: Locale, fraction_digits = 1): string {
  const s = typeof value === 'number' ? String(value) : value;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return s;
  const [, sign, int, frac = ''] = m;
  const kept = frac.slice(0, fraction_digits).replace(/0+$/, '');
  const decimal_sep = locale === 'zh-CN' ? '.' : '.';
  return `${sign === '-' ? '−' : ''}${groupDigits(int!, locale)}${kept === '' ? '' : decimal_sep + kept}`;
}

export function formatInt(n: number, locale: Locale): string {
  return new Intl.NumberFormat(intl_locale[locale], { maximumFractionDigits: 0 }).format(n);
}

/** 6123 bp → "61.2%". */
export function formatBp(bp: number | null, locale: Locale, fraction_digits = 1): string {
  if (bp === null) return '—';
  return `${new Intl.NumberFormat(intl_locale[locale], { minimumFractionDigits: fraction_digits, maximumFractionDigits: fraction_digits }).format(bp / 100)}%`;
}

/** The office's zone as people name it: 北京时间 / Beijing time for Asia/Shanghai (the default), else its IANA name. */
export function formatZone(time_zone: string, locale: Locale): string {
  if (time_zone === 'Asia/Shanghai') return locale === 'zh-CN' ? '北京时间' : 'Beijing time';
  return time_zone;
}

/** "2026-08" → "2026年8月" / "Aug 2026": a month's name (the month itself is the office's). */
export function formatMonth(month: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return new Intl.DateTimeFormat(intl_locale[locale], { timeZone: 'UTC', year: 'numeric', month: locale === 'zh-CN' ? 'long' : 'short' }).format(d);
}
