/* bus.c - NATS connection, RPC serving with a worker pool, synchronous and asynchronous calls.
 *
 * Serving: one synchronous queue subscription on svc.<name>.* (queue group = bus name) that
 * `workers` threads pull from with natsSubscription_NextMsg. The cnats reader thread hands each
 * request straight to an idle worker (one wake-up, no intermediate delivery thread), a slow
 * handler never holds up the others, and many requests are in flight at once.
 * Async calls: one wildcard inbox subscription per connection; each call gets `<inbox>.<seq>`
 * and a pending entry; replies are matched by seq, and a timer thread expires the rest.
 */
#include "shared/bus.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/common.pb-c.h"
#include "shared/log.h"
#include "shared/metrics.h"
#include "shared/readiness.h"
#include "shared/util.h"

#define MAX_REPLY_HEADERS 8
#define PENDING_BUCKETS   1024
#define TIMER_TICK_US     5000
#define JS_INFO_EVERY_US  (5 * 1000000LL) /* consumer lag refresh */

typedef struct pending {
    uint64_t seq;
    int64_t deadline_us; /* monotonic */
    int64_t start_us;
    char *subject; /* for the call's latency metric */
    bus_async_cb cb;
    void *arg;
    struct pending *next;
} pending_t;

struct bus {
    char *name;
    char instance[40];
    natsConnection *nc;
    jsCtx *js;

    /* serving */
    const ProtobufCServiceDescriptor *desc;
    bus_handler_fn *fns;
    void *svc;
    bool (*health)(void *svc);
    char **method_names; /* snake_case, index = desc->methods index */
    natsSubscription *sub;
    pthread_t *workers;
    int nworkers;
    atomic_bool stopping;
    int64_t drain_deadline_us; /* set before stopping; read by workers after */

    /* plain subscriptions (bus_subscribe) */
    struct plain_sub *plain;

    /* JetStream consumers */
    struct bus_js_consumer *consumers;

    /* async calls */
    char inbox[64];
    natsSubscription *inbox_sub;
    pthread_mutex_t amu;
    pthread_cond_t acv;
    pending_t *pending[PENDING_BUCKETS];
    uint64_t next_seq;
    size_t npending;
    pthread_t timer;
    bool timer_running;
    bool timer_stop;
};

struct bus_req {
    bus_t *bus;
    natsMsg *msg;
    int method;
    char *errmsg;
    char *hdr_names[MAX_REPLY_HEADERS];
    char *hdr_values[MAX_REPLY_HEADERS];
    int nhdrs;
    bool replied;
    status_t status; /* of the reply, for metrics */
};

/* ---- metrics (shared/metrics.h) ----------------------------------------------------------- */

static metrics_family_t *m_requests, *m_request_seconds, *m_call_seconds, *m_js_pending,
    *m_js_ack_pending;
static metrics_series_t *m_in_flight;
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

static void metrics_setup(void)
{
    m_requests = metrics_counter(NULL, "bus_requests_total",
                                 "Requests served on the bus, by rpc method and status (the "
                                 "HTTP-like code of the reply; 504: dropped, deadline passed).",
                                 "method,status");
    m_request_seconds =
        metrics_histogram(NULL, "bus_request_duration_seconds",
                          "Time from taking a request to answering it.", "method,status", NULL, 0);
    m_in_flight = metrics_get(
        metrics_gauge(NULL, "bus_requests_in_flight", "Requests being handled now.", NULL), NULL);
    m_call_seconds = metrics_histogram(NULL, "bus_call_duration_seconds",
                                       "Calls made on the bus (bus_call, bus_call_async): time "
                                       "to the reply, by subject and status (503: no "
                                       "responders, 504: timeout).",
                                       "subject,status", NULL, 0);
    m_js_pending = metrics_gauge(NULL, "bus_js_consumer_pending_messages",
                                 "Messages of the stream not yet delivered to the durable "
                                 "consumer (its lag), refreshed every 5 s.",
                                 "stream,consumer");
    m_js_ack_pending = metrics_gauge(NULL, "bus_js_consumer_ack_pending_messages",
                                     "Messages delivered to the durable consumer and not yet "
                                     "acknowledged.",
                                     "stream,consumer");
}

static void observe_served(const char *method, status_t st, int64_t start_us)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status_http(st));
    metrics_inc(METRICS_GET(m_requests, method, code));
    metrics_observe(METRICS_GET(m_request_seconds, method, code), metrics_since(start_us));
}

static void observe_call(const char *subject, status_t st, int64_t start_us)
{
    char code[8];
    pthread_once(&metrics_once, metrics_setup);
    snprintf(code, sizeof code, "%d", status_http(st));
    metrics_observe(METRICS_GET(m_call_seconds, subject, code), metrics_since(start_us));
}

/* Readiness (shared/readiness.h): connected to NATS. */
static bool bus_ready(void *arg, char *why, size_t whylen)
{
    bus_t *bus = arg;
    natsConnStatus cs = natsConnection_Status(bus->nc);
    if (cs == NATS_CONN_STATUS_CONNECTED)
        return true;
    snprintf(why, whylen, "%s",
             cs == NATS_CONN_STATUS_RECONNECTING || cs == NATS_CONN_STATUS_DISCONNECTED
                 ? "disconnected from NATS"
                 : "not connected to NATS");
    return false;
}

static status_t from_nats(natsStatus s)
{
    switch (s) {
    case NATS_OK:
        return ST_OK;
    case NATS_TIMEOUT:
        return ST_TIMEOUT;
    case NATS_NO_RESPONDERS:
        return ST_UNAVAILABLE;
    case NATS_MAX_PAYLOAD:
        return ST_TOO_LARGE;
    case NATS_CONNECTION_CLOSED:
    case NATS_NO_SERVER:
    case NATS_NOT_YET_CONNECTED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
        return ST_UNAVAILABLE;
    default:
        return ST_INTERNAL;
    }
}

/* Connection callbacks run on a cnats thread, possibly after bus_free: they touch no bus state.
 * A close we asked for also reports a disconnection; only unexpected ones are worth a line. */
static atomic_int closing;

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)closure;
    if (!atomic_load(&closing) && !natsConnection_IsClosed(nc))
        LOG_WARN("bus: disconnected from NATS, reconnecting");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    LOG_INFO("bus: reconnected to NATS");
}

static status_t connect_with(const char *name, const char *url, int timeout_ms,
                             const bus_loop_t *loop, bus_t **out)
{
    natsOptions *opts = NULL;
    bus_t *bus = xcalloc(1, sizeof *bus);
    status_t st = ST_INTERNAL;
    natsStatus ns;

    bus->name = xstrdup(name);
    uuid_new(bus->instance);
    pthread_mutex_init(&bus->amu, NULL);
    pthread_cond_init(&bus->acv, NULL);

    if (natsOptions_Create(&opts) != NATS_OK || natsOptions_SetURL(opts, url) != NATS_OK ||
        natsOptions_SetName(opts, name) != NATS_OK ||
        natsOptions_SetSendAsap(opts, true) != NATS_OK ||
        natsOptions_SetMaxReconnect(opts, -1) != NATS_OK ||
        natsOptions_SetReconnectWait(opts, 250) != NATS_OK ||
        natsOptions_SetReconnectBufSize(opts, 8 * 1024 * 1024) != NATS_OK ||
        natsOptions_SetDisconnectedCB(opts, on_disconnected, bus) != NATS_OK ||
        natsOptions_SetReconnectedCB(opts, on_reconnected, bus) != NATS_OK ||
        (loop && natsOptions_SetEventLoop(opts, loop->loop, loop->attach, loop->read, loop->write,
                                          loop->detach) != NATS_OK)) {
        LOG_ERROR("bus: invalid NATS options (url %s)", url);
        st = ST_INVALID;
        goto done;
    }
    int64_t until = time_mono_us() + (int64_t)timeout_ms * 1000;
    while ((ns = natsConnection_Connect(&bus->nc, opts)) != NATS_OK) {
        if (time_mono_us() >= until) {
            LOG_ERROR("bus: cannot connect to %s: %s", url, natsStatus_GetText(ns));
            st = ST_UNAVAILABLE;
            goto done;
        }
        nats_Sleep(200);
    }
    if (natsConnection_JetStream(&bus->js, bus->nc, NULL) != NATS_OK) {
        LOG_ERROR("bus: cannot create a JetStream context");
        goto done;
    }
    pthread_once(&metrics_once, metrics_setup);
    readiness_add("bus", bus_ready, bus);
    st = ST_OK;
done:
    natsOptions_Destroy(opts);
    if (st) {
        bus_free(bus);
        return st;
    }
    *out = bus;
    return ST_OK;
}

status_t bus_connect(const char *name, const char *url, int timeout_ms, bus_t **out)
{
    return connect_with(name, url, timeout_ms, NULL, out);
}

status_t bus_connect_loop(const char *name, const char *url, int timeout_ms, const bus_loop_t *loop,
                          bus_t **out)
{
    return connect_with(name, url, timeout_ms, loop, out);
}

natsConnection *bus_nats(bus_t *bus)
{
    return bus->nc;
}

const char *bus_name(const bus_t *bus)
{
    return bus->name;
}

const char *bus_instance(const bus_t *bus)
{
    return bus->instance;
}

void bus_method_name(const char *rpc_name, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; rpc_name[i] && o + 2 < outlen; i++) {
        char c = rpc_name[i];
        if (c >= 'A' && c <= 'Z') {
            if (i > 0 && o > 0 && out[o - 1] != '_')
                out[o++] = '_';
            c = (char)(c - 'A' + 'a');
        }
        out[o++] = c;
    }
    out[o] = '\0';
}

/* ---- serving ---------------------------------------------------------------------------- */

static status_t handle_ping(void *svc, bus_req_t *req)
{
    Common__Pong pong = COMMON__PONG__INIT;
    bus_t *bus = req->bus;
    pong.service = bus->name;
    pong.instance = bus->instance;
    pong.has_db_ok = true;
    pong.db_ok = bus->health ? bus->health(svc) : true;
    bus_reply(req, pong.db_ok ? ST_OK : ST_UNAVAILABLE, &pong.base);
    return ST_OK;
}

static bool deadline_passed(natsMsg *msg)
{
    const char *v = NULL;
    if (natsMsgHeader_Get(msg, BUS_HDR_DEADLINE, &v) != NATS_OK || !v)
        return false;
    long long deadline = atoll(v);
    return deadline > 0 && time_now_ms() > deadline;
}

/* Index of the rpc a subject names (svc.<name>.<method>), -1 for ping, -2 for none. */
static int method_of(const bus_t *bus, const char *subject)
{
    const char *m = strrchr(subject, '.');
    m = m ? m + 1 : subject;
    if (strcmp(m, "ping") == 0)
        return -1;
    for (unsigned i = 0; i < bus->desc->n_methods; i++)
        if (strcmp(bus->method_names[i], m) == 0)
            return (int)i;
    return -2;
}

/* The request a worker thread is running, for bus_current_request_id. */
static _Thread_local const bus_req_t *current_req;

const char *bus_current_request_id(void)
{
    return current_req ? bus_req_id(current_req) : NULL;
}

static void run_one(bus_t *bus, natsMsg *msg)
{
    bus_req_t req = {.bus = bus, .msg = msg, .method = method_of(bus, natsMsg_GetSubject(msg))};
    log_ctx_t ctx = {.request_id = bus_req_id(&req), .subject = natsMsg_GetSubject(msg)};
    status_t hst = ST_OK;
    const char *mname = req.method >= 0    ? bus->method_names[req.method]
                        : req.method == -1 ? "ping"
                                           : "unknown";
    int64_t start_us = time_mono_us();

    if (deadline_passed(msg)) {
        /* The caller has given up; answering would only add load. */
        LOG_CTX_WARN(&ctx, "bus: request dropped, deadline passed while queued");
        observe_served(mname, ST_TIMEOUT, start_us);
        natsMsg_Destroy(msg);
        return;
    }
    metrics_add(m_in_flight, 1);
    if (req.method == -2) {
        bus_req_fail(&req, "no such method");
        bus_reply(&req, ST_NOT_FOUND, NULL);
    } else if (req.method == -1) {
        handle_ping(bus->svc, &req);
    } else {
        current_req = &req;
        hst = bus->fns[req.method](bus->svc, &req);
        current_req = NULL;
    }
    if (!req.replied) {
        /* A handler may fail without replying: its status is the answer. Success needs a
         * reply (the answer's message), so a handler that forgot it answers ST_INTERNAL. */
        if (hst == ST_OK)
            LOG_CTX_ERROR(&ctx, "bus: handler returned without replying");
        bus_reply(&req, hst == ST_OK ? ST_INTERNAL : hst, NULL);
    }
    metrics_add(m_in_flight, -1);
    observe_served(mname, req.status, start_us);
    free(req.errmsg);
    for (int i = 0; i < req.nhdrs; i++) {
        free(req.hdr_names[i]);
        free(req.hdr_values[i]);
    }
    natsMsg_Destroy(msg);
}

static void *worker_main(void *arg)
{
    bus_t *bus = arg;
    for (;;) {
        natsMsg *msg = NULL;
        natsStatus ns = natsSubscription_NextMsg(&msg, bus->sub, 500);
        if (ns == NATS_OK) {
            run_one(bus, msg);
        } else if (ns == NATS_TIMEOUT) {
            /* While draining, requests already routed here may still be in flight: keep
             * taking them until the drain closes the subscription or its deadline passes. */
            if (atomic_load(&bus->stopping) && time_mono_us() > bus->drain_deadline_us)
                break;
        } else {
            break; /* subscription closed (drain complete) or connection closed */
        }
    }
    return NULL;
}

void bus_set_health_check(bus_t *bus, bool (*check)(void *svc))
{
    bus->health = check;
}

status_t bus_serve(bus_t *bus, const ProtobufCServiceDescriptor *desc, const bus_method_t *methods,
                   size_t n_methods, void *svc, int workers)
{
    char name[128], subject[160];

    bus->desc = desc;
    bus->svc = svc;
    bus->fns = xcalloc(desc->n_methods ? desc->n_methods : 1, sizeof *bus->fns);
    bus->method_names = xcalloc(desc->n_methods ? desc->n_methods : 1, sizeof *bus->method_names);
    for (unsigned i = 0; i < desc->n_methods; i++) {
        bus_method_name(desc->methods[i].name, name, sizeof name);
        bus->method_names[i] = xstrdup(name);
        for (size_t j = 0; j < n_methods; j++)
            if (strcmp(methods[j].method, name) == 0)
                bus->fns[i] = methods[j].fn;
        if (!bus->fns[i]) {
            LOG_ERROR("bus: rpc %s of %s has no handler", name, desc->name);
            abort(); /* the proto is the contract: a missing handler is a programming error */
        }
    }
    snprintf(subject, sizeof subject, "svc.%s.*", bus->name);
    natsStatus ns = natsConnection_QueueSubscribeSync(&bus->sub, bus->nc, subject, bus->name);
    if (ns != NATS_OK) {
        LOG_ERROR("bus: cannot subscribe to %s: %s", subject, natsStatus_GetText(ns));
        return from_nats(ns);
    }
    natsSubscription_SetPendingLimits(bus->sub, -1, 256 * 1024 * 1024);
    bus->nworkers = workers > 0 ? workers : 1;
    bus->workers = xcalloc((size_t)bus->nworkers, sizeof *bus->workers);
    for (int i = 0; i < bus->nworkers; i++)
        pthread_create(&bus->workers[i], NULL, worker_main, bus);
    status_t st = from_nats(natsConnection_Flush(bus->nc));
    if (!st)
        LOG_INFO("bus: serving %u methods on svc.%s.* with %d workers", desc->n_methods, bus->name,
                 bus->nworkers);
    return st;
}

const char *bus_req_subject(const bus_req_t *req)
{
    return natsMsg_GetSubject(req->msg);
}

const char *bus_req_header(const bus_req_t *req, const char *name)
{
    const char *v = NULL;
    if (natsMsgHeader_Get(req->msg, name, &v) != NATS_OK)
        return NULL;
    return v;
}

const char *bus_req_org(const bus_req_t *req)
{
    return bus_req_header(req, BUS_HDR_ORG);
}

const char *bus_req_user(const bus_req_t *req)
{
    return bus_req_header(req, BUS_HDR_USER);
}

const char *bus_req_role(const bus_req_t *req)
{
    return bus_req_header(req, BUS_HDR_ROLE);
}

const char *bus_req_id(const bus_req_t *req)
{
    return bus_req_header(req, BUS_HDR_REQUEST_ID);
}

const ProtobufCMethodDescriptor *bus_req_method(const bus_req_t *req)
{
    return req->method >= 0 ? &req->bus->desc->methods[req->method] : NULL;
}

const void *bus_req_data(const bus_req_t *req, size_t *len)
{
    *len = (size_t)natsMsg_GetDataLength(req->msg);
    return natsMsg_GetData(req->msg);
}

status_t bus_req_decode(bus_req_t *req, ProtobufCMessage **out)
{
    const ProtobufCMethodDescriptor *m = bus_req_method(req);
    size_t len;
    const void *data = bus_req_data(req, &len);
    ProtobufCMessage *msg = protobuf_c_message_unpack(m->input, NULL, len, data);
    if (!msg) {
        bus_req_fail(req, "malformed %s", m->input->name);
        return ST_INVALID;
    }
    *out = msg;
    return ST_OK;
}

void bus_req_fail(bus_req_t *req, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(req->errmsg);
    req->errmsg = buf_steal(&b);
}

void bus_req_reply_header(bus_req_t *req, const char *name, const char *value)
{
    if (req->nhdrs == MAX_REPLY_HEADERS) {
        LOG_ERROR("bus: too many reply headers");
        return;
    }
    req->hdr_names[req->nhdrs] = xstrdup(name);
    req->hdr_values[req->nhdrs++] = xstrdup(value);
}

/* Sends the reply: data (len bytes, may be NULL) on ST_OK, otherwise the error headers. */
static void reply_send(bus_req_t *req, status_t st, const void *data, size_t len)
{
    const char *reply = natsMsg_GetReply(req->msg);
    natsMsg *out = NULL;

    if (req->replied) {
        LOG_ERROR("bus: second reply to %s ignored", natsMsg_GetSubject(req->msg));
        return;
    }
    req->replied = true;
    req->status = st;
    if (!reply || !*reply)
        return;
    if (st != ST_OK)
        data = NULL, len = 0;
    if (natsMsg_Create(&out, reply, NULL, (const char *)data, (int)len) != NATS_OK)
        return;
    if (st != ST_OK) {
        char code[8];
        snprintf(code, sizeof code, "%d", status_http(st));
        natsMsgHeader_Set(out, BUS_HDR_ERR_CODE, code);
        natsMsgHeader_Set(out, BUS_HDR_ERR, req->errmsg ? req->errmsg : status_str(st));
    }
    for (int i = 0; i < req->nhdrs; i++)
        natsMsgHeader_Set(out, req->hdr_names[i], req->hdr_values[i]);
    natsStatus ns = natsConnection_PublishMsg(req->bus->nc, out);
    if (ns != NATS_OK) {
        log_ctx_t ctx = {.request_id = bus_req_id(req), .subject = natsMsg_GetSubject(req->msg)};
        LOG_CTX_ERROR(&ctx, "bus: reply lost: %s", natsStatus_GetText(ns));
    }
    natsMsg_Destroy(out);
}

void bus_reply(bus_req_t *req, status_t st, const ProtobufCMessage *msg)
{
    uint8_t stackbuf[4096];
    uint8_t *data = NULL;
    size_t len = 0;

    if (st == ST_OK && msg && !req->replied) {
        len = protobuf_c_message_get_packed_size(msg);
        data = len <= sizeof stackbuf ? stackbuf : xmalloc(len);
        protobuf_c_message_pack(msg, data);
    }
    reply_send(req, st, data, len);
    if (data != stackbuf)
        free(data);
}

void bus_reply_packed(bus_req_t *req, const void *data, size_t len)
{
    reply_send(req, ST_OK, data, len);
}

/* ---- calling ------------------------------------------------------------------------------ */

void bus_ctx_from_req(const bus_req_t *req, bus_ctx_t *ctx)
{
    ctx->org_id = bus_req_org(req);
    ctx->user_id = bus_req_user(req);
    ctx->role = bus_req_role(req);
    ctx->request_id = bus_req_id(req);
    ctx->extra = NULL;
}

static void set_ctx_headers(natsMsg *m, const bus_ctx_t *ctx, int timeout_ms)
{
    char deadline[24];
    snprintf(deadline, sizeof deadline, "%lld", (long long)(time_now_ms() + timeout_ms));
    natsMsgHeader_Set(m, BUS_HDR_DEADLINE, deadline);
    if (!ctx)
        return;
    if (ctx->org_id)
        natsMsgHeader_Set(m, BUS_HDR_ORG, ctx->org_id);
    if (ctx->user_id)
        natsMsgHeader_Set(m, BUS_HDR_USER, ctx->user_id);
    if (ctx->role)
        natsMsgHeader_Set(m, BUS_HDR_ROLE, ctx->role);
    if (ctx->request_id)
        natsMsgHeader_Set(m, BUS_HDR_REQUEST_ID, ctx->request_id);
    for (const char *const *h = ctx->extra; h && h[0] && h[1]; h += 2)
        natsMsgHeader_Set(m, h[0], h[1]);
}

status_t bus_reply_status(natsMsg *msg, const char **errmsg)
{
    const char *code = NULL, *text = NULL;
    if (natsMsg_IsNoResponders(msg)) {
        if (errmsg)
            *errmsg = "service unavailable";
        return ST_UNAVAILABLE;
    }
    if (natsMsgHeader_Get(msg, BUS_HDR_ERR_CODE, &code) != NATS_OK || !code)
        return ST_OK;
    natsMsgHeader_Get(msg, BUS_HDR_ERR, &text);
    if (errmsg)
        *errmsg = text ? text : "";
    status_t st = status_from_http(atoi(code));
    return st == ST_OK ? ST_INTERNAL : st;
}

status_t bus_call(bus_t *bus, const char *subject, const bus_ctx_t *ctx, const ProtobufCMessage *in,
                  const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out, char *errmsg,
                  size_t errlen, int timeout_ms)
{
    natsMsg *req = NULL, *rep = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    status_t st;
    const char *text = NULL;
    int64_t start_us = 0;

    if (timeout_ms <= 0)
        timeout_ms = BUS_DEFAULT_TIMEOUT_MS;
    if (in) {
        len = protobuf_c_message_get_packed_size(in);
        data = xmalloc(len);
        protobuf_c_message_pack(in, data);
    }
    if ((st = from_nats(natsMsg_Create(&req, subject, NULL, (const char *)data, (int)len))))
        goto done;
    set_ctx_headers(req, ctx, timeout_ms);
    start_us = time_mono_us();
    if ((st = from_nats(natsConnection_RequestMsg(&rep, bus->nc, req, timeout_ms)))) {
        text = st == ST_TIMEOUT ? "deadline exceeded" : "service unavailable";
        goto done;
    }
    if ((st = bus_reply_status(rep, &text)))
        goto done;
    if (out_desc && out) {
        *out = protobuf_c_message_unpack(out_desc, NULL, (size_t)natsMsg_GetDataLength(rep),
                                         (const uint8_t *)natsMsg_GetData(rep));
        if (!*out) {
            text = "malformed reply";
            st = ST_INTERNAL;
        }
    }
done:
    if (start_us)
        observe_call(subject, st, start_us);
    if (st && errmsg && errlen)
        snprintf(errmsg, errlen, "%s", text ? text : status_str(st));
    natsMsg_Destroy(req);
    natsMsg_Destroy(rep);
    free(data);
    return st;
}

/* ---- asynchronous calls ------------------------------------------------------------------- */

static pending_t *pending_take(bus_t *bus, uint64_t seq)
{
    pending_t **pp = &bus->pending[seq % PENDING_BUCKETS];
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->seq == seq) {
            pending_t *p = *pp;
            *pp = p->next;
            bus->npending--;
            return p;
        }
    }
    return NULL;
}

static void on_async_reply(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    bus_t *bus = closure;
    const char *subj = natsMsg_GetSubject(msg);
    const char *dot = strrchr(subj, '.');
    uint64_t seq = dot ? strtoull(dot + 1, NULL, 10) : 0;

    pthread_mutex_lock(&bus->amu);
    pending_t *p = pending_take(bus, seq);
    pthread_mutex_unlock(&bus->amu);
    if (!p) { /* late reply after a timeout */
        natsMsg_Destroy(msg);
        return;
    }
    const char *errmsg = NULL;
    status_t st = bus_reply_status(msg, &errmsg);
    observe_call(p->subject, st, p->start_us);
    if (st == ST_UNAVAILABLE && natsMsg_IsNoResponders(msg)) {
        natsMsg_Destroy(msg);
        p->cb(p->arg, ST_UNAVAILABLE, "service unavailable", NULL);
    } else {
        p->cb(p->arg, st, errmsg, msg);
    }
    free(p->subject);
    free(p);
}

static void *timer_main(void *arg)
{
    bus_t *bus = arg;
    pthread_mutex_lock(&bus->amu);
    while (!bus->timer_stop) {
        int64_t now = time_mono_us();
        pending_t *expired = NULL;
        for (int b = 0; b < PENDING_BUCKETS && bus->npending; b++) {
            pending_t **pp = &bus->pending[b];
            while (*pp) {
                pending_t *p = *pp;
                if (p->deadline_us <= now || bus->timer_stop) {
                    *pp = p->next;
                    bus->npending--;
                    p->next = expired;
                    expired = p;
                } else {
                    pp = &p->next;
                }
            }
        }
        pthread_mutex_unlock(&bus->amu);
        while (expired) {
            pending_t *p = expired;
            expired = p->next;
            observe_call(p->subject, ST_TIMEOUT, p->start_us);
            p->cb(p->arg, ST_TIMEOUT, "deadline exceeded", NULL);
            free(p->subject);
            free(p);
        }
        pthread_mutex_lock(&bus->amu);
        if (bus->timer_stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TIMER_TICK_US * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&bus->acv, &bus->amu, &ts);
    }
    pthread_mutex_unlock(&bus->amu);
    return NULL;
}

static status_t async_init(bus_t *bus)
{
    natsInbox *inbox = NULL;
    char wildcard[80];
    if (natsInbox_Create(&inbox) != NATS_OK)
        return ST_INTERNAL;
    snprintf(bus->inbox, sizeof bus->inbox, "%s", (const char *)inbox);
    natsInbox_Destroy(inbox);
    snprintf(wildcard, sizeof wildcard, "%s.*", bus->inbox);
    natsStatus ns =
        natsConnection_Subscribe(&bus->inbox_sub, bus->nc, wildcard, on_async_reply, bus);
    if (ns != NATS_OK)
        return from_nats(ns);
    natsSubscription_SetPendingLimits(bus->inbox_sub, -1, 512 * 1024 * 1024);
    pthread_create(&bus->timer, NULL, timer_main, bus);
    bus->timer_running = true;
    return ST_OK;
}

status_t bus_call_async(bus_t *bus, const char *subject, const bus_ctx_t *ctx, const void *data,
                        size_t len, int timeout_ms, bus_async_cb cb, void *arg)
{
    natsMsg *m = NULL;
    char reply[96];
    status_t st = ST_OK;

    if (timeout_ms <= 0)
        timeout_ms = BUS_DEFAULT_TIMEOUT_MS;
    pthread_mutex_lock(&bus->amu);
    if (!bus->inbox_sub)
        st = async_init(bus);
    uint64_t seq = ++bus->next_seq;
    if (!st) {
        pending_t *p = xmalloc(sizeof *p);
        int64_t now = time_mono_us();
        *p = (pending_t){seq, now + (int64_t)timeout_ms * 1000,   now, xstrdup(subject), cb,
                         arg, bus->pending[seq % PENDING_BUCKETS]};
        bus->pending[seq % PENDING_BUCKETS] = p;
        bus->npending++;
    }
    pthread_mutex_unlock(&bus->amu);
    if (st)
        return st;

    snprintf(reply, sizeof reply, "%s.%llu", bus->inbox, (unsigned long long)seq);
    st = from_nats(natsMsg_Create(&m, subject, reply, (const char *)data, (int)len));
    if (!st) {
        set_ctx_headers(m, ctx, timeout_ms);
        st = from_nats(natsConnection_PublishMsg(bus->nc, m));
    }
    natsMsg_Destroy(m);
    if (st) {
        /* Not sent: withdraw the pending entry unless a racing reply already took it. */
        pthread_mutex_lock(&bus->amu);
        pending_t *p = pending_take(bus, seq);
        pthread_mutex_unlock(&bus->amu);
        if (!p)
            return ST_OK; /* callback already ran or will run */
        observe_call(p->subject, st, p->start_us);
        free(p->subject);
        free(p);
    }
    return st;
}

typedef struct plain_sub {
    natsSubscription *sub;
    bus_msg_fn fn;
    void *arg;
    struct plain_sub *next;
} plain_sub_t;

static void on_plain(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    plain_sub_t *p = closure;
    p->fn(p->arg, natsMsg_GetSubject(msg), natsMsg_GetData(msg),
          (size_t)natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

status_t bus_subscribe(bus_t *bus, const char *subject, bus_msg_fn fn, void *arg)
{
    plain_sub_t *p = xcalloc(1, sizeof *p);
    p->fn = fn;
    p->arg = arg;
    natsStatus ns = natsConnection_Subscribe(&p->sub, bus->nc, subject, on_plain, p);
    if (ns != NATS_OK) {
        LOG_ERROR("bus: cannot subscribe to %s: %s", subject, natsStatus_GetText(ns));
        free(p);
        return from_nats(ns);
    }
    p->next = bus->plain;
    bus->plain = p;
    return from_nats(natsConnection_Flush(bus->nc));
}

status_t bus_publish(bus_t *bus, const char *subject, const void *data, size_t len)
{
    return from_nats(natsConnection_Publish(bus->nc, subject, data, (int)len));
}

/* ---- JetStream ------------------------------------------------------------------------------ */

status_t bus_js_ensure_stream(bus_t *bus, const char *stream, const char *subjects)
{
    return bus_js_ensure_stream_limits(bus, stream, subjects, NULL);
}

status_t bus_js_ensure_stream_limits(bus_t *bus, const char *stream, const char *subjects,
                                     const bus_js_limits_t *limits)
{
    jsStreamConfig cfg;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    char *copy = xstrdup(subjects), *save = NULL;
    const char *list[16];
    int n = 0;

    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == (int)ARRAY_LEN(list)) {
            LOG_ERROR("bus: stream %s: more than %zu subjects", stream, ARRAY_LEN(list));
            free(copy);
            return ST_INVALID;
        }
        list[n++] = t;
    }
    jsStreamConfig_Init(&cfg);
    cfg.Name = stream;
    cfg.Subjects = list;
    cfg.SubjectsLen = n;
    cfg.Storage = js_FileStorage;
    if (limits && limits->replicas > 0)
        cfg.Replicas = limits->replicas;
    if (limits && limits->max_age_s > 0)
        cfg.MaxAge = (limits->max_age_s < INT64_MAX / 1000000000LL ? limits->max_age_s
                                                                   : INT64_MAX / 1000000000LL) *
                     1000000000LL; /* nanoseconds */
    if (limits && limits->max_bytes > 0)
        cfg.MaxBytes = limits->max_bytes;
    if (limits && limits->work_queue)
        cfg.Retention = js_WorkQueuePolicy;
    natsStatus ns = js_AddStream(&si, bus->js, &cfg, NULL, &jerr);
    if (ns != NATS_OK && jerr == JSStreamNameExistErr)
        ns = js_UpdateStream(&si, bus->js, &cfg, NULL, &jerr);
    if (ns != NATS_OK)
        LOG_ERROR("bus: cannot create stream %s: %s (%d)", stream, natsStatus_GetText(ns),
                  (int)jerr);
    jsStreamInfo_Destroy(si);
    free(copy);
    return from_nats(ns);
}

status_t bus_js_publish(bus_t *bus, const char *subject, const char *msg_id, const void *data,
                        size_t len)
{
    jsPubOptions po;
    jsPubAck *ack = NULL;
    jsErrCode jerr = 0;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id;
    po.MaxWait = 5000;
    natsStatus ns = js_Publish(&ack, bus->js, subject, data, (int)len, &po, &jerr);
    jsPubAck_Destroy(ack);
    return from_nats(ns);
}

typedef struct bus_js_consumer {
    bus_t *bus;
    natsSubscription *sub;
    char *name, *stream;
    metrics_series_t *pending, *ack_pending; /* its lag, refreshed every JS_INFO_EVERY_US */
    int64_t next_info_us;
    int max_deliver, fetch;
    bus_js_handler_fn fn;
    void *ctx;
    pthread_t thread;
    atomic_bool stop;
    bool joined; /* bus_js_consumer_stop ran */
    struct bus_js_consumer *next;
} consumer_t;

static void consume_one(consumer_t *c, natsMsg *msg)
{
    jsMsgMetaData *meta = NULL;
    int delivery = 1;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK && meta)
        delivery = (int)meta->NumDelivered;
    jsMsgMetaData_Destroy(meta);

    status_t st = c->fn(c->ctx, msg, delivery);
    log_ctx_t ctx = {.subject = natsMsg_GetSubject(msg)};
    if (st == ST_OK) {
        natsMsg_Ack(msg, NULL);
    } else if (st == ST_INVALID || delivery >= c->max_deliver) {
        LOG_CTX_ERROR(&ctx, "bus: %s gives up on a message after %d deliveries: %s", c->name,
                      delivery, status_str(st));
        natsMsg_Term(msg, NULL);
    } else {
        int64_t delay = 250LL << (delivery < 8 ? delivery : 8); /* 0.5 s .. 64 s */
        LOG_CTX_WARN(&ctx, "bus: %s will retry a message (%s, delivery %d)", c->name,
                     status_str(st), delivery);
        natsMsg_NakWithDelay(msg, delay, NULL);
    }
}

/* The consumer's lag from its info on the server: one round trip, every few seconds. */
static void consumer_refresh_lag(consumer_t *c)
{
    jsConsumerInfo *ci = NULL;
    if (time_mono_us() < c->next_info_us)
        return;
    c->next_info_us = time_mono_us() + JS_INFO_EVERY_US;
    /* By name: cnats answers "invalid subscription" for a pull subscription bound to an
     * existing consumer. A failure leaves the last value (the fetch loop logs outages). */
    if (js_GetConsumerInfo(&ci, c->bus->js, c->stream, c->name, NULL, NULL) == NATS_OK && ci) {
        metrics_set(c->pending, (double)ci->NumPending);
        metrics_set(c->ack_pending, (double)ci->NumAckPending);
    }
    jsConsumerInfo_Destroy(ci);
}

static void *consumer_main(void *arg)
{
    consumer_t *c = arg;
    while (!atomic_load(&c->stop)) {
        consumer_refresh_lag(c);
        natsMsgList list = {0};
        natsStatus ns = natsSubscription_Fetch(&list, c->sub, c->fetch, 1000, NULL);
        if (ns == NATS_OK) {
            for (int i = 0; i < list.Count; i++) {
                if (atomic_load(&c->stop))
                    natsMsg_Nak(list.Msgs[i], NULL); /* stopping: another takes it at once */
                else
                    consume_one(c, list.Msgs[i]);
            }
        } else if (ns != NATS_TIMEOUT && !atomic_load(&c->stop)) {
            LOG_WARN("bus: %s fetch failed: %s", c->name, natsStatus_GetText(ns));
            nats_Sleep(500);
        }
        natsMsgList_Destroy(&list);
    }
    return NULL;
}

status_t bus_js_consume(bus_t *bus, const char *stream, const char *durable, const char *filter,
                        int max_deliver, bus_js_handler_fn fn, void *ctx)
{
    bus_js_consumer_opts_t opts = {.max_deliver = max_deliver};
    return bus_js_consume_opts(bus, stream, durable, filter, &opts, fn, ctx, NULL);
}

status_t bus_js_consume_opts(bus_t *bus, const char *stream, const char *durable,
                             const char *filter, const bus_js_consumer_opts_t *opts,
                             bus_js_handler_fn fn, void *ctx, bus_js_consumer_t **out)
{
    jsOptions jo;
    jsSubOptions so;
    jsConsumerConfig cc;
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    consumer_t *c = xcalloc(1, sizeof *c);
    int ack_wait_ms = opts->ack_wait_ms > 0 ? opts->ack_wait_ms : 30000;

    /* The consumer is created explicitly (not by the subscribe call) so that stopping this
     * process never deletes it: its position must survive restarts. */
    jsOptions_Init(&jo);
    jsConsumerConfig_Init(&cc);
    cc.Durable = durable;
    cc.FilterSubject = filter;
    cc.AckPolicy = js_AckExplicit;
    cc.MaxDeliver = opts->max_deliver > 0 ? opts->max_deliver : 10;
    cc.AckWait = (int64_t)ack_wait_ms * 1000 * 1000; /* ns: the handler's time before redelivery */
    natsStatus ns = js_AddConsumer(&ci, bus->js, stream, &cc, &jo, &jerr);
    if (ns != NATS_OK) {
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
        ns = js_UpdateConsumer(&ci, bus->js, stream, &cc, &jo, &jerr);
    }
    jsConsumerInfo_Destroy(ci);
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Consumer = durable;
    if (ns == NATS_OK)
        ns = js_PullSubscribe(&c->sub, bus->js, filter, durable, &jo, &so, &jerr);
    if (ns != NATS_OK) {
        LOG_ERROR("bus: cannot consume %s from %s as %s: %s (%d)", filter, stream, durable,
                  natsStatus_GetText(ns), (int)jerr);
        free(c);
        return from_nats(ns);
    }
    c->bus = bus;
    c->name = xstrdup(durable);
    c->stream = xstrdup(stream);
    c->pending = METRICS_GET(m_js_pending, stream, durable);
    c->ack_pending = METRICS_GET(m_js_ack_pending, stream, durable);
    c->max_deliver = (int)cc.MaxDeliver;
    c->fetch = opts->fetch > 0 ? (opts->fetch < 256 ? opts->fetch : 256) : 32;
    c->fn = fn;
    c->ctx = ctx;
    pthread_create(&c->thread, NULL, consumer_main, c);
    c->next = bus->consumers;
    bus->consumers = c;
    if (out)
        *out = c;
    return ST_OK;
}

void bus_js_consumer_stop(bus_js_consumer_t *c)
{
    if (!c || c->joined)
        return;
    atomic_store(&c->stop, true);
    pthread_join(c->thread, NULL); /* a fetch returns within its 1 s wait */
    c->joined = true;
}

status_t bus_js_in_progress(natsMsg *msg)
{
    return from_nats(natsMsg_InProgress(msg, NULL));
}

/* ---- teardown ------------------------------------------------------------------------------- */

void bus_free(bus_t *bus)
{
    if (!bus)
        return;
    readiness_remove(bus_ready, bus);
    while (bus->plain) {
        plain_sub_t *p = bus->plain;
        bus->plain = p->next;
        /* Drain waits for a callback in progress: p must outlive it. */
        if (natsSubscription_Drain(p->sub) == NATS_OK)
            natsSubscription_WaitForDrainCompletion(p->sub, 5000);
        natsSubscription_Destroy(p->sub);
        free(p);
    }
    while (bus->consumers) {
        consumer_t *c = bus->consumers;
        bus->consumers = c->next;
        bus_js_consumer_stop(c);
        natsSubscription_Destroy(c->sub); /* not Unsubscribe: the durable consumer stays */
        free(c->name);
        free(c->stream);
        free(c);
    }
    if (bus->sub) {
        /* Stop taking new requests but answer the ones already delivered to us. */
        bus->drain_deadline_us = time_mono_us() + 5 * 1000000;
        atomic_store(&bus->stopping, true);
        natsSubscription_Drain(bus->sub);
        for (int i = 0; i < bus->nworkers; i++)
            pthread_join(bus->workers[i], NULL);
        natsSubscription_Destroy(bus->sub);
    }
    if (bus->inbox_sub) {
        /* As for plain subscriptions: a reply callback in progress uses bus. */
        if (natsSubscription_Drain(bus->inbox_sub) == NATS_OK)
            natsSubscription_WaitForDrainCompletion(bus->inbox_sub, 5000);
        natsSubscription_Destroy(bus->inbox_sub);
    }
    if (bus->timer_running) {
        pthread_mutex_lock(&bus->amu);
        bus->timer_stop = true;
        pthread_cond_signal(&bus->acv);
        pthread_mutex_unlock(&bus->amu);
        pthread_join(bus->timer, NULL);
    }
    /* Anything still pending gets its one callback. */
    for (int b = 0; b < PENDING_BUCKETS; b++) {
        while (bus->pending[b]) {
            pending_t *p = bus->pending[b];
            bus->pending[b] = p->next;
            p->cb(p->arg, ST_UNAVAILABLE, "shutting down", NULL);
            free(p->subject);
            free(p);
        }
    }
    jsCtx_Destroy(bus->js);
    atomic_fetch_add(&closing, 1);
    if (bus->nc) {
        natsConnection_Close(bus->nc);
        natsConnection_Destroy(bus->nc);
    }
    for (unsigned i = 0; bus->method_names && i < bus->desc->n_methods; i++)
        free(bus->method_names[i]);
    free(bus->method_names);
    free(bus->workers);
    free(bus->fns);
    free(bus->name);
    pthread_mutex_destroy(&bus->amu);
    pthread_cond_destroy(&bus->acv);
    free(bus);
}
