/* events.h - the rag service's domain events, written to the outbox in the transaction of the
 * change they announce (store.c calls these between db_begin_org and db_commit).
 *
 * Subjects: evt.rag.category.{created,updated,deleted}, evt.rag.article.{created,updated,
 * deleted}; payloads rag.CategoryEvent / rag.ArticleEvent (proto/rag.proto), with the entity's
 * snapshot (an article's body only up to RAG_EVENT_BODY_MAX bytes; body_size always).
 */
#ifndef RAG_EVENTS_H
#define RAG_EVENTS_H

#include "proto/rag.pb-c.h"
#include "shared/db.h"
#include "store.h"

#define RAG_EVT_CATEGORY "evt.rag.category."
#define RAG_EVT_ARTICLE  "evt.rag.article."

/* verb: "created", "updated" or "deleted". c and art are borrowed (not changed). */
status_t rag_event_category(db_t *db, const rag_actor_t *a, const char *verb,
                            const Rag__Category *c);
status_t rag_event_article(db_t *db, const rag_actor_t *a, const char *verb,
                           const Rag__Article *art);

#endif
