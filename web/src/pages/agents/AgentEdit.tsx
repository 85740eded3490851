import { useState } from 'react';
import { Link, NavLink, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ArrowLeft, Copy, History, Pause, Play, ScrollText, Settings2, Trash2 } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import type { Agent } from '../../lib/types';
import { Badge, Button, Confirm, ErrorState, PageHeader, Skeleton, errorText, useLoad } from '../../components/ui';
import { AgentForm } from './AgentForm';
import { Scripts } from './Scripts';
import { Versions } from './Versions';

export function AgentEdit() {
  const { id, tab = 'settings' } = useParams();
  if (!id) return <NewAgent />;
  return <ExistingAgent key={id} id={id} tab={tab} />;
}

function NewAgent() {
  const { t } = useTranslation();
  const nav = useNavigate();
  const toast = useToast();
  return (
    <div className="page page-narrow">
      <Link to="/agents" className="back"><ArrowLeft size={16} /> {t('agents.title')}</Link>
      <PageHeader title={t('agents.newTitle')} subtitle={t('agents.newSubtitle')} />
      <AgentForm
        onSubmit={async (body) => {
          const a = await api.post<Agent>('/api/agents', body);
          toast('success', t('agents.created', { name: a.name }));
          nav(`/agents/${a.id}`, { replace: true });
        }}
      />
    </div>
  );
}

function ExistingAgent({ id, tab }: { id: string; tab: string }) {
  const { t } = useTranslation();
  const { canEdit } = useAuth();
  const nav = useNavigate();
  const toast = useToast();
  const { data: agent, error, loading, reload, setData } = useLoad(() => api.get<Agent>(`/api/agents/${id}`), [id]);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);

  if (error) return <div className="page"><ErrorState error={error} onRetry={reload} /></div>;
  if (loading || !agent) return <div className="page"><Skeleton rows={6} /></div>;

  const toggle = async () => {
    setBusy(true);
    try {
      const a = await api.patch<Agent>(`/api/agents/${id}`, { status: agent.status === 'paused' ? 'active' : 'paused' });
      setData(a);
      toast('success', a.status === 'paused' ? t('agents.paused', { name: a.name }) : t('agents.resumed', { name: a.name }));
    } catch (e) {
      toast('error', t('errors.title'), errorText(t, e));
    } finally {
      setBusy(false);
    }
  };
  const duplicate = async () => {
    setBusy(true);
    try {
      const a = await api.post<Agent>(`/api/agents/${id}/duplicate`);
      toast('success', t('agents.duplicated', { name: a.name }));
      nav(`/agents/${a.id}`);
    } catch (e) {
      toast('error', t('errors.title'), errorText(t, e));
    } finally {
      setBusy(false);
    }
  };

  const tabs = [
    { to: `/agents/${id}`, key: 'settings', icon: <Settings2 size={16} />, label: t('agents.tabs.settings') },
    { to: `/agents/${id}/scripts`, key: 'scripts', icon: <ScrollText size={16} />, label: t('agents.tabs.scripts') },
    { to: `/agents/${id}/versions`, key: 'versions', icon: <History size={16} />, label: t('agents.tabs.versions') },
  ];

  return (
    <div className="page page-narrow">
      <Link to="/agents" className="back"><ArrowLeft size={16} /> {t('agents.title')}</Link>
      <PageHeader
        title={agent.name}
        subtitle={t('agents.versionLine', { version: agent.version ?? 1 })}
        actions={
          canEdit && (
            <>
              <span className="hide-sm"><Badge tone={agent.status === 'paused' ? 'amber' : 'green'}>{t(`agents.status.${agent.status ?? 'active'}`)}</Badge></span>
              <Button icon={agent.status === 'paused' ? <Play size={16} /> : <Pause size={16} />} onClick={toggle} disabled={busy}>
                {agent.status === 'paused' ? t('agents.resume') : t('agents.pause')}
              </Button>
              <Button icon={<Copy size={16} />} onClick={duplicate} disabled={busy}>{t('agents.duplicate')}</Button>
              <Button variant="danger" icon={<Trash2 size={16} />} onClick={() => setConfirmDelete(true)} aria-label={t('common.delete')} />
            </>
          )
        }
      />
      <nav className="tabs" aria-label={t('agents.tabsLabel')}>
        {tabs.map((x) => (
          <NavLink key={x.key} to={x.to} end className={() => `tab ${tab === x.key ? 'active' : ''}`} aria-current={tab === x.key ? 'page' : undefined}>
            {x.icon} {x.label}
          </NavLink>
        ))}
      </nav>
      {tab === 'settings' && (
        <AgentForm
          key={agent.version}
          agent={agent}
          readOnly={!canEdit}
          onSubmit={async (body) => {
            const a = await api.patch<Agent>(`/api/agents/${id}`, body);
            setData(a);
            toast('success', t('agents.saved', { version: a.version }));
          }}
        />
      )}
      {tab === 'scripts' && <Scripts agentId={id} />}
      {tab === 'versions' && <Versions agent={agent} onRestored={(a) => { setData(a); nav(`/agents/${id}`); }} />}
      {confirmDelete && (
        <Confirm
          title={t('agents.deleteTitle')}
          text={t('agents.deleteText', { name: agent.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            await api.del(`/api/agents/${id}`);
            toast('success', t('agents.deleted', { name: agent.name }));
            nav('/agents', { replace: true });
          }}
        />
      )}
    </div>
  );
}
