/* healthsrv.c - /healthz, /readyz and /metrics on HEALTH_PORT with libmicrohttpd (see
 * healthsrv.h). Answers are built in full and handed over; nothing here touches the bus or the
 * database except through the readiness checks those parts registered. */
#include "shared/healthsrv.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/config.h"
#include "shared/log.h"
#include "shared/metrics.h"
#include "shared/readiness.h"
#include "shared/util.h"

#define HEALTHSRV_THREADS   2
#define HEALTHSRV_MAX_CONNS 64
#define HEALTHSRV_IDLE_SECS 10

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct MHD_Daemon *daemon_;
static int port_;
static bool exit_hooked;

/* libmicrohttpd's own messages become JSON log lines. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    LOG_WARN("healthsrv: %s", msg);
}

/* Hands body (heap, taken) to libmicrohttpd with status and content type. */
static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *ctype,
                              buf_t *body)
{
    size_t len = body->len;
    char *data = buf_steal(body);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result answer_error(struct MHD_Connection *conn, status_t st, const char *message)
{
    char id[37];
    buf_t b = BUF_INIT;
    uuid_new(id);
    buf_printf(&b, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"request_id\":\"%s\"}}",
               status_str(st), message, id);
    return answer(conn, (unsigned)status_http(st), "application/json", &b);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    buf_t b = BUF_INIT;
    (void)cls;
    (void)version;
    (void)upload;

    if (*upload_size) { /* a body nobody asked for: drop it */
        *upload_size = 0;
        return MHD_YES;
    }
    (void)req_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return answer_error(conn, ST_METHOD, "only GET is served here");
    if (strcmp(url, "/healthz") == 0) {
        buf_puts(&b, "{\"status\":\"ok\"}");
        return answer(conn, MHD_HTTP_OK, "application/json", &b);
    }
    if (strcmp(url, "/readyz") == 0) {
        buf_t checks = BUF_INIT;
        bool ready = readiness_check(&checks);
        buf_printf(&b, "{\"status\":\"%s\",\"checks\":%s}", ready ? "ready" : "unavailable",
                   checks.data);
        buf_cleanup(&checks);
        return answer(conn, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
                      &b);
    }
    if (strcmp(url, "/metrics") == 0) {
        metrics_expose(NULL, &b);
        return answer(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, &b);
    }
    return answer_error(conn, ST_NOT_FOUND, "no such path: /healthz, /readyz and /metrics are");
}

status_t healthsrv_start(const char *service)
{
    int64_t port;
    status_t st;

    if ((st = config_int("HEALTH_PORT", HEALTHSRV_DEFAULT_PORT, 0, 65535, &port)))
        return st;
    metrics_set_const_label(NULL, "service", service);
    metrics_process_register();
    if (port == 0) {
        LOG_INFO("healthsrv: off (HEALTH_PORT=0)");
        return ST_OK;
    }
    pthread_mutex_lock(&mu);
    if (!daemon_) {
        /* The logger first, or libmicrohttpd complains through its own stderr logger. */
        daemon_ = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port,
                                   NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER,
                                   on_mhd_log, NULL, MHD_OPTION_THREAD_POOL_SIZE,
                                   (unsigned)HEALTHSRV_THREADS, MHD_OPTION_CONNECTION_LIMIT,
                                   (unsigned)HEALTHSRV_MAX_CONNS, MHD_OPTION_CONNECTION_TIMEOUT,
                                   (unsigned)HEALTHSRV_IDLE_SECS, MHD_OPTION_END);
        if (daemon_) {
            port_ = (int)port;
            if (!exit_hooked)
                atexit(healthsrv_stop);
            exit_hooked = true;
        }
    }
    bool ok = daemon_ != NULL;
    pthread_mutex_unlock(&mu);
    if (!ok) {
        LOG_ERROR("healthsrv: cannot listen on HEALTH_PORT %lld (in use? set HEALTH_PORT, 0 "
                  "turns it off)",
                  (long long)port);
        return ST_UNAVAILABLE;
    }
    LOG_INFO("healthsrv: /healthz /readyz /metrics on port %lld", (long long)port);
    return ST_OK;
}

int healthsrv_port(void)
{
    pthread_mutex_lock(&mu);
    int p = port_;
    pthread_mutex_unlock(&mu);
    return p;
}

void healthsrv_stop(void)
{
    pthread_mutex_lock(&mu);
    struct MHD_Daemon *d = daemon_;
    daemon_ = NULL;
    port_ = 0;
    pthread_mutex_unlock(&mu);
    if (d)
        MHD_stop_daemon(d);
}
