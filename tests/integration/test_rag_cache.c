/* test_rag_cache.c - every rag replica caches searches and lists per organisation, yet each
 * change shows in the very next answers, whichever replica gives them. (A binary of its own:
 * test_rag_replicas kills replicas of the shared stack, which would stall these requests.) */
#include "rag_helpers.h"

#include <signal.h>

/* Waits until the replica's log says it serves. */
static void wait_serving(pid_t pid)
{
    char *path = harness_log_path("rag", pid);
    for (int i = 0; i < 400; i++) {
        char *log = slurp(path);
        bool ready = log && strstr(log, "rag: ready");
        free(log);
        if (ready)
            break;
        cr_assert_lt(i, 399, "rag replica %d did not get ready; see %s", (int)pid, path);
        cr_assert_eq(kill(pid, 0), 0, "rag replica %d died; see %s", (int)pid, path);
        usleep(25 * 1000);
    }
    free(path);
}

/* The total of GET /api/kb/articles?q=<word>. */
static long search_total(person_t *p, const char *word)
{
    char *path = fmt("/api/kb/articles?q=%s", word);
    httpc_resp_t r = HTTPC_RESP_INIT;
    call_resp(p, "GET", path, NULL, 200, &r);
    json_t *total = httpc_json_path(httpc_resp_json(&r), "total");
    cr_assert(json_is_integer(total), "%s: %s", path, r.body.data);
    long n = (long)json_integer_value(total);
    httpc_resp_cleanup(&r);
    free(path);
    return n;
}

/* Searches and lists are cached per organisation in every replica: each change must show in
 * the very next answers, whichever replica gives them. */
Test(rag_cache, every_replica_sees_a_change_at_once, .timeout = 120)
{
    const char *env[] = {"LOG_LEVEL=info", NULL};
    pid_t r1 = harness_spawn_service("rag", env), r2 = harness_spawn_service("rag", env);
    cr_assert_gt(r1, 0);
    cr_assert_gt(r2, 0);
    wait_serving(r1);
    wait_serving(r2);
    person_t o = {0};
    person_sign_up(&o, "rag-fresh");
    char word[32], other[32];
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
        free(patch);
        free(path);
        free(id);
    }
    harness_stop(r1);
    harness_stop(r2);
    person_free(&o);
}
