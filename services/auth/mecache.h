/* mecache.h - a short-lived cache of `me` answers (user, organisation, role) per (org, user).
 *
 * `GET /api/auth/me` is the most frequent call of the console and of API clients checking their
 * key; its answer changes only when the role, the membership or the user changes, and every such
 * change publishes `user:<id>` on auth.revoked, which every replica applies here. A change of
 * names only (PATCH /api/auth/me, PATCH /api/org) publishes `me:<user id>` or `org:<org id>`:
 * those drop cached answers here and end nothing (the edge ignores them). The TTL bounds what a
 * lost NATS message could leave stale. Whoever adds a mutation of users, organisations or
 * memberships must call auth_revoke(svc, "user", id) (or drop the cache) for the users it touches.
 *
 * Entries hold the packed SessionInfo; get returns a fresh unpacked copy. Thread-safe.
 */
#ifndef AUTH_MECACHE_H
#define AUTH_MECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/auth.pb-c.h"

typedef struct auth_mecache auth_mecache_t;

/* ttl_ms 0 disables the cache (new returns NULL; every call below accepts NULL). */
auth_mecache_t *auth_mecache_new(int64_t ttl_ms, size_t max_entries);
void auth_mecache_free(auth_mecache_t *c);
/* A copy of the cached answer (free with auth__session_info__free_unpacked), or NULL. */
Auth__SessionInfo *auth_mecache_get(auth_mecache_t *c, const char *org_id, const char *user_id,
                                    int64_t now_ms);
void auth_mecache_put(auth_mecache_t *c, const char *org_id, const char *user_id,
                      const Auth__SessionInfo *info, int64_t now_ms);
/* Drops the entries matching org_id and user_id; NULL matches any (not both NULL). */
void auth_mecache_drop(auth_mecache_t *c, const char *org_id, const char *user_id);
/* Applies an auth.revoked message body: "user:<id>" and "me:<id>" drop that user, "org:<id>"
 * every member of that organisation; anything else is ignored. */
void auth_mecache_apply_revocation(auth_mecache_t *c, const char *body, size_t len);

#endif
