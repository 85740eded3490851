/* test_http.c - libshared/src/http.c against a tiny HTTP server started on 127.0.0.1 inside the
 * test (a thread per connection answering canned responses per path); the test-side clients
 * tests/support/httpc.c and wsclient.c are exercised against the same server. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../support/httpc.h"
#include "../../support/wsclient.h"
#include "shared/http.h"

/* ---- the server --------------------------------------------------------------------------- */

#define MAX_CONNS 256

static struct {
    int lfd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    pthread_t conns[MAX_CONNS];
    int nconns;
    atomic_int accepts, hits_flaky, hits_fail, hits_busy, hits_reset, pong_seen;
} srv;

typedef struct {
    char method[16];
    char path[256];
    char *head; /* the header lines, NUL-terminated */
    const char *body;
    size_t body_len;
} req_t;

static void sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

/* Sleeps ms in slices, returning early when the server stops. */
static void nap(int ms)
{
    for (int t = 0; t < ms && !atomic_load(&srv.stop); t += 10)
        sleep_ms(10);
}

static bool srv_read(int fd, buf_t *in)
{
    while (!atomic_load(&srv.stop)) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 50);
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0)
            continue;
        buf_reserve(in, 65536);
        ssize_t n = recv(fd, in->data + in->len, in->cap - in->len - 1, 0);
        if (n <= 0)
            return false;
        in->len += (size_t)n;
        in->data[in->len] = '\0';
        return true;
    }
    return false;
}

static void srv_send(int fd, const void *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p = (const char *)p + w;
        n -= (size_t)w;
    }
}

static void srv_puts(int fd, const char *s)
{
    srv_send(fd, s, strlen(s));
}

static void respond(int fd, int code, const char *extra, const void *body, size_t len)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n", code, len, extra ? extra : "");
    buf_append(&b, body, len);
    srv_send(fd, b.data, b.len);
    buf_cleanup(&b);
}

/* Copy of the value of header name in r, or NULL. */
static char *req_header(const req_t *r, const char *name)
{
    size_t nl = strlen(name);
    for (const char *l = r->head; l && *l; l = strstr(l, "\r\n") ? strstr(l, "\r\n") + 2 : NULL) {
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1;
            while (*v == ' ')
                v++;
            return xstrndup(v, strcspn(v, "\r\n"));
        }
    }
    return NULL;
}

static const char *sse_parts[] = {
    ": keep-alive comment\n\n",
    "event: delta\nda",
    "ta: hel",
    "lo\n\n",
    "data: line1\r\n", /* (a pause before this one) */
    "data: line2\r\n\r",
    "\n",
    "data:nospace\rdata: crlf\r",
    "\n\r\n",
    "id: 7\nretry: 100\nevent: done\ndata: {\"x\":1}\n",
    "\n",
    "data: never dispatched",
};

static void route_sse(int fd)
{
    srv_puts(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                 "Connection: close\r\n\r\n");
    for (size_t i = 0; i < ARRAY_LEN(sse_parts); i++) {
        nap(i == 4 ? 300 : 20);
        srv_puts(fd, sse_parts[i]);
    }
}

/* ---- the server's WebSocket side ---------------------------------------------------------- */

static void ws_send(int fd, int first_byte, const void *data, size_t len)
{
    unsigned char h[10];
    size_t hl = 0;
    h[hl++] = (unsigned char)first_byte;
    if (len < 126) {
        h[hl++] = (unsigned char)len;
    } else if (len <= 0xffff) {
        h[hl++] = 126;
        h[hl++] = (unsigned char)(len >> 8);
        h[hl++] = (unsigned char)len;
    } else {
        h[hl++] = 127;
        for (int i = 7; i >= 0; i--)
            h[hl++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    srv_send(fd, h, hl);
    srv_send(fd, data, len);
}

/* Reads one client frame from fd (buffered in in); false on EOF or an unmasked frame. */
static bool ws_read(int fd, buf_t *in, int *op, buf_t *payload)
{
    for (;;) {
        unsigned char *p = (unsigned char *)in->data;
        size_t hl = 2, len;
        if (in->len >= 2) {
            if (!(p[1] & 0x80))
                return false; /* clients must mask */
            len = p[1] & 0x7f;
            if (len == 126 && in->len >= 4) {
                len = (size_t)p[2] << 8 | p[3];
                hl = 4;
            } else if (len == 127 && in->len >= 10) {
                len = 0;
                for (int i = 0; i < 8; i++)
                    len = len << 8 | p[2 + i];
                hl = 10;
            } else if (len >= 126) {
                len = SIZE_MAX / 2;
            }
            if (len < SIZE_MAX / 2 && in->len >= hl + 4 + len) {
                *op = p[0] & 0x0f;
                buf_reset(payload);
                for (size_t i = 0; i < len; i++)
                    buf_putc(payload, (char)(p[hl + 4 + i] ^ p[hl + i % 4]));
                memmove(in->data, in->data + hl + 4 + len, in->len - hl - 4 - len);
                in->len -= hl + 4 + len;
                return true;
            }
        }
        if (!srv_read(fd, in))
            return false;
    }
}

static void route_ws(int fd, const req_t *r, buf_t *in)
{
    char *key = req_header(r, "Sec-WebSocket-Key"), accept[29];
    buf_t b = BUF_INIT, payload = BUF_INIT;
    int op;

    wsc_accept_key(key ? key : "", accept);
    buf_printf(&b,
               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: %s\r\n\r\n",
               accept);
    buf_append(&b, "\x81\x07welcome", 9); /* a frame in the same packet as the handshake */
    srv_send(fd, b.data, b.len);
    while (ws_read(fd, in, &op, &payload)) {
        if (op == 0x8) { /* close: answer and stop */
            ws_send(fd, 0x88, payload.data, payload.len);
            break;
        } else if (op == 0x9) {
            ws_send(fd, 0x8A, payload.data, payload.len);
        } else if (op == 0xA) {
            if (payload.len == 2 && memcmp(payload.data, "p1", 2) == 0)
                atomic_store(&srv.pong_seen, 1);
        } else if (payload.len == 4 && memcmp(payload.data, "frag", 4) == 0) {
            ws_send(fd, 0x01, "hel", 3); /* text, not final */
            nap(20);
            ws_send(fd, 0x89, "p1", 2); /* a ping between fragments */
            nap(20);
            ws_send(fd, 0x00, "lo ", 3); /* continuation */
            nap(20);
            ws_send(fd, 0x80, "world", 5); /* final continuation */
        } else if (payload.len == 8 && memcmp(payload.data, "close-me", 8) == 0) {
            ws_send(fd, 0x88,
                    "\x11\x31"
                    "bye",
                    5); /* 4401 */
        } else {
            ws_send(fd, 0x81, payload.data, payload.len); /* echo */
        }
    }
    free(key);
    buf_cleanup(&b);
    buf_cleanup(&payload);
}

/* Answers one request; false when the connection is to be closed. */
static bool route(int fd, const req_t *r, buf_t *in)
{
    const char *p = r->path;
    bool keep = true;

    if (!strcmp(p, "/ok")) {
        respond(fd, 200, "Content-Type: text/plain\r\nX-Test:  yes \r\n", "hello", 5);
    } else if (!strcmp(p, "/echo")) {
        buf_t b = BUF_INIT;
        buf_printf(&b, "%s %s\n%s\n", r->method, r->path, r->head);
        buf_append(&b, r->body, r->body_len);
        respond(fd, 200, NULL, b.data, b.len);
        buf_cleanup(&b);
    } else if (!strcmp(p, "/flaky")) {
        if (atomic_fetch_add(&srv.hits_flaky, 1) < 2)
            respond(fd, 500, NULL, "fail", 4);
        else
            respond(fd, 200, NULL, "recovered", 9);
    } else if (!strcmp(p, "/fail")) {
        atomic_fetch_add(&srv.hits_fail, 1);
        respond(fd, 500, NULL, "fail", 4);
    } else if (!strcmp(p, "/busy")) {
        if (atomic_fetch_add(&srv.hits_busy, 1) == 0)
            respond(fd, 429, "Retry-After: 1\r\n", "slow down", 9);
        else
            respond(fd, 200, NULL, "after wait", 10);
    } else if (!strcmp(p, "/busy-long")) {
        atomic_fetch_add(&srv.hits_busy, 1);
        respond(fd, 429, "Retry-After: 30\r\n", "slow down", 9);
    } else if (!strcmp(p, "/slow")) {
        nap(2000);
        respond(fd, 200, NULL, "late", 4);
    } else if (!strcmp(p, "/large") || !strcmp(p, "/large-nolen")) {
        size_t n = 1 << 20;
        char *big = malloc(n);
        memset(big, 'x', n);
        if (!strcmp(p, "/large")) {
            respond(fd, 200, NULL, big, n);
        } else {
            srv_puts(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            srv_send(fd, big, n);
            keep = false;
        }
        free(big);
    } else if (!strcmp(p, "/reset")) {
        atomic_fetch_add(&srv.hits_reset, 1);
        keep = false; /* close without a word */
    } else if (!strcmp(p, "/sse")) {
        route_sse(fd);
        keep = false;
    } else if (!strcmp(p, "/sse-error")) {
        const char *j = "{\"error\":{\"code\":\"unauthorized\"}}";
        respond(fd, 401, "Content-Type: application/json\r\n", j, strlen(j));
    } else if (!strcmp(p, "/login")) {
        const char *j = "{\"user\":{\"email\":\"a@b.c\"}}";
        respond(fd, 200, "Set-Cookie: sid=abc123; Path=/; HttpOnly\r\n", j, strlen(j));
    } else if (!strcmp(p, "/me")) {
        char *cookie = req_header(r, "Cookie"), *auth = req_header(r, "Authorization");
        if ((cookie && strstr(cookie, "sid=abc123")) || (auth && !strcmp(auth, "Bearer tok"))) {
            const char *j = "{\"user\":{\"email\":\"a@b.c\",\"roles\":[\"admin\",\"member\"]}}";
            respond(fd, 200, "Content-Type: application/json\r\n", j, strlen(j));
        } else {
            const char *j = "{\"error\":{\"code\":\"unauthorized\"}}";
            respond(fd, 401, "Content-Type: application/json\r\n", j, strlen(j));
        }
        free(cookie);
        free(auth);
    } else if (!strcmp(p, "/ws")) {
        route_ws(fd, r, in);
        keep = false;
    } else if (!strcmp(p, "/ws-deny")) {
        respond(fd, 401, NULL, "no", 2);
        keep = false;
    } else {
        respond(fd, 404, NULL, "", 0);
    }
    return keep;
}

static void *conn_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    buf_t in = BUF_INIT;
    bool keep = true;

    while (keep) {
        char *end;
        req_t r = {0};
        size_t head_len, clen = 0, total;

        while (!(end = in.data ? strstr(in.data, "\r\n\r\n") : NULL))
            if (!srv_read(fd, &in))
                goto out;
        head_len = (size_t)(end - in.data) + 4;
        if (sscanf(in.data, "%15s %255s", r.method, r.path) != 2)
            goto out;
        r.head = xstrndup(in.data, head_len);
        char *cl = req_header(&r, "Content-Length");
        clen = cl ? strtoul(cl, NULL, 10) : 0;
        free(cl);
        total = head_len + clen;
        while (in.len < total)
            if (!srv_read(fd, &in)) {
                free(r.head);
                goto out;
            }
        /* The head starts after the request line. */
        memmove(r.head, strstr(r.head, "\r\n") + 2, strlen(strstr(r.head, "\r\n") + 2) + 1);
        r.body = in.data + head_len;
        r.body_len = clen;
        buf_t rest = BUF_INIT;
        buf_append(&rest, in.data + total, in.len - total);
        keep = route(fd, &r, &rest);
        free(r.head);
        buf_cleanup(&in);
        in = rest;
    }
out:
    close(fd);
    buf_cleanup(&in);
    return NULL;
}

static void *accept_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&srv.stop)) {
        struct pollfd p = {.fd = srv.lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(srv.lfd, NULL, NULL);
        if (fd < 0)
            continue;
        atomic_fetch_add(&srv.accepts, 1);
        if (srv.nconns == MAX_CONNS ||
            pthread_create(&srv.conns[srv.nconns], NULL, conn_main, (void *)(intptr_t)fd) != 0) {
            close(fd);
            continue;
        }
        srv.nconns++;
    }
    for (int i = 0; i < srv.nconns; i++)
        pthread_join(srv.conns[i], NULL);
    return NULL;
}

static void server_start(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int one = 1;

    srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(srv.lfd, 0);
    setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    cr_assert_eq(bind(srv.lfd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(srv.lfd, 64), 0);
    getsockname(srv.lfd, (struct sockaddr *)&a, &alen);
    srv.port = ntohs(a.sin_port);
    cr_assert_eq(pthread_create(&srv.thread, NULL, accept_main, NULL), 0);
}

static void server_stop(void)
{
    atomic_store(&srv.stop, true);
    pthread_join(srv.thread, NULL);
    close(srv.lfd);
}

TestSuite(http, .init = server_start, .fini = server_stop, .timeout = 30);

/* ---- helpers ------------------------------------------------------------------------------ */

static char url_buf[8][128];
static int url_next;

static const char *url(const char *path)
{
    char *u = url_buf[url_next++ % 8];
    snprintf(u, 128, "http://127.0.0.1:%d%s", srv.port, path);
    return u;
}

static http_client_t *fast_client(void)
{
    http_client_opts_t o = {.backoff_base_ms = 10, .backoff_max_ms = 50, .timeout_ms = 5000};
    return http_client_new(&o);
}

static int64_t now_ms(void)
{
    return time_mono_us() / 1000;
}

/* ---- http_request ------------------------------------------------------------------------- */

Test(http, get_ok)
{
    http_client_t *c = http_client_new(NULL);
    http_resp_t r = HTTP_RESP_INIT;

    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/ok")}, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body.data, "hello");
    cr_assert_eq(r.body.len, 5);
    cr_assert_str_eq(http_resp_header(&r, "x-test"), "yes", "trimmed, any case");
    cr_assert_str_eq(http_resp_header(&r, "CONTENT-TYPE"), "text/plain");
    cr_assert_null(http_resp_header(&r, "x-missing"));
    cr_assert_eq(r.attempts, 1);

    /* The same resp reused: the old contents are released. */
    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/nowhere")}, &r), ST_OK);
    cr_assert_eq(r.status, 404);
    cr_assert_eq(r.body.len, 0);
    cr_assert_eq(atomic_load(&srv.accepts), 1, "the connection was reused");
    http_resp_cleanup(&r);
    http_resp_cleanup(&r); /* idempotent */
    http_resp_cleanup(NULL);
    http_client_free(c);
    http_client_free(NULL);
}

Test(http, methods_headers_and_body)
{
    http_client_t *c = http_client_new(NULL);
    http_resp_t r = HTTP_RESP_INIT;
    const char *json = "{\"a\":1}";
    http_req_t req = {.url = url("/echo"),
                      .body = json,
                      .body_len = strlen(json),
                      .headers =
                          (const char *[]){"Content-Type: application/json", "X-Custom: 1", NULL}};

    cr_assert_eq(http_request(c, &req, &r), ST_OK);
    cr_assert(str_has_prefix(r.body.data, "POST /echo\n"), "a body means POST: %s", r.body.data);
    cr_assert_not_null(strstr(r.body.data, "X-Custom: 1\r\n"));
    cr_assert_not_null(strstr(r.body.data, "Content-Type: application/json\r\n"));
    cr_assert_not_null(strstr(r.body.data, "User-Agent: agentplatform/1\r\n"));
    cr_assert_null(strstr(r.body.data, "Expect:"));
    cr_assert(strstr(r.body.data, "\r\n\r\n\n{\"a\":1}"), "body sent as is");

    static const char *methods[] = {"PUT", "PATCH", "DELETE", "GET"};
    for (size_t i = 0; i < ARRAY_LEN(methods); i++) {
        req.method = methods[i];
        req.body = i < 2 ? json : NULL;
        req.body_len = i < 2 ? strlen(json) : 0;
        cr_assert_eq(http_request(c, &req, &r), ST_OK);
        cr_assert_eq(strncmp(r.body.data, methods[i], strlen(methods[i])), 0, "%s", r.body.data);
        if (i < 2)
            cr_assert_not_null(strstr(r.body.data, "{\"a\":1}"));
    }

    req.method = "HEAD";
    cr_assert_eq(http_request(c, &req, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 0);
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, invalid_requests_leave_resp_alone)
{
    http_client_t *c = http_client_new(NULL);
    http_resp_t r = HTTP_RESP_INIT;

    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/ok")}, &r), ST_OK);
    cr_assert_eq(http_request(c, &(http_req_t){.url = NULL}, &r), ST_INVALID);
    cr_assert_eq(http_request(c, &(http_req_t){.url = "ftp://127.0.0.1/x"}, &r), ST_INVALID);
    cr_assert_eq(http_request(c, &(http_req_t){.url = "http://[::1"}, &r), ST_INVALID);
    cr_assert_eq(http_request(c,
                              &(http_req_t){.url = url("/ok"),
                                            .headers = (const char *[]){"X-A: 1\r\nX-B: 2", NULL}},
                              &r),
                 ST_INVALID, "header injection");
    cr_assert_eq(
        http_request(
            c, &(http_req_t){.url = url("/ok"), .headers = (const char *[]){"no colon", NULL}}, &r),
        ST_INVALID);
    cr_assert_eq(r.status, 200, "resp untouched by failures");
    cr_assert_str_eq(r.body.data, "hello");
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, retries_5xx_on_idempotent)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;

    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/flaky")}, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body.data, "recovered");
    cr_assert_eq(r.attempts, 3);
    cr_assert_eq(atomic_load(&srv.hits_flaky), 3);

    /* Exhausted: the last 500 is the answer. */
    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/fail"), .max_attempts = 2}, &r), ST_OK);
    cr_assert_eq(r.status, 500);
    cr_assert_eq(r.attempts, 2);
    cr_assert_eq(atomic_load(&srv.hits_fail), 2);
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, no_retry_for_post_unless_asked)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    http_req_t req = {.method = "POST", .url = url("/fail"), .body = "x", .body_len = 1};

    cr_assert_eq(http_request(c, &req, &r), ST_OK);
    cr_assert_eq(r.status, 500);
    cr_assert_eq(r.attempts, 1);
    cr_assert_eq(atomic_load(&srv.hits_fail), 1);

    req.retry_unsafe = true;
    cr_assert_eq(http_request(c, &req, &r), ST_OK);
    cr_assert_eq(r.status, 500);
    cr_assert_eq(r.attempts, 3);
    cr_assert_eq(atomic_load(&srv.hits_fail), 4);
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, retry_after_is_honoured)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    int64_t t0 = now_ms();

    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/busy")}, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body.data, "after wait");
    cr_assert_eq(r.attempts, 2);
    cr_assert_geq(now_ms() - t0, 950, "waited for Retry-After: 1");
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, retry_after_beyond_deadline_returns_the_429)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    int64_t t0 = now_ms();

    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/busy-long"), .timeout_ms = 2000}, &r),
                 ST_OK);
    cr_assert_eq(r.status, 429);
    cr_assert_str_eq(http_resp_header(&r, "Retry-After"), "30");
    cr_assert_eq(r.attempts, 1);
    cr_assert_lt(now_ms() - t0, 1000, "did not sleep into the deadline");
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, timeout)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    int64_t t0 = now_ms();

    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/slow"), .timeout_ms = 300}, &r),
                 ST_TIMEOUT);
    cr_assert_lt(now_ms() - t0, 1500);
    cr_assert_eq(r.status, 0);
    cr_assert_null(r.body.data);
    http_client_free(c);
}

Test(http, response_size_limit)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;

    cr_assert_eq(
        http_request(c, &(http_req_t){.url = url("/large"), .max_response_bytes = 65536}, &r),
        ST_TOO_LARGE, "Content-Length over the limit");
    cr_assert_eq(
        http_request(c, &(http_req_t){.url = url("/large-nolen"), .max_response_bytes = 65536}, &r),
        ST_TOO_LARGE, "streamed body over the limit");
    cr_assert_null(r.body.data);
    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/large")}, &r), ST_OK);
    cr_assert_eq(r.body.len, 1 << 20);
    http_resp_cleanup(&r);

    http_client_opts_t o = {.max_response_bytes = 1000};
    http_client_t *small = http_client_new(&o);
    cr_assert_eq(http_request(small, &(http_req_t){.url = url("/large")}, &r), ST_TOO_LARGE);
    http_client_free(small);
    http_client_free(c);
}

Test(http, connect_refused_is_unavailable)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    char u[64];

    /* A port that was free a moment ago and has no listener. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &alen);
    close(fd);
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    cr_assert_eq(http_request(c, &(http_req_t){.method = "POST", .url = u}, &r), ST_UNAVAILABLE,
                 "even a POST may retry a refused connect; in the end it is unavailable");
    http_client_free(c);
}

Test(http, reset_connection)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;

    cr_assert_eq(http_request(c, &(http_req_t){.url = url("/reset")}, &r), ST_UNAVAILABLE);
    cr_assert_eq(atomic_load(&srv.hits_reset), 3, "GET retried after the reset");
    cr_assert_eq(
        http_request(c, &(http_req_t){.url = url("/reset"), .body = "x", .body_len = 1}, &r),
        ST_UNAVAILABLE);
    cr_assert_eq(atomic_load(&srv.hits_reset), 4, "POST not retried: it may have been processed");
    http_client_free(c);
}

typedef struct {
    http_client_t *c;
    const char *url;
} hammer_t;

static void *hammer(void *arg)
{
    hammer_t *h = arg;
    http_resp_t r = HTTP_RESP_INIT;
    intptr_t ok = 0;

    for (int i = 0; i < 25; i++)
        if (http_request(h->c, &(http_req_t){.url = h->url}, &r) == ST_OK && r.status == 200 &&
            !strcmp(r.body.data, "hello"))
            ok++;
    http_resp_cleanup(&r);
    return (void *)ok;
}

Test(http, shared_between_threads)
{
    http_client_opts_t o = {.pool_size = 4};
    hammer_t h = {.c = http_client_new(&o), .url = url("/ok")};
    pthread_t t[4];
    void *ok;

    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, &h), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ok);
        cr_assert_eq((intptr_t)ok, 25);
    }
    cr_assert_leq(atomic_load(&srv.accepts), 4, "connections are reused, not one per call");
    http_client_free(h.c);
}

/* ---- http_stream -------------------------------------------------------------------------- */

typedef struct {
    int n;
    char event[8][32];
    char data[8][64];
    int64_t at[8];
    int stop_after; /* 0: never */
} events_t;

static status_t on_event(void *ud, const char *event, const char *data, size_t len)
{
    events_t *e = ud;
    cr_assert_eq(strlen(data), len);
    if (e->n < 8) {
        snprintf(e->event[e->n], 32, "%s", event);
        snprintf(e->data[e->n], 64, "%s", data);
        e->at[e->n] = now_ms();
    }
    e->n++;
    return e->stop_after && e->n >= e->stop_after ? ST_CONFLICT : ST_OK;
}

Test(http, sse_events_as_they_arrive)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    events_t e = {0};

    cr_assert_eq(http_stream(c, &(http_req_t){.url = url("/sse")}, on_event, &e, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(http_resp_header(&r, "content-type"), "text/event-stream");
    cr_assert_eq(r.body.len, 0);
    cr_assert_eq(e.n, 4);
    cr_assert_str_eq(e.event[0], "delta");
    cr_assert_str_eq(e.data[0], "hello");
    cr_assert_str_eq(e.event[1], "message");
    cr_assert_str_eq(e.data[1], "line1\nline2");
    cr_assert_str_eq(e.event[2], "message");
    cr_assert_str_eq(e.data[2], "nospace\ncrlf");
    cr_assert_str_eq(e.event[3], "done");
    cr_assert_str_eq(e.data[3], "{\"x\":1}");
    cr_assert_geq(e.at[1] - e.at[0], 250, "the first event came before the pause, not at the end");
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, sse_callback_stops_the_stream)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    events_t e = {.stop_after = 1};

    cr_assert_eq(http_stream(c, &(http_req_t){.url = url("/sse")}, on_event, &e, &r), ST_CONFLICT);
    cr_assert_eq(e.n, 1);
    cr_assert_eq(r.status, 0, "resp untouched");
    http_client_free(c);
}

Test(http, sse_error_answer_is_a_body)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    events_t e = {0};

    cr_assert_eq(http_stream(c, &(http_req_t){.url = url("/sse-error")}, on_event, &e, &r), ST_OK);
    cr_assert_eq(r.status, 401);
    cr_assert_str_eq(r.body.data, "{\"error\":{\"code\":\"unauthorized\"}}");
    cr_assert_eq(e.n, 0);
    http_resp_cleanup(&r);
    http_client_free(c);
}

Test(http, sse_event_size_limit)
{
    http_client_t *c = fast_client();
    http_resp_t r = HTTP_RESP_INIT;
    events_t e = {0};

    cr_assert_eq(http_stream(c, &(http_req_t){.url = url("/sse"), .max_response_bytes = 6},
                             on_event, &e, &r),
                 ST_TOO_LARGE);
    http_client_free(c);
}

/* ---- tests/support/httpc ------------------------------------------------------------------ */

static httpc_t *test_httpc(void)
{
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", srv.port);
    return httpc_new(base);
}

Test(http, httpc_cookie_session)
{
    httpc_t *c = test_httpc(), *other = test_httpc();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *sid;

    cr_assert_eq(httpc_req(c, "GET", "/me", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 401);
    cr_assert_str_eq(httpc_resp_str(&r, "error.code"), "unauthorized");
    cr_assert_null(httpc_cookie(c, "sid"));

    cr_assert_eq(httpc_req(c, "POST", "/login", "{\"email\":\"a@b.c\"}", NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(httpc_resp_header(&r, "set-cookie"), "sid=abc123; Path=/; HttpOnly");
    sid = httpc_cookie(c, "sid");
    cr_assert_str_eq(sid, "abc123");
    free(sid);

    cr_assert_eq(httpc_req(c, "GET", "/me", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200, "the session cookie is sent");
    cr_assert_str_eq(httpc_resp_str(&r, "user.email"), "a@b.c");
    cr_assert_str_eq(httpc_resp_str(&r, "user.roles.1"), "member");
    cr_assert_null(httpc_resp_str(&r, "user.roles.2"));
    cr_assert_null(httpc_resp_str(&r, "user"), "not a string");
    cr_assert_null(httpc_resp_str(&r, "user.email.x"));
    cr_assert(json_is_array(httpc_json_path(httpc_resp_json(&r), "user.roles")));

    cr_assert_eq(httpc_req(other, "GET", "/me", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 401, "jars are per client");
    httpc_resp_cleanup(&r);
    httpc_free(c);
    httpc_free(other);
    httpc_free(NULL);
}

Test(http, httpc_headers)
{
    httpc_t *c = test_httpc();
    httpc_resp_t r = HTTPC_RESP_INIT;

    httpc_set_bearer(c, "tok");
    cr_assert_eq(httpc_req(c, "GET", "/me", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    httpc_set_bearer(c, NULL);
    cr_assert_eq(httpc_req(c, "GET", "/me", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 401);

    httpc_set_header(c, "Origin", "http://edge.test");
    httpc_set_header(c, "origin", "http://edge2.test"); /* replaces */
    cr_assert_eq(
        httpc_req(c, "PATCH", "/echo", "{\"n\":1}", (const char *[]){"X-Extra: 1", NULL}, &r),
        ST_OK);
    cr_assert(str_has_prefix(r.body.data, "PATCH /echo\n"), "%s", r.body.data);
    cr_assert_not_null(strstr(r.body.data, "origin: http://edge2.test\r\n"));
    cr_assert_null(strstr(r.body.data, "edge.test"));
    cr_assert_not_null(strstr(r.body.data, "X-Extra: 1\r\n"));
    cr_assert_not_null(strstr(r.body.data, "Content-Type: application/json\r\n"));
    cr_assert_not_null(strstr(r.body.data, "{\"n\":1}"));
    cr_assert_null(httpc_resp_json(&r), "not JSON");

    /* No body: still Content-Length: 0, or a server could read the next request as the body. */
    cr_assert_eq(httpc_req(c, "PATCH", "/echo", NULL, NULL, &r), ST_OK);
    cr_assert_not_null(strstr(r.body.data, "Content-Length: 0\r\n"), "%s", r.body.data);

    httpc_set_header(c, "Origin", NULL);
    cr_assert_eq(httpc_req(c, "DELETE", "/echo", NULL, NULL, &r), ST_OK);
    cr_assert(str_has_prefix(r.body.data, "DELETE /echo\n"), "%s", r.body.data);
    cr_assert_null(strstr(r.body.data, "rigin"));
    cr_assert_eq(httpc_req(c, "GET", "/echo", NULL, NULL, &r), ST_OK);
    cr_assert(str_has_prefix(r.body.data, "GET /echo\n"), "%s", r.body.data);

    httpc_set_timeout(c, 200);
    cr_assert_eq(httpc_req(c, "GET", "/slow", NULL, NULL, &r), ST_TIMEOUT);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

/* ---- tests/support/wsclient --------------------------------------------------------------- */

Test(http, wsc_accept_key_rfc6455_example)
{
    char out[29], key[101];

    wsc_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out); /* RFC 6455 section 1.3 */
    cr_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    wsc_accept_key("", out); /* one SHA-1 block */
    cr_assert_str_eq(out, "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w=");
    memset(key, 'a', 100);
    key[100] = '\0';
    wsc_accept_key(key, out); /* a full block, then the tail */
    cr_assert_str_eq(out, "+taVhj8zzaJPYE6HHo1ugamK/Ug=");
}

Test(http, wsc_session)
{
    int status = -1;
    wsc_t *ws =
        wsc_connect("127.0.0.1", srv.port, "/ws", (const char *[]){"Cookie: sid=x", NULL}, &status);
    char *msg = NULL;

    cr_assert_not_null(ws);
    cr_assert_eq(status, 101);
    cr_assert_eq(wsc_recv_text(ws, 2000, &msg), ST_OK);
    cr_assert_str_eq(msg, "welcome");
    free(msg);

    cr_assert_eq(wsc_send_text(ws, "frag"), ST_OK);
    cr_assert_eq(wsc_recv_text(ws, 2000, &msg), ST_OK);
    cr_assert_str_eq(msg, "hello world", "fragments reassembled around a ping");
    free(msg);

    size_t sizes[] = {0, 125, 126, 200, 65535, 65536, 70000};
    for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
        char *big = malloc(sizes[i] + 1);
        for (size_t j = 0; j < sizes[i]; j++)
            big[j] = (char)('a' + j % 26);
        big[sizes[i]] = '\0';
        if (sizes[i] == 0) { /* an empty message is fine, but "" is sent as-is */
            cr_assert_eq(wsc_send_text(ws, ""), ST_OK);
        } else {
            cr_assert_eq(wsc_send_text(ws, big), ST_OK);
        }
        cr_assert_eq(wsc_recv_text(ws, 5000, &msg), ST_OK, "size %zu", sizes[i]);
        cr_assert_eq(strlen(msg), sizes[i]);
        cr_assert_str_eq(msg, big);
        free(msg);
        free(big);
    }
    cr_assert_eq(atomic_load(&srv.pong_seen), 1, "the ping was answered");

    cr_assert_eq(wsc_send_ping(ws, "are you there"), ST_OK);
    msg = NULL;
    cr_assert_eq(wsc_recv_text(ws, 150, &msg), ST_TIMEOUT, "a pong is not a message");
    cr_assert_null(msg);

    cr_assert_eq(wsc_close_code(ws), 0);
    cr_assert_eq(wsc_send_text(ws, "close-me"), ST_OK);
    cr_assert_eq(wsc_recv_text(ws, 2000, &msg), ST_UNAVAILABLE);
    cr_assert_eq(wsc_close_code(ws), 4401);
    cr_assert_eq(wsc_recv_text(ws, 10, &msg), ST_UNAVAILABLE);
    wsc_close(ws);
    wsc_close(NULL);
}

Test(http, wsc_client_close)
{
    wsc_t *ws = wsc_connect("127.0.0.1", srv.port, "/ws", NULL, NULL);
    int64_t t0 = now_ms();

    cr_assert_not_null(ws);
    wsc_close(ws); /* the server answers the close at once: no 1 s wait */
    cr_assert_lt(now_ms() - t0, 900);
}

Test(http, wsc_refused)
{
    int status = -1;

    cr_assert_null(wsc_connect("127.0.0.1", srv.port, "/ws-deny", NULL, &status));
    cr_assert_eq(status, 401);
    cr_assert_null(wsc_connect("127.0.0.1", srv.port, "/ok", NULL, &status));
    cr_assert_eq(status, 200);
    status = -1;
    cr_assert_null(wsc_connect("127.0.0.1", 1, "/ws", NULL, &status));
    cr_assert_eq(status, 0);
}
