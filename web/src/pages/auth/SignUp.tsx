import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { applyApiError } from '../../lib/forms';
import { currentLang } from '../../lib/i18n';
import type { SessionInfo } from '../../lib/types';
import { Alert, Button, Field, errorText } from '../../components/ui';
import { AuthLayout } from './AuthLayout';

interface Form { name: string; email: string; password: string; org_name: string }

export function SignUp() {
  const { t } = useTranslation();
  const { setMe } = useAuth();
  const nav = useNavigate();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<Form>();

  const onSubmit = async (f: Form) => {
    setFormError(null);
    try {
      const s = await api.post<SessionInfo>('/api/auth/register', { ...f, language: currentLang() });
      setMe(s);
      nav('/onboarding', { replace: true });
    } catch (e) {
      if (!applyApiError(e, setError, ['name', 'email', 'password', 'org_name'])) setFormError(errorText(t, e));
    }
  };
  const req = { required: t('validation.required') };

  return (
    <AuthLayout title={t('auth.signUpTitle')} subtitle={t('auth.signUpSubtitle')} footer={<>{t('auth.haveAccount')} <Link to="/login">{t('auth.signInLink')}</Link></>}>
      <form onSubmit={handleSubmit(onSubmit)} noValidate className="form">
        {formError && <Alert>{formError}</Alert>}
        <Field id="name" label={t('fields.yourName')} error={errors.name?.message}>
          <input id="name" autoComplete="name" aria-invalid={!!errors.name} {...register('name', req)} />
        </Field>
        <Field id="email" label={t('fields.workEmail')} error={errors.email?.message}>
          <input id="email" type="email" autoComplete="email" aria-invalid={!!errors.email} {...register('email', req)} />
        </Field>
        <Field id="password" label={t('fields.password')} error={errors.password?.message} hint={t('auth.passwordHint')}>
          <input id="password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} {...register('password', req)} />
        </Field>
        <Field id="org_name" label={t('fields.orgName')} error={errors.org_name?.message} hint={t('auth.orgHint')}>
          <input id="org_name" autoComplete="organization" aria-invalid={!!errors.org_name} {...register('org_name', req)} />
        </Field>
        <Button type="submit" variant="primary" loading={isSubmitting} className="block">{t('auth.createAccount')}</Button>
      </form>
    </AuthLayout>
  );
}
