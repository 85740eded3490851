import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { applyApiError } from '../../lib/forms';
import { LANGUAGES } from '../../lib/i18n';
import type { SessionInfo } from '../../lib/types';
import { Alert, Button, Field, PageHeader, errorText } from '../../components/ui';

export function Profile() {
  const { t } = useTranslation();
  return (
    <div className="page page-narrow">
      <PageHeader title={t('profile.title')} subtitle={t('profile.subtitle')} />
      <ProfileForm />
      <LanguageCard />
      <PasswordForm />
    </div>
  );
}

function ProfileForm() {
  const { t } = useTranslation();
  const { me, setMe } = useAuth();
  const toast = useToast();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, reset, formState: { errors, isSubmitting, isDirty } } = useForm<{ name: string }>({ defaultValues: { name: me?.user.name ?? '' } });
  return (
    <section className="card form-section">
      <h2>{t('profile.details')}</h2>
      <form
        className="form"
        noValidate
        onSubmit={handleSubmit(async (f) => {
          setErr(null);
          try {
            const s = await api.patch<SessionInfo>('/api/auth/me', { name: f.name });
            setMe(s);
            reset({ name: s.user.name ?? f.name });
            toast('success', t('profile.saved'));
          } catch (e) {
            if (!applyApiError(e, setError, ['name'])) setErr(errorText(t, e));
          }
        })}
      >
        {err && <Alert>{err}</Alert>}
        <Field id="profile-name" label={t('fields.yourName')} error={errors.name?.message}>
          <input id="profile-name" autoComplete="name" aria-invalid={!!errors.name} {...register('name', { required: t('validation.required') })} />
        </Field>
        <Field id="profile-email" label={t('fields.email')}>
          <input id="profile-email" value={me?.user.email ?? ''} readOnly disabled />
        </Field>
        <div className="row end"><Button type="submit" variant="primary" loading={isSubmitting} disabled={!isDirty}>{t('common.save')}</Button></div>
      </form>
    </section>
  );
}

function LanguageCard() {
  const { t, i18n } = useTranslation();
  const { setLanguage } = useAuth();
  const cur = (i18n.resolvedLanguage ?? 'en').slice(0, 2);
  return (
    <section className="card form-section">
      <h2>{t('profile.language')}</h2>
      <div className="field">
        <label htmlFor="profile-language">{t('profile.interfaceLanguage')}</label>
        <select id="profile-language" value={cur} onChange={(e) => void setLanguage(e.target.value as 'ru' | 'en')}>
          {LANGUAGES.map((l) => <option key={l.code} value={l.code}>{l.label}</option>)}
        </select>
        <p className="field-hint">{t('profile.languageHint')}</p>
      </div>
    </section>
  );
}

function PasswordForm() {
  const { t } = useTranslation();
  const toast = useToast();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, reset, getValues, formState: { errors, isSubmitting } } = useForm<{ current_password: string; new_password: string; confirm: string }>();
  return (
    <section className="card form-section">
      <h2>{t('profile.password')}</h2>
      <form
        className="form"
        noValidate
        onSubmit={handleSubmit(async (f) => {
          setErr(null);
          try {
            await api.post('/api/auth/password/change', { current_password: f.current_password, new_password: f.new_password });
            reset();
            toast('success', t('profile.passwordChanged'));
          } catch (e) {
            if (e instanceof ApiError && e.status === 401 && !e.field) setError('current_password', { message: t('profile.wrongPassword') });
            else if (!applyApiError(e, setError, ['current_password', 'new_password'])) setErr(errorText(t, e));
          }
        })}
      >
        {err && <Alert>{err}</Alert>}
        <Field id="current_password" label={t('fields.currentPassword')} error={errors.current_password?.message}>
          <input id="current_password" type="password" autoComplete="current-password" aria-invalid={!!errors.current_password} {...register('current_password', { required: t('validation.required') })} />
        </Field>
        <div className="grid-2">
          <Field id="new_password" label={t('fields.newPassword')} error={errors.new_password?.message} hint={t('auth.passwordHint')}>
            <input id="new_password" type="password" autoComplete="new-password" aria-invalid={!!errors.new_password} {...register('new_password', { required: t('validation.required') })} />
          </Field>
          <Field id="confirm_password" label={t('fields.confirmPassword')} error={errors.confirm?.message}>
            <input id="confirm_password" type="password" autoComplete="new-password" aria-invalid={!!errors.confirm} {...register('confirm', { validate: (v) => v === getValues('new_password') || t('validation.mismatch') })} />
          </Field>
        </div>
        <div className="row end"><Button type="submit" variant="primary" loading={isSubmitting}>{t('profile.changePassword')}</Button></div>
      </form>
    </section>
  );
}
