/* work.c - ingest's background pipeline (work.h): INGEST_WORKERS threads share the durable pull
 * consumer `ingest` on work.ingest.document (stream WORK, work-queue retention) and take each
 * document queued -> extracting -> chunking -> embedding -> ready, or failed with a reason.
 * A heartbeat thread tells the server every AckWait / 3 that the items being worked on are still
 * in progress, so a long document is not handed to another replica while this one lives, and a
 * replica that dies loses its items to another after one AckWait. The steps are in
 * work_store.c, work_blocks.c, work_index.c and work_progress.c (work_int.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ingest.pb-c.h"
#include "services/ingest/sandbox.h"
#include "services/ingest/work.h"
#include "services/ingest/work_int.h"
#include "shared/config.h"
#include "shared/log.h"
#include "shared/names.h"
#include "shared/util.h"

#define WORKERS_MAX 16

typedef struct {
    svc_t *svc;
    sandbox_limits_t limits;
    int workers, max_deliver, ack_wait_ms;
    bus_js_consumer_t *consumers[WORKERS_MAX];
    /* the heartbeat: the messages being worked on */
    pthread_t beat;
    bool beating;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    natsMsg *active[WORKERS_MAX];
    /* the stream and the consumers, set up at start or, JetStream unreachable then, by the
     * heartbeat thread once it is (under mu) */
    bus_js_limits_t limits_js;
    bool consuming, closing;
} work_t;

static work_t *work; /* one pipeline per process */

/* How one item ended. */
typedef enum {
    END_DONE,      /* ready, or dropped (deleted, re-indexed, already done): ack */
    END_TRANSIENT, /* try again later: nak (failed at the last delivery) */
    END_PERMANENT, /* the file cannot be read: failed, terminated */
} end_t;

/* ---- the heartbeat ------------------------------------------------------------------------- */

static int track(work_t *w, natsMsg *msg)
{
    int slot = -1;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < WORKERS_MAX && slot < 0; i++)
        if (!w->active[i]) {
            w->active[i] = msg;
            slot = i;
        }
    pthread_mutex_unlock(&w->mu);
    return slot;
}

/* After this the heartbeat never touches msg again (the bus acks it next). */
static void untrack(work_t *w, int slot)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&w->mu);
    w->active[slot] = NULL;
    pthread_mutex_unlock(&w->mu);
}

static status_t setup(work_t *w);

static void *beat_main(void *arg)
{
    work_t *w = arg;
    int every_ms = w->ack_wait_ms / 3 > 100 ? w->ack_wait_ms / 3 : 100;

    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (!w->consuming && !w->closing && setup(w) == ST_OK)
            LOG_INFO("ingest: the work queue is reachable: %d workers consume it", w->workers);
        if (!w->consuming && every_ms > 2000)
            every_ms = 2000; /* try again soon */
        else if (w->consuming)
            every_ms = w->ack_wait_ms / 3 > 100 ? w->ack_wait_ms / 3 : 100;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = until.tv_nsec + (int64_t)every_ms * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&w->cv, &w->mu, &until);
        for (int i = 0; i < WORKERS_MAX && !w->stop; i++)
            if (w->active[i] && bus_js_in_progress(w->active[i]) != ST_OK)
                LOG_DEBUG("ingest: in-progress acknowledgement not sent");
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- one document -------------------------------------------------------------------------- */

/* Records the step's status (pushed, and in the database). ST_NOT_FOUND: the document left
 * this generation. */
static status_t step(work_t *w, work_doc_t *d, const char *status, int progress)
{
    work_progress(w->svc->bus, d, status, progress, false, NULL);
    return work_store_status(w->svc->db, d);
}

typedef struct {
    work_t *w;
    work_doc_t *d;
    int64_t stored_us;
} batch_arg_t;

/* After each indexed batch: progress 40..95 (in the database at most every WORK_PUSH_GAP_US). */
static status_t on_batch(void *arg, size_t done, size_t total)
{
    batch_arg_t *a = arg;
    int progress = 40 + (int)(55 * done / (total ? total : 1));
    work_progress(a->w->svc->bus, a->d, "embedding", progress, false, NULL);
    if (done < total && time_mono_us() - a->stored_us < WORK_PUSH_GAP_US)
        return ST_OK;
    a->stored_us = time_mono_us();
    return work_store_status(a->w->svc->db, a->d);
}

/* "<what>: <the remote's message or the status>" into why, unless why already says more. */
static void reason(char *why, size_t why_len, const char *what, status_t st)
{
    char detail[WORK_WHY_SIZE];
    snprintf(detail, sizeof detail, "%s", why[0] ? why : status_str(st));
    int room = (int)why_len - (int)strlen(what) - 3; /* ": " and the NUL */
    snprintf(why, why_len, "%s: %.*s", what, room > 0 ? room : 0, detail);
}

/* Takes d from claimed to indexed. */
static end_t process(work_t *w, work_doc_t *d, char *why, size_t why_len)
{
    void *data = NULL;
    size_t len = 0;
    Ingest__ExtractResult *res = NULL;
    chunk_block_t *blocks = NULL;
    size_t n_blocks = 0;
    chunk_list_t chunks = {0};
    chunk_opts_t opts = chunk_opts_default();
    batch_arg_t batch = {.w = w, .d = d};
    end_t end = END_TRANSIENT;
    int64_t t = time_mono_us();
    status_t st;

    if ((st = work_store_claim(w->svc->db, d))) {
        end = st == ST_NOT_FOUND ? END_DONE : END_TRANSIENT;
        reason(why, why_len, "the database", st);
        goto done;
    }
    work_progress(w->svc->bus, d, "extracting", 2, true, NULL);
    if ((st = work_store_load(w->svc->db, d, &data, &len, why, why_len))) {
        end = st == ST_INVALID ? END_PERMANENT : END_TRANSIENT;
        if (end == END_TRANSIENT)
            reason(why, why_len, "reading the file", st);
        goto done;
    }
    if ((st = step(w, d, "extracting", 5)))
        goto stale;
    d->ms_load = (time_mono_us() - t) / 1000;
    t = time_mono_us();
    why[0] = '\0';
    if ((st = sandbox_extract_named(&w->limits, d->name, data, len, &res, why, why_len))) {
        end = st == ST_UNAVAILABLE ? END_TRANSIENT : END_PERMANENT;
        if (!why[0])
            snprintf(why, why_len, "the file could not be read");
        goto done;
    }
    free(data);
    data = NULL;
    d->ms_extract = (time_mono_us() - t) / 1000;
    t = time_mono_us();
    if (res->error && res->error[0]) {
        snprintf(why, why_len, "%s", res->error);
        end = END_PERMANENT;
        goto done;
    }
    d->pages = res->has_pages ? res->pages : 0;
    if (res->encoding && res->encoding[0])
        d->encoding = xstrdup(res->encoding);
    if ((st = step(w, d, "chunking", 30)))
        goto stale;
    work_blocks(res, &blocks, &n_blocks);
    opts.split_pages = d->pages > 0; /* a passage cites one page */
    chunk_blocks(blocks, n_blocks, &opts, &chunks);
    if (chunks.n == 0) {
        snprintf(why, why_len, "no text was found in the file%s",
                 d->pages > 0 ? " (a scanned document needs OCR, which is not supported)" : "");
        end = END_PERMANENT;
        goto done;
    }
    d->chunks = (int)chunks.n;
    if ((st = step(w, d, "embedding", 40)))
        goto stale;
    d->ms_chunk = (time_mono_us() - t) / 1000;
    t = time_mono_us();
    batch.stored_us = time_mono_us();
    why[0] = '\0';
    if ((st = work_index(w->svc, d, &chunks, on_batch, &batch, why, why_len))) {
        if ((st == ST_NOT_FOUND && !why[0]) || st == ST_CONFLICT) {
            st = ST_NOT_FOUND; /* on_batch, or rag: a newer generation is live */
            goto stale;
        }
        end = work_transient(st) ? END_TRANSIENT : END_PERMANENT;
        reason(why, why_len, "indexing", st);
        goto done;
    }
    d->ms_index = (time_mono_us() - t) / 1000;
    if ((st = work_store_ready(w->svc->db, d))) {
        if (st == ST_NOT_FOUND)
            goto stale;
        reason(why, why_len, "the database", st);
        goto done;
    }
    work_progress(w->svc->bus, d, "ready", 100, true, NULL);
    end = END_DONE;
    goto done;
stale:
    if (st != ST_NOT_FOUND) {
        reason(why, why_len, "the database", st);
        end = END_TRANSIENT;
        goto done;
    }
    /* Deleted or re-indexed meanwhile. A deleted document's chunks sent by this item must not
     * outlive it in rag (its delete may have run before them); a newer generation replaces
     * them by itself. */
    if (work_store_gone(w->svc->db, d) && work_index_delete(w->svc, d) != ST_OK)
        LOG_WARN("ingest: %s was deleted while it was indexed; its chunks stay until rag drops "
                 "them",
                 d->doc);
    end = END_DONE;
done:
    free(data);
    if (res)
        ingest__extract_result__free_unpacked(res, NULL);
    free(blocks);
    chunk_list_free(&chunks);
    return end;
}

/* The consumer's handler: ST_OK acks, ST_INVALID terminates, others nak with backoff. */
static status_t on_item(void *ctx, natsMsg *msg, int delivery)
{
    work_t *w = ctx;
    Ingest__WorkItem *item = NULL;
    work_doc_t d = {0};
    char why[WORK_WHY_SIZE] = "";
    status_t st = ST_OK;

    item = ingest__work_item__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                                     (const uint8_t *)natsMsg_GetData(msg));
    if (!item || !svc_uuid_parse(item->org_id, d.org) ||
        !svc_uuid_parse(item->document_id, d.doc) || !item->has_generation) {
        LOG_ERROR("ingest: a malformed work item dropped");
        st = ST_INVALID;
        goto out;
    }
    if (!svc_uuid_parse(item->user_id, d.user))
        d.user[0] = '\0'; /* no pushes, no User-Id */
    d.generation = item->generation;
    d.request_id = item->request_id ? xstrdup(item->request_id) : NULL;
    log_ctx_t lc = {
        .request_id = d.request_id, .subject = SUBJ_WORK_INGEST_DOCUMENT, .org_id = d.org};

    int slot = track(w, msg);
    end_t end = process(w, &d, why, sizeof why);
    untrack(w, slot);

    if (end == END_DONE) {
        if (d.status && strcmp(d.status, "ready") == 0)
            LOG_CTX_INFO(&lc,
                         "ingest: document %s ready: %d pages, %d chunks, attempt %d (ms: load "
                         "%lld, extract %lld, chunk %lld, embed %lld, index %lld)",
                         d.doc, d.pages, d.chunks, d.attempts, (long long)d.ms_load,
                         (long long)d.ms_extract, (long long)d.ms_chunk,
                         (long long)(d.us_embed / 1000),
                         (long long)(d.ms_index - d.us_embed / 1000));
        goto out;
    }
    if (end == END_TRANSIENT && delivery < w->max_deliver) {
        LOG_CTX_WARN(&lc, "ingest: document %s will be tried again (delivery %d of %d): %s", d.doc,
                     delivery, w->max_deliver, why);
        if (d.status && work_store_requeue(w->svc->db, &d) == ST_OK) /* waiting again */
            work_progress(w->svc->bus, &d, "queued", 0, true, NULL);
        st = ST_UNAVAILABLE;
        goto out;
    }
    if (end == END_TRANSIENT) {
        char last[WORK_WHY_SIZE + 64];
        snprintf(last, sizeof last, "processing failed %d times: %s", delivery, why);
        snprintf(why, sizeof why, "%.*s", (int)sizeof why - 1, last);
    }
    if ((st = work_store_failed(w->svc->db, &d, why)) && st != ST_NOT_FOUND) {
        LOG_CTX_WARN(&lc, "ingest: document %s failed (%s) but could not be marked: %s", d.doc, why,
                     status_str(st));
        goto out; /* comes again; at the last delivery the bus gives up on it */
    }
    if (!d.name)
        d.name = xstrdup("");
    work_progress(w->svc->bus, &d, "failed", d.progress, true, why);
    LOG_CTX_INFO(&lc, "ingest: document %s failed: %s", d.doc, why);
    st = ST_INVALID;
out:
    work_doc_cleanup(&d);
    if (item)
        ingest__work_item__free_unpacked(item, NULL);
    return st;
}

/* ---- start and stop ------------------------------------------------------------------------ */

static status_t config(work_t *w)
{
    int64_t workers, deliver, ack_s;
    status_t st;
    if ((st = config_int("INGEST_WORKERS", 2, 1, WORKERS_MAX, &workers)) ||
        (st = config_int("INGEST_MAX_DELIVER", 5, 1, 100, &deliver)) ||
        (st = config_int("INGEST_ACK_WAIT_S", 30, 1, 3600, &ack_s)) ||
        (st = sandbox_limits_from_env(&w->limits)))
        return st;
    w->workers = (int)workers;
    w->max_deliver = (int)deliver;
    w->ack_wait_ms = (int)ack_s * 1000;
    return ST_OK;
}

/* The WORK stream and the consumer threads (those not running yet). */
static status_t setup(work_t *w)
{
    status_t st;
    if ((st = bus_js_ensure_stream_limits(w->svc->bus, WORK_STREAM, SUBJ_WORK_ALL, &w->limits_js)))
        return st;
    bus_js_consumer_opts_t opts = {
        .max_deliver = w->max_deliver, .ack_wait_ms = w->ack_wait_ms, .fetch = 1};
    for (int i = 0; i < w->workers; i++)
        if (!w->consumers[i] && (st = bus_js_consume_opts(w->svc->bus, WORK_STREAM, WORK_DURABLE,
                                                          SUBJ_WORK_INGEST_DOCUMENT, &opts, on_item,
                                                          w, &w->consumers[i])))
            return st;
    w->consuming = true;
    return ST_OK;
}

status_t ingest_work_start(svc_t *svc)
{
    int64_t replicas = 1;
    status_t st;

    work_t *w = xcalloc(1, sizeof *w);
    w->svc = svc;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    work = w;
    if ((st = config(w)) || (st = config_int("JS_REPLICAS", 1, 1, 5, &replicas)))
        return st;
    w->limits_js = (bus_js_limits_t){.replicas = (int)replicas, .work_queue = true};
    pthread_mutex_lock(&w->mu);
    if (setup(w) != ST_OK) /* JetStream down: the heartbeat thread sets up when it is back */
        LOG_WARN("ingest: the work queue cannot be consumed now; trying again every 2 s");
    pthread_mutex_unlock(&w->mu);
    pthread_create(&w->beat, NULL, beat_main, w);
    w->beating = true;
    LOG_INFO("ingest: %d workers on %s (max %d deliveries, AckWait %d s)", w->workers,
             SUBJ_WORK_INGEST_DOCUMENT, w->max_deliver, w->ack_wait_ms / 1000);
    return ST_OK;
}

void ingest_work_stop(svc_t *svc)
{
    work_t *w = work;
    (void)svc;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->closing = true; /* the heartbeat sets up nothing more */
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < WORKERS_MAX; i++)
        bus_js_consumer_stop(w->consumers[i]); /* the items in progress finish */
    if (w->beating) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->beat, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    work = NULL;
}
