/* store.c - every SQL statement of the auth service and the transactions around them.
 *
 * Statements are static db_stmt_t, prepared lazily per pooled connection by db.c. Tenant data is
 * always scoped by the org id the caller got from the trusted Org-Id header. Multi-row changes
 * run in one transaction; membership changes first lock the organisation's row, so two admins
 * cannot demote the last two owners at once.
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "events.h"
#include "roles.h"
#include "shared/dbmsg.h"
#include "shared/log.h"
#include "shared/util.h"
#include "throttle.h"

/* A timestamptz column as RFC 3339 UTC with milliseconds, like time_format_rfc3339. */

/* ---- statements ------------------------------------------------------------------------------ */

/* SQL is laid out by hand: clang-format cannot indent string literals glued to macros. */
/* clang-format off */

/* A SessionInfo row: columns named after the message's fields (dbmsg.h). */
#define INFO_SELECT                                                                                \
    "SELECT u.id AS \"user.id\", u.email AS \"user.email\", u.name AS \"user.name\", "             \
    "       u.language AS \"user.language\", "                                                     \
    "       " SVC_TS("u.created_at") " AS \"user.created_at\", "                                   \
    "       o.id AS \"organization.id\", o.name AS \"organization.name\", "                        \
    "       " SVC_TS("o.created_at") " AS \"organization.created_at\", m.role "                    \
    "FROM auth.memberships m "                                                                     \
    "JOIN auth.users u ON u.id = m.user_id "                                                       \
    "JOIN auth.orgs o ON o.id = m.org_id "

static const db_stmt_t SESSION_INFO = {"auth_session_info",
    INFO_SELECT "WHERE m.org_id = $1 AND m.user_id = $2", 2};
static const db_stmt_t INSERT_ORG = {"auth_insert_org",
    "INSERT INTO auth.orgs (name) VALUES ($1) RETURNING id", 1};
static const db_stmt_t INSERT_USER = {"auth_insert_user",
    "INSERT INTO auth.users (email, name, password_hash, language) VALUES ($1, $2, $3, $4) "
    "RETURNING id", 4};
static const db_stmt_t INSERT_MEMBERSHIP = {"auth_insert_membership",
    "INSERT INTO auth.memberships (org_id, user_id, role) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING org_id", 3};
static const db_stmt_t TOUCH_MEMBERSHIP = {"auth_touch_membership",
    "UPDATE auth.memberships SET last_used_at = now() WHERE org_id = $1 AND user_id = $2", 2};
static const db_stmt_t INSERT_SESSION = {"auth_insert_session",
    "INSERT INTO auth.sessions (token_hash, user_id, org_id, expires_at, user_agent, ip) "
    "VALUES ($1, $2, $3, now() + $4::bigint * interval '1 second', $5, $6) RETURNING id", 6};
static const db_stmt_t FIND_CREDENTIALS = {"auth_find_credentials",
    "SELECT id, password_hash FROM auth.users WHERE email = $1", 1};
static const db_stmt_t USER_CREDENTIALS = {"auth_user_credentials",
    "SELECT email, password_hash FROM auth.users WHERE id = $1", 1};
static const db_stmt_t REHASH = {"auth_rehash",
    "UPDATE auth.users SET password_hash = $3 WHERE id = $1 AND password_hash = $2", 3};
static const db_stmt_t NEWEST_MEMBERSHIP = {"auth_newest_membership",
    "SELECT org_id FROM auth.memberships WHERE user_id = $1 "
    "ORDER BY last_used_at DESC, created_at LIMIT 1", 1};
static const db_stmt_t DELETE_SESSION = {"auth_delete_session",
    "DELETE FROM auth.sessions WHERE id = $1 AND user_id = $2 RETURNING token_hash", 2};
static const db_stmt_t IS_MEMBER = {"auth_is_member",
    "SELECT 1 FROM auth.memberships WHERE org_id = $1 AND user_id = $2", 2};
static const db_stmt_t TAKE_SESSION = {"auth_take_session",
    "DELETE FROM auth.sessions WHERE id = $1 AND user_id = $2 "
    "RETURNING token_hash, greatest(0, floor(extract(epoch FROM expires_at - now())))::bigint", 2};
static const db_stmt_t LIST_ORGS = {"auth_list_orgs",
    "SELECT o.id, o.name, m.role, " SVC_TS("m.created_at") " AS joined_at, "
    "       coalesce(o.id = $2::uuid, false) AS \"current\" "
    "FROM auth.memberships m JOIN auth.orgs o ON o.id = m.org_id "
    "WHERE m.user_id = $1 ORDER BY o.name, o.id", 2};

/* Verification: one lookup by the unique digest; the touch runs at most once a minute. */
static const db_stmt_t VERIFY_SESSION = {"auth_verify_session",
    "SELECT s.id, s.user_id, s.org_id, m.role, u.email, u.name, "
    "       s.last_seen_at < now() - interval '60 seconds' "
    "FROM auth.sessions s "
    "JOIN auth.memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id "
    "JOIN auth.users u ON u.id = s.user_id "
    "WHERE s.token_hash = $1 AND s.expires_at > now() "
    "  AND s.last_seen_at > now() - $2::bigint * interval '1 second'", 2};
static const db_stmt_t TOUCH_SESSION = {"auth_touch_session",
    "UPDATE auth.sessions SET last_seen_at = now() "
    "WHERE id = $1 AND last_seen_at < now() - interval '60 seconds'", 1};
static const db_stmt_t VERIFY_API_KEY = {"auth_verify_api_key",
    "SELECT k.id, k.user_id, k.org_id, m.role, u.email, u.name, "
    "       k.last_used_at IS NULL OR k.last_used_at < now() - interval '60 seconds' "
    "FROM auth.api_keys k "
    "JOIN auth.memberships m ON m.org_id = k.org_id AND m.user_id = k.user_id "
    "JOIN auth.users u ON u.id = k.user_id "
    "WHERE k.key_hash = $1", 1};
static const db_stmt_t TOUCH_API_KEY = {"auth_touch_api_key",
    "UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 "
    "AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')", 1};

/* The limit-th most recent failure per key (OFFSET limit - 1), through the (key, at) indexes. */
static const db_stmt_t THROTTLE = {"auth_throttle",
    "SELECT (extract(epoch FROM now()) * 1000)::bigint, "
    "  (SELECT (extract(epoch FROM at) * 1000)::bigint FROM auth.login_attempts "
    "   WHERE email = $1 AND NOT email_cleared "
    "     AND at > now() - $3::bigint * interval '1 second' "
    "   ORDER BY at DESC OFFSET $4::bigint LIMIT 1), "
    "  (SELECT (extract(epoch FROM at) * 1000)::bigint FROM auth.login_attempts "
    "   WHERE ip = $2::text AND at > now() - $3::bigint * interval '1 second' "
    "   ORDER BY at DESC OFFSET $5::bigint LIMIT 1)", 5};
static const db_stmt_t RECORD_FAILURE = {"auth_record_failure",
    "INSERT INTO auth.login_attempts (email, ip) VALUES ($1, $2)", 2};
/* Forgives the account's failures; the rows stay, counting for their client address. */
static const db_stmt_t CLEAR_FAILURES = {"auth_clear_failures",
    "UPDATE auth.login_attempts SET email_cleared = true "
    "WHERE email = $1 AND NOT email_cleared", 1};

static const db_stmt_t FIND_USER_BY_EMAIL = {"auth_find_user_by_email",
    "SELECT id, name FROM auth.users WHERE email = $1", 1};
static const db_stmt_t INSERT_RESET = {"auth_insert_reset",
    "INSERT INTO auth.password_resets (token_hash, user_id, expires_at) "
    "SELECT $1, $2::uuid, now() + $3::bigint * interval '1 second' "
    "WHERE (SELECT count(*) FROM auth.password_resets "
    "       WHERE user_id = $2::uuid AND created_at > now() - interval '1 hour') < $4::bigint "
    "RETURNING user_id", 4};
static const db_stmt_t CONSUME_RESET = {"auth_consume_reset",
    "UPDATE auth.password_resets SET used_at = now() "
    "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id", 1};
static const db_stmt_t SET_PASSWORD = {"auth_set_password",
    "UPDATE auth.users SET password_hash = $2, updated_at = now(), password_changed_at = now() "
    "WHERE id = $1 RETURNING email", 2};
static const db_stmt_t BURN_RESETS = {"auth_burn_resets",
    "UPDATE auth.password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL", 1};
static const db_stmt_t END_SESSIONS = {"auth_end_sessions",
    "DELETE FROM auth.sessions WHERE user_id = $1 AND ($2::uuid IS NULL OR id <> $2::uuid)", 2};

/* A Member row. */
#define MEMBER_SELECT                                                                              \
    "SELECT u.id AS user_id, u.email, u.name, m.role, " SVC_TS("m.created_at") " AS joined_at "    \
    "FROM auth.memberships m JOIN auth.users u ON u.id = m.user_id "

static const db_stmt_t LIST_MEMBERS = {"auth_list_members",
    MEMBER_SELECT "WHERE m.org_id = $1 ORDER BY m.created_at, u.email", 1};
static const db_stmt_t GET_MEMBER = {"auth_get_member",
    MEMBER_SELECT "WHERE m.org_id = $1 AND m.user_id = $2", 2};
static const db_stmt_t LOCK_ORG = {"auth_lock_org",
    "SELECT 1 FROM auth.orgs WHERE id = $1 FOR UPDATE", 1};
static const db_stmt_t MEMBER_ROLES = {"auth_member_roles",
    "SELECT (SELECT role FROM auth.memberships WHERE org_id = $1 AND user_id = $2), "
    "       (SELECT role FROM auth.memberships WHERE org_id = $1 AND user_id = $3), "
    "       (SELECT count(*) FROM auth.memberships WHERE org_id = $1 AND role = 'owner')", 3};
static const db_stmt_t SET_ROLE = {"auth_set_role",
    "UPDATE auth.memberships SET role = $3 WHERE org_id = $1 AND user_id = $2", 3};
static const db_stmt_t DELETE_MEMBER = {"auth_delete_member",
    "DELETE FROM auth.memberships WHERE org_id = $1 AND user_id = $2", 2};
static const db_stmt_t ACTOR_ROLE = {"auth_actor_role",
    "SELECT role FROM auth.memberships WHERE org_id = $1 AND user_id = $2", 2};

/* An Invite row. */
#define INVITE_COLS                                                                                \
    "id, email, role, invited_by, " SVC_TS("created_at") " AS created_at, "                        \
    SVC_TS("expires_at") " AS expires_at"

static const db_stmt_t IS_MEMBER_EMAIL = {"auth_is_member_email",
    "SELECT 1 FROM auth.memberships m JOIN auth.users u ON u.id = m.user_id "
    "WHERE m.org_id = $1 AND u.email = $2", 2};
static const db_stmt_t SUPERSEDE_INVITES = {"auth_supersede_invites",
    "DELETE FROM auth.invites WHERE org_id = $1 AND email = $2 AND accepted_at IS NULL", 2};
static const db_stmt_t INSERT_INVITE = {"auth_insert_invite",
    "INSERT INTO auth.invites (org_id, email, role, token_hash, invited_by, expires_at) "
    "VALUES ($1, $2, $3, $4, $5, now() + $6::bigint * interval '1 second') "
    "RETURNING " INVITE_COLS, 6};
static const db_stmt_t INVITE_NAMES = {"auth_invite_names",
    "SELECT o.name, u.name FROM auth.orgs o LEFT JOIN auth.users u ON u.id = $2 "
    "WHERE o.id = $1", 2};
static const db_stmt_t LIST_INVITES = {"auth_list_invites",
    "SELECT " INVITE_COLS " FROM auth.invites "
    "WHERE org_id = $1 AND accepted_at IS NULL AND expires_at > now() ORDER BY created_at, id", 1};
static const db_stmt_t REVOKE_INVITE = {"auth_revoke_invite",
    "DELETE FROM auth.invites WHERE id = $1 AND org_id = $2 AND accepted_at IS NULL "
    "RETURNING id", 2};
static const db_stmt_t FIND_INVITE = {"auth_find_invite",
    "SELECT id, org_id, email, role FROM auth.invites "
    "WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now()", 1};
static const db_stmt_t CLAIM_INVITE = {"auth_claim_invite",
    "UPDATE auth.invites SET accepted_at = now() "
    "WHERE id = $1 AND accepted_at IS NULL AND expires_at > now() RETURNING org_id, role", 1};

/* An ApiKey row (without the secret, which exists only in the create reply). */
#define KEY_COLS                                                                                   \
    "k.id, k.name, k.prefix, k.user_id, " SVC_TS("k.created_at") " AS created_at, "                \
    SVC_TS("k.last_used_at") " AS last_used_at"
/* The key belongs to user $2, or $2 is an owner or admin of org $1. */
#define KEY_VISIBLE                                                                                \
    "(k.user_id = $2 OR EXISTS (SELECT 1 FROM auth.memberships a "                                 \
    "                           WHERE a.org_id = $1 AND a.user_id = $2 "                           \
    "                             AND a.role IN ('owner', 'admin')))"

static const db_stmt_t INSERT_API_KEY = {"auth_insert_api_key",
    "INSERT INTO auth.api_keys AS k (org_id, user_id, name, prefix, key_hash) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING " KEY_COLS, 5};
static const db_stmt_t LIST_API_KEYS = {"auth_list_api_keys",
    "SELECT " KEY_COLS " FROM auth.api_keys k "
    "WHERE k.org_id = $1 AND " KEY_VISIBLE " ORDER BY k.created_at, k.id", 2};
/* Who may revoke a key: its holder, an owner, or an admin unless the holder is an owner (owners'
 * keys are managed by owners only, like everything else about owners). */
#define KEY_REVOCABLE                                                                              \
    "(k.user_id = $2 OR EXISTS (SELECT 1 FROM auth.memberships a "                                 \
    "  WHERE a.org_id = $1 AND a.user_id = $2 AND (a.role = 'owner' OR (a.role = 'admin' AND "     \
    "  NOT EXISTS (SELECT 1 FROM auth.memberships o WHERE o.org_id = $1 "                          \
    "              AND o.user_id = k.user_id AND o.role = 'owner')))))"
static const db_stmt_t DELETE_API_KEY = {"auth_delete_api_key",
    "DELETE FROM auth.api_keys k WHERE k.id = $3 AND k.org_id = $1 AND " KEY_REVOCABLE " "
    "RETURNING k.key_hash, k.user_id, k.name, k.prefix", 3};
static const db_stmt_t API_KEY_VISIBLE = {"auth_api_key_visible",
    "SELECT 1 FROM auth.api_keys k WHERE k.id = $3 AND k.org_id = $1 AND " KEY_VISIBLE, 3};

static const db_stmt_t CLEANUP = {"auth_cleanup",
    "WITH a AS (DELETE FROM auth.login_attempts WHERE at < now() - interval '1 hour' "
    "           RETURNING 1), "
    "     s AS (DELETE FROM auth.sessions WHERE expires_at < now() "
    "           OR last_seen_at < now() - $1::bigint * interval '1 second' RETURNING 1), "
    "     r AS (DELETE FROM auth.password_resets WHERE expires_at < now() - interval '1 day' "
    "           RETURNING 1), "
    "     i AS (DELETE FROM auth.invites WHERE accepted_at IS NULL "
    "           AND expires_at < now() - interval '30 days' RETURNING 1) "
    "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM s), (SELECT count(*) FROM r), "
    "       (SELECT count(*) FROM i)", 1};

/* Profile and organisation details. The name is checked by the handler (text_clean). */
static const db_stmt_t SET_USER_DETAILS = {"auth_set_user_details",
    "UPDATE auth.users SET name = coalesce($2, name), language = coalesce($3, language), "
    "updated_at = now() WHERE id = $1", 3};
static const db_stmt_t SET_ORG_NAME = {"auth_set_org_name",
    "UPDATE auth.orgs SET name = $2 WHERE id = $1 "
    "RETURNING id, name, " SVC_TS("created_at") " AS created_at", 2};

/* clang-format on */

/* ---- helpers --------------------------------------------------------------------------------- */

/* Runs stmt, replacing the previous result in *res. */
static status_t run(db_t *db, const db_stmt_t *stmt, const char *const *params, PGresult **res)
{
    PQclear(*res);
    *res = NULL;
    return db_exec(db, stmt, params, res);
}

/* A heap copy of a column, NULL for SQL NULL. */
static char *col(const PGresult *res, int row, int c)
{
    const char *v = db_get(res, row, c);
    return v ? xstrdup(v) : NULL;
}

/* The SessionInfo of SESSION_INFO's first row. */
/* A message of type d from row `row`, or NULL (logged by dbmsg) when the SQL and the proto
 * disagree; callers answer ST_INTERNAL then. */
static void *row_msg(const PGresult *res, int row, const ProtobufCMessageDescriptor *d)
{
    return db_row_new_msg(res, row, d);
}

/* The one row of res as a message of type d, then COMMIT: *out set only when both worked
 * (ST_NOT_FOUND without exactly one row). */
static status_t commit_row(db_t *db, const PGresult *res, const ProtobufCMessageDescriptor *d,
                           void **out)
{
    if (db_nrows(res) != 1)
        return ST_NOT_FOUND;
    void *m = row_msg(res, 0, d);
    if (!m)
        return ST_INTERNAL;
    status_t st = db_commit(db);
    if (st)
        svc_msg_free(m);
    else
        *out = m;
    return st;
}

/* Inside a transaction: inserts the session for (org, user), marks the membership used and
 * reads the SessionInfo. */
static status_t start_session(db_t *db, const char *org_id, const char *user_id,
                              const auth_new_session_t *sess, Auth__SessionInfo **out)
{
    PGresult *res = NULL;
    char lifetime[24];
    status_t st;

    snprintf(lifetime, sizeof lifetime, "%" PRId64, sess->lifetime_s);
    const char *ps[] = {sess->token_hash, user_id, org_id, lifetime, sess->user_agent, sess->ip};
    const char *pm[] = {org_id, user_id};
    if ((st = run(db, &INSERT_SESSION, ps, &res)) || (st = run(db, &TOUCH_MEMBERSHIP, pm, &res)) ||
        (st = run(db, &SESSION_INFO, pm, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    if (!(*out = row_msg(res, 0, &auth__session_info__descriptor)))
        st = ST_INTERNAL;
done:
    PQclear(res);
    return st;
}

void auth_invite_row_cleanup(auth_invite_row_t *row)
{
    if (!row)
        return;
    free(row->id);
    free(row->org_id);
    free(row->email);
    free(row->role);
    memset(row, 0, sizeof *row);
}

/* ---- accounts and sessions ------------------------------------------------------------------- */

status_t auth_store_register(db_pool_t *pool, const char *email, const char *name,
                             const char *password_hash, const char *org_name, const char *language,
                             const auth_new_session_t *sess, Auth__SessionInfo **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char *org_id = NULL, *user_id = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *po[] = {org_name};
    if ((st = run(db, &INSERT_ORG, po, &res)))
        goto done;
    org_id = col(res, 0, 0);
    const char *pu[] = {email, name, password_hash, language};
    if ((st = run(db, &INSERT_USER, pu, &res)))
        goto done; /* ST_CONFLICT: users_email_key */
    user_id = col(res, 0, 0);
    const char *pm[] = {org_id, user_id, "owner"};
    if ((st = run(db, &INSERT_MEMBERSHIP, pm, &res)) ||
        (st = auth_event_user(db, org_id, user_id, email, name)) ||
        (st = start_session(db, org_id, user_id, sess, out)))
        goto done;
    if ((st = db_commit(db))) {
        svc_msg_free(*out);
        *out = NULL;
    }
done:
    PQclear(res);
    free(org_id);
    free(user_id);
    db_release(db); /* rolls back an unfinished transaction */
    return st;
}

/* The two text columns of a single-row lookup by one parameter. */
static status_t lookup_pair(db_pool_t *pool, const db_stmt_t *stmt, const char *key, char **a,
                            char **b)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    const char *p[] = {key};
    if ((st = run(db, stmt, p, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    *a = col(res, 0, 0);
    *b = col(res, 0, 1);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_find_credentials(db_pool_t *pool, const char *email, char **user_id,
                                     char **hash)
{
    return lookup_pair(pool, &FIND_CREDENTIALS, email, user_id, hash);
}

status_t auth_store_user_credentials(db_pool_t *pool, const char *user_id, char **email,
                                     char **hash)
{
    return lookup_pair(pool, &USER_CREDENTIALS, user_id, email, hash);
}

/* Runs one statement that needs no result. */
static status_t exec1(db_pool_t *pool, const db_stmt_t *stmt, const char *const *params)
{
    db_t *db = NULL;
    status_t st;

    if (!(st = db_acquire(pool, &db)))
        st = db_exec(db, stmt, params, NULL);
    db_release(db);
    return st;
}

status_t auth_store_rehash(db_pool_t *pool, const char *user_id, const char *old_hash,
                           const char *new_hash)
{
    const char *p[] = {user_id, old_hash, new_hash};
    return exec1(pool, &REHASH, p);
}

status_t auth_store_login(db_pool_t *pool, const char *user_id, const auth_new_session_t *sess,
                          Auth__SessionInfo **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char *org_id = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *p[] = {user_id};
    if ((st = run(db, &NEWEST_MEMBERSHIP, p, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_FORBIDDEN;
        goto done;
    }
    org_id = col(res, 0, 0);
    if ((st = start_session(db, org_id, user_id, sess, out)))
        goto done;
    if ((st = db_commit(db))) {
        svc_msg_free(*out);
        *out = NULL;
    }
done:
    PQclear(res);
    free(org_id);
    db_release(db);
    return st;
}

status_t auth_store_logout(db_pool_t *pool, const char *session_id, const char *user_id,
                           char hash[CRYPTO_SHA256_HEX_SIZE])
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    const char *p[] = {session_id, user_id};
    if ((st = run(db, &DELETE_SESSION, p, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    snprintf(hash, CRYPTO_SHA256_HEX_SIZE, "%s", db_get(res, 0, 0));
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_me(db_pool_t *pool, const char *org_id, const char *user_id,
                       Auth__SessionInfo **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    const char *p[] = {org_id, user_id};
    if ((st = run(db, &SESSION_INFO, p, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    if (!(*out = row_msg(res, 0, &auth__session_info__descriptor)))
        st = ST_INTERNAL;
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_switch_org(db_pool_t *pool, const char *user_id, const char *session_id,
                               const char *org_id, const auth_new_session_t *sess,
                               Auth__SessionInfo **out, char old_hash[CRYPTO_SHA256_HEX_SIZE],
                               int64_t *lifetime_s)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    auth_new_session_t moved = *sess;
    char hash[CRYPTO_SHA256_HEX_SIZE];
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *pm[] = {org_id, user_id};
    if ((st = run(db, &IS_MEMBER, pm, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    const char *ps[] = {session_id, user_id};
    if ((st = run(db, &TAKE_SESSION, ps, &res)))
        goto done;
    if (db_nrows(res) != 1 || db_get_int(res, 0, 1) <= 0) {
        st = ST_UNAUTHORIZED;
        goto done;
    }
    snprintf(hash, sizeof hash, "%s", db_get(res, 0, 0));
    moved.lifetime_s = db_get_int(res, 0, 1);
    if ((st = start_session(db, org_id, user_id, &moved, out)))
        goto done;
    if ((st = db_commit(db))) {
        svc_msg_free(*out);
        *out = NULL;
        goto done;
    }
    memcpy(old_hash, hash, sizeof hash);
    *lifetime_s = moved.lifetime_s;
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_list_orgs(db_pool_t *pool, const char *user_id, const char *current_org,
                              Auth__OrgList **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    const char *p[] = {user_id, current_org};
    if ((st = run(db, &LIST_ORGS, p, &res)))
        goto done;
    Auth__OrgList *list = svc_msg_new(&auth__org_list__descriptor);
    if ((st = db_rows_to_repeated(res, &list->base, "orgs"))) {
        svc_msg_free(list);
        goto done;
    }
    *out = list;
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* ---- verification ---------------------------------------------------------------------------- */

/* Shared by sessions and keys: the row of a VERIFY_* statement, then the conditional touch. */
static status_t verify(db_pool_t *pool, const db_stmt_t *find, const char *const *params,
                       const db_stmt_t *touch, bool is_key, Auth__VerifyReply **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    if ((st = run(db, find, params, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_UNAUTHORIZED;
        goto done;
    }
    Auth__VerifyReply *v = svc_msg_new(&auth__verify_reply__descriptor);
    if (is_key)
        v->api_key_id = col(res, 0, 0);
    else
        v->session_id = col(res, 0, 0);
    v->user_id = col(res, 0, 1);
    v->org_id = col(res, 0, 2);
    v->role = col(res, 0, 3);
    v->email = col(res, 0, 4);
    v->name = col(res, 0, 5);
    if (db_get_bool(res, 0, 6)) {
        /* At most once a minute per credential: a failure here must not refuse the caller. */
        const char *p[] = {db_get(res, 0, 0)};
        if (db_exec(db, touch, p, NULL) != ST_OK)
            LOG_WARN("verify: could not record the last use of a credential");
    }
    *out = v;
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_verify_session(db_pool_t *pool, const char *token_hash, int64_t idle_s,
                                   Auth__VerifyReply **out)
{
    char idle[24];
    snprintf(idle, sizeof idle, "%" PRId64, idle_s);
    const char *p[] = {token_hash, idle};
    return verify(pool, &VERIFY_SESSION, p, &TOUCH_SESSION, false, out);
}

status_t auth_store_verify_api_key(db_pool_t *pool, const char *key_hash, Auth__VerifyReply **out)
{
    const char *p[] = {key_hash};
    return verify(pool, &VERIFY_API_KEY, p, &TOUCH_API_KEY, true, out);
}

/* ---- sign-in throttling ---------------------------------------------------------------------- */

status_t auth_store_throttle(db_pool_t *pool, const char *email, const char *ip,
                             int64_t *email_nth_ms, int64_t *ip_nth_ms, int64_t *now_ms)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char window[24], email_off[24], ip_off[24];
    status_t st;

    snprintf(window, sizeof window, "%d", AUTH_THROTTLE_WINDOW_S);
    snprintf(email_off, sizeof email_off, "%d", AUTH_THROTTLE_EMAIL_LIMIT - 1);
    snprintf(ip_off, sizeof ip_off, "%d", AUTH_THROTTLE_IP_LIMIT - 1);
    const char *p[] = {email, ip, window, email_off, ip_off};
    if ((st = db_acquire(pool, &db)) || (st = run(db, &THROTTLE, p, &res)))
        goto done;
    *now_ms = db_get_int(res, 0, 0);
    *email_nth_ms = db_get_int(res, 0, 1); /* 0 for NULL: fewer failures than the limit */
    *ip_nth_ms = db_get_int(res, 0, 2);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_record_failure(db_pool_t *pool, const char *email, const char *ip)
{
    const char *p[] = {email, ip};
    return exec1(pool, &RECORD_FAILURE, p);
}

status_t auth_store_clear_failures(db_pool_t *pool, const char *email)
{
    const char *p[] = {email};
    return exec1(pool, &CLEAR_FAILURES, p);
}

/* ---- passwords ------------------------------------------------------------------------------- */

status_t auth_store_create_reset(db_pool_t *pool, const char *email, const char *token_hash,
                                 char **user_id, char **name)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char *uid = NULL, *uname = NULL, ttl[24], max[24];
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *pf[] = {email};
    if ((st = run(db, &FIND_USER_BY_EMAIL, pf, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    uid = col(res, 0, 0);
    uname = col(res, 0, 1);
    snprintf(ttl, sizeof ttl, "%d", AUTH_RESET_TTL_S);
    snprintf(max, sizeof max, "%d", AUTH_RESETS_PER_HOUR);
    const char *pi[] = {token_hash, uid, ttl, max};
    if ((st = run(db, &INSERT_RESET, pi, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_RATE_LIMITED;
        goto done;
    }
    if ((st = auth_event_password_reset(db, uid)) || (st = db_commit(db)))
        goto done;
    *user_id = uid;
    *name = uname;
    uid = uname = NULL;
done:
    PQclear(res);
    free(uid);
    free(uname);
    db_release(db);
    return st;
}

status_t auth_store_reset_password(db_pool_t *pool, const char *token_hash, const char *new_hash,
                                   char **user_id)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char *uid = NULL, *email = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *pt[] = {token_hash};
    if ((st = run(db, &CONSUME_RESET, pt, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_INVALID;
        goto done;
    }
    uid = col(res, 0, 0);
    const char *pp[] = {uid, new_hash};
    if ((st = run(db, &SET_PASSWORD, pp, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_INVALID;
        goto done;
    }
    email = col(res, 0, 0);
    const char *pu[] = {uid};
    const char *pe[] = {uid, NULL};
    const char *pc[] = {email};
    if ((st = run(db, &BURN_RESETS, pu, &res)) || (st = run(db, &END_SESSIONS, pe, &res)) ||
        (st = run(db, &CLEAR_FAILURES, pc, &res)) || (st = db_commit(db)))
        goto done;
    *user_id = uid;
    uid = NULL;
done:
    PQclear(res);
    free(uid);
    free(email);
    db_release(db);
    return st;
}

status_t auth_store_change_password(db_pool_t *pool, const char *user_id, const char *keep_session,
                                    const char *new_hash)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *pp[] = {user_id, new_hash};
    if ((st = run(db, &SET_PASSWORD, pp, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    const char *pu[] = {user_id};
    const char *pe[] = {user_id, keep_session};
    if ((st = run(db, &BURN_RESETS, pu, &res)) || (st = run(db, &END_SESSIONS, pe, &res)) ||
        (st = db_commit(db)))
        goto done;
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* ---- members --------------------------------------------------------------------------------- */

status_t auth_store_list_members(db_pool_t *pool, const char *org_id, Auth__MemberList **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    const char *p[] = {org_id};
    if ((st = run(db, &LIST_MEMBERS, p, &res)))
        goto done;
    Auth__MemberList *list = svc_msg_new(&auth__member_list__descriptor);
    if ((st = db_rows_to_repeated(res, &list->base, "members"))) {
        svc_msg_free(list);
        goto done;
    }
    *out = list;
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* Inside a transaction: locks the org's row, then reads the actor's and the target's roles
 * and the number of owners (a fresh snapshot, taken after the lock is held). */
static status_t lock_roles(db_t *db, const char *org_id, const char *actor_id,
                           const char *target_id, svc_role_t *actor, svc_role_t *target,
                           long *owners)
{
    PGresult *res = NULL;
    status_t st;

    const char *po[] = {org_id};
    if ((st = run(db, &LOCK_ORG, po, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    const char *pr[] = {org_id, actor_id, target_id};
    if ((st = run(db, &MEMBER_ROLES, pr, &res)))
        goto done;
    *actor = svc_role_parse(db_get(res, 0, 0));
    *target = svc_role_parse(db_get(res, 0, 1));
    *owners = (long)db_get_int(res, 0, 2);
done:
    PQclear(res);
    return st;
}

status_t auth_store_update_member(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *target_id, const char *role, Auth__Member **out,
                                  const char **why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    svc_role_t actor, target;
    long owners;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)) ||
        (st = lock_roles(db, org_id, actor_id, target_id, &actor, &target, &owners)))
        goto done;
    if (actor == SVC_ROLE_NONE) {
        *why = "you are no longer a member of this organization";
        st = ST_FORBIDDEN;
        goto done;
    }
    if (target == SVC_ROLE_NONE) {
        *why = "user_id: no such member in this organization";
        st = ST_NOT_FOUND;
        goto done;
    }
    if ((st = auth_roles_can_change(actor, strcmp(actor_id, target_id) == 0, target,
                                    svc_role_parse(role), owners, why)))
        goto done;
    const char *ps[] = {org_id, target_id, role};
    const char *pm[] = {org_id, target_id};
    Auth__MemberEvent evt = AUTH__MEMBER_EVENT__INIT;
    evt.user_id = (char *)target_id;
    evt.role = (char *)role;
    evt.previous_role = (char *)svc_role_name(target);
    if ((st = run(db, &SET_ROLE, ps, &res)) ||
        (st = auth_event_member(db, "role_changed", org_id, actor_id, &evt)) ||
        (st = run(db, &GET_MEMBER, pm, &res)))
        goto done;
    st = commit_row(db, res, &auth__member__descriptor, (void **)out);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_update_me(db_pool_t *pool, const char *org_id, const char *user_id,
                              const char *name, const char *language, Auth__SessionInfo **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *pn[] = {user_id, name, language};
    const char *pi[] = {org_id, user_id};
    if ((st = run(db, &SET_USER_DETAILS, pn, &res)) || (st = run(db, &SESSION_INFO, pi, &res)))
        goto done;
    st = commit_row(db, res, &auth__session_info__descriptor, (void **)out);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_update_org(db_pool_t *pool, const char *org_id, const char *actor_id,
                               const char *name, Auth__Organization **out, const char **why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    svc_role_t actor, self;
    long owners;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)) ||
        (st = lock_roles(db, org_id, actor_id, actor_id, &actor, &self, &owners)))
        goto done;
    if (actor == SVC_ROLE_NONE) {
        *why = "you are no longer a member of this organization";
        st = ST_FORBIDDEN;
        goto done;
    }
    if (!auth_role_is_manager(actor)) {
        *why = "only owners and admins may rename the organization";
        st = ST_FORBIDDEN;
        goto done;
    }
    const char *p[] = {org_id, name};
    if ((st = run(db, &SET_ORG_NAME, p, &res)))
        goto done;
    st = commit_row(db, res, &auth__organization__descriptor, (void **)out);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_remove_member(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *target_id, const char **why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    svc_role_t actor, target;
    long owners;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)) ||
        (st = lock_roles(db, org_id, actor_id, target_id, &actor, &target, &owners)))
        goto done;
    if (actor == SVC_ROLE_NONE) {
        *why = "you are no longer a member of this organization";
        st = ST_FORBIDDEN;
        goto done;
    }
    if (target == SVC_ROLE_NONE) {
        *why = "user_id: no such member in this organization";
        st = ST_NOT_FOUND;
        goto done;
    }
    if ((st = auth_roles_can_remove(actor, strcmp(actor_id, target_id) == 0, target, owners, why)))
        goto done;
    const char *p[] = {org_id, target_id};
    Auth__MemberEvent evt = AUTH__MEMBER_EVENT__INIT;
    evt.user_id = (char *)target_id;
    evt.previous_role = (char *)svc_role_name(target);
    if ((st = run(db, &DELETE_MEMBER, p, &res)) ||
        (st = auth_event_member(db, "removed", org_id, actor_id, &evt)) || (st = db_commit(db)))
        goto done;
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* ---- invitations ----------------------------------------------------------------------------- */

/* The actor's role in org, SVC_ROLE_NONE when not a member. */
static status_t actor_role(db_t *db, const char *org_id, const char *actor_id, svc_role_t *role)
{
    PGresult *res = NULL;
    status_t st;

    const char *p[] = {org_id, actor_id};
    if (!(st = run(db, &ACTOR_ROLE, p, &res)))
        *role = db_nrows(res) == 1 ? svc_role_parse(db_get(res, 0, 0)) : SVC_ROLE_NONE;
    PQclear(res);
    return st;
}

status_t auth_store_create_invite(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *email, const char *role, const char *token_hash,
                                  Auth__Invite **out, char **org_name, char **inviter_name,
                                  const char **why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    Auth__Invite *inv = NULL;
    svc_role_t actor;
    char ttl[24];
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)) ||
        (st = actor_role(db, org_id, actor_id, &actor)))
        goto done;
    if ((st = auth_roles_can_invite(actor, svc_role_parse(role), why)))
        goto done;
    const char *pe[] = {org_id, email};
    if ((st = run(db, &IS_MEMBER_EMAIL, pe, &res)))
        goto done;
    if (db_nrows(res) > 0) {
        *why = "email: already a member of this organization";
        st = ST_CONFLICT;
        goto done;
    }
    snprintf(ttl, sizeof ttl, "%d", AUTH_INVITE_TTL_S);
    const char *pi[] = {org_id, email, role, token_hash, actor_id, ttl};
    if ((st = run(db, &SUPERSEDE_INVITES, pe, &res)) || (st = run(db, &INSERT_INVITE, pi, &res)))
        goto done;
    if (!(inv = row_msg(res, 0, &auth__invite__descriptor))) {
        st = ST_INTERNAL;
        goto done;
    }
    Auth__MemberEvent evt = AUTH__MEMBER_EVENT__INIT;
    evt.email = (char *)email;
    evt.role = (char *)role;
    evt.invite_id = inv->id;
    if ((st = auth_event_member(db, "invited", org_id, actor_id, &evt)))
        goto done;
    const char *pn[] = {org_id, actor_id};
    if ((st = run(db, &INVITE_NAMES, pn, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    if ((st = db_commit(db)))
        goto done;
    *org_name = col(res, 0, 0);
    *inviter_name = col(res, 0, 1);
    *out = inv;
    inv = NULL;
done:
    svc_msg_free(inv);
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_list_invites(db_pool_t *pool, const char *org_id, const char *actor_id,
                                 Auth__InviteList **out, const char **why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    svc_role_t actor;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = actor_role(db, org_id, actor_id, &actor)))
        goto done;
    if (!auth_role_is_manager(actor)) {
        *why = "only owners and admins can see invitations";
        st = ST_FORBIDDEN;
        goto done;
    }
    const char *p[] = {org_id};
    if ((st = run(db, &LIST_INVITES, p, &res)))
        goto done;
    Auth__InviteList *list = svc_msg_new(&auth__invite_list__descriptor);
    if ((st = db_rows_to_repeated(res, &list->base, "invites"))) {
        svc_msg_free(list);
        goto done;
    }
    *out = list;
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_revoke_invite(db_pool_t *pool, const char *org_id, const char *actor_id,
                                  const char *invite_id, const char **why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    svc_role_t actor;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = actor_role(db, org_id, actor_id, &actor)))
        goto done;
    if (!auth_role_is_manager(actor)) {
        *why = "only owners and admins can revoke invitations";
        st = ST_FORBIDDEN;
        goto done;
    }
    const char *p[] = {invite_id, org_id};
    if ((st = run(db, &REVOKE_INVITE, p, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        *why = "id: no such pending invitation in this organization";
        st = ST_NOT_FOUND;
    }
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_find_invite(db_pool_t *pool, const char *token_hash, auth_invite_row_t *out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    const char *p[] = {token_hash};
    if ((st = run(db, &FIND_INVITE, p, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        st = ST_NOT_FOUND;
        goto done;
    }
    out->id = col(res, 0, 0);
    out->org_id = col(res, 0, 1);
    out->email = col(res, 0, 2);
    out->role = col(res, 0, 3);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_accept_invite(db_pool_t *pool, const char *invite_id, const char *user_id,
                                  const char *email, const char *name, const char *password_hash,
                                  const auth_new_session_t *sess, Auth__SessionInfo **out,
                                  const char **why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char *org_id = NULL, *role = NULL, *new_id = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *pi[] = {invite_id};
    if ((st = run(db, &CLAIM_INVITE, pi, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        *why = "token: the invitation is invalid, expired or already used";
        st = ST_INVALID;
        goto done;
    }
    org_id = col(res, 0, 0);
    role = col(res, 0, 1);
    if (!user_id) {
        const char *pu[] = {email, name, password_hash, NULL};
        if ((st = run(db, &INSERT_USER, pu, &res))) {
            if (st == ST_CONFLICT)
                *why = "email: an account with this address was just created; sign in to it "
                       "and open the invitation again";
            goto done;
        }
        user_id = new_id = col(res, 0, 0);
        if ((st = auth_event_user(db, org_id, user_id, email, name)))
            goto done;
    }
    const char *pm[] = {org_id, user_id, role};
    if ((st = run(db, &INSERT_MEMBERSHIP, pm, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        *why = "you are already a member of this organization";
        st = ST_CONFLICT;
        goto done;
    }
    Auth__MemberEvent evt = AUTH__MEMBER_EVENT__INIT;
    evt.user_id = (char *)user_id;
    evt.role = role;
    evt.invite_id = (char *)invite_id;
    if ((st = auth_event_member(db, "joined", org_id, user_id, &evt)) ||
        (st = start_session(db, org_id, user_id, sess, out)))
        goto done;
    if ((st = db_commit(db))) {
        svc_msg_free(*out);
        *out = NULL;
    }
done:
    PQclear(res);
    free(org_id);
    free(role);
    free(new_id);
    db_release(db);
    return st;
}

/* ---- API keys -------------------------------------------------------------------------------- */

status_t auth_store_create_api_key(db_pool_t *pool, const char *org_id, const char *user_id,
                                   const char *name, const char *prefix, const char *key_hash,
                                   Auth__ApiKey **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *p[] = {org_id, user_id, name, prefix, key_hash};
    if ((st = run(db, &INSERT_API_KEY, p, &res)))
        goto done; /* ST_NOT_FOUND: the membership is gone (foreign key) */
    if (db_nrows(res) == 1 && (st = auth_event_api_key(db, "created", org_id, user_id,
                                                       db_get(res, 0, 0), user_id, name, prefix)))
        goto done;
    st = commit_row(db, res, &auth__api_key__descriptor, (void **)out);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_list_api_keys(db_pool_t *pool, const char *org_id, const char *user_id,
                                  Auth__ApiKeyList **out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)))
        goto done;
    const char *p[] = {org_id, user_id};
    if ((st = run(db, &LIST_API_KEYS, p, &res)))
        goto done;
    Auth__ApiKeyList *list = svc_msg_new(&auth__api_key_list__descriptor);
    if ((st = db_rows_to_repeated(res, &list->base, "keys"))) {
        svc_msg_free(list);
        goto done;
    }
    *out = list;
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t auth_store_delete_api_key(db_pool_t *pool, const char *org_id, const char *user_id,
                                   const char *key_id, char hash[CRYPTO_SHA256_HEX_SIZE],
                                   svc_why_t *why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *p[] = {org_id, user_id, key_id};
    if ((st = run(db, &DELETE_API_KEY, p, &res)))
        goto done;
    if (db_nrows(res) != 1) {
        /* A key the caller sees but may not revoke (an owner's, for an admin) is refused. */
        if ((st = run(db, &API_KEY_VISIBLE, p, &res)) == ST_OK)
            st = db_nrows(res) == 1
                     ? svc_why(why, ST_FORBIDDEN, "id: only owners may revoke an owner's API key")
                     : ST_NOT_FOUND;
        goto done;
    }
    if ((st = auth_event_api_key(db, "revoked", org_id, user_id, key_id, db_get(res, 0, 1),
                                 db_get(res, 0, 2), db_get(res, 0, 3))))
        goto done;
    snprintf(hash, CRYPTO_SHA256_HEX_SIZE, "%s", db_get(res, 0, 0));
    st = db_commit(db);
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* ---- housekeeping ---------------------------------------------------------------------------- */

status_t auth_store_cleanup(db_pool_t *pool, int64_t idle_s)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char idle[24];
    status_t st;

    snprintf(idle, sizeof idle, "%" PRId64, idle_s);
    const char *p[] = {idle};
    if ((st = db_acquire(pool, &db)) || (st = run(db, &CLEANUP, p, &res)))
        goto done;
    LOG_DEBUG("cleanup: deleted %lld failed sign-ins, %lld sessions, %lld reset tokens, "
              "%lld invitations",
              db_get_int(res, 0, 0), db_get_int(res, 0, 1), db_get_int(res, 0, 2),
              db_get_int(res, 0, 3));
done:
    PQclear(res);
    db_release(db);
    return st;
}
