/* fuse.c - candidates of full-text and vector search, scored and ranked (see fuse.h). */
#include "fuse.h"

#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

static double ft_score(double rank)
{
    return rank > 0 ? rank / (rank + RAG_FT_HALF) : 0;
}

static double vec_score(double cosine)
{
    return cosine > 0 ? (cosine < 1 ? cosine : 1) : 0;
}

static rag_cand_t *find(rag_cand_t *c, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].id, id) == 0)
            return &c[i];
    return NULL;
}

static int by_score(const void *a, const void *b)
{
    const rag_cand_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->id, y->id);
}

void rag_fuse(const rag_hit_t *ft, size_t n_ft, bool use_ft, const rag_hit_t *vec, size_t n_vec,
              bool use_vec, rag_fusion_t how, double min_score, rag_cand_t **out, size_t *n)
{
    size_t cap = (use_ft ? n_ft : 0) + (use_vec ? n_vec : 0), m = 0;
    rag_cand_t *c = xcalloc(cap ? cap : 1, sizeof *c);
    bool hybrid = use_ft && use_vec;

    for (size_t i = 0; use_ft && i < n_ft; i++) {
        rag_cand_t *x = &c[m++];
        memcpy(x->id, ft[i].id, sizeof x->id);
        x->in_ft = true;
        x->fulltext_rank = ft[i].rank;
        x->fused = 1.0 / (RAG_RRF_K + (double)(i + 1));
    }
    for (size_t i = 0; use_vec && i < n_vec; i++) {
        rag_cand_t *x = find(c, m, vec[i].id);
        if (!x) {
            x = &c[m++];
            memcpy(x->id, vec[i].id, sizeof x->id);
        }
        x->in_vec = true;
        x->vector_score = vec[i].rank;
        x->fused += 1.0 / (RAG_RRF_K + (double)(i + 1));
    }
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        rag_cand_t *x = &c[i];
        if (!hybrid)
            x->score = use_ft ? ft_score(x->fulltext_rank) : vec_score(x->vector_score);
        else if (how == RAG_FUSE_RRF)
            x->score = x->fused / (2.0 / (RAG_RRF_K + 1.0));
        else {
            x->fused = RAG_BLEND_VECTOR * vec_score(x->vector_score) +
                       (1 - RAG_BLEND_VECTOR) * ft_score(x->fulltext_rank);
            x->score = x->fused;
        }
        if (x->score >= min_score)
            c[w++] = *x;
    }
    qsort(c, w, sizeof *c, by_score);
    *out = c;
    *n = w;
}
