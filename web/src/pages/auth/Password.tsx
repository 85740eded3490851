import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { MailCheck } from 'lucide-react';
import { api, ApiError } from '../../lib/api';
import { applyApiError } from '../../lib/forms';
import { Alert, Button, Field, errorText } from '../../components/ui';
import { AuthLayout } from './AuthLayout';

export function ForgotPassword() {
  const { t } = useTranslation();
  const [sent, setSent] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<{ email: string }>();
  return (
    <AuthLayout title={t('auth.forgotTitle')} subtitle={t('auth.forgotSubtitle')} footer={<Link to="/login">{t('auth.backToSignIn')}</Link>}>
      {sent ? (
        <div className="success-box" role="status">
          <MailCheck size={28} />
          <p>{t('auth.forgotSent', { email: sent })}</p>
        </div>
      ) : (
        <form
          className="form"
          noValidate
          onSubmit={handleSubmit(async (f) => {
            setFormError(null);
            try {
              await api.post('/api/auth/password/forgot', f);
              setSent(f.email);
            } catch (e) {
              if (!applyApiError(e, setError, ['email'])) setFormError(errorText(t, e));
            }
          })}
        >
          {formError && <Alert>{formError}</Alert>}
          <Field id="email" label={t('fields.email')} error={errors.email?.message}>
            <input id="email" type="email" autoComplete="email" aria-invalid={!!errors.email} {...register('email', { required: t('validation.required') })} />
          </Field>
          <Button type="submit" variant="primary" loading={isSubmitting} className="block">{t('auth.sendLink')}</Button>
        </form>
      )}
    </AuthLayout>
  );
}

export function ResetPassword() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [done, setDone] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, getValues, formState: { errors, isSubmitting } } = useForm<{ password: string; confirm: string }>();
  return (
    <AuthLayout title={t('auth.resetTitle')} subtitle={t('auth.resetSubtitle')} footer={<Link to="/login">{t('auth.backToSignIn')}</Link>}>
      {!token ? (
        <Alert>{t('auth.linkInvalid')}</Alert>
      ) : done ? (
        <div className="success-box" role="status">
          <p>{t('auth.resetDone')}</p>
          <Link className="btn btn-primary btn-md" to="/login">{t('auth.signIn')}</Link>
        </div>
      ) : (
        <form
          className="form"
          noValidate
          onSubmit={handleSubmit(async (f) => {
            setFormError(null);
            try {
              await api.post('/api/auth/password/reset', { token, password: f.password });
              setDone(true);
            } catch (e) {
              if (e instanceof ApiError && (e.status === 404 || e.status === 410 || e.field === 'token')) setFormError(t('auth.linkInvalid'));
              else if (!applyApiError(e, setError, ['password'])) setFormError(errorText(t, e));
            }
          })}
        >
          {formError && <Alert>{formError}</Alert>}
          <Field id="password" label={t('fields.newPassword')} error={errors.password?.message} hint={t('auth.passwordHint')}>
            <input id="password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...register('password', { required: t('validation.required') })} />
          </Field>
          <Field id="confirm" label={t('fields.confirmPassword')} error={errors.confirm?.message}>
            <input
              id="confirm"
              type="password"
              autoComplete="new-password"
              aria-invalid={!!errors.confirm}
              {...register('confirm', { validate: (v) => v === getValues('password') || t('validation.mismatch') })}
            />
          </Field>
          <Button type="submit" variant="primary" loading={isSubmitting} className="block">{t('auth.setPassword')}</Button>
        </form>
      )}
    </AuthLayout>
  );
}
