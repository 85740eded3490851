/* fuse.h - ranking retrieval candidates: one side's own score, or both sides fused. Pure, no
 * I/O, unit-tested; the quality benchmark links it to compare the fusions on its corpus.
 *
 * Full text gives a rank (RUM's, higher is better, unbounded), vector search a cosine. Scores
 * are put on 0..1 so min_score means the same in every mode:
 *   fulltext  rank / (rank + RAG_FT_HALF): half way at a rank of RAG_FT_HALF;
 *   vector    the cosine, clamped at 0;
 *   hybrid    RAG_FUSE_RRF: sum over the sides of 1 / (RAG_RRF_K + position), divided by its
 *             maximum (first on both sides); RAG_FUSE_BLEND: RAG_BLEND_VECTOR * cosine +
 *             (1 - RAG_BLEND_VECTOR) * the full-text score above.
 */
#ifndef RAG_FUSE_H
#define RAG_FUSE_H

#include <stdbool.h>
#include <stddef.h>

#define RAG_RRF_K        60.0
#define RAG_FT_HALF      0.1
#define RAG_BLEND_VECTOR 0.5

/* A hit of one side: the chunk (canonical UUID) and that side's raw score, best first. */
typedef struct {
    char id[37];
    double rank;
} rag_hit_t;

typedef enum { RAG_FUSE_RRF = 0, RAG_FUSE_BLEND } rag_fusion_t;

typedef struct {
    char id[37];
    bool in_ft, in_vec;
    double fulltext_rank, vector_score; /* when in_ft / in_vec */
    double fused;                       /* hybrid: before normalising */
    double score;                       /* 0..1, what the order is made by */
} rag_cand_t;

/* Candidates from either list (ft and vec best first; either may be empty), ranked by score,
 * ties by id; those below min_score left out. Hybrid when both lists are used (use_ft and
 * use_vec), otherwise the one side's score. *out: heap array (free), *n its length. */
void rag_fuse(const rag_hit_t *ft, size_t n_ft, bool use_ft, const rag_hit_t *vec, size_t n_vec,
              bool use_vec, rag_fusion_t how, double min_score, rag_cand_t **out /* OUT */,
              size_t *n /* OUT */);

#endif
