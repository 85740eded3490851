// What a document became: its chunks as rag indexed them (GET /api/kb/documents/{id}/chunks),
// each with its heading path and page, in a dialog with paging and the download of the file.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Download } from 'lucide-react';
import { api } from '../../lib/api';
import type { KbChunk, KbDocument } from '../../lib/documents';
import type { Page } from '../../lib/types';
import { EmptyState, ErrorState, Modal, Pagination, Skeleton, useLoad } from '../../components/ui';

const PER_PAGE = 20;

export function fileUrl(id: string): string {
  return `/api/kb/documents/${encodeURIComponent(id)}/file`;
}

export function ChunksDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const doc = useLoad(() => api.get<KbDocument>(`/api/kb/documents/${encodeURIComponent(id)}`), [id]);
  const chunks = useLoad(() => api.get<Page<KbChunk>>(`/api/kb/documents/${encodeURIComponent(id)}/chunks`, { page, per_page: PER_PAGE }), [id, page]);
  const name = doc.data?.name ?? '';
  const total = Number(chunks.data?.total ?? 0);
  return (
    <Modal
      wide
      title={name ? t('training.chunksOf', { name }) : t('training.chunks')}
      onClose={onClose}
      footer={
        <>
          {doc.data && (
            <a className="btn btn-ghost btn-md" href={fileUrl(id)} download={name || undefined}>
              <Download size={16} aria-hidden /> <span>{t('training.download')}</span>
            </a>
          )}
          <div className="grow" />
          <Pagination page={page} pages={Math.max(1, Number(chunks.data?.pages ?? Math.ceil(total / PER_PAGE)))} onPage={setPage} />
        </>
      }
    >
      {doc.error ? (
        <ErrorState error={doc.error} onRetry={doc.reload} />
      ) : chunks.error ? (
        <ErrorState error={chunks.error} onRetry={chunks.reload} />
      ) : chunks.loading && !chunks.data ? (
        <Skeleton rows={5} />
      ) : !chunks.data?.items?.length ? (
        <EmptyState title={t('training.noChunks')} text={t('training.noChunksText')} />
      ) : (
        <>
          <p className="muted small" role="status">{t('training.chunkCount', { count: total })}</p>
          <ol className={`chunk-list ${chunks.loading ? 'is-loading' : ''}`} data-testid="chunks">
            {chunks.data.items.map((c) => (
              <li key={c.id ?? c.seq} className="chunk">
                <div className="row gap wrap small muted">
                  <span className="chip">#{Number(c.seq ?? 0) + 1}</span>
                  {c.heading_path && <span className="chunk-path">{c.heading_path}</span>}
                  {!!c.page && <span>{t('training.pageN', { page: c.page })}</span>}
                  <span className="grow-right">{t('training.chars', { count: Number(c.chars ?? c.text?.length ?? 0) })}</span>
                </div>
                <p className="chunk-text">{c.text}</p>
              </li>
            ))}
          </ol>
        </>
      )}
    </Modal>
  );
}
