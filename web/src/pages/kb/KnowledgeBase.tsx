import { useEffect, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { BookOpen, FilePlus2, FolderPlus, Search } from 'lucide-react';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { applyApiError } from '../../lib/forms';
import { formatDate } from '../../lib/i18n';
import { sanitizeSnippet } from '../../lib/sanitize';
import type { Article, Category, Page } from '../../lib/types';
import { Alert, Button, Confirm, EmptyState, ErrorState, Field, Modal, PageHeader, Pagination, Skeleton, errorText, useLoad } from '../../components/ui';
import { CategoryTree } from './CategoryTree';

const PER_PAGE = 20;

function findCat(tree: Category[], id: string | null): Category | undefined {
  for (const c of tree) {
    if (c.id === id) return c;
    const k = findCat(c.children ?? [], id);
    if (k) return k;
  }
  return undefined;
}

function setChildren(tree: Category[], parent: string | null, ids: string[]): Category[] {
  if (parent === null) return ids.map((id) => tree.find((c) => c.id === id)!).filter(Boolean);
  return tree.map((c) => (c.id === parent ? { ...c, children: ids.map((id) => c.children!.find((k) => k.id === id)!).filter(Boolean) } : { ...c, children: setChildren(c.children ?? [], parent, ids) }));
}

export function KnowledgeBase() {
  const { t } = useTranslation();
  const { canEdit } = useAuth();
  const toast = useToast();
  const nav = useNavigate();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const category = params.get('category');
  const page = Number(params.get('page') ?? '1') || 1;
  const [search, setSearch] = useState(q);
  const cats = useLoad(() => api.get<{ items?: Category[] }>('/api/kb/categories'), []);
  const tree = useMemo(() => cats.data?.items ?? [], [cats.data]);
  const arts = useLoad(() => api.get<Page<Article>>('/api/kb/articles', { q, category_id: category, page, per_page: PER_PAGE }), [q, category, page]);
  const [editing, setEditing] = useState<{ parent: Category | null; cat?: Category } | null>(null);
  const [deleting, setDeleting] = useState<Category | null>(null);
  const [cascade, setCascade] = useState(false);

  const set = (k: string, v: string | null) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    if (k !== 'page') p.delete('page');
    setParams(p, { replace: true });
  };
  useEffect(() => {
    const h = setTimeout(() => search.trim() !== q && set('q', search.trim()), 300);
    return () => clearTimeout(h);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const reorder = async (parent: string | null, ids: string[]) => {
    const before = cats.data;
    cats.setData({ items: setChildren(tree, parent, ids) });
    try {
      const r = await api.post<{ items?: Category[] }>('/api/kb/categories/reorder', parent ? { parent_id: parent, ids } : { ids });
      if (r?.items) cats.setData(r);
    } catch (e) {
      if (before) cats.setData(before);
      toast('error', t('kb.reorderFailed'), errorText(t, e));
    }
  };
  const current = findCat(tree, category);

  return (
    <div className="page">
      <PageHeader
        title={t('kb.title')}
        subtitle={t('kb.subtitle')}
        actions={
          canEdit && (
            <>
              <Button icon={<FolderPlus size={16} />} onClick={() => setEditing({ parent: null })}>{t('kb.newCategory')}</Button>
              <Button variant="primary" icon={<FilePlus2 size={16} />} onClick={() => nav(`/knowledge-base/articles/new${category ? `?category=${category}` : ''}`)}>{t('kb.newArticle')}</Button>
            </>
          )
        }
      />
      <div className="kb-layout">
        <aside className="card kb-tree">
          <h2 className="card-title">{t('kb.categories')}</h2>
          {cats.error ? (
            <ErrorState error={cats.error} onRetry={cats.reload} />
          ) : cats.loading && !cats.data ? (
            <Skeleton rows={4} />
          ) : (
            <>
              <CategoryTree
                tree={tree}
                selected={category}
                canEdit={canEdit}
                onSelect={(id) => set('category', id)}
                onReorder={reorder}
                onAdd={(parent) => setEditing({ parent })}
                onRename={(c) => setEditing({ parent: null, cat: c })}
                onDelete={(c) => { setCascade(false); setDeleting(c); }}
              />
              {!tree.length && <p className="muted small pad">{t('kb.noCategories')}</p>}
            </>
          )}
        </aside>
        <section className="kb-articles">
          <div className="toolbar">
            <div className="search grow">
              <Search size={16} aria-hidden />
              <input type="search" aria-label={t('kb.search')} placeholder={t('kb.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
            </div>
          </div>
          {current && <p className="muted small">{t('kb.inCategory', { name: current.name })} · <button type="button" className="link" onClick={() => set('category', null)}>{t('kb.showAll')}</button></p>}
          {arts.error ? (
            <ErrorState error={arts.error} onRetry={arts.reload} />
          ) : arts.loading && !arts.data ? (
            <Skeleton rows={5} />
          ) : !arts.data?.items?.length ? (
            q ? (
              <EmptyState icon={<Search size={24} />} title={t('kb.noResults', { q })} text={t('kb.noResultsText')} />
            ) : (
              <EmptyState icon={<BookOpen size={24} />} title={t('kb.emptyTitle')} text={t('kb.emptyText')} action={canEdit && <Button variant="primary" icon={<FilePlus2 size={16} />} onClick={() => nav('/knowledge-base/articles/new')}>{t('kb.newArticle')}</Button>} />
            )
          ) : (
            <>
              {q && <p className="muted small" role="status">{t('kb.found', { count: Number(arts.data.total ?? 0) })}</p>}
              <ul className={`article-list ${arts.loading ? 'is-loading' : ''}`} data-testid="articles">
                {arts.data.items.map((a) => (
                  <li key={a.id} className="card article-item">
                    <Link to={`/knowledge-base/articles/${a.id}`} className="article-title">{a.title}</Link>
                    {a.snippet && <p className="snippet" dangerouslySetInnerHTML={{ __html: sanitizeSnippet(a.snippet) }} />}
                    <div className="row gap wrap small muted">
                      {a.category_id && <span>{findCat(tree, a.category_id)?.name}</span>}
                      {(a.tags ?? []).map((x) => <span key={x} className="chip">#{x}</span>)}
                      <span className="grow-right">{formatDate(a.updated_at)}</span>
                    </div>
                  </li>
                ))}
              </ul>
              <Pagination page={page} pages={Math.max(1, Math.ceil(Number(arts.data.total ?? 0) / PER_PAGE))} onPage={(p) => set('page', String(p))} />
            </>
          )}
        </section>
      </div>
      {editing && (
        <CategoryModal
          parent={editing.parent}
          cat={editing.cat}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            cats.reload();
          }}
        />
      )}
      {deleting && (
        <Confirm
          title={t('kb.deleteCategoryTitle')}
          text={t('kb.deleteCategoryText', { name: deleting.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            try {
              await api.del(`/api/kb/categories/${deleting.id}`, cascade ? { cascade: true } : undefined);
            } catch (e) {
              if (e instanceof ApiError && e.status === 409 && !cascade) throw new Error(t('kb.notEmpty'));
              throw e;
            }
            if (category === deleting.id) set('category', null);
            toast('success', t('kb.categoryDeleted', { name: deleting.name }));
            cats.reload();
            arts.reload();
          }}
        >
          <label className="check-inline">
            <input type="checkbox" checked={cascade} onChange={(e) => setCascade(e.target.checked)} /> {t('kb.cascade')}
          </label>
        </Confirm>
      )}
    </div>
  );
}

function CategoryModal({ parent, cat, onClose, onSaved }: { parent: Category | null; cat?: Category; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<{ name: string; description: string }>({ defaultValues: { name: cat?.name ?? '', description: cat?.description ?? '' } });
  const submit = handleSubmit(async (f) => {
    setErr(null);
    try {
      if (cat) await api.patch(`/api/kb/categories/${cat.id}`, f);
      else await api.post('/api/kb/categories', parent ? { ...f, parent_id: parent.id } : f);
      onSaved();
    } catch (e) {
      if (!applyApiError(e, setError, ['name', 'description'])) setErr(errorText(t, e));
    }
  });
  return (
    <Modal
      title={cat ? t('kb.renameTitle') : parent ? t('kb.newSubIn', { name: parent.name }) : t('kb.newCategory')}
      onClose={onClose}
      footer={<><Button variant="ghost" onClick={onClose}>{t('common.cancel')}</Button><Button variant="primary" loading={isSubmitting} onClick={() => void submit()}>{t('common.save')}</Button></>}
    >
      <form className="form" onSubmit={submit} noValidate>
        {err && <Alert>{err}</Alert>}
        <Field id="cat-name" label={t('kb.categoryName')} error={errors.name?.message}>
          <input id="cat-name" aria-invalid={!!errors.name} {...register('name', { required: t('validation.required') })} />
        </Field>
        <Field id="cat-description" label={t('kb.categoryDescription')} error={errors.description?.message}>
          <textarea id="cat-description" rows={3} {...register('description')} />
        </Field>
      </form>
    </Modal>
  );
}
