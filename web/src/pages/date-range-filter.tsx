// The from/to filter of a page's usage, kept in the page's query (?from=YYYY-MM-DD&to=YYYY-MM-DD, to exclusive) so
// that a link carries it: two date fields, a button that clears both, and a note on what is shown.
import { useI18n } from '../i18n/i18n.js';
import { setQuery } from './claims-shared.js';

const day_re = /^\d{4}-\d{2}-\d{2}$/;

/** The days of the query's range; '' for a bound that is absent or not a YYYY-MM-DD day. */
export function dateRangeOf(query: URLSearchParams): { from: string; to: string } {
  const day = (name: string): string => {
    const v = query.get(name) ?? '';
    return day_re.test(v) ? v : '';
  };
  return { from: day('from'), to: day('to') };
}

export interface DateRangeFilterProps {
  /** the page whose query holds the range; also names the fields' test ids (`${page}-from`, `${page}-to`) */
  page: string;
  query: URLSearchParams;
  /** the button that clears both bounds */
  clearLabel: string;
  /** the note while neither bound is set (what the page shows then) */
  unboundedNote: string;
}

/** The fields of the filter, for the page's own filter bar (they sit beside its other controls). */
export function DateRangeFilter({ page, query, clearLabel, unboundedNote }: DateRangeFilterProps) {
  const { t } = useI18n();
  const { from, to } = dateRangeOf(query);
  return (
    <>
      <label className="field">
        <span>{t('enterprise.range_from')}</span>
        <input type="date" value={from} onChange={(e) => setQuery(page, query, { from: e.target.value })} data-testid={`${page}-from`} />
      </label>
      <label className="field">
        <span>{t('enterprise.range_to')}</span>
        <input type="date" value={to} onChange={(e) => setQuery(page, query, { to: e.target.value })} data-testid={`${page}-to`} />
      </label>
      {(from !== '' || to !== '') && (
        <button type="button" onClick={() => setQuery(page, query, { from: '', to: '' })}>
          {clearLabel}
        </button>
      )}
      <span className="muted small">{from === '' && to === '' ? unboundedNote : t('enterprise.range_note')}</span>
    </>
  );
}
