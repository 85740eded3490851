// The one HTTP client of the console: JSON in and out, the session cookie, and the edge's error
// shape {"error":{"code","message","request_id"}} turned into an ApiError that knows which form
// field the message names ("temperature: must be between 0 and 2").

export class ApiError extends Error {
  status: number;
  code: string;
  requestId?: string;
  field?: string;
  detail: string;

  constructor(status: number, code: string, message: string, requestId?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    const f = parseFieldError(message);
    this.field = f?.field;
    this.detail = f ? f.message : message;
  }
}

/** "working_hours.intervals[1]: overlaps intervals[0]" -> field "working_hours", message. */
export function parseFieldError(message: string): { field: string; path: string; message: string } | null {
  const m = /^([a-z_][a-z0-9_]*)((?:\.[a-z_][a-z0-9_]*|\[\d+\])*): (.+)$/s.exec(message);
  if (!m) return null;
  return { field: m[1], path: m[1] + m[2], message: m[3] };
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

let onUnauthorized: (() => void) | null = null;
/** Called when a signed-in request answers 401 (the session ended elsewhere). */
export function setUnauthorizedHandler(fn: (() => void) | null) {
  onUnauthorized = fn;
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  let res: Response;
  try {
    res = await fetch(withQuery(path, query), {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'network error');
  }
  if (res.status === 204) return undefined as T;
  return readAnswer<T>(res.status, await res.text(), res.statusText, path);
}

/**
 * An answer's body as JSON, or the ApiError its status and error body say (also used by the
 * XMLHttpRequest uploads, src/lib/upload.ts).
 */
export function readAnswer<T>(status: number, text: string, statusText: string, path: string): T {
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (status < 200 || status > 299) {
    const e = (data as { error?: { code?: string; message?: string; request_id?: string } } | undefined)?.error;
    if (status === 401 && onUnauthorized && !path.startsWith('/api/auth/login')) onUnauthorized();
    throw new ApiError(status, e?.code ?? 'http_' + status, e?.message ?? statusText, e?.request_id);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T = void>(path: string, query?: Query) => request<T>('DELETE', path, undefined, query),
};
