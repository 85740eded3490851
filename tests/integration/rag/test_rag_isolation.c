/* test_rag_isolation.c - tenant isolation of the knowledge base: every id-taking route answers
 * 404 for another organisation's ids (as the path id and as parent_id / category_id) and writes
 * nothing; lists and searches never show another organisation's rows; and row-level security
 * hides other organisations' rows from the service's own database role even when a query
 * forgets its WHERE. */
#include <libpq-fe.h>

#include "rag_helpers.h"

Test(rag_isolation, foreign_ids_are_not_found)
{
    person_t a = {0}, b = {0};
    person_sign_up(&a, "rag-iso-a");
    person_sign_up(&b, "rag-iso-b");
    char *cat = mk_category(&a, "Secret", NULL), *kid = mk_category(&a, "Kid", cat);
    char *art = mk_article(&a, "Secret plan", "confidential договор invoice", cat);
    char *bcat = mk_category(&b, "Mine", NULL), *bart = mk_article(&b, "Mine", "x", NULL);
    char *cpath = fmt("/api/kb/categories/%s", cat), *apath = fmt("/api/kb/articles/%s", art);
    char *body = NULL, *p = NULL;

    call_err(&b, "PATCH", cpath, "{\"name\":\"pwned\"}", 404, "id");
    call_err(&b, "DELETE", cpath, NULL, 404, "id");
    p = fmt("%s?cascade=true", cpath);
    call_err(&b, "DELETE", p, NULL, 404, "id");
    free(p);
    call_err(&b, "GET", apath, NULL, 404, "id");
    call_err(&b, "PATCH", apath, "{\"title\":\"pwned\"}", 404, "id");
    call_err(&b, "DELETE", apath, NULL, 404, "id");
    /* as references */
    body = fmt("{\"name\":\"x\",\"parent_id\":\"%s\"}", cat);
    call_err(&b, "POST", "/api/kb/categories", body, 404, "parent_id");
    free(body);
    p = fmt("/api/kb/categories/%s", bcat);
    body = fmt("{\"parent_id\":\"%s\"}", cat);
    call_err(&b, "PATCH", p, body, 404, "parent_id");
    free(body);
    free(p);
    body = fmt("{\"parent_id\":\"%s\",\"ids\":[\"%s\"]}", cat, kid);
    call_err(&b, "POST", "/api/kb/categories/reorder", body, 404, "parent_id");
    free(body);
    body = fmt("{\"ids\":[\"%s\"]}", cat);
    call_err(&b, "POST", "/api/kb/categories/reorder", body, 400, "ids[0]");
    free(body);
    body = fmt("{\"title\":\"x\",\"category_id\":\"%s\"}", cat);
    call_err(&b, "POST", "/api/kb/articles", body, 404, "category_id");
    free(body);
    p = fmt("/api/kb/articles/%s", bart);
    body = fmt("{\"category_id\":\"%s\"}", cat);
    call_err(&b, "PATCH", p, body, 404, "category_id");
    free(body);
    free(p);
    p = fmt("/api/kb/articles?category_id=%s", cat);
    call_err(&b, "GET", p, NULL, 404, "category_id");
    free(p);

    /* nothing of A's changed, nothing was added to B */
    cr_assert_eq(rag_count("categories", a.org_id), 2);
    cr_assert_eq(rag_count("articles", a.org_id), 1);
    cr_assert_eq(rag_count("categories", b.org_id), 1);
    cr_assert_eq(rag_count("articles", b.org_id), 1);
    char *v =
        harness_pg_value_params("SELECT c.name || a.title FROM rag.categories c, rag.articles a "
                                "WHERE c.id = $1 AND a.id = $2",
                                2, (const char *const[]){cat, art});
    cr_assert_str_eq(v, "SecretSecret plan");
    free(v);
    free(cpath), free(apath), free(cat), free(kid), free(art), free(bcat), free(bart);
    person_free(&a);
    person_free(&b);
}

Test(rag_isolation, lists_show_only_own_rows)
{
    person_t a = {0}, b = {0};
    person_sign_up(&a, "rag-isl-a");
    person_sign_up(&b, "rag-isl-b");
    char *cat = mk_category(&a, "Aonly", NULL);
    char *art = mk_article(&a, "Invoice договор", "invoice договора", cat);
    httpc_resp_t r = HTTPC_RESP_INIT;
    call_resp(&b, "GET", "/api/kb/categories", NULL, 200, &r);
    cr_assert_eq(json_array_size(json_object_get(httpc_resp_json(&r), "items")), 0, "%s",
                 r.body.data);
    httpc_resp_cleanup(&r);
    const char *lists[] = {"/api/kb/articles", "/api/kb/articles?q=invoice",
                           "/api/kb/articles?q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80",
                           "/api/kb/articles?per_page=100&page=1"};
    for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
        call_resp(&b, "GET", lists[i], NULL, 200, &r);
        json_t *j = httpc_resp_json(&r);
        cr_assert_eq(json_integer_value(json_object_get(j, "total")), 0, "%s: %s", lists[i],
                     r.body.data);
        cr_assert_eq(json_array_size(json_object_get(j, "items")), 0);
        httpc_resp_cleanup(&r);
        /* A sees its own */
        call_resp(&a, "GET", lists[i], NULL, 200, &r);
        cr_assert_eq(json_integer_value(json_object_get(httpc_resp_json(&r), "total")), 1, "%s",
                     lists[i]);
        httpc_resp_cleanup(&r);
    }
    free(cat), free(art);
    person_free(&a);
    person_free(&b);
}

/* count(*) of rag.<table> as the services' role, in a transaction with app.org_id = org (NULL:
 * not set), with no WHERE at all. */
static long count_as_app(const char *table, const char *org)
{
    PGconn *conn = PQconnectdb(harness_env("DATABASE_URL_RAG"));
    cr_assert_eq(PQstatus(conn), CONNECTION_OK, "%s", PQerrorMessage(conn));
    PGresult *res = PQexec(conn, "BEGIN");
    PQclear(res);
    if (org) {
        const char *p[] = {org};
        res = PQexecParams(conn, "SELECT set_config('app.org_id', $1, true)", 1, NULL, p, NULL,
                           NULL, 0);
        cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
        PQclear(res);
    }
    char *sql = fmt("SELECT count(*) FROM rag.%s", table);
    res = PQexec(conn, sql);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    free(sql);
    res = PQexec(conn, "ROLLBACK");
    PQclear(res);
    PQfinish(conn);
    return n;
}

Test(rag_isolation, row_level_security_without_where)
{
    person_t a = {0}, b = {0};
    person_sign_up(&a, "rag-rls-a");
    person_sign_up(&b, "rag-rls-b");
    char *ca = mk_category(&a, "A", NULL), *cb = mk_category(&b, "B", NULL);
    char *a1 = mk_article(&a, "a1", "x", NULL), *a2 = mk_article(&a, "a2", "x", NULL);
    char *b1 = mk_article(&b, "b1", "x", NULL);
    char *all = harness_pg_value("SELECT count(*) FROM rag.articles");
    cr_assert(strtol(all, NULL, 10) >= 3, "the superuser sees everything");
    free(all);
    cr_assert_eq(count_as_app("articles", a.org_id), 2, "only A's rows, though no WHERE");
    cr_assert_eq(count_as_app("articles", b.org_id), 1);
    cr_assert_eq(count_as_app("categories", a.org_id), 1);
    cr_assert_eq(count_as_app("articles", NULL), 0, "no tenant set: no rows");
    cr_assert_eq(count_as_app("categories", NULL), 0);

    /* and writes into another tenant are refused by the policy's WITH CHECK */
    PGconn *conn = PQconnectdb(harness_env("DATABASE_URL_RAG"));
    PGresult *res = PQexec(conn, "BEGIN");
    PQclear(res);
    const char *p[] = {a.org_id, b.org_id};
    res =
        PQexecParams(conn, "SELECT set_config('app.org_id', $1, true)", 1, NULL, p, NULL, NULL, 0);
    PQclear(res);
    res = PQexecParams(conn, "INSERT INTO rag.articles (org_id, title) VALUES ($1, 'x')", 1, NULL,
                       p + 1, NULL, NULL, 0);
    cr_assert_neq(PQresultStatus(res), PGRES_COMMAND_OK, "inserting for B as A must fail");
    PQclear(res);
    res = PQexec(conn, "ROLLBACK");
    PQclear(res);
    PQfinish(conn);
    cr_assert_eq(rag_count("articles", b.org_id), 1);
    free(ca), free(cb), free(a1), free(a2), free(b1);
    person_free(&a);
    person_free(&b);
}
