/* test_rag_categories.c - the knowledge-base category tree through the edge: create, the nested
 * tree in manual order, rename and move (cycles refused), reorder, delete (non-empty refused
 * without cascade; cascade takes the subtree and its articles), bad input, roles. */
#include <pthread.h>

#include "rag_helpers.h"

/* The tree as "name(child,child),name" for compact assertions. */
static void tree_str(json_t *items, buf_t *out)
{
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c)
    {
        if (i)
            buf_putc(out, ',');
        buf_puts(out, json_string_value(json_object_get(c, "name")));
        json_t *kids = json_object_get(c, "children");
        if (kids && json_array_size(kids)) {
            buf_putc(out, '(');
            tree_str(kids, out);
            buf_putc(out, ')');
        }
    }
}

static char *tree_of(person_t *p)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    buf_t b = BUF_INIT;
    call_resp(p, "GET", "/api/kb/categories", NULL, 200, &r);
    json_t *items = json_object_get(httpc_resp_json(&r), "items");
    if (items)
        tree_str(items, &b);
    httpc_resp_cleanup(&r);
    return buf_steal(&b);
}

Test(rag_categories, tree_nested_and_ordered)
{
    person_t o = {0};
    person_sign_up(&o, "rag-tree");
    char *t0 = tree_of(&o);
    cr_assert_str_eq(t0, "", "a new organisation has no categories");
    char *a = mk_category(&o, "A", NULL), *b = mk_category(&o, "B", NULL);
    char *a1 = mk_category(&o, "A1", a), *a2 = mk_category(&o, "A2", a);
    char *a11 = mk_category(&o, "A11", a1);
    char *t = tree_of(&o);
    cr_assert_str_eq(t, "A(A1(A11),A2),B");

    /* fields of one node */
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body =
        fmt("{\"name\":\"  C  \",\"description\":\"line 1\\nline 2\",\"parent_id\":\"%s\"}", b);
    call_resp(&o, "POST", "/api/kb/categories", body, 201, &r);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "C", "names are trimmed");
    cr_assert_str_eq(httpc_resp_str(&r, "description"), "line 1\nline 2");
    cr_assert_str_eq(httpc_resp_str(&r, "parent_id"), b);
    cr_assert_str_eq(httpc_resp_str(&r, "created_by"), o.user_id);
    cr_assert_not_null(httpc_resp_str(&r, "created_at"));
    httpc_resp_cleanup(&r);
    free(body);
    cr_assert_eq(rag_count("categories", o.org_id), 6);
    free(t0);
    free(t);
    free(a), free(b), free(a1), free(a2), free(a11);
    person_free(&o);
}

Test(rag_categories, update_and_move)
{
    person_t o = {0};
    person_sign_up(&o, "rag-move");
    char *a = mk_category(&o, "A", NULL), *b = mk_category(&o, "B", NULL);
    char *a1 = mk_category(&o, "A1", a), *a11 = mk_category(&o, "A11", a1);
    char *path = fmt("/api/kb/categories/%s", a1), *body = NULL;

    char *name = call(&o, "PATCH", path, "{\"name\":\"First\"}", 200, "name");
    cr_assert_str_eq(name, "First");
    free(name);
    /* move under B: last among B's children */
    body = fmt("{\"parent_id\":\"%s\"}", b);
    char *parent = call(&o, "PATCH", path, body, 200, "parent_id");
    cr_assert_str_eq(parent, b);
    free(parent);
    free(body);
    char *t = tree_of(&o);
    cr_assert_str_eq(t, "A,B(First(A11))");
    free(t);
    /* cycles: under itself, under its own descendant */
    body = fmt("{\"parent_id\":\"%s\"}", a1);
    call_err(&o, "PATCH", path, body, 409, "parent_id");
    free(body);
    body = fmt("{\"parent_id\":\"%s\"}", a11);
    call_err(&o, "PATCH", path, body, 409, "parent_id");
    free(body);
    char *bpath = fmt("/api/kb/categories/%s", b);
    body = fmt("{\"parent_id\":\"%s\"}", a11);
    call_err(&o, "PATCH", bpath, body, 409, "parent_id");
    free(body);
    t = tree_of(&o);
    cr_assert_str_eq(t, "A,B(First(A11))", "refused moves change nothing");
    free(t);
    /* "" moves to the top level, after A and B */
    call(&o, "PATCH", path, "{\"parent_id\":\"\"}", 200, NULL);
    t = tree_of(&o);
    cr_assert_str_eq(t, "A,B,First(A11)");
    free(t);
    /* description alone */
    char *d = call(&o, "PATCH", bpath, "{\"description\":\"about B\"}", 200, "description");
    cr_assert_str_eq(d, "about B");
    free(d);
    free(bpath);
    free(path);
    free(a), free(b), free(a1), free(a11);
    person_free(&o);
}

Test(rag_categories, reorder)
{
    person_t o = {0};
    person_sign_up(&o, "rag-order");
    char *p = mk_category(&o, "P", NULL);
    char *x = mk_category(&o, "X", p), *y = mk_category(&o, "Y", p), *z = mk_category(&o, "Z", p);
    char *body = fmt("{\"parent_id\":\"%s\",\"ids\":[\"%s\",\"%s\",\"%s\"]}", p, z, x, y);
    httpc_resp_t r = HTTPC_RESP_INIT;
    call_resp(&o, "POST", "/api/kb/categories/reorder", body, 200, &r);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.name"), "Z");
    cr_assert_str_eq(httpc_resp_str(&r, "items.2.name"), "Y");
    httpc_resp_cleanup(&r);
    free(body);
    char *t = tree_of(&o);
    cr_assert_str_eq(t, "P(Z,X,Y)");
    free(t);

    /* not exactly the children: missing one, a duplicate, a stranger, not a UUID */
    body = fmt("{\"parent_id\":\"%s\",\"ids\":[\"%s\",\"%s\"]}", p, x, y);
    call_err(&o, "POST", "/api/kb/categories/reorder", body, 400, "ids");
    free(body);
    body = fmt("{\"parent_id\":\"%s\",\"ids\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", p, x, y, z, x);
    call_err(&o, "POST", "/api/kb/categories/reorder", body, 400, "ids[3]");
    free(body);
    body = fmt("{\"parent_id\":\"%s\",\"ids\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", p, x, y, z, p);
    call_err(&o, "POST", "/api/kb/categories/reorder", body, 400, "ids[3]");
    free(body);
    body = fmt("{\"parent_id\":\"%s\",\"ids\":[\"%s\",\"nope\"]}", p, x);
    call_err(&o, "POST", "/api/kb/categories/reorder", body, 400, "ids[1]");
    free(body);
    call_err(&o, "POST", "/api/kb/categories/reorder", "{\"ids\":\"x\"}", 400, "ids");
    t = tree_of(&o);
    cr_assert_str_eq(t, "P(Z,X,Y)", "refused reorders change nothing");
    free(t);

    /* the top level (no parent_id) */
    char *q = mk_category(&o, "Q", NULL);
    body = fmt("{\"ids\":[\"%s\",\"%s\"]}", q, p);
    call(&o, "POST", "/api/kb/categories/reorder", body, 200, NULL);
    free(body);
    t = tree_of(&o);
    cr_assert_str_eq(t, "Q,P(Z,X,Y)");
    free(t);
    free(p), free(x), free(y), free(z), free(q);
    person_free(&o);
}

Test(rag_categories, delete_and_cascade)
{
    person_t o = {0};
    person_sign_up(&o, "rag-del");
    char *a = mk_category(&o, "A", NULL), *a1 = mk_category(&o, "A1", a);
    char *a11 = mk_category(&o, "A11", a1), *b = mk_category(&o, "B", NULL);
    char *art1 = mk_article(&o, "in A1", "text", a1), *art2 = mk_article(&o, "in A11", "x", a11);
    char *art3 = mk_article(&o, "in B", "text", b);
    char *path = fmt("/api/kb/categories/%s", a);

    call_err(&o, "DELETE", path, NULL, 409, "cascade");
    cr_assert_eq(rag_count("categories", o.org_id), 4);
    char *bpath = fmt("/api/kb/categories/%s", b);
    call_err(&o, "DELETE", bpath, NULL, 409, "1 articles");
    char *cpath = fmt("%s?cascade=false", path);
    call_err(&o, "DELETE", cpath, NULL, 409, NULL);
    free(cpath);

    cpath = fmt("%s?cascade=true", path);
    call(&o, "DELETE", cpath, NULL, 204, NULL);
    cr_assert_eq(rag_count("categories", o.org_id), 1, "the subtree went");
    cr_assert_eq(rag_count("articles", o.org_id), 1, "its articles went, B's stayed");
    call_err(&o, "DELETE", path, NULL, 404, "id");
    char *t = tree_of(&o);
    cr_assert_str_eq(t, "B");
    free(t);

    /* an empty category goes without cascade */
    char *apath = fmt("/api/kb/articles/%s", art3);
    call(&o, "DELETE", apath, NULL, 204, NULL);
    call(&o, "DELETE", bpath, NULL, 204, NULL);
    cr_assert_eq(rag_count("categories", o.org_id), 0);
    call_err(&o, "DELETE", "/api/kb/categories/not-a-uuid", NULL, 400, "id");
    free(apath), free(cpath), free(bpath), free(path);
    free(a), free(a1), free(a11), free(b), free(art1), free(art2), free(art3);
    person_free(&o);
}

Test(rag_categories, bad_input_writes_nothing)
{
    person_t o = {0};
    person_sign_up(&o, "rag-bad");
    char *a = mk_category(&o, "A", NULL);
    char long_name[260];
    memset(long_name, 'n', 201);
    long_name[201] = '\0';
    char *too_long = fmt("{\"name\":\"%s\"}", long_name);
    const struct {
        const char *body, *mention;
    } bad[] = {
        {"{}", "name"},
        {"{\"name\":\"\"}", "name"},
        {"{\"name\":\"   \"}", "name"},
        {"{\"name\":5}", "name"},
        {"{\"name\":[\"x\"]}", "name"},
        {"{\"name\":\"x\",\"color\":\"red\"}", "color"},
        {"{\"name\":\"x\",\"parent_id\":\"123\"}", "parent_id"},
        {"{\"name\":\"x\",\"parent_id\":7}", "parent_id"},
        {"{\"name\":\"x\\u0007\"}", "name"},
        {too_long, "name"},
        {"[1]", NULL},
        {"{\"name\":", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        call_err(&o, "POST", "/api/kb/categories", bad[i].body, 400, bad[i].mention);
    /* an unknown parent */
    call_err(&o, "POST", "/api/kb/categories",
             "{\"name\":\"x\",\"parent_id\":\"00000000-0000-4000-8000-000000000000\"}", 404,
             "parent_id");
    /* 200 characters in Cyrillic are fine (characters, not bytes) */
    buf_t cyr = BUF_INIT;
    buf_puts(&cyr, "{\"name\":\"");
    for (int i = 0; i < 200; i++)
        buf_puts(&cyr, "я");
    buf_puts(&cyr, "\"}");
    call(&o, "POST", "/api/kb/categories", cyr.data, 201, NULL);
    buf_cleanup(&cyr);
    cr_assert_eq(rag_count("categories", o.org_id), 2, "only the valid ones were written");

    char *path = fmt("/api/kb/categories/%s", a);
    call_err(&o, "PATCH", path, "{\"name\":\"\"}", 400, "name");
    call_err(&o, "PATCH", path, "{\"name\":true}", 400, "name");
    call_err(&o, "PATCH", path, "{\"position\":3}", 400, "position");
    call_err(&o, "PATCH", path, "{\"parent_id\":\"zz\"}", 400, "parent_id");
    call_err(&o, "PATCH", "/api/kb/categories/123", "{\"name\":\"y\"}", 400, "id");
    call_err(&o, "PATCH", "/api/kb/categories/00000000-0000-4000-8000-000000000000",
             "{\"name\":\"y\"}", 404, "id");
    call_err(&o, "DELETE", "/api/kb/categories/00000000-0000-4000-8000-000000000000", NULL, 404,
             "id");
    char *cpath = fmt("%s?cascade=maybe", path);
    call_err(&o, "DELETE", cpath, NULL, 400, "cascade");
    free(cpath);
    cpath = fmt("%s?force=true", path);
    call_err(&o, "DELETE", cpath, NULL, 400, "force");
    free(cpath);
    char *name = harness_pg_value_params("SELECT name FROM rag.categories WHERE id = $1", 1,
                                         (const char *const[]){a});
    cr_assert_str_eq(name, "A", "nothing changed");
    free(name);
    free(path);
    free(too_long);
    free(a);
    person_free(&o);
}

Test(rag_categories, members_read_only)
{
    person_t o = {0}, m = {0}, ad = {0};
    person_sign_up(&o, "rag-roles");
    rag_add_member(&o, &m, "rag-member", "member");
    rag_add_member(&o, &ad, "rag-admin", "admin");
    char *a = mk_category(&o, "A", NULL);
    char *path = fmt("/api/kb/categories/%s", a), *body = fmt("{\"ids\":[\"%s\"]}", a);

    char *t = tree_of(&m);
    cr_assert_str_eq(t, "A", "members read the tree");
    free(t);
    call_err(&m, "POST", "/api/kb/categories", "{\"name\":\"M\"}", 403, NULL);
    call_err(&m, "PATCH", path, "{\"name\":\"M\"}", 403, NULL);
    call_err(&m, "DELETE", path, NULL, 403, NULL);
    call_err(&m, "POST", "/api/kb/categories/reorder", body, 403, NULL);
    cr_assert_eq(rag_count("categories", o.org_id), 1);
    /* admins write */
    char *b = mk_category(&ad, "B", NULL);
    call(&ad, "PATCH", path, "{\"name\":\"A2\"}", 200, NULL);
    call(&ad, "DELETE", path, NULL, 204, NULL);
    free(b), free(a), free(path), free(body);
    person_free(&o);
    person_free(&m);
    person_free(&ad);
}

Test(rag_categories, routes_need_credentials_and_are_documented)
{
    const char *routes[][2] = {
        {"GET", "/api/kb/categories"},
        {"POST", "/api/kb/categories"},
        {"POST", "/api/kb/categories/reorder"},
        {"PATCH", "/api/kb/categories/00000000-0000-4000-8000-000000000000"},
        {"DELETE", "/api/kb/categories/00000000-0000-4000-8000-000000000000"},
        {"GET", "/api/kb/articles"},
        {"POST", "/api/kb/articles"},
        {"GET", "/api/kb/articles/00000000-0000-4000-8000-000000000000"},
        {"PATCH", "/api/kb/articles/00000000-0000-4000-8000-000000000000"},
        {"DELETE", "/api/kb/articles/00000000-0000-4000-8000-000000000000"},
    };
    for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
        int code = harness_http(routes[i][0], routes[i][1], NULL, NULL, NULL);
        cr_assert_eq(code, 401, "%s %s without credentials: %d", routes[i][0], routes[i][1], code);
    }
    char *doc = NULL;
    cr_assert_eq(harness_http("GET", "/api/openapi.json", NULL, NULL, &doc), 200);
    const char *paths[] = {"\"/api/kb/categories\"",      "\"/api/kb/categories/reorder\"",
                           "\"/api/kb/categories/{id}\"", "\"/api/kb/articles\"",
                           "\"/api/kb/articles/{id}\"",   "rag.Article"};
    for (size_t i = 0; i < ARRAY_LEN(paths); i++)
        cr_assert(doc && strstr(doc, paths[i]), "OpenAPI lacks %s", paths[i]);
    free(doc);
}

typedef struct {
    httpc_t *c;
    char *path, *body;
    long status;
} move_t;

static void *do_move(void *arg)
{
    move_t *m = arg;
    httpc_resp_t r = HTTPC_RESP_INIT;
    if (httpc_req(m->c, "PATCH", m->path, m->body, NULL, &r) == ST_OK)
        m->status = r.status;
    httpc_resp_cleanup(&r);
    return NULL;
}

/* A under B and B under A at the same moment: the per-organisation tree lock lets exactly one
 * win, and the tree stays acyclic. */
Test(rag_categories, concurrent_moves_cannot_make_a_cycle)
{
    person_t o = {0}, o2 = {0};
    person_sign_up(&o, "rag-race");
    person_login(&o2, o.email, PASSWORD);
    for (int round = 0; round < 10; round++) {
        char *a = mk_category(&o, "A", NULL), *b = mk_category(&o, "B", NULL);
        move_t m1 = {o.c, fmt("/api/kb/categories/%s", a), fmt("{\"parent_id\":\"%s\"}", b), 0};
        move_t m2 = {o2.c, fmt("/api/kb/categories/%s", b), fmt("{\"parent_id\":\"%s\"}", a), 0};
        pthread_t t1, t2;
        pthread_create(&t1, NULL, do_move, &m1);
        pthread_create(&t2, NULL, do_move, &m2);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        cr_assert((m1.status == 200 && m2.status == 409) || (m1.status == 409 && m2.status == 200),
                  "round %d: %ld and %ld", round, m1.status, m2.status);
        char *roots = harness_pg_value_params(
            "SELECT count(*) FROM rag.categories WHERE org_id = $1 AND parent_id IS NULL "
            "AND id IN ($2::uuid, $3::uuid)",
            3, (const char *const[]){o.org_id, a, b});
        cr_assert_str_eq(roots, "1", "one of the two stays a root");
        free(roots);
        /* clean up for the next round */
        char *del = fmt("/api/kb/categories/%s?cascade=true", m1.status == 200 ? b : a);
        call(&o, "DELETE", del, NULL, 204, NULL);
        free(del);
        free(m1.path), free(m1.body), free(m2.path), free(m2.body), free(a), free(b);
    }
    person_free(&o);
    person_free(&o2);
}
