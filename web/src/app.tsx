// The dashboard: sign-in, then the pages the signed-in role may see (the server enforces the same rules; the
// navigation only leaves out what would answer 403).
import { lazy, Suspense, useEffect, type ComponentType, type ReactElement } from 'react';
import type { ClaimPage, Role } from './contract.gen.js';
import { useI18n } from './i18n/i18n.js';
import { Layout, type NavItem } from './layout.js';
import { Loading } from './components/load.js';
import { useRoute, type Route } from './router.js';
import { useSession } from './session.js';
import { LoginPage } from './pages/login.js';

// Pages load on demand (each its own chunk, ECharts in a shared one), so the sign-in page comes without them; while the
// sign-in page is shown, the likely first page is fetched in the background.
const load = {
  overview: () => import('./pages/overview.js'),
  programs: () => import('./pages/programs.js'),
  program: () => import('./pages/program-detail.js'),
  claims: () => import('./pages/claims.js'),
  claim: () => import('./pages/claim-detail.js'),
  enterprise: () => import('./pages/enterprise.js'),
  provider: () => import('./pages/provider.js'),
  catalog: () => import('./pages/catalog.js'),
};
const OverviewPage = lazy(() => load.overview().then((m) => ({ default: m.OverviewPage })));
const ProgramsPage = lazy(() => load.programs().then((m) => ({ default: m.ProgramsPage })));
const ProgramPage = lazy(() => load.program().then((m) => ({ default: m.ProgramPage })));
const ClaimsPage = lazy(() => load.claims().then((m) => ({ default: m.ClaimsPage })));
const ClaimPage = lazy(() => load.claim().then((m) => ({ default: m.ClaimPage })));
const EnterprisePage = lazy(() => load.enterprise().then((m) => ({ default: m.EnterprisePage })));
const ProviderPage = lazy(() => load.provider().then((m) => ({ default: m.ProviderPage })));
const CatalogPage = lazy(() => load.catalog().then((m) => ({ default: m.CatalogPage })));

type Page = ComponentType<{ route: Route }>;

interface PageEntry {
  list: Page;
  detail?: Page;
  label: NavItem['label'];
  roles: readonly Role[];
}

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
  useEffect(() => {
    // Signed out: fetch the overview's code (and ECharts with it) while the person types.
    if (!checking && !session) void load.overview().catch(() => undefined);
  }, [checking, session]);
  if (checking) return <Loading />;
  if (!session) return <LoginPage />;
  const nav: NavItem[] = nav_pages[session.role].map((p) => ({ page: p, label: pages[p]!.label }));
  const name = route.path[0] ?? nav_pages[session.role][0]!;
  const entry = pages[name];
  let body: ReactElement;
  if (!entry)
    body = (
      <p className="error-box" role="alert">
        {t('state.not_found')}
      </p>
    );
  else if (!entry.roles.includes(session.role))
    body = (
      <p className="error-box" role="alert">
        {t('state.forbidden')}
      </p>
    );
  else {
    const Page = route.path.length > 1 && entry.detail ? entry.detail : entry.list;
    body = <Page route={route} />;
  }
  return (
    <Layout nav={nav} current={name}>
      <Suspense fallback={<Loading />}>{body}</Suspense>
    </Layout>
  );
}
