/* rawhttp.c - raw TCP exchanges with the edge (see rawhttp.h): a blocking socket with a receive
 * timeout, and a small response splitter that trusts Content-Length (the edge always sends it). */
#include "tests/support/rawhttp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int rawhttp_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Start of response i's head; the status lines are found by walking Content-Length. */
static void split(rawhttp_t *r)
{
    size_t off = 0;
    r->n = 0;
    while (off < r->len && r->n < RAWHTTP_MAX) {
        const char *p = r->data + off;
        if (strncmp(p, "HTTP/1.", 7) != 0 || r->len - off < 12)
            break;
        const char *end = strstr(p, "\r\n\r\n");
        if (!end)
            break;
        int status = atoi(p + 9);
        long clen = 0;
        for (const char *h = strstr(p, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
            if (strncasecmp(h + 2, "content-length:", 15) == 0)
                clen = atol(h + 17);
        size_t next = (size_t)(end + 4 - r->data) + (size_t)clen;
        if (next > r->len)
            break;
        r->status[r->n] = status;
        r->head[r->n] = (char *)p;
        r->body[r->n] = (char *)end + 4;
        r->n++;
        off = next;
    }
}

void rawhttp_read(int fd, int idle_ms, rawhttp_t *out)
{
    struct timeval tv = {.tv_sec = (idle_ms ? idle_ms : 1500) / 1000,
                         .tv_usec = ((idle_ms ? idle_ms : 1500) % 1000) * 1000};
    size_t cap = 65536;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    out->data = malloc(cap + 1);
    out->len = 0;
    out->closed = false;
    for (;;) {
        if (out->len == cap) {
            cap *= 2;
            out->data = realloc(out->data, cap + 1);
        }
        ssize_t n = recv(fd, out->data + out->len, cap - out->len, 0);
        if (n == 0) {
            out->closed = true;
            break;
        }
        if (n < 0) {
            out->closed = false; /* timeout: still open (or reset, then closed below) */
            break;
        }
        out->len += (size_t)n;
    }
    out->data[out->len] = '\0';
    split(out);
}

void rawhttp_exchange(int port, const void *req, size_t len, size_t piece, int idle_ms,
                      rawhttp_t *out)
{
    memset(out, 0, sizeof *out);
    int fd = rawhttp_connect(port);
    if (fd < 0) {
        out->data = calloc(1, 1);
        return;
    }
    const char *p = req;
    for (size_t off = 0; off < len;) {
        size_t n = piece && piece < len - off ? piece : len - off;
        ssize_t w = send(fd, p + off, n, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
        if (piece)
            usleep(1000);
    }
    rawhttp_read(fd, idle_ms, out);
    close(fd);
}

void rawhttp_cleanup(rawhttp_t *r)
{
    if (!r)
        return;
    free(r->data);
    memset(r, 0, sizeof *r);
}

bool rawhttp_healthy(int port)
{
    static const char req[] = "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    rawhttp_t r;
    rawhttp_exchange(port, req, sizeof req - 1, 0, 3000, &r);
    bool ok = r.n == 1 && r.status[0] == 200;
    rawhttp_cleanup(&r);
    return ok;
}

bool rawhttp_header(const rawhttp_t *r, int i, const char *name, char *out, size_t outlen)
{
    if (i < 0 || i >= r->n)
        return false;
    const char *start = r->head[i];
    const char *end = r->body[i];
    size_t nlen = strlen(name);
    for (const char *h = strstr(start, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
        if (strncasecmp(h + 2, name, nlen) == 0 && h[2 + nlen] == ':') {
            const char *v = h + 3 + nlen;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r");
            snprintf(out, outlen, "%.*s", (int)n, v);
            return true;
        }
    }
    return false;
}
