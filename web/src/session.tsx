// Who is signed in: the session cookie's holder as /me tells it (role, organization, CSRF token, the office's time
// zone), kept in context.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, setCsrfToken } from './api.js';
import type { Me, Role, SignedIn } from './contract.gen.js';

export interface Session {
  role: Role;
  org_id: string;
  user_id: string;
  name: string | null;
  login: string | null;
  /** the office's IANA time zone (GET /me): the days and months of the dashboard are its */
  time_zone: string;
}

interface SessionState {
  session: Session | null;
  checking: boolean;
  signIn(login: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);
const name_key = 'suanli.user';

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);

  useEffect(() => {
    api
      .get<Me>('/me')
      .then(
        (me) => {
          setCsrfToken(me.csrf_token);
          let saved: { name?: string; login?: string } = {};
          try {
            saved = JSON.parse(sessionStorage.getItem(name_key) ?? '{}') as typeof saved;
          } catch {
            /* none */
          }
          setSession({ role: me.role, org_id: me.org_id, user_id: me.key_id, name: saved.name ?? null, login: saved.login ?? null, time_zone: me.time_zone });
        },
        (error: unknown) => {
          if (!(error instanceof ApiError) || error.status !== 401) console.error(error);
        },
      )
      .finally(() => setChecking(false));
    return onUnauthorized(() => {
      setCsrfToken(null);
      setSession(null);
    });
  }, []);

  const signIn = useCallback(async (login: string, password: string) => {
    const r = await api.post<SignedIn>('/auth/login', { login, password });
    setCsrfToken(r.csrf_token);
    try {
      sessionStorage.setItem(name_key, JSON.stringify({ name: r.user.name, login: r.user.login }));
    } catch {
      /* not kept */
    }
    const me = await api.get<Me>('/me'); // the sign-in answers the person; /me also answers the office's zone
    setSession({ role: r.user.role, org_id: r.user.org_id, user_id: r.user.id, name: r.user.name, login: r.user.login, time_zone: me.time_zone });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post('/auth/logout', {});
    } finally {
      setCsrfToken(null);
      try {
        sessionStorage.removeItem(name_key);
      } catch {
        /* nothing kept */
      }
      setSession(null);
    }
  }, []);

  return <SessionContext.Provider value={{ session, checking, signIn, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** The signed-in session; only for pages rendered behind the sign-in. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) throw new Error('not signed in');
  return session;
}
