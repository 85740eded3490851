// The Training page's upload area: files dropped or picked (several at once), a category for
// them, and a queue that sends two at a time with a progress bar each. The checks here only
// spare doomed uploads; the server judges every file (type from its content, its size).
import { useEffect, useReducer, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CheckCircle2, Copy, FileUp, Upload, X, XCircle } from 'lucide-react';
import { ACCEPT, MAX_FILE_BYTES, formatBytes, newUploads, nextUploads, uploadErrorText, uploadPercent, uploadReducer, type KbDocument, type UploadItem } from '../../lib/documents';
import { currentLang } from '../../lib/i18n';
import { uploadDocument, type UploadHandle } from '../../lib/upload';
import type { Category } from '../../lib/types';
import { Button } from '../../components/ui';
import { flattenCategories, indentedName } from './categories';

export function ProgressBar({ value, label, tone = 'primary' }: { value: number; label: string; tone?: 'primary' | 'green' | 'red' }) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div className={`bar bar-${tone}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={v} aria-label={label}>
      <span style={{ width: `${v}%` }} />
    </div>
  );
}

export function UploadPanel({ tree, defaultCategory, onUploaded }: { tree: Category[]; defaultCategory: string; onUploaded: (d: KbDocument) => void }) {
  const { t } = useTranslation();
  const [items, dispatch] = useReducer(uploadReducer, []);
  const [category, setCategory] = useState(defaultCategory);
  const [dragging, setDragging] = useState(false);
  const files = useRef(new Map<string, File>());
  const handles = useRef(new Map<string, UploadHandle>());
  const input = useRef<HTMLInputElement>(null);
  const uploaded = useRef(onUploaded);
  uploaded.current = onUploaded;

  useEffect(() => setCategory(defaultCategory), [defaultCategory]);

  useEffect(() => {
    for (const it of nextUploads(items)) {
      const file = files.current.get(it.key);
      if (!file || handles.current.has(it.key)) continue;
      dispatch({ type: 'start', key: it.key });
      const h = uploadDocument(file, it.categoryId, (loaded) => dispatch({ type: 'progress', key: it.key, loaded }));
      handles.current.set(it.key, h);
      h.done.then(
        (doc) => {
          dispatch({ type: 'done', key: it.key, document: doc });
          uploaded.current(doc);
        },
        (e) => {
          if ((e as { code?: string }).code === 'aborted') dispatch({ type: 'cancel', key: it.key });
          else dispatch({ type: 'fail', key: it.key, error: uploadErrorText(t, e, currentLang()) });
        },
      ).finally(() => {
        handles.current.delete(it.key);
        files.current.delete(it.key);
      });
    }
  }, [items, t]);

  // leaving the page stops what is still uploading
  useEffect(() => () => handles.current.forEach((h) => h.abort()), []);

  const add = (list: FileList | null) => {
    if (!list || !list.length) return;
    const arr = Array.from(list);
    const entries = newUploads(arr, category);
    entries.forEach((e, i) => e.state === 'waiting' && files.current.set(e.key, arr[i]));
    dispatch({ type: 'add', items: entries });
  };

  const finished = items.some((x) => x.state !== 'waiting' && x.state !== 'uploading');
  return (
    <section className="card upload-card" aria-labelledby="upload-title">
      <div className="upload-head">
        <h2 id="upload-title" className="card-title">{t('training.uploadTitle')}</h2>
        <div className="field upload-category">
          <label htmlFor="upload-category">{t('training.uploadCategory')}</label>
          <select id="upload-category" value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">{t('kb.uncategorised')}</option>
            {flattenCategories(tree).map((x) => <option key={x.c.id} value={x.c.id}>{indentedName(x)}</option>)}
          </select>
        </div>
      </div>
      <div
        className={`dropzone ${dragging ? 'dragging' : ''}`}
        data-testid="dropzone"
        onDragEnter={(e) => { e.preventDefault(); setDragging(true); }}
        onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; }}
        onDragLeave={(e) => { if (!e.currentTarget.contains(e.relatedTarget as Node)) setDragging(false); }}
        onDrop={(e) => { e.preventDefault(); setDragging(false); add(e.dataTransfer.files); }}
      >
        <FileUp size={26} aria-hidden className="dropzone-icon" />
        <p><strong>{t('training.drop')}</strong></p>
        <p className="muted small" id="upload-hint">{t('training.dropHint', { max: formatBytes(MAX_FILE_BYTES, currentLang()) })}</p>
        <input
          ref={input}
          id="training-files"
          type="file"
          multiple
          accept={ACCEPT}
          className="sr-only"
          aria-describedby="upload-hint"
          onChange={(e) => { add(e.target.files); e.target.value = ''; }}
        />
        <label htmlFor="training-files" className="btn btn-primary btn-md">
          <Upload size={16} aria-hidden /> <span>{t('training.choose')}</span>
        </label>
      </div>
      {items.length > 0 && (
        <>
          <ul className="upload-list" aria-label={t('training.queue')}>
            {items.map((it) => <UploadRow key={it.key} it={it} onCancel={() => handles.current.get(it.key)?.abort()} onDismiss={() => { files.current.delete(it.key); dispatch({ type: 'dismiss', key: it.key }); }} />)}
          </ul>
          {finished && (
            <div className="row end">
              <Button size="sm" variant="ghost" onClick={() => dispatch({ type: 'clearFinished' })}>{t('training.clearFinished')}</Button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function UploadRow({ it, onCancel, onDismiss }: { it: UploadItem; onCancel: () => void; onDismiss: () => void }) {
  const { t } = useTranslation();
  const pct = uploadPercent(it);
  const line =
    it.state === 'blocked' ? t(`training.check.${it.check.block}`, { max: formatBytes(MAX_FILE_BYTES, currentLang()) })
    : it.state === 'waiting' ? t('training.upload.waiting')
    : it.state === 'uploading' ? t('training.upload.uploading', { pct })
    : it.state === 'done' ? t('training.upload.done')
    : it.state === 'duplicate' ? t('training.upload.duplicate', { name: it.document?.name ?? it.name })
    : it.state === 'cancelled' ? t('training.upload.cancelled')
    : it.error;
  const bad = it.state === 'blocked' || it.state === 'error';
  return (
    <li className={`upload-item ${bad ? 'is-bad' : ''}`} data-state={it.state}>
      <div className="upload-icon" aria-hidden>
        {it.state === 'done' ? <CheckCircle2 size={18} /> : it.state === 'duplicate' ? <Copy size={18} /> : bad ? <XCircle size={18} /> : <FileUp size={18} />}
      </div>
      <div className="upload-main">
        <div className="row between gap">
          <span className="upload-name">{it.name}</span>
          <span className="muted small nowrap">{formatBytes(it.size, currentLang())}</span>
        </div>
        <ProgressBar value={pct} label={t('training.uploadOf', { name: it.name })} tone={bad ? 'red' : it.state === 'done' || it.state === 'duplicate' ? 'green' : 'primary'} />
        <p className={`small ${bad ? 'text-red' : 'muted'}`} role={bad ? 'alert' : undefined}>{line}</p>
        {it.check.hint && !it.check.block && <p className="small muted">{t('training.check.extension')}</p>}
      </div>
      {it.state === 'uploading' || it.state === 'waiting' ? (
        <button type="button" className="icon-btn" aria-label={t('training.cancelUpload', { name: it.name })} onClick={it.state === 'uploading' ? onCancel : onDismiss}>
          <X size={16} />
        </button>
      ) : (
        <button type="button" className="icon-btn" aria-label={t('training.dismiss', { name: it.name })} onClick={onDismiss}>
          <X size={16} />
        </button>
      )}
    </li>
  );
}
