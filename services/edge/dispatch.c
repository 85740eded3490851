/* dispatch.c - from a parsed HTTP request to a bus call and back: authentication stage, JSON ->
 * protobuf transcoding of body + path + query, the asynchronous call, and turning the reply (or
 * its error headers) into the HTTP answer. Never blocks: every wait is a completion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
#include "proto/common.pb-c.h"
#include "shared/log.h"
#include "shared/pbjson.h"

/* ---- inflight: seq -> wsi, loop thread only --------------------------------------------- */

#define INFLIGHT_BUCKETS 4096
typedef struct inflight {
    uint64_t seq;
    struct lws *wsi;
    struct inflight *next;
} inflight_t;
static inflight_t *buckets[INFLIGHT_BUCKETS];

void inflight_put(uint64_t seq, struct lws *wsi)
{
    inflight_t *e = xmalloc(sizeof *e);
    *e = (inflight_t){seq, wsi, buckets[seq % INFLIGHT_BUCKETS]};
    buckets[seq % INFLIGHT_BUCKETS] = e;
}

struct lws *inflight_take(uint64_t seq)
{
    for (inflight_t **pp = &buckets[seq % INFLIGHT_BUCKETS]; *pp; pp = &(*pp)->next) {
        if ((*pp)->seq == seq) {
            inflight_t *e = *pp;
            struct lws *wsi = e->wsi;
            *pp = e->next;
            free(e);
            return wsi;
        }
    }
    return NULL;
}

void inflight_forget(pss_t *pss)
{
    for (int i = 0; i < pss->ncalls; i++)
        if (pss->calls[i])
            inflight_take(pss->calls[i]);
    pss->ncalls = 0;
}

static void on_reply(void *arg, status_t st, const char *errmsg, natsMsg *msg)
{
    cq_item_t *item = xcalloc(1, sizeof *item);
    item->kind = CQ_REPLY;
    item->seq = (uint64_t)(uintptr_t)arg;
    item->st = st;
    item->errmsg = errmsg ? xstrdup(errmsg) : NULL;
    item->msg = msg;
    cq_push(item);
}

status_t edge_call(struct lws *wsi, pss_t *pss, const char *subject, const void *data, size_t len,
                   const bus_ctx_t *ctx)
{
    int slot = 0;
    while (slot < pss->ncalls && pss->calls[slot]) /* a finished call's slot is reused */
        slot++;
    if (slot == EDGE_MAX_CALLS)
        return ST_INTERNAL;
    if (edge.stopping)
        return ST_UNAVAILABLE; /* the bus is closing */
    uint64_t seq = ++edge.next_seq;
    inflight_put(seq, wsi);
    pss->calls[slot] = seq;
    if (slot == pss->ncalls)
        pss->ncalls++;
    status_t st = bus_call_async(edge.bus, subject, ctx, data, len, edge.cfg.timeout_ms, on_reply,
                                 (void *)(uintptr_t)seq);
    if (st) {
        inflight_take(seq);
        pss->calls[slot] = 0;
    }
    return st;
}

/* ---- building the input ---------------------------------------------------------------------- */

static status_t apply_params(ProtobufCMessage *m, pss_t *pss, pbjson_err_t *err)
{
    status_t st;
    for (int i = 0; i < pss->params.n; i++) {
        if ((st = pbjson_set_str(m, pss->params.names[i], pss->params.values[i], err))) {
            if (st == ST_NOT_FOUND) {
                snprintf(err->msg, sizeof err->msg, "route parameter %s is not accepted",
                         pss->params.names[i]);
                st = ST_INTERNAL;
            }
            return st;
        }
    }
    /* Query parameters: name=value pairs, decoded. */
    char name[256], value[2048];
    bool bad = false;
    for (const char *cur = pss->query;
         h1_query_next(&cur, name, sizeof name, value, sizeof value, &bad);) {
        for (int k = 0; k < pss->params.n; k++) {
            if (strcmp(pss->params.names[k], name) == 0) {
                snprintf(err->msg, sizeof err->msg,
                         "query parameter %.64s repeats a path parameter", name);
                return ST_INVALID;
            }
        }
        if ((st = pbjson_set_str(m, name, value, err))) {
            if (st == ST_NOT_FOUND) {
                snprintf(err->msg, sizeof err->msg, "unknown query parameter \"%.200s\"", name);
                st = ST_INVALID;
            }
            return st;
        }
    }
    if (bad) {
        snprintf(err->msg, sizeof err->msg, "malformed query string");
        return ST_INVALID;
    }
    return ST_OK;
}

/* The rpc's input: JSON body, path and query parameters (and an upload's fields, a download's
 * part number seq). */
static status_t build_rpc_input(pss_t *pss, buf_t *out, pbjson_err_t *err, int seq)
{
    const ProtobufCMessageDescriptor *d = pss->route->md->input;
    ProtobufCMessage *m = pbjson_new(d);
    status_t st = ST_OK;

    if (pss->body.len) {
        if ((st = pbjson_decode(m, pss->body.data, pss->body.len, err)))
            goto done;
    }
    if ((st = apply_params(m, pss, err)))
        goto done;
    if (pss->route->kind == ROUTE_UPLOAD &&
        (st = edge_upload_fill(pss, m, err->msg, sizeof err->msg)))
        goto done;
    if (pss->route->kind == ROUTE_DOWNLOAD) {
        char n[16];
        snprintf(n, sizeof n, "%d", seq);
        if ((st = pbjson_set_str(m, "seq", n, err)))
            goto done;
    }
    size_t n = protobuf_c_message_get_packed_size(m);
    buf_reserve(out, n);
    out->len = protobuf_c_message_pack(m, (uint8_t *)out->data);
done:
    protobuf_c_message_free_unpacked(m, NULL);
    return st;
}

static void build_raw_input(pss_t *pss, buf_t *out)
{
    static const char *const hdrs[] = {"content-type", "user-agent", "host"};
    Common__HttpRequest req = COMMON__HTTP_REQUEST__INIT;
    Common__Header h[ARRAY_LEN(hdrs)], *hp[ARRAY_LEN(hdrs)];
    size_t nh = 0;

    for (size_t i = 0; i < ARRAY_LEN(hdrs); i++) {
        const char *v = edge_header(pss, hdrs[i]);
        if (!v)
            continue;
        common__header__init(&h[nh]);
        h[nh].name = (char *)hdrs[i];
        h[nh].value = (char *)v;
        hp[nh] = &h[nh];
        nh++;
    }
    req.method = (char *)pss->route->method;
    req.path = pss->path;
    req.query = pss->query;
    req.n_headers = nh;
    req.headers = hp;
    req.has_body = true;
    req.body.data = (uint8_t *)pss->body.data;
    req.body.len = pss->body.len;
    req.remote_addr = pss->client_ip;
    size_t n = protobuf_c_message_get_packed_size(&req.base);
    buf_reserve(out, n);
    out->len = protobuf_c_message_pack(&req.base, (uint8_t *)out->data);
}

void edge_call_ctx(pss_t *pss, bus_ctx_t *ctx, const char *extra[16], char ua[256])
{
    snprintf(ua, 256, "%s", edge_header(pss, "user-agent") ? edge_header(pss, "user-agent") : "");
    const char *cache_control = edge_header(pss, "cache-control");
    int n = 0;
    extra[n++] = HDR_CLIENT_IP;
    extra[n++] = pss->client_ip;
    if (ua[0]) {
        extra[n++] = HDR_USER_AGENT;
        extra[n++] = ua;
    }
    if (pss->ident.session_id[0]) {
        extra[n++] = HDR_SESSION_ID;
        extra[n++] = pss->ident.session_id;
    }
    if (pss->ident.api_key_id[0]) {
        extra[n++] = HDR_API_KEY_ID;
        extra[n++] = pss->ident.api_key_id;
    }
    if (cache_control &&
        strstr(cache_control, "no-cache")) { /* the client wants an answer fresh from the source */
        extra[n++] = BUS_HDR_CACHE_CONTROL;
        extra[n++] = "no-cache";
    }
    extra[n] = NULL;
    bool authed = pss->ident.user_id[0] != '\0';
    *ctx = (bus_ctx_t){.org_id = authed ? pss->ident.org_id : NULL,
                       .user_id = authed ? pss->ident.user_id : NULL,
                       .role = authed ? pss->ident.role : NULL,
                       .request_id = pss->request_id,
                       .extra = extra};
}

void edge_call_route(struct lws *wsi, pss_t *pss)
{
    buf_t payload = BUF_INIT;
    pbjson_err_t err = {{0}};
    status_t st;
    char ua[256];
    const char *extra[16];
    bus_ctx_t ctx;

    if (pss->route->kind == ROUTE_RAW) {
        build_raw_input(pss, &payload);
    } else if ((st = build_rpc_input(pss, &payload, &err, 0))) {
        edge_respond_error(pss, st, err.msg);
        goto done;
    }
    edge_call_ctx(pss, &ctx, extra, ua);
    pss->stage = STAGE_CALL;
    if ((st = edge_call(wsi, pss, pss->route->subject, payload.data, payload.len, &ctx)))
        edge_respond_error(pss, st,
                           st == ST_TOO_LARGE ? "request is over the bus's message size limit"
                                              : "the service could not be reached");
done:
    buf_cleanup(&payload);
}

status_t edge_fetch_part(struct lws *wsi, pss_t *pss, int seq)
{
    buf_t payload = BUF_INIT;
    pbjson_err_t err = {{0}};
    char ua[256];
    const char *extra[16];
    bus_ctx_t ctx;
    status_t st;

    if ((st = build_rpc_input(pss, &payload, &err, seq)) == ST_OK) {
        edge_call_ctx(pss, &ctx, extra, ua);
        st = edge_call(wsi, pss, pss->route->subject, payload.data, payload.len, &ctx);
    }
    buf_cleanup(&payload);
    return st;
}

/* Authentication is done: call the rpc, or for an upload start reading the body. */
static void start_call(struct lws *wsi, pss_t *pss)
{
    if (pss->route->kind == ROUTE_UPLOAD)
        edge_upload_authed(wsi, pss);
    else
        edge_call_route(wsi, pss);
}

void edge_dispatch(struct lws *wsi, pss_t *pss)
{
    if (pss->dispatched)
        return;
    pss->dispatched = true;
    bool has_cred = edge_credential(pss);
    bool changes_state = strcmp(pss->route->method, "GET") != 0;

    /* A browser on another site must not drive a cookie session (or sign in through one). */
    if (changes_state && !edge_origin_allowed(pss) && (pss->cookie_auth || !has_cred)) {
        edge_respond_error(pss, ST_FORBIDDEN, "cross-site request refused");
        return;
    }
    if (has_cred) {
        if (authcache_get(pss->token_hash, pss->cookie_auth, &pss->ident)) {
            start_call(wsi, pss);
            return;
        }
        if (pss->route->auth == ROUTE_SESSION || pss->route->auth == ROUTE_PUBLIC) {
            status_t st = edge_verify_start(wsi, pss);
            if (st)
                edge_respond_error(pss, st, "authentication is unavailable");
            return;
        }
    }
    if (pss->route->auth == ROUTE_SESSION) {
        edge_respond_error(pss, ST_UNAUTHORIZED, "sign in or send an API key");
        return;
    }
    start_call(wsi, pss);
}

static void expire_cookie(pss_t *pss)
{
    edge_respond_add_header(pss, "set-cookie",
                            edge.cfg.cookie_secure
                                ? "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
                                : "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

static void finish_rpc(pss_t *pss, natsMsg *msg)
{
    const ProtobufCMessageDescriptor *d = pss->route->md->output;
    ProtobufCMessage *out = protobuf_c_message_unpack(d, NULL, (size_t)natsMsg_GetDataLength(msg),
                                                      (const uint8_t *)natsMsg_GetData(msg));
    if (!out) {
        edge_respond_error(pss, ST_INTERNAL, "malformed reply from the service");
        return;
    }
    const char *v = NULL;
    if (natsMsgHeader_Get(msg, HDR_SESSION_TOKEN, &v) == NATS_OK && v) {
        const char *age = NULL;
        natsMsgHeader_Get(msg, HDR_SESSION_MAX_AGE, &age);
        char cookie[256];
        snprintf(cookie, sizeof cookie, "sid=%s; Path=/; Max-Age=%s; HttpOnly; SameSite=Lax%s", v,
                 age ? age : "2592000", edge.cfg.cookie_secure ? "; Secure" : "");
        edge_respond_add_header(pss, "set-cookie", cookie);
    }
    if (natsMsgHeader_Get(msg, HDR_SESSION_CLEAR, &v) == NATS_OK && v) {
        expire_cookie(pss);
        if (pss->has_token)
            authcache_revoke(pss->token_hash);
    }
    edge_respond_add_header(pss, "cache-control", "no-store");
    int status = pss->route->ok_status;
    if (natsMsgHeader_Get(msg, HDR_OK_STATUS, &v) == NATS_OK && v && status != 204) {
        int other = atoi(v); /* another success with a body: 200 for an upload found already */
        if (other >= 200 && other < 300 && other != 204)
            status = other;
    }
    buf_t json = BUF_INIT;
    if (status != 204)
        pbjson_encode(out, &json);
    edge_respond(pss, status, "application/json", json.data, json.len);
    buf_cleanup(&json);
    protobuf_c_message_free_unpacked(out, NULL);
}

static void finish_raw(pss_t *pss, natsMsg *msg)
{
    Common__HttpResponse *r = common__http_response__unpack(
        NULL, (size_t)natsMsg_GetDataLength(msg), (const uint8_t *)natsMsg_GetData(msg));
    if (!r) {
        edge_respond_error(pss, ST_INTERNAL, "malformed reply from the service");
        return;
    }
    const char *ctype = "application/octet-stream";
    for (size_t i = 0; i < r->n_headers; i++) {
        if (!r->headers[i]->name || !r->headers[i]->value)
            continue;
        if (str_ieq(r->headers[i]->name, "content-type"))
            ctype = r->headers[i]->value;
        else
            edge_respond_add_header(pss, r->headers[i]->name, r->headers[i]->value);
    }
    edge_respond_add_header(pss, "x-content-type-options", "nosniff");
    edge_respond(pss, r->has_status ? r->status : 200, ctype, r->body.data, r->body.len);
    common__http_response__free_unpacked(r, NULL);
}

void edge_complete(struct lws *wsi, pss_t *pss, cq_item_t *item)
{
    (void)wsi;
    for (int i = 0; i < pss->ncalls; i++)
        if (pss->calls[i] == item->seq)
            pss->calls[i] = 0;

    if (pss->stage == STAGE_VERIFY) {
        status_t st = edge_verify_finish(pss, item);
        if (st == ST_UNAUTHORIZED && pss->route->auth == ROUTE_PUBLIC) {
            memset(&pss->ident, 0, sizeof pss->ident); /* a stale cookie on a public route */
            start_call(wsi, pss);
        } else if (st) {
            if (st == ST_UNAUTHORIZED && pss->cookie_auth)
                expire_cookie(pss);
            edge_respond_error(pss, st,
                               st == ST_UNAUTHORIZED ? "the session has expired or the key is "
                                                       "not valid"
                                                     : item->errmsg);
        } else {
            start_call(wsi, pss);
        }
        return;
    }
    if (pss->stage == STAGE_PART) {
        edge_upload_part_reply(wsi, pss, item);
        return;
    }
    if (pss->stage == STAGE_FETCH) {
        edge_download_reply(wsi, pss, item);
        return;
    }
    if (pss->stage != STAGE_CALL)
        return;
    if (item->st) {
        const char *retry = NULL;
        if (item->st == ST_UNAUTHORIZED && pss->cookie_auth)
            expire_cookie(pss); /* a dead session: let the browser forget it */
        if (item->msg && natsMsgHeader_Get(item->msg, HDR_RETRY_AFTER, &retry) == NATS_OK && retry)
            edge_respond_add_header(pss, "retry-after", retry);
        edge_respond_error(pss, item->st, item->errmsg);
        return;
    }
    if (pss->route->kind == ROUTE_DOWNLOAD)
        edge_download_reply(wsi, pss, item);
    else if (pss->route->kind == ROUTE_RAW)
        finish_raw(pss, item->msg);
    else
        finish_rpc(pss, item->msg);
}
