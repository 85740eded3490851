/* rag.h - the rag service's module interface: its context, handlers and shared helpers.
 *
 * The service owns the `rag` schema. This part is the knowledge base: a tree of categories
 * and Markdown articles with Russian + English full-text search (retrieval comes later).
 * main.c wires it; handlers_categories.c and handlers_articles.c answer one rpc each; store.c
 * holds every SQL statement and transaction; validate.c and tree.c are pure logic with unit
 * tests; events.c builds the domain events the store writes with each change.
 */
#ifndef RAG_RAG_H
#define RAG_RAG_H

#include <stdbool.h>

#include "proto/rag.pb-c.h"
#include "shared/bus.h"
#include "shared/buscache.h"
#include "shared/db.h"
#include "shared/log.h"
#include "store.h"

/* The service's migrations, embedded by the Makefile from migrations/NNN_*.sql. */
extern const db_migration_t rag_migrations[];
extern const size_t rag_migrations_count;

/* Every replica drops the cached lists of an organisation on this subject (body: the org id). */
#define RAG_CACHE_DROP_SUBJECT "rag.cache.drop"

typedef struct {
    db_pool_t *db;
    bus_t *bus;
    buscache_t *lists; /* recent article lists and searches per organisation; NULL: disabled */
} rag_svc_t;

/* ---- handlers: svc.rag.<method> -> rag_handle_<method> --------------------------------------- */

/* handlers_categories.c */
status_t rag_handle_list_categories(void *svc, bus_req_t *req);
status_t rag_handle_create_category(void *svc, bus_req_t *req);
status_t rag_handle_update_category(void *svc, bus_req_t *req);
status_t rag_handle_delete_category(void *svc, bus_req_t *req);
status_t rag_handle_reorder_categories(void *svc, bus_req_t *req);
/* handlers_articles.c */
status_t rag_handle_list_articles(void *svc, bus_req_t *req);
status_t rag_handle_create_article(void *svc, bus_req_t *req);
status_t rag_handle_get_article(void *svc, bus_req_t *req);
status_t rag_handle_update_article(void *svc, bus_req_t *req);
status_t rag_handle_delete_article(void *svc, bus_req_t *req);

/* ---- helpers shared by the handlers (common.c) ----------------------------------------------- */

/* Sets the reply's error message (printf-style) and returns st, for `st = rag_fail(...)`. */
status_t rag_fail(bus_req_t *req, status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* For a status from the store: sets its message (err->msg) on the reply when there is one;
 * returns st. */
status_t rag_fail_store(bus_req_t *req, status_t st, const rag_err_t *err);
/* After a committed change of org's knowledge base: drops its cached lists in every replica. */
void rag_changed(rag_svc_t *svc, const char *org);
/* Fills a log context from the request (request id, subject, org). */
void rag_log_ctx(const bus_req_t *req, log_ctx_t *ctx /* OUT */);

/* The caller: Org-Id and User-Id headers (UUIDs) and whether Role allows writes. */
typedef struct {
    const char *org;  /* never NULL after rag_caller succeeded */
    const char *user; /* may be NULL (calls from other services) */
    bool can_write;   /* Role is owner or admin */
} rag_caller_t;

/* ST_OK and *c filled, or ST_UNAUTHORIZED (reply message set) without a valid Org-Id. When
 * write is true, also ST_FORBIDDEN unless the Role header is owner or admin. */
status_t rag_caller(bus_req_t *req, bool write, rag_caller_t *c /* OUT */);

#endif
