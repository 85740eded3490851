import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Check, Copy, KeyRound, Plus, Trash2 } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { applyApiError } from '../../lib/forms';
import { formatDate } from '../../lib/i18n';
import type { ApiKey } from '../../lib/types';
import { Alert, Button, Confirm, EmptyState, ErrorState, Field, Modal, PageHeader, Skeleton, errorText, useLoad } from '../../components/ui';

export function ApiKeys() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const toast = useToast();
  const keys = useLoad(() => api.get<{ keys?: ApiKey[] }>('/api/api-keys'), [me?.organization.id]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  return (
    <div className="page">
      <PageHeader title={t('keys.title')} subtitle={t('keys.subtitle')} actions={<Button variant="primary" icon={<Plus size={16} />} onClick={() => setCreating(true)}>{t('keys.create')}</Button>} />
      <div className="callout">
        <code>curl -H "Authorization: Bearer &lt;key&gt;" {window.location.origin}/api/agents</code>
      </div>
      {keys.error ? (
        <ErrorState error={keys.error} onRetry={keys.reload} />
      ) : keys.loading && !keys.data ? (
        <Skeleton rows={3} />
      ) : !keys.data?.keys?.length ? (
        <EmptyState icon={<KeyRound size={24} />} title={t('keys.emptyTitle')} text={t('keys.emptyText')} />
      ) : (
        <div className="card table-card">
          <table className="table">
            <thead>
              <tr>
                <th>{t('keys.name')}</th>
                <th>{t('keys.prefix')}</th>
                <th className="hide-sm">{t('keys.created')}</th>
                <th className="hide-sm">{t('keys.lastUsed')}</th>
                <th><span className="sr-only">{t('common.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((k) => (
                <tr key={k.id}>
                  <td className="strong">{k.name}</td>
                  <td><code className="small">{k.prefix}…</code></td>
                  <td className="hide-sm muted small">{formatDate(k.created_at)}</td>
                  <td className="hide-sm muted small">{k.last_used_at ? formatDate(k.last_used_at) : t('keys.never')}</td>
                  <td className="actions">
                    <button type="button" className="icon-btn danger" aria-label={t('keys.revokeWho', { name: k.name })} title={t('keys.revoke')} onClick={() => setRevoking(k)}><Trash2 size={16} /></button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreateKey onClose={() => setCreating(false)} onCreated={(k) => { setCreating(false); setCreated(k); keys.reload(); }} />}
      {created && <ShowKey apiKey={created} onClose={() => setCreated(null)} />}
      {revoking && (
        <Confirm
          title={t('keys.revokeTitle')}
          text={t('keys.revokeText', { name: revoking.name })}
          confirmLabel={t('keys.revoke')}
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api.del(`/api/api-keys/${revoking.id}`);
            toast('success', t('keys.revoked', { name: revoking.name }));
            keys.reload();
          }}
        />
      )}
    </div>
  );
}

function CreateKey({ onClose, onCreated }: { onClose: () => void; onCreated: (k: ApiKey) => void }) {
  const { t } = useTranslation();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<{ name: string }>();
  const submit = handleSubmit(async (f) => {
    setErr(null);
    try {
      onCreated(await api.post<ApiKey>('/api/api-keys', f));
    } catch (e) {
      if (!applyApiError(e, setError, ['name'])) setErr(errorText(t, e));
    }
  });
  return (
    <Modal title={t('keys.create')} onClose={onClose} footer={<><Button variant="ghost" onClick={onClose}>{t('common.cancel')}</Button><Button variant="primary" loading={isSubmitting} onClick={() => void submit()}>{t('keys.createButton')}</Button></>}>
      <form className="form" onSubmit={submit} noValidate>
        {err && <Alert>{err}</Alert>}
        <Field id="key-name" label={t('keys.name')} error={errors.name?.message} hint={t('keys.nameHint')}>
          <input id="key-name" aria-invalid={!!errors.name} {...register('name', { required: t('validation.required') })} />
        </Field>
      </form>
    </Modal>
  );
}

function ShowKey({ apiKey, onClose }: { apiKey: ApiKey; onClose: () => void }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(apiKey.key ?? '');
    } catch {
      const el = document.getElementById('new-key') as HTMLInputElement | null;
      el?.select();
      document.execCommand('copy');
    }
    setCopied(true);
  };
  return (
    <Modal title={t('keys.createdTitle')} onClose={onClose} footer={<Button variant="primary" onClick={onClose}>{t('keys.done')}</Button>}>
      <Alert kind="info">{t('keys.copyOnce')}</Alert>
      <div className="copy-field">
        <input id="new-key" readOnly value={apiKey.key ?? ''} aria-label={t('keys.secret')} onFocus={(e) => e.currentTarget.select()} data-testid="new-key" />
        <Button icon={copied ? <Check size={16} /> : <Copy size={16} />} onClick={copy}>{copied ? t('keys.copied') : t('keys.copy')}</Button>
      </div>
    </Modal>
  );
}
