import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Bot, Copy, Pause, Pencil, Play, Plus, Search, Trash2 } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { formatDate } from '../../lib/i18n';
import { CHANNELS, type Agent, type Page } from '../../lib/types';
import { Badge, Button, Confirm, EmptyState, ErrorState, PageHeader, Pagination, Skeleton, errorText, useLoad } from '../../components/ui';

const PER_PAGE = 10;

export function AgentsList() {
  const { t } = useTranslation();
  const { canEdit } = useAuth();
  const toast = useToast();
  const nav = useNavigate();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const channel = params.get('channel') ?? '';
  const sort = params.get('sort') ?? '-created_at';
  const page = Number(params.get('page') ?? '1') || 1;
  const [search, setSearch] = useState(q);
  const [deleting, setDeleting] = useState<Agent | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const set = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    if (k !== 'page') p.delete('page');
    setParams(p, { replace: true });
  };
  useEffect(() => {
    const h = setTimeout(() => search !== q && set('q', search.trim()), 300);
    return () => clearTimeout(h);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const { data, error, loading, reload } = useLoad(
    () => api.get<Page<Agent>>('/api/agents', { q, status, channel, sort, page, per_page: PER_PAGE }),
    [q, status, channel, sort, page],
  );
  const filtered = !!(q || status || channel);

  const act = async (a: Agent, what: 'toggle' | 'duplicate') => {
    setBusy(a.id + what);
    try {
      if (what === 'toggle') {
        const next = a.status === 'paused' ? 'active' : 'paused';
        await api.patch(`/api/agents/${a.id}`, { status: next });
        toast('success', next === 'paused' ? t('agents.paused', { name: a.name }) : t('agents.resumed', { name: a.name }));
      } else {
        const c = await api.post<Agent>(`/api/agents/${a.id}/duplicate`);
        toast('success', t('agents.duplicated', { name: c.name }));
      }
      reload();
    } catch (e) {
      toast('error', t('errors.title'), errorText(t, e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title={t('agents.title')}
        subtitle={t('agents.subtitle')}
        actions={canEdit && <Button variant="primary" icon={<Plus size={16} />} onClick={() => nav('/agents/new')}>{t('agents.new')}</Button>}
      />
      <div className="toolbar">
        <div className="search">
          <Search size={16} aria-hidden />
          <input type="search" aria-label={t('agents.search')} placeholder={t('agents.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <select aria-label={t('agents.filterStatus')} value={status} onChange={(e) => set('status', e.target.value)}>
          <option value="">{t('agents.allStatuses')}</option>
          <option value="active">{t('agents.status.active')}</option>
          <option value="paused">{t('agents.status.paused')}</option>
        </select>
        <select aria-label={t('agents.filterChannel')} value={channel} onChange={(e) => set('channel', e.target.value)}>
          <option value="">{t('agents.allChannels')}</option>
          {CHANNELS.map((c) => <option key={c} value={c}>{t(`channels.${c}`)}</option>)}
        </select>
        <select aria-label={t('agents.sort')} value={sort} onChange={(e) => set('sort', e.target.value)}>
          <option value="-created_at">{t('agents.sorts.newest')}</option>
          <option value="created_at">{t('agents.sorts.oldest')}</option>
          <option value="-updated_at">{t('agents.sorts.updated')}</option>
          <option value="name">{t('agents.sorts.nameAsc')}</option>
          <option value="-name">{t('agents.sorts.nameDesc')}</option>
        </select>
      </div>
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : loading && !data ? (
        <Skeleton rows={5} />
      ) : !data?.items?.length ? (
        filtered ? (
          <EmptyState icon={<Search size={24} />} title={t('agents.noMatchTitle')} text={t('agents.noMatchText')} action={<Button onClick={() => { setSearch(''); setParams({}, { replace: true }); }}>{t('common.clearFilters')}</Button>} />
        ) : (
          <EmptyState icon={<Bot size={24} />} title={t('agents.emptyTitle')} text={t('agents.emptyText')} action={canEdit && <Button variant="primary" icon={<Plus size={16} />} onClick={() => nav('/agents/new')}>{t('agents.new')}</Button>} />
        )
      ) : (
        <>
          <div className={`card table-card ${loading ? 'is-loading' : ''}`}>
            <table className="table">
              <thead>
                <tr>
                  <th>{t('agents.fields.name')}</th>
                  <th>{t('agents.fields.status')}</th>
                  <th className="hide-sm">{t('agents.fields.channels')}</th>
                  <th className="hide-sm">{t('agents.fields.model')}</th>
                  <th className="hide-sm">{t('agents.updated')}</th>
                  <th><span className="sr-only">{t('common.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link to={`/agents/${a.id}`} className="strong">{a.name}</Link>
                      {a.description && <div className="muted small clamp">{a.description}</div>}
                    </td>
                    <td><Badge tone={a.status === 'paused' ? 'amber' : 'green'}>{t(`agents.status.${a.status ?? 'active'}`)}</Badge></td>
                    <td className="hide-sm">
                      <div className="chips">
                        {(a.channels ?? []).slice(0, 3).map((c) => <span key={c} className="chip">{t(`channels.${c}`)}</span>)}
                        {(a.channels?.length ?? 0) > 3 && <span className="chip">+{(a.channels?.length ?? 0) - 3}</span>}
                        {!a.channels?.length && <span className="muted small">—</span>}
                      </div>
                    </td>
                    <td className="hide-sm"><code className="small">{a.model}</code></td>
                    <td className="hide-sm muted small">{formatDate(a.updated_at)}</td>
                    <td className="actions">
                      {canEdit && (
                        <>
                          <button type="button" className="icon-btn" title={a.status === 'paused' ? t('agents.resume') : t('agents.pause')} aria-label={`${a.status === 'paused' ? t('agents.resume') : t('agents.pause')} ${a.name}`} disabled={busy === a.id + 'toggle'} onClick={() => act(a, 'toggle')}>
                            {a.status === 'paused' ? <Play size={16} /> : <Pause size={16} />}
                          </button>
                          <button type="button" className="icon-btn" title={t('agents.duplicate')} aria-label={`${t('agents.duplicate')} ${a.name}`} disabled={busy === a.id + 'duplicate'} onClick={() => act(a, 'duplicate')}>
                            <Copy size={16} />
                          </button>
                          <Link className="icon-btn" to={`/agents/${a.id}`} title={t('common.edit')} aria-label={`${t('common.edit')} ${a.name}`}><Pencil size={16} /></Link>
                          <button type="button" className="icon-btn danger" title={t('common.delete')} aria-label={`${t('common.delete')} ${a.name}`} onClick={() => setDeleting(a)}>
                            <Trash2 size={16} />
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="list-foot">
            <span className="muted small">{t('agents.total', { count: data.total ?? 0 })}</span>
            <Pagination page={page} pages={data.pages ?? 1} onPage={(p) => set('page', String(p))} />
          </div>
        </>
      )}
      {deleting && (
        <Confirm
          title={t('agents.deleteTitle')}
          text={t('agents.deleteText', { name: deleting.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.del(`/api/agents/${deleting.id}`);
            toast('success', t('agents.deleted', { name: deleting.name }));
            reload();
          }}
        />
      )}
    </div>
  );
}
