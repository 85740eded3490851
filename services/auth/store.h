/* store.h - every database access of the auth service (the SQL itself is in store.c).
 *
 * Functions take the pool, run one statement or one transaction, and return a status; results
 * go to out-parameters written only on success (messages are heap-allocated: free them with
 * auth_msg_free; strings with free). Ids are UUID strings the caller has validated. Functions
 * that apply a decision of roles.h return the reason for a refusal in *why (a static string).
 */
#ifndef AUTH_STORE_H
#define AUTH_STORE_H

#include <stdint.h>

#include "proto/auth.pb-c.h"
#include "shared/crypto.h"
#include "shared/db.h"
#include "shared/svc.h"

/* A session to create: the digest of its token and what to remember about the client. */
typedef struct {
    const char *token_hash; /* sha256 hex of the cookie value */
    const char *user_agent; /* clipped; may be NULL */
    const char *ip;         /* may be NULL */
    int64_t lifetime_s;     /* absolute lifetime from now */
} auth_new_session_t;

/* A pending invitation found by its token. */
typedef struct {
    char *id, *org_id, *email, *role;
} auth_invite_row_t;
void auth_invite_row_cleanup(auth_invite_row_t *row);

/* ---- accounts and sessions ------------------------------------------------------------------- */

/* Creates organisation, user (owner) and session at once. ST_CONFLICT: the email is taken. */
status_t auth_store_register(db_pool_t *pool, const char *email, const char *name,
                             const char *password_hash, const char *org_name, const char *language,
                             const auth_new_session_t *sess, Auth__SessionInfo **out /* OUT */);
/* The user id and password hash of an email; ST_NOT_FOUND if no such account. */
status_t auth_store_find_credentials(db_pool_t *pool, const char *email, char **user_id /* OUT */,
                                     char **hash /* OUT */);
/* The email and password hash of a user id; ST_NOT_FOUND if no such account. */
status_t auth_store_user_credentials(db_pool_t *pool, const char *user_id, char **email /* OUT */,
                                     char **hash /* OUT */);
/* Replaces a password hash by a stronger one if it is still old_hash (after a sign-in). */
status_t auth_store_rehash(db_pool_t *pool, const char *user_id, const char *old_hash,
                           const char *new_hash);
/* Starts a session in the user's most recently used organisation. ST_FORBIDDEN: no membership. */
status_t auth_store_login(db_pool_t *pool, const char *user_id, const auth_new_session_t *sess,
                          Auth__SessionInfo **out /* OUT */);
/* Ends a session of user; its token hash into hash. ST_NOT_FOUND if it was already gone. */
status_t auth_store_logout(db_pool_t *pool, const char *session_id, const char *user_id,
                           char hash[CRYPTO_SHA256_HEX_SIZE] /* OUT */);
/* The caller's user, organisation and role. ST_NOT_FOUND if the membership is gone. */
status_t auth_store_me(db_pool_t *pool, const char *org_id, const char *user_id,
                       Auth__SessionInfo **out /* OUT */);
/* Moves a session to another organisation of its user: the old row goes (its token hash into
 * old_hash), a new one with a new token keeps the old absolute end (*lifetime_s: seconds left).
 * ST_NOT_FOUND: not a member of org_id; ST_UNAUTHORIZED: the session is gone or expired. */
status_t auth_store_switch_org(db_pool_t *pool, const char *user_id, const char *session_id,
                               const char *org_id, const auth_new_session_t *sess,
                               Auth__SessionInfo **out /* OUT */,
                               char old_hash[CRYPTO_SHA256_HEX_SIZE] /* OUT */,
                               int64_t *lifetime_s /* OUT */);
/* The caller's organisations with role; `current` marks current_org (may be NULL). */
status_t auth_store_list_orgs(db_pool_t *pool, const char *user_id, const char *current_org,
                              Auth__OrgList **out /* OUT */);

/* ---- verification (the edge's hot path) ------------------------------------------------------ */

/* Who a session token (by digest) stands for; ST_UNAUTHORIZED if unknown, idle for more than
 * idle_s or past its absolute end. Bumps last_seen_at when it is more than a minute old. */
status_t auth_store_verify_session(db_pool_t *pool, const char *token_hash, int64_t idle_s,
                                   Auth__VerifyReply **out /* OUT */);
/* The same for an API key (by digest); keys do not expire, they are deleted. */
status_t auth_store_verify_api_key(db_pool_t *pool, const char *key_hash,
                                   Auth__VerifyReply **out /* OUT */);

/* ---- sign-in throttling (see throttle.h) ----------------------------------------------------- */

/* For email and ip (may be NULL): the epoch-ms time of the limit-th most recent failure inside
 * the window, or 0 when there are fewer; *now_ms is the database's clock. */
status_t auth_store_throttle(db_pool_t *pool, const char *email, const char *ip,
                             int64_t *email_nth_ms /* OUT */, int64_t *ip_nth_ms /* OUT */,
                             int64_t *now_ms /* OUT */);
status_t auth_store_record_failure(db_pool_t *pool, const char *email, const char *ip);
status_t auth_store_clear_failures(db_pool_t *pool, const char *email);

/* ---- passwords ------------------------------------------------------------------------------- */

/* Stores a reset token for the account of email. ST_NOT_FOUND: no such account;
 * ST_RATE_LIMITED: AUTH_RESETS_PER_HOUR already sent. user_id and name of the account out. */
status_t auth_store_create_reset(db_pool_t *pool, const char *email, const char *token_hash,
                                 char **user_id /* OUT */, char **name /* OUT */);
/* Consumes a reset token and sets the new hash; ends every session and every other reset token
 * of the user, and clears its failed sign-ins. ST_INVALID: unknown, used or expired token. */
status_t auth_store_reset_password(db_pool_t *pool, const char *token_hash, const char *new_hash,
                                   char **user_id /* OUT */);
/* Sets the new hash, ends the user's sessions but keep_session (may be NULL) and its pending
 * reset tokens. */
status_t auth_store_change_password(db_pool_t *pool, const char *user_id, const char *keep_session,
                                    const char *new_hash);

/* ---- profile and organisation ---------------------------------------------------------------- */

/* Sets the user's name and/or interface language (NULL: unchanged); the caller's SessionInfo in
 * org_id comes out. */
status_t auth_store_update_me(db_pool_t *pool, const char *org_id, const char *user_id,
                              const char *name, const char *language,
                              Auth__SessionInfo **out /* OUT */);
/* Renames the organisation, if the actor is an owner or admin (ST_FORBIDDEN with *why else). */
status_t auth_store_update_org(db_pool_t *pool, const char *org_id, const char *actor_id,
                               const char *name, Auth__Organization **out /* OUT */,
                               const char **why /* OUT */);

/* ---- members and invitations ----------------------------------------------------------------- */

status_t auth_store_list_members(db_pool_t *pool, const char *org_id,
                                 Auth__MemberList **out /* OUT */);
/* Gives target a new role, if the actor may (roles.h). ST_NOT_FOUND: target not in the org. */
status_t auth_store_update_member(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *target_id, const char *role,
                                  Auth__Member **out /* OUT */, const char **why /* OUT */);
/* Removes target from the org (its sessions and keys there go with it), if the actor may. */
status_t auth_store_remove_member(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *target_id, const char **why /* OUT */);
/* Records an invitation (replacing a pending one for the same email), if the actor may.
 * ST_CONFLICT: already a member. The names for the email come out too. */
status_t auth_store_create_invite(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *email, const char *role, const char *token_hash,
                                  Auth__Invite **out /* OUT */, char **org_name /* OUT */,
                                  char **inviter_name /* OUT */, const char **why /* OUT */);
/* Pending invitations of the org (owners and admins only). */
status_t auth_store_list_invites(db_pool_t *pool, const char *org_id, const char *actor_id,
                                 Auth__InviteList **out /* OUT */, const char **why /* OUT */);
status_t auth_store_revoke_invite(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *invite_id, const char **why /* OUT */);
/* A pending, unexpired invitation by token digest; ST_NOT_FOUND otherwise. */
status_t auth_store_find_invite(db_pool_t *pool, const char *token_hash,
                                auth_invite_row_t *out /* OUT */);
/* Accepts an invitation: creates the account when user_id is NULL (email, name, hash), adds
 * the membership, starts a session in that org. ST_INVALID: the invitation was used meanwhile;
 * ST_CONFLICT: already a member, or the account was created meanwhile (see *why). */
status_t auth_store_accept_invite(db_pool_t *pool, const char *invite_id, const char *user_id,
                                  const char *email, const char *name, const char *password_hash,
                                  const auth_new_session_t *sess, Auth__SessionInfo **out /* OUT */,
                                  const char **why /* OUT */);

/* ---- API keys -------------------------------------------------------------------------------- */

status_t auth_store_create_api_key(db_pool_t *pool, const char *org_id, const char *user_id,
                                   const char *name, const char *prefix, const char *key_hash,
                                   Auth__ApiKey **out /* OUT */);
/* The org's keys the user may see: their own, or all of them for owners and admins. */
status_t auth_store_list_api_keys(db_pool_t *pool, const char *org_id, const char *user_id,
                                  Auth__ApiKeyList **out /* OUT */);
/* Deletes a key the user may revoke (their own; any, for owners; any but an owner's, for
 * admins); its hash out. ST_FORBIDDEN (why set) for a key the user sees but may not revoke,
 * ST_NOT_FOUND for one they do not see. */
status_t auth_store_delete_api_key(db_pool_t *pool, const char *org_id, const char *user_id,
                                   const char *key_id, char hash[CRYPTO_SHA256_HEX_SIZE],
                                   svc_why_t *why);

/* ---- housekeeping ---------------------------------------------------------------------------- */

/* Deletes what can no longer matter: failed sign-ins older than an hour, ended sessions, reset
 * tokens a day past expiry, invitations 30 days past expiry. Counts logged at debug level. */
status_t auth_store_cleanup(db_pool_t *pool, int64_t idle_s);

#endif
