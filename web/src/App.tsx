import { lazy, ReactNode, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { AuthProvider, useAuth } from './lib/auth';
import { ToastProvider } from './lib/toast';
import { NotificationsProvider } from './lib/notifications';
import { Spinner } from './components/ui';
import { SignIn } from './pages/auth/SignIn';
import { NotFound } from './pages/NotFound';

// Only the sign-in page is in the entry chunk: it is what a first visit shows, and it must be
// usable fast on a phone. Every other page is a chunk of its own, fetched on the way to it: the
// other signed-out pages (they use react-hook-form, which the sign-in page does without), the
// signed-in frame (AppShell) and each signed-in page; Swagger UI (big) is one too, loaded only on
// /api-docs.
const named = <K extends string>(p: Promise<Record<K, React.ComponentType>>, k: K) =>
  p.then((m) => ({ default: m[k] }));
const load = {
  signUp: () => named(import('./pages/auth/SignUp'), 'SignUp'),
  forgot: () => named(import('./pages/auth/Password'), 'ForgotPassword'),
  reset: () => named(import('./pages/auth/Password'), 'ResetPassword'),
  invite: () => named(import('./pages/auth/AcceptInvite'), 'AcceptInvite'),
  shell: () => named(import('./components/AppShell'), 'AppShell'),
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
const SignUp = lazy(load.signUp);
const ForgotPassword = lazy(load.forgot);
const ResetPassword = lazy(load.reset);
const AcceptInvite = lazy(load.invite);
const AppShell = lazy(load.shell);
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
// A signed-in page also needs the frame around it.
const first: [RegExp, (() => Promise<unknown>)[]][] = [
  [/^\/login/, []],
  [/^\/register/, [load.signUp]],
  [/^\/forgot-password/, [load.forgot]],
  [/^\/reset-password/, [load.reset]],
  [/^\/accept-invite/, [load.invite]],
  [/^\/api-docs/, []],
  [/^\/onboarding/, [load.onboarding]],
  [/^\/$/, [load.shell, load.overview]],
  [/^\/agents\/?$/, [load.shell, load.agents]],
  [/^\/agents\/./, [load.shell, load.agent]],
  [/^\/knowledge-base\/articles/, [load.shell, load.article]],
  [/^\/knowledge-base/, [load.shell, load.kb]],
  [/^\/training/, [load.shell, load.training]],
  [/^\/test-retrieval/, [load.shell, load.retrieval]],
  [/^\/settings\/members/, [load.shell, load.members]],
  [/^\/settings\/api-keys/, [load.shell, load.apiKeys]],
  [/^\/settings\/profile/, [load.shell, load.profile]],
  [/./, [load.shell]],
];
if (typeof window !== 'undefined') first.find(([re]) => re.test(window.location.pathname))?.[1].forEach((f) => void f());

const boot = <div className="boot"><Spinner /></div>;

function RequireAuth({ children }: { children: ReactNode }) {
  const { me, ready } = useAuth();
  const loc = useLocation();
  if (!ready) return boot;
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  return <>{children}</>;
}

// A signed-out page shows at once, while the session check is still under way (most visitors of
// /login are signed out: waiting would put a round trip before the form); a visitor who turns
// out to be signed in is then sent on.
function PublicOnly({ children }: { children: ReactNode }) {
  const { me, ready } = useAuth();
  if (ready && me) return <Navigate to="/" replace />;
  return <Suspense fallback={boot}>{children}</Suspense>;
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
            <Route path="/forgot-password" element={<Suspense fallback={boot}><ForgotPassword /></Suspense>} />
            <Route path="/reset-password" element={<Suspense fallback={boot}><ResetPassword /></Suspense>} />
            <Route path="/accept-invite" element={<Suspense fallback={boot}><AcceptInvite /></Suspense>} />
            <Route path="/api-docs" element={<Suspense fallback={boot}><ApiDocs /></Suspense>} />
            <Route path="/onboarding" element={<RequireAuth><Suspense fallback={boot}><Onboarding /></Suspense></RequireAuth>} />
            <Route element={<RequireAuth><Suspense fallback={boot}><AppShell /></Suspense></RequireAuth>}>
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
