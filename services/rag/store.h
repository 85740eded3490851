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
#include "shared/util.h"
#include "fuse.h"

/* A headline marked with chr(1) / chr(2) as safe HTML: the article's text escaped (&, <, >, ")
 * and only the marks made <mark> elements, so a client may render the snippet as HTML. */
#define RAG_SNIPPET_HTML(h)                                                                        \
    "replace(replace(replace(replace(replace(replace(" h ", '&', '&amp;'), '<', '&lt;'), "         \
    "'>', '&gt;'), '\"', '&quot;'), chr(1), '<mark>'), chr(2), '</mark>')"

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

/* ---- the retrieval index (store_chunks.c) ---------------------------------------------------- */

/* One validated batch of index_put: chunks borrowed from the request (seq, text, heading_path,
 * page; vectors of `dims` floats made by `model`). */
typedef struct {
    const char *org, *kind, *source, *category, *title; /* category NULL: none */
    int generation;
    bool last;
    Rag__Chunk *const *chunks;
    size_t n;
    const char *model;
    int dims;
    int total; /* last: the source's chunk count, seqs from it on are deleted; -1: keep */
} rag_put_t;

/* Upserts the batch's chunks (key: source, generation, seq; not live yet). With last: that
 * generation becomes live, every other one of the source is deleted, and *live (OUT) is the
 * number of live chunks. ST_CONFLICT (why set) when a newer generation is live already. */
status_t rag_store_index_put(db_pool_t *pool, const rag_put_t *p, int *live /* OUT */,
                             svc_why_t *why);
/* Deletes every chunk of the source (none is fine); *n: how many went. */
status_t rag_store_index_delete(db_pool_t *pool, const char *org, const char *source, long *n);
/* The live chunks of source in seq order, one page (vectors left out). */
status_t rag_store_list_chunks(db_pool_t *pool, const char *org, const char *source,
                               const svc_page_t *page, Rag__ChunkList **out /* OUT */);

/* The live generation of source (0: none). */
status_t rag_store_source_generation(db_pool_t *pool, const char *org, const char *source,
                                     int *gen /* OUT */);
/* The organisations that have something to index (rag.index_orgs): heap array of heap ids. */
status_t rag_store_index_orgs(db_pool_t *pool, char ***orgs /* OUT */, size_t *n /* OUT */);
/* Up to 1000 articles of org never indexed (no live generation): heap array of heap ids. */
status_t rag_store_unindexed_articles(db_pool_t *pool, const char *org, char ***ids /* OUT */,
                                      size_t *n /* OUT */);

/* A live chunk whose vector was made by another model than the current one. */
typedef struct {
    char id[37], source[37];
    char *title, *heading_path, *text;
} rag_stale_t;
/* Up to limit live chunks of org whose model is not `model`. */
status_t rag_store_stale_chunks(db_pool_t *pool, const char *org, const char *model, int limit,
                                rag_stale_t **out /* OUT */, size_t *n /* OUT */);
void rag_stale_free(rag_stale_t *v, size_t n);
/* New vectors (n * dims floats, in chunks' order) made by model for those chunks. */
status_t rag_store_set_vectors(db_pool_t *pool, const char *org, const rag_stale_t *chunks,
                               size_t n, const char *model, const float *vecs, int dims);

/* A live chunk's vector as the loader sees it (all borrowed for the call). */
typedef struct {
    const unsigned char *id, *source, *category; /* 16 bytes each; category NULL: none */
    const char *model;
    const float *vec;
    int dims;
} rag_vec_row_t;
typedef void (*rag_vec_fn)(void *arg, const rag_vec_row_t *row);
/* Calls fn for every live chunk of org (of source only, when not NULL), in one transaction. */
status_t rag_store_scan_vectors(db_pool_t *pool, const char *org, const char *source, rag_vec_fn fn,
                                void *arg);

/* The categories ids and all their descendants, as a PostgreSQL uuid[] literal in out. */
status_t rag_store_category_subtree(db_pool_t *pool, const char *org, const char *ids_literal,
                                    buf_t *out /* OUT */);

/* The best `limit` live chunks for the words of q by RUM's rank (any of the words; more and
 * closer matches rank higher), in rank order, restricted to the categories of cats (a uuid[]
 * literal, NULL: all). Ranks at most 500 chunks having every word plus 500 having any. */
status_t rag_store_fulltext(db_pool_t *pool, const char *org, const char *q, const char *cats,
                            int limit, rag_hit_t **hits /* OUT, heap */, size_t *n /* OUT */);
/* The passages of the live chunks ids (a uuid[] literal), with snippets marking q's words,
 * appended to out->items in no particular order. */
status_t rag_store_passages(db_pool_t *pool, const char *org, const char *q, const char *ids,
                            Rag__RetrieveReply *out);

#endif
