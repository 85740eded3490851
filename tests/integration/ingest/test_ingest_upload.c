/* test_ingest_upload.c - documents in and out through the edge (libcurl's mime API, as browsers
 * and curl send forms): an upload becomes a queued document, the download gives the same bytes
 * back with its headers (ETag, 304, HEAD), the same file twice is one document, a PNG is 415, a
 * form without its file, with two, or with unknown fields is 400 naming the problem, members
 * read but cannot write, another organisation gets 404 on every id and nothing in its lists, and
 * list filters, reindex, chunks and delete do what the API says.
 */
#include "tests/integration/ingest/ingest_helpers.h"

static char *doc_path(const char *id, const char *tail)
{
    return fmt("/api/kb/documents/%s%s", id, tail ? tail : "");
}

Test(ingest_upload, a_file_becomes_a_document_and_comes_back_the_same)
{
    person_t o = {0};
    person_sign_up(&o, "ing-owner");
    char *cat = mk_category(&o, "Manuals", NULL);
    char uuid[37], sha[65];
    uuid_new(uuid);
    char *text = fmt("Привет, это тестовый файл %s.\nSecond line.\n", uuid);
    crypto_sha256_hex(text, strlen(text), sha);

    char *body = NULL;
    long s = upload(&o, "C:\\docs\\Инструкция 'v1'.txt", text, strlen(text), cat, &body);
    cr_assert_eq(s, 201, "%ld %s", s, body ? body : "");
    char *id = json_field(body, "id"), *status = json_field(body, "status"),
         *sha_got = json_field(body, "sha256"), *name = json_field(body, "name"),
         *format = json_field(body, "format"), *size = json_field(body, "size"),
         *category = json_field(body, "category_id"), *dup = json_field(body, "duplicate");
    cr_assert_str_eq(status, "queued");
    cr_assert_str_eq(sha_got, sha);
    cr_assert_str_eq(name, "Инструкция 'v1'.txt"); /* path components stripped */
    cr_assert_str_eq(format, "txt");
    cr_assert_eq(strtol(size, NULL, 10), (long)strlen(text));
    cr_assert_str_eq(category, cat);
    cr_assert_str_eq(dup, "false");
    /* The pieces are the document's now; the upload is gone. */
    char *where = fmt("document_id = '%s'", id);
    cr_assert_eq(ingest_count("file_pieces", where), 1);
    free(where);
    where = fmt("id = '%s'", id);
    cr_assert_eq(ingest_count("uploads", where), 0);
    free(where);
    where = fmt("subject = 'evt.ingest.document.created' AND org_id = '%s'", o.org_id);
    cr_assert_eq(ingest_count("outbox", where), 1);
    free(where);

    /* GET it, find it in the list (by category, status and part of the name). */
    char *path = doc_path(id, NULL);
    char *got = call(&o, "GET", path, NULL, 200, "sha256");
    cr_assert_str_eq(got, sha);
    free(got);
    /* The pipeline takes it to ready (test_pipeline_*.c follow it step by step). */
    for (int i = 0; i < 600; i++) {
        got = call(&o, "GET", path, NULL, 200, "status");
        bool done = got && (!strcmp(got, "ready") || !strcmp(got, "failed"));
        free(got);
        if (done)
            break;
        usleep(100 * 1000);
    }
    char *list =
        fmt("/api/kb/documents?category_id=%s&status=ready&q=%s", cat,
            "%D0%98%D0%9D%D0%A1%D0%A2%D0%A0%D0%A3%D0%9A%D0%A6%D0%98%D0%AF" /* ИНСТРУКЦИЯ */);
    got = call(&o, "GET", list, NULL, 200, "items.0.id");
    cr_assert_str_eq(got, id);
    free(got);
    free(list);
    list = fmt("/api/kb/documents?status=queued");
    got = call(&o, "GET", list, NULL, 200, "items.0.id");
    cr_assert_null(got); /* none is queued any more */
    free(list);

    /* Download: the bytes, Content-Disposition, a strong ETag, nosniff; 304; HEAD. */
    char *fpath = doc_path(id, "/file");
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(o.c, "GET", fpath, NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(r.body.len, strlen(text));
    cr_assert(memcmp(r.body.data, text, r.body.len) == 0);
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s\"", sha);
    cr_assert_str_eq(httpc_resp_header(&r, "etag"), etag);
    cr_assert_str_eq(httpc_resp_header(&r, "x-content-type-options"), "nosniff");
    cr_assert(strncmp(httpc_resp_header(&r, "content-type"), "text/plain", 10) == 0, "%s",
              httpc_resp_header(&r, "content-type"));
    const char *cd = httpc_resp_header(&r, "content-disposition");
    cr_assert(cd && strstr(cd, "attachment; filename=\"") &&
                  strstr(cd, "filename*=UTF-8''%D0%98%D0%BD") && strstr(cd, "%27v1%27.txt"),
              "%s", cd ? cd : "(none)");
    httpc_resp_cleanup(&r);
    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: W/\"x\", %s", etag);
    cr_assert_eq(httpc_req(o.c, "GET", fpath, NULL, (const char *[]){inm, NULL}, &r), ST_OK);
    expect_status(&r, 304);
    cr_assert_eq(r.body.len, 0);
    httpc_resp_cleanup(&r);
    cr_assert_eq(httpc_req(o.c, "HEAD", fpath, NULL, NULL, &r), ST_OK);
    expect_status(&r, 200);
    cr_assert_eq(strtol(httpc_resp_header(&r, "content-length"), NULL, 10), (long)strlen(text));
    cr_assert_eq(r.body.len, 0);
    httpc_resp_cleanup(&r);

    free(fpath);
    free(path);
    free(id);
    free(status);
    free(sha_got);
    free(name);
    free(format);
    free(size);
    free(category);
    free(dup);
    free(body);
    free(text);
    free(cat);
    person_free(&o);
}

Test(ingest_upload, the_same_file_twice_is_one_document)
{
    person_t o = {0}, other = {0};
    person_sign_up(&o, "ing-dup");
    person_sign_up(&other, "ing-dup2");
    char uuid[37];
    uuid_new(uuid);
    char *text = fmt("# Title %s\n\nSome Markdown text.\n", uuid);
    char *id = upload_ok(&o, "notes.md", text);

    char *body = NULL;
    long s = upload(&o, "again.md", text, strlen(text), NULL, &body);
    cr_assert_eq(s, 200, "%ld %s", s, body ? body : "");
    char *id2 = json_field(body, "id"), *dup = json_field(body, "duplicate"),
         *name = json_field(body, "name"), *format = json_field(body, "format");
    cr_assert_str_eq(id2, id);
    cr_assert_str_eq(dup, "true");
    cr_assert_str_eq(name, "notes.md");
    cr_assert_str_eq(format, "md");
    char *where = fmt("org_id = '%s'", o.org_id);
    cr_assert_eq(ingest_count("documents", where), 1);
    cr_assert_eq(ingest_count("uploads", where), 0);
    free(where);
    /* The duplicate's pieces went: only the document's remain. */
    cr_assert_eq(ingest_count("file_pieces", "document_id NOT IN (SELECT id FROM "
                                             "ingest.documents) AND document_id NOT IN (SELECT id "
                                             "FROM ingest.uploads)"),
                 0);
    /* Another organisation's copy of the same file is its own document. */
    char *id3 = upload_ok(&other, "notes.md", text);
    cr_assert_str_neq(id3, id);

    free(id3);
    free(id2);
    free(dup);
    free(name);
    free(format);
    free(body);
    free(id);
    free(text);
    person_free(&other);
    person_free(&o);
}

/* Asserts an upload of parts answers want with a message naming mention. */
static void expect_refused(person_t *p, const up_part_t *parts, int n, const char *const *fields,
                           long want, const char *mention)
{
    char *body = NULL;
    long s = upload_parts(p, NULL, parts, n, fields, &body);
    cr_assert_eq(s, want, "expected %ld, got %ld: %s", want, s, body ? body : "");
    char *msg = NULL;
    json_error_t e;
    json_t *root = json_loads(body ? body : "", 0, &e);
    json_t *m = json_object_get(json_object_get(root, "error"), "message");
    msg = json_is_string(m) ? xstrdup(json_string_value(m)) : NULL;
    cr_assert(msg && strstr(msg, mention), "message should name %s: %s", mention, body ? body : "");
    json_decref(root);
    free(msg);
    free(body);
}

Test(ingest_upload, bad_forms_and_types_are_refused_with_a_reason)
{
    person_t o = {0};
    person_sign_up(&o, "ing-bad");
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"
                              "\x1f\x15\xc4\x89\0\0\0\rIDATx\x9c"
                              "c\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xae"
                              "B`\x82";
    up_part_t img = {"file", "cat.txt", "text/plain", png, sizeof png - 1, NULL};
    expect_refused(&o, &img, 1, NULL, 415, "PDF, DOCX");

    up_part_t a = {"file", "a.txt", NULL, "alpha text", 10, NULL};
    up_part_t b = {"file", "b.txt", NULL, "beta text", 9, NULL};
    up_part_t two[] = {a, b};
    expect_refused(&o, two, 2, NULL, 400, "more than one file");
    up_part_t elsewhere = {"attachment", "a.txt", NULL, "alpha text", 10, NULL};
    expect_refused(&o, &elsewhere, 1, NULL, 400, "attachment");
    const char *only_fields[] = {"category_id", "", NULL};
    expect_refused(&o, NULL, 0, only_fields, 400, "no file");
    const char *unknown[] = {"colour", "blue", NULL};
    expect_refused(&o, &a, 1, unknown, 400, "colour");
    const char *own[] = {"upload_id", "x", NULL};
    expect_refused(&o, &a, 1, own, 400, "upload_id");
    const char *bad_cat[] = {"category_id", "not-a-uuid", NULL};
    expect_refused(&o, &a, 1, bad_cat, 400, "category_id");
    char missing[37];
    uuid_new(missing);
    const char *no_cat[] = {"category_id", missing, NULL};
    expect_refused(&o, &a, 1, no_cat, 404, "category_id");
    up_part_t empty = {"file", "e.txt", NULL, "", 0, NULL};
    expect_refused(&o, &empty, 1, NULL, 400, "empty");

    /* JSON is not a form. */
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(o.c, "POST", "/api/kb/documents", "{\"category_id\":null}", &r);
    expect_status(&r, 415);
    httpc_resp_cleanup(&r);
    /* Nothing was left behind by the refusals. */
    char *where = fmt("org_id = '%s'", o.org_id);
    cr_assert_eq(ingest_count("documents", where), 0);
    cr_assert_eq(ingest_count("uploads", where), 0);
    free(where);
    person_free(&o);
}

Test(ingest_upload, members_read_and_other_organisations_see_nothing)
{
    person_t o = {0}, m = {0}, x = {0};
    person_sign_up(&o, "ing-iso");
    person_invite(&o, &m, "ing-member", "member");
    person_sign_up(&x, "ing-stranger");
    char uuid[37];
    uuid_new(uuid);
    char *text = fmt("A document of one organisation %s\n", uuid);
    char *id = upload_ok(&o, "private.txt", text);

    /* A member reads, downloads, lists, but cannot upload, reindex or delete. */
    char *body = NULL;
    long s = upload(&m, "m.txt", "member text", 11, NULL, &body);
    cr_assert_eq(s, 403, "%ld %s", s, body ? body : "");
    free(body);
    char *path = doc_path(id, NULL), *fpath = doc_path(id, "/file"),
         *rpath = doc_path(id, "/reindex"), *cpath = doc_path(id, "/chunks");
    free(call(&m, "GET", path, NULL, 200, NULL));
    free(call(&m, "GET", fpath, NULL, 200, NULL));
    char *first = call(&m, "GET", "/api/kb/documents", NULL, 200, "items.0.id");
    cr_assert_str_eq(first, id);
    free(first);
    call_err(&m, "POST", rpath, NULL, 403, "owners and admins");
    call_err(&m, "DELETE", path, NULL, 403, "owners and admins");

    /* Another organisation: 404 on every id, nothing in its list. */
    call_err(&x, "GET", path, NULL, 404, "id");
    call_err(&x, "GET", fpath, NULL, 404, "id");
    call_err(&x, "GET", cpath, NULL, 404, "id");
    call_err(&x, "POST", rpath, NULL, 404, "id");
    call_err(&x, "DELETE", path, NULL, 404, "id");
    char *listed = call(&x, "GET", "/api/kb/documents", NULL, 200, "items.0.id");
    cr_assert_null(listed);
    char *q = fmt("/api/kb/documents?q=%s", "private");
    char *none = call(&x, "GET", q, NULL, 200, "items.0.id");
    cr_assert_null(none);
    free(q);
    /* Its upload of the same bytes is its own document, not a duplicate of the other's. */
    char *id2 = upload_ok(&x, "mine.txt", text);
    cr_assert_str_neq(id2, id);

    free(id2);
    free(path);
    free(fpath);
    free(rpath);
    free(cpath);
    free(id);
    free(text);
    person_free(&x);
    person_free(&m);
    person_free(&o);
}

Test(ingest_upload, reindex_chunks_and_delete)
{
    person_t o = {0};
    person_sign_up(&o, "ing-life");
    char uuid[37];
    uuid_new(uuid);
    char *text = fmt("Text to index again %s\n", uuid);
    char *id = upload_ok(&o, "again.txt", text);
    char *path = doc_path(id, NULL), *rpath = doc_path(id, "/reindex"),
         *cpath = doc_path(id, "/chunks"), *fpath = doc_path(id, "/file");

    char *st = call(&o, "POST", rpath, NULL, 200, "status");
    cr_assert_str_eq(st, "queued");
    free(st);
    /* attempts started again at 0 (1 once the pipeline claimed it: it may be that fast) */
    char *where = fmt("id = '%s' AND generation = 2 AND attempts <= 1", id);
    cr_assert_eq(ingest_count("documents", where), 1);
    free(where);
    /* The chunks come from rag (none yet, or those the pipeline made). */
    free(call(&o, "GET", cpath, NULL, 200, NULL));
    call_err(&o, "GET", "/api/kb/documents/not-a-uuid", NULL, 400, "id");
    call_err(&o, "GET", "/api/kb/documents?status=done", NULL, 400, "status");

    free(call(&o, "DELETE", path, NULL, 204, NULL));
    call_err(&o, "GET", path, NULL, 404, "id");
    call_err(&o, "GET", fpath, NULL, 404, "id");
    where = fmt("document_id = '%s'", id);
    cr_assert_eq(ingest_count("file_pieces", where), 0);
    free(where);
    where = fmt("subject = 'evt.ingest.document.deleted' AND org_id = '%s'", o.org_id);
    cr_assert_eq(ingest_count("outbox", where), 1);
    free(where);

    free(path);
    free(rpath);
    free(cpath);
    free(fpath);
    free(id);
    free(text);
    person_free(&o);
}
