import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import i18n from '../../lib/i18n';
import { AuthProvider } from '../../lib/auth';
import { ToastProvider } from '../../lib/toast';
import { NotificationsProvider } from '../../lib/notifications';
import { Training } from './Training';
import { TestRetrieval } from './TestRetrieval';

const ME = { user: { id: 'u1', email: 'a@b.co', name: 'Ann' }, organization: { id: 'o1', name: 'Acme' }, role: 'owner' };
const CATS = { items: [{ id: 'c1', name: 'Delivery', children: [{ id: 'c2', name: 'Express' }] }] };

function json(status: number, body: unknown) {
  return Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
}

type Handler = (url: string, init?: RequestInit) => Promise<Response> | undefined;
function stubFetch(h: Handler) {
  const f = vi.fn((url: string, init?: RequestInit) => {
    if (url === '/api/auth/me') return json(200, ME);
    if (url === '/api/auth/orgs') return json(200, { items: [] });
    if (url === '/api/kb/categories') return json(200, CATS);
    return h(url, init) ?? json(404, { error: { code: 'not_found', message: 'no route' } });
  });
  vi.stubGlobal('fetch', f);
  return f;
}

class FakeSocket {
  static all: FakeSocket[] = [];
  static OPEN = 1;
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.();
    }, 0);
  }
  send() {}
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  push(kind: string, data: unknown) {
    this.onmessage?.({ data: JSON.stringify({ type: 'notification', subject: `notify.user.u1.${kind}`, kind, data }) });
  }
}

/** XMLHttpRequest that answers what `answer` says once the form is sent, after one progress event. */
class FakeXhr {
  static all: FakeXhr[] = [];
  static answer: (x: FakeXhr) => { status: number; body: unknown } = () => ({ status: 201, body: {} });
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  statusText = '';
  responseText = '';
  withCredentials = false;
  method = '';
  url = '';
  body: FormData | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(m: string, u: string) {
    this.method = m;
    this.url = u;
  }
  setRequestHeader() {}
  abort() {
    this.onabort?.();
  }
  send(body: FormData) {
    this.body = body;
    const file = body.get('file') as File;
    setTimeout(() => {
      this.upload.onprogress?.({ loaded: Math.floor(file.size / 2), total: file.size, lengthComputable: true });
      setTimeout(() => {
        const a = FakeXhr.answer(this);
        this.status = a.status;
        this.responseText = JSON.stringify(a.body);
        this.onload?.();
      }, 5);
    }, 5);
  }
}

function wrap(ui: React.ReactNode, path = '/') {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <ToastProvider>
        <AuthProvider>
          <NotificationsProvider userId="u1/o1">{ui}</NotificationsProvider>
        </AuthProvider>
      </ToastProvider>
    </MemoryRouter>,
  );
}

vi.setConfig({ testTimeout: 20000 }); // a loaded machine: the page tests render a lot in jsdom

beforeEach(async () => {
  await i18n.changeLanguage('en');
  vi.stubGlobal('WebSocket', FakeSocket);
  FakeSocket.all = [];
  FakeXhr.all = [];
});
afterEach(() => vi.unstubAllGlobals());

describe('Training page', () => {
  it('shows documents, then their progress live from the socket until ready', async () => {
    let docs = [{ id: 'd1', name: 'prices.txt', format: 'txt', size: 2048, status: 'extracting', progress: 10, created_by: 'u1', category_id: 'c1' }];
    stubFetch((url) => (url.startsWith('/api/kb/documents?') ? json(200, { items: docs, total: docs.length, page: 1, per_page: 20, pages: 1 }) : undefined));
    wrap(<Training />, '/training');
    const row = (await screen.findByRole('button', { name: 'prices.txt' })).closest('tr')!;
    expect(within(row).getByText('Reading')).toBeInTheDocument();
    expect(within(row).getByText('Delivery')).toBeInTheDocument();
    expect(within(row).getByRole('progressbar', { name: 'Processing of prices.txt' })).toHaveAttribute('aria-valuenow', '10');
    await waitFor(() => expect(FakeSocket.all[0]?.readyState).toBe(1));
    act(() => FakeSocket.all[0].push('document.progress', { id: 'd1', name: 'prices.txt', status: 'embedding', progress: 70, pages: 0, chunks: 0 }));
    expect(within(row).getByText('Indexing')).toBeInTheDocument();
    expect(within(row).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '70');
    expect(screen.queryByText('“prices.txt” is ready')).toBeNull(); // no toast for a step
    docs = [{ ...docs[0], status: 'ready', progress: 100, chunks: 4 } as (typeof docs)[0]];
    act(() => FakeSocket.all[0].push('document.progress', { id: 'd1', name: 'prices.txt', status: 'ready', progress: 100, pages: 0, chunks: 4 }));
    expect(await screen.findByText('“prices.txt” is ready')).toBeInTheDocument();
    const ready = screen.getByRole('button', { name: 'prices.txt' }).closest('tr')!;
    expect(within(ready).getByText('Ready')).toBeInTheDocument();
    expect(within(ready).getByText('4')).toBeInTheDocument();
    expect(within(ready).queryByRole('progressbar')).toBeNull();
  });

  it('shows the reason of a failure and the actions on each document', async () => {
    stubFetch((url) =>
      url.startsWith('/api/kb/documents?')
        ? json(200, { items: [{ id: 'd9', name: 'scan.pdf', format: 'pdf', size: 10, status: 'failed', progress: 20, error: 'the PDF is encrypted', created_by: 'u1' }], total: 1, page: 1, per_page: 20, pages: 1 })
        : undefined,
    );
    wrap(<Training />, '/training');
    const row = (await screen.findByText('the PDF is encrypted')).closest('tr')!;
    expect(within(row).getByText('Failed')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Download scan.pdf' })).toHaveAttribute('href', '/api/kb/documents/d9/file');
    expect(screen.getByRole('button', { name: 'Re-index scan.pdf' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Delete scan.pdf' })).toBeInTheDocument();
  });

  it('uploads several files with a progress bar each, shows the server’s refusal in its words', async () => {
    let listed = 0;
    stubFetch((url) => {
      if (url.startsWith('/api/kb/documents?')) {
        listed++;
        return json(200, { items: [], total: 0, page: 1, per_page: 20, pages: 0 });
      }
      return undefined;
    });
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    FakeXhr.answer = (x) => {
      const f = x.body!.get('file') as File;
      return f.name === 'photo.png'
        ? { status: 415, body: { error: { code: 'unsupported', message: 'file: image/png is not PDF, DOCX, TXT or MD', request_id: 'r1' } } }
        : { status: 201, body: { id: 'd1', name: f.name, status: 'queued' } };
    };
    wrap(<Training />, '/training');
    await screen.findByText('No documents yet');
    const before = listed;
    await userEvent.selectOptions(screen.getByLabelText('Category for new files'), 'c2');
    const input = screen.getByLabelText('Choose files');
    await userEvent.upload(input, [new File(['hello world'], 'notes.txt', { type: 'text/plain' }), new File(['x'.repeat(40)], 'photo.png', { type: 'image/png' })], { applyAccept: false });
    expect(await screen.findByText('file: image/png is not PDF, DOCX, TXT or MD')).toBeInTheDocument();
    expect(await screen.findByText('Uploaded; processing below.')).toBeInTheDocument();
    expect(screen.getByText('Not a .pdf, .docx, .txt or .md name: sent anyway, the server checks the content.')).toBeInTheDocument();
    expect(FakeXhr.all).toHaveLength(2);
    expect(FakeXhr.all.map((x) => [x.method, x.url, x.body!.get('category_id')])).toEqual([['POST', '/api/kb/documents', 'c2'], ['POST', '/api/kb/documents', 'c2']]);
    expect(screen.getByRole('progressbar', { name: 'Upload of notes.txt' })).toHaveAttribute('aria-valuenow', '100');
    await waitFor(() => expect(listed).toBeGreaterThan(before)); // the list read again
  });

  it('does not send a file larger than the limit', async () => {
    stubFetch((url) => (url.startsWith('/api/kb/documents?') ? json(200, { items: [], total: 0 }) : undefined));
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    wrap(<Training />, '/training');
    await screen.findByText('No documents yet');
    const big = new File(['x'], 'huge.pdf', { type: 'application/pdf' });
    Object.defineProperty(big, 'size', { value: 60 * 1024 * 1024 });
    await userEvent.upload(screen.getByLabelText('Choose files'), big);
    expect(await screen.findByText('Larger than 50 MB: not sent.')).toBeInTheDocument();
    expect(FakeXhr.all).toHaveLength(0);
  });

  it('opens a document’s chunks with heading path and page', async () => {
    stubFetch((url) => {
      if (url.startsWith('/api/kb/documents?')) return json(200, { items: [], total: 0 });
      if (url === '/api/kb/documents/d1') return json(200, { id: 'd1', name: 'guide.md', status: 'ready' });
      if (url.startsWith('/api/kb/documents/d1/chunks')) return json(200, { items: [{ id: 'k1', seq: 0, text: 'Express delivery takes two days.', heading_path: 'Delivery > Express', page: 3, chars: 32 }], total: 1, page: 1, per_page: 20, pages: 1 });
      return undefined;
    });
    wrap(<Training />, '/training?doc=d1');
    const dialog = await screen.findByRole('dialog', { name: 'Chunks of “guide.md”' });
    expect(await within(dialog).findByText('Express delivery takes two days.')).toBeInTheDocument();
    expect(within(dialog).getByText('Delivery > Express')).toBeInTheDocument();
    expect(within(dialog).getByText('page 3')).toBeInTheDocument();
    expect(within(dialog).getByRole('link', { name: 'Download' })).toHaveAttribute('href', '/api/kb/documents/d1/file');
  });
});

describe('Test retrieval page', () => {
  it('sends the question with the chosen categories and mode, shows ranked passages with every score', async () => {
    const f = stubFetch((url) =>
      url === '/api/kb/retrieve'
        ? json(200, {
            mode: 'vector',
            model: 'hash-ngram-v1',
            took_ms: 12.6,
            items: [
              { chunk_id: 'k1', source_kind: 'document', source_id: 'd1', title: 'guide.md', heading_path: 'Delivery > Express', page: 2, text: 'We ship to Kazan in two days.', snippet: 'ship to <mark>Kazan</mark> <img src=x onerror=alert(1)>', score: 0.8123, vector_score: 0.8123, rank: 1 },
              { chunk_id: 'k2', source_kind: 'article', source_id: 'a1', title: 'Delivery terms', text: 'Kazan', snippet: '<mark>Kazan</mark>', score: 0.5, fulltext_rank: 0.25, fused_score: 0.031, rank: 2 },
            ],
          })
        : undefined,
    );
    wrap(<TestRetrieval />, '/test-retrieval');
    await userEvent.type(screen.getByLabelText('Question'), 'delivery to Kazan');
    await userEvent.click(await screen.findByLabelText('Express'));
    await userEvent.click(screen.getByLabelText('Vector'));
    await userEvent.clear(screen.getByLabelText('Passages (k)'));
    await userEvent.type(screen.getByLabelText('Passages (k)'), '3');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    const list = await screen.findByTestId('passages');
    const call = f.mock.calls.find((c) => c[0] === '/api/kb/retrieve')!;
    expect(call[1]!.method).toBe('POST');
    expect(JSON.parse(call[1]!.body as string)).toEqual({ q: 'delivery to Kazan', mode: 'vector', category_ids: ['c2'], k: 3 });
    expect(screen.getByText(/2 passages · 13 ms · Vector/)).toBeInTheDocument();
    expect(screen.getByText('hash-ngram-v1')).toBeInTheDocument();
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0].querySelector('mark')?.textContent).toBe('Kazan');
    expect(items[0].querySelector('img')).toBeNull();
    expect(within(items[0]).getByRole('link', { name: /guide\.md/ })).toHaveAttribute('href', '/training?doc=d1');
    expect(within(items[0]).getByRole('link', { name: 'Download' })).toHaveAttribute('href', '/api/kb/documents/d1/file');
    expect(within(items[0]).getByText('page 2')).toBeInTheDocument();
    expect(within(items[0]).getAllByText('0.812').length).toBeGreaterThan(0);
    expect(within(items[1]).getByRole('link', { name: /Delivery terms/ })).toHaveAttribute('href', '/knowledge-base/articles/a1');
    expect(within(items[1]).getByText('0.250')).toBeInTheDocument();
    expect(within(items[1]).getByText('0.031')).toBeInTheDocument();
  });

  it('puts the API’s message under the field it names, and says when nothing was found', async () => {
    let n = 0;
    stubFetch((url) => (url === '/api/kb/retrieve' ? (n++ === 0 ? json(400, { error: { code: 'invalid_argument', message: 'k: must be between 1 and 50' } }) : json(200, { items: [], mode: 'hybrid', took_ms: 1 })) : undefined));
    wrap(<TestRetrieval />, '/test-retrieval');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('This field is required')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Question'), 'anything');
    await userEvent.clear(screen.getByLabelText('Passages (k)'));
    await userEvent.type(screen.getByLabelText('Passages (k)'), '99');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    const err = await screen.findByText('must be between 1 and 50');
    expect(err.id).toBe('rt-k-error');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('Nothing found for “anything”')).toBeInTheDocument();
  });
});
