/* store_chunks.c - the SQL of the retrieval index: chunks put and deleted by source, listed,
 * scanned into the in-memory vector index, searched by words, and read back as passages.
 *
 * Like store.c, every function is one tenant transaction (row-level security on app.org_id)
 * and every statement names org_id. A put is serialised per source by an advisory lock, so a
 * batch and a concurrent `last` of the same source cannot interleave. Vectors go in and out as
 * raw little-endian float32 bytes (hex text in, binary results out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/crypto.h"
#include "shared/dbmsg.h"
#include "shared/log.h"
#include "shared/pbjson.h"
#include "store.h"

/* The words of $2, any of them: plainto_tsquery's lexemes joined by | instead of &. A question
 * rarely has every word in one passage; ranking then favours passages with more and closer
 * matches. */
/* Matching chunks ranked at most, per kind of match (all words, any word). */
#define FT_CANDIDATES "500"

#define ANY_WORDS_Q "replace(plainto_tsquery('russian', $2)::text, ' & ', ' | ')::tsquery"

/* clang-format off */
static const db_stmt_t LOCK_SOURCE = {"rag_chunk_lock_source",
    "SELECT pg_advisory_xact_lock(hashtextextended('rag.sources:' || $1, 0))", 1};
static const db_stmt_t SOURCE_GEN = {"rag_chunk_source_gen",
    "SELECT generation FROM rag.sources WHERE org_id = $1 AND source_id = $2", 2};
static const db_stmt_t CHUNK_UPSERT = {"rag_chunk_upsert",
    "INSERT INTO rag.chunks (org_id, source_kind, source_id, category_id, generation, seq, title, "
    "  heading_path, page, text, chars, model, dims, vector) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, char_length($10), $11, $12, "
    "  decode($13, 'hex')) "
    "ON CONFLICT (org_id, source_id, generation, seq) DO UPDATE SET "
    "  source_kind = EXCLUDED.source_kind, category_id = EXCLUDED.category_id, "
    "  title = EXCLUDED.title, heading_path = EXCLUDED.heading_path, page = EXCLUDED.page, "
    "  text = EXCLUDED.text, chars = EXCLUDED.chars, model = EXCLUDED.model, "
    "  dims = EXCLUDED.dims, vector = EXCLUDED.vector", 13};
static const db_stmt_t ORG_ADD = {"rag_chunk_org_add",
    "INSERT INTO rag.index_orgs (org_id) VALUES ($1) ON CONFLICT DO NOTHING", 1};
static const db_stmt_t CHUNK_TRIM = {"rag_chunk_trim",
    "DELETE FROM rag.chunks WHERE org_id = $1 AND source_id = $2 AND generation = $3 "
    "AND seq >= $4", 4};
static const db_stmt_t ORGS = {"rag_chunk_orgs",
    "SELECT org_id FROM rag.index_orgs ORDER BY added_at, org_id", 0};
static const db_stmt_t UNINDEXED = {"rag_chunk_unindexed",
    "SELECT a.id FROM rag.articles a WHERE a.org_id = $1 AND NOT EXISTS "
    "(SELECT 1 FROM rag.sources s WHERE s.org_id = $1 AND s.source_id = a.id) "
    "ORDER BY a.created_at LIMIT 1000", 1};
static const db_stmt_t STALE = {"rag_chunk_stale",
    "SELECT id, source_id, title, heading_path, text FROM rag.chunks "
    "WHERE org_id = $1 AND live AND model <> $2 ORDER BY source_id, seq LIMIT $3", 3};
static const db_stmt_t SET_VECTOR = {"rag_chunk_set_vector",
    "UPDATE rag.chunks SET model = $3, dims = $4, vector = decode($5, 'hex') "
    "WHERE org_id = $1 AND id = $2", 5};
static const db_stmt_t CHUNK_DROP_OTHER = {"rag_chunk_drop_other",
    "DELETE FROM rag.chunks WHERE org_id = $1 AND source_id = $2 AND generation <> $3", 3};
static const db_stmt_t CHUNK_GO_LIVE = {"rag_chunk_go_live",
    "UPDATE rag.chunks SET live = true "
    "WHERE org_id = $1 AND source_id = $2 AND generation = $3 AND NOT live", 3};
static const db_stmt_t SOURCE_SET = {"rag_chunk_source_set",
    "INSERT INTO rag.sources AS s (org_id, source_id, source_kind, generation, chunks) "
    "SELECT $1, $2, $3, $4, count(*) FROM rag.chunks "
    "  WHERE org_id = $1 AND source_id = $2 AND generation = $4 "
    "ON CONFLICT (org_id, source_id) DO UPDATE SET generation = EXCLUDED.generation, "
    "  chunks = EXCLUDED.chunks, source_kind = EXCLUDED.source_kind, updated_at = now() "
    "RETURNING s.chunks", 4};
static const db_stmt_t CHUNK_DELETE = {"rag_chunk_delete",
    "WITH s AS (DELETE FROM rag.sources WHERE org_id = $1 AND source_id = $2) "
    "DELETE FROM rag.chunks WHERE org_id = $1 AND source_id = $2", 2};
static const db_stmt_t CHUNK_LIST = {"rag_chunk_list",
    "SELECT id, source_kind, source_id, category_id, title, seq, text, heading_path, page, "
    "  chars, model, count(*) OVER () AS _total "
    "FROM rag.chunks WHERE org_id = $1 AND source_id = $2 AND live "
    "ORDER BY seq LIMIT $3 OFFSET $4", 4};
static const db_stmt_t CHUNK_COUNT = {"rag_chunk_count",
    "SELECT count(*) FROM rag.chunks WHERE org_id = $1 AND source_id = $2 AND live", 2};
static const char *const SCAN_SQL =
    "SELECT id, source_id, category_id, model, dims, vector FROM rag.chunks "
    "WHERE org_id = $1 AND live AND ($2::uuid IS NULL OR source_id = $2::uuid)";
static const db_stmt_t SUBTREE = {"rag_chunk_subtree",
    "WITH RECURSIVE sub(id) AS ("
    "  SELECT id FROM rag.categories WHERE org_id = $1 AND id = ANY($2::uuid[]) "
    "  UNION "
    "  SELECT c.id FROM rag.categories c JOIN sub ON c.parent_id = sub.id WHERE c.org_id = $1) "
    "SELECT coalesce(array_agg(id), '{}')::text FROM sub", 2};
/* The candidates ranked: the chunks that have every word of the question (few, and the best:
 * found through the full-text index), then any word, each set capped at $5, so a common word
 * that matches most chunks costs a bounded ranking; then RUM's rank (rum_ts_score, the inverse
 * of its `<=>` distance; against ts_rank_cd it took hit@1 on the quality corpus from 88.6% to
 * 94.3%) of those only.
 * The query is an init plan (parsed once) or an expression of $2, not a joined subquery, so
 * the planner can use the index: under row-level security it does only because the dev stack
 * and operations mark ts_match_vq LEAKPROOF (docs/operations.md); ranks come with the capped
 * rows, so nothing is read twice. */
#define CHUNK_MATCH(q)                                                                             \
    "SELECT c.id, rum_ts_score(c.tsv, (SELECT " ANY_WORDS_Q "))::float8 AS rank "                    \
    "FROM rag.chunks c WHERE c.org_id = $1 AND c.live AND c.tsv @@ " q " "                        \
    "AND ($3::uuid[] IS NULL OR c.category_id = ANY($3::uuid[])) LIMIT $5"
static const db_stmt_t FULLTEXT = {"rag_chunk_fulltext",
    "SELECT m.id, max(m.rank) AS rank "
    "FROM ((" CHUNK_MATCH("plainto_tsquery('russian', $2)") ") UNION ALL "
    "      (" CHUNK_MATCH(ANY_WORDS_Q) ")) m "
    "GROUP BY m.id ORDER BY rank DESC, m.id LIMIT $4", 5};
static const db_stmt_t PASSAGES = {"rag_chunk_passages",
    "SELECT c.id AS chunk_id, c.source_kind, c.source_id, c.category_id, c.title, "
    "  c.heading_path, c.page, c.text, "
    "  " RAG_SNIPPET_HTML("ts_headline('russian', c.text, s.q, "
    "    'StartSel=' || chr(1) || ', StopSel=' || chr(2) || "
    "    ', MaxWords=35, MinWords=15, MaxFragments=2')") " AS snippet "
    "FROM rag.chunks c, (SELECT " ANY_WORDS_Q " AS q OFFSET 0) s "
    "WHERE c.org_id = $1 AND c.id = ANY($3::uuid[]) AND c.live", 3};
/* clang-format on */

static status_t put_chunk(db_t *db, const rag_put_t *p, const Rag__Chunk *c, const char *gen)
{
    char seq[16], page[16], dims[16];
    buf_t hex = BUF_INIT;
    status_t st;

    snprintf(seq, sizeof seq, "%d", c->seq);
    snprintf(page, sizeof page, "%d", c->has_page ? c->page : 0);
    snprintf(dims, sizeof dims, "%d", p->dims);
    crypto_hex_encode(c->vector, c->n_vector * sizeof *c->vector, &hex);
    const char *params[] = {p->org,
                            p->kind,
                            p->source,
                            p->category,
                            gen,
                            seq,
                            p->title ? p->title : "",
                            c->heading_path ? c->heading_path : "",
                            page,
                            c->text,
                            p->model,
                            dims,
                            hex.data};
    st = db_exec(db, &CHUNK_UPSERT, params, NULL);
    buf_cleanup(&hex);
    return st;
}

status_t rag_store_index_put(db_pool_t *pool, const rag_put_t *p, int *live, svc_why_t *why)
{
    char gen[16];
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    snprintf(gen, sizeof gen, "%d", p->generation);
    const char *lp[] = {p->source};
    const char *sp[] = {p->org, p->source};
    if ((st = svc_tx_begin(pool, p->org, &db)) || (st = db_exec(db, &LOCK_SOURCE, lp, NULL)) ||
        (st = db_exec(db, &SOURCE_GEN, sp, &res)))
        goto done;
    if (db_nrows(res) && db_get_int(res, 0, 0) > p->generation) {
        st = svc_why(why, ST_CONFLICT, "generation: %d is older than the live generation %lld",
                     p->generation, db_get_int(res, 0, 0));
        goto done;
    }
    for (size_t i = 0; i < p->n; i++)
        if ((st = put_chunk(db, p, p->chunks[i], gen)))
            goto done;
    if ((st = db_exec(db, &ORG_ADD, &p->org, NULL)))
        goto done;
    if (p->last && p->total >= 0) {
        char total[16];
        snprintf(total, sizeof total, "%d", p->total);
        const char *tp[] = {p->org, p->source, gen, total};
        if ((st = db_exec(db, &CHUNK_TRIM, tp, NULL)))
            goto done;
    }
    if (p->last) {
        const char *gp[] = {p->org, p->source, gen};
        const char *setp[] = {p->org, p->source, p->kind, gen};
        PQclear(res);
        res = NULL;
        if ((st = db_exec(db, &CHUNK_DROP_OTHER, gp, NULL)) ||
            (st = db_exec(db, &CHUNK_GO_LIVE, gp, NULL)) ||
            (st = db_exec(db, &SOURCE_SET, setp, &res)))
            goto done;
        *live = (int)db_get_int(res, 0, 0);
    }
done:
    PQclear(res);
    return db ? svc_tx_end(&db, st) : st;
}

status_t rag_store_index_delete(db_pool_t *pool, const char *org, const char *source, long *n)
{
    const char *p[] = {org, source};
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)) || (st = db_exec(db, &LOCK_SOURCE, &source, NULL)) ||
        (st = db_exec(db, &CHUNK_DELETE, p, &res)))
        goto done;
    *n = atol(PQcmdTuples(res));
done:
    PQclear(res);
    return db ? svc_tx_end(&db, st) : st;
}

status_t rag_store_list_chunks(db_pool_t *pool, const char *org, const char *source,
                               const svc_page_t *page, Rag__ChunkList **out)
{
    char limit[16], offset[24];
    Rag__ChunkList *list = svc_msg_new(&rag__chunk_list__descriptor);
    PGresult *res = NULL;
    db_t *db = NULL;
    int64_t total = 0;
    status_t st;

    snprintf(limit, sizeof limit, "%d", page->per_page);
    snprintf(offset, sizeof offset, "%lld", (long long)svc_page_offset(page));
    const char *p[] = {org, source, limit, offset};
    if ((st = svc_tx_begin(pool, org, &db)) || (st = db_exec(db, &CHUNK_LIST, p, &res)) ||
        (st = db_rows_to_repeated(res, &list->base, "items")))
        goto done;
    if (db_nrows(res))
        total = db_get_int(res, 0, 11);
    else if (page->page > 1) { /* past the end: the count from elsewhere */
        PQclear(res);
        res = NULL;
        if ((st = db_exec(db, &CHUNK_COUNT, p, &res)))
            goto done;
        total = db_get_int(res, 0, 0);
    }
    svc_page_reply(&list->base, page, total);
done:
    PQclear(res);
    st = db ? svc_tx_end(&db, st) : st;
    if (st == ST_OK)
        *out = list;
    else
        svc_msg_free(list);
    return st;
}

status_t rag_store_scan_vectors(db_pool_t *pool, const char *org, const char *source, rag_vec_fn fn,
                                void *arg)
{
    const char *p[] = {org, source};
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = svc_tx_begin(pool, org, &db)))
        goto done;
    /* binary results: uuids as 16 bytes, vectors as their raw bytes */
    res = PQexecParams(db_pgconn(db), SCAN_SQL, 2, NULL, p, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        LOG_ERROR("rag: cannot read the vectors of an organisation: %s", PQresultErrorMessage(res));
        st = ST_UNAVAILABLE;
        goto done;
    }
    for (int i = 0, n = PQntuples(res); i < n; i++) {
        char model[256];
        int mlen = PQgetlength(res, i, 3), dims;
        const unsigned char *d = (const unsigned char *)PQgetvalue(res, i, 4);
        dims = (int)((unsigned)d[0] << 24 | (unsigned)d[1] << 16 | (unsigned)d[2] << 8 | d[3]);
        if (mlen >= (int)sizeof model || PQgetlength(res, i, 5) != 4 * dims)
            continue;
        memcpy(model, PQgetvalue(res, i, 3), (size_t)mlen);
        model[mlen] = '\0';
        rag_vec_row_t row = {
            .id = (const unsigned char *)PQgetvalue(res, i, 0),
            .source = (const unsigned char *)PQgetvalue(res, i, 1),
            .category =
                PQgetisnull(res, i, 2) ? NULL : (const unsigned char *)PQgetvalue(res, i, 2),
            .model = model,
            .vec = (const float *)(const void *)PQgetvalue(res, i, 5),
            .dims = dims,
        };
        fn(arg, &row);
    }
done:
    PQclear(res);
    return db ? svc_tx_end(&db, st) : st;
}

status_t rag_store_category_subtree(db_pool_t *pool, const char *org, const char *ids_literal,
                                    buf_t *out)
{
    const char *p[] = {org, ids_literal};
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &SUBTREE, p, &res)))
        goto done;
    buf_puts(out, db_get(res, 0, 0));
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_fulltext(db_pool_t *pool, const char *org, const char *q, const char *cats,
                            int limit, rag_hit_t **hits, size_t *n)
{
    char lim[16];
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {org, q, cats, lim, FT_CANDIDATES};
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &FULLTEXT, p, &res)))
        goto done;
    int rows = db_nrows(res);
    rag_hit_t *h = xcalloc(rows ? (size_t)rows : 1, sizeof *h);
    for (int i = 0; i < rows; i++) {
        snprintf(h[i].id, sizeof h[i].id, "%s", db_get(res, i, 0));
        h[i].rank = db_get(res, i, 1) ? strtod(db_get(res, i, 1), NULL) : 0;
    }
    *hits = h;
    *n = (size_t)rows;
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_passages(db_pool_t *pool, const char *org, const char *q, const char *ids,
                            Rag__RetrieveReply *out)
{
    const char *p[] = {org, q, ids};
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &PASSAGES, p, &res)))
        goto done;
    st = db_rows_to_repeated(res, &out->base, "items");
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_source_generation(db_pool_t *pool, const char *org, const char *source, int *gen)
{
    const char *p[] = {org, source};
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &SOURCE_GEN, p, &res)))
        goto done;
    *gen = db_nrows(res) ? (int)db_get_int(res, 0, 0) : 0;
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* Every row's first column, as a heap array of heap strings. */
static void column_strings(const PGresult *res, char ***out, size_t *n)
{
    int rows = db_nrows(res);
    char **v = xcalloc(rows ? (size_t)rows : 1, sizeof *v);
    for (int i = 0; i < rows; i++)
        v[i] = xstrdup(db_get(res, i, 0));
    *out = v;
    *n = (size_t)rows;
}

status_t rag_store_index_orgs(db_pool_t *pool, char ***orgs, size_t *n)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_exec(db, &ORGS, NULL, &res)))
        goto done;
    column_strings(res, orgs, n);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_unindexed_articles(db_pool_t *pool, const char *org, char ***ids, size_t *n)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &UNINDEXED, &org, &res)))
        goto done;
    column_strings(res, ids, n);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t rag_store_stale_chunks(db_pool_t *pool, const char *org, const char *model, int limit,
                                rag_stale_t **out, size_t *n)
{
    char lim[16];
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[] = {org, model, lim};
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &STALE, p, &res)))
        goto done;
    int rows = db_nrows(res);
    rag_stale_t *v = xcalloc(rows ? (size_t)rows : 1, sizeof *v);
    for (int i = 0; i < rows; i++) {
        snprintf(v[i].id, sizeof v[i].id, "%s", db_get(res, i, 0));
        snprintf(v[i].source, sizeof v[i].source, "%s", db_get(res, i, 1));
        v[i].title = xstrdup(db_get(res, i, 2));
        v[i].heading_path = xstrdup(db_get(res, i, 3));
        v[i].text = xstrdup(db_get(res, i, 4));
    }
    *out = v;
    *n = (size_t)rows;
done:
    PQclear(res);
    db_release(db);
    return st;
}

void rag_stale_free(rag_stale_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].title);
        free(v[i].heading_path);
        free(v[i].text);
    }
    free(v);
}

status_t rag_store_set_vectors(db_pool_t *pool, const char *org, const rag_stale_t *chunks,
                               size_t n, const char *model, const float *vecs, int dims)
{
    char d[16];
    db_t *db = NULL;
    status_t st;

    snprintf(d, sizeof d, "%d", dims);
    if ((st = svc_tx_begin(pool, org, &db)))
        return st;
    for (size_t i = 0; i < n && !st; i++) {
        buf_t hex = BUF_INIT;
        crypto_hex_encode(vecs + i * (size_t)dims, (size_t)dims * sizeof *vecs, &hex);
        const char *p[] = {org, chunks[i].id, model, d, hex.data};
        st = db_exec(db, &SET_VECTOR, p, NULL);
        buf_cleanup(&hex);
    }
    return svc_tx_end(&db, st);
}
