/* test_rag_cache.c - every rag replica caches searches and lists per organisation, yet each
 * change shows in the very next answers, whichever replica gives them. (A binary of its own:
 * test_rag_replicas kills replicas of the shared stack, which would stall these requests.) */
#include "rag_helpers.h"

#include <signal.h>

/* The total of a search with extra request headers (NULL-terminated "Name: value" lines). */
static long search_total_with(person_t *p, const char *word, const char *const *headers)
{
    char *path = fmt("/api/kb/articles?q=%s", word);
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(p->c, "GET", path, NULL, headers, &r), ST_OK);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body.data);
    long n = (long)json_integer_value(httpc_json_path(httpc_resp_json(&r), "total"));
    httpc_resp_cleanup(&r);
    free(path);
    return n;
}

/* The total of GET /api/kb/articles?q=<word>. */
static long search_total(person_t *p, const char *word)
{
    return search_total_with(p, word, NULL);
}

/* A row written behind the service's back (no drop) stays unseen while the answer is cached,
 * until the TTL ends it; Cache-Control: no-cache asks the database at once. */
static void cached_until_no_cache(void)
{
    person_t o = {0};
    person_sign_up(&o, "rag-nocache");
    cr_assert_eq(search_total(&o, "serengeti"), 0);
    char *sql = fmt("INSERT INTO rag.articles (org_id, title, body) "
                    "VALUES ('%s', 'Park', 'serengeti')",
                    o.org_id);
    cr_assert(harness_pg_exec(sql));
    free(sql);
    /* Only the stack's own rag replica runs yet, so this answer is its cached one. */
    cr_assert_eq(search_total(&o, "serengeti"), 0, "a cached answer");
    const char *fresh[] = {"Cache-Control: no-cache", NULL};
    cr_assert_eq(search_total_with(&o, "serengeti", fresh), 1, "no-cache asks the database");
    cr_assert_eq(search_total(&o, "serengeti"), 1, "and keeps the fresh answer");
    person_free(&o);
}

/* Searches and lists are cached per organisation in every replica: each change must show in
 * the very next answers, whichever replica gives them. */
Test(rag_cache, cached_yet_every_replica_sees_a_change_at_once, .timeout = 120)
{
    cached_until_no_cache(); /* first, while the stack's replica is the only one */
    const char *env[] = {"LOG_LEVEL=info", NULL};
    pid_t r1 = harness_spawn_service("rag", env), r2 = harness_spawn_service("rag", env);
    cr_assert_gt(r1, 0);
    cr_assert_gt(r2, 0);
    rag_wait_serving(r1);
    rag_wait_serving(r2);
    person_t o = {0};
    person_sign_up(&o, "rag-fresh");
    char word[32], other[32];
    char *cat = mk_category(&o, "first name", NULL);
    for (int v = 0; v < 10; v++) {
        snprintf(word, sizeof word, "zanzibar%d", v);
        snprintf(other, sizeof other, "kilimanjaro%d", v);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(search_total(&o, word), 0);
        char *id = mk_article(&o, "Trip", word, NULL);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(search_total(&o, word), 1, "created, yet a search did not find it");
        char *path = fmt("/api/kb/articles/%s", id), *patch = fmt("{\"body\":\"%s\"}", other);
        free(call(&o, "PATCH", path, patch, 200, NULL));
        for (int i = 0; i < 4; i++) {
            cr_assert_eq(search_total(&o, word), 0, "updated, yet the old text was found");
            cr_assert_eq(search_total(&o, other), 1, "updated, yet the new text was not found");
        }
        free(call(&o, "DELETE", path, NULL, 204, NULL));
        for (int i = 0; i < 4; i++)
            cr_assert_eq(search_total(&o, other), 0, "deleted, yet still found");
        /* The category tree likewise. */
        char *cat_path = fmt("/api/kb/categories/%s", cat),
             *rename = fmt("{\"name\":\"%s\"}", word);
        free(call(&o, "PATCH", cat_path, rename, 200, NULL));
        for (int i = 0; i < 4; i++) {
            char *name = call(&o, "GET", "/api/kb/categories", NULL, 200, "items.0.name");
            cr_assert_str_eq(name, word, "renamed, yet the tree showed %s", name);
            free(name);
        }
        free(rename);
        free(cat_path);
        free(patch);
        free(path);
        free(id);
    }
    free(cat);
    harness_stop(r1);
    harness_stop(r2);
    person_free(&o);
}
