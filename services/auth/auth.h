/* auth.h - the auth service's module interface: its context, handlers and shared helpers.
 *
 * The service owns the `auth` schema (organisations, users, memberships, sessions, API keys,
 * invitations, reset tokens, failed sign-ins) and serves svc.auth.* (see proto/auth.proto and
 * routes.def). main.c wires it; handlers_*.c answer one rpc each; store.c holds the SQL; the
 * rest (text, email, password, throttle, roles, token, mail) is pure logic with unit tests.
 */
#ifndef AUTH_AUTH_H
#define AUTH_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/auth.pb-c.h"
#include "shared/bus.h"
#include "shared/buscache.h"
#include "shared/db.h"
#include "shared/log.h"
#include "shared/names.h"
#include "shared/svc.h"
#include "store.h"

/* The service's migrations, embedded by the Makefile from migrations/NNN_*.sql. */
extern const db_migration_t auth_migrations[];
extern const size_t auth_migrations_count;

/* Header and subject names (Client-Ip, Session-Token, auth.revoked, ...): shared/names.h. */

#define AUTH_NAME_MAX        100             /* person, organisation and API key names */
#define AUTH_RESET_TTL_S     3600            /* password-reset links */
#define AUTH_RESETS_PER_HOUR 5               /* reset mails per account per hour */
#define AUTH_INVITE_TTL_S    (7 * 24 * 3600) /* invitation links */
#define AUTH_UA_MAX          256             /* bytes of User-Agent kept with a session */
#define AUTH_IP_MAX          64

typedef struct {
    db_pool_t *db;
    bus_t *bus;
    char *spool_dir;        /* $VAR_DIR/mail-spool: mails until notify sends them */
    const char *public_url; /* base of links in emails, no trailing slash needed */
    const char *mail_from;  /* From header of emails */
    int64_t idle_s;         /* a session ends after this long without a request */
    int64_t max_s;          /* ... and this long after sign-in at the latest */
    char *dummy_hash;       /* argon2id hash verified when the account does not exist */
    buscache_t *me;         /* recent `me` answers (svc->cache); NULL when AUTH_ME_CACHE_MS=0 */
} auth_svc_t;

/* ---- handlers: svc.auth.<method> -> auth_handle_<method> ------------------------------------- */

/* handlers_session.c */
status_t auth_handle_sign_up(void *svc, bus_req_t *req);
status_t auth_handle_login(void *svc, bus_req_t *req);
status_t auth_handle_logout(void *svc, bus_req_t *req);
status_t auth_handle_me(void *svc, bus_req_t *req);
status_t auth_handle_list_orgs(void *svc, bus_req_t *req);
status_t auth_handle_switch_org(void *svc, bus_req_t *req);
status_t auth_handle_update_me(void *svc, bus_req_t *req);
/* handlers_verify.c */
status_t auth_handle_verify(void *svc, bus_req_t *req);
/* handlers_password.c */
status_t auth_handle_password_forgot(void *svc, bus_req_t *req);
status_t auth_handle_password_reset(void *svc, bus_req_t *req);
status_t auth_handle_password_change(void *svc, bus_req_t *req);
/* handlers_members.c */
status_t auth_handle_list_members(void *svc, bus_req_t *req);
status_t auth_handle_update_member(void *svc, bus_req_t *req);
status_t auth_handle_remove_member(void *svc, bus_req_t *req);
status_t auth_handle_update_org(void *svc, bus_req_t *req);
/* handlers_invites.c */
status_t auth_handle_create_invite(void *svc, bus_req_t *req);
status_t auth_handle_list_invites(void *svc, bus_req_t *req);
status_t auth_handle_revoke_invite(void *svc, bus_req_t *req);
status_t auth_handle_accept_invite(void *svc, bus_req_t *req);
/* handlers_keys.c */
status_t auth_handle_create_api_key(void *svc, bus_req_t *req);
status_t auth_handle_list_api_keys(void *svc, bus_req_t *req);
status_t auth_handle_delete_api_key(void *svc, bus_req_t *req);

/* ---- helpers shared by the handlers (common.c) ----------------------------------------------- */

/* ST_OK when the request carries the caller's organisation and user (auth_req_org / _user);
 * otherwise ST_UNAUTHORIZED with the reply's message set. */
status_t auth_signed_in(bus_req_t *req, const char *org, const char *user);
/* Announces on auth.revoked that a credential (kind "token", value its sha256 hex) or every
 * credential of a user (kind "user", value the user id) is no longer valid, or that `me`
 * answers changed (kind "me": a user's names, "org": an organisation's). Cached `me` answers it
 * touches are gone here at once, in the other replicas before their next answer. Best effort:
 * logged on failure (the edge's cache entries expire on their own soon after). */
void auth_revoke(auth_svc_t *svc, const char *kind, const char *value);
/* Adds the Session-Token and Session-Max-Age reply headers that make the edge set the cookie. */
void auth_reply_session(bus_req_t *req, const char *token, int64_t max_age_s);
/* A session about to be created: a fresh token, its digest and the client's details (clipped
 * copies of the User-Agent and Client-Ip headers). `row` points into the draft: pass it to
 * the store, then auth_reply_session(req, draft.token, ...). */
typedef struct {
    char *token; /* the cookie value: a secret, wiped by cleanup */
    char hash[CRYPTO_SHA256_HEX_SIZE];
    char *user_agent, *ip;
    auth_new_session_t row;
} auth_session_draft_t;
void auth_session_draft_init(auth_session_draft_t *d /* OUT */, const auth_svc_t *svc,
                             const bus_req_t *req);
void auth_session_draft_cleanup(auth_session_draft_t *d);

/* Sign-in throttling (throttle.h) for a password attempt on the account `email` from the
 * Client-Ip: ST_OK when allowed; ST_RATE_LIMITED with a Retry-After reply header and a message
 * when not; another status if the check itself failed. */
status_t auth_throttle_check(auth_svc_t *svc, bus_req_t *req, const char *email);
/* Records a wrong password for `email` and the Client-Ip (errors logged, not returned). */
void auth_throttle_failed(auth_svc_t *svc, bus_req_t *req, const char *email);

/* Composes a mail (From, Date, Message-ID added) and writes it to the mail spool; the file name
 * (for the log, never the token) into *file. Errors are logged by the spool. */
status_t auth_send_mail(auth_svc_t *svc, const char *kind, const char *to, const char *subject,
                        const char *body, char **file /* OUT */);

/* The caller's session id, user id and org id headers, NULL when absent or not UUIDs. */
const char *auth_req_session(const bus_req_t *req);
const char *auth_req_user(const bus_req_t *req);
const char *auth_req_org(const bus_req_t *req);

#endif
