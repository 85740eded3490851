/* cache.c - answers kept for a short time, dropped per scope (see cache.h).
 *
 * A chained hash table under one mutex: the critical sections are a lookup and a copy of a few
 * kilobytes, far shorter than the database round trip they replace. Dropping a scope bumps its
 * generation counter; entries remember the generation they were stored under and count as gone
 * once it moved on, so a drop is O(1) and the stale entries are reclaimed on the next sweep.
 */
#include "shared/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_STRIPES 1024u

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    uint64_t gen;    /* the scope's generation when stored */
    int64_t expires; /* ms, the caller's clock */
    uint32_t stripe; /* the scope's generation counter */
    size_t keylen;   /* scope '\0' key */
    size_t len;
    char *key;
    uint8_t *data;
} entry_t;

struct cache {
    pthread_mutex_t mu;
    int64_t ttl_ms;
    size_t max_entries, count, nbuckets;
    int64_t next_sweep; /* a full table sweeps at most once per quarter TTL */
    entry_t **buckets;
    uint64_t gens[CACHE_STRIPES];
};

/* FNV-1a over n bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint32_t stripe_of(const char *scope)
{
    return (uint32_t)(fnv(14695981039346656037ull, scope, strlen(scope)) % CACHE_STRIPES);
}

cache_t *cache_new(int64_t ttl_ms, size_t max_entries)
{
    if (ttl_ms <= 0 || max_entries == 0)
        return NULL;
    cache_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->ttl_ms = ttl_ms;
    c->max_entries = max_entries;
    c->nbuckets = 64;
    while (c->nbuckets < max_entries)
        c->nbuckets <<= 1;
    c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
    return c;
}

static void entry_free(entry_t *e)
{
    free(e->key);
    free(e->data);
    free(e);
}

static void free_all(cache_t *c)
{
    for (size_t i = 0; i < c->nbuckets; i++) {
        entry_t *e = c->buckets[i];
        while (e) {
            entry_t *next = e->next;
            entry_free(e);
            e = next;
        }
        c->buckets[i] = NULL;
    }
    c->count = 0;
}

void cache_free(cache_t *c)
{
    if (!c)
        return;
    free_all(c);
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static bool live(const cache_t *c, const entry_t *e, int64_t now_ms)
{
    return e->expires > now_ms && e->gen == c->gens[e->stripe];
}

/* "scope\0key" into b; its hash. */
static uint64_t make_key(const char *scope, const char *key, buf_t *b)
{
    buf_puts(b, scope);
    buf_putc(b, '\0');
    buf_puts(b, key);
    return fnv(14695981039346656037ull, b->data, b->len);
}

/* The slot that points at (hash, key), or at the NULL ending its chain. */
static entry_t **find(cache_t *c, uint64_t hash, const buf_t *k)
{
    entry_t **slot = &c->buckets[hash & (c->nbuckets - 1)];
    for (; *slot; slot = &(*slot)->next) {
        entry_t *e = *slot;
        if (e->hash == hash && e->keylen == k->len && memcmp(e->key, k->data, k->len) == 0)
            break;
    }
    return slot;
}

/* Removes every entry that is no longer live. */
static void sweep(cache_t *c, int64_t now_ms)
{
    for (size_t i = 0; i < c->nbuckets; i++) {
        entry_t **slot = &c->buckets[i];
        while (*slot) {
            entry_t *e = *slot;
            if (live(c, e, now_ms)) {
                slot = &e->next;
                continue;
            }
            *slot = e->next;
            entry_free(e);
            c->count--;
        }
    }
    c->next_sweep = now_ms + c->ttl_ms / 4;
}

uint64_t cache_gen(cache_t *c, const char *scope)
{
    if (!c)
        return 0;
    uint32_t s = stripe_of(scope);
    pthread_mutex_lock(&c->mu);
    uint64_t g = c->gens[s];
    pthread_mutex_unlock(&c->mu);
    return g;
}

bool cache_get(cache_t *c, const char *scope, const char *key, int64_t now_ms, buf_t *out)
{
    if (!c)
        return false;
    buf_t k = BUF_INIT;
    uint64_t h = make_key(scope, key, &k);
    bool hit = false;

    pthread_mutex_lock(&c->mu);
    entry_t *e = *find(c, h, &k);
    if (e && live(c, e, now_ms)) {
        buf_append(out, e->data, e->len);
        hit = true;
    }
    pthread_mutex_unlock(&c->mu);
    buf_cleanup(&k);
    return hit;
}

void cache_put(cache_t *c, const char *scope, const char *key, uint64_t gen, const void *data,
               size_t len, int64_t now_ms)
{
    if (!c)
        return;
    buf_t k = BUF_INIT;
    uint64_t h = make_key(scope, key, &k);
    uint32_t s = stripe_of(scope);
    uint8_t *copy = xmalloc(len ? len : 1);
    if (len)
        memcpy(copy, data, len);

    pthread_mutex_lock(&c->mu);
    if (c->gens[s] != gen)
        goto skip; /* dropped while the answer was computed: it may predate the change */
    entry_t **slot = find(c, h, &k);
    entry_t *e = *slot;
    if (!e) {
        if (c->count >= c->max_entries && now_ms >= c->next_sweep) {
            sweep(c, now_ms);
            slot = find(c, h, &k);
        }
        if (c->count >= c->max_entries)
            goto skip;
        e = xcalloc(1, sizeof *e);
        e->hash = h;
        e->keylen = k.len;
        e->key = xmalloc(k.len);
        memcpy(e->key, k.data, k.len);
        *slot = e;
        c->count++;
    }
    free(e->data);
    e->data = copy;
    copy = NULL;
    e->len = len;
    e->gen = gen;
    e->stripe = s;
    e->expires = now_ms + c->ttl_ms;
skip:
    pthread_mutex_unlock(&c->mu);
    free(copy);
    buf_cleanup(&k);
}

void cache_drop(cache_t *c, const char *scope)
{
    if (!c)
        return;
    uint32_t s = stripe_of(scope);
    pthread_mutex_lock(&c->mu);
    c->gens[s]++;
    pthread_mutex_unlock(&c->mu);
}

void cache_clear(cache_t *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < CACHE_STRIPES; i++)
        c->gens[i]++;
    free_all(c);
    pthread_mutex_unlock(&c->mu);
}

size_t cache_count(cache_t *c)
{
    if (!c)
        return 0;
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nbuckets; i++)
        for (entry_t *e = c->buckets[i]; e; e = e->next)
            n += c->gens[e->stripe] == e->gen;
    pthread_mutex_unlock(&c->mu);
    return n;
}
