/* test_retrieve_replicas.c - the in-memory vector index on several rag replicas: a deleted or
 * replaced source is gone from vector search on every replica as soon as the call answered,
 * and a replica whose memory budget holds one organisation evicts the least recently searched
 * one and loads it again, still answering right. */
#include "retrieve_helpers.h"

/* Vector-mode searches for q as p, n times: how many answered `want` first. Requests through
 * the edge are spread over every replica (queue group). */
static int firsts(person_t *p, const char *q, const char *want, int n)
{
    char *body = fmt("{\"q\":\"%s\",\"mode\":\"vector\",\"k\":1}", q);
    int hits = 0;
    for (int i = 0; i < n; i++) {
        char *t = rt_first(p, body);
        hits += strcmp(t, want) == 0;
        free(t);
    }
    free(body);
    return hits;
}

/* How many times a replica's log mentions s. */
static int log_mentions(pid_t pid, const char *s)
{
    char *path = harness_log_path("rag", pid), *log = slurp(path);
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, s)); p++)
        n++;
    free(log);
    free(path);
    return n;
}

Test(retrieve_replicas, changes_reach_every_replica_before_the_answer, .timeout = 120)
{
    const char *env[] = {"LOG_LEVEL=info", NULL};
    pid_t r1 = harness_spawn_service("rag", env), r2 = harness_spawn_service("rag", env);
    cr_assert_gt(r1, 0);
    cr_assert_gt(r2, 0);
    rag_wait_serving(r1);
    rag_wait_serving(r2);
    rt_t rt;
    rt_start(&rt);
    person_t o = {0};
    person_sign_up(&o, "rt-replicas");
    char keep[37], gone[37];
    uuid_new(keep);
    uuid_new(gone);
    static char *const KEEP[] = {"Shipping to Berlin takes three days."};
    static char *const GONE[] = {"Warranty claims need the original receipt."};
    static char *const NEW[] = {"Warranty claims are accepted online without a receipt."};
    rt_put(&rt, o.org_id, &(rt_put_t){.source = keep, .last = true}, KEEP, 1);
    rt_put(&rt, o.org_id, &(rt_put_t){.source = gone, .last = true}, GONE, 1);
    /* Every replica loads the organisation and finds it. */
    cr_assert_eq(firsts(&o, "warranty receipt", GONE[0], 30), 30);

    /* A new generation replaces the passage everywhere at once. */
    rt_put(&rt, o.org_id, &(rt_put_t){.source = gone, .generation = 2, .last = true}, NEW, 1);
    cr_assert_eq(firsts(&o, "warranty receipt", NEW[0], 30), 30,
                 "a replica served the old generation after the put answered");

    /* A delete: no replica finds it after the answer, not even once. */
    cr_assert_eq(rt_delete(&rt, o.org_id, gone), ST_OK);
    cr_assert_eq(firsts(&o, "warranty receipt", KEEP[0], 30), 30,
                 "a replica served a deleted source after the delete answered");

    person_free(&o);
    rt_stop(&rt);
    cr_assert_eq(harness_stop(r1), 0);
    cr_assert_eq(harness_stop(r2), 0);
}

Test(retrieve_replicas, budget_evicts_then_reloads, .timeout = 120)
{
    /* A budget of 1 MB holds one of these organisations (about 600 KB each) at a time. */
    rt_t rt;
    rt_start(&rt);
    person_t a = {0}, b = {0};
    person_sign_up(&a, "rt-budget-a");
    person_sign_up(&b, "rt-budget-b");
    enum { N = 2000 };
    static float vecs[256 * 256];
    char **texts = xcalloc(256, sizeof *texts);
    for (int i = 0; i < 256; i++)
        texts[i] = fmt("filler passage number %d", i);
    for (person_t *p = &a; p; p = p == &a ? &b : NULL) {
        char src[37];
        uuid_new(src);
        for (int batch = 0; batch * 256 < N; batch++) {
            for (int i = 0; i < 256 * 256; i++)
                vecs[i] = (float)((i * 7919 + batch * 31) % 17) - 8.0f;
            int n = N - batch * 256 < 256 ? N - batch * 256 : 256;
            rt_put_t put = {
                .source = src, .first_seq = batch * 256, .last = (batch + 1) * 256 >= N};
            char err[256] = "";
            cr_assert_eq(rt_put_vectors(&rt, p->org_id, &put, texts, (size_t)n, "filler-model",
                                        vecs, 256, NULL, err, sizeof err),
                         ST_OK, "%s", err);
        }
        char real[37];
        uuid_new(real);
        static char *const ONE[] = {"The loyalty card gives five percent off."};
        rt_put(&rt, p->org_id, &(rt_put_t){.source = real, .last = true}, ONE, 1);
    }
    for (int i = 0; i < 256; i++)
        free(texts[i]);
    free(texts);

    /* A replica with that budget; the stack's own replica shares the queue group, so searches
     * alternate between the two organisations until this one has evicted twice. */
    const char *env[] = {"LOG_LEVEL=info", "RAG_INDEX_BUDGET_MB=1", NULL};
    pid_t r = harness_spawn_service("rag", env);
    cr_assert_gt(r, 0);
    rag_wait_serving(r);
    for (int round = 0; round < 40 && log_mentions(r, "evicted") < 2; round++) {
        cr_assert_eq(firsts(&a, "loyalty card", "The loyalty card gives five percent off.", 2), 2);
        cr_assert_eq(firsts(&b, "loyalty card", "The loyalty card gives five percent off.", 2), 2);
    }
    cr_assert_geq(log_mentions(r, "evicted"), 2, "the replica evicted and reloaded organisations");
    person_free(&a);
    person_free(&b);
    rt_stop(&rt);
    cr_assert_eq(harness_stop(r), 0);
}
