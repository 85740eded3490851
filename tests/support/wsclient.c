/* wsclient.c - blocking RFC 6455 client for tests: handshake over a plain socket, masked frames
 * out, reassembly of fragmented frames in, automatic pong and close replies (see wsclient.h).
 * SHA-1 for the handshake check is built in (libsodium has none) to avoid linking libcrypto. */
#include "wsclient.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/crypto.h"
#include "shared/util.h"

#define HANDSHAKE_TIMEOUT_MS 5000
#define HANDSHAKE_MAX        16384
#define CLOSE_WAIT_MS        1000

enum { OP_CONT = 0x0, OP_TEXT = 0x1, OP_BIN = 0x2, OP_CLOSE = 0x8, OP_PING = 0x9, OP_PONG = 0xA };

struct wsc {
    int fd;
    buf_t in; /* bytes received and not yet parsed start at in.data + off */
    size_t off;
    buf_t msg; /* fragments of the message being reassembled */
    bool in_msg;
    bool closed;     /* the server closed (frame or EOF): nothing more to read */
    bool close_sent; /* our close frame went out */
    int close_code;
};

typedef struct {
    bool fin;
    int op;
    unsigned char *payload; /* points into ws->in; valid until the next read */
    size_t len;
} frame_t;

/* ---- SHA-1 (FIPS 180-4), only for Sec-WebSocket-Accept ------------------------------------ */

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
    uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

static void sha1(const void *data, size_t len, unsigned char out[20])
{
    uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    const unsigned char *p = data;
    unsigned char tail[128] = {0};
    size_t full = len / 64 * 64, rest = len - full, tl = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;

    for (size_t i = 0; i < full; i += 64)
        sha1_block(h, p + i);
    memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    for (int i = 0; i < 8; i++)
        tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t i = 0; i < tl; i += 64)
        sha1_block(h, tail + i);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}

void wsc_accept_key(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[20];
    buf_t in = BUF_INIT, enc = BUF_INIT;

    buf_printf(&in, "%s%s", key, guid);
    sha1(in.data, in.len, digest);
    crypto_b64_encode(digest, sizeof digest, CRYPTO_B64, &enc);
    snprintf(out, 29, "%s", enc.data);
    buf_cleanup(&in);
    buf_cleanup(&enc);
}

/* ---- socket helpers ----------------------------------------------------------------------- */

static status_t send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    status_t st = ST_OK;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            st = ST_UNAVAILABLE;
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    return st;
}

/* Waits until fd is readable or deadline (time_mono_us) passes; then reads what is there into
 * b. ST_TIMEOUT, ST_UNAVAILABLE on EOF or error. */
static status_t read_some(int fd, buf_t *b, int64_t deadline)
{
    status_t st = ST_TIMEOUT;

    for (;;) {
        int64_t left_ms = (deadline - time_mono_us() + 999) / 1000;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr;

        if (left_ms <= 0)
            break;
        pr = poll(&pfd, 1, left_ms > 60000 ? 60000 : (int)left_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            continue; /* the loop re-checks the deadline */
        buf_reserve(b, 65536);
        ssize_t n = pr > 0 ? recv(fd, b->data + b->len, b->cap - b->len - 1, 0) : -1;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            st = ST_UNAVAILABLE;
            break;
        }
        b->len += (size_t)n;
        b->data[b->len] = '\0';
        st = ST_OK;
        break;
    }
    return st;
}

static int tcp_connect(const char *host, int port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char service[16];
    int fd = -1;

    snprintf(service, sizeof service, "%d", port);
    if (getaddrinfo(host, service, &hints, &res) != 0)
        goto done;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
done:
    if (res)
        freeaddrinfo(res);
    return fd;
}

/* Value of header name in a raw response head ("...\r\nName: value\r\n..."), copied, or NULL. */
static char *head_header(const char *head, const char *name)
{
    size_t nl = strlen(name);

    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l, "\r\n")) {
        l += 2;
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1, *end = strstr(v, "\r\n");
            while (*v == ' ' || *v == '\t')
                v++;
            if (!end)
                end = v + strlen(v);
            while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            return xstrndup(v, (size_t)(end - v));
        }
    }
    return NULL;
}

/* ---- connect ------------------------------------------------------------------------------ */

wsc_t *wsc_connect(const char *host, int port, const char *path, const char *const *extra_headers,
                   int *out_http_status)
{
    wsc_t *ws = NULL;
    buf_t req = BUF_INIT, head = BUF_INIT, key = BUF_INIT;
    unsigned char nonce[16];
    char expect[29], *accept = NULL, *upgrade = NULL, *end = NULL;
    int fd = -1, code = 0;
    int64_t deadline = time_mono_us() + (int64_t)HANDSHAKE_TIMEOUT_MS * 1000;

    if ((fd = tcp_connect(host, port)) < 0)
        goto done;
    crypto_random_bytes(nonce, sizeof nonce);
    crypto_b64_encode(nonce, sizeof nonce, CRYPTO_B64, &key);
    wsc_accept_key(key.data, expect);
    buf_printf(&req,
               "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
               path, host, port, key.data);
    for (const char *const *h = extra_headers; h && *h; h++)
        buf_printf(&req, "%s\r\n", *h);
    buf_puts(&req, "\r\n");
    if (send_all(fd, req.data, req.len))
        goto done;

    while (!(end = head.data ? strstr(head.data, "\r\n\r\n") : NULL)) {
        if (head.len > HANDSHAKE_MAX || read_some(fd, &head, deadline) != ST_OK)
            goto done;
    }
    if (sscanf(head.data, "HTTP/1.%*d %d", &code) != 1) {
        code = 0;
        goto done;
    }
    if (code != 101)
        goto done;
    accept = head_header(head.data, "Sec-WebSocket-Accept");
    upgrade = head_header(head.data, "Upgrade");
    if (!accept || strcmp(accept, expect) != 0 || !upgrade || strcasecmp(upgrade, "websocket")) {
        code = 0;
        goto done;
    }
    ws = xcalloc(1, sizeof *ws);
    ws->fd = fd;
    fd = -1;
    end += 4; /* frames the server sent right after its handshake */
    buf_append(&ws->in, end, head.len - (size_t)(end - head.data));
done:
    if (fd >= 0)
        close(fd);
    if (out_http_status)
        *out_http_status = code;
    free(accept);
    free(upgrade);
    buf_cleanup(&req);
    buf_cleanup(&head);
    buf_cleanup(&key);
    return ws;
}

/* ---- frames ------------------------------------------------------------------------------- */

static status_t send_frame(wsc_t *ws, int op, const void *data, size_t len)
{
    unsigned char hdr[14], mask[4];
    const unsigned char *p = data;
    size_t hl = 0;
    buf_t f = BUF_INIT;
    status_t st;

    hdr[hl++] = (unsigned char)(0x80 | op);
    if (len < 126) {
        hdr[hl++] = (unsigned char)(0x80 | len);
    } else if (len <= 0xffff) {
        hdr[hl++] = 0x80 | 126;
        hdr[hl++] = (unsigned char)(len >> 8);
        hdr[hl++] = (unsigned char)len;
    } else {
        hdr[hl++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[hl++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    crypto_random_bytes(mask, sizeof mask);
    buf_append(&f, hdr, hl);
    buf_append(&f, mask, sizeof mask);
    buf_reserve(&f, len);
    for (size_t i = 0; i < len; i++)
        f.data[f.len++] = (char)(p[i] ^ mask[i % 4]);
    f.data[f.len] = '\0';
    st = send_all(ws->fd, f.data, f.len);
    buf_cleanup(&f);
    return st;
}

status_t wsc_send_text(wsc_t *ws, const char *text)
{
    return ws->close_sent ? ST_UNAVAILABLE : send_frame(ws, OP_TEXT, text, strlen(text));
}

status_t wsc_send_ping(wsc_t *ws, const char *payload)
{
    size_t n = strlen(payload);
    if (n > 125)
        return ST_INVALID;
    return ws->close_sent ? ST_UNAVAILABLE : send_frame(ws, OP_PING, payload, n);
}

/* One frame from the buffered input: ST_OK with *f, ST_TIMEOUT when incomplete (read more),
 * ST_INVALID on a protocol violation, ST_TOO_LARGE. */
static status_t frame_next(wsc_t *ws, frame_t *f)
{
    unsigned char *p = (unsigned char *)ws->in.data + ws->off;
    size_t avail = ws->in.len - ws->off, hl = 2;
    uint64_t len;
    bool masked;

    if (avail < 2)
        return ST_TIMEOUT;
    if (p[0] & 0x70) /* RSV bits: no extension was negotiated */
        return ST_INVALID;
    masked = p[1] & 0x80;
    len = p[1] & 0x7f;
    if (len == 126) {
        if (avail < 4)
            return ST_TIMEOUT;
        len = (uint64_t)p[2] << 8 | p[3];
        hl = 4;
    } else if (len == 127) {
        if (avail < 10)
            return ST_TIMEOUT;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | p[2 + i];
        hl = 10;
    }
    if (len > WSC_MAX_MESSAGE)
        return ST_TOO_LARGE;
    if (avail < hl + (masked ? 4 : 0) + len)
        return ST_TIMEOUT;
    f->fin = p[0] & 0x80;
    f->op = p[0] & 0x0f;
    f->payload = p + hl + (masked ? 4 : 0);
    f->len = (size_t)len;
    if (masked) /* servers must not mask, but unmasking costs nothing */
        for (size_t i = 0; i < f->len; i++)
            f->payload[i] ^= p[hl + i % 4];
    if (f->op >= 0x8 && (!f->fin || f->len > 125))
        return ST_INVALID;
    ws->off += hl + (masked ? 4 : 0) + f->len;
    return ST_OK;
}

/* Handles one frame; ST_OK with *out when a message is complete, ST_TIMEOUT to go on. */
static status_t frame_handle(wsc_t *ws, const frame_t *f, char **out)
{
    status_t st = ST_TIMEOUT;

    switch (f->op) {
    case OP_TEXT:
    case OP_BIN:
        if (ws->in_msg) {
            st = ST_INVALID;
        } else if (f->fin) {
            *out = xstrndup((const char *)f->payload, f->len);
            st = ST_OK;
        } else {
            ws->in_msg = true;
            buf_reset(&ws->msg);
            buf_append(&ws->msg, f->payload, f->len);
        }
        break;
    case OP_CONT:
        if (!ws->in_msg) {
            st = ST_INVALID;
        } else if (ws->msg.len + f->len > WSC_MAX_MESSAGE) {
            st = ST_TOO_LARGE;
        } else {
            buf_append(&ws->msg, f->payload, f->len);
            if (f->fin) {
                ws->in_msg = false;
                *out = buf_steal(&ws->msg);
                st = ST_OK;
            }
        }
        break;
    case OP_PING:
        if (!ws->close_sent)
            send_frame(ws, OP_PONG, f->payload, f->len);
        break;
    case OP_PONG:
        break;
    case OP_CLOSE:
        ws->closed = true;
        ws->close_code = f->len >= 2 ? f->payload[0] << 8 | f->payload[1] : 1005;
        if (!ws->close_sent) { /* echo the code, as RFC 6455 5.5.1 asks */
            send_frame(ws, OP_CLOSE, f->payload, f->len >= 2 ? 2 : 0);
            ws->close_sent = true;
        }
        st = ST_UNAVAILABLE;
        break;
    default:
        st = ST_INVALID;
        break;
    }
    return st;
}

status_t wsc_recv_text(wsc_t *ws, int timeout_ms, char **out)
{
    int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;
    frame_t f;
    status_t st = ST_UNAVAILABLE;

    while (!ws->closed) {
        st = frame_next(ws, &f);
        if (st == ST_OK) {
            if ((st = frame_handle(ws, &f, out)) != ST_TIMEOUT)
                break;
            continue;
        }
        if (st != ST_TIMEOUT)
            break;
        if (ws->off > 0) { /* drop parsed bytes before reading more */
            memmove(ws->in.data, ws->in.data + ws->off, ws->in.len - ws->off);
            ws->in.len -= ws->off;
            ws->off = 0;
        }
        if ((st = read_some(ws->fd, &ws->in, deadline)) == ST_UNAVAILABLE) {
            ws->closed = true;
            ws->close_code = 1006; /* closed without a close frame */
        }
        if (st != ST_OK)
            break;
    }
    return st;
}

int wsc_close_code(const wsc_t *ws)
{
    return ws->close_code;
}

void wsc_close(wsc_t *ws)
{
    char *msg = NULL;

    if (!ws)
        return;
    if (!ws->close_sent && !ws->closed) {
        static const unsigned char normal[2] = {1000 >> 8, 1000 & 0xff};
        if (send_frame(ws, OP_CLOSE, normal, sizeof normal) == ST_OK) {
            ws->close_sent = true;
            int64_t deadline = time_mono_us() + (int64_t)CLOSE_WAIT_MS * 1000;
            while (!ws->closed && time_mono_us() < deadline &&
                   wsc_recv_text(ws, CLOSE_WAIT_MS, &msg) == ST_OK)
                free(msg);
        }
    }
    close(ws->fd);
    buf_cleanup(&ws->in);
    buf_cleanup(&ws->msg);
    free(ws);
}
