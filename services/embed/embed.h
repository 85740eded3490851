/* embed.h - the embed service's module interface: its state, handlers, store and janitor.
 *
 * svc.embed.embed turns up to 256 texts into L2-normalised float32 vectors, with the offline
 * embedder (hashembed.c) or, when EMBED_BASE_URL is set, an OpenAI-compatible provider
 * (provider.c over oaiwire.c) behind a PostgreSQL cache (store.c, bounded by janitor.c).
 * main.c wires it; handlers.c answers the rpcs.
 */
#ifndef EMBED_EMBED_H
#define EMBED_EMBED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto/embed.pb-c.h"
#include "provider.h"
#include "shared/svc.h"

extern const db_migration_t embed_migrations[];
extern const size_t embed_migrations_count;

#define EMBED_MAX_TEXTS 256
#define EMBED_MAX_TEXT_BYTES                                                                       \
    32768 /* longer texts are clipped at a character boundary (less                                \
             with EMBED_MAX_TEXT_BYTES, for a provider's token limit) */

typedef struct {
    bool offline;
    char *model;            /* the name vectors carry: "hash-ngram-v1", or EMBED_MODEL[":" dims] */
    _Atomic int dims;       /* provider without EMBED_DIMS: 0 until the first answer */
    provider_t *provider;   /* NULL offline */
    int64_t max_text_bytes; /* EMBED_MAX_TEXT_BYTES: texts longer than this are clipped */
    char *query_prefix;     /* EMBED_QUERY_PREFIX / EMBED_PASSAGE_PREFIX: sent before each */
    char *passage_prefix;   /* text to the provider (asymmetric models: "query: ") */
    int64_t cache_max_rows; /* EMBED_CACHE_MAX_ROWS */
    int64_t janitor_ms;     /* EMBED_CACHE_JANITOR_MS */
    db_pool_t *db;          /* borrowed from the kit, for the janitor */
    pthread_t janitor;
    bool janitor_running;
    pthread_mutex_t lock; /* guards stop */
    pthread_cond_t wake;
    bool stop;
} embed_app_t;

/* handlers.c */
status_t embed_handle_embed(void *svc, bus_req_t *req);
/* Registers embed_texts_total (by source: offline, cache, provider); before serving. */
void embed_metrics_init(void);
status_t embed_handle_info(void *svc, bus_req_t *req);

/* store.c: the cache of provider vectors, keyed by (organisation, model, SHA-256 of the text);
 * organisations never share entries, so `cached` tells nothing about another one's texts. */
/* For each of the n keys (32-byte digests) found, copies its vector (dims floats) into
 * out + i * dims and sets hit[i]; rows of another length are ignored. Touches used_at. */
status_t embed_store_get(db_pool_t *pool, const char *org, const char *model, int dims,
                         const uint8_t (*keys)[32], size_t n, float *out, bool *hit);
/* Stores the vectors of the keys not hit (hit may be NULL: all); conflicts are ignored. */
status_t embed_store_put(db_pool_t *pool, const char *org, const char *model, int dims,
                         const uint8_t (*keys)[32], size_t n, const float *vecs, const bool *hit);
/* Deletes the least recently used rows beyond max_rows; *deleted (may be NULL) gets how many. */
status_t embed_store_evict(db_pool_t *pool, int64_t max_rows, int64_t *deleted);

/* janitor.c: a thread that runs embed_store_evict every app->janitor_ms. */
status_t embed_janitor_start(embed_app_t *app);
void embed_janitor_stop(embed_app_t *app);

#endif
