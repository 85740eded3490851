/* test_cache.c - the scoped answer cache: hits, expiry, drops, the generation guard, bounds. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "shared/cache.h"

#define ORG_A "11111111-1111-4111-8111-111111111111"
#define ORG_B "22222222-2222-4222-8222-222222222222"

static bool get_str(cache_t *c, const char *scope, const char *key, int64_t now, buf_t *b)
{
    buf_reset(b);
    return cache_get(c, scope, key, now, b);
}

Test(cache, disabled_when_ttl_is_zero)
{
    cache_t *c = cache_new(0, 100);
    buf_t b = BUF_INIT;
    cr_assert_null(c);
    cache_put(c, ORG_A, "k", cache_gen(c, ORG_A), "x", 1, 0);
    cr_assert_not(cache_get(c, ORG_A, "k", 0, &b));
    cache_drop(c, ORG_A);
    cache_clear(c);
    cr_assert_eq(cache_count(c), 0);
    cache_free(c);
}

Test(cache, hit_until_the_ttl_runs_out)
{
    cache_t *c = cache_new(1000, 100);
    buf_t b = BUF_INIT;
    cache_put(c, ORG_A, "page=1", cache_gen(c, ORG_A), "answer", 6, 5000);
    cr_assert(get_str(c, ORG_A, "page=1", 5999, &b));
    cr_assert_eq(b.len, 6);
    cr_assert_eq(memcmp(b.data, "answer", 6), 0);
    cr_assert_not(get_str(c, ORG_A, "page=1", 6000, &b), "expired at put time + ttl");
    cr_assert_not(get_str(c, ORG_A, "page=2", 5100, &b), "another key");
    cr_assert_not(get_str(c, ORG_B, "page=1", 5100, &b), "another scope never sees it");
    buf_cleanup(&b);
    cache_free(c);
}

Test(cache, scope_and_key_do_not_run_together)
{
    cache_t *c = cache_new(1000, 100);
    buf_t b = BUF_INIT;
    cache_put(c, "ab", "c", cache_gen(c, "ab"), "1", 1, 0);
    cr_assert_not(get_str(c, "a", "bc", 1, &b));
    cr_assert(get_str(c, "ab", "c", 1, &b));
    buf_cleanup(&b);
    cache_free(c);
}

Test(cache, put_replaces_an_entry)
{
    cache_t *c = cache_new(1000, 100);
    buf_t b = BUF_INIT;
    cache_put(c, ORG_A, "k", cache_gen(c, ORG_A), "old", 3, 0);
    cache_put(c, ORG_A, "k", cache_gen(c, ORG_A), "newer", 5, 10);
    cr_assert(get_str(c, ORG_A, "k", 20, &b));
    cr_assert_eq(b.len, 5);
    cr_assert_eq(memcmp(b.data, "newer", 5), 0);
    cr_assert_eq(cache_count(c), 1);
    buf_cleanup(&b);
    cache_free(c);
}

Test(cache, drop_removes_only_that_scope)
{
    cache_t *c = cache_new(1000, 100);
    buf_t b = BUF_INIT;
    cache_put(c, ORG_A, "k1", cache_gen(c, ORG_A), "a1", 2, 0);
    cache_put(c, ORG_A, "k2", cache_gen(c, ORG_A), "a2", 2, 0);
    cache_put(c, ORG_B, "k1", cache_gen(c, ORG_B), "b1", 2, 0);
    cache_drop(c, ORG_A);
    cr_assert_not(get_str(c, ORG_A, "k1", 1, &b));
    cr_assert_not(get_str(c, ORG_A, "k2", 1, &b));
    cr_assert(get_str(c, ORG_B, "k1", 1, &b));
    cr_assert_eq(cache_count(c), 1);
    /* After the drop, a fresh answer is stored again. */
    cache_put(c, ORG_A, "k1", cache_gen(c, ORG_A), "a1'", 3, 2);
    cr_assert(get_str(c, ORG_A, "k1", 3, &b));
    buf_cleanup(&b);
    cache_free(c);
}

Test(cache, an_answer_computed_across_a_drop_is_not_stored)
{
    cache_t *c = cache_new(1000, 100);
    buf_t b = BUF_INIT;
    uint64_t gen = cache_gen(c, ORG_A); /* the query starts */
    cache_drop(c, ORG_A);               /* a change commits meanwhile, elsewhere */
    cache_put(c, ORG_A, "k", gen, "stale", 5, 0);
    cr_assert_not(get_str(c, ORG_A, "k", 1, &b), "a stale answer would outlive the change");
    cr_assert_eq(cache_count(c), 0);
    buf_cleanup(&b);
    cache_free(c);
}

Test(cache, clear_drops_everything)
{
    cache_t *c = cache_new(1000, 100);
    buf_t b = BUF_INIT;
    uint64_t gen = cache_gen(c, ORG_B);
    cache_put(c, ORG_A, "k", cache_gen(c, ORG_A), "a", 1, 0);
    cache_clear(c);
    cache_put(c, ORG_B, "k", gen, "b", 1, 0);
    cr_assert_not(get_str(c, ORG_A, "k", 1, &b));
    cr_assert_not(get_str(c, ORG_B, "k", 1, &b), "computed before the clear");
    cr_assert_eq(cache_count(c), 0);
    buf_cleanup(&b);
    cache_free(c);
}

Test(cache, bounded_and_reclaims_expired_entries)
{
    cache_t *c = cache_new(100, 4);
    buf_t b = BUF_INIT;
    char key[16];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cache_put(c, ORG_A, key, cache_gen(c, ORG_A), "v", 1, 0);
    }
    cache_put(c, ORG_A, "k4", cache_gen(c, ORG_A), "v", 1, 50);
    cr_assert_not(get_str(c, ORG_A, "k4", 51, &b), "full of live entries: not stored");
    cr_assert(get_str(c, ORG_A, "k0", 51, &b), "the older entries stay");
    cache_put(c, ORG_A, "k5", cache_gen(c, ORG_A), "v", 1, 200);
    cr_assert(get_str(c, ORG_A, "k5", 201, &b), "expired entries made room");
    cr_assert_eq(cache_count(c), 1);
    buf_cleanup(&b);
    cache_free(c);
}

static cache_t *shared;

static void *hammer(void *arg)
{
    const char *scope = arg;
    buf_t b = BUF_INIT;
    char key[16];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%d", i % 50);
        uint64_t gen = cache_gen(shared, scope);
        if (!get_str(shared, scope, key, i, &b))
            cache_put(shared, scope, key, gen, key, strlen(key), i);
        else
            cr_assert_eq(strncmp(b.data, key, b.len), 0);
        if (i % 97 == 0)
            cache_drop(shared, scope);
    }
    buf_cleanup(&b);
    return NULL;
}

Test(cache, threads_share_it)
{
    pthread_t t[4];
    const char *scopes[] = {ORG_A, ORG_B, ORG_A, ORG_B};
    shared = cache_new(1000000, 64);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, (void *)scopes[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_assert_leq(cache_count(shared), 64);
    cache_free(shared);
}
