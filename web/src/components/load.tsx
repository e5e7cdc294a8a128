// Loading a resource for a page: state, error and retry in one hook, and the standard ways to show them.
import { useCallback, useEffect, useRef, useState, type DependencyList, type ReactNode } from 'react';
import { ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ok'; data: T };

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> & { reload(): void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [nonce, setNonce] = useState(0);
  const loader = useRef(load);
  // eslint-disable-next-line react-hooks/refs -- the latest loader, read only by the effect (useEffectEvent's pattern)
  loader.current = load;
  useEffect(() => {
    const controller = new AbortController();
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a new request shows 'loading' unless data is on screen
    setResult((r) => (r.state === 'ok' ? r : { state: 'loading' }));
    loader.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ state: 'ok', data });
      },
      (error: Error) => {
        if (!controller.signal.aborted) setResult({ state: 'error', error });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...result, reload };
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const { t } = useI18n();
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="error-box" role="alert">
      <strong>{code === 'forbidden' ? t('state.forbidden') : t('state.error')}</strong>
      <span>
        {error.message}
        {code ? ` (${code})` : ''}
      </span>
      {error instanceof ApiError && error.details.length > 0 && (
        <ul>
          {error.details.map((d, i) => (
            <li key={i}>
              <code>{d.field}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
      {retry && (
        <button type="button" onClick={retry}>
          {t('state.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {t('state.loading')}
    </div>
  );
}

/** Shows children once loaded, a spinner meanwhile, an error with retry on failure. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T> & { reload(): void }; children: (data: T) => ReactNode }) {
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'error') return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  return <>{children(loaded.data)}</>;
}
