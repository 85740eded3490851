/* test_bus_js.c - JetStream helpers against the real nats-server: a stream, deduplicated
 * publishing, and a durable pull consumer that acks, retries and gives up as its handler says,
 * and resumes where it stopped after its process (here: its bus connection) goes away; stream
 * limits (age, size, copies) reach the server and are updated in place. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shared/bus.h"
#include "shared/log.h"
#include "shared/util.h"
#include "tests/support/harness.h"

typedef struct {
    pthread_mutex_t mu;
    char seen[64][32]; /* payloads in delivery order */
    int n;
    atomic_int retry_deliveries;
    atomic_int poison_deliveries;
} record_t;

static status_t handler(void *ctx, natsMsg *msg, int delivery)
{
    record_t *r = ctx;
    char text[32];
    snprintf(text, sizeof text, "%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    if (strcmp(text, "retry") == 0) {
        atomic_fetch_add(&r->retry_deliveries, 1);
        if (delivery < 2)
            return ST_UNAVAILABLE; /* a transient failure: comes again */
    }
    if (strcmp(text, "poison") == 0) {
        atomic_fetch_add(&r->poison_deliveries, 1);
        return ST_INVALID; /* can never succeed: terminated, not retried */
    }
    pthread_mutex_lock(&r->mu);
    if (r->n < 64)
        snprintf(r->seen[r->n++], sizeof r->seen[0], "%s", text);
    pthread_mutex_unlock(&r->mu);
    return ST_OK;
}

static int count(record_t *r, const char *text)
{
    int k = 0;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n; i++)
        k += strcmp(r->seen[i], text) == 0;
    pthread_mutex_unlock(&r->mu);
    return k;
}

static bool wait_for(record_t *r, const char *text, int want, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        if (count(r, text) >= want)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

static bus_t *js_connect(void)
{
    bus_t *bus = NULL;
    cr_assert_eq(bus_connect("test-js", harness_env("NATS_URL"), 5000, &bus), ST_OK);
    return bus;
}

Test(bus_js, publish_dedup_consume_retry_terminate_resume)
{
    char id[37], stream[64], subject[96], durable[64];
    uuid_new(id);
    snprintf(stream, sizeof stream, "T_%.8s", id);
    snprintf(subject, sizeof subject, "test.%.8s.>", id);
    snprintf(durable, sizeof durable, "c_%.8s", id);
    log_init("test", "error");

    bus_t *bus = js_connect();
    cr_assert_eq(bus_js_ensure_stream(bus, stream, subject), ST_OK);
    cr_assert_eq(bus_js_ensure_stream(bus, stream, subject), ST_OK, "idempotent");

    char subj[96];
    snprintf(subj, sizeof subj, "test.%.8s.evt", id);
    cr_assert_eq(bus_js_publish(bus, subj, "m-1", "one", 3), ST_OK);
    cr_assert_eq(bus_js_publish(bus, subj, "m-1", "one", 3), ST_OK, "duplicate is accepted...");
    cr_assert_eq(bus_js_publish(bus, subj, "m-2", "retry", 5), ST_OK);
    cr_assert_eq(bus_js_publish(bus, subj, "m-3", "poison", 6), ST_OK);
    cr_assert_eq(bus_js_publish(bus, subj, NULL, "two", 3), ST_OK);

    record_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    cr_assert_eq(bus_js_consume(bus, stream, durable, subject, 5, handler, &r), ST_OK);
    cr_assert(wait_for(&r, "two", 1, 10000));
    cr_assert(wait_for(&r, "retry", 1, 10000), "a naked message comes back");
    cr_assert_eq(count(&r, "one"), 1, "...but stored once");
    cr_assert_eq(atomic_load(&r.retry_deliveries), 2);
    usleep(1500 * 1000);
    cr_assert_eq(atomic_load(&r.poison_deliveries), 1, "a terminated message is not retried");
    bus_free(bus);

    /* A new process with the same durable name resumes after what was acknowledged. */
    bus = js_connect();
    cr_assert_eq(bus_js_publish(bus, subj, "m-4", "three", 5), ST_OK);
    cr_assert_eq(bus_js_consume(bus, stream, durable, subject, 5, handler, &r), ST_OK);
    cr_assert(wait_for(&r, "three", 1, 10000));
    usleep(500 * 1000);
    cr_assert_eq(count(&r, "one"), 1, "acknowledged messages are not delivered again");
    cr_assert_eq(count(&r, "two"), 1);
    bus_free(bus);
}

static jsStreamConfig *stream_config(bus_t *bus, const char *stream, jsStreamInfo **si)
{
    jsCtx *js = NULL;
    cr_assert_eq(natsConnection_JetStream(&js, bus_nats(bus), NULL), NATS_OK);
    cr_assert_eq(js_GetStreamInfo(si, js, stream, NULL, NULL), NATS_OK);
    jsCtx_Destroy(js);
    return (*si)->Config;
}

Test(bus_js, stream_limits_are_set_and_updated)
{
    char id[37], stream[64], subject[96];
    jsStreamInfo *si = NULL;
    uuid_new(id);
    snprintf(stream, sizeof stream, "L_%.8s", id);
    snprintf(subject, sizeof subject, "limits.%.8s.>", id);
    log_init("test", "off"); /* the refused case logs an error */
    bus_t *bus = js_connect();

    bus_js_limits_t l = {.replicas = 1, .max_age_s = 3600, .max_bytes = 1 << 20};
    cr_assert_eq(bus_js_ensure_stream_limits(bus, stream, subject, &l), ST_OK);
    jsStreamConfig *c = stream_config(bus, stream, &si);
    cr_assert_eq(c->MaxAge, 3600LL * 1000000000LL);
    cr_assert_eq(c->MaxBytes, 1 << 20);
    cr_assert_eq(c->Replicas, 1);
    jsStreamInfo_Destroy(si);

    l.max_age_s = 7200;
    cr_assert_eq(bus_js_ensure_stream_limits(bus, stream, subject, &l), ST_OK, "updated in place");
    c = stream_config(bus, stream, &si);
    cr_assert_eq(c->MaxAge, 7200LL * 1000000000LL);
    jsStreamInfo_Destroy(si);

    /* The test stack's nats-server is a single node: three copies cannot be placed, and the
     * failure shows that the count reaches the server. */
    l.replicas = 3;
    cr_assert_neq(bus_js_ensure_stream_limits(bus, stream, subject, &l), ST_OK);

    jsCtx *js = NULL;
    cr_assert_eq(natsConnection_JetStream(&js, bus_nats(bus), NULL), NATS_OK);
    js_DeleteStream(js, stream, NULL, NULL);
    jsCtx_Destroy(js);
    bus_free(bus);
}

/* A slow job: "keepalive" says it is in progress every 200 ms, "silent" does not. */
typedef struct {
    atomic_int keepalive, silent, other;
} slow_t;

static status_t slow_handler(void *ctx, natsMsg *msg, int delivery)
{
    slow_t *s = ctx;
    (void)delivery;
    bool keep =
        natsMsg_GetDataLength(msg) == 9 && memcmp(natsMsg_GetData(msg), "keepalive", 9) == 0;
    bool silent = natsMsg_GetDataLength(msg) == 6 && memcmp(natsMsg_GetData(msg), "silent", 6) == 0;
    if (!keep && !silent) {
        atomic_fetch_add(&s->other, 1);
        return ST_OK;
    }
    atomic_fetch_add(keep ? &s->keepalive : &s->silent, 1);
    for (int i = 0; i < 12; i++) { /* 2.4 s, longer than the 1 s AckWait */
        if (keep)
            cr_assert_eq(bus_js_in_progress(msg), ST_OK);
        usleep(200 * 1000);
    }
    return ST_OK;
}

Test(bus_js, ack_wait_in_progress_and_stop)
{
    char id[37], stream[64], subject[96], durable[64], subj[96];
    uuid_new(id);
    snprintf(stream, sizeof stream, "S_%.8s", id);
    snprintf(subject, sizeof subject, "slow.%.8s.>", id);
    snprintf(durable, sizeof durable, "s_%.8s", id);
    snprintf(subj, sizeof subj, "slow.%.8s.job", id);
    log_init("test", "error");

    bus_t *bus = js_connect();
    cr_assert_eq(bus_js_ensure_stream(bus, stream, subject), ST_OK);
    slow_t s = {0};
    bus_js_consumer_opts_t opts = {.max_deliver = 5, .ack_wait_ms = 1000, .fetch = 1};
    /* Three threads: while two work, the third is free to take what is delivered again. */
    bus_js_consumer_t *a = NULL, *b = NULL, *c = NULL;
    cr_assert_eq(bus_js_consume_opts(bus, stream, durable, subject, &opts, slow_handler, &s, &a),
                 ST_OK);
    cr_assert_eq(bus_js_consume_opts(bus, stream, durable, subject, &opts, slow_handler, &s, &b),
                 ST_OK);
    cr_assert_eq(bus_js_consume_opts(bus, stream, durable, subject, &opts, slow_handler, &s, &c),
                 ST_OK);
    cr_assert_eq(bus_js_publish(bus, subj, NULL, "keepalive", 9), ST_OK);
    cr_assert_eq(bus_js_publish(bus, subj, NULL, "silent", 6), ST_OK);
    usleep(6000 * 1000);
    cr_assert_eq(atomic_load(&s.keepalive), 1, "in progress: never delivered again");
    cr_assert_geq(atomic_load(&s.silent), 2, "past the AckWait: delivered again");

    /* Stopped: nothing more is taken. */
    bus_js_consumer_stop(a);
    bus_js_consumer_stop(b);
    bus_js_consumer_stop(c);
    bus_js_consumer_stop(c);
    int seen = atomic_load(&s.other);
    cr_assert_eq(bus_js_publish(bus, subj, NULL, "after", 5), ST_OK);
    usleep(1500 * 1000);
    cr_assert_eq(atomic_load(&s.other), seen);
    bus_free(bus);

    /* The message waits on the server for the next consumer. */
    bus = js_connect();
    cr_assert_eq(bus_js_consume_opts(bus, stream, durable, subject, &opts, slow_handler, &s, NULL),
                 ST_OK);
    for (int i = 0; i < 100 && atomic_load(&s.other) == seen; i++)
        usleep(50 * 1000);
    cr_assert_eq(atomic_load(&s.other), seen + 1);
    bus_free(bus);
}
