/* store.c - every SQL statement of the rag service and the transactions around them.
 *
 * Each function is one transaction begun with db_begin_org, so row-level security hides other
 * organisations' rows even if a WHERE forgot org_id; every statement names org_id anyway.
 * Changes to the category tree first take a per-organisation advisory lock, so two concurrent
 * moves cannot build a cycle and sibling positions are assigned one at a time. Domain events
 * (events.c) are written before the commit, in the same transaction.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "shared/dbmsg.h"
#include "shared/log.h"
#include "shared/pbjson.h"
#include "shared/util.h"
#include "tree.h"
#include "validate.h"

/* A timestamptz column as RFC 3339 UTC with milliseconds, like time_format_rfc3339. */

/* ---- statements ------------------------------------------------------------------------------ */

/* SQL is laid out by hand: clang-format cannot indent string literals glued to macros. */
/* clang-format off */

/* A Category row: columns named after the message's fields (dbmsg.h). */
#define CAT_COLS                                                                                   \
    "c.id, c.parent_id, c.name, c.description, c.position, "                                       \
    SVC_TS("c.created_at") " AS created_at, " SVC_TS("c.updated_at") " AS updated_at, "            \
    "c.created_by, c.updated_by"

/* An Article row, by position (see article_from_row): tags one per line. */
#define ART_COLS(body)                                                                             \
    "a.id, a.category_id, a.title, " body ", array_to_string(a.tags, E'\\n'), "                    \
    SVC_TS("a.created_at") ", " SVC_TS("a.updated_at") ", a.created_by, a.updated_by, "            \
    "octet_length(a.body)"
#define ART_COL_RANK    10
#define ART_COL_SNIPPET 11
#define ART_COL_TOTAL   12

/* The body as events carry it: left out when large. */
#define EVENT_BODY "CASE WHEN octet_length(a.body) <= 65536 THEN a.body END"

#define SUBTREE                                                                                    \
    "WITH RECURSIVE sub(id) AS ("                                                                  \
    "  SELECT id FROM rag.categories WHERE org_id = $1 AND id = $2 "                               \
    "  UNION ALL "                                                                                 \
    "  SELECT c.id FROM rag.categories c JOIN sub ON c.parent_id = sub.id WHERE c.org_id = $1) "

#define SEARCH_Q "websearch_to_tsquery('russian', $2)"

static const db_stmt_t LOCK_TREE = {"rag_lock_tree",
    "SELECT pg_advisory_xact_lock(hashtextextended('rag.categories:' || $1, 0))", 1};
static const db_stmt_t CAT_LIST = {"rag_cat_list",
    "SELECT " CAT_COLS " FROM rag.categories c WHERE c.org_id = $1 "
    "ORDER BY c.position, c.created_at, c.id", 1};
static const db_stmt_t CAT_EXISTS = {"rag_cat_exists",
    "SELECT 1 FROM rag.categories WHERE org_id = $1 AND id = $2 FOR KEY SHARE", 2};
static const db_stmt_t CAT_INSERT = {"rag_cat_insert",
    "INSERT INTO rag.categories AS c "
    "  (org_id, parent_id, name, description, position, created_by, updated_by) "
    "SELECT $1::uuid, $2::uuid, $3, coalesce($4, ''), coalesce(max(s.position) + 1, 0), $5::uuid, $5::uuid "
    "FROM rag.categories s WHERE s.org_id = $1 AND s.parent_id IS NOT DISTINCT FROM $2::uuid "
    "RETURNING " CAT_COLS, 5};
static const db_stmt_t CAT_GET = {"rag_cat_get",
    "SELECT " CAT_COLS " FROM rag.categories c WHERE c.org_id = $1 AND c.id = $2 FOR UPDATE", 2};
/* Walks up from the new parent ($2): meeting the moved category ($3) means a cycle. */
static const db_stmt_t CAT_IS_ANCESTOR = {"rag_cat_is_ancestor",
    "WITH RECURSIVE up(id, parent_id) AS ("
    "  SELECT id, parent_id FROM rag.categories WHERE org_id = $1 AND id = $2 "
    "  UNION ALL "
    "  SELECT c.id, c.parent_id FROM rag.categories c JOIN up ON c.id = up.parent_id "
    "  WHERE c.org_id = $1) "
    "SELECT count(*) FROM up WHERE id = $3", 3};
static const db_stmt_t CAT_UPDATE = {"rag_cat_update",
    "UPDATE rag.categories c SET name = coalesce($3, c.name), "
    "  description = coalesce($4, c.description), "
    "  parent_id = CASE WHEN $5::bool THEN $6::uuid ELSE c.parent_id END, "
    "  position = CASE WHEN $5::bool AND c.parent_id IS DISTINCT FROM $6::uuid THEN "
    "    (SELECT coalesce(max(s.position) + 1, 0) FROM rag.categories s "
    "     WHERE s.org_id = $1 AND s.parent_id IS NOT DISTINCT FROM $6::uuid) "
    "    ELSE c.position END, "
    "  updated_at = now(), updated_by = $7 "
    "WHERE c.org_id = $1 AND c.id = $2 RETURNING " CAT_COLS, 7};
static const db_stmt_t CAT_CONTENTS = {"rag_cat_contents",
    "SELECT (SELECT count(*) FROM rag.categories WHERE org_id = $1 AND parent_id = $2), "
    "       (SELECT count(*) FROM rag.articles WHERE org_id = $1 AND category_id = $2)", 2};
static const db_stmt_t ART_DELETE_SUBTREE = {"rag_art_delete_subtree",
    SUBTREE "DELETE FROM rag.articles a WHERE a.org_id = $1 "
    "AND a.category_id IN (SELECT id FROM sub) RETURNING " ART_COLS(EVENT_BODY), 2};
static const db_stmt_t CAT_DELETE_SUBTREE = {"rag_cat_delete_subtree",
    SUBTREE "DELETE FROM rag.categories c WHERE c.org_id = $1 "
    "AND c.id IN (SELECT id FROM sub) RETURNING " CAT_COLS, 2};
static const db_stmt_t CAT_CHILDREN = {"rag_cat_children",
    "SELECT " CAT_COLS " FROM rag.categories c "
    "WHERE c.org_id = $1 AND c.parent_id IS NOT DISTINCT FROM $2::uuid "
    "ORDER BY c.position, c.created_at, c.id", 2};
static const db_stmt_t CAT_REORDER = {"rag_cat_reorder",
    "UPDATE rag.categories c SET position = (t.ord - 1)::int, updated_at = now(), "
    "  updated_by = $3 "
    "FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, ord) "
    "WHERE c.org_id = $1 AND c.id = t.id AND c.position <> (t.ord - 1)::int", 3};

static const db_stmt_t ART_INSERT = {"rag_art_insert",
    "INSERT INTO rag.articles AS a "
    "  (org_id, category_id, title, body, tags, created_by, updated_by) "
    "VALUES ($1, $2, $3, $4, $5::text[], $6, $6) RETURNING " ART_COLS("a.body"), 6};
static const db_stmt_t ART_GET = {"rag_art_get",
    "SELECT " ART_COLS("a.body") " FROM rag.articles a WHERE a.org_id = $1 AND a.id = $2", 2};
static const db_stmt_t ART_UPDATE = {"rag_art_update",
    "UPDATE rag.articles a SET title = coalesce($3, a.title), body = coalesce($4, a.body), "
    "  category_id = CASE WHEN $5::bool THEN $6::uuid ELSE a.category_id END, "
    "  tags = CASE WHEN $7::bool THEN $8::text[] ELSE a.tags END, "
    "  updated_at = now(), updated_by = $9 "
    "WHERE a.org_id = $1 AND a.id = $2 RETURNING " ART_COLS("a.body"), 9};
static const db_stmt_t ART_DELETE = {"rag_art_delete",
    "DELETE FROM rag.articles a WHERE a.org_id = $1 AND a.id = $2 "
    "RETURNING " ART_COLS(EVENT_BODY), 2};
static const db_stmt_t ART_LIST = {"rag_art_list",
    "SELECT " ART_COLS("NULL") " FROM rag.articles a "
    "WHERE a.org_id = $1 AND ($2::uuid IS NULL OR a.category_id = $2::uuid) "
    "ORDER BY a.updated_at DESC, a.id LIMIT $3 OFFSET $4", 4};
static const db_stmt_t ART_COUNT = {"rag_art_count",
    "SELECT count(*) FROM rag.articles a "
    "WHERE a.org_id = $1 AND ($2::uuid IS NULL OR a.category_id = $2::uuid)", 2};
/* Ranks and pages first, then builds snippets for the page only (from the first 16 KiB of the
 * body: ts_headline costs about 1 ms per 16 KiB). The total rides along with the page.
 * OFFSET 0 keeps the query a subplan, parsed once (inlined, a generic plan parsed it again for
 * every matching row); ts_rank (weights: title A over body B) costs a third of ts_rank_cd. */
static const db_stmt_t ART_SEARCH = {"rag_art_search",
    "SELECT " ART_COLS("NULL") ", r.rank::float8, "
    "  " RAG_SNIPPET_HTML("ts_headline('russian', left(a.body, 16384), r.q, "
    "    'StartSel=' || chr(1) || ', StopSel=' || chr(2) || "
    "    ', MaxWords=35, MinWords=15, MaxFragments=2')") ", "
    "  r.total "
    "FROM (SELECT a.id, a.updated_at, ts_rank(a.search, s.q) AS rank, s.q, "
    "             count(*) OVER () AS total "
    "      FROM rag.articles a, (SELECT " SEARCH_Q " AS q OFFSET 0) s "
    "      WHERE a.org_id = $1 AND ($3::uuid IS NULL OR a.category_id = $3::uuid) "
    "        AND a.search @@ s.q "
    "      ORDER BY rank DESC, a.updated_at DESC, a.id LIMIT $4 OFFSET $5) r "
    "JOIN rag.articles a ON a.org_id = $1 AND a.id = r.id "
    "ORDER BY r.rank DESC, r.updated_at DESC, a.id", 5};
static const db_stmt_t ART_SEARCH_COUNT = {"rag_art_search_count",
    "SELECT count(*) FROM rag.articles a "
    "WHERE a.org_id = $1 AND ($3::uuid IS NULL OR a.category_id = $3::uuid) "
    "  AND a.search @@ " SEARCH_Q, 3};

static const db_stmt_t CAT_UNKNOWN = {"rag_cat_unknown",
    "SELECT u::text FROM unnest($2::uuid[]) WITH ORDINALITY AS x(u, n) WHERE NOT EXISTS "
    "(SELECT 1 FROM rag.categories c WHERE c.org_id = $1 AND c.id = x.u) ORDER BY n", 2};
/* clang-format on */

/* ---- helpers --------------------------------------------------------------------------------- */

static void err_set(svc_why_t *err, const char *msg)
{
    if (err)
        snprintf(err->text, sizeof err->text, "%s", msg);
}

/* A PostgreSQL array literal of texts: {"a","b \"c\""}. */
static void array_literal(char *const *v, size_t n, buf_t *out)
{
    buf_putc(out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(out, ',');
        buf_putc(out, '"');
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_putc(out, '\\');
            buf_putc(out, *p);
        }
        buf_putc(out, '"');
    }
    buf_putc(out, '}');
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* Row `row` of a result selected with ART_COLS (+ rank, snippet and total for searches). */
static Rag__Article *article_from_row(const PGresult *res, int row)
{
    Rag__Article *a = (Rag__Article *)pbjson_new(&rag__article__descriptor);
    const char *tags = db_get(res, row, 4);

    a->id = dup_or_null(db_get(res, row, 0));
    a->category_id = dup_or_null(db_get(res, row, 1));
    a->title = dup_or_null(db_get(res, row, 2));
    a->body = dup_or_null(db_get(res, row, 3));
    if (tags && *tags) {
        size_t n = 1;
        for (const char *p = tags; *p; p++)
            n += *p == '\n';
        a->tags = xcalloc(n, sizeof *a->tags);
        for (const char *p = tags;; p++) {
            const char *end = strchr(p, '\n');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            a->tags[a->n_tags++] = xstrndup(p, len);
            if (!end)
                break;
            p = end;
        }
    }
    a->created_at = dup_or_null(db_get(res, row, 5));
    a->updated_at = dup_or_null(db_get(res, row, 6));
    a->created_by = dup_or_null(db_get(res, row, 7));
    a->updated_by = dup_or_null(db_get(res, row, 8));
    a->has_body_size = true;
    a->body_size = db_get_int(res, row, 9);
    if (PQnfields(res) > ART_COL_SNIPPET) {
        a->has_rank = true;
        a->rank = strtod(db_get(res, row, ART_COL_RANK), NULL);
        a->snippet = dup_or_null(db_get(res, row, ART_COL_SNIPPET));
    }
    return a;
}

static status_t category_from_row(const PGresult *res, int row, Rag__Category **out)
{
    Rag__Category *c = (Rag__Category *)db_row_new_msg(res, row, &rag__category__descriptor);
    if (!c)
        return ST_INTERNAL;
    *out = c;
    return ST_OK;
}

/* Every row of res as categories: heap array of heap messages. */
static status_t categories_from_rows(const PGresult *res, Rag__Category ***items, size_t *n)
{
    int rows = db_nrows(res);
    Rag__Category **v = xcalloc(rows ? (size_t)rows : 1, sizeof *v);
    status_t st = ST_OK;
    int i;

    for (i = 0; i < rows; i++)
        if ((st = category_from_row(res, i, &v[i])))
            break;
    if (st) {
        for (int j = 0; j < i; j++)
            protobuf_c_message_free_unpacked(&v[j]->base, NULL);
        free(v);
        return st;
    }
    *items = v;
    *n = (size_t)rows;
    return ST_OK;
}

static status_t begin(db_pool_t *pool, const char *org, db_t **db)
{
    status_t st = db_acquire(pool, db);
    if (!st && (st = db_begin_org(*db, org))) {
        db_release(*db);
        *db = NULL;
    }
    return st;
}

static status_t lock_tree(db_t *db, const char *org)
{
    const char *p[] = {org};
    return db_exec(db, &LOCK_TREE, p, NULL);
}

/* ST_OK when category id exists in org (and keeps existing until commit), else ST_NOT_FOUND
 * with "<field>: no such category". */
static status_t category_check(db_t *db, const char *org, const char *id, const char *field,
                               bool own_tx, svc_why_t *err)
{
    const char *p[] = {org, id};
    PGresult *res = NULL;
    status_t st =
        own_tx ? db_read_org(db, org, &CAT_EXISTS, p, &res) : db_exec(db, &CAT_EXISTS, p, &res);

    if (!st && db_nrows(res) == 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "%s: no such category", field);
        err_set(err, msg);
        st = ST_NOT_FOUND;
    }
    PQclear(res);
    return st;
}

/* ST_NOT_FOUND (err naming field) unless category id of org exists; in the open transaction. */
static status_t category_exists(db_t *db, const char *org, const char *id, const char *field,
                                svc_why_t *err)
{
    return category_check(db, org, id, field, false, err);
}

/* ---- categories ------------------------------------------------------------------------------ */

status_t rag_store_list_categories(db_pool_t *pool, const char *org, Rag__Category ***items,
                                   size_t *n)
{
    const char *p[] = {org};
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = begin(pool, org, &db)) || (st = db_exec(db, &CAT_LIST, p, &res)) ||
        (st = categories_from_rows(res, items, n)))
        goto done;
    st = db_commit(db);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_unknown_categories(db_pool_t *pool, const char *org, char *const *ids, size_t n,
                                      Rag__CategoriesCheckReply *out)
{
    buf_t arr = BUF_INIT;
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    array_literal(ids, n, &arr);
    const char *p[] = {org, arr.data};
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &CAT_UNKNOWN, p, &res)))
        goto done;
    out->n_unknown = (size_t)db_nrows(res);
    out->unknown = xcalloc(out->n_unknown + 1, sizeof *out->unknown);
    for (size_t i = 0; i < out->n_unknown; i++)
        out->unknown[i] = xstrdup(db_get(res, (int)i, 0));
done:
    PQclear(res);
    db_release(db);
    buf_cleanup(&arr);
    return st;
}

status_t rag_store_create_category(db_pool_t *pool, const rag_actor_t *a, const char *name,
                                   const char *description, const char *parent, Rag__Category **out,
                                   svc_why_t *err)
{
    const char *p[] = {a->org, parent, name, description, a->user};
    Rag__Category *c = NULL;
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = begin(pool, a->org, &db)) || (st = lock_tree(db, a->org)))
        goto done;
    if (parent && (st = category_exists(db, a->org, parent, "parent_id", err)))
        goto done;
    if ((st = db_exec(db, &CAT_INSERT, p, &res)) || (st = category_from_row(res, 0, &c)) ||
        (st = rag_event_category(db, a, "created", c)) || (st = db_commit(db)))
        goto done;
    *out = c;
    c = NULL;
done:
    if (c)
        protobuf_c_message_free_unpacked(&c->base, NULL);
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_update_category(db_pool_t *pool, const rag_actor_t *a, const char *id,
                                   const rag_category_patch_t *pa, Rag__Category **out,
                                   svc_why_t *err)
{
    const char *get[] = {a->org, id};
    const char *up[] = {a->org,     id,     pa->name, pa->description, pa->move ? "t" : "f",
                        pa->parent, a->user};
    Rag__Category *c = NULL;
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = begin(pool, a->org, &db)) || (st = lock_tree(db, a->org)) ||
        (st = db_exec(db, &CAT_GET, get, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        err_set(err, "id: no such category");
        st = ST_NOT_FOUND;
        goto done;
    }
    PQclear(res);
    res = NULL;
    if (pa->move && pa->parent) {
        const char *anc[] = {a->org, pa->parent, id};
        if ((st = category_exists(db, a->org, pa->parent, "parent_id", err)) ||
            (st = db_exec(db, &CAT_IS_ANCESTOR, anc, &res)))
            goto done;
        if (db_get_int(res, 0, 0) > 0) {
            err_set(err, "parent_id: would make the category its own ancestor (a cycle)");
            st = ST_CONFLICT;
            goto done;
        }
        PQclear(res);
        res = NULL;
    }
    if ((st = db_exec(db, &CAT_UPDATE, up, &res)) || (st = category_from_row(res, 0, &c)) ||
        (st = rag_event_category(db, a, "updated", c)) || (st = db_commit(db)))
        goto done;
    *out = c;
    c = NULL;
done:
    if (c)
        protobuf_c_message_free_unpacked(&c->base, NULL);
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_delete_category(db_pool_t *pool, const rag_actor_t *a, const char *id,
                                   bool cascade, long *n_categories, long *n_articles,
                                   svc_why_t *err)
{
    const char *p[] = {a->org, id};
    db_t *db = NULL;
    PGresult *res = NULL, *arts = NULL;
    Rag__Category **cats = NULL;
    size_t n_cats = 0;
    status_t st;

    if ((st = begin(pool, a->org, &db)) || (st = lock_tree(db, a->org)) ||
        (st = category_exists(db, a->org, id, "id", err)))
        goto done;
    if (!cascade) {
        if ((st = db_exec(db, &CAT_CONTENTS, p, &res)))
            goto done;
        long kids = db_get_int(res, 0, 0), articles = db_get_int(res, 0, 1);
        if (kids || articles) {
            snprintf(err->text, sizeof err->text,
                     "id: the category has %ld subcategories and %ld articles; delete them "
                     "first or pass cascade=true",
                     kids, articles);
            st = ST_CONFLICT;
            goto done;
        }
        PQclear(res);
        res = NULL;
    }
    if ((st = db_exec(db, &ART_DELETE_SUBTREE, p, &arts)) ||
        (st = db_exec(db, &CAT_DELETE_SUBTREE, p, &res)) ||
        (st = categories_from_rows(res, &cats, &n_cats))) {
        if (st == ST_NOT_FOUND) { /* a foreign key: an article arrived meanwhile */
            err_set(err, "id: the category changed while it was being deleted; try again");
            st = ST_CONFLICT;
        }
        goto done;
    }
    for (int i = 0; i < db_nrows(arts) && !st; i++) {
        Rag__Article *art = article_from_row(arts, i);
        st = rag_event_article(db, a, "deleted", art);
        protobuf_c_message_free_unpacked(&art->base, NULL);
    }
    for (size_t i = 0; i < n_cats && !st; i++)
        st = rag_event_category(db, a, "deleted", cats[i]);
    if (st || (st = db_commit(db)))
        goto done;
    *n_categories = (long)n_cats;
    *n_articles = db_nrows(arts);
done:
    for (size_t i = 0; i < n_cats; i++)
        protobuf_c_message_free_unpacked(&cats[i]->base, NULL);
    free(cats);
    PQclear(res);
    PQclear(arts);
    db_release(db);
    return st;
}

status_t rag_store_reorder_categories(db_pool_t *pool, const rag_actor_t *a, const char *parent,
                                      char *const *ids, size_t n_ids, Rag__Category ***out,
                                      size_t *n, svc_why_t *err)
{
    const char *kids[] = {a->org, parent};
    buf_t arr = BUF_INIT;
    db_t *db = NULL;
    PGresult *res = NULL;
    Rag__Category **cats = NULL;
    size_t n_cats = 0;
    char **child_ids = NULL;
    status_t st;

    if ((st = begin(pool, a->org, &db)) || (st = lock_tree(db, a->org)))
        goto done;
    if (parent && (st = category_exists(db, a->org, parent, "parent_id", err)))
        goto done;
    if ((st = db_exec(db, &CAT_CHILDREN, kids, &res)) ||
        (st = categories_from_rows(res, &cats, &n_cats)))
        goto done;
    child_ids = xcalloc(n_cats ? n_cats : 1, sizeof *child_ids);
    for (size_t i = 0; i < n_cats; i++)
        child_ids[i] = cats[i]->id;
    if (!rag_tree_same_set(ids, n_ids, child_ids, n_cats, err->text, sizeof err->text)) {
        st = ST_INVALID;
        goto done;
    }
    array_literal(ids, n_ids, &arr);
    {
        const char *p[] = {a->org, arr.data, a->user};
        if ((st = db_exec(db, &CAT_REORDER, p, NULL)))
            goto done;
    }
    for (size_t i = 0; i < n_cats; i++)
        protobuf_c_message_free_unpacked(&cats[i]->base, NULL);
    free(cats);
    cats = NULL;
    n_cats = 0;
    PQclear(res);
    res = NULL;
    if ((st = db_exec(db, &CAT_CHILDREN, kids, &res)) ||
        (st = categories_from_rows(res, &cats, &n_cats)))
        goto done;
    for (size_t i = 0; i < n_cats && !st; i++)
        st = rag_event_category(db, a, "updated", cats[i]);
    if (st || (st = db_commit(db)))
        goto done;
    *out = cats;
    *n = n_cats;
    cats = NULL;
    n_cats = 0;
done:
    for (size_t i = 0; i < n_cats; i++)
        protobuf_c_message_free_unpacked(&cats[i]->base, NULL);
    free(cats);
    free(child_ids);
    buf_cleanup(&arr);
    PQclear(res);
    db_release(db);
    return st;
}

/* ---- articles -------------------------------------------------------------------------------- */

status_t rag_store_list_articles(db_pool_t *pool, const char *org, const rag_article_query_t *q,
                                 Rag__ArticleList **out, svc_why_t *err)
{
    char limit[16], offset[24];
    long long total = 0;
    Rag__ArticleList *list = NULL;
    db_t *db = NULL;
    PGresult *res = NULL, *count = NULL;
    status_t st;

    snprintf(limit, sizeof limit, "%d", q->page.per_page);
    snprintf(offset, sizeof offset, "%lld", (long long)svc_page_offset(&q->page));
    /* Reads: each statement in its own one-round-trip transaction. */
    if ((st = db_acquire(pool, &db)))
        goto done;
    if (q->category && (st = category_check(db, org, q->category, "category_id", true, err)))
        goto done;
    if (q->q) {
        const char *p[] = {org, q->q, q->category, limit, offset};
        if ((st = db_read_org(db, org, &ART_SEARCH, p, &res)))
            goto done;
        /* the total comes with the rows; counted apart only for a page past the end */
        if (db_nrows(res) > 0)
            total = db_get_int(res, 0, ART_COL_TOTAL);
        else if (q->page.page > 1 && (st = db_read_org(db, org, &ART_SEARCH_COUNT, p, &count)))
            goto done;
    } else {
        const char *p[] = {org, q->category, limit, offset};
        if ((st = db_read_org(db, org, &ART_LIST, p, &res)) ||
            (st = db_read_org(db, org, &ART_COUNT, p, &count)))
            goto done;
    }
    list = (Rag__ArticleList *)pbjson_new(&rag__article_list__descriptor);
    list->n_items = (size_t)db_nrows(res);
    list->items = xcalloc(list->n_items ? list->n_items : 1, sizeof *list->items);
    for (size_t i = 0; i < list->n_items; i++)
        list->items[i] = article_from_row(res, (int)i);
    svc_page_reply(&list->base, &q->page, count ? db_get_int(count, 0, 0) : total);
    *out = list;
done:
    PQclear(res);
    PQclear(count);
    db_release(db);
    return st;
}

status_t rag_store_create_article(db_pool_t *pool, const rag_actor_t *a,
                                  const rag_article_fields_t *f, Rag__Article **out, svc_why_t *err)
{
    buf_t tags = BUF_INIT;
    Rag__Article *art = NULL;
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    array_literal(f->tags, f->set_tags ? f->n_tags : 0, &tags);
    const char *p[] = {a->org, f->category, f->title, f->body ? f->body : "", tags.data, a->user};
    if ((st = begin(pool, a->org, &db)))
        goto done;
    if (f->category && (st = category_exists(db, a->org, f->category, "category_id", err)))
        goto done;
    if ((st = db_exec(db, &ART_INSERT, p, &res)))
        goto done;
    art = article_from_row(res, 0);
    if ((st = rag_event_article(db, a, "created", art)) || (st = db_commit(db)))
        goto done;
    *out = art;
    art = NULL;
done:
    if (art)
        protobuf_c_message_free_unpacked(&art->base, NULL);
    buf_cleanup(&tags);
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_get_article(db_pool_t *pool, const char *org, const char *id, Rag__Article **out)
{
    const char *p[] = {org, id};
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = begin(pool, org, &db)) || (st = db_exec(db, &ART_GET, p, &res)) ||
        (st = db_commit(db)))
        goto done;
    if (db_nrows(res) == 0) {
        st = ST_NOT_FOUND;
        goto done;
    }
    *out = article_from_row(res, 0);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_update_article(db_pool_t *pool, const rag_actor_t *a, const char *id,
                                  const rag_article_fields_t *f, Rag__Article **out, svc_why_t *err)
{
    buf_t tags = BUF_INIT;
    Rag__Article *art = NULL;
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    array_literal(f->tags, f->set_tags ? f->n_tags : 0, &tags);
    const char *p[] = {a->org,
                       id,
                       f->title,
                       f->body,
                       f->set_category ? "t" : "f",
                       f->category,
                       f->set_tags ? "t" : "f",
                       tags.data,
                       a->user};
    if ((st = begin(pool, a->org, &db)))
        goto done;
    if (f->set_category && f->category &&
        (st = category_exists(db, a->org, f->category, "category_id", err)))
        goto done;
    if ((st = db_exec(db, &ART_UPDATE, p, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        err_set(err, "id: no such article");
        st = ST_NOT_FOUND;
        goto done;
    }
    art = article_from_row(res, 0);
    if ((st = rag_event_article(db, a, "updated", art)) || (st = db_commit(db)))
        goto done;
    *out = art;
    art = NULL;
done:
    if (art)
        protobuf_c_message_free_unpacked(&art->base, NULL);
    buf_cleanup(&tags);
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_delete_article(db_pool_t *pool, const rag_actor_t *a, const char *id)
{
    const char *p[] = {a->org, id};
    Rag__Article *art = NULL;
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = begin(pool, a->org, &db)) || (st = db_exec(db, &ART_DELETE, p, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        st = ST_NOT_FOUND;
        goto done;
    }
    art = article_from_row(res, 0);
    if ((st = rag_event_article(db, a, "deleted", art)))
        goto done;
    st = db_commit(db);
done:
    if (art)
        protobuf_c_message_free_unpacked(&art->base, NULL);
    PQclear(res);
    db_release(db);
    return st;
}
