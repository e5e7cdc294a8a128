// The office runs the full integrity check over a period (capacity overruns, duplicate and overlapping jobs, price
// outliers) from the dashboard: a long operation, so it shows progress while the server works, then what it found.
import type { CheckRun } from '../contract.gen.js';
import { useState } from 'react';
import { api, ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { ErrorBox } from './load.js';
import { Progress } from './progress.js';

const kinds = ['capacity_overrun', 'duplicate_job', 'overlapping_job', 'price_outlier'] as const;

/** `from`/`to` are office days (YYYY-MM-DD), `to` exclusive: sent as their first instants. */
export function RunChecks({ from, to, onDone }: { from: string; to: string; onDone?: () => void }) {
  const { t, int, calendar } = useI18n();
  const [range, setRange] = useState({ from, to });
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<CheckRun | null>(null);
  const [error, setError] = useState<Error | null>(null);
  return (
    <form
      className="run-checks"
      data-testid="run-checks"
      onSubmit={(e) =>
        void (async () => {
          e.preventDefault();
          setRunning(true);
          setError(null);
          setResult(null);
          try {
            setResult(await api.post<CheckRun>('/checks/run', { from: calendar.dayStart(range.from), to: calendar.dayStart(range.to) }));
            onDone?.();
          } catch (err) {
            setError(err instanceof Error ? err : new ApiError(0, 'unknown', String(err)));
          } finally {
            setRunning(false);
          }
        })()
      }
    >
      <div className="filters">
        <label className="field">
          <span>{t('field.from')}</span>
          <input type="date" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} required />
        </label>
        <label className="field">
          <span>{t('field.to')}</span>
          <input type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} required />
        </label>
        <button type="submit" className="primary" disabled={running} data-testid="run-checks-button">
          {t('checks.run')}
        </button>
      </div>
      {running && <Progress label={t('checks.running')} />}
      {error && <ErrorBox error={error} />}
      {result && (
        <div data-testid="run-checks-result">
          <p>
            {t('checks.created', { n: int(result.created) })}
            {result.truncated ? ` ${t('checks.truncated')}` : ''}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('checks.kind')}</th>
                <th scope="col" className="num">
                  {t('checks.found')}
                </th>
              </tr>
            </thead>
            <tbody>
              {kinds.map((k) => (
                <tr key={k}>
                  <td>{t(`checks.kind.${k}`)}</td>
                  <td className="num">{int(result.found[k])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </form>
  );
}
