/* http.c - the one lws protocol callback. HTTP/1.1 connections arrive as raw sockets: the edge
 * reads their bytes, frames requests with its own strict parser (h1parse.c), answers them in
 * order (pipelined requests wait in the connection's buffer) and writes the answers itself.
 * A WebSocket upgrade on /ws is handed to lws's ws role by adopting the socket again with the
 * bytes already read; the callback then serves that WebSocket. The completion queue is drained
 * here when the loop is woken.
 *
 * Why not lws's HTTP server: lws 4.1's h1 parser cannot be made strict from outside (it guesses
 * at malformed framing and drops some input without an answer), and with a request body
 * pipelined behind another request it spins: lws_http_action() feeds the connection's buffered
 * bytes back to lws_read_h1(), which in the body state with nothing left consumes nothing, so
 * its `while (1)` never ends and the whole loop (and SIGTERM) stops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge.h"
#include "shared/crypto.h"
#include "shared/log.h"

/* A declared body over the limit but under this is read and dropped before the next request. */
#define DISCARD_MAX (64LL * 1024 * 1024)
/* Bytes of pipelined requests buffered while one is answered, before reading pauses. */
#define PIPELINE_MAX (256 * 1024)
#define LINGER_SECS  2

struct edge_conn {
    buf_t in;          /* received and not yet consumed from off on */
    size_t off;        /* consumed */
    h1_body_t body;    /* framing of the current request's body */
    int64_t body_seen; /* its bytes so far */
    bool in_request;   /* a request is being answered (pss holds it) */
    bool body_left;    /* its body is still arriving */
    bool body_wanted;  /* ... into pss->body (else dropped) */
    bool closing;      /* shut down once the last answer is out */
    bool lingering;    /* write side shut: reading and dropping until EOF or timeout */
    bool paused;       /* rx flow control is off */
    bool processing;   /* inside process(): resuming is a no-op */
};

/* The parsed request a WebSocket upgrade hands to the ws wsi (see ws_handoff). */
static h1_req_t *handoff;

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

const char *edge_header(const pss_t *pss, const char *lname)
{
    return h1_header(&pss->req, lname);
}

static void make_request_id(pss_t *pss)
{
    const char *given = edge_header(pss, "x-request-id");
    size_t n = given ? strlen(given) : 0;
    if (n > 0 && n < sizeof pss->request_id &&
        strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n) {
        memcpy(pss->request_id, given, n + 1);
        return;
    }
    uint8_t r[12];
    static const char hex[] = "0123456789abcdef";
    crypto_random_bytes(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++) {
        pss->request_id[2 * i] = hex[r[i] >> 4];
        pss->request_id[2 * i + 1] = hex[r[i] & 15];
    }
    pss->request_id[2 * sizeof r] = '\0';
}

static bool known_method(const char *m)
{
    for (size_t i = 0; i < ARRAY_LEN(methods); i++)
        if (strcmp(methods[i], m) == 0)
            return true;
    return false;
}

/* Gives the socket to lws's ws role: a new wsi on a duplicate of the descriptor, fed the bytes
 * of the upgrade request (and anything after them); this raw wsi then closes its own copy
 * (the raw role closes without shutdown(), so the connection lives on). */
static int ws_handoff(struct lws *wsi, pss_t *pss, edge_conn_t *c, size_t head_start)
{
    struct lws_vhost *vh = lws_get_vhost_by_name(edge.ctx, "default");
    int fd = dup(lws_get_socket_fd(wsi));
    if (fd < 0 || !vh) {
        if (fd >= 0)
            close(fd);
        edge_respond_error(pss, ST_UNAVAILABLE, "cannot take WebSocket connections now");
        pss->close_after = true;
        return 0;
    }
    handoff = xmalloc(sizeof *handoff);
    *handoff = pss->req;
    memset(&pss->req, 0, sizeof pss->req);
    struct lws *ws =
        lws_adopt_socket_vhost_readbuf(vh, fd, c->in.data + head_start, c->in.len - head_start);
    if (handoff) { /* not taken during the adoption: later, or never (freed on destroy) */
        if (ws) {
            lws_set_opaque_user_data(ws, handoff);
        } else {
            h1_req_cleanup(handoff);
            free(handoff);
        }
        handoff = NULL;
    }
    c->off = c->in.len;
    return -1;
}

/* A head is in: decide what this request is and whether its body must be read first. */
static int on_request(struct lws *wsi, pss_t *pss, edge_conn_t *c, size_t head_start)
{
    const h1_req_t *req = &pss->req;
    const char *uri = req->path, *method = req->method;
    char allow[64];

    edge_metrics_request_start(pss);
    pss->path = xstrdup(uri);
    pss->query = req->query ? xstrdup(req->query) : NULL;
    make_request_id(pss);
    edge_client_ip(wsi, pss, pss->client_ip, sizeof pss->client_ip);
    edge_cors_origin(pss, pss->cors_origin, sizeof pss->cors_origin);
    pss->close_after = !req->keep_alive;
    pss->head_only = strcmp(method, "HEAD") == 0;
    pss->content_length = req->chunked ? -1 : req->content_length;
    h1_body_init(&c->body, req, edge.cfg.limits.max_head);
    c->body_left = !h1_body_done(&c->body);
    c->body_wanted = false;
    c->body_seen = 0;

    if (!known_method(method)) {
        pss->close_after = true;
        edge_respond_error(pss, ST_METHOD, "unsupported method");
        goto out;
    }
    if (strcmp(uri, "/ws") == 0 && strcmp(method, "GET") == 0 &&
        h1_list_has(edge_header(pss, "upgrade"), "websocket")) {
        pss->close_after = true;       /* unless handed over */
        if (!edge_origin_allowed(pss)) /* cross-site WebSocket hijacking */
            edge_respond_error(pss, ST_FORBIDDEN, "cross-site WebSocket refused");
        else if (c->body_left || !h1_list_has(edge_header(pss, "connection"), "upgrade") ||
                 !edge_header(pss, "sec-websocket-key") ||
                 !h1_list_has(edge_header(pss, "sec-websocket-version"), "13"))
            edge_respond_error(pss, ST_INVALID, "malformed WebSocket upgrade");
        else
            return ws_handoff(wsi, pss, c, head_start);
        goto out;
    }
    if (!str_has_prefix(uri, "/api/") && strcmp(uri, "/api") != 0) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            edge_respond_add_header(pss, "allow", "GET, HEAD");
            edge_respond_error(pss, ST_METHOD, "only GET is served here");
            goto out;
        }
        if (static_serve(wsi, pss) < 0)
            return -1;
        goto out;
    }
    if (strcmp(method, "OPTIONS") == 0 && edge_cors_preflight(pss))
        goto out;
    if (strcmp(uri, "/api/health") == 0 && strcmp(method, "GET") == 0) {
        static const char ok[] = "{\"status\":\"ok\"}";
        edge_respond_add_header(pss, "cache-control", "no-store");
        edge_respond(pss, 200, "application/json", ok, sizeof ok - 1);
        goto out;
    }
    if (strcmp(uri, "/api/health/ready") == 0 && strcmp(method, "GET") == 0) {
        health_start_ready(wsi, pss);
        goto out;
    }
    if (strcmp(uri, "/api/openapi.json") == 0 && strcmp(method, "GET") == 0) {
        openapi_respond(pss);
        goto out;
    }
    route_result_t rr = routes_match(method, uri, &pss->route, &pss->params, allow, sizeof allow);
    if (rr == ROUTE_BAD_METHOD && pss->head_only) { /* HEAD of a download is its GET's head */
        route_params_t params = {0};
        const route_t *get = NULL;
        if (routes_match("GET", uri, &get, &params, NULL, 0) == ROUTE_MATCH &&
            get->kind == ROUTE_DOWNLOAD) {
            pss->route = get;
            pss->params = params;
            rr = ROUTE_MATCH;
        } else {
            route_params_cleanup(&params);
        }
    }
    switch (rr) {
    case ROUTE_NO_PATH:
        edge_respond_error(pss, ST_NOT_FOUND, "no such route");
        goto out;
    case ROUTE_BAD_METHOD:
        edge_respond_add_header(pss, "allow", allow);
        edge_respond_error(pss, ST_METHOD, "method not allowed on this route");
        goto out;
    case ROUTE_MATCH:
        break;
    }
    if (pss->route->kind == ROUTE_UPLOAD) {
        /* The body is read once authentication passed (edge_upload_authed), streamed. */
        if (!edge_upload_begin(pss, c->body_left))
            goto out;
        c->body_wanted = true;
        edge_dispatch(wsi, pss);
        return 0;
    }
    if (pss->content_length > edge.cfg.max_body) {
        /* Answered now; the body is read and dropped (up to DISCARD_MAX) so the connection
         * stays in step, or the connection closes after the answer. */
        if (pss->content_length > DISCARD_MAX)
            pss->close_after = true;
        edge_respond_error(pss, ST_TOO_LARGE, "request body is over the size limit");
        goto out;
    }
    if (c->body_left) {
        c->body_wanted = true;
        if (req->expect_continue) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            unsigned char b[LWS_PRE + sizeof cont];
            memcpy(b + LWS_PRE, cont, sizeof cont - 1);
            if (lws_write(wsi, b + LWS_PRE, sizeof cont - 1, LWS_WRITE_RAW) < 0)
                return -1;
        }
        return 0; /* dispatched when the body is complete */
    }
    edge_dispatch(wsi, pss);
out:
    /* Answered before the body: a client that waits for 100 Continue will not send it. */
    if (c->body_left && !c->body_wanted && req->expect_continue)
        pss->close_after = true;
    return 0;
}

/* A malformed head: the answer, then the connection closes (what follows cannot be framed). */
static void on_bad_request(pss_t *pss, h1_result_t r)
{
    edge_metrics_request_start(pss);
    make_request_id(pss);
    pss->close_after = true;
    const char *msg = pss->req.error ? pss->req.error : "malformed request";
    switch (h1_result_status(r)) {
    case 405:
        edge_respond_add_header(pss, "allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        edge_respond_error(pss, ST_METHOD, msg);
        break;
    case 414:
    case 431: /* no status_t of their own: the JSON code says too large, the status which part */
        edge_respond_error(pss, ST_TOO_LARGE, msg);
        pss->status = h1_result_status(r);
        break;
    default: /* 400, and 505 with the code invalid_argument */
        edge_respond_error(pss, ST_INVALID, msg);
        pss->status = h1_result_status(r);
        break;
    }
}

static void body_data(struct lws *wsi, pss_t *pss, edge_conn_t *c, const char *d, size_t n)
{
    c->body_seen += (int64_t)n;
    if (c->body_wanted && pss->upload) {
        edge_upload_data(wsi, pss, d, n);
        return;
    }
    if (c->body_wanted) {
        if ((int64_t)(pss->body.len + n) > edge.cfg.max_body) {
            c->body_wanted = false; /* chunked over the limit: drop the rest */
            buf_cleanup(&pss->body);
            edge_respond_error(pss, ST_TOO_LARGE, "request body is over the size limit");
            return;
        }
        buf_append(&pss->body, d, n);
        return;
    }
    if (c->body_seen > DISCARD_MAX) { /* not worth reading further */
        if (c->in_request)
            pss->close_after = true;
        else
            c->closing = true;
    }
}

static void start_close(struct lws *wsi, edge_conn_t *c)
{
    c->closing = true;
    if (c->paused) {
        lws_rx_flow_control(wsi, 1);
        c->paused = false;
    }
    lws_callback_on_writable(wsi); /* shut down there, once lws has written everything */
}

/* Consumes what the connection has buffered: body bytes of the current request, then the next
 * request's head once the current one is answered. <0 closes. */
static int process_buffered(struct lws *wsi, pss_t *pss, edge_conn_t *c)
{
    int rc = 0;
    for (;;) {
        const char *p = c->in.data + c->off;
        size_t n = c->in.len - c->off;
        if (c->closing || c->lingering) {
            c->off = c->in.len;
            break;
        }
        if (c->body_left) {
            const char *d;
            size_t used, dlen;
            if (!n)
                break;
            if (c->in_request && pss->upload && c->body_wanted) {
                if (pss->responding) { /* refused: the rest is dropped, then the connection */
                    pss->close_after = true;
                } else {
                    size_t room = edge_upload_room(pss); /* 0: a part or authentication pending */
                    if (!room)
                        break;
                    if (n > room)
                        n = room;
                }
            }
            h1_result_t r = h1_body_feed(&c->body, p, n, &used, &d, &dlen);
            c->off += used;
            if (dlen)
                body_data(wsi, pss, c, d, dlen);
            if (r == H1_BAD) {
                c->body_left = false;
                if (c->in_request && !pss->responding) {
                    pss->close_after = true;
                    edge_respond_error(pss, ST_INVALID, c->body.error);
                } else if (c->in_request) {
                    pss->close_after = true;
                } else {
                    start_close(wsi, c);
                }
                continue;
            }
            if (r == H1_OK) {
                c->body_left = false;
                if (c->in_request) /* now waiting for the service, which has its deadline */
                    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
                if (c->in_request && c->body_wanted && pss->upload)
                    edge_upload_body_done(wsi, pss);
                else if (c->in_request && c->body_wanted && !pss->responding && pss->route)
                    edge_dispatch(wsi, pss);
            } else {
                lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, edge.cfg.io_timeout_s);
            }
            if (c->closing && !c->in_request)
                start_close(wsi, c);
            continue;
        }
        if (c->in_request || !n)
            break;
        h1_req_t req;
        size_t used = 0;
        h1_result_t r = h1_parse_head(p, n, &edge.cfg.limits, &req, &used);
        if (r == H1_INCOMPLETE) {
            h1_req_cleanup(&req);
            lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, edge.cfg.io_timeout_s);
            break;
        }
        edge_pss_reset(pss);
        pss->req = req;
        c->in_request = true;
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
        if (r != H1_OK) {
            on_bad_request(pss, r);
            c->off = c->in.len;
            break;
        }
        size_t head_start = c->off;
        c->off += used;
        if ((rc = on_request(wsi, pss, c, head_start)) < 0)
            break;
        if (c->body_left) /* a body that stalls closes the connection */
            lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, edge.cfg.io_timeout_s);
    }
    if (c->off == c->in.len) {
        buf_reset(&c->in);
        c->off = 0;
    } else if (c->off > 65536) {
        memmove(c->in.data, c->in.data + c->off, c->in.len - c->off);
        c->in.len -= c->off;
        c->off = 0;
    }
    if (rc == 0 && !c->paused && c->in.len - c->off > PIPELINE_MAX) {
        lws_rx_flow_control(wsi, 0);
        c->paused = true;
    }
    return rc;
}

static int process(struct lws *wsi, pss_t *pss, edge_conn_t *c)
{
    c->processing = true;
    int rc = process_buffered(wsi, pss, c);
    c->processing = false;
    return rc;
}

void edge_conn_resume(struct lws *wsi, pss_t *pss)
{
    edge_conn_t *c = pss->conn;
    if (!c || c->processing)
        return;
    if (c->paused && !c->closing) {
        lws_rx_flow_control(wsi, 1);
        c->paused = false;
    }
    if (process(wsi, pss, c) < 0)
        lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

int edge_exchange_done(struct lws *wsi, pss_t *pss)
{
    edge_conn_t *c = pss->conn;
    bool close = pss->close_after;
    edge_pss_reset(pss);
    if (!c)
        return close ? -1 : 0;
    c->in_request = false;
    c->body_wanted = false; /* what is left of an answered request's body is dropped */
    if (close) {
        start_close(wsi, c);
        return 0;
    }
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE, edge.cfg.keepalive_s);
    if (c->paused) {
        lws_rx_flow_control(wsi, 1);
        c->paused = false;
    }
    return process(wsi, pss, c);
}

static int on_writeable(struct lws *wsi, pss_t *pss)
{
    edge_conn_t *c = pss->conn;
    if (c->lingering)
        return 0;
    if (c->closing && !c->in_request) {
        /* Everything is written: stop sending, and read what the client still sends until it
         * closes, so that unread input does not make the kernel reset the connection (the
         * client would lose the answer). */
        shutdown(lws_get_socket_fd(wsi), SHUT_WR);
        c->lingering = true;
        lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LINGER_SECS);
        return 0;
    }
    if (pss->responding)
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, edge.cfg.io_timeout_s);
    return edge_write_response(wsi, pss);
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
    case LWS_CALLBACK_WSI_DESTROY: { /* an upgrade that never became a WebSocket */
        h1_req_t *req = lws_get_opaque_user_data(wsi);
        if (req) {
            lws_set_opaque_user_data(wsi, NULL);
            h1_req_cleanup(req);
            free(req);
        }
        return 0;
    }
    default:
        break;
    }
    if (!pss) /* lws reports some events (bind, drop, close before upgrade) without session data */
        return 0;

    switch (reason) {
    /* ---- HTTP/1.1 on a raw socket ---- */
    case LWS_CALLBACK_RAW_ADOPT:
        memset(pss, 0, sizeof *pss);
        pss->wsi = wsi;
        pss->conn = xcalloc(1, sizeof *pss->conn);
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE, edge.cfg.keepalive_s);
        return 0;
    case LWS_CALLBACK_RAW_RX:
        if (!pss->conn)
            return -1;
        if (pss->conn->lingering)
            return 0;
        buf_append(&pss->conn->in, in, len);
        return process(wsi, pss, pss->conn);
    case LWS_CALLBACK_RAW_WRITEABLE:
        return pss->conn ? on_writeable(wsi, pss) : -1;
    case LWS_CALLBACK_RAW_CLOSE:
        if (pss->conn) {
            buf_cleanup(&pss->conn->in);
            free(pss->conn);
            pss->conn = NULL;
        }
        edge_pss_reset(pss);
        return 0;

    /* ---- WebSocket ---- */
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[64];
        /* Only sockets handed over by ws_handoff, which checked path and origin, come here. */
        if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
            return -1;
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        h1_req_t *req = handoff ? handoff : lws_get_opaque_user_data(wsi);
        memset(pss, 0, sizeof *pss);
        pss->wsi = wsi;
        if (!req)
            return -1;
        if (req == handoff)
            handoff = NULL;
        else
            lws_set_opaque_user_data(wsi, NULL);
        pss->req = *req;
        free(req);
        ws_established(wsi, pss);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE:
        ws_receive(wsi, pss, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws_writeable(wsi, pss);
    case LWS_CALLBACK_CLOSED:
        ws_closed(pss);
        h1_req_cleanup(&pss->req);
        return 0;
    case LWS_CALLBACK_HTTP:
        return -1; /* plain HTTP on the ws vhost: only upgrades are handed over */

    default:
        return 0;
    }
}
