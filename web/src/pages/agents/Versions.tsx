import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { History, RotateCcw } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { formatDate } from '../../lib/i18n';
import type { Agent, AgentVersion, Page } from '../../lib/types';
import { Badge, Button, Confirm, EmptyState, ErrorState, Pagination, Skeleton, useLoad } from '../../components/ui';

const SHOWN: (keyof Agent)[] = ['name', 'status', 'model', 'temperature', 'max_tokens', 'response_delay_seconds', 'language', 'channels', 'kb_category_ids', 'working_hours', 'description', 'instructions'];

function show(v: unknown): string {
  if (v === undefined || v === null || (Array.isArray(v) && !v.length)) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function Versions({ agent, onRestored }: { agent: Agent; onRestored: (a: Agent) => void }) {
  const { t } = useTranslation();
  const { canEdit } = useAuth();
  const toast = useToast();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<number | null>(null);
  const [restoring, setRestoring] = useState<AgentVersion | null>(null);
  const { data, error, loading, reload } = useLoad(() => api.get<Page<AgentVersion>>(`/api/agents/${agent.id}/versions`, { page, per_page: 10 }), [agent.id, agent.version, page]);

  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (loading && !data) return <Skeleton rows={4} />;
  if (!data?.items?.length) return <EmptyState icon={<History size={24} />} title={t('versions.empty')} />;

  return (
    <div className="stack">
      <ol className="timeline">
        {data.items.map((v, i) => {
          const prev = data.items![i + 1]?.agent;
          const changed = prev ? SHOWN.filter((k) => show(prev[k]) !== show(v.agent?.[k])) : [];
          return (
            <li key={v.version} className="timeline-item card">
              <div className="row between wrap gap">
                <div className="row gap">
                  <Badge tone={v.version === agent.version ? 'indigo' : 'neutral'}>v{v.version}</Badge>
                  <strong>{t(`versions.actions.${v.action}`, { defaultValue: v.action, from: v.restored_from })}</strong>
                  <span className="muted small">{formatDate(v.created_at)}</span>
                </div>
                <div className="row gap">
                  <Button size="sm" variant="ghost" onClick={() => setOpen(open === v.version ? null : v.version)} aria-expanded={open === v.version}>
                    {open === v.version ? t('versions.hide') : t('versions.show')}
                  </Button>
                  {canEdit && v.version !== agent.version && (
                    <Button size="sm" icon={<RotateCcw size={14} />} onClick={() => setRestoring(v)}>{t('versions.restore')}</Button>
                  )}
                </div>
              </div>
              {changed.length > 0 && <p className="muted small">{t('versions.changed')}: {changed.map((k) => t(`agents.fields.${k}`)).join(', ')}</p>}
              {open === v.version && v.agent && (
                <dl className="kv">
                  {SHOWN.map((k) => (
                    <div key={k} className={changed.includes(k) ? 'changed' : ''}>
                      <dt>{t(`agents.fields.${k}`)}</dt>
                      <dd>{show(v.agent![k])}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </li>
          );
        })}
      </ol>
      <Pagination page={page} pages={data.pages ?? 1} onPage={setPage} />
      {restoring && (
        <Confirm
          danger={false}
          title={t('versions.restoreTitle', { version: restoring.version })}
          text={t('versions.restoreText', { version: restoring.version })}
          confirmLabel={t('versions.restore')}
          onClose={() => setRestoring(null)}
          onConfirm={async () => {
            const a = await api.post<Agent>(`/api/agents/${agent.id}/versions/${restoring.version}/restore`);
            toast('success', t('versions.restored', { version: restoring.version, now: a.version }));
            onRestored(a);
          }}
        />
      )}
    </div>
  );
}
