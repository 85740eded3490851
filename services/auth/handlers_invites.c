/* handlers_invites.c - invitations: create_invite, list_invites, revoke_invite, accept_invite.
 *
 * An invitation is an email with a single-use link valid 7 days (the token stored as its
 * digest); a new one for the same address and organisation replaces the pending one. Accepting
 * creates the account when the address has none (name and password required), or else asks for
 * that account's password (throttled like a sign-in), then adds the membership with the invited
 * role and starts a session in that organisation.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "email.h"
#include "mail.h"
#include "password.h"
#include "roles.h"
#include "shared/crypto.h"
#include "shared/util.h"
#include "shared/text.h"
#include "token.h"

#define BAD_INVITE "token: the invitation is invalid, expired or already used"

/* svc.auth.create_invite: owners and admins invite an address with a role (default member). */
status_t auth_handle_create_invite(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__CreateInviteRequest *in = NULL;
    Auth__Invite *invite = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req), *why = NULL;
    const char *role = "member";
    char *email = NULL, *token = NULL, *org_name = NULL, *inviter = NULL, *file = NULL;
    char hash[CRYPTO_SHA256_HEX_SIZE];
    buf_t body = BUF_INIT, subject = BUF_INIT;
    log_ctx_t ctx;
    status_t st;

    svc_log_ctx(req, &ctx);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if (!auth_email_normalize(in->email, &email)) {
        st = svc_fail(req, ST_INVALID, "email: must be a valid email address");
        goto done;
    }
    if (in->role) {
        if (svc_role_parse(in->role) == SVC_ROLE_NONE) {
            st = svc_fail(req, ST_INVALID, "role: must be one of owner, admin, member");
            goto done;
        }
        role = in->role;
    }
    token = auth_token_new();
    auth_token_hash(token, hash);
    st = auth_store_create_invite(svc->db, org, user, email, role, hash, &invite, &org_name,
                                  &inviter, &why);
    if (st && why)
        st = svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    buf_printf(&subject, "%s invited you to %s", inviter ? inviter : "Someone", org_name);
    auth_mail_invite_body(&body, svc->public_url, inviter, org_name, role, token);
    if ((st = auth_send_mail(svc, "invite", email, subject.data, body.data, &file))) {
        /* The pending invitation stays; inviting again replaces it. */
        st = svc_fail(req, ST_UNAVAILABLE, "the invitation email could not be queued; try again");
        goto done;
    }
    LOG_CTX_INFO(&ctx, "user %s created invitation %s (%s); mail written to %s", user, invite->id,
                 role, file);
done:
    bus_reply(req, st, st == ST_OK ? &invite->base : NULL);
    svc_msg_free(invite);
    if (token)
        crypto_wipe(token, strlen(token));
    if (body.data)
        crypto_wipe(body.data, body.len);
    buf_cleanup(&body);
    buf_cleanup(&subject);
    free(email);
    free(token);
    free(org_name);
    free(inviter);
    free(file);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.list_invites: the organisation's pending invitations (owners and admins). */
status_t auth_handle_list_invites(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__InviteList *list = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req), *why = NULL;
    status_t st;

    if ((st = auth_signed_in(req, org, user)))
        goto done;
    st = auth_store_list_invites(svc->db, org, user, &list, &why);
    if (st && why)
        st = svc_fail(req, st, "%s", why);
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    svc_msg_free(list);
    return st;
}

/* svc.auth.revoke_invite: withdraws a pending invitation (owners and admins). */
status_t auth_handle_revoke_invite(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__RevokeInviteRequest *in = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req), *why = NULL;
    char id[37];
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if (!svc_uuid_parse(in->id, id)) {
        st = svc_fail(req, ST_INVALID, "id: must be a UUID");
        goto done;
    }
    st = auth_store_revoke_invite(svc->db, org, user, id, &why);
    if (st && why)
        st = svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s revoked invitation %s", user, id);
done:
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* The account side of accepting: the existing account's id after checking its password, or
 * (user_id NULL) the cleaned name and the hash of the new account's password. */
static status_t check_account(auth_svc_t *svc, bus_req_t *req, const Auth__AcceptInviteRequest *in,
                              const char *email, char **user_id, char **name, char **hash)
{
    char *stored = NULL, why[TEXT_WHY_SIZE];
    status_t st;

    st = auth_store_find_credentials(svc->db, email, user_id, &stored);
    if (st == ST_OK) {
        if ((st = auth_throttle_check(svc, req, email)))
            goto done;
        if (crypto_password_verify(stored, in->password) != ST_OK) {
            auth_throttle_failed(svc, req, email);
            st = svc_fail(req, ST_UNAUTHORIZED,
                          "password: does not match the existing account "
                          "of the invited address");
        }
        goto done;
    }
    if (st != ST_NOT_FOUND)
        goto done;
    if (!text_clean(in->name, 1, AUTH_NAME_MAX, false, name, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "name: %s", why);
        goto done;
    }
    if (!auth_password_check(in->password, email, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "password: %s", why);
        goto done;
    }
    st = crypto_password_hash(in->password, hash);
done:
    free(stored);
    return st;
}

/* svc.auth.accept_invite: joins the organisation of a pending invitation and starts a session
 * there, creating the account if the address has none. */
status_t auth_handle_accept_invite(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__AcceptInviteRequest *in = NULL;
    Auth__SessionInfo *info = NULL;
    auth_invite_row_t invite = {0};
    auth_session_draft_t draft = {0};
    char *user_id = NULL, *name = NULL, *hash = NULL;
    char token_hash[CRYPTO_SHA256_HEX_SIZE];
    const char *why = NULL;
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (auth_token_kind(in->token) != AUTH_TOKEN_PLAIN) {
        st = svc_fail(req, ST_INVALID, BAD_INVITE);
        goto done;
    }
    if (!in->password || !*in->password) {
        st = svc_fail(req, ST_INVALID, "password: is required");
        goto done;
    }
    auth_token_hash(in->token, token_hash);
    st = auth_store_find_invite(svc->db, token_hash, &invite);
    if (st == ST_NOT_FOUND)
        st = svc_fail(req, ST_INVALID, BAD_INVITE);
    if (st || (st = check_account(svc, req, in, invite.email, &user_id, &name, &hash)))
        goto done;
    auth_session_draft_init(&draft, svc, req);
    st = auth_store_accept_invite(svc->db, invite.id, user_id, invite.email, name, hash, &draft.row,
                                  &info, &why);
    if (st && why)
        st = svc_fail(req, st, "%s", why);
    if (st)
        goto done;
    auth_reply_session(req, draft.token, svc->max_s);
    svc_log_ctx(req, &ctx);
    ctx.org_id = invite.org_id;
    LOG_CTX_INFO(&ctx, "user %s accepted invitation %s as %s%s", info->user->id, invite.id,
                 invite.role, user_id ? "" : " (new account)");
done:
    bus_reply(req, st, st == ST_OK ? &info->base : NULL);
    svc_msg_free(info);
    auth_invite_row_cleanup(&invite);
    auth_session_draft_cleanup(&draft);
    free(user_id);
    free(name);
    free(hash);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
