// Download links for the exports (/api/v1/reports/*, docs/exports.md): plain links, one per format — the session
// cookie authenticates a GET, and the server's Content-Disposition names the file. An export the server refuses (too
// many rows) opens its error instead of saving it, so that the reason is seen.
import { withQuery } from '../api.js';
import { useI18n } from '../i18n/i18n.js';

type Query = Record<string, string | number | boolean | undefined | null>;

export function Downloads({ path, query = {}, label, testId }: { path: string; query?: Query; label: string; testId?: string }) {
  const { t } = useI18n();
  const url = (format: 'csv' | 'xlsx') => withQuery(`/api/v1${path}`, { ...query, format });
  return (
    <span className="downloads" role="group" aria-label={label} {...(testId === undefined ? {} : { 'data-testid': testId })}>
      <span className="downloads-label">{label}</span>
      <a className="button-link small" href={url('csv')} title={t('download.csv_title')} data-format="csv">
        {t('download.csv')}
      </a>
      <a className="button-link small" href={url('xlsx')} title={t('download.xlsx_title')} data-format="xlsx">
        {t('download.xlsx')}
      </a>
    </span>
  );
}
