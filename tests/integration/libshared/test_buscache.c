/* test_buscache.c - libshared buscache against the stack's nats-server: answers are kept per
 * scope, a drop from another replica reaches this one before its next answer, Cache-Control:
 * no-cache computes, a drop of a scope named in a key misses that key, an expired key is
 * computed once for concurrent requests, and drops that
 * NATS had to discard clear the whole cache instead of leaving stale answers.
 *
 * A hand-written service (rpc Get(Empty) returns (Header)) answers with the number of times its
 * fill function ran, so every test can tell a cached answer from a computed one. Each test uses
 * its own bus name and drop subject. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/common.pb-c.h"
#include "shared/buscache.h"
#include "shared/log.h"
#include "shared/util.h"
#include "tests/support/harness.h"

#define ORG_A "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define ORG_B "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"

static const ProtobufCMethodDescriptor methods_desc[] = {
    {"Get", &common__empty__descriptor, &common__header__descriptor},
};
static const unsigned method_index[] = {0};
static const ProtobufCServiceDescriptor service = {
    PROTOBUF_C__SERVICE_DESCRIPTOR_MAGIC,
    "cachetest.Test",
    "Test",
    "Cachetest__Test",
    "cachetest",
    ARRAY_LEN(methods_desc),
    methods_desc,
    method_index,
};

typedef struct {
    bus_t *bus;
    buscache_t *cache;
    atomic_int fills;
    atomic_int fill_ms; /* how long a fill takes */
    char name[32], drops[64];
} server_t;

static status_t fill(void *arg, ProtobufCMessage **out)
{
    server_t *s = arg;
    int n = atomic_fetch_add(&s->fills, 1) + 1;
    if (atomic_load(&s->fill_ms))
        usleep((useconds_t)atomic_load(&s->fill_ms) * 1000);
    Common__Header *h = xcalloc(1, sizeof *h);
    common__header__init(h);
    char v[16];
    snprintf(v, sizeof v, "%d", n);
    h->name = xstrdup("fills");
    h->value = xstrdup(v);
    *out = &h->base;
    return ST_OK;
}

/* Every answer also depends on the scope SHARED (as auth's `me` answers depend on the
 * organisation's name): its generation is part of the key. */
#define SHARED "shared-scope"

static status_t h_get(void *svc, bus_req_t *req)
{
    server_t *s = svc;
    char key[48];
    snprintf(key, sizeof key, "the-key/%llu", (unsigned long long)buscache_gen(s->cache, SHARED));
    return bus_reply_cached(req, s->cache, bus_req_org(req), key, fill, s);
}

static const bus_method_t methods[] = {{"get", h_get}};

static void suite_init(void)
{
    const char *lvl = harness_env_opt("LOG_LEVEL");
    log_init("test_buscache", lvl ? lvl : "error");
}

TestSuite(buscache, .init = suite_init);

static server_t *server_start(int workers)
{
    server_t *s = xcalloc(1, sizeof *s);
    char id[37];
    uuid_new(id);
    snprintf(s->name, sizeof s->name, "cache%.8s", id);
    snprintf(s->drops, sizeof s->drops, "test.%s.drop", s->name);
    cr_assert_eq(bus_connect(s->name, harness_env("NATS_URL"), 10000, &s->bus), ST_OK);
    cr_assert_eq(buscache_new(s->bus, s->drops, 60000, 1000, &s->cache), ST_OK);
    cr_assert_not_null(s->cache);
    cr_assert_eq(bus_serve(s->bus, &service, methods, ARRAY_LEN(methods), s, workers), ST_OK);
    return s;
}

static void server_stop(server_t *s)
{
    bus_free(s->bus);
    buscache_free(s->cache);
    free(s);
}

/* Calls Get as org (with extra headers, NULL-terminated name/value pairs); the fill count it
 * answered with. */
static int get_with(bus_t *client, server_t *s, const char *org, const char *const *extra)
{
    char subject[64];
    snprintf(subject, sizeof subject, "svc.%s.get", s->name);
    bus_ctx_t ctx = {.org_id = org, .extra = extra};
    Common__Empty in = COMMON__EMPTY__INIT;
    Common__Header *out = NULL;
    cr_assert_eq(bus_call(client, subject, &ctx, &in.base, &common__header__descriptor,
                          (ProtobufCMessage **)&out, NULL, 0, 10000),
                 ST_OK);
    int n = atoi(out->value);
    common__header__free_unpacked(out, NULL);
    return n;
}

static int get(bus_t *client, server_t *s, const char *org)
{
    return get_with(client, s, org, NULL);
}

static bus_t *client(void)
{
    bus_t *b = NULL;
    cr_assert_eq(bus_connect("cacheclient", harness_env("NATS_URL"), 10000, &b), ST_OK);
    return b;
}

/* Another replica of s's service: only its cache's drop publishing is used. */
static buscache_t *other_replica(server_t *s, bus_t **bus)
{
    buscache_t *other = NULL;
    cr_assert_eq(bus_connect("other", harness_env("NATS_URL"), 10000, bus), ST_OK);
    cr_assert_eq(buscache_new(*bus, s->drops, 60000, 1000, &other), ST_OK);
    return other;
}

Test(buscache, answers_are_kept_per_scope)
{
    server_t *s = server_start(2);
    bus_t *c = client();
    cr_assert_eq(get(c, s, ORG_A), 1);
    cr_assert_eq(get(c, s, ORG_A), 1, "the second answer is the cached one");
    cr_assert_eq(get(c, s, ORG_B), 2, "another scope is computed");
    cr_assert_eq(get(c, s, ORG_B), 2);
    cr_assert_eq(atomic_load(&s->fills), 2);
    bus_free(c);
    server_stop(s);
}

Test(buscache, a_drop_from_another_replica_comes_first)
{
    server_t *s = server_start(2);
    bus_t *c = client();
    bus_t *other_bus = NULL;
    buscache_t *other = other_replica(s, &other_bus);

    cr_assert_eq(get(c, s, ORG_A), 1);
    cr_assert_eq(get(c, s, ORG_B), 2);
    for (int round = 0; round < 50; round++) {
        /* The drop is published before the next request is sent (as a replica publishes it
         * before replying): it must be applied before that request is answered. */
        buscache_drop(other, ORG_A);
        cr_assert_eq(natsConnection_Flush(bus_nats(other_bus)), NATS_OK);
        cr_assert_eq(get(c, s, ORG_A), 3 + round, "round %d: a stale answer after a drop", round);
    }
    cr_assert_eq(get(c, s, ORG_B), 2, "the other scope kept its answer");
    buscache_free(other);
    bus_free(other_bus);
    bus_free(c);
    server_stop(s);
}

Test(buscache, a_drop_of_a_scope_in_the_key_misses_every_scope)
{
    server_t *s = server_start(2);
    bus_t *c = client();
    bus_t *other_bus = NULL;
    buscache_t *other = other_replica(s, &other_bus);

    cr_assert_eq(get(c, s, ORG_A), 1);
    cr_assert_eq(get(c, s, ORG_B), 2);
    cr_assert_eq(buscache_drop(other, SHARED), ST_OK);
    cr_assert_eq(natsConnection_Flush(bus_nats(other_bus)), NATS_OK);
    cr_assert_eq(get(c, s, ORG_A), 3, "the key named the old generation of " SHARED);
    cr_assert_eq(get(c, s, ORG_B), 4);
    cr_assert_eq(get(c, s, ORG_A), 3, "kept again under the new generation");
    cr_assert_eq(buscache_gen(NULL, SHARED), 0, "NULL-safe");
    buscache_free(other);
    bus_free(other_bus);
    bus_free(c);
    server_stop(s);
}

Test(buscache, no_cache_computes_and_keeps_the_fresh_answer)
{
    server_t *s = server_start(2);
    bus_t *c = client();
    const char *fresh[] = {BUS_HDR_CACHE_CONTROL, "no-cache", NULL};
    cr_assert_eq(get(c, s, ORG_A), 1);
    cr_assert_eq(get_with(c, s, ORG_A, fresh), 2);
    cr_assert_eq(get(c, s, ORG_A), 2, "the fresh answer is kept");
    bus_free(c);
    server_stop(s);
}

typedef struct {
    bus_t *c;
    server_t *s;
    int got;
} caller_t;

static void *call_get(void *arg)
{
    caller_t *k = arg;
    k->got = get(k->c, k->s, ORG_A);
    return NULL;
}

Test(buscache, concurrent_misses_compute_once)
{
    server_t *s = server_start(8);
    bus_t *c = client();
    atomic_store(&s->fill_ms, 300);
    pthread_t t[8];
    caller_t k[8];
    for (int i = 0; i < 8; i++) {
        k[i] = (caller_t){c, s, 0};
        pthread_create(&t[i], NULL, call_get, &k[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(k[i].got, 1, "caller %d got a separate computation", i);
    }
    cr_assert_eq(atomic_load(&s->fills), 1);
    bus_free(c);
    server_stop(s);
}

Test(buscache, discarded_drops_clear_everything, .timeout = 60)
{
    server_t *s = server_start(2);
    bus_t *c = client();
    cr_assert_eq(get(c, s, ORG_A), 1);
    /* More drops (of other scopes) than a replica keeps waiting while it serves no reads. */
    for (int i = 0; i < 70000; i++)
        cr_assert_eq(bus_publish(c, s->drops, ORG_B, strlen(ORG_B)), ST_OK);
    cr_assert_eq(natsConnection_Flush(bus_nats(c)), NATS_OK);
    usleep(200 * 1000); /* the server delivers what fits */
    cr_assert_eq(get(c, s, ORG_A), 2, "some drop may have been ORG_A's: recomputed");
    cr_assert_eq(get(c, s, ORG_A), 2);
    bus_free(c);
    server_stop(s);
}
