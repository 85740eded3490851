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

#include "h1parse.h"
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
    const char *cors_origins;    /* comma separated: other sites' apps that may use API keys */
    int64_t max_body;
    int64_t max_upload; /* bytes of an UPLOAD route's whole body (EDGE_MAX_UPLOAD) */
    int timeout_ms;
    int auth_cache_ttl_s;
    bool cookie_secure;
    int trusted_hops; /* proxies in front whose X-Forwarded-For entries are believed */
    h1_limits_t limits;
    int keepalive_s;        /* an idle connection closes after this */
    int io_timeout_s;       /* a head, body or answer that stalls this long closes the connection */
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
typedef enum {
    STAGE_NONE,
    STAGE_VERIFY,
    STAGE_CALL,
    STAGE_READY,
    STAGE_RESPOND,
    STAGE_PART, /* UPLOAD: a part is in flight (the body may still be arriving) */
    STAGE_FETCH /* DOWNLOAD: the next part is being fetched (the head may be out) */
} stage_t;

typedef struct ws_frame ws_frame_t;
typedef struct edge_conn edge_conn_t;         /* http.c: the connection's bytes and framing */
typedef struct edge_upload edge_upload_t;     /* upload.c: a streamed multipart body */
typedef struct edge_download edge_download_t; /* download.c: a streamed file answer */

typedef struct pss {
    /* request */
    h1_req_t req; /* the parsed head: method, target, header fields */
    char *path;
    char *query; /* raw, decoded by h1_query_next */
    const route_t *route;
    route_params_t params;
    buf_t body;
    int64_t content_length;
    bool dispatched;
    bool close_after;
    bool discard_body; /* over the limit: drop the body, then answer 413 */
    char request_id[40];
    char client_ip[64];
    int64_t started_us; /* metrics.c: monotonic start of the exchange (or the socket), 0 = none */
    char cors_origin[128]; /* set: the request comes from an EDGE_CORS_ORIGINS site */
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
    bool head_only;    /* HEAD: the headers of the answer, no body */
    bool serving_file; /* the body comes from file_fd */
    int file_fd;
    int64_t file_size;
    buf_t file_headers;        /* raw "name: value\r\n" lines for a file */
    edge_upload_t *upload;     /* UPLOAD routes: the body's state */
    edge_download_t *download; /* DOWNLOAD routes: the answer's state */
    edge_conn_t *conn;         /* HTTP connections only; kept across requests */
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

/* http.c: the lws protocol callback (HTTP on raw sockets, and WebSocket). */
int edge_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len);
/* The first value of request header lname (lower case), or NULL. */
const char *edge_header(const pss_t *pss, const char *lname);
/* The answer has been written: the next request on the connection, or its close. <0 closes. */
int edge_exchange_done(struct lws *wsi, pss_t *pss);
/* Goes on reading what the connection has buffered (and from the socket) after an upload could
 * take no more: a part was answered, or authentication passed. No-op while already reading. */
void edge_conn_resume(struct lws *wsi, pss_t *pss);

/* respond.c: building answers. */
void edge_respond(pss_t *pss, int status, const char *content_type, const void *body, size_t len);
void edge_respond_error(pss_t *pss, status_t st, const char *message);
void edge_respond_add_header(pss_t *pss, const char *name, const char *value);
/* Answers with a file (200, its size as Content-Length); other_headers are raw header lines. */
int edge_serve_file(struct lws *wsi, pss_t *pss, const char *path, const char *content_type,
                    const char *other_headers, int other_len);
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
/* The context headers of a call made for pss (its caller, request id, client). extra has room
 * for 16 entries and backs ctx->extra. */
void edge_call_ctx(pss_t *pss, bus_ctx_t *ctx, const char *extra[16], char ua[256]);
/* Calls the route's rpc (authentication done): UPLOAD routes' final call, DOWNLOAD's seq 0. */
void edge_call_route(struct lws *wsi, pss_t *pss);
/* DOWNLOAD: asks the route's rpc for part seq (the answer comes to edge_download_reply). */
status_t edge_fetch_part(struct lws *wsi, pss_t *pss, int seq);

/* upload.c: UPLOAD routes (multipart/form-data streamed to <rpc>_part, then <rpc>). */
/* The head of an UPLOAD request is in: false when it is answered already (not a form, over
 * EDGE_MAX_UPLOAD); else the body (has_body: one was announced) is read once authentication
 * passed. */
bool edge_upload_begin(pss_t *pss, bool has_body);
/* How many body bytes may be fed now (0: wait for a part's answer or for authentication). */
size_t edge_upload_room(const pss_t *pss);
void edge_upload_data(struct lws *wsi, pss_t *pss, const char *d, size_t n);
void edge_upload_body_done(struct lws *wsi, pss_t *pss);
/* Authentication and the origin check passed: the body may be read and sent on. */
void edge_upload_authed(struct lws *wsi, pss_t *pss);
void edge_upload_part_reply(struct lws *wsi, pss_t *pss, cq_item_t *item);
/* The form's fields and the file's facts into the rpc's input. */
status_t edge_upload_fill(const pss_t *pss, ProtobufCMessage *m, char *err, size_t errlen);
void edge_upload_free(pss_t *pss);

/* download.c: DOWNLOAD routes (common.FilePart seq 0, 1, ... as the socket takes them). */
void edge_download_reply(struct lws *wsi, pss_t *pss, cq_item_t *item);
int edge_download_write(struct lws *wsi, pss_t *pss); /* on WRITEABLE after the head; <0 closes */
int64_t edge_download_size(const pss_t *pss);         /* the Content-Length */
void edge_download_free(pss_t *pss);

/* authcache.c: verified credentials, cached briefly. */
/* A hit only for the kind of credential presented (cookie: a session; Bearer: an API key). */
bool authcache_get(const char *token_hash, bool cookie, ident_t *out);
void authcache_put(const char *token_hash, const ident_t *ident);
void authcache_revoke(const char *what); /* "token:<hash>" or "user:<id>" */
void authcache_clear(void);
/* Reads the credential of the request: `Authorization: Bearer`, else the sid cookie. Which kind
 * goes where (keys as Bearer, sessions as the cookie) is enforced by auth's verify. */
bool edge_credential(pss_t *pss);
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
void openapi_respond(pss_t *pss);              /* GET /api/openapi.json, with its ETag */
int static_serve(struct lws *wsi, pss_t *pss); /* 0 handled, <0 close */

/* metrics.c: request metrics and the access log (start: on_http; done: edge_pss_reset, answered
 * or not; ws: opened and closed in ws.c). lwslog.c: lws's messages into the JSON log. */
void edge_metrics_request_start(pss_t *pss);
void edge_metrics_request_done(pss_t *pss);
void edge_metrics_ws(pss_t *pss, bool open);
void edge_lws_log_init(void);

/* security.c */
void edge_security_init(void); /* after the configuration is loaded */
/* No Origin, or the request's own origin, PUBLIC_URL's, or one of EDGE_ALLOWED_ORIGINS:
 * scheme, host and port compared exactly. */
bool edge_origin_allowed(const pss_t *pss);
/* The request's Origin when it is one of EDGE_CORS_ORIGINS (normalised) into out, else "". */
void edge_cors_origin(const pss_t *pss, char *out, size_t outlen);
/* Answers an OPTIONS preflight; false when the request is no preflight. */
bool edge_cors_preflight(pss_t *pss);
/* The headers every answer carries (security policy, CORS for pss->cors_origin). */
void edge_security_headers(const pss_t *pss, buf_t *out);
void edge_client_ip(struct lws *wsi, const pss_t *pss, char *out, size_t outlen);

#endif
