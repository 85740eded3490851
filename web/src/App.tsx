import { lazy, ReactNode, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { AuthProvider, useAuth } from './lib/auth';
import { ToastProvider } from './lib/toast';
import { NotificationsProvider } from './lib/notifications';
import { Spinner } from './components/ui';
import { AppShell } from './components/AppShell';
import { SignIn } from './pages/auth/SignIn';
import { SignUp } from './pages/auth/SignUp';
import { ForgotPassword, ResetPassword } from './pages/auth/Password';
import { AcceptInvite } from './pages/auth/AcceptInvite';
import { NotFound } from './pages/NotFound';

// The signed-out pages are in the entry chunk: they are what a first visit shows, and they must
// load fast on a phone. Each signed-in page is a chunk of its own, fetched on the way to it;
// Swagger UI (big) is one too, loaded only on /api-docs.
const load = {
  overview: () => import('./pages/Overview').then((m) => ({ default: m.Overview })),
  onboarding: () => import('./pages/Onboarding').then((m) => ({ default: m.Onboarding })),
  agents: () => import('./pages/agents/AgentsList').then((m) => ({ default: m.AgentsList })),
  agent: () => import('./pages/agents/AgentEdit').then((m) => ({ default: m.AgentEdit })),
  kb: () => import('./pages/kb/KnowledgeBase').then((m) => ({ default: m.KnowledgeBase })),
  article: () => import('./pages/kb/ArticleEditor').then((m) => ({ default: m.ArticleEditor })),
  training: () => import('./pages/kb/Training').then((m) => ({ default: m.Training })),
  retrieval: () => import('./pages/kb/TestRetrieval').then((m) => ({ default: m.TestRetrieval })),
  members: () => import('./pages/settings/Members').then((m) => ({ default: m.Members })),
  apiKeys: () => import('./pages/settings/ApiKeys').then((m) => ({ default: m.ApiKeys })),
  profile: () => import('./pages/settings/Profile').then((m) => ({ default: m.Profile })),
};
const Overview = lazy(load.overview);
const Onboarding = lazy(load.onboarding);
const AgentsList = lazy(load.agents);
const AgentEdit = lazy(load.agent);
const KnowledgeBase = lazy(load.kb);
const ArticleEditor = lazy(load.article);
const Training = lazy(load.training);
const TestRetrieval = lazy(load.retrieval);
const Members = lazy(load.members);
const ApiKeys = lazy(load.apiKeys);
const Profile = lazy(load.profile);
const ApiDocs = lazy(() => import('./pages/ApiDocs'));

// The page a visit opens on starts loading with the app, not after the session check: one round
// trip fewer before a signed-in page shows. (A module loads once; lazy() then finds it ready.)
const first: [RegExp, () => Promise<unknown>][] = [
  [/^\/$/, load.overview],
  [/^\/onboarding/, load.onboarding],
  [/^\/agents\/?$/, load.agents],
  [/^\/agents\/./, load.agent],
  [/^\/knowledge-base\/articles/, load.article],
  [/^\/knowledge-base/, load.kb],
  [/^\/training/, load.training],
  [/^\/test-retrieval/, load.retrieval],
  [/^\/settings\/members/, load.members],
  [/^\/settings\/api-keys/, load.apiKeys],
  [/^\/settings\/profile/, load.profile],
];
if (typeof window !== 'undefined') first.find(([re]) => re.test(window.location.pathname))?.[1]();

function RequireAuth({ children }: { children: ReactNode }) {
  const { me, ready } = useAuth();
  const loc = useLocation();
  if (!ready) return <div className="boot"><Spinner /></div>;
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  return <>{children}</>;
}

function PublicOnly({ children }: { children: ReactNode }) {
  const { me, ready } = useAuth();
  if (!ready) return <div className="boot"><Spinner /></div>;
  if (me) return <Navigate to="/" replace />;
  return <>{children}</>;
}

function Live({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  return <NotificationsProvider userId={me ? `${me.user.id}/${me.organization.id}` : null}>{children}</NotificationsProvider>;
}

export default function App() {
  return (
    <ToastProvider>
      <AuthProvider>
        <Live>
          <Routes>
            <Route path="/login" element={<PublicOnly><SignIn /></PublicOnly>} />
            <Route path="/register" element={<PublicOnly><SignUp /></PublicOnly>} />
            <Route path="/forgot-password" element={<ForgotPassword />} />
            <Route path="/reset-password" element={<ResetPassword />} />
            <Route path="/accept-invite" element={<AcceptInvite />} />
            <Route path="/api-docs" element={<Suspense fallback={<div className="boot"><Spinner /></div>}><ApiDocs /></Suspense>} />
            <Route path="/onboarding" element={<RequireAuth><Suspense fallback={<div className="boot"><Spinner /></div>}><Onboarding /></Suspense></RequireAuth>} />
            <Route element={<RequireAuth><AppShell /></RequireAuth>}>
              <Route index element={<Overview />} />
              <Route path="agents" element={<AgentsList />} />
              <Route path="agents/new" element={<AgentEdit />} />
              <Route path="agents/:id" element={<AgentEdit />} />
              <Route path="agents/:id/:tab" element={<AgentEdit />} />
              <Route path="knowledge-base" element={<KnowledgeBase />} />
              <Route path="knowledge-base/articles/new" element={<ArticleEditor />} />
              <Route path="knowledge-base/articles/:id" element={<ArticleEditor />} />
              <Route path="training" element={<Training />} />
              <Route path="test-retrieval" element={<TestRetrieval />} />
              <Route path="settings" element={<Navigate to="/settings/profile" replace />} />
              <Route path="settings/members" element={<Members />} />
              <Route path="settings/api-keys" element={<ApiKeys />} />
              <Route path="settings/profile" element={<Profile />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </Live>
      </AuthProvider>
    </ToastProvider>
  );
}
