// The sign-in page: login and password against POST /auth/login; the session lives in an HttpOnly cookie.
import { useState } from 'react';
import { ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { useSession } from '../session.js';
import { LanguageSwitch } from '../layout.js';

export function LoginPage() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="login" id="main">
      <div className="login-card">
        <div className="login-head">
          <h1>
            <span className="brand-mark" aria-hidden="true">
              算
            </span>
            {t('app.name')}
          </h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t('app.tagline')}</p>
        <form
          onSubmit={(e) =>
            void (async () => {
              e.preventDefault();
              setBusy(true);
              setError(null);
              try {
                await signIn(login.trim(), password);
              } catch (err) {
                setError(
                  err instanceof ApiError && err.status === 429
                    ? t('auth.throttled')
                    : err instanceof ApiError && err.status === 401
                      ? t('auth.failed')
                      : (err as Error).message,
                );
              } finally {
                setBusy(false);
              }
            })()
          }
        >
          <h2>{t('auth.title')}</h2>
          <label className="field">
            <span>{t('auth.login')}</span>
            <input name="login" autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} required autoFocus />
          </label>
          <label className="field">
            <span>{t('auth.password')}</span>
            <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </label>
          {error !== null && (
            <div className="error-box" role="alert">
              {error}
            </div>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {t('auth.submit')}
          </button>
        </form>
      </div>
    </main>
  );
}
