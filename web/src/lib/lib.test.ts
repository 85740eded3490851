import { describe, expect, it } from 'vitest';
import { ApiError, parseFieldError } from './api';
import { sanitizeSnippet } from './sanitize';
import { backoffDelay } from './ws';
import { countCategories } from './progress';
import { describe as describeNotification } from './notifications';
import { localizeDetail } from './messages';
import en from '../locales/en';
import ru from '../locales/ru';

describe('parseFieldError', () => {
  it('finds the field the API names', () => {
    expect(parseFieldError('temperature: must be between 0 and 2')).toEqual({ field: 'temperature', path: 'temperature', message: 'must be between 0 and 2' });
    expect(parseFieldError('working_hours.intervals[1]: overlaps intervals[0]')?.field).toBe('working_hours');
    expect(parseFieldError('channels[1]: duplicate of channels[0]')?.path).toBe('channels[1]');
  });
  it('leaves plain messages alone', () => {
    expect(parseFieldError('not signed in')).toBeNull();
    expect(parseFieldError('Only owners: may do this')).toBeNull();
  });
  it('ApiError keeps status, code and the detail without the field', () => {
    const e = new ApiError(400, 'invalid_argument', 'name: must not be empty', 'r1');
    expect(e.field).toBe('name');
    expect(e.detail).toBe('must not be empty');
    expect(e.requestId).toBe('r1');
  });
});

describe('sanitizeSnippet', () => {
  it('keeps <mark> and nothing else', () => {
    const out = sanitizeSnippet('a <mark>match</mark> <img src=x onerror=alert(1)><script>x()</script><b>bold</b>');
    expect(out).toContain('<mark>match</mark>');
    expect(out).not.toMatch(/<img|<script|<b>|onerror/);
    expect(out).toContain('bold');
  });
  it('drops attributes of <mark>', () => {
    expect(sanitizeSnippet('<mark onclick="x()" style="color:red">m</mark>')).toBe('<mark>m</mark>');
  });
  it('keeps escaped text as text', () => {
    expect(sanitizeSnippet('1 &lt; 2 &amp;&amp; <mark>x</mark>')).toBe('1 &lt; 2 &amp;&amp; <mark>x</mark>');
  });
});

describe('backoffDelay', () => {
  it('doubles from 1 s to a 30 s ceiling, with ±25% jitter', () => {
    const mid = () => 0.5;
    expect(backoffDelay(0, mid)).toBe(1000);
    expect(backoffDelay(1, mid)).toBe(2000);
    expect(backoffDelay(4, mid)).toBe(16000);
    expect(backoffDelay(10, mid)).toBe(30000);
    expect(backoffDelay(0, () => 0)).toBe(750);
    expect(backoffDelay(0, () => 1)).toBe(1250);
  });
});

describe('countCategories', () => {
  it('counts every node of the tree', () => {
    expect(countCategories([{ id: 'a', name: 'A', children: [{ id: 'b', name: 'B', children: [{ id: 'c', name: 'C' }] }] }, { id: 'd', name: 'D' }])).toBe(4);
    expect(countCategories(undefined)).toBe(0);
  });
});

describe('notification text', () => {
  const t = (k: string, o?: Record<string, unknown>) => (o?.defaultValue as string) ?? k;
  it('uses title and message when the payload has them', () => {
    expect(describeNotification('lead', { title: 'New lead', message: 'Ivan' }, t)).toEqual({ title: 'New lead', text: 'Ivan' });
  });
  it('falls back to the kind', () => {
    expect(describeNotification('ingest_progress', { percent: 40 }, t).title).toBe('ingest progress');
  });
});

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
const base = (k: string) => k.replace(/_(one|few|many|other)$/, '');

describe('translations', () => {
  it('Russian and English have the same keys (plural forms aside)', () => {
    const e = new Set(keys(en).map(base));
    const r = new Set(keys(ru).map(base));
    expect([...e].filter((k) => !r.has(k))).toEqual([]);
    expect([...r].filter((k) => !e.has(k))).toEqual([]);
  });
  it('Russian plurals have one, few and many', () => {
    const r = keys(ru);
    for (const k of r.filter((x) => x.endsWith('_one'))) {
      const b = base(k);
      expect(r).toContain(`${b}_few`);
      expect(r).toContain(`${b}_many`);
    }
  });
});

describe('API messages in Russian', () => {
  it('translates the common validation messages, keeps others', () => {
    expect(localizeDetail('must be at least 8 characters', 'ru')).toBe('не короче 8 символов');
    expect(localizeDetail('must be between 0 and 2', 'ru')).toBe('должно быть от 0 до 2');
    expect(localizeDetail('is one of the most common passwords; choose a less guessable one', 'ru')).toMatch(/распространённый/);
    expect(localizeDetail('overlaps intervals[0]', 'ru')).toBe('overlaps intervals[0]');
    expect(localizeDetail('must be at least 8 characters', 'en')).toBe('must be at least 8 characters');
  });
});
