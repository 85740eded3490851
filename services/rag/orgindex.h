/* orgindex.h - the in-memory vector indexes of a rag replica, one per organisation, kept
 * current on every replica.
 *
 * An organisation's index (vindex.h) is loaded from PostgreSQL on its first search and kept
 * while the total stays within the budget (RAG_INDEX_BUDGET_MB): beyond it the least recently
 * searched organisations are dropped (and loaded again when next searched).
 *
 * Changes: after a put with `last` or a delete has committed, the handler calls
 * rag_index_changed before it replies. That re-reads the source's live chunks into this
 * replica's index and publishes "<instance> <org> <source>" on RAG_INDEX_SUBJECT (core NATS).
 * Every replica reads that subject from a synchronous subscription and applies every change
 * already received before any search (the way buscache.h applies its drops), so a search that
 * starts after the change's reply never sees the old chunks, whichever replica serves it. A
 * change that comes while the organisation is being loaded is applied after the load. If NATS
 * had to discard changes (a slow consumer) every index is dropped and reloaded.
 */
#ifndef RAG_ORGINDEX_H
#define RAG_ORGINDEX_H

#include <stddef.h>

#include "shared/bus.h"
#include "shared/db.h"
#include "vindex.h"

#define RAG_INDEX_SUBJECT           "rag.index.changed"
#define RAG_INDEX_BUDGET_DEFAULT_MB 512

typedef struct rag_index rag_index_t;

/* Subscribes to RAG_INDEX_SUBJECT on bus; budget in bytes. */
status_t rag_index_new(bus_t *bus, db_pool_t *pool, size_t budget, rag_index_t **out /* OUT */);
void rag_index_free(rag_index_t *ix); /* NULL-safe; before bus_free */

/* After a committed change of source (a canonical UUID) in org: here and on every replica. */
void rag_index_changed(rag_index_t *ix, const char *org, const char *source);

/* The best k chunks of org for the query vector (see vindex_search), loading org first if it
 * is not in memory. ST_UNAVAILABLE when the database cannot be read. */
status_t rag_index_search(rag_index_t *ix, const char *org, const char *model, const float *q,
                          int dims, const unsigned char (*cats)[16], size_t n_cats, size_t k,
                          vindex_hit_t *out, size_t *n /* OUT */);

/* Statistics: organisations in memory, their bytes, loads so far. */
typedef struct {
    size_t orgs, bytes, loads, evictions;
} rag_index_stats_t;
void rag_index_stats(rag_index_t *ix, rag_index_stats_t *out /* OUT */);

#endif
