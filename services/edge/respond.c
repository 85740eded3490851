/* respond.c - answers: JSON errors in the one shape {"error":{"code","message","request_id"}},
 * extra headers, gzip of JSON answers the client takes it for (compress.c decides), files, and
 * writing a prepared response (status line and headers formatted here) across WRITEABLE callbacks
 * in chunks. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edge.h"
#include "services/edge/compress.h"
#include "shared/json.h"
#include "shared/log.h"

#define CHUNK 16384

void edge_respond_add_header(pss_t *pss, const char *name, const char *value)
{
    buf_append(&pss->resp_headers, name, strlen(name) + 1);
    buf_append(&pss->resp_headers, value, strlen(value) + 1);
}

static bool has_header(const pss_t *pss, const char *name)
{
    for (size_t off = 0; off < pss->resp_headers.len;) {
        const char *h = pss->resp_headers.data + off, *value = h + strlen(h) + 1;
        if (strcasecmp(h, name) == 0)
            return true;
        off = (size_t)(value - pss->resp_headers.data) + strlen(value) + 1;
    }
    return false;
}

/* A JSON answer of EDGE_GZIP_MIN_BYTES or more varies with Accept-Encoding, and goes gzipped to
 * a client that takes it. An answer that already has a Content-Encoding is left alone. */
static void maybe_gzip(pss_t *pss, const void *body, size_t len)
{
    buf_t gz = BUF_INIT;
    size_t min = (size_t)edge.cfg.gzip_min_bytes;

    if (!compress_wanted(pss->content_type, len, min, "gzip") ||
        has_header(pss, "content-encoding"))
        goto plain;
    edge_respond_add_header(pss, "vary", "Accept-Encoding");
    if (!compress_wanted(pss->content_type, len, min, h1_header(&pss->req, "accept-encoding")) ||
        compress_gzip(body, len, &gz) != ST_OK || gz.len >= len)
        goto plain;
    edge_respond_add_header(pss, "content-encoding", "gzip");
    buf_cleanup(&pss->resp_body);
    pss->resp_body = gz;
    return;
plain:
    buf_cleanup(&gz);
    if (len)
        buf_append(&pss->resp_body, body, len);
}

void edge_respond(pss_t *pss, int status, const char *content_type, const void *body, size_t len)
{
    pss->status = status;
    snprintf(pss->content_type, sizeof pss->content_type, "%s", content_type ? content_type : "");
    buf_reset(&pss->resp_body);
    maybe_gzip(pss, body, len);
    pss->stage = STAGE_RESPOND;
    pss->responding = true;
    if (pss->wsi)
        lws_callback_on_writable(pss->wsi);
}

void edge_respond_error(pss_t *pss, status_t st, const char *message)
{
    buf_t b = BUF_INIT;
    /* The message may quote what the client sent (a field name, bytes that are not UTF-8):
     * json.h writes it as valid UTF-8 JSON whatever it holds. */
    buf_printf(&b, "{\"error\":{\"code\":\"%s\",\"message\":", status_str(st));
    json_put_cstr(&b, message && *message ? message : status_str(st));
    buf_printf(&b, ",\"request_id\":\"%s\"}}", pss->request_id);
    if (status_http(st) >= 500) {
        log_ctx_t ctx = {.request_id = pss->request_id,
                         .subject = pss->route ? pss->route->subject : NULL,
                         .org_id = pss->ident.org_id[0] ? pss->ident.org_id : NULL};
        LOG_CTX_WARN(&ctx, "%s %s -> %d: %s", pss->route ? pss->route->method : "",
                     pss->path ? pss->path : "", status_http(st), message ? message : "");
    }
    edge_respond(pss, status_http(st), "application/json", b.data, b.len);
    buf_cleanup(&b);
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

int edge_serve_file(struct lws *wsi, pss_t *pss, const char *path, const char *content_type,
                    const char *other_headers, int other_len)
{
    struct stat sb;
    (void)wsi;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        edge_respond_error(pss, ST_NOT_FOUND, "no such file");
        return 0;
    }
    pss->serving_file = true;
    pss->file_fd = fd;
    pss->file_size = (int64_t)sb.st_size;
    if (other_len > 0)
        buf_append(&pss->file_headers, other_headers, (size_t)other_len);
    edge_respond(pss, 200, content_type, NULL, 0);
    return 0;
}

static size_t body_size(const pss_t *pss)
{
    if (pss->download)
        return (size_t)edge_download_size(pss);
    return pss->serving_file ? (size_t)pss->file_size : pss->resp_body.len;
}

/* The next piece of the body into out (at most CHUNK): from the file or the buffer. */
static ssize_t body_piece(pss_t *pss, unsigned char *out, size_t room)
{
    size_t left = body_size(pss) - pss->resp_sent;
    size_t n = left < room ? left : room;
    if (!pss->serving_file) {
        memcpy(out, pss->resp_body.data + pss->resp_sent, n);
        return (ssize_t)n;
    }
    ssize_t got = pread(pss->file_fd, out, n, (off_t)pss->resp_sent);
    return got == (ssize_t)n ? got : -1; /* a file that shrank: cut the connection */
}

/* Writes the status line and headers, and with them the body when it fits in one buffer: most
 * answers are a few hundred bytes, and one write saves a trip round the event loop. */
static int write_head(struct lws *wsi, pss_t *pss)
{
    buf_t h = BUF_INIT;
    bool empty = pss->status == 204 || pss->status == 304;
    size_t blen = body_size(pss);
    int rc = -1;

    bool inline_body = blen <= CHUNK && !pss->download; /* a download's parts come later */
    buf_reserve(&h, LWS_PRE + 1024 + (inline_body ? blen : 0));
    h.len = LWS_PRE;
    buf_printf(&h, "HTTP/1.1 %d %s\r\n", pss->status, reason_phrase(pss->status));
    if (!empty) {
        if (pss->content_type[0])
            buf_printf(&h, "content-type: %s\r\n", pss->content_type);
        buf_printf(&h, "content-length: %zu\r\n", blen);
    }
    buf_printf(&h, "x-request-id: %s\r\n", pss->request_id);
    edge_security_headers(pss, &h);
    for (size_t off = 0; off < pss->resp_headers.len;) {
        const char *name = pss->resp_headers.data + off;
        const char *value = name + strlen(name) + 1;
        off = (size_t)(value - pss->resp_headers.data) + strlen(value) + 1;
        buf_printf(&h, "%s: %s\r\n", name, value);
    }
    if (pss->file_headers.len)
        buf_append(&h, pss->file_headers.data, pss->file_headers.len);
    if (pss->close_after)
        buf_puts(&h, "connection: close\r\n");
    else if (pss->req.minor == 0)
        buf_puts(&h, "connection: keep-alive\r\n");
    buf_puts(&h, "\r\n");
    if (empty || pss->head_only) {
        pss->resp_sent = blen; /* nothing to send */
    } else if (inline_body) {
        buf_reserve(&h, blen);
        if (body_piece(pss, (unsigned char *)h.data + h.len, blen) < 0)
            goto done;
        h.len += blen;
        pss->resp_sent = blen;
    }
    size_t n = h.len - LWS_PRE;
    if (lws_write(wsi, (unsigned char *)h.data + LWS_PRE, n, LWS_WRITE_RAW) != (int)n)
        goto done;
    pss->headers_sent = true;
    rc = 0;
done:
    buf_cleanup(&h);
    return rc;
}

int edge_write_response(struct lws *wsi, pss_t *pss)
{
    unsigned char buf[LWS_PRE + CHUNK];

    if (!pss->responding)
        return 0;
    if (!pss->headers_sent) {
        if (write_head(wsi, pss))
            return -1;
    } else if (pss->download) {
        return edge_download_write(wsi, pss);
    } else {
        ssize_t n = body_piece(pss, buf + LWS_PRE, CHUNK);
        if (n < 0 || lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_RAW) != (int)n)
            return -1;
        pss->resp_sent += (size_t)n;
    }
    if (pss->resp_sent < body_size(pss)) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* The exchange is complete. */
    return edge_exchange_done(wsi, pss);
}

void edge_pss_reset(pss_t *pss)
{
    edge_metrics_request_done(pss); /* the exchange ends here, answered or not */
    inflight_forget(pss);
    free(pss->path);
    free(pss->query);
    route_params_cleanup(&pss->params);
    buf_cleanup(&pss->body);
    buf_cleanup(&pss->resp_headers);
    buf_cleanup(&pss->resp_body);
    buf_cleanup(&pss->ready_report);
    buf_cleanup(&pss->file_headers);
    edge_upload_free(pss);
    edge_download_free(pss);
    if (pss->serving_file)
        close(pss->file_fd);
    h1_req_cleanup(&pss->req);
    struct lws *wsi = pss->wsi;
    edge_conn_t *conn = pss->conn;
    memset(pss, 0, sizeof *pss);
    pss->wsi = wsi;
    pss->conn = conn;
}
