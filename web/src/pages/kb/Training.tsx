// Training: the documents agents learn from. Upload (UploadPanel), then each document's
// processing live from the socket (document.progress). Pushes are at most once and go to the
// uploader only, so while a shown document is processing the list is also read again: every 4 s
// when the socket is down or the document is someone else's, every 15 s otherwise. Filters and
// the page are in the URL; ?doc=<id> opens that document's chunks (Test retrieval links there).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Download, FileText, ListTree, RefreshCw, Search, Trash2 } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { useLiveMessages, useNotifications } from '../../lib/notifications';
import { currentLang, formatDate } from '../../lib/i18n';
import { DOC_STATUSES, applyProgress, dropLive, formatBytes, isProcessing, parseProgress, pruneLive, withLive, type DocStatus, type KbDocument, type LiveMap } from '../../lib/documents';
import type { Category, Page } from '../../lib/types';
import { Badge, Button, Confirm, EmptyState, ErrorState, PageHeader, Pagination, Skeleton, errorText, useLoad } from '../../components/ui';
import { categoryName, flattenCategories, indentedName } from './categories';
import { ChunksDialog, fileUrl } from './ChunksDialog';
import { ProgressBar, UploadPanel } from './UploadPanel';

const PER_PAGE = 20;
const POLL_FAST_MS = 4000;
const POLL_SLOW_MS = 15000;

const TONE: Record<DocStatus, 'neutral' | 'indigo' | 'green' | 'red'> = {
  queued: 'neutral', extracting: 'indigo', chunking: 'indigo', embedding: 'indigo', ready: 'green', failed: 'red',
};

export function StatusBadge({ status }: { status?: DocStatus }) {
  const { t } = useTranslation();
  const s = status ?? 'queued';
  return <Badge tone={TONE[s] ?? 'neutral'}>{t(`training.status.${s}`)}</Badge>;
}

export function Training() {
  const { t } = useTranslation();
  const { canEdit, me } = useAuth();
  const { state: socket } = useNotifications();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const category = params.get('category') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const openDoc = params.get('doc');
  const [search, setSearch] = useState(q);
  const [live, setLive] = useState<LiveMap>({});
  const [deleting, setDeleting] = useState<KbDocument | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [quiet, setQuiet] = useState(false); // a background re-read: no dimming

  const set = useCallback(
    (k: string, v: string | null) => {
      setParams((cur) => {
        const p = new URLSearchParams(cur);
        if (v) p.set(k, v);
        else p.delete(k);
        if (k !== 'page' && k !== 'doc') p.delete('page');
        return p;
      }, { replace: true });
    },
    [setParams],
  );
  useEffect(() => {
    const h = setTimeout(() => search.trim() !== q && set('q', search.trim()), 300);
    return () => clearTimeout(h);
  }, [search, q, set]);

  const cats = useLoad(() => api.get<{ items?: Category[] }>('/api/kb/categories'), []);
  const tree = useMemo(() => cats.data?.items ?? [], [cats.data]);
  const docs = useLoad(() => {
    const since = Date.now();
    return api.get<Page<KbDocument>>('/api/kb/documents', { q, status, category_id: category, page, per_page: PER_PAGE }).then((r) => ({ r, since }));
  }, [q, status, category, page]);
  // what the fetch saw replaces the pushes that came before it
  useEffect(() => {
    if (docs.data) setLive((l) => pruneLive(l, docs.data!.since));
    setQuiet(false);
  }, [docs.data]);

  const rows = useMemo(() => (docs.data?.r.items ?? []).map((d) => withLive(d, live)), [docs.data, live]);
  const reload = docs.reload;

  useLiveMessages((m) => {
    const ev = parseProgress(m.kind, m.data);
    if (!ev) return;
    setLive((l) => applyProgress(l, ev, Date.now()));
    // the last step: read the row again for what the push does not carry (indexed_at, …)
    if ((ev.status === 'ready' || ev.status === 'failed') && rows.some((d) => d.id === ev.id)) {
      setQuiet(true);
      reload();
    }
  });

  // Nobody pushes to this browser while the socket is down, nor for another member's upload.
  const processing = rows.filter((d) => isProcessing(d.status));
  const unheard = processing.some((d) => socket !== 'open' || (d.created_by && d.created_by !== me?.user.id));
  const pollMs = !processing.length ? 0 : unheard ? POLL_FAST_MS : POLL_SLOW_MS;
  useEffect(() => {
    if (!pollMs || docs.loading) return;
    const h = setTimeout(() => {
      setQuiet(true);
      reload();
    }, pollMs);
    return () => clearTimeout(h);
  }, [pollMs, docs.loading, reload, docs.data]);

  const reindex = async (d: KbDocument) => {
    setBusy(d.id);
    try {
      await api.post<KbDocument>(`/api/kb/documents/${d.id}/reindex`);
      setLive((l) => dropLive(l, d.id));
      toast('success', t('training.reindexed', { name: d.name }));
      reload();
    } catch (e) {
      toast('error', t('errors.title'), errorText(t, e));
    } finally {
      setBusy(null);
    }
  };

  const filtered = !!(q || status || category);
  const total = Number(docs.data?.r.total ?? 0);
  return (
    <div className="page">
      <PageHeader title={t('training.title')} subtitle={t('training.subtitle')} />
      {canEdit && <UploadPanel tree={tree} defaultCategory={category} onUploaded={() => reload()} />}
      <section className="section" aria-labelledby="documents-title">
        <h2 id="documents-title" className="section-title">{t('training.documents')}</h2>
        <div className="toolbar">
          <div className="search">
            <Search size={16} aria-hidden />
            <input type="search" aria-label={t('training.search')} placeholder={t('training.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
          </div>
          <select aria-label={t('training.filterStatus')} value={status} onChange={(e) => set('status', e.target.value)}>
            <option value="">{t('training.allStatuses')}</option>
            {DOC_STATUSES.map((s) => <option key={s} value={s}>{t(`training.status.${s}`)}</option>)}
          </select>
          <select aria-label={t('training.filterCategory')} value={category} onChange={(e) => set('category', e.target.value)}>
            <option value="">{t('training.allCategories')}</option>
            {flattenCategories(tree).map((x) => <option key={x.c.id} value={x.c.id}>{indentedName(x)}</option>)}
          </select>
        </div>
        {docs.error ? (
          <ErrorState error={docs.error} onRetry={reload} />
        ) : docs.loading && !docs.data ? (
          <Skeleton rows={5} />
        ) : !rows.length ? (
          filtered ? (
            <EmptyState icon={<Search size={24} />} title={t('training.noMatchTitle')} text={t('training.noMatchText')} action={<Button onClick={() => { setSearch(''); setParams({}, { replace: true }); }}>{t('common.clearFilters')}</Button>} />
          ) : (
            <EmptyState icon={<FileText size={24} />} title={t('training.emptyTitle')} text={canEdit ? t('training.emptyText') : t('training.emptyTextReader')} />
          )
        ) : (
          <>
            <div className={`card table-card ${docs.loading && !quiet ? 'is-loading' : ''}`}>
              <table className="table docs-table" data-testid="documents">
                <thead>
                  <tr>
                    <th>{t('training.fields.name')}</th>
                    <th className="hide-sm">{t('training.fields.category')}</th>
                    <th>{t('training.fields.status')}</th>
                    <th className="hide-sm num">{t('training.fields.pages')}</th>
                    <th className="num">{t('training.fields.chunks')}</th>
                    <th className="hide-sm">{t('training.fields.updated')}</th>
                    <th><span className="sr-only">{t('common.actions')}</span></th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((d) => (
                    <tr key={d.id} data-status={d.status}>
                      <td>
                        <button type="button" className="link doc-name" onClick={() => set('doc', d.id)}>{d.name}</button>
                        <div className="muted small">
                          {[d.format?.toUpperCase(), formatBytes(d.size, currentLang()), d.encoding && d.encoding.toLowerCase() !== 'utf-8' ? d.encoding : ''].filter(Boolean).join(' · ')}
                        </div>
                      </td>
                      <td className="hide-sm">{categoryName(tree, d.category_id) ?? <span className="muted">—</span>}</td>
                      <td className="doc-status">
                        <StatusBadge status={d.status} />
                        {isProcessing(d.status) && <ProgressBar value={d.progress ?? 0} label={t('training.processingOf', { name: d.name })} />}
                        {d.status === 'failed' && d.error && <p className="small text-red doc-error">{d.error}</p>}
                      </td>
                      <td className="hide-sm num">{d.pages ? d.pages : <span className="muted">—</span>}</td>
                      <td className="num">{d.status === 'ready' || d.chunks ? Number(d.chunks ?? 0) : <span className="muted">—</span>}</td>
                      <td className="hide-sm small">{formatDate(d.indexed_at || d.updated_at || d.created_at)}</td>
                      <td className="actions">
                        <div className="row-actions">
                        <button type="button" className="icon-btn" aria-label={t('training.viewChunks', { name: d.name })} title={t('training.chunks')} onClick={() => set('doc', d.id)}>
                          <ListTree size={16} />
                        </button>
                        <a className="icon-btn" href={fileUrl(d.id)} download={d.name} aria-label={t('training.downloadName', { name: d.name })} title={t('training.download')}>
                          <Download size={16} />
                        </a>
                        {canEdit && (
                          <>
                            <button type="button" className="icon-btn" aria-label={t('training.reindexName', { name: d.name })} title={t('training.reindex')} disabled={busy === d.id || isProcessing(d.status)} onClick={() => void reindex(d)}>
                              <RefreshCw size={16} className={busy === d.id ? 'spin' : undefined} />
                            </button>
                            <button type="button" className="icon-btn danger" aria-label={t('training.deleteName', { name: d.name })} title={t('common.delete')} onClick={() => setDeleting(d)}>
                              <Trash2 size={16} />
                            </button>
                          </>
                        )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="list-foot">
              <span className="muted small">{t('training.total', { count: total })}</span>
              <Pagination page={page} pages={Math.max(1, Number(docs.data?.r.pages ?? Math.ceil(total / PER_PAGE)))} onPage={(p) => set('page', String(p))} />
            </div>
          </>
        )}
      </section>
      {openDoc && <ChunksDialog id={openDoc} onClose={() => set('doc', null)} />}
      {deleting && (
        <Confirm
          title={t('training.deleteTitle')}
          text={t('training.deleteText', { name: deleting.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.del(`/api/kb/documents/${deleting.id}`);
            toast('success', t('training.deleted', { name: deleting.name }));
            reload();
          }}
        />
      )}
    </div>
  );
}
