import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { applyApiError } from '../../lib/forms';
import type { SessionInfo } from '../../lib/types';
import { Alert, Button, Field, errorText } from '../../components/ui';
import { AuthLayout } from './AuthLayout';

interface Form { email: string; password: string }

export function SignIn() {
  const { t } = useTranslation();
  const { setMe } = useAuth();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<Form>();

  const onSubmit = async (f: Form) => {
    setFormError(null);
    try {
      const s = await api.post<SessionInfo>('/api/auth/login', f);
      setMe(s);
      const next = params.get('next');
      nav(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setFormError(t('auth.badCredentials'));
      else if (!applyApiError(e, setError, ['email', 'password'])) setFormError(errorText(t, e));
    }
  };

  return (
    <AuthLayout
      title={t('auth.signInTitle')}
      subtitle={t('auth.signInSubtitle')}
      footer={<>{t('auth.noAccount')} <Link to="/register">{t('auth.signUpLink')}</Link></>}
    >
      <form onSubmit={handleSubmit(onSubmit)} noValidate className="form">
        {formError && <Alert>{formError}</Alert>}
        <Field id="email" label={t('fields.email')} error={errors.email?.message}>
          <input id="email" type="email" autoComplete="email" aria-invalid={!!errors.email} {...register('email', { required: t('validation.required') })} />
        </Field>
        <Field id="password" label={<span className="row between">{t('fields.password')}<Link to="/forgot-password" className="small">{t('auth.forgotLink')}</Link></span>} error={errors.password?.message}>
          <input id="password" type="password" autoComplete="current-password" aria-invalid={!!errors.password} {...register('password', { required: t('validation.required') })} />
        </Field>
        <Button type="submit" variant="primary" loading={isSubmitting} className="block">{t('auth.signIn')}</Button>
      </form>
    </AuthLayout>
  );
}
