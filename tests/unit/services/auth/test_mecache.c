/* test_mecache.c - the `me` answer cache: hits return copies, entries expire, revocations of a
 * user drop all of that user's entries and nothing else, name changes drop the user (me:) or
 * the organisation (org:), the size bound holds. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "services/auth/mecache.h"

static Auth__SessionInfo *info(const char *user, const char *role)
{
    static Auth__User u;
    static Auth__Organization o;
    static Auth__SessionInfo i;
    auth__user__init(&u);
    auth__organization__init(&o);
    auth__session_info__init(&i);
    u.id = (char *)user;
    u.email = "someone@example.com";
    o.id = "org-1";
    o.name = "Org";
    i.user = &u;
    i.organization = &o;
    i.role = (char *)role;
    return &i;
}

Test(mecache, disabled_is_null_and_harmless)
{
    auth_mecache_t *c = auth_mecache_new(0, 10);
    cr_assert_null(c);
    auth_mecache_put(c, "o", "u", info("u", "owner"), 0);
    cr_assert_null(auth_mecache_get(c, "o", "u", 0));
    auth_mecache_drop(c, NULL, "u");
    auth_mecache_free(c);
}

Test(mecache, hit_returns_a_copy_until_expiry)
{
    auth_mecache_t *c = auth_mecache_new(1000, 10);
    cr_assert_null(auth_mecache_get(c, "org-1", "u1", 0));
    auth_mecache_put(c, "org-1", "u1", info("u1", "admin"), 0);
    Auth__SessionInfo *a = auth_mecache_get(c, "org-1", "u1", 999);
    cr_assert_not_null(a);
    cr_assert_str_eq(a->role, "admin");
    cr_assert_str_eq(a->user->id, "u1");
    cr_assert_str_eq(a->organization->name, "Org");
    auth__session_info__free_unpacked(a, NULL);
    cr_assert_null(auth_mecache_get(c, "org-1", "u1", 1000), "expired at the TTL");
    cr_assert_null(auth_mecache_get(c, "org-2", "u1", 0), "per organisation");
    auth_mecache_free(c);
}

Test(mecache, put_replaces)
{
    auth_mecache_t *c = auth_mecache_new(1000, 10);
    auth_mecache_put(c, "org-1", "u1", info("u1", "member"), 0);
    auth_mecache_put(c, "org-1", "u1", info("u1", "owner"), 10);
    Auth__SessionInfo *a = auth_mecache_get(c, "org-1", "u1", 20);
    cr_assert_str_eq(a->role, "owner");
    auth__session_info__free_unpacked(a, NULL);
    auth_mecache_free(c);
}

Test(mecache, revocation_drops_the_user_everywhere)
{
    auth_mecache_t *c = auth_mecache_new(1000, 10);
    auth_mecache_put(c, "org-1", "u1", info("u1", "member"), 0);
    auth_mecache_put(c, "org-2", "u1", info("u1", "member"), 0);
    auth_mecache_put(c, "org-1", "u2", info("u2", "member"), 0);
    auth_mecache_apply_revocation(c, "token:abcdef", 12); /* not about users: ignored */
    Auth__SessionInfo *a = auth_mecache_get(c, "org-1", "u1", 1);
    cr_assert_not_null(a);
    auth__session_info__free_unpacked(a, NULL);
    auth_mecache_apply_revocation(c, "user:u1", 7);
    cr_assert_null(auth_mecache_get(c, "org-1", "u1", 1));
    cr_assert_null(auth_mecache_get(c, "org-2", "u1", 1));
    a = auth_mecache_get(c, "org-1", "u2", 1);
    cr_assert_not_null(a, "other users stay");
    auth__session_info__free_unpacked(a, NULL);
    auth_mecache_apply_revocation(c, "user:", 5); /* malformed: ignored */
    auth_mecache_free(c);
}

/* A cached answer is alive (freed at once), or not. */
static bool cached(auth_mecache_t *c, const char *org, const char *user)
{
    Auth__SessionInfo *a = auth_mecache_get(c, org, user, 1);
    if (a)
        auth__session_info__free_unpacked(a, NULL);
    return a != NULL;
}

Test(mecache, name_changes_drop_the_user_or_the_organisation)
{
    auth_mecache_t *c = auth_mecache_new(1000, 10);
    auth_mecache_put(c, "org-1", "u1", info("u1", "owner"), 0);
    auth_mecache_put(c, "org-2", "u1", info("u1", "member"), 0);
    auth_mecache_put(c, "org-1", "u2", info("u2", "member"), 0);
    auth_mecache_put(c, "org-2", "u3", info("u3", "owner"), 0);

    auth_mecache_apply_revocation(c, "org:org-1", 9); /* organisation renamed */
    cr_assert(!cached(c, "org-1", "u1"));
    cr_assert(!cached(c, "org-1", "u2"));
    cr_assert(cached(c, "org-2", "u1"), "the user's other organisation stays");
    cr_assert(cached(c, "org-2", "u3"));

    auth_mecache_apply_revocation(c, "me:u1", 5); /* own name changed */
    cr_assert(!cached(c, "org-2", "u1"));
    cr_assert(cached(c, "org-2", "u3"));

    auth_mecache_apply_revocation(c, "org:", 4); /* malformed: ignored */
    auth_mecache_apply_revocation(c, "me:", 3);
    auth_mecache_apply_revocation(c, "orgx:org-2", 10);
    cr_assert(cached(c, "org-2", "u3"));
    auth_mecache_drop(c, NULL, NULL); /* matches nothing rather than everything */
    cr_assert(cached(c, "org-2", "u3"));
    auth_mecache_drop(c, "org-2", "u3");
    cr_assert(!cached(c, "org-2", "u3"));
    auth_mecache_free(c);
}

Test(mecache, size_is_bounded)
{
    auth_mecache_t *c = auth_mecache_new(100000, 3);
    char user[16];
    for (int i = 0; i < 10; i++) {
        snprintf(user, sizeof user, "u%d", i);
        auth_mecache_put(c, "org-1", user, info(user, "member"), 0);
    }
    int hits = 0;
    for (int i = 0; i < 10; i++) {
        snprintf(user, sizeof user, "u%d", i);
        Auth__SessionInfo *a = auth_mecache_get(c, "org-1", user, 1);
        hits += a != NULL;
        if (a)
            auth__session_info__free_unpacked(a, NULL);
    }
    cr_assert_leq(hits, 3);
    cr_assert_geq(hits, 1);
    auth_mecache_free(c);
}
