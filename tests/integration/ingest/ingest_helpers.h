/* ingest_helpers.h - shared steps of the document tests (test_ingest_*.c): multipart uploads
 * through the edge with libcurl's mime API (from memory, or generated on the fly so a large file
 * is never held by the test), downloads, and row counts in the ingest schema.
 *
 * Header-only (static inline), like rag_helpers.h, whose helpers it builds on.
 */
#ifndef TESTS_INTEGRATION_INGEST_HELPERS_H
#define TESTS_INTEGRATION_INGEST_HELPERS_H

#include <curl/curl.h>
#include <sodium.h>

#include "shared/crypto.h"
#include "tests/integration/rag/rag_helpers.h"

/* A file made on the fly: `size` bytes of numbered text lines seeded by `seed`, hashed as sent. */
typedef struct {
    int64_t size, sent;
    char seed[40];
    char line[96];
    size_t line_len, line_off;
    long line_no;
    crypto_hash_sha256_state sha;
} gen_file_t;

static inline void gen_init(gen_file_t *g, int64_t size, const char *seed)
{
    memset(g, 0, sizeof *g);
    g->size = size;
    snprintf(g->seed, sizeof g->seed, "%s", seed);
    crypto_hash_sha256_init(&g->sha);
}

static inline size_t gen_read(char *out, size_t size, size_t n, void *arg)
{
    gen_file_t *g = arg;
    size_t room = size * n, k = 0;
    while (k < room && g->sent < g->size) {
        if (g->line_off == g->line_len) {
            g->line_len = (size_t)snprintf(g->line, sizeof g->line,
                                           "line %ld of the test file %s, plain text\n",
                                           g->line_no++, g->seed);
            g->line_off = 0;
        }
        size_t take = g->line_len - g->line_off;
        if (take > room - k)
            take = room - k;
        if ((int64_t)take > g->size - g->sent)
            take = (size_t)(g->size - g->sent);
        memcpy(out + k, g->line + g->line_off, take);
        crypto_hash_sha256_update(&g->sha, (const unsigned char *)out + k, take);
        g->line_off += take;
        k += take;
        g->sent += (int64_t)take;
    }
    return k;
}

static inline void gen_hex(gen_file_t *g, char out[65])
{
    unsigned char d[32];
    crypto_hash_sha256_final(&g->sha, d);
    sodium_bin2hex(out, 65, d, sizeof d);
}

static inline size_t collect(char *d, size_t size, size_t n, void *arg)
{
    buf_append(arg, d, size * n);
    return size * n;
}

/* The part of an upload: a file from memory (data) or generated (gen), under field `field`. */
typedef struct {
    const char *field;     /* "file" */
    const char *file_name; /* NULL: none */
    const char *type;      /* NULL: libcurl's guess */
    const void *data;
    size_t len;
    gen_file_t *gen;
} up_part_t;

/* POST /api/kb/documents as p (its session cookie; base_url NULL: the stack's edge) with the
 * parts and plain fields (name, value, ..., NULL). Returns the status; the body into *body
 * (heap, may be NULL). */
static inline long upload_parts(person_t *p, const char *base_url, const up_part_t *parts,
                                int nparts, const char *const *fields, char **body)
{
    CURL *h = curl_easy_init();
    curl_mime *mime = curl_mime_init(h);
    struct curl_slist *hdrs = NULL;
    buf_t out = BUF_INIT;
    char *sid = httpc_cookie(p->c, "sid"), *url = NULL, *cookie = NULL;
    long status = 0;

    for (int i = 0; i < nparts; i++) {
        curl_mimepart *mp = curl_mime_addpart(mime);
        curl_mime_name(mp, parts[i].field);
        if (parts[i].gen)
            curl_mime_data_cb(mp, parts[i].gen->size, gen_read, NULL, NULL, parts[i].gen);
        else
            curl_mime_data(mp, parts[i].data, parts[i].len);
        if (parts[i].file_name)
            curl_mime_filename(mp, parts[i].file_name);
        if (parts[i].type)
            curl_mime_type(mp, parts[i].type);
    }
    for (const char *const *f = fields; f && *f; f += 2) {
        curl_mimepart *mp = curl_mime_addpart(mime);
        curl_mime_name(mp, f[0]);
        curl_mime_data(mp, f[1], CURL_ZERO_TERMINATED);
    }
    url = fmt("%s/api/kb/documents", base_url ? base_url : harness_env("EDGE_URL"));
    cookie = fmt("Cookie: sid=%s", sid ? sid : "");
    hdrs = curl_slist_append(hdrs, cookie);
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 300000L);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else if (out.len == 0)
        cr_log_warn("upload: %s", curl_easy_strerror(rc));
    if (rc != CURLE_OK && status == 0)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status); /* answered before the end */
    if (body)
        *body = out.len ? buf_steal(&out) : NULL;
    buf_cleanup(&out);
    curl_slist_free_all(hdrs);
    curl_mime_free(mime);
    curl_easy_cleanup(h);
    free(sid);
    free(url);
    free(cookie);
    return status;
}

/* One file from memory, named name, with category (may be NULL). */
static inline long upload(person_t *p, const char *name, const void *data, size_t len,
                          const char *category, char **body)
{
    up_part_t part = {"file", name, NULL, data, len, NULL};
    const char *fields[] = {"category_id", category, NULL};
    return upload_parts(p, NULL, &part, 1, category ? fields : NULL, body);
}

/* The value of a top-level string or number field of a JSON text (heap), or NULL. */
static inline char *json_field(const char *json, const char *field)
{
    json_error_t e;
    json_t *root = json ? json_loads(json, 0, &e) : NULL;
    json_t *v = root ? json_object_get(root, field) : NULL;
    char *out = NULL;
    if (json_is_string(v))
        out = xstrdup(json_string_value(v));
    else if (json_is_integer(v))
        out = fmt("%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        out = xstrdup(json_is_true(v) ? "true" : "false");
    json_decref(root);
    return out;
}

/* Uploads text as a .txt file and asserts 201; returns the new document's id (heap). */
static inline char *upload_ok(person_t *p, const char *name, const char *text)
{
    char *body = NULL;
    long s = upload(p, name, text, strlen(text), NULL, &body);
    cr_assert_eq(s, 201, "upload %s: %ld %s", name, s, body ? body : "");
    char *id = json_field(body, "id");
    cr_assert_not_null(id);
    free(body);
    return id;
}

/* SELECT count(*) FROM ingest.<table> WHERE <where> (as superuser: no row-level security). */
static inline long ingest_count(const char *table, const char *where)
{
    char *sql = fmt("SELECT count(*) FROM ingest.%s WHERE %s", table, where);
    char *v = harness_pg_value(sql);
    cr_assert_not_null(v, "%s", sql);
    long n = strtol(v, NULL, 10);
    free(v);
    free(sql);
    return n;
}

#endif
