/* vindex.h - one organisation's vectors in memory, searched exactly over int8 codes.
 *
 * Every live chunk's vector is kept as int8 codes with one float scale (code * scale ~ value:
 * a quarter of float32's memory), in shards of one (model, dims) each: a query searches the
 * shard of its own model only. A search scores every entry of the shard by the int8 dot product
 * (AVX2 when the CPU has it, chosen at run time; a portable loop otherwise), scaled back to a
 * cosine, and keeps the best k. Entries are removed by source (a document or an article), so a
 * put or a delete of one source changes only its entries. Pure: no I/O, no locks (orgindex.c
 * guards it), unit-tested. Ids are raw 16-byte UUIDs.
 *
 *     vindex_t *v = vindex_new();
 *     vindex_add(v, id, source, category, "hash-ngram-v1", vec, 256);
 *     size_t n = vindex_search(v, "hash-ngram-v1", q, 256, NULL, 0, 10, hits);
 *     vindex_free(v);
 */
#ifndef RAG_VINDEX_H
#define RAG_VINDEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vindex vindex_t;

typedef struct {
    unsigned char id[16];
    float score; /* cosine similarity, about -1..1 */
} vindex_hit_t;

vindex_t *vindex_new(void);
void vindex_free(vindex_t *v); /* NULL-safe */

/* Adds one entry (category NULL: none). dims must be 1..4096. */
void vindex_add(vindex_t *v, const unsigned char id[16], const unsigned char source[16],
                const unsigned char *category, const char *model, const float *vec, int dims);
/* Removes every entry of source; returns how many went. */
size_t vindex_remove_source(vindex_t *v, const unsigned char source[16]);

size_t vindex_count(const vindex_t *v);
/* Bytes held (codes, scales, ids, tables): what RAG_INDEX_BUDGET_MB counts. */
size_t vindex_bytes(const vindex_t *v);

/* The best k (at most) entries of model with dims values for the query q, best first, into out
 * (room for k). cats (n_cats 16-byte ids; NULL: every entry) keeps only entries of those
 * categories. Returns how many were written. */
size_t vindex_search(const vindex_t *v, const char *model, const float *q, int dims,
                     const unsigned char (*cats)[16], size_t n_cats, size_t k, vindex_hit_t *out);

/* Which dot product runs: "avx2" or "portable". force_portable (tests, benchmarks) switches. */
const char *vindex_kernel(void);
void vindex_force_portable(bool on);

#endif
