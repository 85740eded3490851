/* respond.c - answers: JSON errors in the one shape {"error":{"code","message","request_id"}},
 * extra headers, gzip of JSON answers the client takes it for (compress.c decides), and writing
 * a prepared response across WRITEABLE callbacks in chunks. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "edge.h"
#include "services/edge/compress.h"
#include "shared/log.h"

#define CHUNK 16384

void edge_respond_add_header(pss_t *pss, const char *name, const char *value)
{
    buf_append(&pss->resp_headers, name, strlen(name) + 1);
    buf_append(&pss->resp_headers, value, strlen(value) + 1);
}

const char *edge_request_header(struct lws *wsi, int token, char *out, size_t outlen)
{
    if (!wsi || lws_hdr_copy(wsi, out, (int)outlen, (enum lws_token_indexes)token) < 0 ||
        !lws_hdr_total_length(wsi, (enum lws_token_indexes)token))
        return NULL;
    return out;
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
    char enc[256];
    buf_t gz = BUF_INIT;
    size_t min = (size_t)edge.cfg.gzip_min_bytes;

    if (!compress_wanted(pss->content_type, len, min, "gzip") ||
        has_header(pss, "content-encoding"))
        goto plain;
    edge_respond_add_header(pss, "vary", "Accept-Encoding");
    if (!compress_wanted(
            pss->content_type, len, min,
            edge_request_header(pss->wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, enc, sizeof enc)) ||
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

static void json_escape(buf_t *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            buf_printf(b, "\\u%04x", *p);
        else
            buf_putc(b, (char)*p);
    }
}

void edge_respond_error(pss_t *pss, status_t st, const char *message)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "{\"error\":{\"code\":\"%s\",\"message\":\"", status_str(st));
    json_escape(&b, message && *message ? message : status_str(st));
    buf_printf(&b, "\",\"request_id\":\"%s\"}}", pss->request_id);
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

/* Writes the status line and headers, and with them the whole body when it fits in one buffer:
 * most answers are a few hundred bytes, and one write saves a trip round the event loop. */
static int write_head(struct lws *wsi, pss_t *pss)
{
    unsigned char buf[LWS_PRE + 4096 + CHUNK];
    unsigned char *start = buf + LWS_PRE, *p = start, *hend = start + 4096;
    bool empty = pss->status == 204 || pss->status == 304;
    lws_filepos_t clen = empty ? LWS_ILLEGAL_HTTP_CONTENT_LEN : (lws_filepos_t)pss->resp_body.len;

    if (lws_add_http_common_headers(wsi, (unsigned)pss->status, empty ? NULL : pss->content_type,
                                    clen, &p, hend))
        return -1;
    if (lws_add_http_header_by_name(
            wsi, (const unsigned char *)"x-request-id:", (const unsigned char *)pss->request_id,
            (int)strlen(pss->request_id), &p, hend))
        return -1;
    for (size_t off = 0; off < pss->resp_headers.len;) {
        const char *name = pss->resp_headers.data + off;
        const char *value = name + strlen(name) + 1;
        off = (size_t)(value - pss->resp_headers.data) + strlen(value) + 1;
        char hname[64];
        snprintf(hname, sizeof hname, "%s:", name);
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)hname,
                                        (const unsigned char *)value, (int)strlen(value), &p, hend))
            return -1;
    }
    if (pss->close_after &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                     &p, hend))
        return -1;
    if (lws_finalize_http_header(wsi, &p, hend))
        return -1;
    if (!empty && pss->resp_body.len <= CHUNK) {
        memcpy(p, pss->resp_body.data, pss->resp_body.len);
        p += pss->resp_body.len;
        pss->resp_sent = pss->resp_body.len;
    }
    if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS) != (int)(p - start))
        return -1;
    pss->headers_sent = true;
    return 0;
}

int edge_write_response(struct lws *wsi, pss_t *pss)
{
    unsigned char buf[LWS_PRE + CHUNK];

    if (!pss->responding)
        return 0;
    if (!pss->headers_sent) {
        if (write_head(wsi, pss))
            return -1;
    } else {
        size_t left = pss->resp_body.len - pss->resp_sent;
        size_t n = left > CHUNK ? CHUNK : left;
        memcpy(buf + LWS_PRE, pss->resp_body.data + pss->resp_sent, n);
        if (lws_write(wsi, buf + LWS_PRE, n, n == left ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            (int)n)
            return -1;
        pss->resp_sent += n;
    }
    if (pss->status != 204 && pss->status != 304 && pss->resp_sent < pss->resp_body.len) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* The exchange is complete. */
    bool close = pss->close_after;
    edge_pss_reset(pss);
    if (close)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void edge_pss_reset(pss_t *pss)
{
    inflight_forget(pss);
    free(pss->path);
    free(pss->query);
    route_params_cleanup(&pss->params);
    buf_cleanup(&pss->body);
    buf_cleanup(&pss->resp_headers);
    buf_cleanup(&pss->resp_body);
    buf_cleanup(&pss->ready_report);
    struct lws *wsi = pss->wsi;
    memset(pss, 0, sizeof *pss);
    pss->wsi = wsi;
}
