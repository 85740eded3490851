/* test_fuse.c - scoring and fusing retrieval candidates (services/rag/fuse.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "services/rag/fuse.h"

static rag_hit_t hit(const char *id, double rank)
{
    rag_hit_t h = {"", rank};
    strncpy(h.id, id, sizeof h.id - 1);
    return h;
}

Test(fuse, rrf_rewards_both_sides)
{
    rag_hit_t ft[] = {hit("a", 0.5), hit("b", 0.4), hit("c", 0.1)};
    rag_hit_t vec[] = {hit("c", 0.9), hit("b", 0.8), hit("d", 0.7)};
    rag_cand_t *c = NULL;
    size_t n = 0;
    rag_fuse(ft, 3, true, vec, 3, true, RAG_FUSE_RRF, 0, &c, &n);
    cr_assert_eq(n, 4);
    /* c: 1/63 + 1/61 = 0.032266; b: 1/62 + 1/62 = 0.032258; a: 1/61; d: 1/63 */
    cr_assert_str_eq(c[0].id, "c");
    cr_assert_str_eq(c[1].id, "b");
    cr_assert_str_eq(c[2].id, "a");
    cr_assert_str_eq(c[3].id, "d");
    cr_assert(c[1].in_ft && c[1].in_vec && c[1].fulltext_rank == 0.4 && c[1].vector_score == 0.8);
    cr_assert(c[2].in_ft && !c[2].in_vec);
    cr_assert(c[0].score <= 1 && c[0].score > 0.9);
    free(c);
    /* First on both sides scores exactly 1. */
    rag_fuse(ft, 1, true, ft, 1, true, RAG_FUSE_RRF, 0, &c, &n);
    cr_assert_eq(n, 1);
    cr_assert_float_eq(c[0].score, 1.0, 1e-12);
    free(c);
}

Test(fuse, single_sides_and_min_score)
{
    rag_hit_t ft[] = {hit("a", 0.3), hit("b", 0.1), hit("c", 0.01)};
    rag_hit_t vec[] = {hit("x", 0.9), hit("y", -0.2)};
    rag_cand_t *c = NULL;
    size_t n = 0;
    rag_fuse(ft, 3, true, vec, 2, false, RAG_FUSE_RRF, 0, &c, &n);
    cr_assert_eq(n, 3, "vector hits are not used in fulltext mode");
    cr_assert_float_eq(c[0].score, 0.3 / 0.4, 1e-12);
    cr_assert_float_eq(c[1].score, 0.5, 1e-12);
    free(c);
    rag_fuse(ft, 3, true, ft, 3, false, RAG_FUSE_RRF, 0.4, &c, &n);
    cr_assert_eq(n, 2, "min_score drops c");
    free(c);
    rag_fuse(ft, 3, false, vec, 2, true, RAG_FUSE_RRF, 0, &c, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(c[0].id, "x");
    cr_assert_float_eq(c[0].score, 0.9, 1e-12);
    cr_assert_float_eq(c[1].score, 0.0, 1e-12, "a negative cosine scores 0");
    free(c);
    rag_fuse(NULL, 0, true, NULL, 0, true, RAG_FUSE_RRF, 0, &c, &n);
    cr_assert_eq(n, 0);
    free(c);
}

Test(fuse, blend_weighs_scores)
{
    rag_hit_t ft[] = {hit("a", 10.0), hit("b", 0.01)};
    rag_hit_t vec[] = {hit("b", 0.95), hit("a", 0.1)};
    rag_cand_t *c = NULL;
    size_t n = 0;
    rag_fuse(ft, 2, true, vec, 2, true, RAG_FUSE_BLEND, 0, &c, &n);
    cr_assert_eq(n, 2);
    /* a: 0.5*0.1 + 0.5*(10/10.1) = 0.545; b: 0.5*0.95 + 0.5*(0.01/0.11) = 0.52 */
    cr_assert_str_eq(c[0].id, "a");
    cr_assert_float_eq(c[0].score, 0.5 * 0.1 + 0.5 * (10.0 / 10.1), 1e-9);
    cr_assert_float_eq(c[0].fused, c[0].score, 1e-12);
    free(c);
}
