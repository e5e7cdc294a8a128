// The language of the dashboard: zh-CN by default, English on request, remembered in localStorage; `t` looks up a
// string and fills {placeholders}; the formatters follow the chosen locale.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { messages, type MessageKey } from './messages.js';
import { formatBp, formatDecimal, formatFen, formatFenShort, formatInstant, formatInt, formatMonth, type Locale } from './format.js';

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
  } catch { /* storage unavailable: default */ }
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
  instant(iso: string): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translate(locale, 'app.name');
  }, [locale]);
  const setLocale = useCallback((l: Locale) => {
    setLocaleState(l);
    try { localStorage.setItem(storage_key, l); } catch { /* not remembered */ }
  }, []);
  const value = useMemo<I18n>(() => ({
    locale, setLocale,
    t: (key, vars) => translate(locale, key, vars),
    fen: (fen) => formatFen(fen, locale),
    fenShort: (fen) => formatFenShort(fen, locale),
    decimal: (v, d) => formatDecimal(v, locale, d),
    int: (n) => formatInt(n, locale),
    bp: (bp, d) => formatBp(bp, locale, d),
    month: (m) => formatMonth(m, locale),
    instant: (iso) => formatInstant(iso, locale),
  }), [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
