/* test_metrics.c - observability of the running platform: every process of the stack serves
 * /healthz, /readyz and /metrics on its own HEALTH_PORT (devstack hands them out and passes
 * HEALTH_PORT_<NAME> to tests); after some traffic the expected series have moved, and promtool
 * accepts every exposition. /readyz follows NATS going away and coming back; a JetStream
 * consumer's lag shows and is refreshed; the edge writes one JSON access-log line per request
 * whatever bytes the path holds. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/auth_helpers.h"
#include "shared/bus.h"
#include "shared/metrics.h"
#include "stack/stack.h"
#include "tests/support/harness.h"
#include "tests/support/httpc.h"
#include "tests/support/wsclient.h"

static const char *const processes[] = {"auth", "agents", "rag", "edge"};

static int health_port(const char *name)
{
    char key[64];
    size_t k = (size_t)snprintf(key, sizeof key, "HEALTH_PORT_");
    for (const char *c = name; *c; c++)
        key[k++] = (char)(*c - 'a' + 'A');
    key[k] = '\0';
    int port = atoi(harness_env(key));
    cr_assert_gt(port, 0, "%s", key);
    return port;
}

/* GET http://127.0.0.1:port<path>; the status, and the body in *body (heap) when asked. */
static long get(int port, const char *method, const char *path, char **body)
{
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    httpc_t *c = httpc_new(base);
    httpc_set_timeout(c, 5000);
    httpc_resp_t r = HTTPC_RESP_INIT;
    long status = httpc_req(c, method, path, NULL, NULL, &r) == ST_OK ? r.status : 0;
    if (body)
        *body = xstrdup(r.body.data ? r.body.data : "");
    httpc_resp_cleanup(&r);
    httpc_free(c);
    return status;
}

static char *scrape(int port)
{
    char *text = NULL;
    cr_assert_eq(get(port, "GET", "/metrics", &text), 200, "/metrics on %d", port);
    return text;
}

/* The value of one sample, series written exactly as exposed (name{labels}); -1 when absent. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static void promtool_ok(const char *name, const char *text)
{
    char path[] = "/tmp/test-metrics-XXXXXX", cmd[128], out[4096] = "";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    unlink(path);
    cr_assert_eq(rc, 0, "promtool check metrics of %s: %s", name, out);
}

/* Polls a sample of process `name` until it reaches at least want; its last value. */
static double wait_sample(const char *name, const char *series, double want, int timeout_ms)
{
    double v = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 200) {
        char *text = scrape(health_port(name));
        v = sample(text, series);
        free(text);
        if (v >= want)
            break;
        usleep(200 * 1000);
    }
    return v;
}

Test(metrics, health_endpoints_of_every_process)
{
    for (size_t i = 0; i < ARRAY_LEN(processes); i++) {
        int port = health_port(processes[i]);
        char *body = NULL;
        cr_assert_eq(get(port, "GET", "/healthz", &body), 200, "%s", processes[i]);
        cr_assert_str_eq(body, "{\"status\":\"ok\"}");
        free(body);

        cr_assert_eq(get(port, "GET", "/readyz", &body), 200, "%s: %s", processes[i], body);
        json_t *j = json_loads(body, 0, NULL);
        cr_assert_not_null(j, "%s", body);
        cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "ready");
        json_t *checks = json_object_get(j, "checks");
        bool edge = strcmp(processes[i], "edge") == 0;
        cr_assert_eq(json_array_size(checks), edge ? 1 : 2,
                     "bus, and the database but at the edge: %s", body);
        json_decref(j);
        free(body);

        cr_assert_eq(get(port, "GET", "/nope", &body), 404);
        j = json_loads(body, 0, NULL);
        cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                         "not_found", "%s", body);
        cr_assert(uuid_valid(json_string_value(
                      json_object_get(json_object_get(j, "error"), "request_id"))),
                  "%s", body);
        json_decref(j);
        free(body);
        cr_assert_eq(get(port, "POST", "/metrics", NULL), 405);
    }
}

Test(metrics, series_move_with_traffic_and_promtool_accepts_them, .timeout = 120)
{
    char series[512];
    char *before[ARRAY_LEN(processes)];
    for (size_t i = 0; i < ARRAY_LEN(processes); i++)
        before[i] = scrape(health_port(processes[i]));

    /* Traffic: a sign-up (auth), an agent (agents, and its outbox event), a knowledge-base
     * category (rag), an unknown route, a WebSocket. */
    person_t p = {0};
    person_sign_up(&p, "metrics");
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p.c, "POST", "/api/agents", "{\"name\":\"Metrics agent\"}", &r);
    expect_status(&r, 201);
    req(p.c, "POST", "/api/kb/categories", "{\"name\":\"Metrics\"}", &r);
    expect_status(&r, 201);
    req(p.c, "GET", "/api/no-such-route", NULL, &r);
    expect_status(&r, 404);
    httpc_resp_cleanup(&r);
    char *sid = httpc_cookie(p.c, "sid"), cookie[512];
    snprintf(cookie, sizeof cookie, "Cookie: sid=%s", sid ? sid : "");
    free(sid);
    int ws_status = 0;
    const char *hdrs[] = {cookie, NULL};
    wsc_t *ws = wsc_connect("127.0.0.1", atoi(harness_env("EDGE_PORT")), "/ws", hdrs, &ws_status);
    cr_assert_not_null(ws, "ws upgrade: %d", ws_status);
    char *hello = NULL;
    cr_assert_eq(wsc_recv_text(ws, 5000, &hello), ST_OK);
    free(hello);

    struct {
        const char *process, *series;
        double at_least; /* more than before by this much */
    } moved[] = {
        {"edge",
         "http_requests_total{service=\"edge\",method=\"POST\",route=\"/api/auth/register\","
         "status=\"201\"}",
         1},
        {"edge",
         "http_request_duration_seconds_count{service=\"edge\",method=\"POST\",route=\"/api/"
         "agents\",status=\"201\"}",
         1},
        {"edge",
         "http_requests_total{service=\"edge\",method=\"GET\",route=\"unmatched\",status=\"404\"}",
         1},
        {"edge",
         "bus_call_duration_seconds_count{service=\"edge\",subject=\"svc.auth.sign_up\","
         "status=\"200\"}",
         1},
        {"edge", "websocket_connections_total{service=\"edge\"}", 1},
        {"edge", "websocket_connections{service=\"edge\"}", 1},
        {"auth", "bus_requests_total{service=\"auth\",method=\"sign_up\",status=\"200\"}", 1},
        {"auth",
         "bus_request_duration_seconds_count{service=\"auth\",method=\"sign_up\",status=\"200\"}",
         1},
        {"agents", "bus_requests_total{service=\"agents\",method=\"create\",status=\"200\"}", 1},
        {"agents", "outbox_published_total{service=\"agents\",schema=\"agents\"}", 1},
        {"rag", "bus_requests_total{service=\"rag\",method=\"create_category\",status=\"200\"}", 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(moved); i++) {
        size_t k = 0;
        while (strcmp(processes[k], moved[i].process) != 0)
            k++;
        double was = sample(before[k], moved[i].series);
        if (was < 0)
            was = 0;
        /* The outbox relay publishes after the commit: give it a moment. */
        double now = wait_sample(moved[i].process, moved[i].series, was + moved[i].at_least, 10000);
        cr_assert_geq(now, was + moved[i].at_least, "%s: %s went from %g to %g", moved[i].process,
                      moved[i].series, was, now);
    }
    wsc_close(ws);
    snprintf(series, sizeof series, "websocket_connections{service=\"edge\"}");
    double open_before = sample(before[3], series) < 0 ? 0 : sample(before[3], series);
    for (int i = 0; i < 50; i++) {
        char *t = scrape(health_port("edge"));
        double v = sample(t, series);
        free(t);
        if (v <= open_before)
            break;
        usleep(100 * 1000);
    }

    /* What every process reports, and promtool's verdict on all of it. */
    static const char *const everywhere[] = {"process_resident_memory_bytes",
                                             "process_cpu_seconds_total", "process_open_fds",
                                             "process_max_fds", "process_start_time_seconds"};
    for (size_t i = 0; i < ARRAY_LEN(processes); i++) {
        char *text = scrape(health_port(processes[i]));
        for (size_t k = 0; k < ARRAY_LEN(everywhere); k++) {
            snprintf(series, sizeof series, "%s{service=\"%s\"}", everywhere[k], processes[i]);
            cr_assert_gt(sample(text, series), 0, "%s of %s", everywhere[k], processes[i]);
        }
        bool edge = strcmp(processes[i], "edge") == 0;
        snprintf(series, sizeof series, "%s{service=\"%s\"}",
                 edge ? "http_requests_in_flight" : "bus_requests_in_flight", processes[i]);
        cr_assert_geq(sample(text, series), 0, "%s", series);
        if (!edge) {
            snprintf(series, sizeof series, "db_pool_connections{service=\"%s\"}", processes[i]);
            cr_assert_gt(sample(text, series), 0, "%s", series);
            snprintf(series, sizeof series, "db_pool_connections_in_use{service=\"%s\"}",
                     processes[i]);
            cr_assert_geq(sample(text, series), 0, "%s", series);
        }
        if (strcmp(processes[i], "agents") == 0 || strcmp(processes[i], "rag") == 0) {
            snprintf(series, sizeof series, "outbox_unsent_events{service=\"%s\",schema=\"%s\"}",
                     processes[i], processes[i]);
            cr_assert_geq(sample(text, series), 0, "%s", series);
        }
        promtool_ok(processes[i], text);
        free(text);
        free(before[i]);
    }
    person_free(&p);
}

/* ---- JetStream consumer lag: a consumer made through bus_js_consume in this process ---------- */

static int handled;
static status_t count_msg(void *ctx, natsMsg *msg, int delivery)
{
    (void)ctx;
    (void)msg;
    (void)delivery;
    __atomic_add_fetch(&handled, 1, __ATOMIC_SEQ_CST);
    return ST_OK;
}

static double own_sample(const char *series)
{
    buf_t b = BUF_INIT;
    metrics_expose(NULL, &b);
    double v = sample(b.data, series);
    buf_cleanup(&b);
    return v;
}

Test(metrics, jetstream_consumer_lag, .timeout = 60)
{
    bus_t *bus = NULL;
    char id[37], stream[64], subject[64], durable[64], series[256];
    uuid_new(id);
    snprintf(stream, sizeof stream, "LAG_%.8s", id);
    snprintf(subject, sizeof subject, "lag.%.8s", id);
    snprintf(durable, sizeof durable, "lag_%.8s", id);
    cr_assert_eq(bus_connect("lagtest", harness_env("NATS_URL"), 5000, &bus), ST_OK);
    cr_assert_eq(bus_js_ensure_stream(bus, stream, subject), ST_OK);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(bus_js_publish(bus, subject, NULL, "x", 1), ST_OK);

    /* The consumer reads its lag before its first fetch: 5 waiting. */
    cr_assert_eq(bus_js_consume(bus, stream, durable, subject, 3, count_msg, NULL), ST_OK);
    for (int i = 0; i < 100 && __atomic_load_n(&handled, __ATOMIC_SEQ_CST) < 5; i++)
        usleep(50 * 1000);
    cr_assert_eq(__atomic_load_n(&handled, __ATOMIC_SEQ_CST), 5);
    snprintf(series, sizeof series,
             "bus_js_consumer_pending_messages{stream=\"%s\",consumer=\"%s\"}", stream, durable);
    double lag = own_sample(series);
    cr_assert_eq(lag, 5, "%s: %g", series, lag);

    /* Refreshed every 5 s: caught up. */
    double v = -1;
    for (int i = 0; i < 100 && (v = own_sample(series)) != 0; i++)
        usleep(100 * 1000);
    cr_assert_eq(v, 0, "lag after catching up: %g", v);
    bus_free(bus);
}

/* ---- /readyz follows the bus ------------------------------------------------------------------
 */

static pid_t start_nats(int port, const char *store)
{
    pid_t pid = harness_start_nats(port, store, 0);
    cr_assert_gt(pid, 0);
    return pid;
}

static long wait_get(int port, const char *path, long want, int timeout_ms, char **body)
{
    long got = 0;
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        free(body ? *body : NULL);
        if (body)
            *body = NULL;
        if ((got = get(port, "GET", path, body)) == want)
            break;
        usleep(100 * 1000);
    }
    return got;
}

Test(metrics, readyz_follows_nats, .timeout = 120)
{
    int nport = harness_free_port(), rag_port = harness_free_port(),
        edge_port = harness_free_port(), edge_http = harness_free_port();
    char store[] = "/tmp/test-readyz-XXXXXX";
    cr_assert_not_null(mkdtemp(store));
    pid_t nats = start_nats(nport, store);
    char e_nats[64], e_rag[32], e_edge[32], e_http[32];
    snprintf(e_nats, sizeof e_nats, "NATS_URL=nats://127.0.0.1:%d", nport);
    snprintf(e_rag, sizeof e_rag, "HEALTH_PORT=%d", rag_port);
    snprintf(e_edge, sizeof e_edge, "HEALTH_PORT=%d", edge_port);
    snprintf(e_http, sizeof e_http, "EDGE_PORT=%d", edge_http);
    pid_t rag = harness_spawn_service("rag", (const char *[]){e_nats, e_rag, NULL});
    pid_t edge = harness_spawn_service("edge", (const char *[]){e_nats, e_edge, e_http, NULL});
    cr_assert(rag > 0 && edge > 0);
    char *body = NULL;
    cr_assert_eq(wait_get(rag_port, "/readyz", 200, 30000, &body), 200, "rag: %s", body);
    cr_assert_eq(wait_get(edge_port, "/readyz", 200, 30000, &body), 200, "edge: %s", body);

    /* NATS goes: both say so, and stay alive. */
    cr_assert_geq(stack_proc_stop(nats, SIGKILL, 1000), 0);
    cr_assert_eq(wait_get(rag_port, "/readyz", 503, 10000, &body), 503, "rag: %s", body);
    cr_assert_not_null(strstr(body, "{\"name\":\"bus\",\"status\":\"disconnected from NATS\"}"),
                       "%s", body);
    cr_assert_not_null(strstr(body, "{\"name\":\"database\",\"status\":\"ok\"}"), "%s", body);
    cr_assert_eq(wait_get(edge_port, "/readyz", 503, 10000, &body), 503, "edge: %s", body);
    cr_assert_eq(get(rag_port, "GET", "/healthz", NULL), 200, "liveness does not need NATS");
    cr_assert_eq(get(edge_port, "GET", "/metrics", NULL), 200, "metrics neither");

    /* NATS comes back on the same port: ready again. */
    nats = start_nats(nport, store);
    cr_assert_eq(wait_get(rag_port, "/readyz", 200, 30000, &body), 200, "rag: %s", body);
    cr_assert_eq(wait_get(edge_port, "/readyz", 200, 30000, &body), 200, "edge: %s", body);
    free(body);

    cr_assert_eq(harness_stop(edge), 0, "edge stops cleanly");
    cr_assert_eq(harness_stop(rag), 0, "rag stops cleanly");
    stack_proc_stop(nats, SIGTERM, 5000);
    stack_rmtree(store);
}

/* ---- /readyz follows the database: PostgreSQL behind a proxy the test can cut ------------------
 */

#define PROXY_MAX 32

typedef struct {
    int listen_fd, target_port, port;
    int fds[PROXY_MAX][2]; /* client, server; -1 when free */
    atomic_bool down, stop;
    pthread_t thread;
} proxy_t;

static int connect_local(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void proxy_close_pair(proxy_t *p, int i)
{
    close(p->fds[i][0]);
    close(p->fds[i][1]);
    p->fds[i][0] = p->fds[i][1] = -1;
}

/* Accepts and forwards; while down, every connection is closed and new ones at once. */
static void *proxy_main(void *arg)
{
    proxy_t *p = arg;
    char buf[16384];
    while (!atomic_load(&p->stop)) {
        struct pollfd pfd[1 + 2 * PROXY_MAX];
        int n = 0;
        pfd[n++] = (struct pollfd){p->listen_fd, POLLIN, 0};
        for (int i = 0; i < PROXY_MAX; i++)
            for (int k = 0; k < 2; k++)
                pfd[n++] = (struct pollfd){p->fds[i][k], POLLIN, 0};
        if (poll(pfd, (nfds_t)n, 50) < 0)
            continue;
        if (atomic_load(&p->down))
            for (int i = 0; i < PROXY_MAX; i++)
                if (p->fds[i][0] >= 0)
                    proxy_close_pair(p, i);
        if (pfd[0].revents & POLLIN) {
            int c = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            int i = 0;
            while (i < PROXY_MAX && p->fds[i][0] >= 0)
                i++;
            int srv = c >= 0 && i < PROXY_MAX && !atomic_load(&p->down)
                          ? connect_local(p->target_port)
                          : -1;
            if (srv < 0) {
                if (c >= 0)
                    close(c);
            } else {
                p->fds[i][0] = c;
                p->fds[i][1] = srv;
            }
        }
        for (int i = 0; i < PROXY_MAX; i++) {
            for (int k = 0; k < 2 && p->fds[i][0] >= 0; k++) {
                if (!(pfd[1 + 2 * i + k].revents & (POLLIN | POLLHUP | POLLERR)) ||
                    pfd[1 + 2 * i + k].fd != p->fds[i][k])
                    continue;
                ssize_t got = read(p->fds[i][k], buf, sizeof buf);
                if (got <= 0 || write(p->fds[i][1 - k], buf, (size_t)got) != got)
                    proxy_close_pair(p, i);
            }
        }
    }
    return NULL;
}

static void proxy_start(proxy_t *p, int target_port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memset(p->fds, -1, sizeof p->fds);
    p->target_port = target_port;
    p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(p->listen_fd, 0);
    cr_assert_eq(bind(p->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(p->listen_fd, 16), 0);
    cr_assert_eq(getsockname(p->listen_fd, (struct sockaddr *)&a, &len), 0);
    p->port = ntohs(a.sin_port);
    pthread_create(&p->thread, NULL, proxy_main, p);
}

static void proxy_stop(proxy_t *p)
{
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    for (int i = 0; i < PROXY_MAX; i++)
        if (p->fds[i][0] >= 0)
            proxy_close_pair(p, i);
    close(p->listen_fd);
}

Test(metrics, readyz_follows_the_database, .timeout = 120)
{
    static proxy_t proxy;
    int hport = harness_free_port(), nport = harness_free_port();
    char e_db[512], e_health[32], e_nats[64], *body = NULL;
    char store[] = "/tmp/test-readyz-XXXXXX";
    /* A NATS of its own: this replica must not take the stack's rag requests while its
     * database is cut. */
    cr_assert_not_null(mkdtemp(store));
    pid_t nats = start_nats(nport, store);
    snprintf(e_nats, sizeof e_nats, "NATS_URL=nats://127.0.0.1:%d", nport);
    proxy_start(&proxy, atoi(harness_env("PG_PORT")));
    /* rag's own role (only it may use the rag schema), through the proxy's port. */
    const char *url = harness_env("DATABASE_URL_RAG"), *at = strstr(url, "@127.0.0.1:");
    cr_assert_not_null(at, "%s", url);
    snprintf(e_db, sizeof e_db, "DATABASE_URL=%.*s@127.0.0.1:%d%s", (int)(at - url), url,
             proxy.port, strchr(at + 11, '/'));
    snprintf(e_health, sizeof e_health, "HEALTH_PORT=%d", hport);
    pid_t rag = harness_spawn_service("rag", (const char *[]){e_db, e_health, e_nats, NULL});
    cr_assert_gt(rag, 0);
    cr_assert_eq(wait_get(hport, "/readyz", 200, 30000, &body), 200, "rag: %s", body);

    /* The database stops answering: 503 naming it, the bus still fine. */
    atomic_store(&proxy.down, true);
    cr_assert_eq(wait_get(hport, "/readyz", 503, 10000, &body), 503, "rag: %s", body);
    cr_assert_not_null(strstr(body, "{\"name\":\"database\",\"status\":\"database unavailable\"}"),
                       "%s", body);
    cr_assert_not_null(strstr(body, "{\"name\":\"bus\",\"status\":\"ok\"}"), "%s", body);

    /* Back: the pool reconnects, ready again. */
    atomic_store(&proxy.down, false);
    cr_assert_eq(wait_get(hport, "/readyz", 200, 30000, &body), 200, "rag: %s", body);
    free(body);
    cr_assert_eq(harness_stop(rag), 0, "rag stops cleanly");
    proxy_stop(&proxy);
    stack_proc_stop(nats, SIGTERM, 5000);
    stack_rmtree(store);
}

/* ---- the edge's access log --------------------------------------------------------------------
 */

Test(metrics, edge_access_log_is_one_json_line_per_request, .timeout = 60)
{
    int http_port = harness_free_port();
    char e_http[32], base[64];
    snprintf(e_http, sizeof e_http, "EDGE_PORT=%d", http_port);
    /* debug: lws's notices come too, and must be JSON lines like the rest */
    pid_t edge = harness_spawn_service("edge", (const char *[]){e_http, "LOG_LEVEL=debug", NULL});
    cr_assert_gt(edge, 0);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", http_port);
    cr_assert(harness_wait_ready(base, 30000));

    /* A signed-in request (organisation in the line), odd bytes in a path, a query that must
     * not be logged. */
    person_t p = {0};
    person_sign_up(&p, "accesslog");
    char *sid = httpc_cookie(p.c, "sid"), cookie[512];
    snprintf(cookie, sizeof cookie, "Cookie: sid=%s", sid);
    free(sid);
    httpc_t *c = httpc_new(base);
    httpc_resp_t r = HTTPC_RESP_INIT;
    const char *h[] = {cookie, "X-Request-Id: access-log-me", NULL};
    cr_assert_eq(httpc_req(c, "GET", "/api/auth/me", NULL, h, &r), ST_OK);
    expect_status(&r, 200);
    cr_assert_eq(httpc_req(c, "GET", "/api/x%22%5C%FFy?secret=s3cr3t", NULL, NULL, &r), ST_OK);
    expect_status(&r, 404);
    httpc_resp_cleanup(&r);
    httpc_free(c);
    cr_assert_eq(harness_stop(edge), 0);

    char *log_path = harness_log_path("edge", edge), *text = slurp(log_path);
    cr_assert_not_null(text, "%s", log_path);
    int access = 0, lws = 0;
    bool me = false, odd = false;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert_not_null(nl, "unterminated line: %s", line);
        *nl = '\0';
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        cr_assert_not_null(j, "not one JSON object (%s): %s", err.text, line);
        const char *route = json_string_value(json_object_get(j, "route"));
        lws += str_has_prefix(json_string_value(json_object_get(j, "msg")), "lws: ");
        if (route) {
            access++;
            cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "info");
            cr_assert(json_is_number(json_object_get(j, "status")), "%s", line);
            cr_assert(json_is_number(json_object_get(j, "duration_ms")), "%s", line);
            cr_assert(json_is_number(json_object_get(j, "bytes")), "%s", line);
            cr_assert_not_null(json_string_value(json_object_get(j, "request_id")), "%s", line);
            cr_assert_not_null(
                strstr(json_string_value(json_object_get(j, "client_ip")), "127.0.0.1"), "%s",
                line);
            cr_assert_null(strstr(line, "s3cr3t"), "the query is not logged: %s", line);
        }
        if (route && strcmp(route, "/api/auth/me") == 0) {
            me = true;
            cr_assert_str_eq(json_string_value(json_object_get(j, "request_id")), "access-log-me");
            cr_assert_str_eq(json_string_value(json_object_get(j, "org_id")), p.org_id);
            cr_assert_str_eq(json_string_value(json_object_get(j, "path")), "/api/auth/me");
            cr_assert_str_eq(json_string_value(json_object_get(j, "method")), "GET");
            cr_assert_eq(json_integer_value(json_object_get(j, "status")), 200);
            cr_assert_gt(json_integer_value(json_object_get(j, "bytes")), 0);
        }
        if (route && strcmp(route, "unmatched") == 0) {
            odd = true;
            cr_assert_eq(json_integer_value(json_object_get(j, "status")), 404);
            cr_assert(str_has_prefix(json_string_value(json_object_get(j, "path")), "/api/x"), "%s",
                      line);
        }
        json_decref(j);
    }
    cr_assert(me && odd, "access lines for both requests (%d access lines):\n%s", access, text);
    cr_assert_gt(lws, 0, "libwebsockets' messages are JSON lines: %s", text);
    free(text);
    free(log_path);
    person_free(&p);
}
