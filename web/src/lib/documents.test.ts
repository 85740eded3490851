import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  applyProgress, checkFile, dropLive, formatBytes, formatScore, MAX_FILE_BYTES, newUploads, nextUploads, parseProgress, pruneLive, uploadErrorText,
  uploadPercent, uploadReducer, withLive, type KbDocument, type LiveMap, type UploadItem,
} from './documents';
import { describe as describeNotification, isNotable } from './notifications';
import { retrieveBody } from '../pages/kb/TestRetrieval';

const t = (k: string, o?: Record<string, unknown>) => (o ? `${k} ${JSON.stringify(o)}` : k);

describe('client-side file checks', () => {
  it('blocks what the server would refuse for its size, and empty files', () => {
    expect(checkFile({ name: 'a.pdf', size: MAX_FILE_BYTES + 1 }).block).toBe('tooLarge');
    expect(checkFile({ name: 'a.pdf', size: MAX_FILE_BYTES }).block).toBeNull();
    expect(checkFile({ name: 'a.pdf', size: 0 }).block).toBe('empty');
  });
  it('only hints at an unknown extension: the server judges the content', () => {
    expect(checkFile({ name: 'prices.DOCX', size: 10 })).toEqual({ block: null, hint: null });
    expect(checkFile({ name: 'notes.markdown', size: 10 }).hint).toBeNull();
    expect(checkFile({ name: 'scan.jpg', size: 10 })).toEqual({ block: null, hint: 'extension' });
    expect(checkFile({ name: 'README', size: 10 }).hint).toBe('extension');
    expect(checkFile({ name: '.md', size: 10 }).hint).toBe('extension');
  });
});

describe('upload queue', () => {
  const three = () => newUploads([{ name: 'a.txt', size: 100 }, { name: 'big.pdf', size: MAX_FILE_BYTES + 1 }, { name: 'b.md', size: 50 }, { name: 'c.md', size: 10 }], 'cat-1');

  it('queues checked files with the chosen category; blocked ones never start', () => {
    const q = three();
    expect(q.map((x) => x.state)).toEqual(['waiting', 'blocked', 'waiting', 'waiting']);
    expect(q.every((x) => x.categoryId === 'cat-1')).toBe(true);
    expect(new Set(q.map((x) => x.key)).size).toBe(4);
  });

  it('starts at most two at once, oldest first, and the next when one ends', () => {
    let q = uploadReducer([], { type: 'add', items: three() });
    const first = nextUploads(q);
    expect(first.map((x) => x.name)).toEqual(['a.txt', 'b.md']);
    for (const x of first) q = uploadReducer(q, { type: 'start', key: x.key });
    expect(nextUploads(q)).toEqual([]);
    q = uploadReducer(q, { type: 'done', key: first[0].key, document: { id: 'd1', name: 'a.txt', status: 'queued' } });
    expect(nextUploads(q).map((x) => x.name)).toEqual(['c.md']);
  });

  it('tracks progress without going back or past the size', () => {
    let q: UploadItem[] = uploadReducer([], { type: 'add', items: newUploads([{ name: 'a.txt', size: 200 }], '') });
    const k = q[0].key;
    q = uploadReducer(q, { type: 'progress', key: k, loaded: 50 });
    expect(q[0].loaded).toBe(0); // not started: ignored
    q = uploadReducer(q, { type: 'start', key: k });
    q = uploadReducer(q, { type: 'progress', key: k, loaded: 100 });
    expect(uploadPercent(q[0])).toBe(50);
    q = uploadReducer(q, { type: 'progress', key: k, loaded: 60 });
    expect(q[0].loaded).toBe(100);
    q = uploadReducer(q, { type: 'progress', key: k, loaded: 900 });
    expect(q[0].loaded).toBe(200);
  });

  it('tells a duplicate from a new document, keeps errors, clears finished entries', () => {
    let q = uploadReducer([], { type: 'add', items: newUploads([{ name: 'a.txt', size: 1 }, { name: 'b.txt', size: 1 }, { name: 'c.txt', size: 1 }], '') });
    const [a, b, c] = q.map((x) => x.key);
    q = uploadReducer(q, { type: 'done', key: a, document: { id: 'x', name: 'old.txt', duplicate: true } });
    q = uploadReducer(q, { type: 'fail', key: b, error: 'file: type text/html is not supported' });
    expect(q.map((x) => x.state)).toEqual(['duplicate', 'error', 'waiting']);
    expect(uploadPercent(q[0])).toBe(100);
    expect(q[1].error).toBe('file: type text/html is not supported');
    q = uploadReducer(q, { type: 'clearFinished' });
    expect(q.map((x) => x.key)).toEqual([c]);
    q = uploadReducer(q, { type: 'cancel', key: c });
    expect(q[0].state).toBe('cancelled');
    expect(uploadReducer(q, { type: 'dismiss', key: c })).toEqual([]);
  });
});

describe('progress from the socket', () => {
  const doc: KbDocument = { id: 'd1', name: 'a.txt', status: 'queued', progress: 0, chunks: 0 };

  it('reads document.progress payloads and nothing else', () => {
    expect(parseProgress('document.progress', { id: 'd1', name: 'a.txt', status: 'embedding', progress: 72.4, pages: 0, chunks: '12' })).toEqual({ id: 'd1', name: 'a.txt', status: 'embedding', progress: 72, pages: 0, chunks: 12 });
    expect(parseProgress('document.progress', { id: 'd1', status: 'bogus', progress: 140 })).toEqual({ id: 'd1', progress: 100 });
    expect(parseProgress('test', { id: 'd1' })).toBeNull();
    expect(parseProgress('document.progress', { name: 'x' })).toBeNull();
    expect(parseProgress('document.progress', 'text')).toBeNull();
  });

  it('shows the newest pushed state over the fetched row', () => {
    let live: LiveMap = {};
    live = applyProgress(live, { id: 'd1', status: 'extracting', progress: 10 }, 100);
    live = applyProgress(live, { id: 'd1', status: 'embedding', progress: 60 }, 200);
    expect(withLive(doc, live)).toMatchObject({ status: 'embedding', progress: 60 });
    live = applyProgress(live, { id: 'd1', status: 'ready', progress: 100, chunks: 7 }, 300);
    expect(withLive(doc, live)).toMatchObject({ status: 'ready', progress: 100, chunks: 7 });
    expect(withLive({ ...doc, id: 'other' }, live)).toEqual({ ...doc, id: 'other' });
  });

  it('keeps the reason of a failure, and drops an old one when processing starts again', () => {
    const failed = withLive(doc, applyProgress({}, { id: 'd1', status: 'failed', progress: 30, error: 'the PDF is encrypted' }, 1));
    expect(failed).toMatchObject({ status: 'failed', error: 'the PDF is encrypted' });
    const again = withLive({ ...doc, status: 'failed', error: 'the PDF is encrypted' }, applyProgress({}, { id: 'd1', status: 'extracting', progress: 5 }, 2));
    expect(again.error).toBeUndefined();
  });

  it('forgets pushes the next fetch already saw, and a re-indexed document', () => {
    let live: LiveMap = applyProgress({}, { id: 'd1', status: 'chunking' }, 100);
    live = applyProgress(live, { id: 'd2', status: 'extracting' }, 300);
    expect(Object.keys(pruneLive(live, 200))).toEqual(['d2']);
    expect(Object.keys(dropLive(live, 'd2'))).toEqual(['d1']);
  });

  it('only the last step becomes a toast', () => {
    expect(isNotable('document.progress', { status: 'embedding' })).toBe(false);
    expect(isNotable('document.progress', { status: 'ready' })).toBe(true);
    expect(isNotable('document.progress', { status: 'failed' })).toBe(true);
    expect(isNotable('lead', { status: 'x' })).toBe(true);
    expect(describeNotification('document.progress', { name: 'a.pdf', status: 'failed', error: 'encrypted' }, t)).toEqual({ title: 'training.notify.failed {"name":"a.pdf"}', text: 'encrypted' });
    expect(describeNotification('document.progress', { name: 'a.pdf', status: 'ready', chunks: 3 }, t).title).toBe('training.notify.ready {"name":"a.pdf"}');
  });
});

describe('upload errors', () => {
  it('shows the server’s own words', () => {
    expect(uploadErrorText(t, new ApiError(415, 'unsupported', 'file: image/png is not PDF, DOCX, TXT or MD'))).toBe('file: image/png is not PDF, DOCX, TXT or MD');
    expect(uploadErrorText(t, new ApiError(413, 'too_large', 'file: larger than 52428800 bytes'))).toBe('file: larger than 52428800 bytes');
    expect(uploadErrorText(t, new ApiError(400, 'invalid_argument', 'category_id: no such category'))).toBe('category_id: no such category');
  });
  it('falls back to a translation when the answer had no error body', () => {
    expect(uploadErrorText(t, new ApiError(413, 'http_413', 'Payload Too Large'))).toMatch(/^training\.errors\.tooLarge/);
    expect(uploadErrorText(t, new ApiError(415, 'http_415', ''))).toBe('training.errors.unsupported');
    expect(uploadErrorText(t, new ApiError(0, 'network', 'network error'))).toBe('errors.network');
    expect(uploadErrorText(t, new ApiError(502, 'http_502', 'Bad Gateway'))).toBe('errors.server {"code":502}');
    expect(uploadErrorText(t, new ApiError(503, 'unavailable', 'ingest is unavailable'))).toBe('ingest is unavailable (503)');
  });
});

describe('formatting and the retrieve body', () => {
  it('formats sizes and scores', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes('2048')).toBe('2.0 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MB');
    expect(formatBytes(1536, 'ru')).toBe('1,5 КБ');
    expect(formatBytes(-1)).toBe('0 B');
    expect(formatScore(0.123456)).toBe('0.123');
    expect(formatScore(undefined)).toBe('—');
  });
  it('sends only what is set', () => {
    expect(retrieveBody({ q: ' delivery to Kazan ', categories: [], mode: 'hybrid', k: '5', minScore: '0' })).toEqual({ q: 'delivery to Kazan', mode: 'hybrid', k: 5 });
    expect(retrieveBody({ q: 'x', categories: ['c1', 'c2'], mode: 'vector', k: '', minScore: '0.25' })).toEqual({ q: 'x', mode: 'vector', category_ids: ['c1', 'c2'], min_score: 0.25 });
  });
});
