/* store.h - every SQL statement of the rag service and the transactions around them.
 *
 * Every function runs its statements inside db_begin_org(org) ... db_commit, so row-level
 * security applies as well as the explicit org_id in every WHERE, and writes its domain events
 * (events.h) in the same transaction. Ids passed in are canonical UUIDs (validated by the
 * handler). On failure err->text (when not empty) is the reply's message, naming the field:
 * "id: no such category", "parent_id: would make the category its own ancestor".
 * Returned messages are heap (pbjson_new); free with protobuf_c_message_free_unpacked.
 */
#ifndef RAG_STORE_H
#define RAG_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/rag.pb-c.h"
#include "shared/db.h"
#include "shared/svc.h"

/* The acting user and organisation of a change, and the request that made it (for events). */
typedef struct {
    const char *org;
    const char *user;
    const char *request_id; /* may be NULL */
} rag_actor_t;

/* ---- categories ------------------------------------------------------------------------------ */

/* Every category of the organisation, flat, parents' children in position order: *items (heap
 * array of heap messages, for rag_tree_build) and *n. */
status_t rag_store_list_categories(db_pool_t *pool, const char *org, Rag__Category ***items,
                                   size_t *n);

/* A new category last among the children of parent (NULL: top level). ST_NOT_FOUND: parent. */
status_t rag_store_create_category(db_pool_t *pool, const rag_actor_t *a, const char *name,
                                   const char *description, const char *parent, Rag__Category **out,
                                   svc_why_t *err);

/* Fields to change; NULL = unchanged. move: parent (NULL = top level) is the new parent. */
typedef struct {
    const char *name, *description;
    bool move;
    const char *parent;
} rag_category_patch_t;

/* ST_NOT_FOUND (id or parent_id), ST_CONFLICT (a move under itself or a descendant). */
status_t rag_store_update_category(db_pool_t *pool, const rag_actor_t *a, const char *id,
                                   const rag_category_patch_t *p, Rag__Category **out,
                                   svc_why_t *err);

/* ST_NOT_FOUND; ST_CONFLICT when not empty and !cascade. cascade deletes the subtree and every
 * article in it. *n_categories / *n_articles: how many went. */
status_t rag_store_delete_category(db_pool_t *pool, const rag_actor_t *a, const char *id,
                                   bool cascade, long *n_categories, long *n_articles,
                                   svc_why_t *err);

/* Sets the order of the children of parent (NULL: top level): ids must be exactly those
 * children (ST_INVALID otherwise, ST_NOT_FOUND for an unknown parent). *out: the children in
 * their new order (heap array of heap messages), *n their count. */
status_t rag_store_reorder_categories(db_pool_t *pool, const rag_actor_t *a, const char *parent,
                                      char *const *ids, size_t n_ids, Rag__Category ***out,
                                      size_t *n, svc_why_t *err);

/* Fills out->unknown with the ids (canonical UUIDs) that name no category of org, in order. */
status_t rag_store_unknown_categories(db_pool_t *pool, const char *org, char *const *ids, size_t n,
                                      Rag__CategoriesCheckReply *out /* OUT */);

/* ---- articles -------------------------------------------------------------------------------- */

typedef struct {
    const char *category; /* NULL: every category */
    const char *q;        /* NULL: no search, newest change first */
    svc_page_t page;
} rag_article_query_t;

/* ST_NOT_FOUND: category_id. Items carry no body; with q they carry rank and snippet. */
status_t rag_store_list_articles(db_pool_t *pool, const char *org, const rag_article_query_t *q,
                                 Rag__ArticleList **out, svc_why_t *err);

typedef struct {
    const char *title, *body; /* NULL = unchanged (update) */
    bool set_category;        /* update: category changes to `category` (NULL: none) */
    const char *category;
    bool set_tags;
    char *const *tags;
    size_t n_tags;
} rag_article_fields_t;

status_t rag_store_create_article(db_pool_t *pool, const rag_actor_t *a,
                                  const rag_article_fields_t *f, Rag__Article **out,
                                  svc_why_t *err);
status_t rag_store_get_article(db_pool_t *pool, const char *org, const char *id,
                               Rag__Article **out);
status_t rag_store_update_article(db_pool_t *pool, const rag_actor_t *a, const char *id,
                                  const rag_article_fields_t *f, Rag__Article **out,
                                  svc_why_t *err);
status_t rag_store_delete_article(db_pool_t *pool, const rag_actor_t *a, const char *id);

#endif
