import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { MailPlus, Trash2, Users, X } from 'lucide-react';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useToast } from '../../lib/toast';
import { applyApiError } from '../../lib/forms';
import { formatDate } from '../../lib/i18n';
import type { Invite, Member, Role } from '../../lib/types';
import { Alert, Badge, Button, Confirm, EmptyState, ErrorState, Field, Modal, PageHeader, Skeleton, errorText, useLoad } from '../../components/ui';

const ROLES: Role[] = ['owner', 'admin', 'member'];

export function Members() {
  const { t } = useTranslation();
  const { me, canEdit } = useAuth();
  const toast = useToast();
  const members = useLoad(() => api.get<{ members?: Member[] }>('/api/org/members'), [me?.organization.id]);
  const invites = useLoad(() => (canEdit ? api.get<{ invites?: Invite[] }>('/api/org/invites') : Promise.resolve({ invites: [] })), [me?.organization.id, canEdit]);
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [revoking, setRevoking] = useState<Invite | null>(null);

  const changeRole = async (m: Member, role: Role) => {
    try {
      await api.patch(`/api/org/members/${m.user_id}`, { role });
      toast('success', t('members.roleChanged', { name: m.name || m.email, role: t(`roles.${role}`) }));
      members.reload();
    } catch (e) {
      toast('error', t('errors.title'), errorText(t, e));
      members.reload();
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('members.title')} subtitle={t('members.subtitle', { org: me?.organization.name })} actions={canEdit && <Button variant="primary" icon={<MailPlus size={16} />} onClick={() => setInviting(true)}>{t('members.invite')}</Button>} />
      {members.error ? (
        <ErrorState error={members.error} onRetry={members.reload} />
      ) : members.loading && !members.data ? (
        <Skeleton rows={3} />
      ) : !members.data?.members?.length ? (
        <EmptyState icon={<Users size={24} />} title={t('members.empty')} />
      ) : (
        <div className="card table-card">
          <table className="table">
            <thead>
              <tr>
                <th>{t('members.member')}</th>
                <th>{t('members.role')}</th>
                <th className="hide-sm">{t('members.joined')}</th>
                <th><span className="sr-only">{t('common.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {members.data.members.map((m) => {
                const self = m.user_id === me?.user.id;
                return (
                  <tr key={m.user_id}>
                    <td>
                      <div className="person">
                        <span className="avatar sm">{(m.name || m.email).slice(0, 1).toUpperCase()}</span>
                        <div>
                          <div className="strong">{m.name || m.email} {self && <Badge tone="indigo">{t('members.you')}</Badge>}</div>
                          <div className="muted small">{m.email}</div>
                        </div>
                      </div>
                    </td>
                    <td>
                      {canEdit && !self ? (
                        <select aria-label={t('members.roleOf', { name: m.name || m.email })} value={m.role} onChange={(e) => changeRole(m, e.target.value as Role)}>
                          {ROLES.filter((r) => r !== 'owner' || me?.role === 'owner').map((r) => <option key={r} value={r}>{t(`roles.${r}`)}</option>)}
                        </select>
                      ) : (
                        <Badge tone={m.role === 'owner' ? 'indigo' : 'neutral'}>{t(`roles.${m.role}`)}</Badge>
                      )}
                    </td>
                    <td className="hide-sm muted small">{formatDate(m.joined_at)}</td>
                    <td className="actions">
                      {((canEdit && !self) || (self && me?.role !== 'owner')) && (
                        <button type="button" className="icon-btn danger" aria-label={self ? t('members.leave') : t('members.removeWho', { name: m.name || m.email })} title={self ? t('members.leave') : t('members.remove')} onClick={() => setRemoving(m)}>
                          <Trash2 size={16} />
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {canEdit && (
        <section className="section">
          <h2 className="section-title">{t('members.pending')}</h2>
          {invites.error ? (
            <ErrorState error={invites.error} onRetry={invites.reload} />
          ) : invites.loading && !invites.data ? (
            <Skeleton rows={2} />
          ) : !invites.data?.invites?.length ? (
            <p className="muted small">{t('members.noPending')}</p>
          ) : (
            <ul className="card list">
              {invites.data.invites.map((i) => (
                <li key={i.id} className="list-row">
                  <div className="grow">
                    <div className="strong">{i.email}</div>
                    <div className="muted small">{t(`roles.${i.role}`)} · {t('members.expires', { when: formatDate(i.expires_at) })}</div>
                  </div>
                  <Button size="sm" variant="ghost" icon={<X size={14} />} onClick={() => setRevoking(i)}>{t('members.revoke')}</Button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {inviting && <InviteModal onClose={() => setInviting(false)} onSent={(email) => { setInviting(false); toast('success', t('members.inviteSent', { email })); invites.reload(); }} />}
      {removing && (
        <Confirm
          title={removing.user_id === me?.user.id ? t('members.leaveTitle') : t('members.removeTitle')}
          text={removing.user_id === me?.user.id ? t('members.leaveText', { org: me?.organization.name }) : t('members.removeText', { name: removing.name || removing.email })}
          confirmLabel={removing.user_id === me?.user.id ? t('members.leave') : t('members.remove')}
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.del(`/api/org/members/${removing.user_id}`);
            if (removing.user_id === me?.user.id) window.location.assign('/');
            else members.reload();
          }}
        />
      )}
      {revoking && (
        <Confirm
          title={t('members.revokeTitle')}
          text={t('members.revokeText', { email: revoking.email })}
          confirmLabel={t('members.revoke')}
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api.del(`/api/org/invites/${revoking.id}`);
            invites.reload();
          }}
        />
      )}
    </div>
  );
}

function InviteModal({ onClose, onSent }: { onClose: () => void; onSent: (email: string) => void }) {
  const { t } = useTranslation();
  const { me } = useAuth();
  const [err, setErr] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors, isSubmitting } } = useForm<{ email: string; role: Role }>({ defaultValues: { email: '', role: 'member' } });
  const submit = handleSubmit(async (f) => {
    setErr(null);
    try {
      await api.post('/api/org/invites', f);
      onSent(f.email);
    } catch (e) {
      if (!applyApiError(e, setError, ['email', 'role'])) setErr(errorText(t, e));
    }
  });
  return (
    <Modal title={t('members.inviteTitle')} onClose={onClose} footer={<><Button variant="ghost" onClick={onClose}>{t('common.cancel')}</Button><Button variant="primary" loading={isSubmitting} onClick={() => void submit()}>{t('members.sendInvite')}</Button></>}>
      <form className="form" onSubmit={submit} noValidate>
        {err && <Alert>{err}</Alert>}
        <Field id="invite-email" label={t('fields.email')} error={errors.email?.message}>
          <input id="invite-email" type="email" aria-invalid={!!errors.email} {...register('email', { required: t('validation.required') })} />
        </Field>
        <Field id="invite-role" label={t('members.role')} error={errors.role?.message}>
          <select id="invite-role" {...register('role')}>
            {ROLES.filter((r) => r !== 'owner' || me?.role === 'owner').map((r) => <option key={r} value={r}>{t(`roles.${r}`)}</option>)}
          </select>
        </Field>
        <p className="muted small">{t('members.inviteHint')}</p>
      </form>
    </Modal>
  );
}
