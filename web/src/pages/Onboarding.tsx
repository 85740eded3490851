// The first-run stepper: organisation, first agent, first knowledge, CRM (comes later). Each
// step's completion is read from the data, so leaving and coming back resumes where it stopped.
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Bot, BookOpen, Building2, Check, Plug, Sparkles } from 'lucide-react';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { applyApiError } from '../lib/forms';
import { loadProgress, Progress, setSkipped } from '../lib/progress';
import type { Agent, Category } from '../lib/types';
import { Alert, Button, ErrorState, Field, Spinner, errorText, usePageTitle } from '../components/ui';
import { Logo } from '../components/Logo';
import { LanguageSwitch } from '../components/LanguageSwitch';

const STEPS = ['org', 'agent', 'knowledge', 'crm'] as const;
type Step = (typeof STEPS)[number];

export function Onboarding() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const nav = useNavigate();
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [step, setStep] = useState<Step>('org');
  usePageTitle(t(`onboarding.${step}.title`));

  const reload = async (advance = false) => {
    try {
      const p = await loadProgress();
      setProgress(p);
      if (advance) setStep(p.agents === 0 ? 'agent' : p.categories === 0 || p.articles === 0 ? 'knowledge' : 'crm');
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    void reload(false);
  }, []);

  const done: Record<Step, boolean> = {
    org: true,
    agent: (progress?.agents ?? 0) > 0,
    knowledge: (progress?.categories ?? 0) > 0 && (progress?.articles ?? 0) > 0,
    crm: false,
  };
  const skip = () => {
    if (me) setSkipped(me.organization.id, true);
    nav('/');
  };
  const finish = () => {
    if (me) setSkipped(me.organization.id, false);
    nav('/');
  };
  const icons = { org: <Building2 size={18} />, agent: <Bot size={18} />, knowledge: <BookOpen size={18} />, crm: <Plug size={18} /> };

  return (
    <div className="onboarding">
      <header className="onb-top">
        <Logo />
        <span className="grow" />
        <LanguageSwitch compact />
        <Button variant="ghost" onClick={skip}>{t('onboarding.skip')}</Button>
      </header>
      <div className="onb-body">
        <ol className="stepper" aria-label={t('onboarding.steps')}>
          {STEPS.map((s, i) => (
            <li key={s} className={`${s === step ? 'current' : ''} ${done[s] ? 'done' : ''}`}>
              <button type="button" onClick={() => setStep(s)} aria-current={s === step ? 'step' : undefined}>
                <span className="step-dot">{done[s] ? <Check size={16} /> : i + 1}</span>
                <span className="step-text">
                  <strong>{t(`onboarding.${s}.title`)}</strong>
                  <span className="muted small">{t(`onboarding.${s}.short`)}</span>
                </span>
              </button>
            </li>
          ))}
        </ol>
        <section className="onb-card card" aria-live="polite">
          {error ? (
            <ErrorState error={error} onRetry={() => { setError(null); void reload(); }} />
          ) : !progress ? (
            <Spinner />
          ) : (
            <>
              <div className="onb-head">
                <span className="onb-icon">{icons[step]}</span>
                <div>
                  <p className="eyebrow">{t('onboarding.stepOf', { n: STEPS.indexOf(step) + 1, total: STEPS.length })}</p>
                  <h1>{t(`onboarding.${step}.title`)}</h1>
                  <p className="muted">{t(`onboarding.${step}.text`)}</p>
                </div>
              </div>
              {step === 'org' && <OrgStep onNext={() => setStep(done.agent ? (done.knowledge ? 'crm' : 'knowledge') : 'agent')} />}
              {step === 'agent' && <AgentStep progress={progress} onDone={() => reload(true)} onNext={() => setStep('knowledge')} />}
              {step === 'knowledge' && <KnowledgeStep progress={progress} onDone={() => reload(true)} onNext={() => setStep('crm')} />}
              {step === 'crm' && (
                <div className="stack">
                  <div className="coming-soon">
                    <Sparkles size={20} />
                    <div>
                      <strong>{t('onboarding.crm.soonTitle')}</strong>
                      <p className="muted">{t('onboarding.crm.soonText')}</p>
                    </div>
                  </div>
                  <div className="row end gap">
                    <Button variant="primary" onClick={finish}>{t('onboarding.finish')}</Button>
                  </div>
                </div>
              )}
            </>
          )}
        </section>
      </div>
    </div>
  );
}

function OrgStep({ onNext }: { onNext: () => void }) {
  const { t } = useTranslation();
  const { me, setMe } = useAuth();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<{ name: string }>({ defaultValues: { name: me?.organization.name ?? '' } });
  return (
    <form
      className="form"
      noValidate
      onSubmit={handleSubmit(async (f) => {
        setErr(null);
        try {
          if (me && f.name.trim() !== me.organization.name) {
            const org = await api.patch<{ id: string; name: string }>('/api/org', { name: f.name });
            setMe({ ...me, organization: { ...me.organization, name: org.name } });
          }
          onNext();
        } catch (e) {
          if (!applyApiError(e, setError, ['name'])) setErr(errorText(t, e));
        }
      })}
    >
      {err && <Alert>{err}</Alert>}
      <Field id="org-name" label={t('fields.orgName')} error={errors.name?.message}>
        <input id="org-name" aria-invalid={!!errors.name} disabled={me?.role === 'member'} {...register('name', { required: t('validation.required') })} />
      </Field>
      <div className="row end gap">
        <Button type="submit" variant="primary" loading={isSubmitting}>{t('onboarding.continue')}</Button>
      </div>
    </form>
  );
}

function AgentStep({ progress, onDone, onNext }: { progress: Progress; onDone: () => Promise<void>; onNext: () => void }) {
  const { t } = useTranslation();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<{ name: string; description: string; instructions: string }>({
    defaultValues: { name: '', description: '', instructions: t('onboarding.agent.defaultInstructions') },
  });
  if (progress.agents > 0)
    return (
      <div className="stack">
        <Alert kind="success">{t('onboarding.agent.doneText', { name: progress.firstAgent?.name ?? '' })}</Alert>
        <div className="row end gap"><Button variant="primary" onClick={onNext}>{t('onboarding.continue')}</Button></div>
      </div>
    );
  return (
    <form
      className="form"
      noValidate
      onSubmit={handleSubmit(async (f) => {
        setErr(null);
        try {
          await api.post<Agent>('/api/agents', f);
          await onDone();
        } catch (e) {
          if (!applyApiError(e, setError, ['name', 'description', 'instructions'])) setErr(errorText(t, e));
        }
      })}
    >
      {err && <Alert>{err}</Alert>}
      <Field id="agent-name" label={t('agents.fields.name')} error={errors.name?.message}>
        <input id="agent-name" placeholder={t('onboarding.agent.namePlaceholder')} aria-invalid={!!errors.name} {...register('name', { required: t('validation.required') })} />
      </Field>
      <Field id="agent-description" label={t('agents.fields.description')} error={errors.description?.message}>
        <input id="agent-description" {...register('description')} />
      </Field>
      <Field id="agent-instructions" label={t('agents.fields.instructions')} error={errors.instructions?.message}>
        <textarea id="agent-instructions" rows={5} {...register('instructions')} />
      </Field>
      <div className="row end gap">
        <Button type="submit" variant="primary" loading={isSubmitting}>{t('onboarding.agent.create')}</Button>
      </div>
    </form>
  );
}

function KnowledgeStep({ progress, onDone, onNext }: { progress: Progress; onDone: () => Promise<void>; onNext: () => void }) {
  const { t } = useTranslation();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<{ category: string; title: string; body: string }>({
    defaultValues: { category: '', title: '', body: '' },
  });
  if (progress.categories > 0 && progress.articles > 0)
    return (
      <div className="stack">
        <Alert kind="success">{t('onboarding.knowledge.doneText', { categories: progress.categories, articles: progress.articles })}</Alert>
        <div className="row end gap"><Button variant="primary" onClick={onNext}>{t('onboarding.continue')}</Button></div>
      </div>
    );
  return (
    <form
      className="form"
      noValidate
      onSubmit={handleSubmit(async (f) => {
        setErr(null);
        let cat: Category | undefined;
        try {
          const tree = await api.get<{ items?: Category[] }>('/api/kb/categories');
          cat = tree.items?.find((c) => c.name === f.category.trim()) ?? (await api.post<Category>('/api/kb/categories', { name: f.category }));
        } catch (e) {
          if (!applyApiError(e, setError, ['category'], { name: 'category' })) setErr(errorText(t, e));
          return;
        }
        try {
          await api.post('/api/kb/articles', { title: f.title, body: f.body, category_id: cat.id });
          await onDone();
        } catch (e) {
          if (!applyApiError(e, setError, ['title', 'body'])) setErr(errorText(t, e));
        }
      })}
    >
      {err && <Alert>{err}</Alert>}
      <Field id="kb-category" label={t('kb.categoryName')} error={errors.category?.message}>
        <input id="kb-category" placeholder={t('onboarding.knowledge.categoryPlaceholder')} aria-invalid={!!errors.category} {...register('category', { required: t('validation.required') })} />
      </Field>
      <Field id="kb-title" label={t('kb.fields.title')} error={errors.title?.message}>
        <input id="kb-title" placeholder={t('onboarding.knowledge.titlePlaceholder')} aria-invalid={!!errors.title} {...register('title', { required: t('validation.required') })} />
      </Field>
      <Field id="kb-body" label={t('kb.fields.body')} error={errors.body?.message} hint={t('kb.markdownHint')}>
        <textarea id="kb-body" rows={6} {...register('body')} />
      </Field>
      <div className="row end gap">
        <Button type="submit" variant="primary" loading={isSubmitting}>{t('onboarding.knowledge.create')}</Button>
      </div>
    </form>
  );
}
