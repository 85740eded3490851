/* buscache.c - cached bus answers, dropped in every replica (see buscache.h). */
#include "shared/buscache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/util.h"

#define SCOPE_MAX 128
/* Drops waiting to be applied; beyond this NATS discards them and the cache is cleared. */
#define PENDING_MAX (1 << 20)

struct buscache {
    bus_t *bus;
    char *subject;
    cache_t *cache;
    natsSubscription *sub;
    pthread_mutex_t mu; /* drains one at a time: nobody reads while a taken drop is unapplied */
    int64_t dropped;    /* messages NATS discarded, as last seen */
};

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

void buscache_drop(buscache_t *bc, const char *scope)
{
    if (!bc)
        return;
    cache_drop(bc->cache, scope);
    if (bus_publish(bc->bus, bc->subject, scope, strlen(scope)))
        LOG_WARN("%s: could not announce a change of %s; other replicas catch up within the TTL",
                 bc->subject, scope);
    apply_drops(bc); /* keeps the queue short when this replica mostly writes */
}

status_t bus_reply_cached(bus_req_t *req, buscache_t *bc, const char *scope, const char *key,
                          buscache_fill_fn fill, void *arg)
{
    ProtobufCMessage *answer = NULL;
    buf_t packed = BUF_INIT;
    int64_t now = time_mono_us() / 1000;
    status_t st = ST_OK;

    if (bc)
        apply_drops(bc);
    cache_t *c = bc ? bc->cache : NULL;
    uint64_t gen = cache_gen(c, scope); /* before the query: see cache.h */
    if (cache_get(c, scope, key, now, &packed)) {
        bus_reply_packed(req, packed.data, packed.len);
        goto done;
    }
    if ((st = fill(arg, &answer))) {
        bus_reply(req, st, NULL);
        goto done;
    }
    size_t len = protobuf_c_message_get_packed_size(answer);
    buf_reserve(&packed, len);
    protobuf_c_message_pack(answer, (uint8_t *)packed.data);
    packed.len = len;
    cache_put(c, scope, key, gen, packed.data, packed.len, now);
    bus_reply_packed(req, packed.data, packed.len);
done:
    if (answer)
        protobuf_c_message_free_unpacked(answer, NULL);
    buf_cleanup(&packed);
    return st;
}
