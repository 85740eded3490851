/* orgindex.c - per-organisation vector indexes, loaded on demand, bounded, kept current on
 * every replica (see orgindex.h).
 *
 * Locks: `mu` guards the map (entries, states, pending changes, LRU clock); each entry's
 * rwlock guards its vindex (searches read, changes write); `apply_mu` serialises applying
 * changes and finishing loads, so two re-reads of one source can never land out of order.
 * Database reads happen outside `mu`.
 */
#include "orgindex.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/util.h"
#include "store.h"

#define PENDING_MAX (1 << 16)

typedef struct entry {
    struct entry *next;
    char org[37];
    bool ready;          /* loaded and current */
    bool loading;        /* one thread loads it; the others wait */
    char (*pending)[37]; /* sources changed while loading */
    size_t n_pending;
    int refs;      /* searches and changes using it: not evicted meanwhile */
    uint64_t used; /* LRU clock */
    size_t bytes;
    pthread_rwlock_t lock;
    vindex_t *v;
} entry_t;

struct rag_index {
    bus_t *bus;
    db_pool_t *pool;
    size_t budget;
    natsSubscription *sub;
    int64_t dropped;
    pthread_mutex_t mu, apply_mu;
    pthread_cond_t loaded;
    entry_t *entries;
    uint64_t clock;
    size_t loads, evictions;
};

static void uuid_bytes(const char *s, unsigned char out[16])
{
    for (int i = 0, j = 0; s[i] && j < 16; i++) {
        if (s[i] == '-')
            continue;
        unsigned hi = (unsigned)(s[i] <= '9' ? s[i] - '0' : (s[i] | 32) - 'a' + 10);
        i++;
        unsigned lo = (unsigned)(s[i] <= '9' ? s[i] - '0' : (s[i] | 32) - 'a' + 10);
        out[j++] = (unsigned char)(hi << 4 | lo);
    }
}

status_t rag_index_new(bus_t *bus, db_pool_t *pool, size_t budget, rag_index_t **out)
{
    rag_index_t *ix = xcalloc(1, sizeof *ix);
    natsStatus ns = natsConnection_SubscribeSync(&ix->sub, bus_nats(bus), RAG_INDEX_SUBJECT);
    if (ns == NATS_OK)
        ns = natsSubscription_SetPendingLimits(ix->sub, PENDING_MAX, PENDING_MAX * 128);
    if (ns == NATS_OK)
        ns = natsConnection_Flush(bus_nats(bus));
    if (ns != NATS_OK) {
        LOG_ERROR("rag: cannot subscribe to %s: %s", RAG_INDEX_SUBJECT, natsStatus_GetText(ns));
        natsSubscription_Destroy(ix->sub);
        free(ix);
        return ST_UNAVAILABLE;
    }
    ix->bus = bus;
    ix->pool = pool;
    ix->budget = budget;
    pthread_mutex_init(&ix->mu, NULL);
    pthread_mutex_init(&ix->apply_mu, NULL);
    pthread_cond_init(&ix->loaded, NULL);
    *out = ix;
    return ST_OK;
}

static void entry_free(entry_t *e)
{
    vindex_free(e->v);
    free(e->pending);
    pthread_rwlock_destroy(&e->lock);
    free(e);
}

void rag_index_free(rag_index_t *ix)
{
    if (!ix)
        return;
    natsSubscription_Unsubscribe(ix->sub);
    natsSubscription_Destroy(ix->sub);
    for (entry_t *e = ix->entries, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    pthread_mutex_destroy(&ix->mu);
    pthread_mutex_destroy(&ix->apply_mu);
    pthread_cond_destroy(&ix->loaded);
    free(ix);
}

static entry_t *entry_find(rag_index_t *ix, const char *org)
{
    for (entry_t *e = ix->entries; e; e = e->next)
        if (strcmp(e->org, org) == 0)
            return e;
    return NULL;
}

static void add_row(void *arg, const rag_vec_row_t *r)
{
    vindex_add(arg, r->id, r->source, r->category, r->model, r->vec, r->dims);
}

/* Re-reads source's live chunks into e (caller holds apply_mu and a reference to e). The
 * organisation's searches wait meanwhile (one source: a few milliseconds). */
static status_t refresh_source(rag_index_t *ix, entry_t *e, const char *source)
{
    unsigned char src[16];
    status_t st;

    uuid_bytes(source, src);
    pthread_rwlock_wrlock(&e->lock);
    vindex_remove_source(e->v, src);
    st = rag_store_scan_vectors(ix->pool, e->org, source, add_row, e->v);
    pthread_rwlock_unlock(&e->lock);
    pthread_mutex_lock(&ix->mu);
    e->bytes = vindex_bytes(e->v); /* writers hold apply_mu: e->v is not changing */
    pthread_mutex_unlock(&ix->mu);
    return st;
}

/* Drops every index (after discarded changes or a failed re-read): each is reloaded on use. */
static void drop_all(rag_index_t *ix)
{
    pthread_mutex_lock(&ix->mu);
    for (entry_t **p = &ix->entries; *p;) {
        entry_t *e = *p;
        if (e->ready && e->refs == 0) {
            *p = e->next;
            entry_free(e);
        } else {
            if (!e->loading)
                e->ready = false; /* in use: reloaded by its next user */
            p = &e->next;
        }
    }
    pthread_mutex_unlock(&ix->mu);
}

/* Applies one change (caller holds apply_mu). */
static void apply(rag_index_t *ix, const char *org, const char *source)
{
    pthread_mutex_lock(&ix->mu);
    entry_t *e = entry_find(ix, org);
    if (e && e->loading) { /* its loader applies it */
        e->pending = xrealloc(e->pending, (e->n_pending + 1) * sizeof *e->pending);
        snprintf(e->pending[e->n_pending++], 37, "%s", source);
        e = NULL;
    } else if (e && e->ready)
        e->refs++;
    else
        e = NULL; /* not in memory or to be reloaded: nothing to keep current */
    pthread_mutex_unlock(&ix->mu);
    if (!e)
        return;
    status_t st = refresh_source(ix, e, source);
    pthread_mutex_lock(&ix->mu);
    e->refs--;
    pthread_mutex_unlock(&ix->mu);
    if (st) {
        LOG_WARN("rag: cannot re-read a changed source (%s); dropping the indexes", status_str(st));
        drop_all(ix);
    }
}

/* Applies every change received so far, in order (caller holds apply_mu). */
static void drain(rag_index_t *ix)
{
    natsMsg *m = NULL;
    int64_t dropped = 0;
    const char *me = bus_instance(ix->bus);

    while (natsSubscription_NextMsg(&m, ix->sub, 0) == NATS_OK) {
        char text[160], inst[64], org[37], source[37];
        int len = natsMsg_GetDataLength(m);
        if (len > 0 && len < (int)sizeof text) {
            memcpy(text, natsMsg_GetData(m), (size_t)len);
            text[len] = '\0';
            if (sscanf(text, "%63s %36s %36s", inst, org, source) == 3 && strcmp(inst, me) != 0)
                apply(ix, org, source);
        }
        natsMsg_Destroy(m);
    }
    if (natsSubscription_GetDropped(ix->sub, &dropped) == NATS_OK && dropped != ix->dropped) {
        LOG_WARN("rag: %lld index changes were discarded; dropping the indexes",
                 (long long)(dropped - ix->dropped));
        ix->dropped = dropped;
        drop_all(ix);
    }
}

void rag_index_changed(rag_index_t *ix, const char *org, const char *source)
{
    char text[160];
    int len = snprintf(text, sizeof text, "%s %s %s", bus_instance(ix->bus), org, source);

    pthread_mutex_lock(&ix->apply_mu);
    drain(ix);
    apply(ix, org, source);
    pthread_mutex_unlock(&ix->apply_mu);
    if (bus_publish(ix->bus, RAG_INDEX_SUBJECT, text, (size_t)len))
        LOG_WARN("rag: could not announce an index change of %s; other replicas may serve it "
                 "stale until they reload",
                 org);
}

/* Evicts least recently used ready, unused entries until the total fits (caller holds mu). */
static void evict(rag_index_t *ix, const entry_t *keep)
{
    for (;;) {
        size_t total = 0;
        entry_t *lru = NULL;
        for (entry_t *e = ix->entries; e; e = e->next) {
            total += e->bytes;
            if (e != keep && e->ready && e->refs == 0 && (!lru || e->used < lru->used))
                lru = e;
        }
        if (total <= ix->budget || !lru)
            return;
        for (entry_t **p = &ix->entries; *p; p = &(*p)->next)
            if (*p == lru) {
                *p = lru->next;
                break;
            }
        LOG_INFO("rag: index of %s evicted (%zu bytes; budget %zu)", lru->org, lru->bytes,
                 ix->budget);
        entry_free(lru);
        ix->evictions++;
    }
}

/* Loads e (state: not ready, owned by this thread) and applies the changes that came meanwhile. */
static status_t load(rag_index_t *ix, entry_t *e)
{
    vindex_t *v = vindex_new();
    status_t st = rag_store_scan_vectors(ix->pool, e->org, NULL, add_row, v);

    pthread_mutex_lock(&ix->apply_mu);
    pthread_rwlock_wrlock(&e->lock);
    vindex_free(e->v);
    e->v = v;
    pthread_rwlock_unlock(&e->lock);
    for (;;) { /* changes queued while loading, then ready */
        pthread_mutex_lock(&ix->mu);
        char(*pending)[37] = e->pending;
        size_t n = e->n_pending;
        e->pending = NULL;
        e->n_pending = 0;
        if (!n || st) {
            e->ready = st == ST_OK;
            e->loading = false;
            e->bytes = vindex_bytes(e->v);
            ix->loads++;
            pthread_mutex_unlock(&ix->mu);
            free(pending);
            break;
        }
        pthread_mutex_unlock(&ix->mu);
        for (size_t i = 0; i < n && !st; i++)
            st = refresh_source(ix, e, pending[i]);
        free(pending);
    }
    pthread_mutex_unlock(&ix->apply_mu);
    return st;
}

status_t rag_index_search(rag_index_t *ix, const char *org, const char *model, const float *q,
                          int dims, const unsigned char (*cats)[16], size_t n_cats, size_t k,
                          vindex_hit_t *out, size_t *n)
{
    entry_t *e;
    status_t st = ST_OK;

    pthread_mutex_lock(&ix->apply_mu);
    drain(ix);
    pthread_mutex_unlock(&ix->apply_mu);

    pthread_mutex_lock(&ix->mu);
    for (;;) {
        e = entry_find(ix, org);
        if (!e) {
            e = xcalloc(1, sizeof *e);
            snprintf(e->org, sizeof e->org, "%s", org);
            pthread_rwlock_init(&e->lock, NULL);
            e->next = ix->entries;
            ix->entries = e;
        } else if (e->loading) { /* another thread loads it */
            pthread_cond_wait(&ix->loaded, &ix->mu);
            continue;
        }
        break;
    }
    e->refs++;
    e->used = ++ix->clock;
    bool mine = !e->ready;
    e->loading = mine;
    pthread_mutex_unlock(&ix->mu);

    if (mine) {
        st = load(ix, e);
        pthread_mutex_lock(&ix->mu);
        pthread_cond_broadcast(&ix->loaded);
        if (st == ST_OK)
            evict(ix, e);
        pthread_mutex_unlock(&ix->mu);
    }
    if (st == ST_OK) {
        pthread_rwlock_rdlock(&e->lock);
        *n = vindex_search(e->v, model, q, dims, cats, n_cats, k, out);
        pthread_rwlock_unlock(&e->lock);
    }
    pthread_mutex_lock(&ix->mu);
    e->refs--;
    pthread_mutex_unlock(&ix->mu);
    return st;
}

void rag_index_stats(rag_index_t *ix, rag_index_stats_t *out)
{
    rag_index_stats_t s = {0};
    pthread_mutex_lock(&ix->mu);
    for (entry_t *e = ix->entries; e; e = e->next)
        if (e->ready) {
            s.orgs++;
            s.bytes += e->bytes;
        }
    s.loads = ix->loads;
    s.evictions = ix->evictions;
    pthread_mutex_unlock(&ix->mu);
    *out = s;
}
