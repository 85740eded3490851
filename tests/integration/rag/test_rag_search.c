/* test_rag_search.c - full-text search over articles: Russian and English stemming (a query in
 * one word form finds another form), ranking (title above body), <mark> snippets (the article text
 * HTML-escaped), the category
 * filter with q, paging totals, and web-search syntax. */
#include "rag_helpers.h"

/* GET /api/kb/articles?q=<q> (q already URL-encoded) as p; r holds the answer. */
static void search(person_t *p, const char *q, httpc_resp_t *r)
{
    char *path = fmt("/api/kb/articles?q=%s", q);
    call_resp(p, "GET", path, NULL, 200, r);
    free(path);
}

static long total_of(httpc_resp_t *r)
{
    return (long)json_integer_value(json_object_get(httpc_resp_json(r), "total"));
}

/* %D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80 = "договор" */
#define Q_DOGOVOR "%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80"

Test(rag_search, russian_stemming)
{
    person_t o = {0};
    person_sign_up(&o, "rag-ru");
    char *a = mk_article(&o, "Условия", "Срок действия договора составляет один год.", NULL);
    char *b = mk_article(&o, "Доставка", "Курьер привозит заказ за два дня.", NULL);
    httpc_resp_t r = HTTPC_RESP_INIT;
    search(&o, Q_DOGOVOR, &r);
    cr_assert_eq(total_of(&r), 1, "%s", r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), a);
    const char *snip = httpc_resp_str(&r, "items.0.snippet");
    cr_assert(snip && strstr(snip, "<mark>договора</mark>"), "snippet: %s", snip ? snip : "");
    cr_assert_not_null(httpc_json_path(httpc_resp_json(&r), "items.0.rank"));
    httpc_resp_cleanup(&r);
    /* and the other way round: договоров (genitive plural) finds договора */
    search(&o, "%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%D0%BE%D0%B2", &r);
    cr_assert_eq(total_of(&r), 1, "%s", r.body.data);
    httpc_resp_cleanup(&r);
    free(a), free(b);
    person_free(&o);
}

Test(rag_search, english_stemming_and_ranking)
{
    person_t o = {0};
    person_sign_up(&o, "rag-en");
    char *body_hit = mk_article(&o, "Billing", "Each invoice is sent on the first day.", NULL);
    char *title_hit = mk_article(&o, "Invoice settings", "How numbering works.", NULL);
    char *miss = mk_article(&o, "Shipping", "Parcels leave the warehouse daily.", NULL);
    httpc_resp_t r = HTTPC_RESP_INIT;
    search(&o, "invoices", &r);
    cr_assert_eq(total_of(&r), 2, "%s", r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), title_hit, "a title match ranks first");
    cr_assert_str_eq(httpc_resp_str(&r, "items.1.id"), body_hit);
    json_t *r0 = httpc_json_path(httpc_resp_json(&r), "items.0.rank");
    json_t *r1 = httpc_json_path(httpc_resp_json(&r), "items.1.rank");
    cr_assert(json_number_value(r0) > json_number_value(r1));
    const char *snip = httpc_resp_str(&r, "items.1.snippet");
    cr_assert(snip && strstr(snip, "<mark>invoice</mark>"), "snippet: %s", snip ? snip : "");
    httpc_resp_cleanup(&r);
    /* paging of results keeps the total */
    search(&o, "invoices&per_page=1&page=2", &r);
    cr_assert_eq(total_of(&r), 2);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), body_hit);
    httpc_resp_cleanup(&r);
    search(&o, "invoices&per_page=1&page=5", &r);
    cr_assert_eq(total_of(&r), 2, "a page past the end still has the total");
    cr_assert_eq(json_array_size(json_object_get(httpc_resp_json(&r), "items")), 0);
    httpc_resp_cleanup(&r);
    /* web-search syntax: exclusion and phrases */
    search(&o, "invoice%20-numbering", &r);
    cr_assert_eq(total_of(&r), 1, "%s", r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), body_hit);
    httpc_resp_cleanup(&r);
    search(&o, "%22first%20day%22", &r);
    cr_assert_eq(total_of(&r), 1, "%s", r.body.data);
    httpc_resp_cleanup(&r);
    /* no match; stop words only; a blank query lists everything */
    search(&o, "kangaroo", &r);
    cr_assert_eq(total_of(&r), 0);
    httpc_resp_cleanup(&r);
    search(&o, "the", &r);
    cr_assert_eq(total_of(&r), 0);
    httpc_resp_cleanup(&r);
    search(&o, "%20%20", &r);
    cr_assert_eq(total_of(&r), 3);
    httpc_resp_cleanup(&r);
    /* syntax characters are not errors */
    search(&o, "%26%7C!(invoice", &r);
    httpc_resp_cleanup(&r);
    free(body_hit), free(title_hit), free(miss);
    person_free(&o);
}

Test(rag_search, mixed_languages_and_category_filter)
{
    person_t o = {0};
    person_sign_up(&o, "rag-mix");
    char *cat = mk_category(&o, "Legal", NULL);
    char *in = mk_article(&o, "Contracts", "Подписание договора and signed contracts.", cat);
    char *out = mk_article(&o, "Other", "Образец договора.", NULL);
    httpc_resp_t r = HTTPC_RESP_INIT;
    search(&o, Q_DOGOVOR, &r);
    cr_assert_eq(total_of(&r), 2);
    httpc_resp_cleanup(&r);
    char *q = fmt("%s&category_id=%s", Q_DOGOVOR, cat);
    search(&o, q, &r);
    cr_assert_eq(total_of(&r), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), in);
    httpc_resp_cleanup(&r);
    free(q);
    search(&o, "contract%20" Q_DOGOVOR, &r);
    cr_assert_eq(total_of(&r), 1, "both words: only the mixed article: %s", r.body.data);
    httpc_resp_cleanup(&r);
    /* too long */
    buf_t long_q = BUF_INIT;
    buf_puts(&long_q, "/api/kb/articles?q=");
    for (int i = 0; i < 501; i++)
        buf_putc(&long_q, 'q');
    call_err(&o, "GET", long_q.data, NULL, 400, "q");
    buf_cleanup(&long_q);
    free(cat), free(in), free(out);
    person_free(&o);
}

/* Snippets are safe HTML: only the matches are <mark> elements; the article's own tags are left
 * out by ts_headline and every other special character comes back escaped (a client may render
 * a snippet as it is). */
Test(rag_search, snippets_are_safe_html)
{
    person_t o = {0};
    person_sign_up(&o, "rag-snippet");
    char *id = call(&o, "POST", "/api/kb/articles",
                    "{\"title\":\"Markup\",\"body\":\"Write <script>alert(1)</script> & "
                    "<b>bold</b> \\\"quoted\\\" if 2 < 3 in the invoice text.\"}",
                    201, "id");
    httpc_resp_t r = HTTPC_RESP_INIT;
    search(&o, "invoice", &r);
    cr_assert_eq(total_of(&r), 1, "%s", r.body.data);
    const char *snip = httpc_resp_str(&r, "items.0.snippet");
    cr_assert_not_null(snip);
    cr_assert(strstr(snip, "<mark>invoice</mark>"), "snippet: %s", snip);
    cr_assert(strstr(snip, "&amp;"), "snippet: %s", snip);
    cr_assert(strstr(snip, "&quot;quoted&quot;"), "snippet: %s", snip);
    cr_assert(strstr(snip, "2 &lt; 3"), "snippet: %s", snip);
    /* No markup but the marks. */
    const char *p = snip;
    while ((p = strchr(p, '<'))) {
        cr_assert(strncmp(p, "<mark>", 6) == 0 || strncmp(p, "</mark>", 7) == 0, "snippet: %s",
                  snip);
        p++;
    }
    httpc_resp_cleanup(&r);
    free(id);
    person_free(&o);
}
