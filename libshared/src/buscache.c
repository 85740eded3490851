/* buscache.c - cached bus answers, dropped in every replica (see buscache.h). */
#include "shared/buscache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/log.h"
#include "shared/util.h"

#define SCOPE_MAX 128
/* Drops waiting to be applied (a replica that serves no reads for a while applies none).
 * Beyond this NATS discards them, and the next read clears the whole cache instead: memory
 * stays bounded (about 64 K messages) and no answer outlives a discarded drop. */
#define PENDING_MAX (1 << 16)

/* A key being computed: the other requests for it wait for that answer (no stampede when a
 * popular entry expires under load). */
typedef struct flight {
    struct flight *next;
    char *key; /* scope '\x1e' key */
} flight_t;

struct buscache {
    bus_t *bus;
    char *subject;
    cache_t *cache;
    natsSubscription *sub;
    pthread_mutex_t mu; /* drains one at a time: nobody reads while a taken drop is unapplied */
    int64_t dropped;    /* messages NATS discarded, as last seen */
    pthread_mutex_t fmu;
    pthread_cond_t landed;
    flight_t *flights;
};

#define FLIGHT_WAIT_MS 5000

status_t buscache_new(bus_t *bus, const char *subject, int64_t ttl_ms, size_t max_entries,
                      buscache_t **out)
{
    *out = NULL;
    cache_t *cache = cache_new(ttl_ms, max_entries);
    if (!cache)
        return ST_OK;
    buscache_t *bc = xcalloc(1, sizeof *bc);
    natsStatus ns = natsConnection_SubscribeSync(&bc->sub, bus_nats(bus), subject);
    if (ns == NATS_OK)
        ns = natsSubscription_SetPendingLimits(bc->sub, PENDING_MAX, PENDING_MAX * SCOPE_MAX);
    if (ns == NATS_OK)
        ns = natsConnection_Flush(bus_nats(bus)); /* the server knows it before we serve */
    if (ns != NATS_OK) {
        LOG_ERROR("buscache: cannot subscribe to %s: %s", subject, natsStatus_GetText(ns));
        natsSubscription_Destroy(bc->sub);
        cache_free(cache);
        free(bc);
        return ST_UNAVAILABLE;
    }
    bc->bus = bus;
    bc->subject = xstrdup(subject);
    bc->cache = cache;
    pthread_mutex_init(&bc->mu, NULL);
    pthread_mutex_init(&bc->fmu, NULL);
    pthread_cond_init(&bc->landed, NULL);
    *out = bc;
    return ST_OK;
}

void buscache_free(buscache_t *bc)
{
    if (!bc)
        return;
    natsSubscription_Unsubscribe(bc->sub);
    natsSubscription_Destroy(bc->sub);
    cache_free(bc->cache);
    pthread_mutex_destroy(&bc->mu);
    pthread_mutex_destroy(&bc->fmu);
    pthread_cond_destroy(&bc->landed);
    free(bc->subject);
    free(bc);
}

/* Applies every drop received so far (in the order they came, before any later request). */
static void apply_drops(buscache_t *bc)
{
    natsMsg *m = NULL;
    int64_t dropped = 0;

    pthread_mutex_lock(&bc->mu);
    while (natsSubscription_NextMsg(&m, bc->sub, 0) == NATS_OK) {
        int len = natsMsg_GetDataLength(m);
        char scope[SCOPE_MAX];
        if (len > 0 && len < (int)sizeof scope) {
            memcpy(scope, natsMsg_GetData(m), (size_t)len);
            scope[len] = '\0';
            cache_drop(bc->cache, scope);
        }
        natsMsg_Destroy(m);
    }
    if (natsSubscription_GetDropped(bc->sub, &dropped) == NATS_OK && dropped != bc->dropped) {
        LOG_WARN("buscache: %s: %lld drops were discarded; clearing the cache", bc->subject,
                 (long long)(dropped - bc->dropped));
        bc->dropped = dropped;
        cache_clear(bc->cache);
    }
    pthread_mutex_unlock(&bc->mu);
}

status_t buscache_drop(buscache_t *bc, const char *scope)
{
    if (!bc)
        return ST_OK;
    cache_drop(bc->cache, scope);
    status_t st = bus_publish(bc->bus, bc->subject, scope, strlen(scope));
    apply_drops(bc); /* keeps the queue short when this replica mostly writes */
    return st;
}

uint64_t buscache_gen(buscache_t *bc, const char *scope)
{
    if (!bc)
        return 0;
    apply_drops(bc);
    return cache_gen(bc->cache, scope);
}

static flight_t **flight_find(buscache_t *bc, const char *fkey)
{
    flight_t **f = &bc->flights;
    while (*f && strcmp((*f)->key, fkey) != 0)
        f = &(*f)->next;
    return f;
}

/* True when this caller is to compute fkey; false after waiting for another caller that was
 * computing it (then look in the cache again). */
static bool flight_board(buscache_t *bc, const char *fkey)
{
    bool mine = false;
    pthread_mutex_lock(&bc->fmu);
    if (!*flight_find(bc, fkey)) {
        flight_t *f = xcalloc(1, sizeof *f);
        f->key = xstrdup(fkey);
        f->next = bc->flights;
        bc->flights = f;
        mine = true;
    } else {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += FLIGHT_WAIT_MS / 1000;
        while (*flight_find(bc, fkey) &&
               pthread_cond_timedwait(&bc->landed, &bc->fmu, &until) == 0) {
        }
    }
    pthread_mutex_unlock(&bc->fmu);
    return mine;
}

static void flight_land(buscache_t *bc, const char *fkey)
{
    pthread_mutex_lock(&bc->fmu);
    flight_t **slot = flight_find(bc, fkey), *f = *slot;
    if (f) {
        *slot = f->next;
        free(f->key);
        free(f);
    }
    pthread_cond_broadcast(&bc->landed);
    pthread_mutex_unlock(&bc->fmu);
}

status_t bus_reply_cached(bus_req_t *req, buscache_t *bc, const char *scope, const char *key,
                          buscache_fill_fn fill, void *arg)
{
    ProtobufCMessage *answer = NULL;
    buf_t packed = BUF_INIT, fkey = BUF_INIT;
    status_t st = ST_OK;
    bool flying = false;
    cache_t *c = bc ? bc->cache : NULL;
    uint64_t gen = 0;
    const char *cc = bus_req_header(req, BUS_HDR_CACHE_CONTROL);
    bool fresh = cc && strstr(cc, "no-cache");

    for (int attempt = 0; attempt < 2; attempt++) {
        if (bc)
            apply_drops(bc);
        gen = cache_gen(c, scope); /* before the query: see cache.h */
        if (fresh)
            break;
        if (cache_get(c, scope, key, time_mono_us() / 1000, &packed)) {
            bus_reply_packed(req, packed.data, packed.len);
            goto done;
        }
        if (!bc || attempt == 1)
            break;
        buf_printf(&fkey, "%s\x1e%s", scope, key);
        if ((flying = flight_board(bc, fkey.data)))
            break;
    }
    if ((st = fill(arg, &answer))) {
        bus_reply(req, st, NULL);
        goto done;
    }
    size_t len = protobuf_c_message_get_packed_size(answer);
    buf_reserve(&packed, len);
    protobuf_c_message_pack(answer, (uint8_t *)packed.data);
    packed.len = len;
    cache_put(c, scope, key, gen, packed.data, packed.len, time_mono_us() / 1000);
    bus_reply_packed(req, packed.data, packed.len);
done:
    if (flying)
        flight_land(bc, fkey.data);
    if (answer)
        protobuf_c_message_free_unpacked(answer, NULL);
    buf_cleanup(&packed);
    buf_cleanup(&fkey);
    return st;
}
