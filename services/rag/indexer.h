/* indexer.h - rag indexes its own articles and keeps every chunk's vector of the current model.
 *
 * Articles: a durable consumer ("rag_article_index") of evt.rag.article.* on EVENTS. On created
 * or updated it reads the article as it is now (so a late or repeated event does no harm), cuts
 * it like a Markdown document (artchunk.h), embeds the chunks (svc.embed.embed, purpose
 * "passage") and puts them as source_kind "article" under the next generation; on deleted, or
 * when the article is gone, it drops the source. Failures (embed unavailable) are retried by
 * JetStream with a growing backoff.
 *
 * A background job, at start and every RAG_REEMBED_INTERVAL_S: indexes the articles of every
 * organisation in rag.index_orgs that have never been indexed (those written before retrieval
 * existed, or whose events ran out of deliveries), then re-embeds in batches the live chunks
 * whose model is not the embed service's current one (svc.embed.info). Changed sources reach
 * every replica's vector index (orgindex.h).
 */
#ifndef RAG_INDEXER_H
#define RAG_INDEXER_H

#include "shared/svc.h"

#define RAG_ARTICLE_DURABLE "rag_article_index"

typedef struct rag_indexer rag_indexer_t;

/* Starts the consumer and the job (interval_s between runs of the job). */
status_t rag_indexer_start(svc_t *svc, int interval_s, rag_indexer_t **out /* OUT */);
/* Stops the job (waits for its current batch); the consumer ends with the bus. NULL-safe. */
void rag_indexer_stop(rag_indexer_t *ix);

/* Indexes article id of org as it is now (drops it when it is gone). */
status_t rag_index_article(svc_t *svc, const char *org, const char *id);

#endif
