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

interface Form { name: string; password: string }

export function AcceptInvite() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { setMe } = useAuth();
  const nav = useNavigate();
  const [existing, setExisting] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<Form>();

  const onSubmit = async (f: Form) => {
    setFormError(null);
    try {
      const s = await api.post<SessionInfo>('/api/auth/invites/accept', existing ? { token, password: f.password } : { token, ...f });
      setMe(s);
      nav('/', { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setFormError(t('auth.badPassword'));
      else if (e instanceof ApiError && (e.status === 404 || e.status === 410 || e.field === 'token')) setFormError(t('auth.inviteInvalid'));
      else if (!applyApiError(e, setError, ['name', 'password'])) setFormError(errorText(t, e));
    }
  };

  return (
    <AuthLayout title={t('auth.acceptTitle')} subtitle={t('auth.acceptSubtitle')} footer={<Link to="/login">{t('auth.backToSignIn')}</Link>}>
      {!token ? (
        <Alert>{t('auth.inviteInvalid')}</Alert>
      ) : (
        <form onSubmit={handleSubmit(onSubmit)} noValidate className="form">
          <div className="segmented" role="radiogroup" aria-label={t('auth.acceptMode')}>
            <button type="button" role="radio" aria-checked={!existing} className={!existing ? 'active' : ''} onClick={() => setExisting(false)}>{t('auth.newAccount')}</button>
            <button type="button" role="radio" aria-checked={existing} className={existing ? 'active' : ''} onClick={() => setExisting(true)}>{t('auth.existingAccount')}</button>
          </div>
          {formError && <Alert>{formError}</Alert>}
          {!existing && (
            <Field id="name" label={t('fields.yourName')} error={errors.name?.message}>
              <input id="name" autoComplete="name" aria-invalid={!!errors.name} {...register('name', { required: !existing && t('validation.required') })} />
            </Field>
          )}
          <Field id="password" label={existing ? t('fields.yourPassword') : t('fields.choosePassword')} error={errors.password?.message} hint={existing ? undefined : t('auth.passwordHint')}>
            <input id="password" type="password" autoComplete={existing ? 'current-password' : 'new-password'} aria-invalid={!!errors.password} {...register('password', { required: t('validation.required') })} />
          </Field>
          <Button type="submit" variant="primary" loading={isSubmitting} className="block">{t('auth.acceptButton')}</Button>
        </form>
      )}
    </AuthLayout>
  );
}
