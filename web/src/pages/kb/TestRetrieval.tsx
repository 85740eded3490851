// Test retrieval: ask what a customer would ask and see what an agent would be given
// (POST /api/kb/retrieve, the same code path the chat uses): ranked passages with the matched
// words highlighted, every score, the source (a document's chunks and file, or the article),
// the time taken and the embedding model.
import { FormEvent, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { BookOpen, Download, FileText, ListTree, Search, SearchX } from 'lucide-react';
import { api, ApiError } from '../../lib/api';
import { sanitizeSnippet } from '../../lib/sanitize';
import { RETRIEVE_MODES, formatScore, type Passage, type RetrieveMode, type RetrieveReply, type RetrieveRequest } from '../../lib/documents';
import type { Category } from '../../lib/types';
import { Badge, Button, EmptyState, ErrorState, Field, PageHeader, Skeleton, useLoad } from '../../components/ui';
import { categoryName, flattenCategories } from './categories';
import { fileUrl } from './ChunksDialog';

const FIELDS = ['q', 'category_ids', 'k', 'mode', 'min_score'] as const;

/** The request body of the form's values (k clamped by the server, not here). */
export function retrieveBody(f: { q: string; categories: string[]; mode: RetrieveMode; k: string; minScore: string }): RetrieveRequest {
  const body: RetrieveRequest = { q: f.q.trim(), mode: f.mode };
  if (f.categories.length) body.category_ids = f.categories;
  if (f.k.trim() !== '') body.k = Number(f.k);
  if (f.minScore.trim() !== '' && Number(f.minScore) !== 0) body.min_score = Number(f.minScore);
  return body;
}

export function TestRetrieval() {
  const { t } = useTranslation();
  const cats = useLoad(() => api.get<{ items?: Category[] }>('/api/kb/categories'), []);
  const flat = useMemo(() => flattenCategories(cats.data?.items), [cats.data]);
  const [q, setQ] = useState('');
  const [categories, setCategories] = useState<string[]>([]);
  const [mode, setMode] = useState<RetrieveMode>('hybrid');
  const [k, setK] = useState('5');
  const [minScore, setMinScore] = useState('0');
  const [busy, setBusy] = useState(false);
  const [reply, setReply] = useState<RetrieveReply | null>(null);
  const [asked, setAsked] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const [fieldErr, setFieldErr] = useState<{ field: string; message: string } | null>(null);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setErr(null);
    setFieldErr(null);
    if (!q.trim()) {
      setFieldErr({ field: 'q', message: t('validation.required') });
      document.getElementById('rt-q')?.focus();
      return;
    }
    setBusy(true);
    try {
      const r = await api.post<RetrieveReply>('/api/kb/retrieve', retrieveBody({ q, categories, mode, k, minScore }));
      setReply(r ?? {});
      setAsked(q.trim());
    } catch (x) {
      if (x instanceof ApiError && x.field && (FIELDS as readonly string[]).includes(x.field)) {
        setFieldErr({ field: x.field, message: x.detail });
        document.getElementById(`rt-${x.field === 'min_score' ? 'min' : x.field === 'category_ids' ? 'cats' : x.field}`)?.focus();
      } else setErr(x);
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => (fieldErr?.field === f ? fieldErr.message : undefined);
  const toggle = (id: string) => setCategories((xs) => (xs.includes(id) ? xs.filter((x) => x !== id) : [...xs, id]));

  return (
    <div className="page">
      <PageHeader title={t('retrieval.title')} subtitle={t('retrieval.subtitle')} />
      <div className="retrieval-layout">
        <form className="card form retrieval-form" onSubmit={submit} noValidate aria-label={t('retrieval.formLabel')}>
          <Field id="rt-q" label={t('retrieval.question')} error={fe('q')} hint={t('retrieval.questionHint')}>
            <textarea
              id="rt-q"
              rows={3}
              value={q}
              maxLength={2000}
              aria-invalid={!!fe('q')}
              aria-describedby={fe('q') ? 'rt-q-error' : 'rt-q-hint'}
              onChange={(e) => setQ(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  void submit();
                }
              }}
            />
          </Field>
          <fieldset className="plain-fieldset">
            <legend>{t('retrieval.mode')}</legend>
            <div className="segmented radio-segmented">
              {RETRIEVE_MODES.map((m) => (
                <label key={m} className={mode === m ? 'active' : ''}>
                  <input type="radio" name="rt-mode" value={m} checked={mode === m} onChange={() => setMode(m)} className="sr-only" />
                  <span>{t(`retrieval.modes.${m}`)}</span>
                </label>
              ))}
            </div>
            <p className="field-hint">{t(`retrieval.modeHints.${mode}`)}</p>
            {fe('mode') && <p className="field-error" role="alert">{fe('mode')}</p>}
          </fieldset>
          <div className="grid-2">
            <Field id="rt-k" label={t('retrieval.k')} error={fe('k')}>
              <input id="rt-k" type="number" min={1} max={50} step={1} inputMode="numeric" value={k} aria-invalid={!!fe('k')} onChange={(e) => setK(e.target.value)} />
            </Field>
            <Field id="rt-min" label={t('retrieval.minScore')} error={fe('min_score')}>
              <input id="rt-min" type="number" min={0} max={1} step={0.05} inputMode="decimal" value={minScore} aria-invalid={!!fe('min_score')} onChange={(e) => setMinScore(e.target.value)} />
            </Field>
          </div>
          <fieldset className="plain-fieldset" id="rt-cats" tabIndex={-1}>
            <legend>{t('retrieval.categories')}</legend>
            <p className="field-hint">{categories.length ? t('retrieval.categoriesChosen', { count: categories.length }) : t('retrieval.categoriesAll')}</p>
            {cats.error ? (
              <ErrorState error={cats.error} onRetry={cats.reload} />
            ) : cats.loading && !cats.data ? (
              <Skeleton rows={2} />
            ) : flat.length ? (
              <div className="check-list">
                {flat.map(({ c, depth }) => (
                  <label key={c.id} style={{ paddingLeft: 10 + depth * 18 }}>
                    <input type="checkbox" checked={categories.includes(c.id)} onChange={() => toggle(c.id)} /> {c.name}
                  </label>
                ))}
              </div>
            ) : (
              <p className="muted small">{t('kb.noCategories')}</p>
            )}
            {fe('category_ids') && <p className="field-error" role="alert">{fe('category_ids')}</p>}
          </fieldset>
          <Button type="submit" variant="primary" icon={<Search size={16} />} loading={busy}>{t('retrieval.search')}</Button>
        </form>
        <section className="retrieval-results" aria-labelledby="rt-results" aria-busy={busy}>
          <h2 id="rt-results" className="sr-only">{t('retrieval.results')}</h2>
          {err != null ? (
            <ErrorState error={err} onRetry={() => void submit()} />
          ) : busy && !reply ? (
            <Skeleton rows={4} />
          ) : !reply ? (
            <EmptyState icon={<Search size={24} />} title={t('retrieval.startTitle')} text={t('retrieval.startText')} />
          ) : !reply.items?.length ? (
            <EmptyState icon={<SearchX size={24} />} title={t('retrieval.noneTitle', { q: asked })} text={t('retrieval.noneText')} />
          ) : (
            <>
              <p className="muted small retrieval-meta" role="status">
                {t('retrieval.meta', { count: reply.items.length, ms: formatMs(reply.took_ms), mode: t(`retrieval.modes.${reply.mode ?? mode}`, { defaultValue: reply.mode ?? mode }) })}
                {reply.model && <> · {t('retrieval.model')} <code>{reply.model}</code></>}
              </p>
              <ol className={`passages ${busy ? 'is-loading' : ''}`} data-testid="passages">
                {reply.items.map((p, i) => <PassageCard key={p.chunk_id ?? i} p={p} index={i} cats={cats.data?.items} />)}
              </ol>
            </>
          )}
        </section>
      </div>
    </div>
  );
}

function formatMs(v: number | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return v < 10 ? v.toFixed(1) : String(Math.round(v));
}

function PassageCard({ p, index, cats }: { p: Passage; index: number; cats?: Category[] }) {
  const { t } = useTranslation();
  const doc = p.source_kind === 'document';
  const rank = p.rank ?? index + 1;
  const title = p.title || t('retrieval.untitled');
  const cat = categoryName(cats, p.category_id);
  return (
    <li className="card passage" aria-label={t('retrieval.passageN', { rank, title })}>
      <div className="passage-head">
        <span className="rank" aria-hidden>#{rank}</span>
        <div className="grow passage-source">
          {doc ? (
            <Link to={`/training?doc=${encodeURIComponent(p.source_id ?? '')}`} className="passage-title"><FileText size={15} aria-hidden /> {title}</Link>
          ) : (
            <Link to={`/knowledge-base/articles/${encodeURIComponent(p.source_id ?? '')}`} className="passage-title"><BookOpen size={15} aria-hidden /> {title}</Link>
          )}
          <div className="row gap wrap small muted">
            <Badge tone={doc ? 'indigo' : 'neutral'}>{t(`retrieval.kinds.${doc ? 'document' : 'article'}`)}</Badge>
            {p.heading_path && <span>{p.heading_path}</span>}
            {!!p.page && <span>{t('training.pageN', { page: p.page })}</span>}
            {cat && <span>{cat}</span>}
          </div>
        </div>
        <strong className="passage-score" title={t('retrieval.scores.score')}>{formatScore(p.score)}</strong>
      </div>
      {p.snippet ? (
        <p className="snippet" dangerouslySetInnerHTML={{ __html: sanitizeSnippet(p.snippet) }} />
      ) : (
        <p className="snippet clamp-3">{p.text}</p>
      )}
      <dl className="scores">
        <div><dt>{t('retrieval.scores.score')}</dt><dd>{formatScore(p.score)}</dd></div>
        <div><dt>{t('retrieval.scores.fused')}</dt><dd>{formatScore(p.fused_score)}</dd></div>
        <div><dt>{t('retrieval.scores.fulltext')}</dt><dd>{formatScore(p.fulltext_rank)}</dd></div>
        <div><dt>{t('retrieval.scores.vector')}</dt><dd>{formatScore(p.vector_score)}</dd></div>
      </dl>
      <div className="row gap wrap passage-foot">
        {p.text && (
          <details className="grow">
            <summary>{t('retrieval.fullText')}</summary>
            <p className="chunk-text">{p.text}</p>
          </details>
        )}
        {doc && p.source_id && (
          <>
            <Link className="btn btn-ghost btn-sm" to={`/training?doc=${encodeURIComponent(p.source_id)}`}><ListTree size={15} aria-hidden /> <span>{t('training.chunks')}</span></Link>
            <a className="btn btn-ghost btn-sm" href={fileUrl(p.source_id)} download={p.title || undefined}><Download size={15} aria-hidden /> <span>{t('training.download')}</span></a>
          </>
        )}
      </div>
    </li>
  );
}
