/* test_vindex.c - the int8 vector index (services/rag/vindex.c): its ranking agrees with exact
 * float search, both kernels give the same scores, entries go by source, categories filter,
 * models do not mix. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "services/rag/vindex.h"

#define DIMS 200 /* not a multiple of 32: the padding is exercised */
#define N    3000

static unsigned rng = 12345;
static float frand(void)
{
    rng = rng * 1103515245u + 12345u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void unit(float *v, int dims)
{
    double n = 0;
    for (int i = 0; i < dims; i++)
        n += (double)v[i] * v[i];
    for (int i = 0; i < dims; i++)
        v[i] = (float)(v[i] / sqrt(n));
}

static void id_of(int i, unsigned char id[16])
{
    memset(id, 0, 16);
    memcpy(id + 12, &i, sizeof i);
    id[0] = 0xaa;
}

static int num_of(const unsigned char id[16])
{
    int i;
    memcpy(&i, id + 12, sizeof i);
    return i;
}

static float *data(void)
{
    float *v = malloc((size_t)N * DIMS * sizeof *v);
    for (int i = 0; i < N * DIMS; i++)
        v[i] = frand();
    for (int i = 0; i < N; i++)
        unit(v + (size_t)i * DIMS, DIMS);
    return v;
}

/* Source of entry i: 10 entries a source; category: i % 3 (ids 1, 2, 3). */
static vindex_t *build(const float *v)
{
    vindex_t *ix = vindex_new();
    for (int i = 0; i < N; i++) {
        unsigned char id[16], src[16], cat[16];
        id_of(i, id);
        id_of(1000000 + i / 10, src);
        id_of(1 + i % 3, cat);
        vindex_add(ix, id, src, cat, "m", v + (size_t)i * DIMS, DIMS);
    }
    return ix;
}

Test(vindex, recall_against_exact_float_search)
{
    float *v = data();
    vindex_t *ix = build(v);
    cr_assert_eq(vindex_count(ix), N);
    int found = 0, total = 0;
    for (int t = 0; t < 50; t++) {
        float q[DIMS];
        for (int i = 0; i < DIMS; i++)
            q[i] = frand();
        unit(q, DIMS);
        /* exact top 10 */
        int best[10];
        float bs[10];
        for (int k = 0; k < 10; k++)
            bs[k] = -2, best[k] = -1;
        for (int i = 0; i < N; i++) {
            float s = 0;
            for (int d = 0; d < DIMS; d++)
                s += q[d] * v[(size_t)i * DIMS + d];
            if (s > bs[9]) {
                int k = 9;
                while (k > 0 && bs[k - 1] < s) {
                    bs[k] = bs[k - 1];
                    best[k] = best[k - 1];
                    k--;
                }
                bs[k] = s;
                best[k] = i;
            }
        }
        vindex_hit_t hits[10];
        size_t n = vindex_search(ix, "m", q, DIMS, NULL, 0, 10, hits);
        cr_assert_eq(n, 10);
        for (size_t h = 0; h < n; h++) {
            cr_assert(h == 0 || hits[h].score <= hits[h - 1].score, "best first");
            for (int k = 0; k < 10; k++)
                found += num_of(hits[h].id) == best[k];
            cr_assert(fabsf(hits[h].score - bs[h]) < 0.03f, "cosine %f vs %f", hits[h].score,
                      bs[h]);
        }
        total += 10;
    }
    cr_assert_geq((double)found / total, 0.95, "recall@10 %d/%d", found, total);
    vindex_free(ix);
    free(v);
}

Test(vindex, kernels_agree)
{
    float *v = data();
    vindex_t *ix = build(v);
    vindex_hit_t a[20], b[20];
    vindex_force_portable(false);
    size_t na = vindex_search(ix, "m", v, DIMS, NULL, 0, 20, a);
    vindex_force_portable(true);
    cr_assert_str_eq(vindex_kernel(), "portable");
    size_t nb = vindex_search(ix, "m", v, DIMS, NULL, 0, 20, b);
    vindex_force_portable(false);
    cr_assert_eq(na, nb);
    for (size_t i = 0; i < na; i++) {
        cr_assert_eq(memcmp(a[i].id, b[i].id, 16), 0);
        cr_assert_eq(a[i].score, b[i].score);
    }
    cr_assert_eq(num_of(a[0].id), 0, "a vector finds itself first");
    cr_assert(a[0].score > 0.98f);
    vindex_free(ix);
    free(v);
}

Test(vindex, remove_source_filter_and_models)
{
    float *v = data();
    vindex_t *ix = build(v);
    size_t before = vindex_bytes(ix);
    unsigned char src[16], cat[1][16];
    id_of(1000000, src); /* entries 0..9 */
    cr_assert_eq(vindex_remove_source(ix, src), 10);
    cr_assert_eq(vindex_remove_source(ix, src), 0);
    cr_assert_eq(vindex_count(ix), N - 10);
    vindex_hit_t h[5];
    size_t n = vindex_search(ix, "m", v, DIMS, NULL, 0, 5, h);
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_geq(num_of(h[i].id), 10, "a removed entry was found");
    /* Category 2: entries with i % 3 == 1 only. */
    id_of(2, cat[0]);
    n = vindex_search(ix, "m", v + 13 * DIMS, DIMS, (const unsigned char(*)[16])cat, 1, 5, h);
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(num_of(h[i].id) % 3, 1);
    cr_assert_eq(num_of(h[0].id), 13);
    /* An unknown category finds nothing; another model or length neither. */
    id_of(77, cat[0]);
    cr_assert_eq(vindex_search(ix, "m", v, DIMS, (const unsigned char(*)[16])cat, 1, 5, h), 0);
    cr_assert_eq(vindex_search(ix, "other", v, DIMS, NULL, 0, 5, h), 0);
    cr_assert_eq(vindex_search(ix, "m", v, 64, NULL, 0, 5, h), 0);
    /* A second model lives in its own shard. */
    unsigned char id[16];
    id_of(999999, id);
    vindex_add(ix, id, src, NULL, "other", v, 8);
    cr_assert_eq(vindex_search(ix, "other", v, 8, NULL, 0, 5, h), 1);
    cr_assert_eq(num_of(h[0].id), 999999);
    cr_assert_geq(vindex_bytes(ix), before - 10 * (DIMS + 28));
    cr_assert_lt(vindex_bytes(ix), (size_t)N * (DIMS + 64) * 2, "about a byte a dimension");
    vindex_free(ix);
    vindex_free(NULL);
    free(v);
}
