/* test_pipeline_lifecycle.c - a document's life through the stack's edge:
 * - progress: the uploader's WebSocket gets document.progress notifications in pipeline order
 *   (extracting ... ready), at most a few a second, the last one ready with pages and chunks;
 *   a failing file's last one is failed with its reason; nobody else's socket gets any;
 * - reindex: back to queued with the next generation, ready again, the same chunks once;
 * - tenancy: another organisation gets 404 on every id and finds nothing in lists or retrieval;
 * - delete: gone from retrieval at once. */
#include "pipeline_helpers.h"
#include "tests/support/wsclient.h"

static wsc_t *ws_open(person_t *p)
{
    char *sid = httpc_cookie(p->c, "sid");
    char *cookie = fmt("Cookie: sid=%s", sid ? sid : "");
    const char *hdrs[] = {cookie, NULL};
    int status = 0;
    wsc_t *ws = wsc_connect("127.0.0.1", atoi(harness_env("EDGE_PORT")), "/ws", hdrs, &status);
    cr_assert_not_null(ws, "upgrade refused: %d", status);
    free(cookie);
    free(sid);
    char *hello = NULL;
    cr_assert_eq(wsc_recv_text(ws, 5000, &hello), ST_OK);
    free(hello);
    return ws;
}

/* document.progress notifications about doc until one is ready or failed (or 120 s): how many,
 * the statuses in order (space-separated) and the last one's data (caller decrefs). */
static json_t *ws_progress(wsc_t *ws, const char *doc, int *count, buf_t *order)
{
    json_t *last = NULL;
    *count = 0;
    for (int64_t end = time_mono_us() + 120000000LL; time_mono_us() < end;) {
        char *text = NULL;
        if (wsc_recv_text(ws, 1000, &text) != ST_OK)
            continue;
        json_t *m = json_loads(text, 0, NULL);
        free(text);
        json_t *data = json_object_get(m, "data");
        const char *kind = json_string_value(json_object_get(m, "kind"));
        const char *id = json_string_value(json_object_get(data, "id"));
        if (kind && strcmp(kind, "document.progress") == 0 && id && strcmp(id, doc) == 0) {
            const char *st = json_string_value(json_object_get(data, "status"));
            (*count)++;
            buf_printf(order, "%s%s", order->len ? " " : "", st ? st : "?");
            json_decref(last);
            last = json_incref(data);
            if (st && (!strcmp(st, "ready") || !strcmp(st, "failed"))) {
                json_decref(m);
                break;
            }
        }
        json_decref(m);
    }
    return last;
}

/* Statuses in `order` appear in pipeline order (repeats allowed). */
static bool in_pipeline_order(const char *order)
{
    static const char *const steps[] = {"queued",    "extracting", "chunking",
                                        "embedding", "ready",      "failed"};
    int at = 0;
    char *copy = xstrdup(order), *save = NULL;
    bool ok = true;
    for (char *t = strtok_r(copy, " ", &save); t && ok; t = strtok_r(NULL, " ", &save)) {
        int k = -1;
        for (int i = 0; i < 6; i++)
            if (!strcmp(steps[i], t))
                k = i;
        ok = k >= at;
        at = k;
    }
    free(copy);
    return ok;
}

Test(pipeline_lifecycle, progress_pushes_reach_the_uploader_only, .timeout = 300)
{
    person_t owner = {0}, other = {0};
    person_sign_up(&owner, "progress");
    person_sign_up(&other, "bystander");
    char *cat = mk_category(&owner, "Progress", NULL);
    wsc_t *ws = ws_open(&owner), *ws_other = ws_open(&other);
    size_t len = 0;
    char *pdf = kb_make_pdf(60, &len);
    int64_t t0 = time_mono_us();
    char *doc = kb_upload(&owner, "progress.pdf", pdf, len, cat, NULL);
    free(pdf);

    int count = 0;
    buf_t order = BUF_INIT;
    json_t *last = ws_progress(ws, doc, &count, &order);
    double secs = (double)(time_mono_us() - t0) / 1e6;
    cr_assert_not_null(last, "no progress notification arrived");
    cr_assert_str_eq(json_string_value(json_object_get(last, "status")), "ready", "%s", order.data);
    cr_assert_eq(json_integer_value(json_object_get(last, "progress")), 100);
    cr_assert_eq(json_integer_value(json_object_get(last, "pages")), 60);
    cr_assert_gt(json_integer_value(json_object_get(last, "chunks")), 0);
    cr_assert_str_eq(json_string_value(json_object_get(last, "name")), "progress.pdf");
    cr_assert(json_is_null(json_object_get(last, "error")));
    cr_assert(strstr(order.data, "extracting") && strstr(order.data, "embedding"), "%s",
              order.data);
    cr_assert(in_pipeline_order(order.data), "%s", order.data);
    cr_assert_leq(count, 4 + (int)(secs * 4) + 4, "throttled: %d pushes in %.1f s", count, secs);
    json_decref(last);

    /* A file that fails: the last push says so, with the reason. */
    buf_reset(&order);
    static const char broken[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\nbroken";
    char *bad = kb_upload(&owner, "broken.pdf", broken, sizeof broken - 1, cat, NULL);
    last = ws_progress(ws, bad, &count, &order);
    cr_assert_not_null(last);
    cr_assert_str_eq(json_string_value(json_object_get(last, "status")), "failed", "%s",
                     order.data);
    const char *reason = json_string_value(json_object_get(last, "error"));
    cr_assert(reason && strlen(reason) > 5, "a reason: %s", reason ? reason : "(none)");
    json_decref(last);

    /* Nobody else heard of either. */
    char *text = NULL;
    while (wsc_recv_text(ws_other, 500, &text) == ST_OK) {
        cr_assert_null(strstr(text, "document.progress"), "a stranger got: %s", text);
        free(text);
    }
    buf_cleanup(&order);
    wsc_close(ws);
    wsc_close(ws_other);
    free(doc);
    free(bad);
    free(cat);
    person_free(&owner);
    person_free(&other);
}

Test(pipeline_lifecycle, reindex_tenancy_and_delete, .timeout = 300)
{
    person_t owner = {0}, stranger = {0};
    person_sign_up(&owner, "lifecycle");
    person_sign_up(&stranger, "stranger");
    char *cat = mk_category(&owner, "Lifecycle", NULL);
    static const char text[] =
        "Абонемент в бассейн «Волна» можно заморозить один раз на срок до двух недель. "
        "A membership of the Volna swimming pool can be frozen once for up to two weeks.";
    const char *q_ru = "Можно ли заморозить абонемент в бассейн Волна?";
    const char *q_en = "Can the Volna pool membership be frozen?";
    char *doc = kb_upload(&owner, "pool.txt", text, strlen(text), cat, NULL);
    kb_doc_t d;
    kb_wait_ready(&owner, doc, &d);
    long chunks = d.chunks;
    kb_doc_cleanup(&d);
    cr_assert_eq(kb_rank(&owner, q_ru, NULL, 5, doc), 1);

    /* Reindex: queued again, ready again, the same chunks once (not twice). */
    char *path = fmt("/api/kb/documents/%s/reindex", doc);
    char *status = call(&owner, "POST", path, NULL, 200, "status");
    cr_assert_str_eq(status, "queued");
    free(status);
    free(path);
    kb_wait_ready(&owner, doc, &d);
    cr_assert_eq(d.chunks, chunks);
    cr_assert_eq(d.attempts, 1, "reindex starts the count again");
    kb_doc_cleanup(&d);
    path = fmt("/api/kb/documents/%s/chunks", doc);
    httpc_resp_t r = HTTPC_RESP_INIT;
    call_resp(&owner, "GET", path, NULL, 200, &r);
    cr_assert_eq(json_long(&r, "total"), chunks, "%s", r.body.data);
    httpc_resp_cleanup(&r);
    free(path);
    cr_assert_eq(kb_rank(&owner, q_en, NULL, 5, doc), 1);

    /* Another organisation: 404 on every id, nothing listed, nothing retrieved. */
    const char *const ops[][2] = {
        {"GET", "/api/kb/documents/%s"},      {"GET", "/api/kb/documents/%s/chunks"},
        {"GET", "/api/kb/documents/%s/file"}, {"POST", "/api/kb/documents/%s/reindex"},
        {"DELETE", "/api/kb/documents/%s"},
    };
    for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
        path = fmt(ops[i][1], doc);
        call_err(&stranger, ops[i][0], path, NULL, 404, NULL);
        free(path);
    }
    call_resp(&stranger, "GET", "/api/kb/documents", NULL, 200, &r);
    cr_assert_eq(json_long(&r, "total"), 0, "%s", r.body.data);
    httpc_resp_cleanup(&r);
    for (const char *const *q = (const char *const[]){q_ru, q_en, "Волна", NULL}; *q; q++)
        for (const char *const *mode = (const char *const[]){"hybrid", "fulltext", "vector", NULL};
             *mode; mode++)
            cr_assert_eq(kb_rank(&stranger, *q, *mode, 50, doc), 0, "%s (%s)", *q, *mode);

    /* Delete: gone from retrieval as soon as it answered. */
    path = fmt("/api/kb/documents/%s", doc);
    call(&owner, "DELETE", path, NULL, 204, NULL);
    call_err(&owner, "GET", path, NULL, 404, NULL);
    free(path);
    cr_assert_eq(kb_rank(&owner, q_ru, NULL, 50, doc), 0);
    cr_assert_eq(kb_rank(&owner, q_en, "fulltext", 50, doc), 0);

    free(doc);
    free(cat);
    person_free(&owner);
    person_free(&stranger);
}
