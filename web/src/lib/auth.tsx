// Who is signed in: GET /api/auth/me at start, and after sign-in, sign-up, org switch.
import { createContext, ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, ApiError, setUnauthorizedHandler } from './api';
import i18n from './i18n';
import type { OrgEntry, SessionInfo } from './types';

interface AuthState {
  me: SessionInfo | null;
  ready: boolean;
  setMe: (s: SessionInfo | null) => void;
  refresh: () => Promise<SessionInfo | null>;
  signOut: () => Promise<void>;
  orgs: OrgEntry[];
  loadOrgs: () => Promise<void>;
  switchOrg: (id: string) => Promise<void>;
  canEdit: boolean;
  /** Switches the interface language; signed in, it is saved with the user (every device follows). */
  setLanguage: (lang: 'ru' | 'en') => Promise<void>;
}

const Ctx = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<SessionInfo | null>(null);
  const [ready, setReady] = useState(false);
  const [orgs, setOrgs] = useState<OrgEntry[]>([]);

  const refresh = useCallback(async () => {
    try {
      const s = await api.get<SessionInfo>('/api/auth/me');
      setMe(s);
      return s;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setMe(null);
        return null;
      }
      throw e;
    } finally {
      setReady(true);
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setReady(true));
    setUnauthorizedHandler(() => setMe(null));
    return () => setUnauthorizedHandler(null);
  }, [refresh]);

  const loadOrgs = useCallback(async () => {
    const r = await api.get<{ orgs?: OrgEntry[] }>('/api/auth/orgs');
    setOrgs(r.orgs ?? []);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/auth/logout');
    } catch {
      /* the session may already be gone */
    }
    setMe(null);
    setOrgs([]);
  }, []);

  const switchOrg = useCallback(
    async (id: string) => {
      const s = await api.post<SessionInfo>('/api/auth/switch-org', { org_id: id });
      setMe(s);
      await loadOrgs();
    },
    [loadOrgs],
  );

  // The language saved with the user wins over this browser's (it may have been chosen elsewhere).
  const saved = me?.user.language;
  useEffect(() => {
    if (saved && !(i18n.resolvedLanguage ?? '').startsWith(saved)) void i18n.changeLanguage(saved);
  }, [saved]);

  const setLanguage = useCallback(
    async (lang: 'ru' | 'en') => {
      await i18n.changeLanguage(lang);
      if (!me || me.user.language === lang) return;
      try {
        setMe(await api.patch<SessionInfo>('/api/auth/me', { language: lang }));
      } catch {
        /* kept in this browser at least */
      }
    },
    [me],
  );

  const canEdit = me?.role === 'owner' || me?.role === 'admin';
  return (
    <Ctx.Provider value={{ me, ready, setMe, refresh, signOut, orgs, loadOrgs, switchOrg, canEdit, setLanguage }}>{children}</Ctx.Provider>
  );
}

export function useAuth(): AuthState {
  const c = useContext(Ctx);
  if (!c) throw new Error('useAuth outside AuthProvider');
  return c;
}
