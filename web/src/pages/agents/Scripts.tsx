// Sales scripts of an agent: text with {{variables}}; the variables are read from the body.
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Plus, ScrollText, Trash2, Pencil } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { applyApiError } from '../../lib/forms';
import { formatDate } from '../../lib/i18n';
import type { Script } from '../../lib/types';
import { Alert, Button, Confirm, EmptyState, ErrorState, Field, Modal, Skeleton, errorText, useLoad } from '../../components/ui';

export function scriptVariables(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

export function Scripts({ agentId }: { agentId: string }) {
  const { t } = useTranslation();
  const { canEdit } = useAuth();
  const toast = useToast();
  const { data, error, loading, reload } = useLoad(() => api.get<{ items?: Script[] }>(`/api/agents/${agentId}/scripts`), [agentId]);
  const [editing, setEditing] = useState<Script | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Script | null>(null);

  return (
    <div className="stack">
      <div className="row between">
        <p className="muted">{t('scripts.intro', { example: '{{client_name}}' })}</p>
        {canEdit && <Button variant="primary" icon={<Plus size={16} />} onClick={() => setEditing('new')}>{t('scripts.new')}</Button>}
      </div>
      {error ? (
        <ErrorState error={error} onRetry={reload} />
      ) : loading ? (
        <Skeleton rows={3} />
      ) : !data?.items?.length ? (
        <EmptyState icon={<ScrollText size={24} />} title={t('scripts.emptyTitle')} text={t('scripts.emptyText')} />
      ) : (
        <ul className="cards">
          {data.items.map((s) => (
            <li key={s.id} className="card script-card">
              <div className="row between">
                <strong>{s.name}</strong>
                {canEdit && (
                  <div className="row">
                    <button type="button" className="icon-btn" aria-label={`${t('common.edit')} ${s.name}`} onClick={() => setEditing(s)}><Pencil size={16} /></button>
                    <button type="button" className="icon-btn danger" aria-label={`${t('common.delete')} ${s.name}`} onClick={() => setDeleting(s)}><Trash2 size={16} /></button>
                  </div>
                )}
              </div>
              <p className="script-body">{s.body}</p>
              <div className="chips">
                {(s.variables ?? []).map((v) => <span key={v} className="chip mono">{`{{${v}}}`}</span>)}
                <span className="muted small grow-right">{formatDate(s.updated_at)}</span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <ScriptModal
          agentId={agentId}
          script={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            toast('success', t('scripts.saved'));
            reload();
          }}
        />
      )}
      {deleting && (
        <Confirm
          title={t('scripts.deleteTitle')}
          text={t('scripts.deleteText', { name: deleting.name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.del(`/api/agents/${agentId}/scripts/${deleting.id}`);
            reload();
          }}
        />
      )}
    </div>
  );
}

function ScriptModal({ agentId, script, onClose, onSaved }: { agentId: string; script?: Script; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, watch, setError, formState: { errors, isSubmitting } } = useForm<{ name: string; body: string }>({
    defaultValues: { name: script?.name ?? '', body: script?.body ?? '' },
  });
  const vars = scriptVariables(watch('body') ?? '');
  const submit = handleSubmit(async (f) => {
    setErr(null);
    const body: Record<string, unknown> = { name: f.name, body: f.body };
    if (vars.length) body.variables = vars;
    else if (script) body.clear = ['variables'];
    try {
      if (script) await api.patch(`/api/agents/${agentId}/scripts/${script.id}`, body);
      else await api.post(`/api/agents/${agentId}/scripts`, body);
      onSaved();
    } catch (e) {
      if (!applyApiError(e, setError, ['name', 'body'], { variables: 'body' })) setErr(errorText(t, e));
    }
  });
  return (
    <Modal
      wide
      title={script ? t('scripts.editTitle') : t('scripts.new')}
      onClose={onClose}
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" loading={isSubmitting} onClick={() => void submit()}>{t('common.save')}</Button>
        </>
      }
    >
      <form className="form" onSubmit={submit} noValidate>
        {err && <Alert>{err}</Alert>}
        <Field id="script-name" label={t('scripts.name')} error={errors.name?.message}>
          <input id="script-name" aria-invalid={!!errors.name} {...register('name', { required: t('validation.required') })} />
        </Field>
        <Field id="script-body" label={t('scripts.body')} error={errors.body?.message} hint={t('scripts.bodyHint', { example: '{{client_name}}' })}>
          <textarea id="script-body" rows={8} className="mono" {...register('body')} />
        </Field>
        {vars.length > 0 && (
          <div className="chips" aria-label={t('scripts.variables')}>
            {vars.map((v) => <span key={v} className="chip mono">{`{{${v}}}`}</span>)}
          </div>
        )}
      </form>
    </Modal>
  );
}
