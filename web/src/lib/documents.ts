// Documents of the knowledge base (the ingest service) and retrieval (rag): their JSON shapes,
// and the pure logic the Training and Test retrieval pages share: the client-side checks of a
// file before upload, the live progress pushed on the socket, and the words for upload errors.
// No I/O here (src/lib/upload.ts sends the files).
import { ApiError } from './api';

export type DocStatus = 'queued' | 'extracting' | 'chunking' | 'embedding' | 'ready' | 'failed';
export const DOC_STATUSES: DocStatus[] = ['queued', 'extracting', 'chunking', 'embedding', 'ready', 'failed'];

/** proto/ingest.proto Document (int64 size may come as a string). */
export interface KbDocument {
  id: string;
  category_id?: string;
  name: string;
  format?: string;
  mime_type?: string;
  size?: number | string;
  sha256?: string;
  status?: DocStatus;
  progress?: number;
  error?: string;
  pages?: number;
  chunks?: number;
  encoding?: string;
  attempts?: number;
  created_at?: string;
  updated_at?: string;
  created_by?: string;
  indexed_at?: string;
  duplicate?: boolean;
}

/** proto/rag.proto Chunk as GET /api/kb/documents/{id}/chunks answers it. */
export interface KbChunk {
  id?: string;
  source_kind?: string;
  source_id?: string;
  title?: string;
  seq?: number;
  text?: string;
  heading_path?: string;
  page?: number;
  chars?: number;
  model?: string;
}

export type RetrieveMode = 'hybrid' | 'fulltext' | 'vector';
export const RETRIEVE_MODES: RetrieveMode[] = ['hybrid', 'fulltext', 'vector'];

export interface RetrieveRequest { q: string; category_ids?: string[]; k?: number; mode?: RetrieveMode; min_score?: number }

/** proto/rag.proto Passage. */
export interface Passage {
  chunk_id?: string;
  source_kind?: 'document' | 'article' | string;
  source_id?: string;
  category_id?: string;
  title?: string;
  heading_path?: string;
  page?: number;
  text?: string;
  snippet?: string;
  score?: number;
  fulltext_rank?: number;
  vector_score?: number;
  fused_score?: number;
  rank?: number;
}

export interface RetrieveReply { items?: Passage[]; mode?: string; model?: string; took_ms?: number }

// ---- client-side checks ----------------------------------------------------------------------

/** The server's default INGEST_MAX_FILE_BYTES; the server decides, this only spares a doomed upload. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
export const KNOWN_EXTENSIONS = ['pdf', 'docx', 'txt', 'md', 'markdown'];
export const ACCEPT = '.pdf,.docx,.txt,.md,.markdown,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,text/markdown';

export interface FileCheck {
  /** why the file is not sent at all (translation key), or null */
  block: 'tooLarge' | 'empty' | null;
  /** a hint shown with the file that is sent anyway: the server judges the content, not the name */
  hint: 'extension' | null;
}

export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

export function checkFile(f: { name: string; size: number }, max = MAX_FILE_BYTES): FileCheck {
  const block = f.size > max ? 'tooLarge' : f.size === 0 ? 'empty' : null;
  const hint = KNOWN_EXTENSIONS.includes(extensionOf(f.name)) ? null : 'extension';
  return { block, hint };
}

// ---- the upload queue ------------------------------------------------------------------------

export type UploadState = 'blocked' | 'waiting' | 'uploading' | 'done' | 'duplicate' | 'error' | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  categoryId: string;
  state: UploadState;
  loaded: number;
  check: FileCheck;
  error?: string;
  document?: KbDocument;
}

export type UploadAction =
  | { type: 'add'; items: UploadItem[] }
  | { type: 'start'; key: string }
  | { type: 'progress'; key: string; loaded: number }
  | { type: 'done'; key: string; document: KbDocument }
  | { type: 'fail'; key: string; error: string }
  | { type: 'cancel'; key: string }
  | { type: 'dismiss'; key: string }
  | { type: 'clearFinished' };

let seq = 0;
/** Queue entries for chosen files: those the checks block never start. */
export function newUploads(files: { name: string; size: number }[], categoryId: string): UploadItem[] {
  return files.map((f) => {
    const check = checkFile(f);
    return { key: `u${++seq}`, name: f.name, size: f.size, categoryId, state: check.block ? 'blocked' : 'waiting', loaded: 0, check };
  });
}

export function uploadReducer(items: UploadItem[], a: UploadAction): UploadItem[] {
  const patch = (key: string, p: Partial<UploadItem>) => items.map((x) => (x.key === key ? { ...x, ...p } : x));
  switch (a.type) {
    case 'add':
      return [...items, ...a.items];
    case 'start':
      return patch(a.key, { state: 'uploading', loaded: 0, error: undefined });
    case 'progress': {
      const it = items.find((x) => x.key === a.key);
      if (!it || it.state !== 'uploading') return items;
      return patch(a.key, { loaded: Math.min(it.size, Math.max(it.loaded, a.loaded)) });
    }
    case 'done':
      return patch(a.key, { state: a.document.duplicate ? 'duplicate' : 'done', loaded: items.find((x) => x.key === a.key)?.size ?? 0, document: a.document });
    case 'fail':
      return patch(a.key, { state: 'error', error: a.error });
    case 'cancel':
      return patch(a.key, { state: 'cancelled' });
    case 'dismiss':
      return items.filter((x) => x.key !== a.key);
    case 'clearFinished':
      return items.filter((x) => x.state === 'waiting' || x.state === 'uploading');
  }
}

/** The entries to start now, oldest first, so that at most `concurrency` upload at once. */
export function nextUploads(items: UploadItem[], concurrency = 2): UploadItem[] {
  const running = items.filter((x) => x.state === 'uploading').length;
  return items.filter((x) => x.state === 'waiting').slice(0, Math.max(0, concurrency - running));
}

/** Upload progress 0-100 of one entry. */
export function uploadPercent(it: UploadItem): number {
  if (it.state === 'done' || it.state === 'duplicate') return 100;
  return it.size > 0 ? Math.floor((100 * it.loaded) / it.size) : 0;
}

// ---- live progress from the socket -------------------------------------------------------------

/** The data of a document.progress notification. */
export interface ProgressEvent { id: string; name?: string; status?: DocStatus; progress?: number; pages?: number; chunks?: number; error?: string }

export interface LiveEntry { ev: ProgressEvent; at: number }
export type LiveMap = Record<string, LiveEntry>;

/** The progress event in a notification payload, or null when it is not one. */
export function parseProgress(kind: string, data: unknown): ProgressEvent | null {
  if (kind !== 'document.progress' || !data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d.id !== 'string' || !d.id) return null;
  const ev: ProgressEvent = { id: d.id };
  if (typeof d.name === 'string') ev.name = d.name;
  if (typeof d.status === 'string' && (DOC_STATUSES as string[]).includes(d.status)) ev.status = d.status as DocStatus;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
  const p = num(d.progress);
  if (p !== undefined) ev.progress = Math.max(0, Math.min(100, Math.round(p)));
  const pages = num(d.pages), chunks = num(d.chunks);
  if (pages !== undefined) ev.pages = pages;
  if (chunks !== undefined) ev.chunks = chunks;
  if (typeof d.error === 'string') ev.error = d.error;
  return ev;
}

/** Adds one event: events of a document arrive in order, so the newest one wins. */
export function applyProgress(live: LiveMap, ev: ProgressEvent, at: number): LiveMap {
  return { ...live, [ev.id]: { ev, at } };
}

/** After the list was fetched from a request started at `since`: events older than that are in it. */
export function pruneLive(live: LiveMap, since: number): LiveMap {
  const out: LiveMap = {};
  for (const [id, e] of Object.entries(live)) if (e.at >= since) out[id] = e;
  return out;
}

/** Forgets the pushes about one document (re-indexed: it starts over). */
export function dropLive(live: LiveMap, id: string): LiveMap {
  const out = { ...live };
  delete out[id];
  return out;
}

/** A document as the page shows it: the fetched row with a newer pushed state over it. */
export function withLive(doc: KbDocument, live: LiveMap): KbDocument {
  const e = live[doc.id]?.ev;
  if (!e) return doc;
  const out: KbDocument = { ...doc };
  if (e.status) out.status = e.status;
  if (e.progress !== undefined) out.progress = e.progress;
  if (e.pages !== undefined) out.pages = e.pages;
  if (e.chunks !== undefined) out.chunks = e.chunks;
  if (e.status) out.error = e.status === 'failed' ? e.error || doc.error : e.error || undefined;
  return out;
}

export function isProcessing(s?: DocStatus): boolean {
  return s === 'queued' || s === 'extracting' || s === 'chunking' || s === 'embedding';
}

// ---- errors ----------------------------------------------------------------------------------

/**
 * The text shown for a failed upload: the server's own message when it sent one (413, 415, 400
 * say why in their words), else a translated fallback for the status.
 */
export function uploadErrorText(t: (k: string, o?: Record<string, unknown>) => string, e: unknown, lang: 'en' | 'ru' = 'en'): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('errors.network');
    const own = e.message && e.message !== e.code && !/^http_\d+$/.test(e.code) ? e.message : '';
    if (e.status === 413) return own || t('training.errors.tooLarge', { max: formatBytes(MAX_FILE_BYTES, lang) });
    if (e.status === 415) return own || t('training.errors.unsupported');
    if (e.status === 403) return t('errors.forbidden');
    if (e.status === 429) return t('errors.rateLimited');
    if (e.status >= 500) return own ? `${own} (${e.status})` : t('errors.server', { code: e.status });
    return own || t('errors.server', { code: e.status });
  }
  return e instanceof Error ? e.message : String(e);
}

const UNITS = { en: ['B', 'KB', 'MB', 'GB'], ru: ['Б', 'КБ', 'МБ', 'ГБ'] };

/** 512 B, 2.0 KB, 50 MB (Russian: 2,0 КБ). */
export function formatBytes(n: number | string | undefined, lang: 'en' | 'ru' = 'en'): string {
  const u = UNITS[lang];
  let x = Number(n ?? 0);
  if (!Number.isFinite(x) || x < 0) x = 0;
  let i = 0;
  while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
  const digits = i > 0 && x < 10 ? 1 : 0;
  return `${x.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${u[i]}`;
}

/** A score for display: up to 3 decimals, "—" when the side did not find the passage. */
export function formatScore(v: number | undefined | null): string {
  return typeof v === 'number' && Number.isFinite(v) ? (Math.round(v * 1000) / 1000).toFixed(3) : '—';
}
