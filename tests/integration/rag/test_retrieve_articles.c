/* test_retrieve_articles.c - articles in retrieval: created, updated and deleted articles are
 * reflected (rag's consumer of its own article events), articles written before retrieval are
 * indexed once by the backfill, and chunks of another embedding model are re-embedded. */
#include "retrieve_helpers.h"

/* Polls retrieve (mode, k 5) as p until the first passage starts with want (or, want NULL,
 * until no passage starts with gone_prefix); fails after ~15 s. */
static void wait_first(person_t *p, const char *q, const char *mode, const char *want,
                       const char *gone_prefix)
{
    char *body = fmt("{\"q\":\"%s\",\"mode\":\"%s\",\"k\":5}", q, mode);
    char *t = NULL;
    for (int i = 0; i < 300; i++) {
        free(t);
        t = rt_first(p, body);
        if (want ? strncmp(t, want, strlen(want)) == 0
                 : strncmp(t, gone_prefix, strlen(gone_prefix)) != 0)
            break;
        usleep(50 * 1000);
    }
    if (want)
        cr_assert(strncmp(t, want, strlen(want)) == 0, "%s \"%s\": wanted \"%s...\", got \"%s\"",
                  mode, q, want, t);
    else
        cr_assert(strncmp(t, gone_prefix, strlen(gone_prefix)) != 0, "%s: still \"%s\"", mode, t);
    free(t);
    free(body);
}

Test(retrieve_articles, created_updated_deleted, .timeout = 120)
{
    person_t o = {0};
    person_sign_up(&o, "rt-articles");
    char *cat = mk_category(&o, "Policies", NULL);
    char *id =
        mk_article(&o, "Returns policy",
                   "# Returns\\n\\nGoods can be returned within fourteen days of delivery.", cat);
    wait_first(&o, "returned within fourteen days", "fulltext", "Goods can be returned", NULL);
    wait_first(&o, "returned within fourteen days", "vector", "Goods can be returned", NULL);

    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = fmt("{\"q\":\"returned goods\",\"category_ids\":[\"%s\"]}", cat);
    rt_retrieve(&o, body, &r);
    free(body);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.source_kind"), "article");
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.source_id"), id);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.title"), "Returns policy");
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.heading_path"), "Returns");
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.category_id"), cat);
    httpc_resp_cleanup(&r);

    /* Updated: the new text is found, the old one is gone. */
    char *path = fmt("/api/kb/articles/%s", id);
    free(
        call(&o, "PATCH", path,
             "{\"body\":\"# Returns\\n\\nReturns are accepted for thirty days, receipts needed.\"}",
             200, NULL));
    wait_first(&o, "returns thirty days receipts", "hybrid", "Returns are accepted", NULL);
    wait_first(&o, "fourteen days delivery", "fulltext", NULL, "Goods can be returned");
    cr_assert_eq(rag_count("chunks", o.org_id), 1, "the old generation is gone");

    /* Deleted: nothing of it is found. */
    free(call(&o, "DELETE", path, NULL, 204, NULL));
    wait_first(&o, "returns thirty days receipts", "hybrid", NULL, "Returns are accepted");
    cr_assert_eq(rag_count("chunks", o.org_id), 0);
    free(path);
    free(id);
    free(cat);
    person_free(&o);
}

Test(retrieve_articles, backfill_and_reembedding, .timeout = 120)
{
    rt_t rt;
    rt_start(&rt);
    person_t o = {0};
    person_sign_up(&o, "rt-backfill");
    /* An article written before retrieval existed: in the table, never announced. */
    char *sql = fmt("INSERT INTO rag.articles (org_id, title, body) VALUES ('%s', 'Old prices', "
                    "'Delivery to Kazan costs nine hundred roubles.'); "
                    "INSERT INTO rag.index_orgs (org_id) VALUES ('%s') ON CONFLICT DO NOTHING",
                    o.org_id, o.org_id);
    cr_assert(harness_pg_exec(sql));
    free(sql);
    /* Chunks whose vectors another model made (8 dimensions, meaningless). */
    char src[37];
    uuid_new(src);
    static char *const OLD[] = {"Loyalty points expire after two years."};
    float junk[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    char err[256] = "";
    cr_assert_eq(rt_put_vectors(&rt, o.org_id, &(rt_put_t){.source = src, .last = true}, OLD, 1,
                                "retired-model", junk, 8, NULL, err, sizeof err),
                 ST_OK, "%s", err);

    /* A new replica runs the job at start. */
    const char *env[] = {"LOG_LEVEL=info", NULL};
    pid_t rep = harness_spawn_service("rag", env);
    cr_assert_gt(rep, 0);
    rag_wait_serving(rep);
    wait_first(&o, "Kazan delivery cost", "fulltext", "Delivery to Kazan", NULL);
    wait_first(&o, "loyalty points expire", "vector", "Loyalty points expire", NULL);
    char *q = fmt("SELECT count(*) FROM rag.chunks WHERE org_id = '%s' AND model = "
                  "'retired-model'",
                  o.org_id);
    char *v = harness_pg_value(q);
    cr_assert_str_eq(v, "0", "every chunk was re-embedded");
    free(v);
    free(q);
    person_free(&o);
    rt_stop(&rt);
    cr_assert_eq(harness_stop(rep), 0);
}
