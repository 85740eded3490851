/* enqueue.c - documents onto the JetStream work queue WORK (work.h's ingest_work_enqueue), and
 * the queue itself: work.>, work-queue retention (a message is gone once acknowledged),
 * JS_REPLICAS copies. The pipeline (work.c) consumes work.ingest.document. Like the outbox relay
 * with EVENTS, a replica that starts while JetStream is unavailable keeps serving: the stream is
 * ensured again before the next publish.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "ingest.h"
#include "shared/config.h"
#include "shared/names.h"
#include "shared/util.h"
#include "work.h"

/* Creates or updates WORK once; after a failure, again on the next call. */
static status_t ensure_stream(svc_t *svc)
{
    ingest_app_t *app = svc->app;
    bus_js_limits_t limits = {.work_queue = true, .replicas = (int)app->js_replicas};
    if (atomic_load(&app->work_stream_ready))
        return ST_OK;
    status_t st = bus_js_ensure_stream_limits(svc->bus, WORK_STREAM, SUBJ_WORK_ALL, &limits);
    if (st)
        LOG_WARN("ingest: the work queue %s cannot be set up now: %s", WORK_STREAM, status_str(st));
    else
        atomic_store(&app->work_stream_ready, true);
    return st;
}

status_t ingest_enqueue_init(svc_t *svc)
{
    ingest_app_t *app = svc->app;
    status_t st = config_int("JS_REPLICAS", 1, 1, 5, &app->js_replicas);
    if (st == ST_OK)
        ensure_stream(svc); /* not fatal: tried again before each publish until it works */
    return st;
}

status_t ingest_work_enqueue(svc_t *svc, const char *org, const char *user, const char *doc,
                             int generation, const char *request_id)
{
    Ingest__WorkItem item = INGEST__WORK_ITEM__INIT;
    uint8_t buf[512];
    char msg_id[64];

    item.org_id = (char *)org;
    item.document_id = (char *)doc;
    item.has_generation = true;
    item.generation = generation;
    item.user_id = (char *)user;
    item.request_id = (char *)request_id;
    size_t n = protobuf_c_message_get_packed_size(&item.base);
    if (n > sizeof buf)
        return ST_INVALID; /* ids are UUIDs: a request id this long is no request id */
    protobuf_c_message_pack(&item.base, buf);
    snprintf(msg_id, sizeof msg_id, "%s:%d", doc, generation);
    status_t st = ensure_stream(svc);
    if (st)
        return st;
    return bus_js_publish(svc->bus, SUBJ_WORK_INGEST_DOCUMENT, msg_id, buf, n);
}
