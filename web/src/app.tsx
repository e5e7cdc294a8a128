// The dashboard: sign-in, then the pages the signed-in role may see (the server enforces the same rules; the
// navigation only leaves out what would answer 403).
import type { ReactElement } from 'react';
import type { Role } from './api.js';
import { useI18n } from './i18n/i18n.js';
import { Layout, type NavItem } from './layout.js';
import { Loading } from './components/load.js';
import { useRoute, type Route } from './router.js';
import { useSession } from './session.js';
import { LoginPage } from './pages/login.js';
import { OverviewPage } from './pages/overview.js';
import { ProgramsPage } from './pages/programs.js';
import { ProgramPage } from './pages/program-detail.js';
import { ClaimsPage } from './pages/claims.js';
import { ClaimPage } from './pages/claim-detail.js';
import { EnterprisePage } from './pages/enterprise.js';
import { ProviderPage } from './pages/provider.js';
import { CatalogPage } from './pages/catalog.js';

type Page = (props: { route: Route }) => ReactElement;

interface PageEntry { list: Page; detail?: Page; label: NavItem['label']; roles: readonly Role[] }

/** Pages in navigation order, with the roles that see them. */
export const pages: Record<string, PageEntry> = {
  overview: { list: OverviewPage, label: 'nav.overview', roles: ['administrator', 'auditor'] },
  enterprise: { list: EnterprisePage, label: 'nav.enterprise', roles: ['enterprise', 'administrator', 'auditor'] },
  provider: { list: ProviderPage, label: 'nav.provider', roles: ['provider', 'administrator', 'auditor'] },
  programs: { list: ProgramsPage, detail: ProgramPage, label: 'nav.programs', roles: ['administrator', 'auditor', 'enterprise', 'provider'] },
  claims: { list: ClaimsPage, detail: ClaimPage, label: 'nav.claims', roles: ['administrator', 'auditor', 'enterprise', 'provider'] },
  catalog: { list: CatalogPage, label: 'nav.catalog', roles: ['administrator', 'auditor', 'enterprise', 'provider'] },
};

/** Pages shown in a role's navigation (administrators and auditors reach the enterprise and provider views from links). */
const nav_pages: Record<Role, string[]> = {
  administrator: ['overview', 'programs', 'claims', 'catalog'],
  auditor: ['overview', 'programs', 'claims', 'catalog'],
  enterprise: ['enterprise', 'claims', 'programs', 'catalog'],
  provider: ['provider', 'claims', 'programs', 'catalog'],
};

export function App() {
  const { session, checking } = useSession();
  const route = useRoute();
  const { t } = useI18n();
  if (checking) return <Loading />;
  if (!session) return <LoginPage />;
  const nav: NavItem[] = nav_pages[session.role].map((p) => ({ page: p, label: pages[p]!.label }));
  const name = route.path[0] ?? nav_pages[session.role][0]!;
  const entry = pages[name];
  let body: ReactElement;
  if (!entry) body = <p className="error-box" role="alert">{t('state.not_found')}</p>;
  else if (!entry.roles.includes(session.role)) body = <p className="error-box" role="alert">{t('state.forbidden')}</p>;
  else {
    const Page = route.path.length > 1 && entry.detail ? entry.detail : entry.list;
    body = <Page route={route} />;
  }
  return <Layout nav={nav} current={name}>{body}</Layout>;
}
