/* handlers_password.c - password_forgot, password_reset, password_change.
 *
 * A reset link carries a single-use token valid one hour (stored as its digest). Asking for one
 * answers the same whether or not the address has an account, so the endpoint tells nobody who
 * is registered; at most AUTH_RESETS_PER_HOUR mails go to one account in an hour.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "email.h"
#include "mail.h"
#include "password.h"
#include "shared/crypto.h"
#include "shared/util.h"
#include "shared/text.h"
#include "token.h"

#define BAD_RESET_TOKEN "token: the reset link is invalid, expired or already used"

/* svc.auth.password_forgot: mails a reset link if the address has an account; always 202. */
status_t auth_handle_password_forgot(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__PasswordForgotRequest *in = NULL;
    char *email = NULL, *token = NULL, *user_id = NULL, *name = NULL, *file = NULL;
    char hash[CRYPTO_SHA256_HEX_SIZE];
    buf_t body = BUF_INIT;
    log_ctx_t ctx;
    status_t st;

    svc_log_ctx(req, &ctx);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (!auth_email_normalize(in->email, &email)) {
        st = svc_fail(req, ST_INVALID, "email: must be a valid email address");
        goto done;
    }
    token = auth_token_new();
    auth_token_hash(token, hash);
    st = auth_store_create_reset(svc->db, email, hash, &user_id, &name);
    if (st == ST_NOT_FOUND || st == ST_RATE_LIMITED) {
        if (st == ST_RATE_LIMITED)
            LOG_CTX_WARN(&ctx, "password reset: too many requests for one account, not sent");
        st = ST_OK; /* the same answer as for a mail sent */
        goto done;
    }
    if (st)
        goto done;
    auth_mail_reset_body(&body, svc->public_url, name, token);
    if (auth_send_mail(svc, "reset", email, "Reset your password", body.data, &file) == ST_OK)
        LOG_CTX_INFO(&ctx, "password reset mail for user %s written to %s", user_id, file);
    /* On failure (logged) the answer stays 202: an error would reveal that the account exists. */
done:
    bus_reply(req, st, NULL);
    if (token)
        crypto_wipe(token, strlen(token));
    if (body.data)
        crypto_wipe(body.data, body.len);
    buf_cleanup(&body);
    free(token);
    free(email);
    free(user_id);
    free(name);
    free(file);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.password_reset: a valid reset token and a new password; every session of the account
 * ends (the caller signs in again). */
status_t auth_handle_password_reset(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__PasswordResetRequest *in = NULL;
    char *new_hash = NULL, *user_id = NULL;
    char why[TEXT_WHY_SIZE], hash[CRYPTO_SHA256_HEX_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (auth_token_kind(in->token) != AUTH_TOKEN_PLAIN) {
        st = svc_fail(req, ST_INVALID, BAD_RESET_TOKEN);
        goto done;
    }
    if (!auth_password_check(in->password, NULL, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "password: %s", why);
        goto done;
    }
    if ((st = crypto_password_hash(in->password, &new_hash)))
        goto done;
    auth_token_hash(in->token, hash);
    st = auth_store_reset_password(svc->db, hash, new_hash, &user_id);
    if (st == ST_INVALID)
        st = svc_fail(req, ST_INVALID, BAD_RESET_TOKEN);
    if (st)
        goto done;
    auth_revoke(svc, "user", user_id);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s reset the password; all sessions ended", user_id);
done:
    bus_reply(req, st, NULL);
    free(new_hash);
    free(user_id);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.password_change: the current password and a new one; the user's other sessions end,
 * the calling one stays. Wrong current passwords count as failed sign-ins. */
status_t auth_handle_password_change(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__PasswordChangeRequest *in = NULL;
    const char *user = auth_req_user(req);
    char *email = NULL, *hash = NULL, *new_hash = NULL;
    char why[TEXT_WHY_SIZE];
    log_ctx_t ctx;
    status_t st;

    svc_log_ctx(req, &ctx);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (!user) {
        st = svc_fail(req, ST_UNAUTHORIZED, SVC_UNAUTHORIZED_TEXT);
        goto done;
    }
    if (!in->current_password || !*in->current_password) {
        st = svc_fail(req, ST_INVALID, "current_password: is required");
        goto done;
    }
    if ((st = auth_store_user_credentials(svc->db, user, &email, &hash))) {
        if (st == ST_NOT_FOUND)
            st = svc_fail(req, ST_UNAUTHORIZED, "the account no longer exists");
        goto done;
    }
    if (!auth_password_check(in->new_password, email, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "new_password: %s", why);
        goto done;
    }
    if ((st = auth_throttle_check(svc, req, email)))
        goto done;
    if (crypto_password_verify(hash, in->current_password) != ST_OK) {
        auth_throttle_failed(svc, req, email);
        st = svc_fail(req, ST_FORBIDDEN, "current_password: is incorrect");
        goto done;
    }
    if (strcmp(in->current_password, in->new_password) == 0) {
        st = svc_fail(req, ST_INVALID, "new_password: must differ from the current password");
        goto done;
    }
    if ((st = crypto_password_hash(in->new_password, &new_hash)) ||
        (st = auth_store_change_password(svc->db, user, auth_req_session(req), new_hash)))
        goto done;
    /* Drops every cached credential of the user; the kept session simply verifies again. */
    auth_revoke(svc, "user", user);
    LOG_CTX_INFO(&ctx, "user %s changed the password; other sessions ended", user);
done:
    bus_reply(req, st, NULL);
    free(email);
    free(hash);
    free(new_hash);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
