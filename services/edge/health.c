/* health.c - /api/health/ready: the bus connection, then a ping to every service the route
 * table names (each ping reports that service's database), fanned out at once and answered when
 * the last reply or timeout arrives. 200 when all are fine, 503 with the failing parts. */
#include <stdio.h>
#include <string.h>

#include "edge.h"
#include "proto/common.pb-c.h"

#define READY_TIMEOUT_NOTE "every service must answer svc.<name>.ping"

static void finish(pss_t *pss)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "{\"status\":\"%s\",\"checks\":{\"bus\":\"ok\"%s}}",
               pss->ready_ok ? "ready" : "unavailable",
               pss->ready_report.data ? pss->ready_report.data : "");
    edge_respond_add_header(pss, "cache-control", "no-store");
    edge_respond(pss, pss->ready_ok ? 200 : 503, "application/json", b.data, b.len);
    buf_cleanup(&b);
}

void health_start_ready(struct lws *wsi, pss_t *pss)
{
    const char *const *svcs = routes_services();
    char subject[96];

    pss->stage = STAGE_READY;
    if (edge.stopping || natsConnection_Status(bus_nats(edge.bus)) != NATS_CONN_STATUS_CONNECTED) {
        static const char down[] = "{\"status\":\"unavailable\",\"checks\":{\"bus\":\"down\"}}";
        edge_respond(pss, 503, "application/json", down, sizeof down - 1);
        return;
    }
    pss->ready_ok = true;
    for (int i = 0; svcs[i]; i++) {
        bus_ctx_t ctx = {.request_id = pss->request_id};
        snprintf(subject, sizeof subject, "svc.%s.ping", svcs[i]);
        if (edge_call(wsi, pss, subject, NULL, 0, &ctx) == ST_OK) {
            pss->call_tag[pss->ncalls - 1] = i;
            pss->ready_pending++;
        } else {
            pss->ready_ok = false;
            buf_printf(&pss->ready_report, ",\"%s\":\"unreachable\"", svcs[i]);
        }
    }
    if (pss->ready_pending == 0)
        finish(pss);
}

void health_ready_reply(pss_t *pss, cq_item_t *item)
{
    const char *const *svcs = routes_services();
    const char *name = "?";
    for (int i = 0; i < pss->ncalls; i++) {
        if (pss->calls[i] == item->seq) {
            name = svcs[pss->call_tag[i]];
            pss->calls[i] = 0;
        }
    }

    if (item->st == ST_OK && item->msg) {
        Common__Pong *pong = common__pong__unpack(NULL, (size_t)natsMsg_GetDataLength(item->msg),
                                                  (const uint8_t *)natsMsg_GetData(item->msg));
        bool db = pong && (!pong->has_db_ok || pong->db_ok);
        buf_printf(&pss->ready_report, ",\"%s\":\"%s\"", name, db ? "ok" : "database down");
        pss->ready_ok &= db;
        common__pong__free_unpacked(pong, NULL);
    } else {
        buf_printf(&pss->ready_report, ",\"%s\":\"%s\"", name,
                   item->st == ST_TIMEOUT       ? "timeout"
                   : item->st == ST_UNAVAILABLE ? (item->msg ? "database down" : "no responders")
                                                : status_str(item->st));
        pss->ready_ok = false;
    }
    if (--pss->ready_pending == 0)
        finish(pss);
}
