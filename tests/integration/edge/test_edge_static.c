/* test_edge_static.c - the edge serving the built console and compressing, against the real
 * stack, with raw requests (no automatic decoding: the bytes on the wire are checked): the main
 * script brotli, gzip or plain as Accept-Encoding asks, 304 on a matching ETag (index.html, the
 * OpenAPI document), JSON answers gzipped above EDGE_GZIP_MIN_BYTES only, 404 for unknown files
 * and non-navigations, robots.txt, and /metrics and a plain GET /ws that are not the console.
 * Needs a built console (make web) in EDGE_STATIC_DIR. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tests/support/auth_helpers.h"

#define NAV "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

/* One request with extra header lines (NULL-terminated); asserts that an answer came. */
static void get(httpc_t *c, const char *method, const char *path, const char *const *headers,
                httpc_resp_t *r)
{
    cr_assert_eq(httpc_req(c, method, path, NULL, headers, r), ST_OK, "%s: no answer", path);
}

static bool read_file(const char *path, buf_t *out)
{
    FILE *f = fopen(path, "rb");
    char chunk[8192];
    size_t n;
    if (!f)
        return false;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, n);
    fclose(f);
    return true;
}

/* Reads EDGE_STATIC_DIR/<rel><suffix>; fails the test when missing. */
static void dist_file(const char *rel, const char *suffix, buf_t *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s%s%s", harness_env("EDGE_STATIC_DIR"), rel, suffix);
    cr_assert(read_file(path, out), "%s is missing: is the console built (make web)?", path);
}

static void gunzip(const buf_t *in, buf_t *out)
{
    z_stream z;
    unsigned char chunk[16384];
    int rc;
    memset(&z, 0, sizeof z);
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)in->data;
    z.avail_in = (uInt)in->len;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        cr_assert(rc == Z_OK || rc == Z_STREAM_END, "not gzip: %d", rc);
        buf_append(out, chunk, sizeof chunk - z.avail_out);
    } while (rc != Z_STREAM_END);
    inflateEnd(&z);
}

static bool header_has(const httpc_resp_t *r, const char *name, const char *part)
{
    const char *v = httpc_resp_header(r, name);
    return v && strcasestr(v, part);
}

static void expect_json_error(httpc_resp_t *r, long status, const char *code)
{
    cr_assert_eq(r->status, status, "expected %ld, got %ld: %s", status, r->status,
                 r->body.data ? r->body.data : "");
    cr_assert(header_has(r, "content-type", "application/json"));
    cr_assert_str_eq(httpc_resp_str(r, "error.code"), code);
    cr_assert_str_eq(httpc_resp_str(r, "error.request_id"), httpc_resp_header(r, "x-request-id"));
}

/* The entry script index.html names, e.g. "/assets/index-3f2a1b.js" (heap). */
static char *main_script(httpc_t *c)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    get(c, "GET", "/", (const char *[]){NAV, NULL}, &r);
    cr_assert_eq(r.status, 200);
    const char *src = strstr(r.body.data, "src=\"/assets/");
    cr_assert_not_null(src, "no entry script in %s", r.body.data);
    src += 5;
    char *out = xstrndup(src, strcspn(src, "\""));
    httpc_resp_cleanup(&r);
    return out;
}

Test(edge_static, main_script_in_each_coding)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    buf_t plain = BUF_INIT, br = BUF_INIT, inflated = BUF_INIT;
    char *js = main_script(c);
    dist_file(js, "", &plain);
    dist_file(js, ".br", &br);

    get(c, "GET", js, (const char *[]){"Accept-Encoding: gzip, deflate, br, zstd", NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(httpc_resp_header(&r, "content-encoding"), "br");
    cr_assert(header_has(&r, "vary", "accept-encoding"));
    cr_assert(header_has(&r, "content-type", "text/javascript"));
    cr_assert(header_has(&r, "cache-control", "immutable"));
    cr_assert_eq(r.body.len, br.len, "%zu bytes sent, %zu in the .br", r.body.len, br.len);
    cr_assert_eq(memcmp(r.body.data, br.data, br.len), 0);
    cr_assert_lt(br.len, plain.len / 2);

    get(c, "GET", js, (const char *[]){"Accept-Encoding: gzip", NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(httpc_resp_header(&r, "content-encoding"), "gzip");
    cr_assert(header_has(&r, "vary", "accept-encoding"));
    gunzip(&r.body, &inflated);
    cr_assert_eq(inflated.len, plain.len);
    cr_assert_eq(memcmp(inflated.data, plain.data, plain.len), 0);

    get(c, "GET", js, NULL, &r); /* no Accept-Encoding */
    cr_assert_eq(r.status, 200);
    cr_assert_null(httpc_resp_header(&r, "content-encoding"));
    cr_assert(header_has(&r, "vary", "accept-encoding"));
    cr_assert_eq(r.body.len, plain.len);
    cr_assert_eq(memcmp(r.body.data, plain.data, plain.len), 0);

    get(c, "GET", js, (const char *[]){"Accept-Encoding: br;q=0, gzip;q=0", NULL}, &r);
    cr_assert_null(httpc_resp_header(&r, "content-encoding"));
    cr_assert_eq(r.body.len, plain.len);
    get(c, "GET", js, (const char *[]){"Accept-Encoding: br;q=0.4, gzip;q=0.9", NULL}, &r);
    cr_assert_str_eq(httpc_resp_header(&r, "content-encoding"), "gzip");

    httpc_resp_cleanup(&r);
    buf_cleanup(&plain);
    buf_cleanup(&br);
    buf_cleanup(&inflated);
    free(js);
    httpc_free(c);
}

Test(edge_static, index_html_is_revalidated_with_etag)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char inm[160], ims[80];

    get(c, "GET", "/", (const char *[]){NAV, "Accept-Encoding: br", NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(header_has(&r, "content-type", "text/html"));
    cr_assert_str_eq(httpc_resp_header(&r, "cache-control"), "no-cache");
    cr_assert_not_null(httpc_resp_header(&r, "etag"));
    cr_assert_not_null(httpc_resp_header(&r, "last-modified"));
    snprintf(inm, sizeof inm, "If-None-Match: %s", httpc_resp_header(&r, "etag"));
    snprintf(ims, sizeof ims, "If-Modified-Since: %s", httpc_resp_header(&r, "last-modified"));
    char *etag = xstrdup(httpc_resp_header(&r, "etag"));

    get(c, "GET", "/", (const char *[]){NAV, "Accept-Encoding: br", inm, NULL}, &r);
    cr_assert_eq(r.status, 304);
    cr_assert_eq(r.body.len, 0);
    cr_assert_str_eq(httpc_resp_header(&r, "etag"), etag);
    /* the app's routes are the same document */
    get(c, "GET", "/agents", (const char *[]){NAV, "Accept-Encoding: br", inm, NULL}, &r);
    cr_assert_eq(r.status, 304);
    get(c, "GET", "/", (const char *[]){NAV, ims, NULL}, &r);
    cr_assert_eq(r.status, 304);
    get(c, "GET", "/", (const char *[]){NAV, "If-None-Match: \"stale\"", NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_gt(r.body.len, 0);

    free(etag);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge_static, openapi_has_an_etag_and_goes_gzipped)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    buf_t plain = BUF_INIT, inflated = BUF_INIT;
    char inm[160];

    get(c, "GET", "/api/openapi.json", NULL, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_null(httpc_resp_header(&r, "content-encoding"));
    cr_assert(header_has(&r, "vary", "accept-encoding"));
    cr_assert_str_eq(httpc_resp_header(&r, "cache-control"), "no-cache");
    cr_assert_not_null(httpc_resp_header(&r, "etag"));
    buf_append(&plain, r.body.data, r.body.len);
    snprintf(inm, sizeof inm, "If-None-Match: %s", httpc_resp_header(&r, "etag"));

    get(c, "GET", "/api/openapi.json", (const char *[]){inm, "Accept-Encoding: gzip", NULL}, &r);
    cr_assert_eq(r.status, 304);
    cr_assert_eq(r.body.len, 0);

    get(c, "GET", "/api/openapi.json", (const char *[]){"Accept-Encoding: gzip, br", NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(httpc_resp_header(&r, "content-encoding"), "gzip");
    cr_assert_lt(r.body.len, plain.len / 4);
    gunzip(&r.body, &inflated);
    cr_assert_eq(inflated.len, plain.len);
    cr_assert_eq(memcmp(inflated.data, plain.data, plain.len), 0);

    buf_cleanup(&plain);
    buf_cleanup(&inflated);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge_static, json_answers_gzipped_above_the_threshold)
{
    person_t p = {0};
    httpc_resp_t r = HTTPC_RESP_INIT;
    buf_t body = BUF_INIT, inflated = BUF_INIT;
    char path[128];

    person_sign_up(&p, "gzip");
    buf_puts(&body, "{\"name\":\"Verbose\",\"instructions\":\"");
    for (int i = 0; i < 60; i++)
        buf_puts(&body, "Greet the customer and ask what they need. ");
    buf_puts(&body, "\"}");
    req(p.c, "POST", "/api/agents", body.data, &r);
    expect_status(&r, 201);
    snprintf(path, sizeof path, "/api/agents/%s", httpc_resp_str(&r, "id"));
    char *id = xstrdup(httpc_resp_str(&r, "id"));

    /* a bus call's answer, over 1 KiB */
    get(p.c, "GET", path, (const char *[]){"Accept-Encoding: gzip, deflate, br", NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(httpc_resp_header(&r, "content-encoding"), "gzip");
    cr_assert(header_has(&r, "vary", "accept-encoding"));
    gunzip(&r.body, &inflated);
    cr_assert_gt(inflated.len, 1024);
    cr_assert_lt(r.body.len, inflated.len / 2);
    cr_assert_not_null(strstr(inflated.data, id));

    get(p.c, "GET", path, NULL, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_null(httpc_resp_header(&r, "content-encoding"));
    cr_assert(header_has(&r, "vary", "accept-encoding"));
    cr_assert_str_eq(httpc_resp_str(&r, "id"), id);
    get(p.c, "GET", path, (const char *[]){"Accept-Encoding: gzip;q=0, br", NULL}, &r);
    cr_assert_null(httpc_resp_header(&r, "content-encoding"));

    /* a small answer goes as it is, and does not vary */
    get(p.c, "GET", "/api/auth/me", (const char *[]){"Accept-Encoding: gzip", NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_lt(r.body.len, 1024);
    cr_assert_null(httpc_resp_header(&r, "content-encoding"));
    cr_assert_null(httpc_resp_header(&r, "vary"));
    cr_assert_not_null(httpc_resp_json(&r));

    free(id);
    buf_cleanup(&body);
    buf_cleanup(&inflated);
    httpc_resp_cleanup(&r);
    person_free(&p);
}

Test(edge_static, unknown_files_are_404_and_navigations_the_shell)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;

    get(c, "GET", "/assets/missing-1234.js", NULL, &r);
    expect_json_error(&r, 404, "not_found");
    get(c, "GET", "/favicon.ico", (const char *[]){"Accept: image/*", NULL}, &r);
    expect_json_error(&r, 404, "not_found");
    get(c, "GET", "/agents/logo.png", (const char *[]){NAV, NULL}, &r);
    expect_json_error(&r, 404, "not_found");
    get(c, "GET", "/agents/123", (const char *[]){"Accept: application/json", NULL}, &r);
    expect_json_error(&r, 404, "not_found");

    get(c, "GET", "/agents/123", (const char *[]){NAV, NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(header_has(&r, "content-type", "text/html"));
    cr_assert_not_null(strstr(r.body.data, "<div id=\"root\">"));
    get(c, "HEAD", "/agents/123", (const char *[]){NAV, NULL}, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 0);

    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge_static, robots_txt)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    get(c, "GET", "/robots.txt", NULL, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(header_has(&r, "content-type", "text/plain"));
    cr_assert_not_null(strstr(r.body.data, "User-agent: *"));
    cr_assert_null(strstr(r.body.data, "<html"));
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge_static, metrics_health_and_plain_ws_are_not_the_console)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    get(c, "GET", "/metrics", (const char *[]){NAV, NULL}, &r);
    expect_json_error(&r, 404, "not_found");
    get(c, "GET", "/metrics", NULL, &r);
    expect_json_error(&r, 404, "not_found");
    get(c, "GET", "/healthz", NULL, &r);
    expect_json_error(&r, 404, "not_found");
    get(c, "GET", "/ws", (const char *[]){NAV, NULL}, &r);
    expect_json_error(&r, 400, "invalid_argument");
    cr_assert_not_null(strstr(httpc_resp_str(&r, "error.message"), "WebSocket"));
    httpc_resp_cleanup(&r);
    httpc_free(c);
}
