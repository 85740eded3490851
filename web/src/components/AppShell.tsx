// The signed-in frame: sidebar navigation (a drawer on phones), the top bar with the
// organisation switcher, language, notifications and the user menu.
import { Suspense, useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import {
  Bell, BookOpen, Bot, Building2, Check, ChevronDown, FileCode2, FileSearch, GraduationCap, KeyRound, LayoutDashboard, LogOut, Menu, UserRound, Users, X,
} from 'lucide-react';
import { useAuth } from '../lib/auth';
import { useNotifications, describe } from '../lib/notifications';
import { currentLang } from '../lib/i18n';
import { ErrorBoundary } from './ErrorBoundary';
import { Spinner } from './ui';
import { Logo } from './Logo';
import { LanguageSwitch } from './LanguageSwitch';

function useOutside(open: boolean, close: () => void) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && close();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, close]);
  return ref;
}

function OrgSwitcher() {
  const { t } = useTranslation();
  const { me, orgs, loadOrgs, switchOrg } = useAuth();
  const [open, setOpen] = useState(false);
  const close = () => setOpen(false);
  const ref = useOutside(open, close);
  const nav = useNavigate();
  useEffect(() => {
    void loadOrgs().catch(() => {});
  }, [loadOrgs, me?.organization.id]);
  return (
    <div className="dropdown" ref={ref}>
      <button type="button" className="org-button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="org-switcher">
        <span className="org-avatar">{(me?.organization.name ?? '?').slice(0, 1).toUpperCase()}</span>
        <span className="org-name">{me?.organization.name}</span>
        <ChevronDown size={16} aria-hidden />
      </button>
      {open && (
        <div className="menu" role="menu">
          <div className="menu-label">{t('shell.organizations')}</div>
          {orgs.map((o) => (
            <button
              key={o.id}
              type="button"
              role="menuitem"
              className="menu-item"
              onClick={async () => {
                close();
                if (o.id !== me?.organization.id) {
                  await switchOrg(o.id);
                  nav('/');
                }
              }}
            >
              <Building2 size={16} aria-hidden />
              <span className="grow">{o.name}</span>
              <span className="muted small">{t(`roles.${o.role}`)}</span>
              {o.id === me?.organization.id && <Check size={16} aria-label={t('shell.current')} />}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function NotificationMenu() {
  const { t } = useTranslation();
  const { items, state, markAllRead, clear } = useNotifications();
  const [open, setOpen] = useState(false);
  const close = () => setOpen(false);
  const ref = useOutside(open, close);
  const unread = items.filter((x) => !x.read).length;
  return (
    <div className="dropdown" ref={ref}>
      <button
        type="button"
        className="icon-btn bell"
        aria-label={t('notifications.title') + (unread ? ` (${unread})` : '')}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => {
          setOpen(!open);
          if (!open) setTimeout(markAllRead, 1500);
        }}
      >
        <Bell size={19} />
        {unread > 0 && <span className="dot-count">{unread > 9 ? '9+' : unread}</span>}
        <span className={`live-dot live-${state}`} title={t(`notifications.state.${state}`)} />
      </button>
      {open && (
        <div className="menu menu-right notif-menu" role="menu">
          <div className="menu-head">
            <strong>{t('notifications.title')}</strong>
            <span className="muted small">{t(`notifications.state.${state}`)}</span>
          </div>
          {items.length === 0 ? (
            <div className="menu-empty muted">{t('notifications.empty')}</div>
          ) : (
            <ul className="notif-list">
              {items.map((n) => {
                const d = describe(n.kind, n.data, t);
                return (
                  <li key={n.id} className={n.read ? '' : 'unread'}>
                    <strong>{d.title}</strong>
                    {d.text && <span>{d.text}</span>}
                    <time className="muted small">{new Date(n.at).toLocaleTimeString(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit' })}</time>
                  </li>
                );
              })}
            </ul>
          )}
          {items.length > 0 && (
            <div className="menu-foot">
              <button type="button" className="link" onClick={clear}>{t('notifications.clear')}</button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function UserMenu() {
  const { t } = useTranslation();
  const { me, signOut } = useAuth();
  const nav = useNavigate();
  const [open, setOpen] = useState(false);
  const close = () => setOpen(false);
  const ref = useOutside(open, close);
  const name = me?.user.name || me?.user.email || '';
  return (
    <div className="dropdown" ref={ref}>
      <button type="button" className="avatar-btn" aria-haspopup="menu" aria-expanded={open} aria-label={t('shell.account')} onClick={() => setOpen(!open)}>
        <span className="avatar">{name.slice(0, 1).toUpperCase()}</span>
      </button>
      {open && (
        <div className="menu menu-right" role="menu">
          <div className="menu-head">
            <strong>{me?.user.name}</strong>
            <span className="muted small">{me?.user.email}</span>
          </div>
          <button type="button" role="menuitem" className="menu-item" onClick={() => { close(); nav('/settings/profile'); }}>
            <UserRound size={16} aria-hidden /> {t('nav.profile')}
          </button>
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={async () => {
              close();
              await signOut();
              nav('/login');
            }}
          >
            <LogOut size={16} aria-hidden /> {t('shell.signOut')}
          </button>
        </div>
      )}
    </div>
  );
}

export function AppShell() {
  const { t } = useTranslation();
  const [drawer, setDrawer] = useState(false);
  const loc = useLocation();
  useEffect(() => setDrawer(false), [loc.pathname]);
  const link = (to: string, icon: JSX.Element, label: string, end = false) => (
    <NavLink to={to} end={end} className={({ isActive }) => `nav-link ${isActive ? 'active' : ''}`}>
      {icon}
      <span>{label}</span>
    </NavLink>
  );
  return (
    <div className={`shell ${drawer ? 'drawer-open' : ''}`}>
      <a href="#main" className="skip-link">{t('shell.skip')}</a>
      <aside className="sidebar">
        <div className="sidebar-top">
          <Logo />
          <button type="button" className="icon-btn only-mobile" aria-label={t('common.close')} onClick={() => setDrawer(false)}>
            <X size={18} />
          </button>
        </div>
        <nav className="nav" aria-label={t('shell.navigation')}>
          {link('/', <LayoutDashboard size={18} aria-hidden />, t('nav.overview'), true)}
          {link('/agents', <Bot size={18} aria-hidden />, t('nav.agents'))}
          {link('/knowledge-base', <BookOpen size={18} aria-hidden />, t('nav.kb'))}
          {link('/training', <GraduationCap size={18} aria-hidden />, t('nav.training'))}
          {link('/test-retrieval', <FileSearch size={18} aria-hidden />, t('nav.retrieval'))}
          <div className="nav-section">{t('nav.settings')}</div>
          {link('/settings/members', <Users size={18} aria-hidden />, t('nav.members'))}
          {link('/settings/api-keys', <KeyRound size={18} aria-hidden />, t('nav.apiKeys'))}
          {link('/settings/profile', <UserRound size={18} aria-hidden />, t('nav.profile'))}
        </nav>
        <div className="sidebar-bottom">
          <a className="nav-link" href="/api-docs" target="_blank" rel="noreferrer">
            <FileCode2 size={18} aria-hidden />
            <span>{t('nav.apiDocs')}</span>
          </a>
        </div>
      </aside>
      <div className="backdrop only-mobile" onClick={() => setDrawer(false)} />
      <div className="main-col">
        <header className="topbar">
          <button type="button" className="icon-btn only-mobile" aria-label={t('shell.menu')} onClick={() => setDrawer(true)}>
            <Menu size={20} />
          </button>
          <OrgSwitcher />
          <div className="grow" />
          <LanguageSwitch compact />
          <NotificationMenu />
          <UserMenu />
        </header>
        <main id="main" className="content" tabIndex={-1}>
          <ErrorBoundary inline key={loc.pathname}>
            {/* pages are lazy chunks (App.tsx): the shell stays while one loads */}
            <Suspense fallback={<div className="page-loading"><Spinner /></div>}>
              <Outlet />
            </Suspense>
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
