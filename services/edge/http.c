/* http.c - the one lws protocol callback: HTTP requests (headers, body, answer) and WebSocket
 * connections on /ws, plus draining the completion queue when the loop is woken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
#include "shared/crypto.h"
#include "shared/log.h"

/* A declared body over the limit but under this is read and dropped before the 413. */
#define DISCARD_MAX (64LL * 1024 * 1024)

static const char *method_names[] = {
    [LWSHUMETH_GET] = "GET",         [LWSHUMETH_POST] = "POST",   [LWSHUMETH_OPTIONS] = "OPTIONS",
    [LWSHUMETH_PUT] = "PUT",         [LWSHUMETH_PATCH] = "PATCH", [LWSHUMETH_DELETE] = "DELETE",
    [LWSHUMETH_CONNECT] = "CONNECT", [LWSHUMETH_HEAD] = "HEAD",
};

static void make_request_id(struct lws *wsi, char *out, size_t outlen)
{
    char given[80];
    int n = lws_hdr_custom_copy(wsi, given, sizeof given, "x-request-id:", 13);
    if (n > 0 && (size_t)n < outlen &&
        strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
            (size_t)n) {
        memcpy(out, given, (size_t)n + 1);
        return;
    }
    uint8_t r[12];
    static const char hex[] = "0123456789abcdef";
    crypto_random_bytes(r, sizeof r);
    for (size_t i = 0; i < sizeof r && 2 * i + 2 < outlen; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
        out[2 * i + 2] = '\0';
    }
}

/* Headers are in: decide what this request is and whether a body must be read first. */
static int on_http(struct lws *wsi, pss_t *pss, const char *uri)
{
    char *uri_ptr = NULL, allow[64], clen[32];
    int uri_len = 0;

    edge_pss_reset(pss);
    pss->wsi = wsi;
    pss->method = lws_http_get_uri_and_method(wsi, &uri_ptr, &uri_len);
    pss->path = xstrdup(uri);
    make_request_id(wsi, pss->request_id, sizeof pss->request_id);
    edge_client_ip(wsi, pss->client_ip, sizeof pss->client_ip);
    pss->content_length = -1;
    if (lws_hdr_copy(wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        pss->content_length = atoll(clen);
    {
        char q[4096];
        if (lws_hdr_copy(wsi, q, sizeof q, WSI_TOKEN_HTTP_URI_ARGS) > 0)
            pss->query = xstrdup(q);
    }
    if (pss->method < 0 || pss->method >= (int)ARRAY_LEN(method_names) ||
        !method_names[pss->method]) {
        pss->close_after = true;
        edge_respond_error(pss, ST_METHOD, "unsupported method");
        return 0;
    }
    const char *method = method_names[pss->method];

    if (!str_has_prefix(uri, "/api/") && strcmp(uri, "/api") != 0) {
        if (pss->method != LWSHUMETH_GET && pss->method != LWSHUMETH_HEAD) {
            edge_respond_add_header(pss, "allow", "GET, HEAD");
            edge_respond_error(pss, ST_METHOD, "only GET is served here");
            return 0;
        }
        return static_serve(wsi, pss);
    }
    if (strcmp(uri, "/api/health") == 0 && pss->method == LWSHUMETH_GET) {
        static const char ok[] = "{\"status\":\"ok\"}";
        edge_respond_add_header(pss, "cache-control", "no-store");
        edge_respond(pss, 200, "application/json", ok, sizeof ok - 1);
        return 0;
    }
    if (strcmp(uri, "/api/health/ready") == 0 && pss->method == LWSHUMETH_GET) {
        health_start_ready(wsi, pss);
        return 0;
    }
    if (strcmp(uri, "/api/openapi.json") == 0 && pss->method == LWSHUMETH_GET) {
        openapi_respond(wsi, pss);
        return 0;
    }
    switch (routes_match(method, uri, &pss->route, &pss->params, allow, sizeof allow)) {
    case ROUTE_NO_PATH:
        edge_respond_error(pss, ST_NOT_FOUND, "no such route");
        return 0;
    case ROUTE_BAD_METHOD:
        edge_respond_add_header(pss, "allow", allow);
        edge_respond_error(pss, ST_METHOD, "method not allowed on this route");
        return 0;
    case ROUTE_MATCH:
        break;
    }
    if (pss->content_length > edge.cfg.max_body) {
        if (pss->content_length > DISCARD_MAX) {
            pss->close_after = true; /* not worth reading: answer and close */
            edge_respond_error(pss, ST_TOO_LARGE, "request body is over the size limit");
            return 0;
        }
        /* Read and drop the body, then answer: closing with unread data would make the kernel
         * reset the connection, and the client would never see the 413. */
        pss->discard_body = true;
        return 0;
    }
    if (pss->content_length > 0)
        return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
    edge_dispatch(wsi, pss);
    return 0;
}

void edge_drain_completions(void)
{
    cq_item_t *item = cq_take_all();
    while (item) {
        cq_item_t *next = item->next;
        switch (item->kind) {
        case CQ_REPLY: {
            struct lws *wsi = inflight_take(item->seq);
            if (wsi) {
                pss_t *pss = lws_wsi_user(wsi);
                if (pss->is_ws)
                    ws_verified(wsi, pss, item);
                else if (pss->stage == STAGE_READY)
                    health_ready_reply(pss, item);
                else
                    edge_complete(wsi, pss, item);
            }
            break;
        }
        case CQ_NOTIFY:
            ws_deliver(item->msg);
            break;
        case CQ_REVOKE: {
            char what[160];
            snprintf(what, sizeof what, "%.*s", natsMsg_GetDataLength(item->msg),
                     natsMsg_GetData(item->msg));
            authcache_revoke(what);
            ws_revoke(what);
            break;
        }
        }
        cq_item_free(item);
        item = next;
    }
}

int edge_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    pss_t *pss = user;

    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        natsloop_apply();
        edge_drain_completions();
        return 0;
    default:
        break;
    }
    if (!pss) /* lws reports some events (bind, drop, close before upgrade) without session data */
        return 0;

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(wsi, pss, in);

    case LWS_CALLBACK_HTTP_BODY:
        if (pss->responding || pss->dispatched || pss->discard_body)
            return 0;
        if ((int64_t)(pss->body.len + len) > edge.cfg.max_body) {
            pss->close_after = true;
            edge_respond_error(pss, ST_TOO_LARGE, "request body is over the size limit");
            return 0;
        }
        buf_append(&pss->body, in, len);
        return 0;

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (pss->discard_body && !pss->responding)
            edge_respond_error(pss, ST_TOO_LARGE, "request body is over the size limit");
        else if (!pss->responding && pss->route)
            edge_dispatch(wsi, pss);
        return 0;

    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (pss->serving_file)
            return 0;
        return edge_write_response(wsi, pss);

    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        edge_pss_reset(pss);
        return lws_http_transaction_completed(wsi) ? -1 : 0;

    case LWS_CALLBACK_CLOSED_HTTP:
        edge_pss_reset(pss);
        return 0;

    /* ---- WebSocket ---- */
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[64];
        if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
            return -1;
        if (!edge_origin_allowed(wsi))
            return -1; /* cross-site WebSocket hijacking */
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED:
        memset(pss, 0, sizeof *pss);
        pss->wsi = wsi;
        ws_established(wsi, pss);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        ws_receive(wsi, pss, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws_writeable(wsi, pss);
    case LWS_CALLBACK_CLOSED:
        ws_closed(pss);
        return 0;

    default:
        return 0;
    }
}
