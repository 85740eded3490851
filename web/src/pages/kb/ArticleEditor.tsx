// A Markdown article: title, category, tags and body, with a live preview beside the editor
// (tabs on narrow screens).
import { lazy, Suspense, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ArrowLeft, Trash2 } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { applyApiError } from '../../lib/forms';
import { formatDate } from '../../lib/i18n';
import type { Article, Category } from '../../lib/types';
import { Alert, Button, Confirm, ErrorState, Field, PageHeader, Skeleton, Spinner, errorText, useLoad } from '../../components/ui';
import { flattenCategories, indentedName } from './categories';

const Markdown = lazy(() => import('../../components/Markdown'));

interface Form { title: string; category_id: string; tags: string; body: string }

export function parseTags(s: string): string[] {
  const out: string[] = [];
  for (const raw of s.split(',')) {
    const x = raw.trim();
    if (x && !out.includes(x)) out.push(x);
  }
  return out;
}

export function ArticleEditor() {
  const { id } = useParams();
  const { data, error, loading, reload } = useLoad(() => (id ? api.get<Article>(`/api/kb/articles/${id}`) : Promise.resolve(undefined)), [id]);
  if (error) return <div className="page"><ErrorState error={error} onRetry={reload} /></div>;
  if (id && (loading || !data)) return <div className="page"><Skeleton rows={6} /></div>;
  return <Editor key={data?.updated_at ?? 'new'} article={data} />;
}

function Editor({ article }: { article?: Article }) {
  const { t } = useTranslation();
  const { canEdit } = useAuth();
  const toast = useToast();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [view, setView] = useState<'write' | 'preview'>('write');
  const [err, setErr] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const cats = useLoad(() => api.get<{ items?: Category[] }>('/api/kb/categories'), []);
  const { register, handleSubmit, watch, setError, reset, formState: { errors, isSubmitting, isDirty } } = useForm<Form>({
    defaultValues: {
      title: article?.title ?? '',
      category_id: article?.category_id ?? params.get('category') ?? '',
      tags: (article?.tags ?? []).join(', '),
      body: article?.body ?? '',
    },
  });
  const body = watch('body');

  const submit = handleSubmit(async (f) => {
    setErr(null);
    const tags = parseTags(f.tags);
    const req: Record<string, unknown> = { title: f.title, body: f.body };
    if (f.category_id) req.category_id = f.category_id;
    else if (article?.category_id) req.category_id = '';
    if (tags.length) req.tags = tags;
    else if (article?.tags?.length) req.clear_tags = true;
    try {
      if (article) {
        await api.patch<Article>(`/api/kb/articles/${article.id}`, req);
        toast('success', t('kb.articleSaved'));
        reset(f);
      } else {
        const a = await api.post<Article>('/api/kb/articles', req);
        toast('success', t('kb.articleCreated'));
        nav(`/knowledge-base/articles/${a.id}`, { replace: true });
      }
    } catch (e) {
      if (!applyApiError(e, setError, ['title', 'body', 'category_id', 'tags'])) setErr(errorText(t, e));
    }
  });

  return (
    <div className="page">
      <Link to="/knowledge-base" className="back"><ArrowLeft size={16} /> {t('kb.title')}</Link>
      <PageHeader
        title={article ? article.title : t('kb.newArticle')}
        subtitle={article ? t('kb.updatedAt', { when: formatDate(article.updated_at) }) : t('kb.newArticleSubtitle')}
        actions={article && canEdit && <Button variant="danger" icon={<Trash2 size={16} />} onClick={() => setConfirm(true)}>{t('common.delete')}</Button>}
      />
      <form className="form" onSubmit={submit} noValidate>
        {err && <Alert>{err}</Alert>}
        <fieldset className="plain" disabled={!canEdit}>
          <div className="grid-article-meta">
            <Field id="title" label={t('kb.fields.title')} error={errors.title?.message}>
              <input id="title" aria-invalid={!!errors.title} {...register('title', { required: t('validation.required') })} />
            </Field>
            <Field id="category_id" label={t('kb.fields.category')} error={errors.category_id?.message}>
              <select id="category_id" {...register('category_id')}>
                <option value="">{t('kb.uncategorised')}</option>
                {flattenCategories(cats.data?.items).map((x) => <option key={x.c.id} value={x.c.id}>{indentedName(x)}</option>)}
              </select>
            </Field>
            <Field id="tags" label={t('kb.fields.tags')} error={errors.tags?.message} hint={t('kb.tagsHint')}>
              <input id="tags" {...register('tags')} />
            </Field>
          </div>
          <div className="editor-tabs only-mobile" role="tablist">
            <button type="button" role="tab" aria-selected={view === 'write'} className={view === 'write' ? 'active' : ''} onClick={() => setView('write')}>{t('kb.write')}</button>
            <button type="button" role="tab" aria-selected={view === 'preview'} className={view === 'preview' ? 'active' : ''} onClick={() => setView('preview')}>{t('kb.preview')}</button>
          </div>
          <div className={`editor view-${view}`}>
            <div className="editor-pane">
              <label htmlFor="body" className="pane-label">{t('kb.fields.body')} <span className="muted small">Markdown</span></label>
              <textarea id="body" className="mono" aria-invalid={!!errors.body} {...register('body')} />
              {errors.body?.message && <p className="field-error" role="alert">{errors.body.message}</p>}
            </div>
            <div className="preview-pane" aria-label={t('kb.preview')}>
              <div className="pane-label">{t('kb.preview')}</div>
              <Suspense fallback={<Spinner />}>
                {body?.trim() ? <Markdown source={body} /> : <p className="muted">{t('kb.previewEmpty')}</p>}
              </Suspense>
            </div>
          </div>
        </fieldset>
        {canEdit && (
          <div className="form-actions sticky-actions">
            <Button variant="ghost" onClick={() => nav('/knowledge-base')}>{t('common.cancel')}</Button>
            <Button type="submit" variant="primary" loading={isSubmitting} disabled={!!article && !isDirty}>{article ? t('common.save') : t('kb.publish')}</Button>
          </div>
        )}
      </form>
      {confirm && article && (
        <Confirm
          title={t('kb.deleteArticleTitle')}
          text={t('kb.deleteArticleText', { name: article.title })}
          confirmLabel={t('common.delete')}
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api.del(`/api/kb/articles/${article.id}`);
            toast('success', t('kb.articleDeleted'));
            nav('/knowledge-base', { replace: true });
          }}
        />
      )}
    </div>
  );
}
