// Every setting of the agents API, with the API's own validation messages under each field.
import { useState } from 'react';
import { useFieldArray, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Clock, Plus, Trash2 } from 'lucide-react';
import { applyApiError } from '../../lib/forms';
import { errorText, Alert, Button, Field, useLoad } from '../../components/ui';
import { api } from '../../lib/api';
import { CHANNELS, type Agent, type AgentLanguage, type Category, type Channel } from '../../lib/types';

export interface AgentFormValues {
  name: string;
  description: string;
  status: 'active' | 'paused';
  model: string;
  instructions: string;
  temperature: number;
  max_tokens: number;
  response_delay_seconds: number;
  channels: Channel[];
  language: AgentLanguage;
  kb_category_ids: string[];
  hours_enabled: boolean;
  timezone: string;
  intervals: { day: number; start: string; end: string }[];
}

export const MODELS = ['openai/gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude-3.5-sonnet', 'anthropic/claude-3-haiku', 'google/gemini-flash-1.5', 'meta-llama/llama-3.1-70b-instruct', 'mistralai/mistral-large'];

export function toForm(a?: Agent): AgentFormValues {
  return {
    name: a?.name ?? '',
    description: a?.description ?? '',
    status: a?.status ?? 'active',
    model: a?.model ?? 'openai/gpt-4o-mini',
    instructions: a?.instructions ?? '',
    temperature: a?.temperature ?? 0.7,
    max_tokens: a?.max_tokens ?? 1024,
    response_delay_seconds: a?.response_delay_seconds ?? 0,
    channels: a?.channels ?? [],
    language: a?.language ?? 'auto',
    kb_category_ids: a?.kb_category_ids ?? [],
    hours_enabled: !!a?.working_hours?.intervals?.length,
    timezone: a?.working_hours?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'Europe/Moscow',
    intervals: a?.working_hours?.intervals?.map((i) => ({ day: i.day ?? 0, start: i.start, end: i.end })) ?? [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '18:00' })),
  };
}

/** The request body: everything for create; for update, lists left empty are cleared. */
export function toBody(f: AgentFormValues, update: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: f.name,
    description: f.description,
    status: f.status,
    model: f.model,
    instructions: f.instructions,
    temperature: Number(f.temperature),
    max_tokens: Number(f.max_tokens),
    response_delay_seconds: Number(f.response_delay_seconds),
    language: f.language,
  };
  const clear: string[] = [];
  const list = (k: string, v: unknown[]) => {
    if (v.length) body[k] = v;
    else if (update) clear.push(k);
  };
  list('channels', f.channels);
  list('kb_category_ids', f.kb_category_ids);
  if (f.hours_enabled && f.intervals.length) body.working_hours = { timezone: f.timezone, intervals: f.intervals.map((i) => ({ day: Number(i.day), start: i.start, end: i.end })) };
  else if (update) clear.push('working_hours');
  if (clear.length) body.clear = clear;
  return body;
}

const FIELDS = ['name', 'description', 'status', 'model', 'instructions', 'temperature', 'max_tokens', 'response_delay_seconds', 'channels', 'language', 'kb_category_ids', 'working_hours'] as const;

function flatten(cats: Category[] | undefined, depth = 0): { c: Category; depth: number }[] {
  return (cats ?? []).flatMap((c) => [{ c, depth }, ...flatten(c.children, depth + 1)]);
}

export function AgentForm({ agent, onSubmit, readOnly }: { agent?: Agent; onSubmit: (body: Record<string, unknown>) => Promise<void>; readOnly?: boolean }) {
  const { t } = useTranslation();
  const [formError, setFormError] = useState<string | null>(null);
  const cats = useLoad(() => api.get<{ items?: Category[] }>('/api/kb/categories'), []);
  const { register, handleSubmit, control, watch, setError, formState: { errors, isSubmitting, isDirty } } = useForm<AgentFormValues & { working_hours?: string }>({
    defaultValues: toForm(agent),
  });
  const intervals = useFieldArray({ control, name: 'intervals' });
  const hoursOn = watch('hours_enabled');
  const temperature = watch('temperature');
  const days = t('agents.days', { returnObjects: true }) as string[];

  const submit = handleSubmit(async (f) => {
    setFormError(null);
    try {
      await onSubmit(toBody(f, !!agent));
    } catch (e) {
      if (!applyApiError(e, setError, FIELDS)) setFormError(errorText(t, e));
    }
  });

  return (
    <form className="form agent-form" onSubmit={submit} noValidate>
      {formError && <Alert>{formError}</Alert>}
      <fieldset disabled={readOnly} className="plain">
        <section className="form-section card">
          <h2>{t('agents.sections.basics')}</h2>
          <div className="grid-2">
            <Field id="name" label={t('agents.fields.name')} error={errors.name?.message}>
              <input id="name" aria-invalid={!!errors.name} {...register('name', { required: t('validation.required') })} />
            </Field>
            <Field id="status" label={t('agents.fields.status')} error={errors.status?.message}>
              <select id="status" {...register('status')}>
                <option value="active">{t('agents.status.active')}</option>
                <option value="paused">{t('agents.status.paused')}</option>
              </select>
            </Field>
          </div>
          <Field id="description" label={t('agents.fields.description')} error={errors.description?.message}>
            <textarea id="description" rows={2} {...register('description')} />
          </Field>
          <Field id="instructions" label={t('agents.fields.instructions')} error={errors.instructions?.message} hint={t('agents.hints.instructions')}>
            <textarea id="instructions" rows={8} className="mono" {...register('instructions')} />
          </Field>
        </section>

        <section className="form-section card">
          <h2>{t('agents.sections.model')}</h2>
          <div className="grid-2">
            <Field id="model" label={t('agents.fields.model')} error={errors.model?.message} hint={t('agents.hints.model')}>
              <input id="model" list="models" aria-invalid={!!errors.model} {...register('model')} />
              <datalist id="models">{MODELS.map((m) => <option key={m} value={m} />)}</datalist>
            </Field>
            <Field id="language" label={t('agents.fields.language')} error={errors.language?.message}>
              <select id="language" {...register('language')}>
                <option value="auto">{t('agents.languages.auto')}</option>
                <option value="ru">{t('agents.languages.ru')}</option>
                <option value="en">{t('agents.languages.en')}</option>
              </select>
            </Field>
          </div>
          <div className="grid-3">
            <Field id="temperature" label={`${t('agents.fields.temperature')}: ${Number(temperature).toFixed(2)}`} error={errors.temperature?.message} hint={t('agents.hints.temperature')}>
              <input id="temperature" type="number" step="0.05" aria-invalid={!!errors.temperature} {...register('temperature', { valueAsNumber: true })} />
            </Field>
            <Field id="max_tokens" label={t('agents.fields.max_tokens')} error={errors.max_tokens?.message} hint={t('agents.hints.max_tokens')}>
              <input id="max_tokens" type="number" aria-invalid={!!errors.max_tokens} {...register('max_tokens', { valueAsNumber: true })} />
            </Field>
            <Field id="response_delay_seconds" label={t('agents.fields.response_delay_seconds')} error={errors.response_delay_seconds?.message} hint={t('agents.hints.delay')}>
              <input id="response_delay_seconds" type="number" aria-invalid={!!errors.response_delay_seconds} {...register('response_delay_seconds', { valueAsNumber: true })} />
            </Field>
          </div>
        </section>

        <section className="form-section card">
          <h2>{t('agents.fields.channels')}</h2>
          <div className={`check-grid ${errors.channels ? 'has-error' : ''}`} role="group" aria-label={t('agents.fields.channels')}>
            {CHANNELS.map((c) => (
              <label key={c} className="check-card">
                <input type="checkbox" value={c} {...register('channels')} />
                <span>{t(`channels.${c}`)}</span>
              </label>
            ))}
          </div>
          {errors.channels?.message && <p className="field-error" role="alert">{errors.channels.message}</p>}
        </section>

        <section className="form-section card">
          <h2>{t('agents.fields.kb_category_ids')}</h2>
          <p className="muted small">{t('agents.hints.kb')}</p>
          {cats.loading ? (
            <p className="muted small">{t('common.loading')}</p>
          ) : !cats.data?.items?.length ? (
            <p className="muted small">{t('agents.noCategories')}</p>
          ) : (
            <div className="check-list" role="group" aria-label={t('agents.fields.kb_category_ids')}>
              {flatten(cats.data.items).map(({ c, depth }) => (
                <label key={c.id} style={{ paddingLeft: 8 + depth * 18 }}>
                  <input type="checkbox" value={c.id} {...register('kb_category_ids')} /> {c.name}
                </label>
              ))}
            </div>
          )}
          {errors.kb_category_ids?.message && <p className="field-error" role="alert">{errors.kb_category_ids.message}</p>}
        </section>

        <section className="form-section card">
          <div className="row between">
            <h2><Clock size={18} aria-hidden /> {t('agents.fields.working_hours')}</h2>
            <label className="switch">
              <input type="checkbox" {...register('hours_enabled')} />
              <span>{hoursOn ? t('agents.hoursOn') : t('agents.hoursOff')}</span>
            </label>
          </div>
          {hoursOn && (
            <>
              <Field id="timezone" label={t('agents.fields.timezone')}>
                <input id="timezone" {...register('timezone')} placeholder="Europe/Moscow" />
              </Field>
              <div className="intervals">
                {intervals.fields.map((f, i) => (
                  <div className="interval" key={f.id}>
                    <select aria-label={t('agents.day')} {...register(`intervals.${i}.day` as const, { valueAsNumber: true })}>
                      {days.map((d, n) => <option key={n} value={n}>{d}</option>)}
                    </select>
                    <input type="time" aria-label={t('agents.from')} {...register(`intervals.${i}.start` as const)} />
                    <span className="muted">—</span>
                    <input type="time" aria-label={t('agents.to')} {...register(`intervals.${i}.end` as const)} />
                    <button type="button" className="icon-btn danger" aria-label={t('common.remove')} onClick={() => intervals.remove(i)}><Trash2 size={16} /></button>
                  </div>
                ))}
                <Button size="sm" variant="ghost" icon={<Plus size={16} />} onClick={() => intervals.append({ day: 1, start: '09:00', end: '18:00' })}>{t('agents.addInterval')}</Button>
              </div>
            </>
          )}
          {errors.working_hours?.message && <p className="field-error" role="alert">{errors.working_hours.message}</p>}
        </section>

        <section className="form-section card muted-card">
          <h2>{t('agents.crmTitle')}</h2>
          <p className="muted small">{t('agents.crmText', { pipelines: agent?.pipeline_ids?.length ?? 0, statuses: agent?.pipeline_status_ids?.length ?? 0 })}</p>
        </section>
      </fieldset>
      {!readOnly && (
        <div className="form-actions sticky-actions">
          <Button type="submit" variant="primary" loading={isSubmitting} disabled={!!agent && !isDirty}>{agent ? t('common.save') : t('agents.create')}</Button>
        </div>
      )}
    </form>
  );
}
