/* rag.h - the rag service's module interface: its context, handlers and shared helpers.
 *
 * The service owns the `rag` schema: the knowledge base (a tree of categories and Markdown
 * articles with Russian + English full-text search) and retrieval (chunks of documents and
 * articles with their vectors, searched by words and by meaning).
 * main.c wires it; handlers_categories.c, handlers_articles.c, handlers_index.c and
 * handlers_retrieve.c answer one rpc each; store.c and store_chunks.c hold every SQL statement
 * and transaction; validate.c, validate_index.c, tree.c, vindex.c and fuse.c are pure logic
 * with unit tests; orgindex.c keeps the in-memory vector indexes current on every replica;
 * events.c builds the domain events the store writes with each change.
 */
#ifndef RAG_RAG_H
#define RAG_RAG_H

#include <stdbool.h>

#include "proto/rag.pb-c.h"
#include "shared/bus.h"
#include "shared/buscache.h"
#include "shared/db.h"
#include "shared/log.h"
#include "shared/svc.h"
#include "orgindex.h"
#include "store.h"

/* The service's migrations, embedded by the Makefile from migrations/NNN_*.sql. */
extern const db_migration_t rag_migrations[];
extern const size_t rag_migrations_count;

/* The forbidden message's end: "only owners and admins may change the knowledge base". */
#define RAG_WRITE_WHAT "change the knowledge base"

/* The service's own state (svc->app). */
typedef struct {
    rag_index_t *index;   /* the in-memory vector indexes */
    size_t index_budget;  /* bytes, RAG_INDEX_BUDGET_MB */
    int embed_timeout_ms; /* svc.embed.embed calls, RAG_EMBED_TIMEOUT_MS */
} rag_app_t;

/* ---- handlers: svc.rag.<method> -> rag_handle_<method> --------------------------------------- */

/* handlers_categories.c */
status_t rag_handle_list_categories(void *svc, bus_req_t *req);
status_t rag_handle_create_category(void *svc, bus_req_t *req);
status_t rag_handle_update_category(void *svc, bus_req_t *req);
status_t rag_handle_delete_category(void *svc, bus_req_t *req);
status_t rag_handle_reorder_categories(void *svc, bus_req_t *req);
status_t rag_handle_categories_check(void *svc, bus_req_t *req);
/* handlers_articles.c */
status_t rag_handle_list_articles(void *svc, bus_req_t *req);
status_t rag_handle_create_article(void *svc, bus_req_t *req);
status_t rag_handle_get_article(void *svc, bus_req_t *req);
status_t rag_handle_update_article(void *svc, bus_req_t *req);
status_t rag_handle_delete_article(void *svc, bus_req_t *req);
/* handlers_index.c */
status_t rag_handle_index_put(void *svc, bus_req_t *req);
status_t rag_handle_index_delete(void *svc, bus_req_t *req);
status_t rag_handle_list_chunks(void *svc, bus_req_t *req);
/* handlers_retrieve.c */
status_t rag_handle_retrieve(void *svc, bus_req_t *req);

#endif
