/* edge.h - the edge's module interface: shared state of the HTTP/WebSocket front door.
 *
 * Everything here lives on the lws service thread, except the completion queue (cq_*), which
 * cnats threads push to and the loop drains after lws_cancel_service wakes it. The edge holds
 * no business logic: it authenticates, routes to the bus, transcodes JSON, and answers.
 */
#ifndef EDGE_H
#define EDGE_H

#include <libwebsockets.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "routes.h"
#include "shared/bus.h"
#include "shared/status.h"
#include "shared/util.h"

#define EDGE_MAX_PARAMS 8
#define EDGE_MAX_CALLS  16 /* concurrent bus calls of one HTTP exchange (readiness fan-out) */
#define EDGE_ID_LEN     40

/* ---- configuration ------------------------------------------------------------------------ */
typedef struct {
    const char *host;
    int port;
    const char *static_dir;
    const char *public_url;
    const char *allowed_origins; /* comma separated, besides the request's own origin */
    int64_t max_body;
    int timeout_ms;
    int auth_cache_ttl_s;
    bool cookie_secure;
    bool trust_proxy;
    int64_t gzip_min_bytes; /* JSON answers this long or more are gzipped; 0: never */
} edge_config_t;

/* ---- completion queue: cnats threads -> lws loop ------------------------------------------ */
typedef enum { CQ_REPLY, CQ_NOTIFY, CQ_REVOKE } cq_kind_t;

typedef struct cq_item {
    cq_kind_t kind;
    uint64_t seq;
    status_t st;
    char *errmsg;
    natsMsg *msg; /* owned */
    struct cq_item *next;
} cq_item_t;

void cq_push(cq_item_t *item);
/* Handles every queued completion (replies, notifications, revocations); the loop's thread. */
void edge_drain_completions(void);

/* natsloop.c: the bus connection driven by the lws loop (cnats event-loop mode). */
extern const bus_loop_t natsloop_hooks;
/* The protocol callback of the adopted NATS socket ("nats"). */
int natsloop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
/* Carries out attach / detach / write requests that cnats threads left for the loop. */
void natsloop_apply(void);

cq_item_t *cq_take_all(void);
void cq_item_free(cq_item_t *item);

/* ---- identity ----------------------------------------------------------------------------- */
typedef struct {
    char user_id[EDGE_ID_LEN];
    char org_id[EDGE_ID_LEN];
    char role[16];
    char session_id[EDGE_ID_LEN];
    char api_key_id[EDGE_ID_LEN];
} ident_t;

/* ---- per-connection state ----------------------------------------------------------------- */
typedef enum { STAGE_NONE, STAGE_VERIFY, STAGE_CALL, STAGE_READY, STAGE_RESPOND } stage_t;

typedef struct ws_frame ws_frame_t;

typedef struct pss {
    /* request */
    int method; /* LWSHUMETH_* */
    char *path;
    char *query; /* raw, decoded by lws into name=value fragments */
    const route_t *route;
    route_params_t params;
    buf_t body;
    int64_t content_length;
    bool dispatched;
    bool close_after;
    bool discard_body; /* over the limit: drop the body, then answer 413 */
    char request_id[40];
    char client_ip[64];
    char token_hash[65];
    char token[256]; /* raw credential until verify has been sent, then wiped */
    bool has_token;
    bool cookie_auth;
    ident_t ident;
    stage_t stage;
    uint64_t calls[EDGE_MAX_CALLS];
    int call_tag[EDGE_MAX_CALLS]; /* readiness: which service a call pings */
    int ncalls;
    /* readiness fan-out */
    int ready_pending;
    buf_t ready_report;
    bool ready_ok;
    /* response */
    int status;
    buf_t resp_headers; /* "name\0value\0" pairs */
    buf_t resp_body;
    char content_type[128];
    size_t resp_sent;
    bool headers_sent;
    bool responding;
    bool serving_file;
    /* websocket */
    bool is_ws;
    bool ws_authed;
    int ws_close_code; /* set: close with this code on the next WRITEABLE */
    char ws_close_reason[32];
    ws_frame_t *ws_head, *ws_tail;
    size_t ws_queued;
    struct lws *wsi;
    struct pss *ws_next, *ws_prev;
} pss_t;

/* ---- global edge state -------------------------------------------------------------------- */
typedef struct {
    edge_config_t cfg;
    struct lws_context *ctx;
    bus_t *bus;
    natsSubscription *notify_user_sub, *notify_org_sub, *revoke_sub;
    uint64_t next_seq;
    buf_t openapi;
    pss_t *ws_clients;
    volatile bool stopping;
    pthread_t loop_thread; /* the one thread that runs lws_service */
} edge_t;

extern edge_t edge;

/* http.c: the lws protocol callback (HTTP and WebSocket). */
int edge_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len);

/* respond.c: building answers. */
void edge_respond(pss_t *pss, int status, const char *content_type, const void *body, size_t len);
void edge_respond_error(pss_t *pss, status_t st, const char *message);
void edge_respond_add_header(pss_t *pss, const char *name, const char *value);
/* A request header (WSI_TOKEN_*) copied into out, or NULL when absent (or wsi is NULL). */
const char *edge_request_header(struct lws *wsi, int token, char *out, size_t outlen);
int edge_write_response(struct lws *wsi, pss_t *pss); /* on WRITEABLE; <0 closes */
void edge_pss_reset(pss_t *pss);

/* dispatch.c: route -> bus. */
void edge_dispatch(struct lws *wsi, pss_t *pss);
void edge_complete(struct lws *wsi, pss_t *pss, cq_item_t *item);
/* Registers seq -> wsi so a completion finds its connection; forgets on close. */
void inflight_put(uint64_t seq, struct lws *wsi);
struct lws *inflight_take(uint64_t seq);
void inflight_forget(pss_t *pss);
/* Starts an async bus call on behalf of wsi; the completion comes back through the queue. */
status_t edge_call(struct lws *wsi, pss_t *pss, const char *subject, const void *data, size_t len,
                   const bus_ctx_t *ctx);

/* authcache.c: verified credentials, cached briefly. */
bool authcache_get(const char *token_hash, ident_t *out);
void authcache_put(const char *token_hash, const ident_t *ident);
void authcache_revoke(const char *what); /* "token:<hash>" or "user:<id>" */
void authcache_clear(void);
/* Reads the credential of the request (Bearer header, else the sid cookie). */
bool edge_credential(struct lws *wsi, pss_t *pss);
status_t edge_verify_start(struct lws *wsi, pss_t *pss);
status_t edge_verify_finish(pss_t *pss, cq_item_t *item);

/* ws.c: WebSocket clients and notification fan-out. */
void ws_established(struct lws *wsi, pss_t *pss);
void ws_verified(struct lws *wsi, pss_t *pss, cq_item_t *item);
void ws_closed(pss_t *pss);
int ws_writeable(struct lws *wsi, pss_t *pss);
void ws_deliver(natsMsg *msg);
void ws_revoke(const char *what); /* closes sockets of a revoked credential or user */
void ws_receive(struct lws *wsi, pss_t *pss, const void *in, size_t len);
void ws_send_json(struct lws *wsi, pss_t *pss, const char *json, size_t len);

/* health.c, openapi.c, static.c */
void health_start_ready(struct lws *wsi, pss_t *pss);
void health_ready_reply(pss_t *pss, cq_item_t *item);
void openapi_build(buf_t *out);
void openapi_respond(struct lws *wsi, pss_t *pss); /* GET /api/openapi.json, with its ETag */
int static_serve(struct lws *wsi, pss_t *pss);     /* 0 handled, <0 close */

/* security.c */
bool edge_origin_allowed(struct lws *wsi);
void edge_client_ip(struct lws *wsi, char *out, size_t outlen);

#endif
