/* buscache.h - a cache (cache.h) of bus answers whose drops reach every replica of a service.
 *
 * A service keeps recent answers of read-mostly queries per organisation; after each committed
 * change it calls buscache_drop, which drops the organisation here and publishes it on the
 * service's drop subject, where every replica drops it too.
 *
 * Read-your-writes across replicas: the change's replica publishes the drop before it replies,
 * so a drop reaches every other replica's connection before any request the client sends after
 * that reply. Drops are read from a synchronous subscription, and a cached answer is only used
 * after every drop already received has been applied: a request can never see an answer older
 * than a change whose reply its client has already seen. If NATS had to discard drops (a slow
 * consumer) the whole cache is cleared; a drop lost to a reconnect leaves copies stale for at
 * most the TTL.
 *
 *     svc->lists = buscache_new(svc->bus, "agents.cache.drop", ttl_ms, 10000);
 *     ...in a read handler:   return bus_reply_cached(req, svc->lists, org, key, fill, &query);
 *     ...after a change:      buscache_drop(svc->lists, org);
 */
#ifndef SHARED_BUSCACHE_H
#define SHARED_BUSCACHE_H

#include "shared/bus.h"
#include "shared/cache.h"

typedef struct buscache buscache_t;

/* A cache of ttl_ms / max_entries (cache_new) listening for drops on subject. *out is NULL
 * (and ST_OK) when ttl_ms is 0: every function below accepts NULL and then always computes. */
status_t buscache_new(bus_t *bus, const char *subject, int64_t ttl_ms, size_t max_entries,
                      buscache_t **out);
/* Before bus_free. NULL-safe. */
void buscache_free(buscache_t *bc);
/* Drops scope here at once and, through the subject, in every replica. The status of the
 * publication (not logged: the caller knows what the scope means); other replicas catch up
 * within the TTL when it failed. ST_OK for NULL. */
status_t buscache_drop(buscache_t *bc, const char *scope);
/* The generation of scope (cache_gen) after every drop received so far was applied; 0 for NULL.
 * For an answer that depends on more scopes than the one it is kept under: put their
 * generations into its key, read before the query, and a drop of any of them makes the old key
 * unreachable (the entry expires unused). */
uint64_t buscache_gen(buscache_t *bc, const char *scope);

/* Computes an answer: ST_OK with *out set, or a failure (bus_req_fail may have set the text). */
typedef status_t (*buscache_fill_fn)(void *arg, ProtobufCMessage **out);
/* Answers req from the cache when (scope, key) holds an answer; otherwise calls fill, replies
 * with its answer and keeps it. A request with the header Cache-Control: no-cache (the edge
 * passes the HTTP one on) is always computed, and its answer kept. Returns the status replied. */
status_t bus_reply_cached(bus_req_t *req, buscache_t *bc, const char *scope, const char *key,
                          buscache_fill_fn fill, void *arg);

#endif
