import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ArrowRight, BookOpen, Bot, CheckCircle2, Circle, FileCode2, FilePlus2, FolderTree, KeyRound, MailPlus, Plus, Users } from 'lucide-react';
import { useAuth } from '../lib/auth';
import { loadProgress, setupDone } from '../lib/progress';
import { api } from '../lib/api';
import { formatDate } from '../lib/i18n';
import type { Agent } from '../lib/types';
import { Badge, EmptyState, ErrorState, PageHeader, Skeleton, useLoad } from '../components/ui';

export function Overview() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const { data, error, loading, reload } = useLoad(async () => {
    const [p, m] = await Promise.all([loadProgress(), api.get<{ members?: unknown[] }>('/api/org/members')]);
    return { ...p, members: m.members?.length ?? 0 };
  }, [me?.organization.id]);

  const first = (me?.user.name || '').split(' ')[0];
  return (
    <div className="page">
      <PageHeader title={t('overview.title', { name: first })} subtitle={t('overview.subtitle', { org: me?.organization.name })} />
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : loading || !data ? (
        <Skeleton rows={3} />
      ) : (
        <>
          <div className="stats">
            <Stat icon={<Bot size={18} />} label={t('overview.agents')} value={data.agents} sub={t('overview.activeCount', { count: data.activeAgents })} to="/agents" />
            <Stat icon={<BookOpen size={18} />} label={t('overview.articles')} value={data.articles} to="/knowledge-base" />
            <Stat icon={<FolderTree size={18} />} label={t('overview.categories')} value={data.categories} to="/knowledge-base" />
            <Stat icon={<Users size={18} />} label={t('overview.members')} value={data.members} to="/settings/members" />
          </div>
          <div className="grid-2">
            {setupDone(data) && (
              <section className="card">
                <div className="card-head"><h2>{t('overview.quickTitle')}</h2></div>
                <div className="quick">
                  <Link to="/agents/new"><Plus size={18} />{t('agents.new')}</Link>
                  <Link to="/knowledge-base/articles/new"><FilePlus2 size={18} />{t('kb.newArticle')}</Link>
                  <Link to="/settings/members"><MailPlus size={18} />{t('members.invite')}</Link>
                  <Link to="/settings/api-keys"><KeyRound size={18} />{t('keys.create')}</Link>
                  <a href="/api-docs" target="_blank" rel="noreferrer"><FileCode2 size={18} />{t('nav.apiDocs')}</a>
                </div>
              </section>
            )}
            {!setupDone(data) && (
              <section className="card setup-card">
                <h2>{t('overview.setupTitle')}</h2>
                <p className="muted">{t('overview.setupText')}</p>
                <ul className="checklist">
                  <Check done label={t('onboarding.org.title')} />
                  <Check done={data.agents > 0} label={t('onboarding.agent.title')} />
                  <Check done={data.categories > 0 && data.articles > 0} label={t('onboarding.knowledge.title')} />
                  <Check done={false} label={t('onboarding.crm.title')} soon={t('common.soon')} />
                </ul>
                <Link to="/onboarding" className="btn btn-primary btn-md">{t('overview.resume')} <ArrowRight size={16} /></Link>
              </section>
            )}
            <section className="card">
              <div className="card-head">
                <h2>{t('overview.recentAgents')}</h2>
                <Link to="/agents" className="small">{t('overview.viewAll')}</Link>
              </div>
              {data.recent.length ? (
                <RecentAgents agents={data.recent} />
              ) : (
                <EmptyState icon={<Bot size={24} />} title={t('agents.emptyTitle')} text={t('agents.emptyText')} action={<Link className="btn btn-primary btn-md" to="/agents/new"><Plus size={16} />{t('agents.new')}</Link>} />
              )}
            </section>
          </div>
        </>
      )}
    </div>
  );
}

function Stat({ icon, label, value, sub, to }: { icon: JSX.Element; label: string; value: number; sub?: string; to: string }) {
  return (
    <Link to={to} className="stat card">
      <span className="stat-icon">{icon}</span>
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {sub && <span className="muted small">{sub}</span>}
    </Link>
  );
}

function Check({ done, label, soon }: { done: boolean; label: string; soon?: string }) {
  return (
    <li className={done ? 'done' : ''}>
      {done ? <CheckCircle2 size={18} /> : <Circle size={18} />}
      <span>{label}</span>
      {soon && <Badge>{soon}</Badge>}
    </li>
  );
}

function RecentAgents({ agents }: { agents: Agent[] }) {
  const { t } = useTranslation();
  return (
    <ul className="mini-list">
      {agents.map((a) => (
        <li key={a.id}>
          <Link to={`/agents/${a.id}`}>{a.name}</Link>
          <Badge tone={a.status === 'paused' ? 'amber' : 'green'}>{t(`agents.status.${a.status ?? 'active'}`)}</Badge>
          <span className="muted small">{formatDate(a.updated_at)}</span>
        </li>
      ))}
    </ul>
  );
}
