// Search snippets come from the API with matches in <mark>...</mark>; everything else in them is
// article text and must show as text. Only <mark> survives, without attributes.
import DOMPurify from 'dompurify';

export function sanitizeSnippet(html: string): string {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS: ['mark'], ALLOWED_ATTR: [] });
}
