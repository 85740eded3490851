/* handlers_session.c - accounts and sessions: sign_up, login, logout, me, list_orgs,
 * switch_org. A new session's token goes back in the Session-Token reply header (the edge sets
 * the cookie); only its sha256 digest is stored.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "email.h"
#include "password.h"
#include "shared/crypto.h"
#include "shared/util.h"
#include "shared/text.h"

/* The interface languages the console offers; NULL (not sent) is allowed by the callers. */
static bool language_valid(const char *s)
{
    return s && (strcmp(s, "ru") == 0 || strcmp(s, "en") == 0);
}

#define BAD_LOGIN "invalid email or password"

/* svc.auth.sign_up (POST /api/auth/register): a new account, a new organisation it owns, and a
 * session in it. */
status_t auth_handle_sign_up(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__RegisterRequest *in = NULL;
    Auth__SessionInfo *info = NULL;
    auth_session_draft_t draft = {0};
    char *email = NULL, *name = NULL, *org_name = NULL, *hash = NULL;
    char why[TEXT_WHY_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (!auth_email_normalize(in->email, &email)) {
        st = svc_fail(req, ST_INVALID, "email: must be a valid email address");
        goto done;
    }
    if (!auth_password_check(in->password, email, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "password: %s", why);
        goto done;
    }
    if (!text_clean(in->name, 1, AUTH_NAME_MAX, false, &name, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "name: %s", why);
        goto done;
    }
    if (!text_clean(in->org_name, 1, AUTH_NAME_MAX, false, &org_name, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "org_name: %s", why);
        goto done;
    }
    if (in->language && !language_valid(in->language)) {
        st = svc_fail(req, ST_INVALID, "language: must be ru or en");
        goto done;
    }
    if ((st = crypto_password_hash(in->password, &hash)))
        goto done;
    auth_session_draft_init(&draft, svc, req);
    st = auth_store_register(svc->db, email, name, hash, org_name, in->language, &draft.row, &info);
    if (st == ST_CONFLICT) {
        st = svc_fail(req, ST_CONFLICT, "email: an account with this address already exists");
        goto done;
    }
    if (st)
        goto done;
    auth_reply_session(req, draft.token, svc->max_s);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "registered user %s with organization %s", info->user->id,
                 info->organization->id);
done:
    bus_reply(req, st, st == ST_OK ? &info->base : NULL);
    svc_msg_free(info);
    auth_session_draft_cleanup(&draft);
    free(email);
    free(name);
    free(org_name);
    free(hash);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.login: email and password to a session in the most recently used organisation.
 *
 * Unknown accounts are verified against a dummy hash so both failures take as long and say the
 * same. Throttled before the password is looked at (see throttle.h). */
status_t auth_handle_login(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__LoginRequest *in = NULL;
    Auth__SessionInfo *info = NULL;
    auth_session_draft_t draft = {0};
    char *email = NULL, *user_id = NULL, *hash = NULL, *rehash = NULL;
    log_ctx_t ctx;
    status_t st, vst;

    svc_log_ctx(req, &ctx);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (!auth_email_normalize(in->email, &email)) {
        st = svc_fail(req, ST_INVALID, "email: must be a valid email address");
        goto done;
    }
    if (!in->password || !*in->password) {
        st = svc_fail(req, ST_INVALID, "password: is required");
        goto done;
    }
    if ((st = auth_throttle_check(svc, req, email)))
        goto done;
    st = auth_store_find_credentials(svc->db, email, &user_id, &hash);
    if (st && st != ST_NOT_FOUND)
        goto done;
    vst = crypto_password_verify(st == ST_OK ? hash : svc->dummy_hash, in->password);
    if (vst == ST_INVALID && st == ST_OK)
        LOG_CTX_ERROR(&ctx, "login: the stored password hash of user %s is unreadable", user_id);
    if (st == ST_NOT_FOUND || vst != ST_OK) {
        auth_throttle_failed(svc, req, email);
        st = svc_fail(req, ST_UNAUTHORIZED, BAD_LOGIN);
        goto done;
    }
    /* The account's failures are forgotten (the IP's are not: see throttle.h). */
    if (auth_store_clear_failures(svc->db, email) != ST_OK)
        LOG_CTX_WARN(&ctx, "login: could not clear failed sign-ins");
    if (crypto_password_needs_rehash(hash) &&
        crypto_password_hash(in->password, &rehash) == ST_OK &&
        auth_store_rehash(svc->db, user_id, hash, rehash) != ST_OK)
        LOG_CTX_WARN(&ctx, "login: could not upgrade the password hash of user %s", user_id);
    auth_session_draft_init(&draft, svc, req);
    st = auth_store_login(svc->db, user_id, &draft.row, &info);
    if (st == ST_FORBIDDEN) {
        st = svc_fail(req, ST_FORBIDDEN, "this account is not a member of any organization");
        goto done;
    }
    if (st)
        goto done;
    auth_reply_session(req, draft.token, svc->max_s);
    ctx.org_id = info->organization->id;
    LOG_CTX_INFO(&ctx, "user %s signed in", user_id);
done:
    bus_reply(req, st, st == ST_OK ? &info->base : NULL);
    svc_msg_free(info);
    auth_session_draft_cleanup(&draft);
    free(email);
    free(user_id);
    free(hash);
    free(rehash);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.logout: ends the calling session and tells the edge to clear the cookie. */
status_t auth_handle_logout(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    const char *session = auth_req_session(req), *user = auth_req_user(req);
    char hash[CRYPTO_SHA256_HEX_SIZE];
    log_ctx_t ctx;
    status_t st = ST_OK;

    if (!session || !user) {
        st = svc_fail(req, ST_INVALID,
                      "only a session can sign out; delete an API key to revoke it");
        goto done;
    }
    bus_req_reply_header(req, HDR_SESSION_CLEAR, "1");
    st = auth_store_logout(svc->db, session, user, hash);
    if (st == ST_NOT_FOUND) { /* already gone: signing out twice is not an error */
        st = ST_OK;
        goto done;
    }
    if (st)
        goto done;
    auth_revoke(svc, "token", hash);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s signed out", user);
done:
    bus_reply(req, st, NULL);
    return st;
}

typedef struct {
    auth_svc_t *svc;
    bus_req_t *req;
    const char *org, *user;
} me_query_t;

static status_t me_fill(void *arg, ProtobufCMessage **out)
{
    me_query_t *q = arg;
    Auth__SessionInfo *info = NULL;
    status_t st = auth_store_me(q->svc->db, q->org, q->user, &info);

    if (st == ST_NOT_FOUND)
        return svc_fail(q->req, ST_UNAUTHORIZED, "no longer a member of this organization");
    if (st == ST_OK)
        *out = &info->base;
    return st;
}

/* svc.auth.me: the caller's user, organisation and role.
 *
 * Answers are cached (the kit's cache, AUTH_ME_CACHE_MS) under the scope "user:<id>", which
 * auth.revoked drops on role, membership and password changes. They also depend on "me:<id>"
 * (the user's names) and "org:<id>" (the organisation's name): the generations of those two
 * scopes, read before the query, are part of the key, so dropping either makes the entry
 * unreachable. */
status_t auth_handle_me(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    const char *org = auth_req_org(req), *user = auth_req_user(req);
    char scope[48], me[48], org_scope[48], key[96];
    status_t st;

    if ((st = auth_signed_in(req, org, user)))
        return st;
    snprintf(scope, sizeof scope, "user:%s", user);
    snprintf(me, sizeof me, "me:%s", user);
    snprintf(org_scope, sizeof org_scope, "org:%s", org);
    snprintf(key, sizeof key, "%s/%" PRIu64 "/%" PRIu64, org, buscache_gen(svc->me, me),
             buscache_gen(svc->me, org_scope));
    me_query_t q = {.svc = svc, .req = req, .org = org, .user = user};
    return bus_reply_cached(req, svc->me, scope, key, me_fill, &q);
}

/* svc.auth.list_orgs: the caller's organisations, with role, the current one marked. */
status_t auth_handle_list_orgs(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__OrgList *list = NULL;
    const char *user = auth_req_user(req);
    status_t st;

    if (!user) {
        st = svc_fail(req, ST_UNAUTHORIZED, SVC_UNAUTHORIZED_TEXT);
        goto done;
    }
    st = auth_store_list_orgs(svc->db, user, auth_req_org(req), &list);
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    svc_msg_free(list);
    return st;
}

/* svc.auth.switch_org: moves the calling session to another organisation of its user. The old
 * token stops working (revoked) and a new one is issued; the session's absolute end stays. */
status_t auth_handle_switch_org(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__SwitchOrgRequest *in = NULL;
    Auth__SessionInfo *info = NULL;
    auth_session_draft_t draft = {0};
    const char *session = auth_req_session(req), *user = auth_req_user(req);
    char org[37], old_hash[CRYPTO_SHA256_HEX_SIZE];
    int64_t lifetime = 0;
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (!session || !user) {
        st = svc_fail(req, ST_INVALID,
                      "only a session can switch organizations; an API key "
                      "belongs to one organization");
        goto done;
    }
    if (!svc_uuid_parse(in->org_id, org)) {
        st = svc_fail(req, ST_INVALID, "org_id: must be a UUID");
        goto done;
    }
    auth_session_draft_init(&draft, svc, req);
    st = auth_store_switch_org(svc->db, user, session, org, &draft.row, &info, old_hash, &lifetime);
    if (st == ST_NOT_FOUND)
        st = svc_fail(req, ST_NOT_FOUND, "org_id: not one of your organizations");
    else if (st == ST_UNAUTHORIZED)
        st = svc_fail(req, ST_UNAUTHORIZED, "the session has ended");
    if (st)
        goto done;
    auth_revoke(svc, "token", old_hash);
    auth_reply_session(req, draft.token, lifetime);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s switched to organization %s", user, org);
done:
    bus_reply(req, st, st == ST_OK ? &info->base : NULL);
    svc_msg_free(info);
    auth_session_draft_cleanup(&draft);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.update_me: the caller changes their own name and/or interface language (fields not
 * sent stay). Cached `me` answers of the user are dropped on every replica ("me:<id>"); sessions
 * and sockets stay as they are. */
status_t auth_handle_update_me(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__UpdateMeRequest *in = NULL;
    Auth__SessionInfo *info = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req);
    char *name = NULL, why[TEXT_WHY_SIZE];
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if ((in->name || !in->language) &&
        !text_clean(in->name, 1, AUTH_NAME_MAX, false, &name, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "name: %s", why);
        goto done;
    }
    if (in->language && !language_valid(in->language)) {
        st = svc_fail(req, ST_INVALID, "language: must be ru or en");
        goto done;
    }
    st = auth_store_update_me(svc->db, org, user, name, in->language, &info);
    if (st == ST_NOT_FOUND)
        st = svc_fail(req, ST_UNAUTHORIZED, "no longer a member of this organization");
    if (st)
        goto done;
    auth_revoke(svc, "me", user);
done:
    bus_reply(req, st, st == ST_OK ? &info->base : NULL);
    svc_msg_free(info);
    free(name);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
