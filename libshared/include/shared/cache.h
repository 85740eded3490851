/* cache.h - a small thread-safe cache of answers (byte strings) for a short time, grouped by
 * scope (an organisation, a user) so one change drops every answer of its scope at once.
 *
 * Made for read-mostly lists that many clients poll: a service keeps the packed reply of a
 * query under (scope, key) and answers the next identical query from memory. Correctness rests
 * on two rules the caller keeps:
 *   - every change of a scope's data calls cache_drop(scope) after it commits, in every replica
 *     (the service broadcasts the scope on the bus and each replica drops it on receipt);
 *   - a computed answer is stored with the generation read *before* the query ran
 *     (cache_gen), so an answer computed from data older than a drop that arrived meanwhile is
 *     never stored.
 * The time to live bounds what a lost broadcast could leave stale.
 *
 *     uint64_t gen = cache_gen(c, org);
 *     if (cache_get(c, org, key, now_ms, &buf)) return reply(buf);
 *     ...query...; pack into bytes;
 *     cache_put(c, org, key, gen, bytes, n, now_ms);
 *
 * Scopes are hashed onto 1024 generation counters: dropping a scope also misses the entries of
 * the (rare) scopes that share its counter, never the other way round.
 */
#ifndef SHARED_CACHE_H
#define SHARED_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/util.h"

typedef struct cache cache_t;

/* A cache keeping entries ttl_ms and at most max_entries of them. ttl_ms 0 disables it: new
 * answers NULL, and every function below accepts NULL (get misses, the others do nothing). */
cache_t *cache_new(int64_t ttl_ms, size_t max_entries);
void cache_free(cache_t *c);

/* The scope's generation now: read it before computing an answer to store. */
uint64_t cache_gen(cache_t *c, const char *scope);
/* True and the answer's bytes appended to out when (scope, key) holds a live entry. */
bool cache_get(cache_t *c, const char *scope, const char *key, int64_t now_ms, buf_t *out);
/* Stores (a copy of) data under (scope, key) unless the scope was dropped since gen was read.
 * When full, expired entries go first; if none has expired the answer is not stored. */
void cache_put(cache_t *c, const char *scope, const char *key, uint64_t gen, const void *data,
               size_t len, int64_t now_ms);
/* Every entry of scope is gone (answers computed before this call are not stored either). */
void cache_drop(cache_t *c, const char *scope);
/* Every entry of every scope is gone (e.g. after the bus reconnects: drops may have been lost). */
void cache_clear(cache_t *c);
/* Entries not dropped (expired ones count until a sweep reclaims them); for tests, metrics. */
size_t cache_count(cache_t *c);

#endif
