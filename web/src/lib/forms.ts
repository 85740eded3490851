// Server validation messages onto form fields: the API names the field ("email: not a valid
// address"), so the message goes under that input; anything else is a form-level message.
import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import { ApiError } from './api';
import i18n from './i18n';
import { localizeDetail } from './messages';

export function applyApiError<T extends FieldValues>(
  e: unknown,
  setError: UseFormSetError<T>,
  fields: readonly string[],
  alias: Record<string, string> = {},
): boolean {
  if (e instanceof ApiError && [400, 403, 409, 422].includes(e.status) && e.field) {
    const f = alias[e.field] ?? e.field;
    if (fields.includes(f)) {
      setError(f as Path<T>, { type: 'server', message: localizeDetail(e.detail, i18n.resolvedLanguage ?? 'en') }, { shouldFocus: true });
      return true;
    }
  }
  return false;
}
