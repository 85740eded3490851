/* test_rag_articles.c - knowledge-base articles through the edge: create, get, update only the
 * fields sent, delete, the newest-first list with paging and category filter, the 1 MiB body
 * limit, bad input of every kind (nothing written), members read only, and the domain events
 * written to the outbox with each change. */
#include "rag_helpers.h"

#include "proto/rag.pb-c.h"

Test(rag_articles, crud)
{
    person_t o = {0};
    person_sign_up(&o, "rag-art");
    char *cat = mk_category(&o, "Docs", NULL);
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = fmt("{\"title\":\" Returns \",\"body\":\"# Returns\\n\\nWithin *30* days.\","
                     "\"category_id\":\"%s\",\"tags\":[\"policy\",\"returns\"]}",
                     cat);
    call_resp(&o, "POST", "/api/kb/articles", body, 201, &r);
    free(body);
    char *id = xstrdup(httpc_resp_str(&r, "id"));
    cr_assert_str_eq(httpc_resp_str(&r, "title"), "Returns");
    cr_assert_str_eq(httpc_resp_str(&r, "body"), "# Returns\n\nWithin *30* days.");
    cr_assert_str_eq(httpc_resp_str(&r, "category_id"), cat);
    cr_assert_str_eq(httpc_resp_str(&r, "tags.1"), "returns");
    cr_assert_str_eq(httpc_resp_str(&r, "created_by"), o.user_id);
    httpc_resp_cleanup(&r);
    cr_assert_eq(rag_events("evt.rag.article.created", o.org_id), 1);

    char *path = fmt("/api/kb/articles/%s", id);
    call_resp(&o, "GET", path, NULL, 200, &r);
    cr_assert_str_eq(httpc_resp_str(&r, "title"), "Returns");
    cr_assert_str_eq(httpc_resp_str(&r, "tags.0"), "policy");
    httpc_resp_cleanup(&r);

    /* PATCH changes only what is sent */
    call_resp(&o, "PATCH", path, "{\"title\":\"Refunds\"}", 200, &r);
    cr_assert_str_eq(httpc_resp_str(&r, "title"), "Refunds");
    cr_assert_str_eq(httpc_resp_str(&r, "body"), "# Returns\n\nWithin *30* days.");
    cr_assert_str_eq(httpc_resp_str(&r, "category_id"), cat);
    cr_assert_str_eq(httpc_resp_str(&r, "tags.0"), "policy");
    httpc_resp_cleanup(&r);
    call_resp(&o, "PATCH", path, "{\"body\":\"new\",\"tags\":[\"x\"],\"category_id\":\"\"}", 200,
              &r);
    cr_assert_str_eq(httpc_resp_str(&r, "title"), "Refunds");
    cr_assert_str_eq(httpc_resp_str(&r, "body"), "new");
    cr_assert_null(httpc_resp_str(&r, "category_id"), "\"\" uncategorises");
    cr_assert_str_eq(httpc_resp_str(&r, "tags.0"), "x");
    httpc_resp_cleanup(&r);
    call_resp(&o, "PATCH", path, "{\"clear_tags\":true}", 200, &r);
    cr_assert_null(httpc_json_path(httpc_resp_json(&r), "tags.0"));
    httpc_resp_cleanup(&r);
    cr_assert_eq(rag_events("evt.rag.article.updated", o.org_id), 3);

    call(&o, "DELETE", path, NULL, 204, NULL);
    call_err(&o, "GET", path, NULL, 404, "id");
    call_err(&o, "DELETE", path, NULL, 404, "id");
    call_err(&o, "PATCH", path, "{\"title\":\"x\"}", 404, "id");
    cr_assert_eq(rag_count("articles", o.org_id), 0);
    cr_assert_eq(rag_events("evt.rag.article.deleted", o.org_id), 1);
    free(path);
    free(id);
    free(cat);
    person_free(&o);
}

Test(rag_articles, list_paging_and_filter)
{
    person_t o = {0};
    person_sign_up(&o, "rag-list");
    char *cat = mk_category(&o, "C", NULL);
    char *ids[25];
    for (int i = 0; i < 25; i++) {
        char title[32];
        snprintf(title, sizeof title, "Article %02d", i);
        ids[i] = mk_article(&o, title, "text", i % 5 == 0 ? cat : NULL);
    }
    httpc_resp_t r = HTTPC_RESP_INIT;
    call_resp(&o, "GET", "/api/kb/articles", NULL, 200, &r);
    json_t *j = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(j, "total")), 25);
    cr_assert_eq(json_array_size(json_object_get(j, "items")), 20, "default page size 20");
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.title"), "Article 24", "newest change first");
    cr_assert_null(httpc_resp_str(&r, "items.0.body"), "lists carry no body");
    httpc_resp_cleanup(&r);
    call_resp(&o, "GET", "/api/kb/articles?page=2&per_page=20", NULL, 200, &r);
    j = httpc_resp_json(&r);
    cr_assert_eq(json_array_size(json_object_get(j, "items")), 5);
    cr_assert_str_eq(httpc_resp_str(&r, "items.4.title"), "Article 00");
    httpc_resp_cleanup(&r);
    call_resp(&o, "GET", "/api/kb/articles?page=9", NULL, 200, &r);
    j = httpc_resp_json(&r);
    cr_assert_eq(json_array_size(json_object_get(j, "items")), 0);
    cr_assert_eq(json_integer_value(json_object_get(j, "total")), 25);
    httpc_resp_cleanup(&r);
    char *path = fmt("/api/kb/articles?category_id=%s&per_page=100", cat);
    call_resp(&o, "GET", path, NULL, 200, &r);
    j = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(j, "total")), 5);
    cr_assert_eq(json_array_size(json_object_get(j, "items")), 5);
    httpc_resp_cleanup(&r);
    free(path);

    /* bad paging and filters */
    call_err(&o, "GET", "/api/kb/articles?per_page=0", NULL, 400, "per_page");
    call_err(&o, "GET", "/api/kb/articles?per_page=101", NULL, 400, "per_page");
    call_err(&o, "GET", "/api/kb/articles?page=0", NULL, 400, "page");
    call_err(&o, "GET", "/api/kb/articles?page=-1", NULL, 400, "page");
    call_err(&o, "GET", "/api/kb/articles?page=abc", NULL, 400, "page");
    call_err(&o, "GET", "/api/kb/articles?page=99999999999", NULL, 400, "page");
    call_err(&o, "GET", "/api/kb/articles?category_id=nope", NULL, 400, "category_id");
    call_err(&o, "GET", "/api/kb/articles?category_id=00000000-0000-4000-8000-000000000000", NULL,
             404, "category_id");
    call_err(&o, "GET", "/api/kb/articles?sort=title", NULL, 400, "sort");
    for (int i = 0; i < 25; i++)
        free(ids[i]);
    free(cat);
    person_free(&o);
}

/* A JSON body {"title":"Big","body":"<n x 'a'>"}. */
static char *big_body(size_t n)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "{\"title\":\"Big\",\"body\":\"");
    buf_reserve(&b, n + 4);
    memset(b.data + b.len, 'a', n);
    b.len += n;
    b.data[b.len] = '\0';
    buf_puts(&b, "\"}");
    return buf_steal(&b);
}

Test(rag_articles, body_limit)
{
    person_t o = {0};
    person_sign_up(&o, "rag-big");
    /* The limit is 1 MiB, checked by the service (413 naming body). The stack's nats-server
     * carries messages up to 8 MiB, so a body just over the limit reaches the service. */
    char *ok = big_body(1048576);
    httpc_resp_t r = HTTPC_RESP_INIT;
    call_resp(&o, "POST", "/api/kb/articles", ok, 201, &r);
    json_t *size = httpc_json_path(httpc_resp_json(&r), "body_size");
    cr_assert_eq(json_integer_value(size), 1048576);
    httpc_resp_cleanup(&r);
    char *too_big = big_body(1048576 + 1);
    req(o.c, "POST", "/api/kb/articles", too_big, &r);
    cr_assert_eq(r.status, 413, "got %ld: %.200s", r.status, r.body.data ? r.body.data : "");
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "body"), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    cr_assert_eq(rag_count("articles", o.org_id), 1);
    free(ok);
    free(too_big);
    person_free(&o);
}

Test(rag_articles, bad_input_writes_nothing)
{
    person_t o = {0};
    person_sign_up(&o, "rag-artbad");
    char *id = mk_article(&o, "Keep", "keep", NULL);
    char t301[400];
    memset(t301, 't', 301);
    t301[301] = '\0';
    char *long_title = fmt("{\"title\":\"%s\"}", t301);
    char t51[60];
    memset(t51, 'g', 51);
    t51[51] = '\0';
    char *long_tag = fmt("{\"title\":\"x\",\"tags\":[\"%s\"]}", t51);
    buf_t many = BUF_INIT;
    buf_puts(&many, "{\"title\":\"x\",\"tags\":[");
    for (int i = 0; i < 51; i++)
        buf_printf(&many, "%s\"t%d\"", i ? "," : "", i);
    buf_puts(&many, "]}");
    const struct {
        const char *body, *mention;
    } bad[] = {
        {"{}", "title"},
        {"{\"title\":\"\"}", "title"},
        {"{\"title\":\"  \"}", "title"},
        {"{\"title\":12}", "title"},
        {"{\"title\":null,\"body\":\"b\"}", "title"},
        {long_title, "title"},
        {"{\"title\":\"x\",\"body\":7}", "body"},
        {"{\"title\":\"x\",\"body\":\"a\\u0000b\"}", NULL},
        {"{\"title\":\"x\",\"body\":\"bell\\u0007\"}", "body"},
        {"{\"title\":\"x\",\"category_id\":\"42\"}", "category_id"},
        {"{\"title\":\"x\",\"category_id\":42}", "category_id"},
        {"{\"title\":\"x\",\"tags\":\"a\"}", "tags"},
        {"{\"title\":\"x\",\"tags\":[1]}", "tags"},
        {"{\"title\":\"x\",\"tags\":[\"\"]}", "tags[0]"},
        {"{\"title\":\"x\",\"tags\":[\"a\",\"a\"]}", "tags[1]"},
        {long_tag, "tags[0]"},
        {many.data, "tags"},
        {"{\"title\":\"x\",\"author\":\"me\"}", "author"},
        {"{\"title\":\"x\",\"id\":\"00000000-0000-4000-8000-000000000000\"}", "id"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        call_err(&o, "POST", "/api/kb/articles", bad[i].body, 400, bad[i].mention);
    call_err(&o, "POST", "/api/kb/articles",
             "{\"title\":\"x\",\"category_id\":\"00000000-0000-4000-8000-000000000000\"}", 404,
             "category_id");
    cr_assert_eq(rag_count("articles", o.org_id), 1, "nothing written");

    char *path = fmt("/api/kb/articles/%s", id);
    call_err(&o, "PATCH", path, "{\"title\":\"\"}", 400, "title");
    call_err(&o, "PATCH", path, long_title, 400, "title");
    call_err(&o, "PATCH", path, "{\"body\":false}", 400, "body");
    call_err(&o, "PATCH", path, "{\"tags\":[\"a\"],\"clear_tags\":true}", 400, "clear_tags");
    call_err(&o, "PATCH", path, "{\"clear_tags\":\"yes\"}", 400, "clear_tags");
    call_err(&o, "PATCH", path, "{\"category_id\":\"00000000-0000-4000-8000-000000000000\"}", 404,
             "category_id");
    call_err(&o, "PATCH", path, "{\"nope\":1}", 400, "nope");
    call_err(&o, "PATCH", "/api/kb/articles/xyz", "{\"title\":\"a\"}", 400, "id");
    call_err(&o, "GET", "/api/kb/articles/xyz", NULL, 400, "id");
    call_err(&o, "DELETE", "/api/kb/articles/xyz", NULL, 400, "id");
    call_err(&o, "GET", "/api/kb/articles/00000000-0000-4000-8000-000000000000", NULL, 404, "id");
    char *title = harness_pg_value_params("SELECT title || body FROM rag.articles WHERE id = $1", 1,
                                          (const char *const[]){id});
    cr_assert_str_eq(title, "Keepkeep", "nothing changed");
    free(title);
    cr_assert_eq(rag_events("evt.rag.article.updated", o.org_id), 0);
    buf_cleanup(&many);
    free(long_tag);
    free(long_title);
    free(path);
    free(id);
    person_free(&o);
}

Test(rag_articles, members_read_only)
{
    person_t o = {0}, m = {0};
    person_sign_up(&o, "rag-artrole");
    rag_add_member(&o, &m, "rag-artmember", "member");
    char *id = mk_article(&o, "Readable", "by members", NULL);
    char *path = fmt("/api/kb/articles/%s", id);
    call(&m, "GET", path, NULL, 200, NULL);
    call(&m, "GET", "/api/kb/articles", NULL, 200, NULL);
    call(&m, "GET", "/api/kb/articles?q=members", NULL, 200, NULL);
    call_err(&m, "POST", "/api/kb/articles", "{\"title\":\"m\"}", 403, NULL);
    call_err(&m, "PATCH", path, "{\"title\":\"m\"}", 403, NULL);
    call_err(&m, "DELETE", path, NULL, 403, NULL);
    cr_assert_eq(rag_count("articles", o.org_id), 1);
    char *title = harness_pg_value_params("SELECT title FROM rag.articles WHERE id = $1", 1,
                                          (const char *const[]){id});
    cr_assert_str_eq(title, "Readable");
    free(title);
    free(path);
    free(id);
    person_free(&o);
    person_free(&m);
}

Test(rag_articles, category_events)
{
    person_t o = {0};
    person_sign_up(&o, "rag-evt");
    char *a = mk_category(&o, "A", NULL), *b = mk_category(&o, "B", a);
    char *art = mk_article(&o, "t", "b", b);
    cr_assert_eq(rag_events("evt.rag.category.created", o.org_id), 2);
    char *path = fmt("/api/kb/categories/%s", a);
    call(&o, "PATCH", path, "{\"name\":\"A2\"}", 200, NULL);
    cr_assert_eq(rag_events("evt.rag.category.updated", o.org_id), 1);
    char *cpath = fmt("%s?cascade=true", path);
    call(&o, "DELETE", cpath, NULL, 204, NULL);
    cr_assert_eq(rag_events("evt.rag.category.deleted", o.org_id), 2);
    cr_assert_eq(rag_events("evt.rag.article.deleted", o.org_id), 1);
    free(cpath), free(path), free(a), free(b), free(art);
    person_free(&o);
}

/* The payload of the newest outbox row of subject for org, decoded. */
static Rag__ArticleEvent *newest_article_event(const char *subject, const char *org)
{
    char *hex = harness_pg_value_params(
        "SELECT encode(payload, 'hex') FROM rag.outbox WHERE subject = $1 AND org_id = $2 "
        "ORDER BY seq DESC LIMIT 1",
        2, (const char *const[]){subject, org});
    cr_assert_not_null(hex, "no %s event", subject);
    size_t n = strlen(hex) / 2;
    uint8_t *bin = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        sscanf(hex + 2 * i, "%2hhx", &bin[i]);
    Rag__ArticleEvent *ev = rag__article_event__unpack(NULL, n, bin);
    cr_assert_not_null(ev, "%s: not a rag.ArticleEvent", subject);
    free(bin);
    free(hex);
    return ev;
}

Test(rag_articles, event_payloads)
{
    person_t o = {0};
    person_sign_up(&o, "rag-payload");
    char *id = mk_article(&o, "Small", "small body", NULL);
    Rag__ArticleEvent *ev = newest_article_event("evt.rag.article.created", o.org_id);
    cr_assert_str_eq(ev->meta->org_id, o.org_id);
    cr_assert_str_eq(ev->meta->actor_id, o.user_id);
    cr_assert_str_eq(ev->article_id, id);
    cr_assert_str_eq(ev->article->title, "Small");
    cr_assert_str_eq(ev->article->body, "small body");
    cr_assert_not_null(ev->meta->occurred_at);
    cr_assert_not_null(ev->meta->request_id);
    rag__article_event__free_unpacked(ev, NULL);

    /* a large body is left out of the event; its size stays */
    char *big = big_body(100 * 1000);
    char *path = fmt("/api/kb/articles/%s", id);
    call(&o, "PATCH", path, big, 200, NULL);
    ev = newest_article_event("evt.rag.article.updated", o.org_id);
    cr_assert_null(ev->article->body);
    cr_assert(ev->article->has_body_size);
    cr_assert_eq(ev->article->body_size, 100 * 1000);
    cr_assert_str_eq(ev->article->title, "Big");
    rag__article_event__free_unpacked(ev, NULL);
    call(&o, "DELETE", path, NULL, 204, NULL);
    ev = newest_article_event("evt.rag.article.deleted", o.org_id);
    cr_assert_str_eq(ev->article_id, id);
    cr_assert_null(ev->article->body);
    cr_assert_eq(ev->article->body_size, 100 * 1000);
    rag__article_event__free_unpacked(ev, NULL);
    /* the relay publishes them to EVENTS and marks them sent */
    char *unsent = NULL;
    for (int i = 0; i < 100; i++) {
        free(unsent);
        unsent = harness_pg_value_params(
            "SELECT count(*) FROM rag.outbox WHERE org_id = $1 AND sent_at IS NULL", 1,
            (const char *const[]){o.org_id});
        if (unsent && strcmp(unsent, "0") == 0)
            break;
        usleep(50 * 1000);
    }
    cr_assert_str_eq(unsent, "0", "events of this org still unsent after 5 s");
    free(unsent);
    free(path);
    free(big);
    free(id);
    person_free(&o);
}
