/* hnsw_shim.h - Debian's hnswlib (header-only C++, libhnswlib-dev) behind a small C interface,
 * for bench_retrieve_speed to compare HNSW with rag's exact int8 search. Inner-product space
 * (vectors are L2-normalised, so it ranks by cosine). */
#ifndef TESTS_BENCH_RETRIEVAL_HNSW_SHIM_H
#define TESTS_BENCH_RETRIEVAL_HNSW_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hnsw hnsw_t;

/* An index for up to max vectors of dims floats; M links a node, ef_construction build width. */
hnsw_t *hnsw_new(int dims, size_t max, int M, int ef_construction);
void hnsw_free(hnsw_t *h);
void hnsw_add(hnsw_t *h, const float *vec, size_t label);
/* The labels of the best k (at most) for q, best first, searched with width ef. */
size_t hnsw_search(hnsw_t *h, const float *q, size_t k, int ef, size_t *labels);
/* Bytes of vectors and links. */
size_t hnsw_bytes(const hnsw_t *h);

#ifdef __cplusplus
}
#endif

#endif
