/* pipeline_helpers.h - steps of the pipeline's end-to-end tests (test_pipeline_*.c) through the
 * stack's edge: upload a file as a browser does (multipart/form-data), wait for the document to
 * end ready or failed, ask POST /api/kb/retrieve, generate documents with known content.
 *
 * Header-only (static inline), on rag_helpers.h (people, categories, JSON calls).
 */
#ifndef TESTS_INTEGRATION_INGEST_PIPELINE_HELPERS_H
#define TESTS_INTEGRATION_INGEST_PIPELINE_HELPERS_H

#include <unistd.h>

#include "tests/integration/rag/rag_helpers.h"
#include "tests/support/pipeline.h"

#define KB_BOUNDARY "----pipeline-test-7d1f0c2a"

/* A document's end: status and error of GET /api/kb/documents/{id}. */
typedef struct {
    char *status, *error;
    long pages, chunks, attempts, progress;
} kb_doc_t;

static inline void kb_doc_cleanup(kb_doc_t *d)
{
    free(d->status);
    free(d->error);
    memset(d, 0, sizeof *d);
}

/* POST /api/kb/documents with file data[0..len) called name into category; the answer's status
 * in *status (may be NULL) and the document's id (heap; NULL when the answer has none). */
static inline char *kb_upload(person_t *p, const char *name, const void *data, size_t len,
                              const char *category, long *status)
{
    buf_t body = BUF_INIT;
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *id = NULL;

    buf_printf(&body,
               "--" KB_BOUNDARY "\r\nContent-Disposition: form-data; name=\"category_id\"\r\n\r\n"
               "%s\r\n--" KB_BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
               "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n",
               category, name);
    buf_append(&body, data, len);
    buf_puts(&body, "\r\n--" KB_BOUNDARY "--\r\n");
    httpc_set_timeout(p->c, 60000);
    cr_assert_eq(httpc_req_body(p->c, "POST", "/api/kb/documents",
                                "multipart/form-data; boundary=" KB_BOUNDARY, body.data, body.len,
                                NULL, &r),
                 ST_OK, "upload %s: no answer", name);
    if (status)
        *status = r.status;
    else
        cr_assert(r.status == 201 || r.status == 200, "upload %s: %ld %s", name, r.status,
                  r.body.data ? r.body.data : "");
    if (httpc_resp_str(&r, "id"))
        id = xstrdup(httpc_resp_str(&r, "id"));
    httpc_resp_cleanup(&r);
    buf_cleanup(&body);
    return id;
}

/* The file at path (relative to the repository) uploaded as its base name. */
static inline char *kb_upload_file(person_t *p, const char *path, const char *category)
{
    size_t len = 0;
    char *data = pipeline_slurp(path, &len);
    cr_assert_not_null(data, "fixture %s", path);
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *id = kb_upload(p, name, data, len, category, NULL);
    cr_assert_not_null(id, "upload %s", path);
    free(data);
    return id;
}

static inline long json_long(httpc_resp_t *r, const char *field)
{
    json_t *v = httpc_json_path(httpc_resp_json(r), field);
    return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* Polls GET /api/kb/documents/{id} until ready or failed (or timeout_ms): the last answer. */
static inline void kb_wait(person_t *p, const char *id, int timeout_ms, kb_doc_t *out)
{
    char *path = fmt("/api/kb/documents/%s", id);
    memset(out, 0, sizeof *out);
    for (int waited = 0;; waited += 200) {
        httpc_resp_t r = HTTPC_RESP_INIT;
        call_resp(p, "GET", path, NULL, 200, &r);
        kb_doc_cleanup(out);
        const char *s = httpc_resp_str(&r, "status"), *e = httpc_resp_str(&r, "error");
        out->status = xstrdup(s ? s : "");
        out->error = e ? xstrdup(e) : NULL;
        out->pages = json_long(&r, "pages");
        out->chunks = json_long(&r, "chunks");
        out->attempts = json_long(&r, "attempts");
        out->progress = json_long(&r, "progress");
        httpc_resp_cleanup(&r);
        if (!strcmp(out->status, "ready") || !strcmp(out->status, "failed") || waited >= timeout_ms)
            break;
        usleep(200 * 1000);
    }
    free(path);
}

/* kb_wait that asserts ready. */
static inline void kb_wait_ready(person_t *p, const char *id, kb_doc_t *out)
{
    kb_wait(p, id, 120000, out);
    cr_assert_str_eq(out->status, "ready", "document %s: %s (%s)", id, out->status,
                     out->error ? out->error : "");
}

/* POST /api/kb/retrieve {q, k} as p (mode NULL: hybrid): the rank (1-based) of the first
 * passage of document doc, 0 when none of the k is. */
static inline int kb_rank(person_t *p, const char *q, const char *mode, int k, const char *doc)
{
    json_t *body = json_pack("{s:s, s:i}", "q", q, "k", k);
    if (mode)
        json_object_set_new(body, "mode", json_string(mode));
    char *text = json_dumps(body, JSON_COMPACT);
    httpc_resp_t r = HTTPC_RESP_INIT;
    call_resp(p, "POST", "/api/kb/retrieve", text, 200, &r);
    json_t *items = httpc_json_path(httpc_resp_json(&r), "items");
    int rank = 0;
    for (size_t i = 0; i < json_array_size(items) && !rank; i++) {
        const char *src = json_string_value(json_object_get(json_array_get(items, i), "source_id"));
        if (src && strcmp(src, doc) == 0)
            rank = (int)i + 1;
    }
    httpc_resp_cleanup(&r);
    free(text);
    json_decref(body);
    return rank;
}

/* An N-page PDF (extract's make-pdf: pipeline_make_pdf). */
static inline char *kb_make_pdf(int pages, size_t *len)
{
    char *data = pipeline_make_pdf(pages, len);
    cr_assert_not_null(data);
    return data;
}

#endif
