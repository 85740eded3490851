/* main.c - the edge: configuration, the bus connection and its subscriptions (notifications,
 * revocations), the libwebsockets context, the service loop and a clean shutdown. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
#include "shared/config.h"
#include "shared/crypto.h"
#include "shared/healthsrv.h"
#include "shared/log.h"

edge_t edge;

static const struct lws_protocols protocols[] = {
    {"http", edge_callback, sizeof(pss_t), 65536, 0, NULL, 0},
    {"nats", natsloop_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(int sig)
{
    (void)sig;
    edge.stopping = true;
    if (edge.ctx)
        lws_cancel_service(edge.ctx);
}

static atomic_bool bus_closed;

static void *close_bus(void *bus)
{
    bus_free(bus);
    atomic_store(&bus_closed, true);
    lws_cancel_service(edge.ctx);
    return NULL;
}

static void on_bus_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    cq_item_t *item = xcalloc(1, sizeof *item);
    item->kind = (cq_kind_t)(uintptr_t)closure;
    item->msg = msg;
    cq_push(item);
}

static status_t load_config(edge_config_t *c)
{
    int64_t port, max_body, max_upload, timeout, ttl, head, uri, fields, hops, gzip_min;
    status_t st;
    if ((st = config_int("EDGE_PORT", 8080, 1, 65535, &port)) ||
        (st = config_int("EDGE_MAX_BODY", 2 * 1024 * 1024, 1024, 1LL << 30, &max_body)) ||
        (st = config_int("EDGE_MAX_UPLOAD", 64LL * 1024 * 1024, 1024, 1LL << 40, &max_upload)) ||
        (st = config_int("EDGE_TIMEOUT_MS", 10000, 100, 600000, &timeout)) ||
        (st = config_int("EDGE_AUTH_CACHE_SECONDS", 10, 0, 3600, &ttl)) ||
        (st = config_bool("EDGE_COOKIE_SECURE", false, &c->cookie_secure)) ||
        (st = config_int("EDGE_MAX_HEADER_BYTES", 16384, 1024, 60000, &head)) ||
        (st = config_int("EDGE_MAX_URI_BYTES", 8192, 256, 60000, &uri)) ||
        (st = config_int("EDGE_MAX_HEADERS", 100, 8, 1000, &fields)) ||
        (st = config_int("EDGE_TRUSTED_HOPS", 0, 0, 16, &hops)) ||
        (st = config_int("EDGE_GZIP_MIN_BYTES", 1024, 0, 1LL << 30, &gzip_min)))
        return st;
    c->limits = (h1_limits_t){.max_head = (size_t)head,
                              .max_uri = (size_t)uri < (size_t)head ? (size_t)uri : (size_t)head,
                              .max_fields = (int)fields};
    c->trusted_hops = (int)hops;
    c->keepalive_s = 60;
    c->io_timeout_s = 30;
    c->port = (int)port;
    c->max_body = max_body;
    c->max_upload = max_upload;
    c->timeout_ms = (int)timeout;
    c->auth_cache_ttl_s = (int)ttl;
    c->gzip_min_bytes = gzip_min;
    c->host = config_str("EDGE_HOST", "0.0.0.0");
    c->static_dir = config_str("EDGE_STATIC_DIR", "web/dist");
    c->public_url = config_str("PUBLIC_URL", NULL);
    c->allowed_origins = config_str("EDGE_ALLOWED_ORIGINS", "");
    c->cors_origins = config_str("EDGE_CORS_ORIGINS", "");
    return ST_OK;
}

static status_t subscribe(const char *subject, cq_kind_t kind, natsSubscription **sub)
{
    natsStatus ns = natsConnection_Subscribe(sub, bus_nats(edge.bus), subject, on_bus_msg,
                                             (void *)(uintptr_t)kind);
    if (ns != NATS_OK) {
        LOG_ERROR("edge: cannot subscribe to %s: %s", subject, natsStatus_GetText(ns));
        return ST_UNAVAILABLE;
    }
    natsSubscription_SetPendingLimits(*sub, -1, 64 * 1024 * 1024);
    return ST_OK;
}

/* edge --print-openapi: the document on stdout, without configuration, bus or network (the
 * build's OpenAPI check, tests/openapi, validates it and compiles a client generated from it). */
static int print_openapi(void)
{
    buf_t doc = BUF_INIT;
    routes_init();
    openapi_build(&doc);
    bool ok = fwrite(doc.data, 1, doc.len, stdout) == doc.len && fflush(stdout) == 0;
    buf_cleanup(&doc);
    return ok ? 0 : 1;
}

/* The listening vhost: accepted sockets stay raw, HTTP/1.1 is parsed by http.c. The context's
 * own "default" vhost does not listen: it holds the NATS socket and the WebSockets that http.c
 * hands over after an upgrade request. */
static bool listen_http(const struct lws_context_creation_info *base)
{
    struct lws_context_creation_info vi = *base;
    vi.vhost_name = "edge";
    vi.port = edge.cfg.port;
    vi.iface = strcmp(edge.cfg.host, "0.0.0.0") == 0 ? NULL : edge.cfg.host;
    vi.options = LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG |
                 LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    vi.listen_accept_role = "raw-skt";
    vi.listen_accept_protocol = "http";
    return lws_create_vhost(edge.ctx, &vi) != NULL;
}

int main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    int rc = 1;

    log_init("edge", config_str("LOG_LEVEL", "info"));
    if (argc == 2 && strcmp(argv[1], "--print-openapi") == 0)
        return print_openapi();
    edge_lws_log_init();
    if (crypto_init() || load_config(&edge.cfg))
        return 2;
    routes_init();
    openapi_build(&edge.openapi);
    edge_security_init();
    edge.loop_thread = pthread_self();

    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    /* lws parses a handed-over upgrade request again: room for any head http.c accepted */
    info.max_http_header_data = (unsigned short)(edge.cfg.limits.max_head + 1024);
    info.keepalive_timeout = 60;
    info.timeout_secs = 30;
    info.fd_limit_per_thread = 0;
    edge.ctx = lws_create_context(&info);
    if (!edge.ctx || !listen_http(&info)) {
        LOG_ERROR("edge: cannot listen on %s:%d (is the port in use? set EDGE_PORT)", edge.cfg.host,
                  edge.cfg.port);
        goto done;
    }
    /* The bus's socket is polled by this loop (natsloop.c): connect once the loop exists. */
    if (bus_connect_loop("edge", config_str("NATS_URL", "nats://127.0.0.1:4222"), 30000,
                         &natsloop_hooks, &edge.bus))
        goto done;
    if (subscribe(SUBJ_NOTIFY_USER_ALL, CQ_NOTIFY, &edge.notify_user_sub) ||
        subscribe(SUBJ_NOTIFY_ORG_ALL, CQ_NOTIFY, &edge.notify_org_sub) ||
        subscribe(SUBJ_AUTH_REVOKED, CQ_REVOKE, &edge.revoke_sub) || healthsrv_start("edge"))
        goto done;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    LOG_INFO("edge: listening on http://%s:%d", edge.cfg.host, edge.cfg.port);
    while (!edge.stopping)
        if (lws_service(edge.ctx, 0) < 0)
            break;
    rc = 0;
done:
    LOG_INFO("edge: stopping");
    natsSubscription_Destroy(edge.notify_user_sub);
    natsSubscription_Destroy(edge.notify_org_sub);
    natsSubscription_Destroy(edge.revoke_sub);
    /* Closing the bus drains its subscriptions, which takes round trips to the server: the loop
     * keeps driving the socket until it is done (new calls are refused meanwhile). Pending
     * calls complete into the queue, freed below. */
    if (edge.ctx && edge.bus) {
        pthread_t closer;
        pthread_create(&closer, NULL, close_bus, edge.bus);
        while (!atomic_load(&bus_closed))
            if (lws_service(edge.ctx, 0) < 0)
                break;
        pthread_join(closer, NULL);
    } else {
        bus_free(edge.bus);
    }
    edge.bus = NULL;
    if (edge.ctx)
        lws_context_destroy(edge.ctx);
    edge.ctx = NULL;
    for (cq_item_t *item = cq_take_all(), *next; item; item = next) {
        next = item->next;
        cq_item_free(item);
    }
    authcache_clear();
    buf_cleanup(&edge.openapi);
    nats_Close();
    return rc;
}
