/* test_retrieve_search.c - POST /api/kb/retrieve over chunks put through index_put: every mode
 * finds the right passage for Russian and English questions (also another word form), the
 * category filter takes subcategories along, another organisation's chunks and categories stay
 * out of reach, the passages carry their scores and a safe snippet, and bad requests are
 * refused with a message naming the field. */
#include "retrieve_helpers.h"

static char *const DOCS[] = {
    "Договор поставки заключается на один год и продлевается автоматически.",
    "Доставка по Москве занимает два дня, по России до семи дней.",
    "Invoices are sent by email on the first business day of every month.",
    "Refunds are paid back to the original card within ten days.",
    "Гарантия на оборудование составляет двенадцать месяцев с даты продажи.",
    "Our office is open Monday to Friday from nine to six.",
};
#define N_DOCS (sizeof DOCS / sizeof *DOCS)

static const char *const MODES[] = {"fulltext", "vector", "hybrid"};

/* The text of the first passage for q in mode. */
static char *first(person_t *p, const char *q, const char *mode, const char *extra)
{
    char *body = fmt("{\"q\":\"%s\",\"mode\":\"%s\"%s}", q, mode, extra ? extra : "");
    char *t = rt_first(p, body);
    free(body);
    return t;
}

static void expect_first(person_t *p, const char *q, const char *want_prefix)
{
    for (size_t m = 0; m < 3; m++) {
        char *t = first(p, q, MODES[m], NULL);
        cr_assert(strncmp(t, want_prefix, strlen(want_prefix)) == 0,
                  "%s: \"%s\" should find \"%s...\", found \"%s\"", MODES[m], q, want_prefix, t);
        free(t);
    }
}

Test(retrieve_search, modes_languages_and_scores, .timeout = 60)
{
    rt_t rt;
    rt_start(&rt);
    person_t o = {0};
    person_sign_up(&o, "rt-search");
    char src[37];
    uuid_new(src);
    rt_put_t p = {.source = src, .title = "Handbook", .last = true};
    cr_assert_eq(rt_put(&rt, o.org_id, &p, DOCS, N_DOCS), (int)N_DOCS);

    expect_first(&o, "договора поставки", "Договор поставки"); /* another word form */
    expect_first(&o, "сколько дней доставка", "Доставка по Москве");
    expect_first(&o, "when are invoices sent", "Invoices are sent");
    expect_first(&o, "refund card", "Refunds are paid");
    expect_first(&o, "гарантия оборудования", "Гарантия на оборудование");

    /* Scores and fields of a hybrid answer. */
    httpc_resp_t r = HTTPC_RESP_INIT;
    rt_retrieve(&o, "{\"q\":\"invoice email\",\"k\":3}", &r);
    json_t *root = httpc_resp_json(&r);
    cr_assert_str_eq(httpc_resp_str(&r, "mode"), "hybrid");
    cr_assert(httpc_resp_str(&r, "model") && *httpc_resp_str(&r, "model"));
    json_t *items = json_object_get(root, "items");
    cr_assert(json_array_size(items) >= 1 && json_array_size(items) <= 3);
    json_t *top = json_array_get(items, 0);
    cr_assert_eq(json_integer_value(json_object_get(top, "rank")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(top, "source_id")), src);
    cr_assert_str_eq(json_string_value(json_object_get(top, "source_kind")), "document");
    cr_assert_str_eq(json_string_value(json_object_get(top, "title")), "Handbook");
    double score = json_number_value(json_object_get(top, "score"));
    cr_assert(score > 0 && score <= 1, "score %f", score);
    cr_assert(json_object_get(top, "fulltext_rank") && json_object_get(top, "vector_score") &&
                  json_object_get(top, "fused_score"),
              "a passage both sides found carries every score: %s", r.body.data);
    const char *snip = json_string_value(json_object_get(top, "snippet"));
    cr_assert(snip && strstr(snip, "<mark>Invoices</mark>"), "snippet: %s", snip);
    for (size_t i = 1; i < json_array_size(items); i++)
        cr_assert(json_number_value(json_object_get(json_array_get(items, i), "score")) <=
                  json_number_value(json_object_get(json_array_get(items, i - 1), "score")));
    httpc_resp_cleanup(&r);

    /* k and min_score. */
    cr_assert_eq(rt_count(&o, "{\"q\":\"договор доставка гарантия invoices\",\"k\":2}"), 2);
    cr_assert_eq(rt_count(&o, "{\"q\":\"invoices\",\"mode\":\"vector\",\"k\":50}"), (int)N_DOCS);
    cr_assert_lt(
        rt_count(&o, "{\"q\":\"invoices\",\"mode\":\"vector\",\"k\":50,\"min_score\":0.3}"),
        (int)N_DOCS);
    /* Nothing matches the words: fulltext answers no passage. */
    cr_assert_eq(rt_count(&o, "{\"q\":\"zebra\",\"mode\":\"fulltext\"}"), 0);

    /* The snippet escapes the chunk's text (ts_headline drops tags); only the marks are HTML. */
    static char *const HTML[] = {"Pricing <script>alert(1)</script> & discounts"};
    char src2[37];
    uuid_new(src2);
    rt_put_t p2 = {.source = src2, .last = true};
    rt_put(&rt, o.org_id, &p2, HTML, 1);
    rt_retrieve(&o, "{\"q\":\"discounts\",\"mode\":\"fulltext\"}", &r);
    snip = httpc_resp_str(&r, "items.0.snippet");
    cr_assert(snip && !strstr(snip, "<script") && strstr(snip, "&amp;") &&
                  strstr(snip, "<mark>discounts</mark>"),
              "snippet: %s", snip);
    httpc_resp_cleanup(&r);

    person_free(&o);
    rt_stop(&rt);
}

Test(retrieve_search, categories_and_isolation, .timeout = 60)
{
    rt_t rt;
    rt_start(&rt);
    person_t o = {0}, x = {0}, m = {0};
    person_sign_up(&o, "rt-cats");
    person_sign_up(&x, "rt-cats-other");
    rag_add_member(&o, &m, "rt-cats-member", "member");
    char *sales = mk_category(&o, "Sales", NULL), *contracts = mk_category(&o, "Contracts", sales);
    char *support = mk_category(&o, "Support", NULL);
    char a[37], b[37], c[37];
    uuid_new(a);
    uuid_new(b);
    uuid_new(c);
    static char *const CONTRACT[] = {"The standard contract term is twelve months."};
    static char *const SUPPORT[] = {"Support answers contract questions within a day."};
    rt_put(&rt, o.org_id, &(rt_put_t){.source = a, .category = contracts, .last = true}, CONTRACT,
           1);
    rt_put(&rt, o.org_id, &(rt_put_t){.source = b, .category = support, .last = true}, SUPPORT, 1);
    /* The other organisation has a better match for everything. */
    static char *const SECRET[] = {"contract contract contract twelve months term standard"};
    rt_put(&rt, x.org_id, &(rt_put_t){.source = c, .last = true}, SECRET, 1);

    for (size_t i = 0; i < 3; i++) {
        /* The parent category takes its subcategory along. */
        char *extra = fmt(",\"category_ids\":[\"%s\"],\"k\":10", sales);
        char *body = fmt("{\"q\":\"contract term\",\"mode\":\"%s\"%s}", MODES[i], extra);
        cr_assert_eq(rt_count(&m, body), 1, "%s: only the Sales subtree", MODES[i]);
        char *t = rt_first(&m, body);
        cr_assert_str_eq(t, CONTRACT[0]);
        free(t);
        free(body);
        free(extra);
        extra = fmt(",\"category_ids\":[\"%s\"],\"k\":10", support);
        body = fmt("{\"q\":\"contract term\",\"mode\":\"%s\"%s}", MODES[i], extra);
        t = rt_first(&m, body);
        cr_assert_str_eq(t, SUPPORT[0], "%s", MODES[i]);
        free(t);
        free(body);
        free(extra);
        /* Everything of the organisation, nothing of the other. */
        body = fmt("{\"q\":\"contract term twelve months\",\"mode\":\"%s\",\"k\":50}", MODES[i]);
        cr_assert_eq(rt_count(&m, body), 2, "%s", MODES[i]);
        cr_assert_eq(rt_count(&x, body), 1, "%s", MODES[i]);
        free(body);
    }
    /* Another organisation's category is not found, and named. */
    char *body = fmt("{\"q\":\"contract\",\"category_ids\":[\"%s\"]}", sales);
    call_err(&x, "POST", "/api/kb/retrieve", body, 404, "category_ids");
    free(body);
    free(sales);
    free(contracts);
    free(support);
    person_free(&m);
    person_free(&x);
    person_free(&o);
    rt_stop(&rt);
}

Test(retrieve_search, validation, .timeout = 60)
{
    person_t o = {0};
    person_sign_up(&o, "rt-bad");
    call_err(&o, "POST", "/api/kb/retrieve", "{}", 400, "q");
    call_err(&o, "POST", "/api/kb/retrieve", "{\"q\":\"   \"}", 400, "q");
    char *big = xcalloc(2100, 1);
    memset(big, 'a', 2001);
    char *body = fmt("{\"q\":\"%s\"}", big);
    call_err(&o, "POST", "/api/kb/retrieve", body, 400, "q");
    free(body);
    free(big);
    call_err(&o, "POST", "/api/kb/retrieve", "{\"q\":\"x\",\"k\":0}", 400, "k");
    call_err(&o, "POST", "/api/kb/retrieve", "{\"q\":\"x\",\"k\":51}", 400, "k");
    call_err(&o, "POST", "/api/kb/retrieve", "{\"q\":\"x\",\"mode\":\"magic\"}", 400, "mode");
    call_err(&o, "POST", "/api/kb/retrieve", "{\"q\":\"x\",\"min_score\":2}", 400, "min_score");
    call_err(&o, "POST", "/api/kb/retrieve", "{\"q\":\"x\",\"category_ids\":[\"nope\"]}", 400,
             "category_ids");
    call_err(&o, "POST", "/api/kb/retrieve",
             "{\"q\":\"x\",\"category_ids\":[\"6f1c1a52-4a57-4bb1-9a43-2d3c0c1d2e3f\"]}", 404,
             "category_ids");
    call_err(&o, "POST", "/api/kb/retrieve", "{\"q\":\"x\",\"other\":1}", 400, "other");
    /* Signed out. */
    char *resp = NULL;
    cr_assert_eq(harness_http("POST", "/api/kb/retrieve", "{\"q\":\"x\"}", NULL, &resp), 401);
    free(resp);
    person_free(&o);
}
