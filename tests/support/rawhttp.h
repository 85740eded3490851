/* rawhttp.h - raw TCP exchanges with the edge, for tests of HTTP framing that no HTTP client
 * library would send: pipelined requests in one write, malformed heads, odd line endings.
 *
 *     rawhttp_t r;
 *     rawhttp_exchange(port, req, strlen(req), 0, &r);
 *     assert(r.n == 2 && r.status[1] == 400 && r.closed);
 *     rawhttp_cleanup(&r);
 *
 * Plain C, no Criterion. */
#ifndef TESTS_SUPPORT_RAWHTTP_H
#define TESTS_SUPPORT_RAWHTTP_H

#include <stdbool.h>
#include <stddef.h>

#define RAWHTTP_MAX 4096

typedef struct {
    char *data; /* everything received, NUL-terminated */
    size_t len;
    int status[RAWHTTP_MAX]; /* of each complete response, in order (100 Continue included) */
    char *head[RAWHTTP_MAX]; /* where each response starts in data */
    char *body[RAWHTTP_MAX]; /* where its body starts (not NUL-terminated) */
    int n;
    bool closed; /* the edge closed the connection (else the wait ran out) */
} rawhttp_t;

/* A TCP connection to 127.0.0.1:port, -1 on failure. */
int rawhttp_connect(int port);
/* Sends the bytes in writes of `piece` bytes (0: one write), then reads until the edge closes
 * or nothing arrives for idle_ms (0: 1500), and splits what came into responses. */
void rawhttp_exchange(int port, const void *req, size_t len, size_t piece, int idle_ms,
                      rawhttp_t *out);
/* Reads from fd as rawhttp_exchange does (after the caller's own writes). */
void rawhttp_read(int fd, int idle_ms, rawhttp_t *out);
void rawhttp_cleanup(rawhttp_t *r);
/* The edge answers GET /api/health with 200 on a fresh connection. */
bool rawhttp_healthy(int port);
/* Value of header name (case-insensitive) in response i into out; false when absent. */
bool rawhttp_header(const rawhttp_t *r, int i, const char *name, char *out, size_t outlen);

#endif
