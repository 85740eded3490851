/* embedder.h - rag's calls to the embed service (svc.embed.embed, svc.embed.info), for
 * questions (retrieve), article chunks (indexer.c) and re-embedding.
 */
#ifndef RAG_EMBEDDER_H
#define RAG_EMBEDDER_H

#include "proto/embed.pb-c.h"
#include "shared/bus.h"

#define RAG_EMBED_BATCH 256 /* texts per svc.embed.embed call */

/* Vectors of n (<= RAG_EMBED_BATCH) texts for purpose ("query" | "passage"), as ctx (its
 * Org-Id is required). ST_OK only with one non-empty vector of one length per text; *out
 * (free with protobuf_c_message_free_unpacked) holds the model. Failures are logged. */
status_t rag_embed(bus_t *bus, const bus_ctx_t *ctx, char *const *texts, size_t n,
                   const char *purpose, int timeout_ms, Embed__EmbedReply **out /* OUT */);

/* The embed service's current model (heap). */
status_t rag_embed_model(bus_t *bus, int timeout_ms, char **model /* OUT */);

#endif
