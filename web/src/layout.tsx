// The frame around every signed-in page: brand, the role's navigation, language switch, who is signed in.
import type { ReactNode } from 'react';
import type { Role } from './contract.gen.js';
import { useI18n } from './i18n/i18n.js';
import type { MessageKey } from './i18n/messages.js';
import { useSession } from './session.js';

export interface NavItem {
  page: string;
  label: MessageKey;
}

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <button
      type="button"
      className="lang"
      aria-label={t('lang.switch_label')}
      data-testid="lang-switch"
      lang={locale === 'zh-CN' ? 'en' : 'zh-CN'}
      onClick={() => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}
    >
      {t('lang.switch')}
    </button>
  );
}

export function Layout({ nav, current, children }: { nav: NavItem[]; current: string; children: ReactNode }) {
  const { t } = useI18n();
  const { session, signOut } = useSession();
  const role: Role | undefined = session?.role;
  return (
    <div className="shell">
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <a className="brand" href="#/">
          <span className="brand-mark" aria-hidden="true">
            算
          </span>
          <span>{t('app.name')}</span>
        </a>
        <nav aria-label={t('nav.main')}>
          <ul>
            {nav.map((n) => (
              <li key={n.page}>
                <a href={`#/${n.page}`} aria-current={current === n.page ? 'page' : undefined} data-testid={`nav-${n.page}`}>
                  {t(n.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          {role && (
            <span className="role-badge" data-testid="role">
              {t(`role.${role}`)}
            </span>
          )}
          {session?.name && <span className="user-name">{session.name}</span>}
          <LanguageSwitch />
          <button type="button" onClick={() => void signOut()} data-testid="logout">
            {t('auth.logout')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="foot muted">{t('time.zone_note')}</footer>
    </div>
  );
}
