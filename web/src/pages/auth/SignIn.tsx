// The sign-in page: what a first visit shows, so it is in the entry chunk and kept light. It
// reads its two fields from the form itself instead of through react-hook-form (the other forms'
// library, ~9 KB gzipped that the page would otherwise load and run before it can be used).
import { FormEvent, useState } from 'react';
import type { UseFormSetError } from 'react-hook-form';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { applyApiError } from '../../lib/forms';
import type { SessionInfo } from '../../lib/types';
import { Alert, Button, Field, errorText } from '../../components/ui';
import { AuthLayout } from './AuthLayout';

interface Form { email: string; password: string }
const FIELDS = ['email', 'password'] as const;
type Errors = Partial<Record<keyof Form, string>>;

export function SignIn() {
  const { t } = useTranslation();
  const { setMe } = useAuth();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [formError, setFormError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [submitting, setSubmitting] = useState(false);

  const showErrors = (e: Errors) => {
    setErrors(e);
    const first = FIELDS.find((f) => e[f]);
    if (first) document.getElementById(first)?.focus();
  };
  // applyApiError puts a message the API gives for a field under that field.
  const setFieldError: UseFormSetError<Form> = (name, err) => showErrors({ [name]: err.message });

  const onSubmit = async (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget);
    const f: Form = { email: String(data.get('email') ?? ''), password: String(data.get('password') ?? '') };
    const missing: Errors = {};
    for (const k of FIELDS) if (!f[k]) missing[k] = t('validation.required');
    setFormError(null);
    showErrors(missing);
    if (Object.keys(missing).length) return;
    setSubmitting(true);
    try {
      const s = await api.post<SessionInfo>('/api/auth/login', f);
      setMe(s);
      const next = params.get('next');
      nav(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setFormError(t('auth.badCredentials'));
      else if (!applyApiError(e, setFieldError, FIELDS)) setFormError(errorText(t, e));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <AuthLayout
      title={t('auth.signInTitle')}
      subtitle={t('auth.signInSubtitle')}
      footer={<>{t('auth.noAccount')} <Link to="/register">{t('auth.signUpLink')}</Link></>}
    >
      <form onSubmit={onSubmit} noValidate className="form">
        {formError && <Alert>{formError}</Alert>}
        <Field id="email" label={t('fields.email')} error={errors.email}>
          <input id="email" name="email" type="email" autoComplete="email" aria-invalid={!!errors.email} />
        </Field>
        <Field id="password" label={<span className="row between">{t('fields.password')}<Link to="/forgot-password" className="small">{t('auth.forgotLink')}</Link></span>} error={errors.password}>
          <input id="password" name="password" type="password" autoComplete="current-password" aria-invalid={!!errors.password} />
        </Field>
        <Button type="submit" variant="primary" loading={submitting} className="block">{t('auth.signIn')}</Button>
      </form>
    </AuthLayout>
  );
}
