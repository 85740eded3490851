/* metrics.c - the edge's request metrics and access log. Two hooks feed it: an HTTP exchange
 * starts in on_http (edge_metrics_request_start) and ends in edge_pss_reset, whether it was
 * answered or the connection went first (edge_metrics_request_done); a WebSocket opens and
 * closes in ws.c (edge_metrics_ws). Everything runs on the lws loop's thread.
 *
 * Labels: method, route (the route's pattern, "/api/agents/{id}", never the raw path; "static"
 * for the console's files, "unmatched" for what no route takes) and status (499 when the client
 * went before the answer). The access log is one JSON line per exchange at level info. */
#include <math.h>
#include <string.h>

#include "edge.h"
#include "shared/log.h"
#include "shared/metrics.h"

#define STATUS_CLIENT_GONE 499 /* nginx's code for "closed before the answer" */

static metrics_family_t *m_requests, *m_seconds;
static metrics_series_t *m_in_flight, *m_ws_open, *m_ws_total;

static void setup(void)
{
    if (m_requests)
        return;
    m_requests = metrics_counter(NULL, "http_requests_total",
                                 "HTTP requests answered by the edge, by method, route pattern "
                                 "and status (499: the client closed first).",
                                 "method,route,status");
    m_seconds = metrics_histogram(NULL, "http_request_duration_seconds",
                                  "Time from the request's headers to the end of its answer.",
                                  "method,route,status", NULL, 0);
    m_in_flight = metrics_get(metrics_gauge(NULL, "http_requests_in_flight",
                                            "HTTP requests received and not yet answered.", NULL),
                              NULL);
    m_ws_open = metrics_get(
        metrics_gauge(NULL, "websocket_connections", "WebSocket connections open now.", NULL),
        NULL);
    m_ws_total = metrics_get(metrics_counter(NULL, "websocket_connections_total",
                                             "WebSocket connections accepted.", NULL),
                             NULL);
}

/* The request's method as a label: the ones routes use, anything else "other" (bounded). */
static const char *method_name(const char *method)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (size_t i = 0; method && i < ARRAY_LEN(known); i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "other";
}

/* The route label: a pattern, one of the edge's own paths, or a fixed word. */
static const char *route_name(const pss_t *pss)
{
    static const char *const own[] = {"/api/health", "/api/health/ready", "/api/openapi.json"};
    if (pss->route)
        return pss->route->pattern;
    if (pss->serving_file || !pss->path ||
        (!str_has_prefix(pss->path, "/api/") && strcmp(pss->path, "/api") != 0))
        return "static";
    for (size_t i = 0; i < ARRAY_LEN(own); i++)
        if (strcmp(pss->path, own[i]) == 0)
            return own[i];
    return "unmatched";
}

void edge_metrics_request_start(pss_t *pss)
{
    setup();
    pss->started_us = time_mono_us();
    metrics_add(m_in_flight, 1);
}

static void access_log(const pss_t *pss, const char *method, const char *route, int status,
                       double seconds, bool with_bytes)
{
    if (!log_enabled(LOG_INFO))
        return;
    log_ctx_t ctx = {.request_id = pss->request_id[0] ? pss->request_id : NULL,
                     .org_id = pss->ident.org_id[0] ? pss->ident.org_id : NULL};
    log_field_t f[] = {
        LOG_STR("method", method),
        LOG_STR("route", route),
        LOG_STR("path", pss->path ? pss->path : ""),
        LOG_NUM("status", status),
        LOG_NUM("duration_ms", round(seconds * 1e6) / 1e3),
        LOG_STR("client_ip", pss->client_ip),
        LOG_NUM("bytes", (double)pss->resp_sent),
    };
    log_write_fields(LOG_INFO, &ctx, f, ARRAY_LEN(f) - (with_bytes ? 0 : 1), "%s %s %d", method,
                     route, status);
}

void edge_metrics_request_done(pss_t *pss)
{
    char code[8];
    if (!pss->started_us || pss->is_ws)
        return;
    double seconds = metrics_since(pss->started_us);
    const char *method = method_name(pss->req.method), *route = route_name(pss);
    int status = pss->status ? pss->status : STATUS_CLIENT_GONE;
    pss->started_us = 0;
    snprintf(code, sizeof code, "%d", status);
    metrics_add(m_in_flight, -1);
    metrics_inc(METRICS_GET(m_requests, method, route, code));
    metrics_observe(METRICS_GET(m_seconds, method, route, code), seconds);
    access_log(pss, method, route, status, seconds, true);
}

void edge_metrics_ws(pss_t *pss, bool open)
{
    setup();
    if (open) {
        pss->started_us = time_mono_us();
        metrics_add(m_ws_open, 1);
        metrics_inc(m_ws_total);
        return;
    }
    if (!pss->started_us)
        return;
    metrics_add(m_ws_open, -1);
    access_log(pss, "GET", "/ws", 101, metrics_since(pss->started_us), false);
    pss->started_us = 0;
}
