/* handlers_retrieve.c - svc.rag.retrieve and POST /api/kb/retrieve (one handler): the
 * passages of the caller's organisation that best answer a question.
 *
 * fulltext ranks live chunks by the question's words (RUM, store_chunks.c); vector embeds the
 * question (svc.embed.embed, purpose "query") and searches the in-memory index of the
 * organisation (orgindex.h) among chunks of the embed service's model; hybrid fuses both
 * (fuse.h: reciprocal rank fusion). The passages of the best k are then read with snippets.
 * Hybrid falls back to full text alone when the embed service cannot answer (and says so:
 * the reply's model is empty); vector mode then fails with 503.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embedder.h"
#include "rag.h"
#include "shared/names.h"
#include "shared/util.h"
#include "validate_index.h"

/* Candidates each side hands to the fusion. */
#define CANDIDATES 50

typedef struct {
    char *q;
    rag_mode_t mode;
    int k;
    double min_score;
    buf_t cats;               /* uuid[] literal of the categories and their subtrees; empty: all */
    unsigned char (*cat)[16]; /* the same as bytes */
    size_t n_cat;
} query_t;

static void query_cleanup(query_t *q)
{
    free(q->q);
    buf_cleanup(&q->cats);
    free(q->cat);
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

/* The uuid[] literal "{a,b}" as 16-byte ids. */
static void cats_to_bytes(query_t *q)
{
    const char *p = q->cats.data;
    size_t n = 0;
    for (const char *s = p; *s; s++)
        n += *s == ',';
    q->cat = xcalloc(n + 1, sizeof *q->cat);
    while (*p) {
        if (*p == '{' || *p == ',' || *p == '}') {
            p++;
            continue;
        }
        unsigned char *out = q->cat[q->n_cat++];
        for (int j = 0; j < 16 && *p;) {
            if (*p == '-') {
                p++;
                continue;
            }
            out[j++] = (unsigned char)(hexval(p[0]) << 4 | hexval(p[1]));
            p += 2;
        }
    }
}

/* Checks the request into q; ST_NOT_FOUND naming category_ids for another org's category. */
static status_t query_parse(svc_t *svc, bus_req_t *req, const char *org,
                            const Rag__RetrieveRequest *in, query_t *q)
{
    status_t st;

    if ((st = svc_text(req, "q", in->q, 1, RAG_RETRIEVE_Q_MAX, true, &q->q)))
        return st;
    if (!rag_mode_parse(in->mode, &q->mode))
        return svc_fail(req, ST_INVALID, "mode: must be hybrid, fulltext or vector");
    q->k = in->has_k ? in->k : RAG_RETRIEVE_K_DEFAULT;
    if (q->k < 1 || q->k > RAG_RETRIEVE_K_MAX)
        return svc_fail(req, ST_INVALID, "k: must be 1-%d", RAG_RETRIEVE_K_MAX);
    q->min_score = in->has_min_score ? in->min_score : 0;
    if (!isfinite(q->min_score) || q->min_score < 0 || q->min_score > 1)
        return svc_fail(req, ST_INVALID, "min_score: must be 0-1");
    if (!in->n_category_ids)
        return ST_OK;
    if (in->n_category_ids > RAG_RETRIEVE_CATS_MAX)
        return svc_fail(req, ST_INVALID, "category_ids: at most %d", RAG_RETRIEVE_CATS_MAX);
    char **ids = xcalloc(in->n_category_ids, sizeof *ids);
    buf_t lit = BUF_INIT;
    Rag__CategoriesCheckReply unknown = RAG__CATEGORIES_CHECK_REPLY__INIT;
    buf_putc(&lit, '{');
    for (size_t i = 0; i < in->n_category_ids && !st; i++) {
        ids[i] = xmalloc(37);
        if (!(st = svc_uuid(req, "category_ids", in->category_ids[i], ids[i])))
            buf_printf(&lit, "%s%s", i ? "," : "", ids[i]);
    }
    buf_putc(&lit, '}');
    if (!st &&
        !(st = rag_store_unknown_categories(svc->db, org, ids, in->n_category_ids, &unknown)) &&
        unknown.n_unknown)
        st = svc_fail(req, ST_NOT_FOUND, "category_ids: no such category: %s", unknown.unknown[0]);
    if (!st)
        st = rag_store_category_subtree(svc->db, org, lit.data, &q->cats);
    if (!st)
        cats_to_bytes(q);
    for (size_t i = 0; i < in->n_category_ids; i++)
        free(ids[i]);
    free(ids);
    for (size_t i = 0; i < unknown.n_unknown; i++)
        free(unknown.unknown[i]);
    free(unknown.unknown);
    buf_cleanup(&lit);
    return st;
}

/* The question's vector from svc.embed.embed: *reply (free) holds model and values. */
static status_t embed_query(svc_t *svc, bus_req_t *req, const char *q, Embed__EmbedReply **reply)
{
    rag_app_t *app = svc->app;
    char *texts[] = {(char *)q};
    bus_ctx_t ctx;

    bus_ctx_from_req(req, &ctx);
    return rag_embed(svc->bus, &ctx, texts, 1, "query", app->embed_timeout_ms, reply);
}

static void uuid_text(const unsigned char *b, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0, j = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[j++] = '-';
        out[j++] = hex[b[i] >> 4];
        out[j++] = hex[b[i] & 15];
    }
    out[36] = '\0';
}

/* The vector side: the best CANDIDATES of the organisation's index. */
static status_t vector_side(svc_t *svc, const char *org, const query_t *q,
                            const Embed__EmbedReply *e, rag_hit_t **hits, size_t *n)
{
    rag_app_t *app = svc->app;
    vindex_hit_t top[CANDIDATES];
    size_t m = 0;
    status_t st = rag_index_search(
        app->index, org, e->model, e->vectors[0]->values, (int)e->vectors[0]->n_values,
        q->cats.len ? (const unsigned char(*)[16])q->cat : NULL, q->n_cat, CANDIDATES, top, &m);
    if (st)
        return st;
    rag_hit_t *h = xcalloc(m ? m : 1, sizeof *h);
    for (size_t i = 0; i < m; i++) {
        uuid_text(top[i].id, h[i].id);
        h[i].rank = top[i].score;
    }
    *hits = h;
    *n = m;
    return ST_OK;
}

static Rag__Passage *passage_find(Rag__RetrieveReply *r, const char *id)
{
    for (size_t i = 0; i < r->n_items; i++)
        if (r->items[i] && r->items[i]->chunk_id && strcmp(r->items[i]->chunk_id, id) == 0)
            return r->items[i];
    return NULL;
}

/* Reads the passages of the best k candidates and puts them in rank order with their scores. */
static status_t passages(svc_t *svc, const char *org, const query_t *q, const rag_cand_t *c,
                         size_t n, Rag__RetrieveReply *out)
{
    buf_t ids = BUF_INIT;
    size_t k = n < (size_t)q->k ? n : (size_t)q->k;
    status_t st = ST_OK;

    buf_putc(&ids, '{');
    for (size_t i = 0; i < k; i++)
        buf_printf(&ids, "%s%s", i ? "," : "", c[i].id);
    buf_putc(&ids, '}');
    if (k && (st = rag_store_passages(svc->db, org, q->q, ids.data, out)))
        goto done;
    Rag__Passage **ordered = xcalloc(k ? k : 1, sizeof *ordered);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        Rag__Passage *p = passage_find(out, c[i].id);
        if (!p) /* deleted since the index was read */
            continue;
        p->has_score = true;
        p->score = c[i].score;
        p->has_fulltext_rank = c[i].in_ft;
        p->fulltext_rank = c[i].fulltext_rank;
        p->has_vector_score = c[i].in_vec;
        p->vector_score = c[i].vector_score;
        p->has_fused_score = q->mode == RAG_MODE_HYBRID && c[i].in_ft + c[i].in_vec > 0;
        p->fused_score = c[i].fused;
        p->has_rank = true;
        p->rank = (int32_t)m + 1;
        ordered[m++] = p;
    }
    free(out->items);
    out->items = ordered;
    out->n_items = m;
done:
    buf_cleanup(&ids);
    return st;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* svc.rag.retrieve */
status_t rag_handle_retrieve(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__RetrieveRequest *in = NULL;
    Rag__RetrieveReply *out = svc_msg_new(&rag__retrieve_reply__descriptor);
    Embed__EmbedReply *e = NULL;
    rag_hit_t *ft = NULL, *vec = NULL;
    rag_cand_t *cands = NULL;
    size_t n_ft = 0, n_vec = 0, n_cands = 0;
    query_t q = {.cats = BUF_INIT};
    struct timespec t0;
    svc_caller_t c;
    status_t st;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = svc_caller(req, NULL, &c)) ||
        (st = query_parse(svc, req, c.org, in, &q)))
        goto done;
    bool use_vec = q.mode != RAG_MODE_FULLTEXT, use_ft = q.mode != RAG_MODE_VECTOR;
    if (use_vec && (st = embed_query(svc, req, q.q, &e))) {
        if (q.mode == RAG_MODE_VECTOR) {
            svc_fail(req, ST_UNAVAILABLE, "the embedding service is unavailable");
            goto done;
        }
        use_vec = false; /* hybrid: words alone */
        st = ST_OK;
    }
    if (use_vec && (st = vector_side(svc, c.org, &q, e, &vec, &n_vec)))
        goto done;
    if (use_ft && (st = rag_store_fulltext(svc->db, c.org, q.q, q.cats.len ? q.cats.data : NULL,
                                           CANDIDATES, &ft, &n_ft)))
        goto done;
    rag_fuse(ft, n_ft, use_ft, vec, n_vec, use_vec, RAG_FUSE_RRF, q.min_score, &cands, &n_cands);
    if ((st = passages(svc, c.org, &q, cands, n_cands, out)))
        goto done;
    out->mode = xstrdup(rag_mode_name(q.mode));
    out->model = xstrdup(e ? e->model : "");
    out->has_took_ms = true;
    out->took_ms = ms_since(&t0);
done:
    bus_reply(req, st, st == ST_OK ? &out->base : NULL);
    svc_msg_free(out);
    if (e)
        protobuf_c_message_free_unpacked(&e->base, NULL);
    free(ft);
    free(vec);
    free(cands);
    query_cleanup(&q);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
