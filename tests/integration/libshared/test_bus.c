/* test_bus.c - libshared/src/bus.c against the stack's real nats-server (NATS_URL): serving a
 * proto service with a worker pool, synchronous and asynchronous calls, error and context
 * headers, timeouts, queue groups, ping, deadline dropping and JetStream dedup.
 *
 * The service under test is described by a hand-written ProtobufCServiceDescriptor over the
 * messages of common.proto (bus_serve reads only the rpc names and input descriptors), so no
 * proto has to be added to every binary of the build. Every test serves under its own random
 * bus name, so tests running in parallel (Criterion workers) never see each other's traffic,
 * nor the stack's services. */
#include <criterion/criterion.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/common.pb-c.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/util.h"
#include "tests/support/harness.h"

/* ---- the test service ------------------------------------------------------------------------ */

/* rpc Echo(Header) returns (Header)           echoes; "Want-Reply-Headers: N" adds N headers
 * rpc Fail(Header) returns (Empty)            fails with HTTP code `name`, message `value`
 * rpc Slow(Header) returns (Empty)            sleeps `value` ms (or until released), then OK
 * rpc Forget(Empty) returns (Empty)           returns without replying
 * rpc Context(HttpRequest) returns (HttpRequest)  reports the context headers it received
 * rpc Relay(HttpRequest) returns (HttpRequest)    calls `path` with the propagated context
 * rpc Who(Empty) returns (Pong)               says which server answered
 * rpc Twice(Empty) returns (Header)           replies twice */
static const ProtobufCMethodDescriptor test_methods[] = {
    {"Echo", &common__header__descriptor, &common__header__descriptor},
    {"Fail", &common__header__descriptor, &common__empty__descriptor},
    {"Slow", &common__header__descriptor, &common__empty__descriptor},
    {"Forget", &common__empty__descriptor, &common__empty__descriptor},
    {"Context", &common__http_request__descriptor, &common__http_request__descriptor},
    {"Relay", &common__http_request__descriptor, &common__http_request__descriptor},
    {"Who", &common__empty__descriptor, &common__pong__descriptor},
    {"Twice", &common__empty__descriptor, &common__header__descriptor},
};
/* Context, Echo, Fail, Forget, Relay, Slow, Twice, Who */
static const unsigned test_method_index[] = {4, 0, 1, 3, 5, 2, 7, 6};
static const ProtobufCServiceDescriptor test_service = {
    PROTOBUF_C__SERVICE_DESCRIPTOR_MAGIC,
    "bustest.Test",
    "Test",
    "Bustest__Test",
    "bustest",
    ARRAY_LEN(test_methods),
    test_methods,
    test_method_index,
};

typedef struct {
    bus_t *bus;
    atomic_int calls;   /* requests that reached a handler */
    atomic_bool hold;   /* Echo and Slow wait while set */
    atomic_bool health; /* the ping health check's answer */
} server_t;

static void wait_released(server_t *s, int max_ms)
{
    int64_t until = time_mono_us() + (int64_t)max_ms * 1000;
    while (atomic_load(&s->hold) && time_mono_us() < until)
        usleep(2000);
}

static status_t h_echo(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    Common__Header *in = NULL;
    status_t st;

    atomic_fetch_add(&s->calls, 1);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    wait_released(s, 60000);
    /* bus_req_reply_header keeps the name pointer (a literal, as in real handlers) and copies
     * the value. */
    static const char *const names[] = {"X-Reply-0", "X-Reply-1", "X-Reply-2", "X-Reply-3",
                                        "X-Reply-4", "X-Reply-5", "X-Reply-6", "X-Reply-7",
                                        "X-Reply-8", "X-Reply-9"};
    const char *want = bus_req_header(req, "Want-Reply-Headers");
    for (int i = 0; want && i < atoi(want) && i < (int)ARRAY_LEN(names); i++) {
        char value[16];
        snprintf(value, sizeof value, "v%d", i);
        bus_req_reply_header(req, names[i], value);
    }
done:
    bus_reply(req, st, in ? &in->base : NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

static status_t h_fail(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    Common__Header *in = NULL;
    status_t st;

    atomic_fetch_add(&s->calls, 1);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    st = status_from_http(in->name ? atoi(in->name) : 500);
    if (in->value)
        bus_req_fail(req, "%s", in->value);
    if (st == ST_RATE_LIMITED)
        bus_req_reply_header(req, "Retry-After", "7");
done:
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

static status_t h_slow(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    Common__Header *in = NULL;
    status_t st;

    atomic_fetch_add(&s->calls, 1);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    wait_released(s, in->value ? atoi(in->value) : 0);
done:
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

static status_t h_forget(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    (void)req;
    atomic_fetch_add(&s->calls, 1);
    return ST_OK; /* no bus_reply: bus_serve must answer ST_INTERNAL */
}

static void add_header(Common__HttpRequest *out, const char *name, const char *value)
{
    if (!value)
        return;
    Common__Header *h = xmalloc(sizeof *h);
    common__header__init(h);
    h->name = xstrdup(name);
    h->value = xstrdup(value);
    out->headers = xrealloc(out->headers, (out->n_headers + 1) * sizeof *out->headers);
    out->headers[out->n_headers++] = h;
}

static void free_headers(Common__HttpRequest *out)
{
    for (size_t i = 0; i < out->n_headers; i++) {
        free(out->headers[i]->name);
        free(out->headers[i]->value);
        free(out->headers[i]);
    }
    free(out->headers);
}

static status_t h_context(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    Common__HttpRequest *in = NULL;
    Common__HttpRequest out = COMMON__HTTP_REQUEST__INIT;
    status_t st;

    atomic_fetch_add(&s->calls, 1);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    out.path = (char *)bus_req_subject(req);
    out.method = (char *)bus_req_method(req)->name;
    add_header(&out, "org", bus_req_org(req));
    add_header(&out, "user", bus_req_user(req));
    add_header(&out, "role", bus_req_role(req));
    add_header(&out, "request_id", bus_req_id(req));
    add_header(&out, "deadline", bus_req_header(req, BUS_HDR_DEADLINE));
    for (size_t i = 0; i < in->n_headers; i++)
        add_header(&out, in->headers[i]->name, bus_req_header(req, in->headers[i]->name));
done:
    bus_reply(req, st, st ? NULL : &out.base);
    free_headers(&out);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

static status_t h_relay(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    Common__HttpRequest *in = NULL, *out = NULL;
    bus_ctx_t ctx;
    char err[256];
    status_t st;

    atomic_fetch_add(&s->calls, 1);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    bus_ctx_from_req(req, &ctx);
    st = bus_call(s->bus, in->path, &ctx, &in->base, &common__http_request__descriptor,
                  (ProtobufCMessage **)&out, err, sizeof err, 5000);
    if (st)
        bus_req_fail(req, "relay: %s", err);
done:
    bus_reply(req, st, out ? &out->base : NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)out, NULL);
    return st;
}

static status_t h_who(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    Common__Pong pong = COMMON__PONG__INIT;
    atomic_fetch_add(&s->calls, 1);
    pong.service = (char *)bus_name(s->bus);
    pong.instance = (char *)bus_instance(s->bus);
    bus_reply(req, ST_OK, &pong.base);
    return ST_OK;
}

static status_t h_twice(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    Common__Header h = COMMON__HEADER__INIT;
    atomic_fetch_add(&s->calls, 1);
    h.value = "first";
    bus_reply(req, ST_OK, &h.base);
    bus_req_fail(req, "second");
    bus_reply(req, ST_CONFLICT, NULL); /* ignored */
    return ST_OK;
}

static const bus_method_t methods[] = {
    {"echo", h_echo},       {"fail", h_fail},   {"slow", h_slow}, {"forget", h_forget},
    {"context", h_context}, {"relay", h_relay}, {"who", h_who},   {"twice", h_twice},
};

static bool health_check(void *svc)
{
    return atomic_load(&((server_t *)svc)->health);
}

/* ---- helpers --------------------------------------------------------------------------------- */

static void suite_init(void)
{
    /* Tests that only build messages have no connection: open the library for them. */
    cr_assert_eq(nats_Open(-1), NATS_OK);
    const char *lvl = harness_env_opt("LOG_LEVEL");
    log_init("test_bus", lvl ? lvl : "warn");
}

TestSuite(bus, .init = suite_init);

/* "<tag><8 hex>": a bus name no other test or service uses. */
static void unique_name(char *out, size_t n, const char *tag)
{
    char id[37];
    uuid_new(id);
    snprintf(out, n, "%s%.8s", tag, id);
}

static bus_t *connect_as(const char *name)
{
    bus_t *b = NULL;
    cr_assert_eq(bus_connect(name, harness_env("NATS_URL"), 10000, &b), ST_OK);
    cr_assert_not_null(b);
    return b;
}

static server_t *server_start(const char *name, int workers, bool with_health)
{
    server_t *s = xcalloc(1, sizeof *s);
    atomic_init(&s->calls, 0);
    atomic_init(&s->hold, false);
    atomic_init(&s->health, true);
    s->bus = connect_as(name);
    if (with_health)
        bus_set_health_check(s->bus, health_check);
    cr_assert_eq(bus_serve(s->bus, &test_service, methods, ARRAY_LEN(methods), s, workers), ST_OK);
    return s;
}

static void server_stop(server_t *s)
{
    if (!s)
        return;
    atomic_store(&s->hold, false);
    bus_free(s->bus);
    free(s);
}

static void subject_of(char *out, size_t n, const char *name, const char *method)
{
    snprintf(out, n, "svc.%s.%s", name, method);
}

static double ms_since(int64_t start_us)
{
    return (double)(time_mono_us() - start_us) / 1000.0;
}

/* One asynchronous call's outcome. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;
    status_t st;
    char errmsg[512];
    natsMsg *msg;
    int64_t at_us;
} waiter_t;

static void waiter_init(waiter_t *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

static void waiter_cleanup(waiter_t *w)
{
    natsMsg_Destroy(w->msg);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

static void on_done(void *arg, status_t st, const char *errmsg, natsMsg *msg)
{
    waiter_t *w = arg;
    pthread_mutex_lock(&w->mu);
    w->calls++;
    w->st = st;
    snprintf(w->errmsg, sizeof w->errmsg, "%s", errmsg ? errmsg : "(null)");
    if (w->msg)
        natsMsg_Destroy(msg); /* a second call: counted, and the test will fail on it */
    else
        w->msg = msg;
    w->at_us = time_mono_us();
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Waits until the callback ran; false on timeout. */
static bool waiter_wait(waiter_t *w, int timeout_ms)
{
    int64_t until = time_mono_us() + (int64_t)timeout_ms * 1000;
    pthread_mutex_lock(&w->mu);
    while (w->calls == 0 && time_mono_us() < until) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    bool ok = w->calls > 0;
    pthread_mutex_unlock(&w->mu);
    return ok;
}

static int waiter_calls(waiter_t *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->calls;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Packs msg into a heap buffer for bus_call_async. */
static uint8_t *pack(const ProtobufCMessage *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = xmalloc(*len);
    protobuf_c_message_pack(msg, buf);
    return buf;
}

static status_t call_async_msg(bus_t *bus, const char *subject, const bus_ctx_t *ctx,
                               const ProtobufCMessage *in, int timeout_ms, waiter_t *w)
{
    size_t len = 0;
    uint8_t *data = in ? pack(in, &len) : NULL;
    status_t st = bus_call_async(bus, subject, ctx, data, len, timeout_ms, on_done, w);
    free(data);
    return st;
}

/* A call that must come back (within 10 s): w is initialised, the call made, its callback run
 * (clean up w after). in may be NULL (an empty body). */
static void call_wait(bus_t *c, const char *subj, const bus_ctx_t *ctx, const ProtobufCMessage *in,
                      int timeout_ms, waiter_t *w)
{
    waiter_init(w);
    cr_assert_eq(call_async_msg(c, subj, ctx, in, timeout_ms, w), ST_OK);
    cr_assert(waiter_wait(w, 10000), "%s: no callback", subj);
}

/* Declares the test's service and client: name (a bus name no other test uses), s (served by
 * `workers` workers, with the health check when `health`), c (a client) and subj (the subject
 * of `method`). */
#define TEST_SERVICE(workers, health, method)                                                      \
    char name[32], subj[96];                                                                       \
    unique_name(name, sizeof name, "bt");                                                          \
    server_t *s = server_start(name, workers, health);                                             \
    bus_t *c = connect_as("bt-client");                                                            \
    subject_of(subj, sizeof subj, name, method)

static const char *find_header(const Common__HttpRequest *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcmp(r->headers[i]->name, name) == 0)
            return r->headers[i]->value;
    return NULL;
}

/* ---- method names ---------------------------------------------------------------------------- */

Test(bus, method_name_conversions)
{
    static const struct {
        const char *rpc, *want;
    } cases[] = {
        {"PasswordForgot", "password_forgot"},
        {"Me", "me"},
        {"ListApiKeys", "list_api_keys"},
        {"SignUp", "sign_up"},
        {"Login", "login"},
        {"SwitchOrg", "switch_org"},
        {"A", "a"},
        {"", ""},
        {"already_snake", "already_snake"},
        {"lowerThenUpper", "lower_then_upper"},
        {"Get2Fa", "get2_fa"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char out[64];
        memset(out, 'X', sizeof out);
        bus_method_name(cases[i].rpc, out, sizeof out);
        cr_assert_str_eq(out, cases[i].want, "%s", cases[i].rpc);
    }
}

Test(bus, method_name_truncates_safely)
{
    char out[8];
    memset(out, 'X', sizeof out);
    bus_method_name("ListApiKeysForEveryone", out, sizeof out);
    cr_assert_lt(strlen(out), sizeof out);
    cr_assert(str_has_prefix("list_api_keys_for_everyone", out), "%s", out);
    char one[1] = {'X'};
    bus_method_name("Me", one, sizeof one);
    cr_assert_eq(one[0], '\0');
}

/* ---- round trips ----------------------------------------------------------------------------- */

Test(bus, serve_and_call_round_trip)
{
    char name[32], subj[96], err[256];
    unique_name(name, sizeof name, "bt");
    server_t *s = server_start(name, 4, false);
    bus_t *c = connect_as("bt-client");

    cr_assert_str_eq(bus_name(s->bus), name);
    cr_assert(uuid_valid(bus_instance(s->bus)));
    cr_assert_str_neq(bus_instance(s->bus), bus_instance(c));
    cr_assert_not_null(bus_nats(c));

    Common__Header in = COMMON__HEADER__INIT;
    Common__Header *out = NULL;
    in.name = "greeting";
    in.value = "h\xc3\xa9llo";
    subject_of(subj, sizeof subj, name, "echo");
    cr_assert_eq(bus_call(c, subj, NULL, &in.base, &common__header__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 5000),
                 ST_OK, "%s", err);
    cr_assert_not_null(out);
    cr_assert_str_eq(out->name, "greeting");
    cr_assert_str_eq(out->value, "h\xc3\xa9llo");
    protobuf_c_message_free_unpacked(&out->base, NULL);

    /* No input message: the handler decodes an empty Header and echoes it. */
    out = NULL;
    cr_assert_eq(bus_call(c, subj, NULL, NULL, &common__header__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 5000),
                 ST_OK, "%s", err);
    cr_assert_not_null(out);
    cr_assert_null(out->name);
    cr_assert_null(out->value);
    protobuf_c_message_free_unpacked(&out->base, NULL);

    /* Reply body ignored. */
    cr_assert_eq(bus_call(c, subj, NULL, &in.base, NULL, NULL, NULL, 0, 5000), ST_OK);
    cr_assert_eq(atomic_load(&s->calls), 3);

    /* A served bus can call too (itself included). */
    out = NULL;
    cr_assert_eq(bus_call(s->bus, subj, NULL, &in.base, &common__header__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 5000),
                 ST_OK, "%s", err);
    protobuf_c_message_free_unpacked(&out->base, NULL);

    bus_free(c);
    server_stop(s);
}

/* Replies bigger than bus_reply's stack buffer take the heap path. */
Test(bus, large_messages)
{
    TEST_SERVICE(2, false, "echo");
    char err[256];

    static const size_t sizes[] = {4000, 4096, 5000, 200000};
    for (size_t k = 0; k < ARRAY_LEN(sizes); k++) {
        char *big = xmalloc(sizes[k] + 1);
        for (size_t i = 0; i < sizes[k]; i++)
            big[i] = (char)('a' + i % 26);
        big[sizes[k]] = '\0';
        Common__Header in = COMMON__HEADER__INIT;
        Common__Header *out = NULL;
        in.value = big;
        cr_assert_eq(bus_call(c, subj, NULL, &in.base, &common__header__descriptor,
                              (ProtobufCMessage **)&out, err, sizeof err, 10000),
                     ST_OK, "%zu bytes: %s", sizes[k], err);
        cr_assert_str_eq(out->value, big);
        protobuf_c_message_free_unpacked(&out->base, NULL);
        free(big);
    }
    bus_free(c);
    server_stop(s);
}

Test(bus, malformed_request_is_invalid)
{
    TEST_SERVICE(2, false, "echo");

    waiter_t w;
    waiter_init(&w);
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff};
    cr_assert_eq(bus_call_async(c, subj, NULL, garbage, sizeof garbage, 5000, on_done, &w), ST_OK);
    cr_assert(waiter_wait(&w, 10000));
    cr_assert_eq(w.st, ST_INVALID, "%s", status_str(w.st));
    cr_assert(strstr(w.errmsg, "malformed"), "%s", w.errmsg);
    cr_assert_not_null(w.msg);
    waiter_cleanup(&w);
    bus_free(c);
    server_stop(s);
}

/* ---- errors ---------------------------------------------------------------------------------- */

Test(bus, error_replies_carry_status_and_message)
{
    TEST_SERVICE(4, false, "fail");
    char err[256];

    for (int i = 1; i < ST__COUNT; i++) {
        status_t want = (status_t)i;
        char code[8], text[128];
        snprintf(code, sizeof code, "%d", status_http(want));
        snprintf(text, sizeof text, "because %s (\"quoted\", 100%%)", status_str(want));
        Common__Header in = COMMON__HEADER__INIT;
        in.name = code;
        in.value = text;

        /* Synchronous: status and the remote's message. */
        memset(err, 'X', sizeof err);
        Common__Header *out = (Common__Header *)0x1; /* must stay untouched on failure */
        status_t st = bus_call(c, subj, NULL, &in.base, &common__header__descriptor,
                               (ProtobufCMessage **)&out, err, sizeof err, 5000);
        cr_assert_eq(st, want, "%s: got %s", status_str(want), status_str(st));
        cr_assert_str_eq(err, text);
        cr_assert_eq(out, (Common__Header *)0x1);

        /* Without bus_req_fail the message is the status name. */
        in.value = NULL;
        st = bus_call(c, subj, NULL, &in.base, NULL, NULL, err, sizeof err, 5000);
        cr_assert_eq(st, want);
        cr_assert_str_eq(err, status_str(want));

        /* Asynchronous: the reply message comes with status and message decoded. */
        in.value = text;
        waiter_t w;
        waiter_init(&w);
        cr_assert_eq(call_async_msg(c, subj, NULL, &in.base, 5000, &w), ST_OK);
        cr_assert(waiter_wait(&w, 10000), "%s: no callback", status_str(want));
        cr_assert_eq(w.st, want, "%s: async got %s", status_str(want), status_str(w.st));
        cr_assert_str_eq(w.errmsg, text);
        cr_assert_not_null(w.msg, "an error reply is delivered as a message");
        const char *again = NULL;
        cr_assert_eq(bus_reply_status(w.msg, &again), want);
        cr_assert_str_eq(again, text);
        const char *hcode = NULL;
        cr_assert_eq(natsMsgHeader_Get(w.msg, BUS_HDR_ERR_CODE, &hcode), NATS_OK);
        cr_assert_str_eq(hcode, code);
        cr_assert_eq(natsMsg_GetDataLength(w.msg), 0, "error replies have an empty body");
        waiter_cleanup(&w);
    }

    /* errmsg may be NULL or tiny. */
    Common__Header in = COMMON__HEADER__INIT;
    in.name = "404";
    in.value = "no such thing";
    cr_assert_eq(bus_call(c, subj, NULL, &in.base, NULL, NULL, NULL, 0, 5000), ST_NOT_FOUND);
    char tiny[4];
    cr_assert_eq(bus_call(c, subj, NULL, &in.base, NULL, NULL, tiny, sizeof tiny, 5000),
                 ST_NOT_FOUND);
    cr_assert_str_eq(tiny, "no ");

    bus_free(c);
    server_stop(s);
}

/* A remote code that is not ours, or a 2xx code in an error header, is still an error. */
Test(bus, reply_status_of_foreign_codes)
{
    natsMsg *m = NULL;
    const char *text = NULL;

    cr_assert_eq(natsMsg_Create(&m, "x", NULL, NULL, 0), NATS_OK);
    cr_assert_eq(bus_reply_status(m, &text), ST_OK);
    natsMsgHeader_Set(m, BUS_HDR_ERR_CODE, "418");
    natsMsgHeader_Set(m, BUS_HDR_ERR, "teapot");
    cr_assert_eq(bus_reply_status(m, &text), ST_INTERNAL);
    cr_assert_str_eq(text, "teapot");
    natsMsgHeader_Set(m, BUS_HDR_ERR_CODE, "200");
    cr_assert_eq(bus_reply_status(m, NULL), ST_INTERNAL);
    natsMsgHeader_Set(m, BUS_HDR_ERR_CODE, "409");
    natsMsgHeader_Delete(m, BUS_HDR_ERR);
    cr_assert_eq(bus_reply_status(m, &text), ST_CONFLICT);
    cr_assert_str_eq(text, "");
    natsMsg_Destroy(m);
}

/* Error messages often quote input. A line break in one must neither cut the message short
 * nor forge headers in the reply: NATS headers are CRLF-delimited lines. */
Test(bus, error_message_with_line_breaks)
{
    TEST_SERVICE(2, false, "fail");
    char err[256];

    Common__Header in = COMMON__HEADER__INIT;
    in.name = "400";
    in.value = "bad email \"a\r\nInjected: yes\"\nsecond line";
    status_t st = bus_call(c, subj, NULL, &in.base, NULL, NULL, err, sizeof err, 5000);
    cr_assert_eq(st, ST_INVALID, "got %s (%s)", status_str(st), err);
    cr_assert(str_has_prefix(err, "bad email"), "%s", err);
    cr_assert(strstr(err, "second line"), "message cut at the line break: \"%s\"", err);
    cr_assert_null(strchr(err, '\n'), "%s", err);
    cr_assert_null(strchr(err, '\r'), "%s", err);

    waiter_t w;
    call_wait(c, subj, NULL, &in.base, 5000, &w);
    cr_assert_eq(w.st, ST_INVALID);
    cr_assert_not_null(w.msg);
    const char *forged = NULL;
    cr_assert_neq(natsMsgHeader_Get(w.msg, "Injected", &forged), NATS_OK,
                  "the error message forged a reply header (Injected: %s)", forged);
    waiter_cleanup(&w);

    /* The connection still works afterwards. */
    in.value = "plain";
    cr_assert_eq(bus_call(c, subj, &(bus_ctx_t){0}, &in.base, NULL, NULL, err, sizeof err, 5000),
                 ST_INVALID);
    cr_assert_str_eq(err, "plain");
    bus_free(c);
    server_stop(s);
}

Test(bus, handler_that_forgets_to_reply_is_internal)
{
    TEST_SERVICE(2, false, "forget");
    char err[256];

    int64_t t0 = time_mono_us();
    cr_assert_eq(bus_call(c, subj, NULL, NULL, NULL, NULL, err, sizeof err, 5000), ST_INTERNAL);
    cr_assert_lt(ms_since(t0), 4000, "answered at once, not at the deadline");
    cr_assert_str_eq(err, "internal");
    cr_assert_eq(atomic_load(&s->calls), 1);

    waiter_t w;
    call_wait(c, subj, NULL, NULL, 5000, &w);
    cr_assert_eq(w.st, ST_INTERNAL);
    waiter_cleanup(&w);
    bus_free(c);
    server_stop(s);
}

Test(bus, second_reply_is_ignored)
{
    TEST_SERVICE(2, false, "twice");
    char err[256];

    Common__Header *out = NULL;
    cr_assert_eq(bus_call(c, subj, NULL, NULL, &common__header__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 5000),
                 ST_OK, "%s", err);
    cr_assert_str_eq(out->value, "first");
    protobuf_c_message_free_unpacked(&out->base, NULL);

    waiter_t w;
    call_wait(c, subj, NULL, NULL, 5000, &w);
    usleep(300 * 1000);
    cr_assert_eq(waiter_calls(&w), 1);
    cr_assert_eq(w.st, ST_OK);
    waiter_cleanup(&w);
    bus_free(c);
    server_stop(s);
}

/* ---- headers --------------------------------------------------------------------------------- */

Test(bus, reply_headers_reach_the_caller)
{
    char name[32], subj[96];
    unique_name(name, sizeof name, "bt");
    server_t *s = server_start(name, 2, false);
    bus_t *c = connect_as("bt-client");

    /* On a successful reply. */
    subject_of(subj, sizeof subj, name, "echo");
    const char *const extra[] = {"Want-Reply-Headers", "3", NULL};
    bus_ctx_t ctx = {.extra = extra};
    Common__Header in = COMMON__HEADER__INIT;
    in.value = "body";
    waiter_t w;
    call_wait(c, subj, &ctx, &in.base, 5000, &w);
    cr_assert_eq(w.st, ST_OK, "%s %s", status_str(w.st), w.errmsg);
    cr_assert_not_null(w.msg);
    for (int i = 0; i < 3; i++) {
        char hname[32], want[32];
        const char *v = NULL;
        snprintf(hname, sizeof hname, "X-Reply-%d", i);
        snprintf(want, sizeof want, "v%d", i);
        cr_assert_eq(natsMsgHeader_Get(w.msg, hname, &v), NATS_OK, "%s missing", hname);
        cr_assert_str_eq(v, want);
    }
    const char *v = NULL;
    cr_assert_neq(natsMsgHeader_Get(w.msg, BUS_HDR_ERR_CODE, &v), NATS_OK);
    Common__Header *out = (Common__Header *)protobuf_c_message_unpack(
        &common__header__descriptor, NULL, (size_t)natsMsg_GetDataLength(w.msg),
        (const uint8_t *)natsMsg_GetData(w.msg));
    cr_assert_not_null(out);
    cr_assert_str_eq(out->value, "body");
    protobuf_c_message_free_unpacked(&out->base, NULL);
    waiter_cleanup(&w);

    /* Beside the error headers of a failing reply. */
    subject_of(subj, sizeof subj, name, "fail");
    in.name = "429";
    in.value = "slow down";
    call_wait(c, subj, NULL, &in.base, 5000, &w);
    cr_assert_eq(w.st, ST_RATE_LIMITED);
    cr_assert_str_eq(w.errmsg, "slow down");
    cr_assert_eq(natsMsgHeader_Get(w.msg, "Retry-After", &v), NATS_OK);
    cr_assert_str_eq(v, "7");
    waiter_cleanup(&w);
    bus_free(c);
    server_stop(s);
}

/* At most 8 reply headers: the ninth is dropped (and logged), the reply still goes out. */
Test(bus, reply_header_limit)
{
    TEST_SERVICE(2, false, "echo");
    const char *const extra[] = {"Want-Reply-Headers", "9", NULL};
    bus_ctx_t ctx = {.extra = extra};
    waiter_t w;
    call_wait(c, subj, &ctx, NULL, 5000, &w);
    cr_assert_eq(w.st, ST_OK);
    const char *v = NULL;
    cr_assert_eq(natsMsgHeader_Get(w.msg, "X-Reply-7", &v), NATS_OK);
    cr_assert_neq(natsMsgHeader_Get(w.msg, "X-Reply-8", &v), NATS_OK);
    waiter_cleanup(&w);
    bus_free(c);
    server_stop(s);
}

Test(bus, context_headers_reach_the_handler)
{
    TEST_SERVICE(2, false, "context");
    char err[256];

    const char *const extra[] = {"X-Trace", "abc123", "Idempotency-Key", "k-1", NULL};
    bus_ctx_t ctx = {.org_id = "11111111-1111-4111-8111-111111111111",
                     .user_id = "22222222-2222-4222-8222-222222222222",
                     .role = "owner",
                     .request_id = "req-42",
                     .extra = extra};
    Common__Header q1 = COMMON__HEADER__INIT, q2 = COMMON__HEADER__INIT, q3 = COMMON__HEADER__INIT;
    q1.name = "X-Trace";
    q2.name = "Idempotency-Key";
    q3.name = "X-Absent";
    Common__Header *qs[] = {&q1, &q2, &q3};
    Common__HttpRequest in = COMMON__HTTP_REQUEST__INIT;
    in.headers = qs;
    in.n_headers = 3;

    int64_t before = time_now_ms();
    Common__HttpRequest *out = NULL;
    cr_assert_eq(bus_call(c, subj, &ctx, &in.base, &common__http_request__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 3000),
                 ST_OK, "%s", err);
    cr_assert_str_eq(out->path, subj);
    cr_assert_str_eq(out->method, "Context");
    cr_assert_str_eq(find_header(out, "org"), ctx.org_id);
    cr_assert_str_eq(find_header(out, "user"), ctx.user_id);
    cr_assert_str_eq(find_header(out, "role"), "owner");
    cr_assert_str_eq(find_header(out, "request_id"), "req-42");
    cr_assert_str_eq(find_header(out, "X-Trace"), "abc123");
    cr_assert_str_eq(find_header(out, "Idempotency-Key"), "k-1");
    cr_assert_null(find_header(out, "X-Absent"));
    const char *dl = find_header(out, "deadline");
    cr_assert_not_null(dl);
    long long deadline = atoll(dl);
    cr_assert(deadline >= before + 3000 && deadline <= time_now_ms() + 3000,
              "deadline %lld, call started at %lld with 3000 ms", deadline, (long long)before);
    protobuf_c_message_free_unpacked(&out->base, NULL);

    /* NULL fields and a NULL context send nothing but the deadline. */
    bus_ctx_t partial = {.role = "member"};
    out = NULL;
    cr_assert_eq(bus_call(c, subj, &partial, &in.base, &common__http_request__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 3000),
                 ST_OK, "%s", err);
    cr_assert_str_eq(find_header(out, "role"), "member");
    cr_assert_null(find_header(out, "org"));
    cr_assert_null(find_header(out, "user"));
    cr_assert_null(find_header(out, "request_id"));
    cr_assert_null(find_header(out, "X-Trace"));
    cr_assert_not_null(find_header(out, "deadline"));
    protobuf_c_message_free_unpacked(&out->base, NULL);

    out = NULL;
    cr_assert_eq(bus_call(c, subj, NULL, &in.base, &common__http_request__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 3000),
                 ST_OK, "%s", err);
    cr_assert_eq(out->n_headers, 1, "only the deadline");
    protobuf_c_message_free_unpacked(&out->base, NULL);

    /* The same through an asynchronous call. */
    waiter_t w;
    call_wait(c, subj, &ctx, &in.base, 3000, &w);
    cr_assert_eq(w.st, ST_OK);
    out = (Common__HttpRequest *)protobuf_c_message_unpack(&common__http_request__descriptor, NULL,
                                                           (size_t)natsMsg_GetDataLength(w.msg),
                                                           (const uint8_t *)natsMsg_GetData(w.msg));
    cr_assert_not_null(out);
    cr_assert_str_eq(find_header(out, "org"), ctx.org_id);
    cr_assert_str_eq(find_header(out, "user"), ctx.user_id);
    cr_assert_str_eq(find_header(out, "role"), "owner");
    cr_assert_str_eq(find_header(out, "request_id"), "req-42");
    cr_assert_str_eq(find_header(out, "X-Trace"), "abc123");
    protobuf_c_message_free_unpacked(&out->base, NULL);
    waiter_cleanup(&w);

    bus_free(c);
    server_stop(s);
}

/* bus_ctx_from_req carries org, user, role and request id (not the extras) downstream. */
Test(bus, context_propagates_through_a_relay)
{
    TEST_SERVICE(4, false, "relay");
    char target[96], err[256];
    subject_of(target, sizeof target, name, "context");

    const char *const extra[] = {"X-Trace", "abc123", NULL};
    bus_ctx_t ctx = {.org_id = "org-1",
                     .user_id = "user-1",
                     .role = "admin",
                     .request_id = "req-relay",
                     .extra = extra};
    Common__Header q = COMMON__HEADER__INIT;
    q.name = "X-Trace";
    Common__Header *qs[] = {&q};
    Common__HttpRequest in = COMMON__HTTP_REQUEST__INIT;
    in.path = target;
    in.headers = qs;
    in.n_headers = 1;
    Common__HttpRequest *out = NULL;
    cr_assert_eq(bus_call(c, subj, &ctx, &in.base, &common__http_request__descriptor,
                          (ProtobufCMessage **)&out, err, sizeof err, 5000),
                 ST_OK, "%s", err);
    cr_assert_str_eq(out->path, target);
    cr_assert_str_eq(find_header(out, "org"), "org-1");
    cr_assert_str_eq(find_header(out, "user"), "user-1");
    cr_assert_str_eq(find_header(out, "role"), "admin");
    cr_assert_str_eq(find_header(out, "request_id"), "req-relay");
    cr_assert_null(find_header(out, "X-Trace"), "extras are not propagated");
    protobuf_c_message_free_unpacked(&out->base, NULL);

    /* A downstream failure comes back through the relay. */
    char other[32], nowhere[96];
    unique_name(other, sizeof other, "nobody");
    subject_of(nowhere, sizeof nowhere, other, "echo");
    in.path = nowhere;
    status_t st = bus_call(c, subj, &ctx, &in.base, NULL, NULL, err, sizeof err, 5000);
    cr_assert_eq(st, ST_UNAVAILABLE, "%s: %s", status_str(st), err);
    cr_assert(str_has_prefix(err, "relay: "), "%s", err);
    bus_free(c);
    server_stop(s);
}

/* A method the proto does not have, on a served name, is 404 rather than a timeout. */
Test(bus, unknown_method_is_not_found)
{
    TEST_SERVICE(2, false, "no_such_method");
    char err[256];

    int64_t t0 = time_mono_us();
    status_t st = bus_call(c, subj, NULL, NULL, NULL, NULL, err, sizeof err, 5000);
    cr_assert_eq(st, ST_NOT_FOUND, "%s: %s", status_str(st), err);
    cr_assert_lt(ms_since(t0), 4000);
    cr_assert_str_eq(err, "no such method");
    /* Subjects are case-sensitive: the rpc name in CamelCase is not the method. */
    subject_of(subj, sizeof subj, name, "Echo");
    cr_assert_eq(bus_call(c, subj, NULL, NULL, NULL, NULL, err, sizeof err, 5000), ST_NOT_FOUND);
    cr_assert_eq(atomic_load(&s->calls), 0);
    bus_free(c);
    server_stop(s);
}

/* ---- unavailable and timeouts ---------------------------------------------------------------- */

Test(bus, no_responders_is_unavailable_quickly)
{
    char name[32], subj[96], err[256];
    unique_name(name, sizeof name, "nobody");
    bus_t *c = connect_as("bt-client");
    subject_of(subj, sizeof subj, name, "echo");

    int64_t t0 = time_mono_us();
    cr_assert_eq(bus_call(c, subj, NULL, NULL, NULL, NULL, err, sizeof err, 5000), ST_UNAVAILABLE);
    cr_assert_lt(ms_since(t0), 2000, "no responders is known at once (%.0f ms)", ms_since(t0));
    cr_assert_str_eq(err, "service unavailable");

    waiter_t w;
    waiter_init(&w);
    t0 = time_mono_us();
    cr_assert_eq(bus_call_async(c, subj, NULL, "x", 1, 5000, on_done, &w), ST_OK);
    cr_assert(waiter_wait(&w, 10000));
    cr_assert_lt(ms_since(t0), 2000, "async no responders took %.0f ms", ms_since(t0));
    cr_assert_eq(w.st, ST_UNAVAILABLE);
    cr_assert_null(w.msg);
    cr_assert_str_eq(w.errmsg, "service unavailable");
    usleep(5500 * 1000); /* past the call's deadline: the timer must not call back again */
    cr_assert_eq(waiter_calls(&w), 1);
    waiter_cleanup(&w);
    bus_free(c);
}

Test(bus, silent_handler_times_out_near_the_deadline)
{
    TEST_SERVICE(4, false, "slow");
    char err[256];
    atomic_store(&s->hold, true);

    Common__Header in = COMMON__HEADER__INIT;
    in.value = "3000"; /* answers after 3 s: long after the caller gave up */

    int64_t t0 = time_mono_us();
    cr_assert_eq(bus_call(c, subj, NULL, &in.base, NULL, NULL, err, sizeof err, 600), ST_TIMEOUT);
    double took = ms_since(t0);
    cr_assert(took >= 590 && took < 2500, "sync timeout after %.0f ms (deadline 600)", took);
    cr_assert_str_eq(err, "deadline exceeded");

    waiter_t w;
    waiter_init(&w);
    t0 = time_mono_us();
    cr_assert_eq(call_async_msg(c, subj, NULL, &in.base, 600, &w), ST_OK);
    cr_assert(waiter_wait(&w, 10000));
    took = (double)(w.at_us - t0) / 1000.0;
    cr_assert(took >= 590 && took < 2500, "async timeout after %.0f ms (deadline 600)", took);
    cr_assert_eq(w.st, ST_TIMEOUT);
    cr_assert_null(w.msg);
    cr_assert_str_eq(w.errmsg, "deadline exceeded");

    /* The late reply (the handler gives up holding after 3 s) is dropped, not delivered. */
    usleep(3500 * 1000);
    cr_assert_geq(atomic_load(&s->calls), 2);
    cr_assert_eq(waiter_calls(&w), 1, "exactly one callback");
    waiter_cleanup(&w);
    bus_free(c);
    server_stop(s);
}

/* A request whose Deadline already passed when a worker picks it up is dropped unanswered. */
Test(bus, request_past_its_deadline_is_dropped)
{
    TEST_SERVICE(1, false, "echo"); /* one worker: requests run in order */
    natsConnection *nc = bus_nats(c);

    Common__Header in = COMMON__HEADER__INIT;
    in.value = "x";
    size_t len;
    uint8_t *data = pack(&in.base, &len);

    static const struct {
        const char *deadline; /* NULL: no header; "past"/"future": computed */
        bool answered;
    } cases[] = {
        {"past", false}, {"future", true}, {NULL, true}, {"garbage", true}, {"0", true},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        natsMsg *m = NULL, *rep = NULL;
        char dl[32];
        cr_assert_eq(natsMsg_Create(&m, subj, NULL, (const char *)data, (int)len), NATS_OK);
        if (cases[i].deadline && strcmp(cases[i].deadline, "past") == 0)
            snprintf(dl, sizeof dl, "%lld", (long long)(time_now_ms() - 1000));
        else if (cases[i].deadline && strcmp(cases[i].deadline, "future") == 0)
            snprintf(dl, sizeof dl, "%lld", (long long)(time_now_ms() + 60000));
        else if (cases[i].deadline)
            snprintf(dl, sizeof dl, "%s", cases[i].deadline);
        if (cases[i].deadline)
            natsMsgHeader_Set(m, BUS_HDR_DEADLINE, dl);
        int before = atomic_load(&s->calls);
        natsStatus ns = natsConnection_RequestMsg(&rep, nc, m, cases[i].answered ? 10000 : 1500);
        if (cases[i].answered) {
            cr_assert_eq(ns, NATS_OK, "deadline %s: %s", cases[i].deadline ? dl : "(none)",
                         natsStatus_GetText(ns));
            cr_assert_eq(bus_reply_status(rep, NULL), ST_OK);
            cr_assert_eq(atomic_load(&s->calls), before + 1);
        } else {
            cr_assert_eq(ns, NATS_TIMEOUT, "a late request must get no answer (%s)",
                         natsStatus_GetText(ns));
        }
        natsMsg_Destroy(rep);
        natsMsg_Destroy(m);
    }
    /* The single worker has run every later request, so the dropped one is long gone. */
    cr_assert_eq(atomic_load(&s->calls), 4, "the handler never saw the late request");
    free(data);
    bus_free(c);
    server_stop(s);
}

/* ---- concurrency ----------------------------------------------------------------------------- */

enum { ASYNC_THREADS = 4, ASYNC_PER_THREAD = 500, ASYNC_TOTAL = ASYNC_THREADS * ASYNC_PER_THREAD };

typedef struct async_run async_run_t;
typedef struct {
    async_run_t *run;
    int index;
    atomic_int calls;
    atomic_int bad;
} slot_t;

struct async_run {
    bus_t *client;
    const char *subject;
    slot_t slots[ASYNC_TOTAL];
    atomic_int done;
    atomic_int send_errors;
};

static void on_slot(void *arg, status_t st, const char *errmsg, natsMsg *msg)
{
    slot_t *slot = arg;
    (void)errmsg;
    Common__Header *out = NULL;
    char want[32];
    snprintf(want, sizeof want, "i-%d", slot->index);
    if (st == ST_OK && msg)
        out = (Common__Header *)protobuf_c_message_unpack(&common__header__descriptor, NULL,
                                                          (size_t)natsMsg_GetDataLength(msg),
                                                          (const uint8_t *)natsMsg_GetData(msg));
    if (!out || !out->value || strcmp(out->value, want) != 0)
        atomic_fetch_add(&slot->bad, 1);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)out, NULL);
    natsMsg_Destroy(msg);
    atomic_fetch_add(&slot->calls, 1);
    atomic_fetch_add(&slot->run->done, 1);
}

static void *send_many(void *arg)
{
    slot_t *first = arg;
    async_run_t *run = first->run;
    for (int i = 0; i < ASYNC_PER_THREAD; i++) {
        slot_t *slot = first + i;
        char value[32];
        Common__Header in = COMMON__HEADER__INIT;
        snprintf(value, sizeof value, "i-%d", slot->index);
        in.value = value;
        size_t len;
        uint8_t *data = pack(&in.base, &len);
        if (bus_call_async(run->client, run->subject, NULL, data, len, 60000, on_slot, slot))
            atomic_fetch_add(&run->send_errors, 1);
        free(data);
    }
    return NULL;
}

Test(bus, many_concurrent_async_calls_complete_exactly_once)
{
    char name[32], subj[96];
    unique_name(name, sizeof name, "bt");
    server_t *s = server_start(name, 8, false);
    async_run_t *run = xcalloc(1, sizeof *run);
    run->client = connect_as("bt-client");
    run->subject = subj;
    subject_of(subj, sizeof subj, name, "echo");
    for (int i = 0; i < ASYNC_TOTAL; i++) {
        run->slots[i].run = run;
        run->slots[i].index = i;
    }

    /* Hold the handlers so every call is in flight at once. */
    atomic_store(&s->hold, true);
    pthread_t th[ASYNC_THREADS];
    for (int t = 0; t < ASYNC_THREADS; t++)
        pthread_create(&th[t], NULL, send_many, &run->slots[t * ASYNC_PER_THREAD]);
    for (int t = 0; t < ASYNC_THREADS; t++)
        pthread_join(th[t], NULL);
    cr_assert_eq(atomic_load(&run->send_errors), 0);
    cr_assert_eq(atomic_load(&run->done), 0, "nothing answered while the handlers are held");
    atomic_store(&s->hold, false);

    int64_t until = time_mono_us() + 120 * 1000000LL;
    while (atomic_load(&run->done) < ASYNC_TOTAL && time_mono_us() < until)
        usleep(10000);
    cr_assert_eq(atomic_load(&run->done), ASYNC_TOTAL);
    usleep(500 * 1000); /* any duplicate would show up now */
    for (int i = 0; i < ASYNC_TOTAL; i++) {
        cr_assert_eq(atomic_load(&run->slots[i].calls), 1, "call %d: %d callbacks", i,
                     atomic_load(&run->slots[i].calls));
        cr_assert_eq(atomic_load(&run->slots[i].bad), 0, "call %d got a wrong reply", i);
    }
    cr_assert_eq(atomic_load(&run->done), ASYNC_TOTAL);
    cr_assert_eq(atomic_load(&s->calls), ASYNC_TOTAL);
    bus_free(run->client);
    free(run);
    server_stop(s);
}

typedef struct {
    bus_t *client;
    const char *subject;
    int id;
    int failures;
} sync_worker_t;

static void *call_many(void *arg)
{
    sync_worker_t *w = arg;
    for (int i = 0; i < 100; i++) {
        char value[32];
        Common__Header in = COMMON__HEADER__INIT;
        Common__Header *out = NULL;
        snprintf(value, sizeof value, "%d-%d", w->id, i);
        in.value = value;
        status_t st = bus_call(w->client, w->subject, NULL, &in.base, &common__header__descriptor,
                               (ProtobufCMessage **)&out, NULL, 0, 20000);
        if (st || !out || !out->value || strcmp(out->value, value) != 0)
            w->failures++;
        protobuf_c_message_free_unpacked((ProtobufCMessage *)out, NULL);
    }
    return NULL;
}

Test(bus, concurrent_sync_calls_from_many_threads)
{
    TEST_SERVICE(4, false, "echo");
    sync_worker_t w[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (sync_worker_t){c, subj, i, 0};
        pthread_create(&th[i], NULL, call_many, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].failures, 0, "thread %d: %d failures", i, w[i].failures);
    }
    cr_assert_eq(atomic_load(&s->calls), 800);
    bus_free(c);
    server_stop(s);
}

/* Freeing a client with calls in flight gives each its one callback (ST_UNAVAILABLE). */
Test(bus, free_with_pending_calls_calls_back_once)
{
    TEST_SERVICE(2, false, "slow");
    atomic_store(&s->hold, true);

    Common__Header in = COMMON__HEADER__INIT;
    in.value = "20000";
    waiter_t w[3];
    for (int i = 0; i < 3; i++) {
        waiter_init(&w[i]);
        cr_assert_eq(call_async_msg(c, subj, NULL, &in.base, 30000, &w[i]), ST_OK);
    }
    int64_t until = time_mono_us() + 10 * 1000000LL;
    while (atomic_load(&s->calls) < 2 && time_mono_us() < until)
        usleep(5000);
    bus_free(c);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(waiter_calls(&w[i]), 1, "call %d", i);
        cr_assert_eq(w[i].st, ST_UNAVAILABLE);
        cr_assert_null(w[i].msg);
        waiter_cleanup(&w[i]);
    }
    server_stop(s);
}

/* bus_free while replies are still arriving: every call gets exactly one callback, none after
 * bus_free returned, and nothing touches the freed bus (ASan). */
typedef struct {
    atomic_int calls;
    atomic_int after_free;
    atomic_bool freed;
} race_slot_t;

static void on_race(void *arg, status_t st, const char *errmsg, natsMsg *msg)
{
    race_slot_t *r = arg;
    (void)st;
    (void)errmsg;
    if (atomic_load(&r->freed))
        atomic_fetch_add(&r->after_free, 1);
    atomic_fetch_add(&r->calls, 1);
    natsMsg_Destroy(msg);
}

Test(bus, free_while_replies_arrive)
{
    enum { ROUNDS = 30, CALLS = 300 };
    char name[32], subj[96];
    unique_name(name, sizeof name, "bt");
    server_t *s = server_start(name, 4, false);
    subject_of(subj, sizeof subj, name, "echo");
    race_slot_t *slots = xcalloc(CALLS, sizeof *slots);
    Common__Header in = COMMON__HEADER__INIT;
    in.value = "x";
    size_t len;
    uint8_t *data = pack(&in.base, &len);

    for (int round = 0; round < ROUNDS; round++) {
        bus_t *c = connect_as("bt-client");
        for (int i = 0; i < CALLS; i++) {
            atomic_store(&slots[i].calls, 0);
            atomic_store(&slots[i].after_free, 0);
            atomic_store(&slots[i].freed, false);
            cr_assert_eq(bus_call_async(c, subj, NULL, data, len, 10000, on_race, &slots[i]),
                         ST_OK);
        }
        usleep((useconds_t)(round % 6) * 400);
        bus_free(c);
        for (int i = 0; i < CALLS; i++)
            atomic_store(&slots[i].freed, true);
        usleep(50 * 1000);
        for (int i = 0; i < CALLS; i++) {
            cr_assert_eq(atomic_load(&slots[i].calls), 1, "round %d call %d: %d callbacks", round,
                         i, atomic_load(&slots[i].calls));
            cr_assert_eq(atomic_load(&slots[i].after_free), 0, "round %d call %d: after free",
                         round, i);
        }
    }
    free(data);
    free(slots);
    server_stop(s);
}

/* ---- queue groups ---------------------------------------------------------------------------- */

static status_t who(bus_t *c, const char *subj, char *instance, size_t n)
{
    Common__Pong *pong = NULL;
    status_t st = bus_call(c, subj, NULL, NULL, &common__pong__descriptor,
                           (ProtobufCMessage **)&pong, NULL, 0, 5000);
    if (!st)
        snprintf(instance, n, "%s", pong->instance ? pong->instance : "");
    protobuf_c_message_free_unpacked((ProtobufCMessage *)pong, NULL);
    return st;
}

Test(bus, queue_group_shares_the_load_and_survives_one_replica)
{
    char name[32], subj[96], inst[64];
    unique_name(name, sizeof name, "bt");
    server_t *a = server_start(name, 2, false);
    server_t *b = server_start(name, 2, false);
    bus_t *c = connect_as("bt-client");
    subject_of(subj, sizeof subj, name, "who");
    char ia[40], ib[40];
    snprintf(ia, sizeof ia, "%s", bus_instance(a->bus));
    snprintf(ib, sizeof ib, "%s", bus_instance(b->bus));

    int by_a = 0, by_b = 0;
    for (int i = 0; i < 200; i++) {
        cr_assert_eq(who(c, subj, inst, sizeof inst), ST_OK, "call %d", i);
        if (strcmp(inst, ia) == 0)
            by_a++;
        else if (strcmp(inst, ib) == 0)
            by_b++;
        else
            cr_assert_fail("answered by a stranger: %s", inst);
    }
    cr_assert_eq(by_a + by_b, 200);
    cr_assert_gt(by_a, 0, "replica a got nothing (b: %d)", by_b);
    cr_assert_gt(by_b, 0, "replica b got nothing (a: %d)", by_a);
    cr_assert_eq(atomic_load(&a->calls), by_a);
    cr_assert_eq(atomic_load(&b->calls), by_b);

    /* Each request went to exactly one member of the group. */
    server_stop(a);
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(who(c, subj, inst, sizeof inst), ST_OK, "call %d after a left", i);
        cr_assert_str_eq(inst, ib);
    }
    cr_assert_eq(atomic_load(&b->calls), by_b + 100);
    bus_free(c);
    server_stop(b);
}

/* ---- ping ------------------------------------------------------------------------------------ */

/* svc.<name>.ping's answer into *pong (NULL unless ST_OK). */
static status_t ping(bus_t *c, const char *subj, Common__Pong **pong)
{
    char err[256];
    *pong = NULL;
    return bus_call(c, subj, NULL, NULL, &common__pong__descriptor, (ProtobufCMessage **)pong, err,
                    sizeof err, 5000);
}

Test(bus, ping_is_served_automatically)
{
    TEST_SERVICE(1, false, "ping");
    Common__Pong *pong = NULL;
    cr_assert_eq(ping(c, subj, &pong), ST_OK);
    cr_assert_str_eq(pong->service, name);
    cr_assert_str_eq(pong->instance, bus_instance(s->bus));
    cr_assert(pong->has_db_ok && pong->db_ok);
    protobuf_c_message_free_unpacked(&pong->base, NULL);
    cr_assert_eq(atomic_load(&s->calls), 0, "ping runs no handler of the service");
    bus_free(c);
    server_stop(s);
}

Test(bus, ping_reports_the_health_check)
{
    TEST_SERVICE(1, true, "ping");
    Common__Pong *pong = NULL;
    cr_assert_eq(ping(c, subj, &pong), ST_OK);
    cr_assert(pong->has_db_ok && pong->db_ok);
    protobuf_c_message_free_unpacked(&pong->base, NULL);

    atomic_store(&s->health, false);
    cr_assert_eq(ping(c, subj, &pong), ST_UNAVAILABLE);
    cr_assert_null(pong);
    bus_free(c);
    server_stop(s);
}

/* ---- publish and JetStream ------------------------------------------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    int count;
    char last[64];
    char subject[128];
} sink_t;

static void sink_init(sink_t *k)
{
    memset(k, 0, sizeof *k);
    pthread_mutex_init(&k->mu, NULL);
}

static void on_message(void *arg, const char *subject, const void *data, size_t len)
{
    sink_t *k = arg;
    pthread_mutex_lock(&k->mu);
    k->count++;
    snprintf(k->last, sizeof k->last, "%.*s", (int)len, (const char *)data);
    snprintf(k->subject, sizeof k->subject, "%s", subject);
    pthread_mutex_unlock(&k->mu);
}

static void on_published(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    on_message(closure, natsMsg_GetSubject(msg), natsMsg_GetData(msg),
               (size_t)natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

static int sink_wait(sink_t *k, int want, int timeout_ms)
{
    int64_t until = time_mono_us() + (int64_t)timeout_ms * 1000;
    int n = 0;
    for (;;) {
        pthread_mutex_lock(&k->mu);
        n = k->count;
        pthread_mutex_unlock(&k->mu);
        if (n >= want || time_mono_us() >= until)
            return n;
        usleep(5000);
    }
}

Test(bus, publish_reaches_subscribers)
{
    char name[32], subj[96];
    unique_name(name, sizeof name, "notify");
    snprintf(subj, sizeof subj, "notify.user.%s", name);
    bus_t *c = connect_as("bt-client");
    bus_t *p = connect_as("bt-publisher");
    sink_t k;
    sink_init(&k);
    natsSubscription *sub = NULL;
    cr_assert_eq(natsConnection_Subscribe(&sub, bus_nats(c), subj, on_published, &k), NATS_OK);
    cr_assert_eq(natsConnection_Flush(bus_nats(c)), NATS_OK);

    cr_assert_eq(bus_publish(p, subj, "hello", 5), ST_OK);
    cr_assert_eq(bus_publish(p, subj, "world", 5), ST_OK);
    cr_assert_eq(sink_wait(&k, 2, 5000), 2);
    cr_assert_str_eq(k.last, "world");
    cr_assert_str_eq(k.subject, subj);
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    pthread_mutex_destroy(&k.mu);
    bus_free(p);
    bus_free(c);
}

/* bus_subscribe: no queue group, so every instance gets every message (cache invalidation);
 * wildcards work and the subscription ends with bus_free. */
Test(bus, plain_subscriptions_reach_every_instance)
{
    char name[32], subj[96], wild[96];
    unique_name(name, sizeof name, "bt");
    snprintf(subj, sizeof subj, "%s.revoked.user", name);
    snprintf(wild, sizeof wild, "%s.revoked.>", name);
    bus_t *a = connect_as(name);
    bus_t *b = connect_as(name); /* same name: replicas of one service */
    bus_t *p = connect_as("bt-publisher");
    sink_t ka, kb;
    sink_init(&ka);
    sink_init(&kb);
    cr_assert_eq(bus_subscribe(a, subj, on_message, &ka), ST_OK);
    cr_assert_eq(bus_subscribe(b, wild, on_message, &kb), ST_OK);

    cr_assert_eq(bus_publish(p, subj, "u-1", 3), ST_OK);
    cr_assert_eq(sink_wait(&ka, 1, 5000), 1);
    cr_assert_eq(sink_wait(&kb, 1, 5000), 1);
    cr_assert_str_eq(ka.last, "u-1");
    cr_assert_str_eq(kb.last, "u-1");
    cr_assert_str_eq(kb.subject, subj);

    /* Empty bodies are delivered too. */
    cr_assert_eq(bus_publish(p, subj, NULL, 0), ST_OK);
    cr_assert_eq(sink_wait(&ka, 2, 5000), 2);
    cr_assert_str_eq(ka.last, "");

    bus_free(a);
    cr_assert_eq(bus_publish(p, subj, "u-2", 3), ST_OK);
    cr_assert_eq(sink_wait(&kb, 3, 5000), 3);
    usleep(200 * 1000);
    cr_assert_eq(sink_wait(&ka, 3, 0), 2, "a freed bus receives nothing more");
    bus_free(b);
    bus_free(p);
    pthread_mutex_destroy(&ka.mu);
    pthread_mutex_destroy(&kb.mu);
}

static uint64_t stream_msgs(jsCtx *js, const char *stream, int *nsubjects)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    cr_assert_eq(js_GetStreamInfo(&si, js, stream, NULL, &jerr), NATS_OK, "stream info: %d",
                 (int)jerr);
    uint64_t n = si->State.Msgs;
    if (nsubjects)
        *nsubjects = si->Config->SubjectsLen;
    jsStreamInfo_Destroy(si);
    return n;
}

Test(bus, jetstream_dedups_by_message_id)
{
    char id[37], stream[64], subjects[512], sa[96], sb[96], sc[96], other[96];
    uuid_new(id);
    snprintf(stream, sizeof stream, "BUSTEST_%.8s", id);
    snprintf(sa, sizeof sa, "bustest.%.8s.a", id);
    snprintf(sb, sizeof sb, "bustest.%.8s.b", id);
    snprintf(sc, sizeof sc, "bustest.%.8s.c", id);
    snprintf(other, sizeof other, "bustest.%.8s.other", id);
    snprintf(subjects, sizeof subjects, "%s,%s", sa, sb);

    bus_t *c = connect_as("bt-js");
    jsCtx *js = NULL;
    cr_assert_eq(natsConnection_JetStream(&js, bus_nats(c), NULL), NATS_OK);

    cr_assert_eq(bus_js_ensure_stream(c, stream, subjects), ST_OK);
    cr_assert_eq(bus_js_ensure_stream(c, stream, subjects), ST_OK, "ensure is idempotent");
    int nsubj = 0;
    cr_assert_eq(stream_msgs(js, stream, &nsubj), 0);
    cr_assert_eq(nsubj, 2);

    cr_assert_eq(bus_js_publish(c, sa, "msg-1", "one", 3), ST_OK);
    cr_assert_eq(bus_js_publish(c, sa, "msg-1", "one", 3), ST_OK, "a duplicate is acknowledged");
    cr_assert_eq(stream_msgs(js, stream, NULL), 1, "same msg id twice stores one message");
    cr_assert_eq(bus_js_publish(c, sb, "msg-2", "two", 3), ST_OK);
    cr_assert_eq(stream_msgs(js, stream, NULL), 2);
    cr_assert_eq(bus_js_publish(c, sb, NULL, "three", 5), ST_OK);
    cr_assert_eq(bus_js_publish(c, sb, NULL, "three", 5), ST_OK);
    cr_assert_eq(stream_msgs(js, stream, NULL), 4, "without an id nothing is deduplicated");

    /* A subject no stream captures is an error, not a silent loss. */
    cr_assert_neq(bus_js_publish(c, other, "msg-3", "x", 1), ST_OK);
    cr_assert_eq(stream_msgs(js, stream, NULL), 4);

    /* Ensuring with more subjects updates the stream in place and keeps its messages. */
    snprintf(subjects, sizeof subjects, "%s,%s,%s", sa, sb, sc);
    cr_assert_eq(bus_js_ensure_stream(c, stream, subjects), ST_OK);
    cr_assert_eq(stream_msgs(js, stream, &nsubj), 4);
    cr_assert_eq(nsubj, 3);
    cr_assert_eq(bus_js_publish(c, sc, "msg-4", "four", 4), ST_OK);
    cr_assert_eq(bus_js_publish(c, sc, "msg-1", "dup", 3), ST_OK, "ids dedup stream-wide");
    cr_assert_eq(stream_msgs(js, stream, NULL), 5);

    jsErrCode jerr = 0;
    cr_assert_eq(js_DeleteStream(js, stream, NULL, &jerr), NATS_OK);
    jsCtx_Destroy(js);
    bus_free(c);
}

Test(bus, connect_to_nothing_fails_in_time)
{
    bus_t *b = (bus_t *)0x1;
    int64_t t0 = time_mono_us();
    /* Port 1 on loopback: nothing listens there. */
    cr_assert_eq(bus_connect("bt-nowhere", "nats://127.0.0.1:1", 600, &b), ST_UNAVAILABLE);
    cr_assert_eq(b, (bus_t *)0x1, "out untouched on failure");
    cr_assert_lt(ms_since(t0), 5000);
    bus_free(NULL);
}
