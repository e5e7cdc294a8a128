// Entry point of the dashboard bundle.
import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { I18nProvider } from './i18n/i18n.js';
import { SessionProvider, useSession } from './session.js';
import './styles.css';

/** The language and the office's calendar: the zone is the signed-in session's (GET /me). */
function OfficeI18n({ children }: { children: ReactNode }) {
  const { session } = useSession();
  return <I18nProvider {...(session ? { time_zone: session.time_zone } : {})}>{children}</I18nProvider>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <OfficeI18n>
        <App />
      </OfficeI18n>
    </SessionProvider>
  </StrictMode>,
);
