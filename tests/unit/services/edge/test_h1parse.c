/* test_h1parse.c - the edge's strict HTTP/1.1 parser: heads (request line, fields, framing
 * rules, limits), early refusal of what cannot become a request, chunked and length-delimited
 * bodies in any pieces, and the request-target helpers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "services/edge/edge.h"
#include "services/edge/h1parse.h"
#include "shared/util.h"

edge_t edge; /* the edge's global, defined by main.c in the program (linked, unused here) */

static const h1_limits_t lim = {.max_head = 4096, .max_uri = 1024, .max_fields = 20};

/* Parses s; returns the result, req filled (caller cleans up). */
static h1_result_t parse(const char *s, h1_req_t *req, size_t *used)
{
    return h1_parse_head(s, strlen(s), &lim, req, used);
}

static void expect_result(const char *s, h1_result_t want)
{
    h1_req_t req;
    size_t used;
    h1_result_t r = parse(s, &req, &used);
    cr_assert_eq(r, want, "%s -> %d (%s), expected %d", s, r, req.error ? req.error : "", want);
    if (want != H1_OK && want != H1_INCOMPLETE)
        cr_assert_not_null(req.error);
    h1_req_cleanup(&req);
}

Test(h1parse, a_plain_request)
{
    const char *s = "GET /api/x%20y?a=1&b=2 HTTP/1.1\r\nHost: example.com\r\n"
                    "X-Multi: one\r\nx-multi: two\r\nConnection: keep-alive\r\n\r\nNEXT";
    h1_req_t req;
    size_t used;
    cr_assert_eq(parse(s, &req, &used), H1_OK);
    cr_assert_eq(used, strlen(s) - 4);
    cr_assert_str_eq(req.method, "GET");
    cr_assert_str_eq(req.path, "/api/x y");
    cr_assert_str_eq(req.query, "a=1&b=2");
    cr_assert_eq(req.minor, 1);
    cr_assert(req.keep_alive);
    cr_assert_eq(req.content_length, -1);
    cr_assert_not(req.chunked);
    cr_assert_str_eq(h1_header(&req, "host"), "example.com");
    int it = 0;
    cr_assert_str_eq(h1_header_next(&req, "x-multi", &it), "one");
    cr_assert_str_eq(h1_header_next(&req, "x-multi", &it), "two");
    cr_assert_null(h1_header_next(&req, "x-multi", &it));
    h1_req_cleanup(&req);
}

Test(h1parse, every_prefix_is_incomplete)
{
    const char *s = "\r\nPOST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n";
    for (size_t n = 0; n < strlen(s); n++) {
        h1_req_t req;
        size_t used;
        cr_assert_eq(h1_parse_head(s, n, &lim, &req, &used), H1_INCOMPLETE, "prefix %zu", n);
        h1_req_cleanup(&req);
    }
}

Test(h1parse, framing_fields)
{
    h1_req_t req;
    size_t used;
    cr_assert_eq(parse("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n"
                       "content-length: 12\r\n\r\n",
                       &req, &used),
                 H1_OK);
    cr_assert_eq(req.content_length, 12);
    h1_req_cleanup(&req);
    cr_assert_eq(parse("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
                       "Expect: 100-continue\r\nConnection: close\r\n\r\n",
                       &req, &used),
                 H1_OK);
    cr_assert(req.chunked);
    cr_assert(req.expect_continue);
    cr_assert_not(req.keep_alive);
    h1_req_cleanup(&req);
    cr_assert_eq(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req, &used), H1_OK);
    cr_assert(req.keep_alive);
    h1_req_cleanup(&req);
}

Test(h1parse, smuggling_shapes_are_refused)
{
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: "
                  "chunked\r\n\r\n",
                  H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                  H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n", H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1,1\r\n\r\n", H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n", H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999999999999\r\n\r\n",
                  H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                  H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n", H1_BAD);
    expect_result("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n", H1_BAD);
    expect_result("POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", H1_BAD);
}

Test(h1parse, malformed_heads_are_refused_early)
{
    /* No blank line yet, but already wrong: refused without waiting for more. */
    expect_result("GET /a HTTP/1.1\r\nHost: x\rY", H1_BAD);
    expect_result("GET /a HTTP/1.1\nHost", H1_BAD);
    h1_req_t req;
    size_t used;
    cr_assert_eq(h1_parse_head("GET /a HTTP/1.1\r\nX: a\0", 22, &lim, &req, &used), H1_BAD);
    h1_req_cleanup(&req);
    expect_result("GET /a\r\n", H1_BAD);
    expect_result("\x16\x03\x01", H1_BAD);
    /* complete heads */
    expect_result("GET /a HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/1.1\r\nHost: x\r\nA: 1\r\n b\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/1.1\r\nHost: x\r\nA: \x01\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/1.1\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/1.1\r\nHost: a b\r\n\r\n", H1_BAD);
    expect_result("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a/../b HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a/%2e%2e/b HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a#f HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET a HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/1.1 \r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a  HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a http/1.1\r\nHost: x\r\n\r\n", H1_BAD);
    expect_result("GET /a HTTP/2.0\r\nHost: x\r\n\r\n", H1_VERSION);
    expect_result("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", H1_METHOD);
    expect_result("\r\n\r\n", H1_INCOMPLETE);      /* empty lines before a request are ignored */
    expect_result("\r\n\r\n\r\n\r\n\r\n", H1_BAD); /* up to four */
}

Test(h1parse, limits)
{
    char big[6000];
    memset(big, 'a', sizeof big);
    big[sizeof big - 1] = '\0';
    buf_t b = BUF_INIT;
    buf_printf(&b, "GET /%s HTTP/1.1\r\n", big); /* no end yet: the target alone is too long */
    expect_result(b.data, H1_URI_TOO_LONG);
    buf_reset(&b);
    buf_printf(&b, "GET /%.1500s HTTP/1.1\r\nHost: x\r\n\r\n", big);
    expect_result(b.data, H1_URI_TOO_LONG);
    buf_reset(&b);
    buf_printf(&b, "GET / HTTP/1.1\r\nHost: x\r\nX: %s\r\n\r\n", big);
    expect_result(b.data, H1_TOO_LARGE);
    buf_reset(&b);
    buf_puts(&b, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 25; i++)
        buf_printf(&b, "X-%d: 1\r\n", i);
    expect_result(b.data, H1_TOO_LARGE); /* counted before the head ends */
    buf_cleanup(&b);
}

Test(h1parse, target_forms)
{
    h1_req_t req;
    size_t used;
    cr_assert_eq(
        parse("GET http://example.com/p?q HTTP/1.1\r\nHost: example.com\r\n\r\n", &req, &used),
        H1_OK);
    cr_assert_str_eq(req.path, "/p");
    cr_assert_str_eq(req.query, "q");
    h1_req_cleanup(&req);
    cr_assert_eq(parse("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", &req, &used), H1_OK);
    cr_assert_str_eq(req.path, "*");
    h1_req_cleanup(&req);
    expect_result("GET * HTTP/1.1\r\nHost: x\r\n\r\n", H1_BAD);
}

/* Decodes body bytes fed `piece` at a time (0: at once) into out. */
static h1_result_t body(const char *head, const char *in, size_t piece, buf_t *out, size_t *used)
{
    h1_req_t req;
    size_t hu;
    h1_body_t b;
    cr_assert_eq(parse(head, &req, &hu), H1_OK);
    h1_body_init(&b, &req, 64);
    h1_req_cleanup(&req);
    size_t len = strlen(in), off = 0;
    h1_result_t r = h1_body_done(&b) ? H1_OK : H1_INCOMPLETE;
    while (r == H1_INCOMPLETE && off < len) {
        size_t avail = piece && piece < len - off ? piece : len - off, u, dl;
        const char *d;
        r = h1_body_feed(&b, in + off, avail, &u, &d, &dl);
        buf_append(out, d, dl);
        off += u;
    }
    *used = off;
    return r;
}

#define CHUNKED "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

Test(h1parse, chunked_bodies_in_any_pieces)
{
    const char *in = "5;name=\"v\"\r\nhello\r\n1A\r\n abcdefghijklmnopqrstuvwxy\r\n"
                     "0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\nNEXT";
    for (size_t piece = 0; piece < 8; piece++) {
        buf_t out = BUF_INIT;
        size_t used;
        cr_assert_eq(body(CHUNKED, in, piece, &out, &used), H1_OK, "piece %zu", piece);
        cr_assert_eq(out.len, 31);
        cr_assert(memcmp(out.data, "hello abcdefghijklmnopqrstuvwxy", 31) == 0);
        cr_assert_eq(used, strlen(in) - 4, "stops before the next request");
        buf_cleanup(&out);
    }
}

Test(h1parse, malformed_chunks)
{
    static const char *bad[] = {
        "\r\n",                    /* no size */
        "g\r\n",                   /* not hex */
        "5\r\nhelloXX0\r\n\r\n",   /* no CRLF after data */
        "5\nhello\r\n",            /* bare LF */
        "fffffffffffffffff\r\n",   /* overflow */
        "0\r\n folded: x\r\n\r\n", /* obs-fold in trailers */
        "0\r\nX: 1\n\r\n",         /* bare LF in trailers */
        "1;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", /* long ext
                                                                                         */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_t out = BUF_INIT;
        size_t used;
        cr_assert_eq(body(CHUNKED, bad[i], 0, &out, &used), H1_BAD, "%zu: %s", i, bad[i]);
        buf_cleanup(&out);
    }
}

Test(h1parse, length_bodies)
{
    buf_t out = BUF_INIT;
    size_t used;
    cr_assert_eq(
        body("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n", "abcNEXT", 1, &out, &used),
        H1_OK);
    cr_assert_eq(out.len, 3);
    cr_assert_eq(used, 3);
    buf_reset(&out);
    cr_assert_eq(body("GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "NEXT", 0, &out, &used), H1_OK);
    cr_assert_eq(used, 0);
    buf_cleanup(&out);
}

Test(h1parse, query_pairs)
{
    const char *q = "a=1&b=x%20y+z&&flag&c=%zz";
    char name[16], value[16];
    bool bad;
    cr_assert(h1_query_next(&q, name, sizeof name, value, sizeof value, &bad));
    cr_assert_str_eq(name, "a");
    cr_assert_str_eq(value, "1");
    cr_assert(h1_query_next(&q, name, sizeof name, value, sizeof value, &bad));
    cr_assert_str_eq(value, "x y z");
    cr_assert(h1_query_next(&q, name, sizeof name, value, sizeof value, &bad));
    cr_assert_str_eq(name, "flag");
    cr_assert_str_eq(value, "");
    cr_assert_not(h1_query_next(&q, name, sizeof name, value, sizeof value, &bad));
    cr_assert(bad, "a malformed escape is an error, not the end");
    const char *nul = "a=%00";
    cr_assert_not(h1_query_next(&nul, name, sizeof name, value, sizeof value, &bad));
    cr_assert(bad);
}

Test(h1parse, list_tokens)
{
    cr_assert(h1_list_has("keep-alive, Upgrade", "upgrade"));
    cr_assert_not(h1_list_has("upgraded", "upgrade"));
    cr_assert_not(h1_list_has(NULL, "close"));
}

/* The list elements of a field value in order: "[a][b]..." */
static void list_of(const char *value, char *out, size_t n)
{
    const char *cur = value, *e;
    size_t len, o = 0;
    out[0] = '\0';
    while (h1_list_next(&cur, &e, &len))
        o += (size_t)snprintf(out + o, n - o, "[%.*s]", (int)len, e);
}

Test(h1parse, list_elements)
{
    char got[256];
    list_of("gzip, br;q=0.5", got, sizeof got);
    cr_assert_str_eq(got, "[gzip][br;q=0.5]");
    list_of(" ,, a ,\tb\t, ,", got, sizeof got);
    cr_assert_str_eq(got, "[a][b]", "empty elements and OWS are skipped");
    list_of("text/html;x=\"a, b\";q=0, c", got, sizeof got);
    cr_assert_str_eq(got, "[text/html;x=\"a, b\";q=0][c]", "a quoted comma does not split");
    list_of("a;x=\"q\\\", y\", b", got, sizeof got);
    cr_assert_str_eq(got, "[a;x=\"q\\\", y\"][b]", "an escaped quote stays inside");
    list_of("a;x=\"open, b", got, sizeof got);
    cr_assert_str_eq(got, "[a;x=\"open, b]", "an unclosed quote runs to the end");
    list_of("", got, sizeof got);
    cr_assert_str_eq(got, "");
    list_of(" , ", got, sizeof got);
    cr_assert_str_eq(got, "");
    const char *cur = NULL, *e;
    size_t len;
    cr_assert_not(h1_list_next(&cur, &e, &len));
}
