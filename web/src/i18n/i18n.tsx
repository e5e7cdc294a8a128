// The language of the dashboard: zh-CN by default, English on request, remembered in localStorage; `t` looks up a
// string and fills {placeholders} ({zone} is the office's zone by name unless given); the formatters follow the
// chosen locale, and days, months and instants follow the office's calendar (its zone comes from the session).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { messages, type MessageKey } from './messages.js';
import { formatBp, formatDecimal, formatFen, formatFenShort, formatInt, formatMonth, formatZone, type Locale } from './format.js';
import { calendarOf, default_time_zone, type OfficeCalendar } from '../office-calendar.js';

const storage_key = 'suanli.locale';

export function translate(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const pair = messages[key] as readonly [string, string];
  const text = locale === 'zh-CN' ? pair[0] : pair[1];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(storage_key);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    /* storage unavailable: default */
  }
  return 'zh-CN';
}

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  fen(fen: number | string | bigint): string;
  fenShort(fen: number | string | bigint): string;
  decimal(value: string | number, fraction_digits?: number): string;
  int(n: number): string;
  bp(bp: number | null, fraction_digits?: number): string;
  month(month: string): string;
  /** An instant for people in the office's zone with its offset: `2026-11-01 02:00 (UTC+8)`. */
  instant(iso: string): string;
  /** The office's zone by name (北京时间 / Beijing time). */
  zone: string;
  /** The office's days and months. */
  calendar: OfficeCalendar;
}

const I18nContext = createContext<I18n | null>(null);

/** `time_zone`: the office's IANA zone, once the session knows it. */
export function I18nProvider({ children, time_zone = default_time_zone }: { children: ReactNode; time_zone?: string }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translate(locale, 'app.name');
  }, [locale]);
  const setLocale = useCallback((l: Locale) => {
    setLocaleState(l);
    try {
      localStorage.setItem(storage_key, l);
    } catch {
      /* not remembered */
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const calendar = calendarOf(time_zone);
    const zone = formatZone(calendar.time_zone, locale);
    return {
      locale,
      setLocale,
      calendar,
      zone,
      t: (key, vars) => translate(locale, key, { zone, ...vars }),
      fen: (fen) => formatFen(fen, locale),
      fenShort: (fen) => formatFenShort(fen, locale),
      decimal: (v, d) => formatDecimal(v, locale, d),
      int: (n) => formatInt(n, locale),
      bp: (bp, d) => formatBp(bp, locale, d),
      month: (m) => formatMonth(m, locale),
      instant: (iso) => calendar.instant(iso),
    };
  }, [locale, setLocale, time_zone]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
