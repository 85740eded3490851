/* test_edge_http.c - the edge's HTTP/1.1 framing over raw TCP: pipelined requests with bodies
 * (once a hang of the whole edge), strict message framing (no request smuggling), limits, and a
 * clean error answer for every malformed request, the edge answering others afterwards. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/rawhttp.h"

#define LOGIN_EMPTY                                                                                \
    "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"               \
    "Content-Length: 2\r\n\r\n{}"
#define HEALTH "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"

static int port(void)
{
    return atoi(harness_env("EDGE_PORT"));
}

/* Sends req in one write: n answers with these statuses, closed or not, edge alive after. */
static void expect(const char *req, size_t len, int n, const int *statuses, bool closed)
{
    rawhttp_t r;
    rawhttp_exchange(port(), req, len, 0, 0, &r);
    cr_assert_eq(r.n, n, "%d answers, expected %d: %.600s", r.n, n, r.data);
    for (int i = 0; i < n; i++)
        cr_assert_eq(r.status[i], statuses[i], "answer %d: %d, expected %d: %.600s", i, r.status[i],
                     statuses[i], r.data);
    if (closed)
        cr_assert(r.closed, "the connection should be closed: %.300s", r.data);
    else
        cr_assert_not(r.closed, "the connection should stay open");
    /* Every error is the JSON shape with the request id. */
    for (int i = 0; i < n; i++)
        if (statuses[i] >= 400)
            cr_assert(strstr(r.head[i], "{\"error\":{\"code\":\"") == r.body[i], "%.300s",
                      r.head[i]);
    rawhttp_cleanup(&r);
    cr_assert(rawhttp_healthy(port()), "the edge answers /api/health afterwards");
}

static void expect_one(const char *req, int status)
{
    expect(req, strlen(req), 1, (int[]){status}, true);
}

/* ---- pipelining (the hang) ---------------------------------------------------------------- */

Test(edge_http, get_then_post_with_body_in_one_write)
{
    expect(HEALTH LOGIN_EMPTY, strlen(HEALTH LOGIN_EMPTY), 2, (int[]){200, 400}, false);
}

Test(edge_http, post_then_post_with_bodies_in_one_write)
{
    expect(LOGIN_EMPTY LOGIN_EMPTY, strlen(LOGIN_EMPTY LOGIN_EMPTY), 2, (int[]){400, 400}, false);
}

Test(edge_http, get_get_post_in_one_write)
{
    const char *req = HEALTH HEALTH LOGIN_EMPTY;
    expect(req, strlen(req), 3, (int[]){200, 200, 400}, false);
}

Test(edge_http, post_then_get_in_one_write)
{
    const char *req = LOGIN_EMPTY HEALTH;
    expect(req, strlen(req), 2, (int[]){400, 200}, false);
}

Test(edge_http, many_pipelined_requests)
{
    buf_t b = BUF_INIT;
    int st[100];
    for (int i = 0; i < 100; i++) {
        buf_puts(&b, i % 3 ? HEALTH : LOGIN_EMPTY);
        st[i] = i % 3 ? 200 : 400;
    }
    expect(b.data, b.len, 100, st, false);
    buf_cleanup(&b);
}

Test(edge_http, posts_one_millisecond_apart)
{
    /* The same bytes in 1-byte writes 1 ms apart: every split point of the stream. */
    const char *req = LOGIN_EMPTY LOGIN_EMPTY;
    rawhttp_t r;
    rawhttp_exchange(port(), req, strlen(req), 1, 0, &r);
    cr_assert_eq(r.n, 2, "%s", r.data);
    cr_assert_eq(r.status[0], 400);
    cr_assert_eq(r.status[1], 400);
    rawhttp_cleanup(&r);
    cr_assert(rawhttp_healthy(port()));
}

Test(edge_http, request_ids_follow_pipelined_requests)
{
    const char *req = "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Request-Id: first-1\r\n\r\n"
                      "GET /api/nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: second-2\r\n\r\n";
    rawhttp_t r;
    char id[64];
    rawhttp_exchange(port(), req, strlen(req), 0, 0, &r);
    cr_assert_eq(r.n, 2);
    cr_assert(rawhttp_header(&r, 0, "x-request-id", id, sizeof id));
    cr_assert_str_eq(id, "first-1");
    cr_assert(rawhttp_header(&r, 1, "x-request-id", id, sizeof id));
    cr_assert_str_eq(id, "second-2");
    cr_assert_eq(r.status[1], 404);
    rawhttp_cleanup(&r);
}

/* ---- framing ------------------------------------------------------------------------------ */

Test(edge_http, transfer_encoding_with_content_length_is_400)
{
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n"
               "\r\n",
               400);
}

Test(edge_http, conflicting_or_malformed_lengths_are_400)
{
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
               "Content-Length: 3\r\n\r\n{}x",
               400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: +29\r\n\r\n{}", 400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1,2\r\n\r\n{}", 400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2a\r\n\r\n{}", 400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", 400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 99999999999999999999999\r\n\r\n{}",
               400);
}

Test(edge_http, unknown_transfer_codings_are_400)
{
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
               "\r\n0\r\n\r\n",
               400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
               400);
    expect_one("POST /api/auth/login HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
}

Test(edge_http, chunked_body_is_read)
{
    /* An unknown field named in the 400 proves the body arrived, extensions and trailer too. */
    const char *req =
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
        "5;ext=1\r\n{\"zz_\r\n"
        "f\r\nfield\":true}   \r\n"
        "0\r\nX-Trailer: yes\r\n\r\n" HEALTH;
    rawhttp_t r;
    rawhttp_exchange(port(), req, strlen(req), 0, 0, &r);
    cr_assert_eq(r.n, 2, "%s", r.data);
    cr_assert_eq(r.status[0], 400);
    cr_assert(strstr(r.body[0], "zz_field"), "%s", r.body[0]);
    cr_assert_eq(r.status[1], 200);
    cr_assert_not(r.closed);
    rawhttp_cleanup(&r);
}

Test(edge_http, malformed_chunks_are_400)
{
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "zz\r\n{}\r\n0\r\n\r\n",
               400);
    expect_one("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "2\r\n{}XX0\r\n\r\n",
               400);
}

Test(edge_http, chunked_body_over_the_limit_is_413)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    char chunk[65536 + 16];
    memset(chunk, 'a', sizeof chunk);
    int n = snprintf(chunk, 16, "10000\r\n");
    chunk[n - 1] = '\n';
    for (int i = 0; i < 40; i++) { /* 2.5 MB, over the default 2 MB */
        buf_append(&b, chunk, (size_t)n + 65536);
        buf_puts(&b, "\r\n");
    }
    buf_puts(&b, "0\r\n\r\n" HEALTH);
    rawhttp_t r;
    rawhttp_exchange(port(), b.data, b.len, 0, 3000, &r);
    cr_assert_geq(r.n, 1, "%.300s", r.data);
    cr_assert_eq(r.status[0], 413);
    cr_assert(r.n == 2 && r.status[1] == 200, "the dropped body keeps the connection in step");
    rawhttp_cleanup(&r);
    buf_cleanup(&b);
}

Test(edge_http, declared_body_over_the_limit_is_413_and_drained)
{
    size_t big = 3 * 1024 * 1024;
    buf_t b = BUF_INIT;
    buf_printf(&b, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", big);
    char *zeros = calloc(1, big);
    memset(zeros, 'x', big);
    buf_append(&b, zeros, big);
    buf_puts(&b, HEALTH);
    expect(b.data, b.len, 2, (int[]){413, 200}, false);
    free(zeros);
    buf_cleanup(&b);
}

/* ---- limits and malformed heads ---------------------------------------------------------- */

Test(edge_http, oversized_header_section_is_431)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (int i = 0; i < 20000; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "\r\n\r\n");
    expect(b.data, b.len, 1, (int[]){431}, true);
    buf_cleanup(&b);
}

Test(edge_http, a_thousand_headers_is_431)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "GET /api/health HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "X-H%d: 1\r\n", i);
    buf_puts(&b, "\r\n");
    expect(b.data, b.len, 1, (int[]){431}, true);
    buf_cleanup(&b);
}

Test(edge_http, long_uri_is_414)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "GET /api/health?x=");
    for (int i = 0; i < 9000; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, " HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(b.data, b.len, 1, (int[]){414}, true);
    buf_cleanup(&b);
}

Test(edge_http, nul_in_path_is_400)
{
    expect_one("GET /api/health%00.json HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    expect_one("GET /assets/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

Test(edge_http, header_line_without_colon_is_400)
{
    expect_one("GET /api/health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400);
    expect_one("GET /api/health HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", 400);
}

Test(edge_http, obs_fold_is_400)
{
    expect_one("GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", 400);
}

Test(edge_http, nul_in_header_is_400)
{
    const char req[] = "GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
    expect(req, sizeof req - 1, 1, (int[]){400}, true);
}

Test(edge_http, cr_only_line_ends_are_400)
{
    expect_one("GET /api/health HTTP/1.1\rHost: x\r\r", 400);
    expect_one("GET /api/health HTTP/1.1\nHost: x\n\n", 400);
}

Test(edge_http, http_0_9_is_400)
{
    expect_one("GET /api/health\r\n", 400);
}

Test(edge_http, other_http_versions)
{
    expect_one("GET /api/health HTTP/2.0\r\nHost: x\r\n\r\n", 505);
    expect_one("GET /api/health HTTP/1.1x\r\nHost: x\r\n\r\n", 400);
    /* HTTP/1.0: answered, and closed unless keep-alive was asked for */
    expect_one("GET /api/health HTTP/1.0\r\n\r\n", 200);
}

Test(edge_http, missing_or_double_host_is_400)
{
    expect_one("GET /api/health HTTP/1.1\r\n\r\n", 400);
    expect_one("GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

Test(edge_http, connect_is_405)
{
    expect_one("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405);
}

Test(edge_http, garbage_is_400)
{
    expect_one("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400);
    expect_one("GET  /api/health HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    expect_one("G(T /api/health HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

Test(edge_http, absolute_form_and_head)
{
    const char *req = "GET http://x/api/health HTTP/1.1\r\nHost: x\r\n\r\n"
                      "HEAD /api/health HTTP/1.1\r\nHost: x\r\n\r\n" HEALTH;
    rawhttp_t r;
    rawhttp_exchange(port(), req, strlen(req), 0, 0, &r);
    cr_assert_geq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 200);
    /* HEAD: headers (with the length a GET would have) and no body: the next answer follows
     * right after them. */
    char *head = r.body[0] + 15; /* {"status":"ok"} */
    cr_assert(strncmp(head, "HTTP/1.1 ", 9) == 0, "%s", r.data);
    char *next = strstr(head, "\r\n\r\n");
    cr_assert(next && strncmp(next + 4, "HTTP/1.1 200 ", 13) == 0, "%s", r.data);
    rawhttp_cleanup(&r);
}

Test(edge_http, expect_continue_gets_100)
{
    const char *head = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                       "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n";
    int fd = rawhttp_connect(port());
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    rawhttp_t r = {0};
    rawhttp_read(fd, 500, &r);
    cr_assert_eq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 100);
    rawhttp_cleanup(&r);
    cr_assert_eq(write(fd, "{}", 2), 2);
    rawhttp_read(fd, 1500, &r);
    cr_assert_eq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 400);
    rawhttp_cleanup(&r);
    close(fd);
}

Test(edge_http, a_slow_head_is_answered_once_complete)
{
    rawhttp_t r;
    rawhttp_exchange(port(), HEALTH, strlen(HEALTH), 3, 0, &r);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.status[0], 200);
    rawhttp_cleanup(&r);
}

Test(edge_http, more_pipelined_than_the_buffer_holds)
{
    /* Over 256 KB of requests that each wait for a service: reading pauses and resumes. */
    buf_t b = BUF_INIT;
    int n = 3000;
    for (int i = 0; i < n; i++)
        buf_puts(&b, LOGIN_EMPTY);
    cr_assert_gt(b.len, 256 * 1024);
    rawhttp_t r;
    rawhttp_exchange(port(), b.data, b.len, 0, 5000, &r);
    cr_assert_eq(r.n, n, "%d of %d answered", r.n, n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(r.status[i], 400);
    rawhttp_cleanup(&r);
    buf_cleanup(&b);
}
