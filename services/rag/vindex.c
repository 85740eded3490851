/* vindex.c - exact search over int8-quantised vectors (see vindex.h).
 *
 * Layout: per shard, codes of all entries back to back, each padded to a multiple of 32 bytes
 * (zeros: they add nothing to a dot product), so the AVX2 loop needs no tail. Sources and
 * categories are interned into small tables (an open-addressing map from UUID to index), and
 * entries carry 32-bit indexes into them.
 */
#include "vindex.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

#define NONE UINT32_MAX

/* ---- UUID interning -------------------------------------------------------------------------- */

typedef struct {
    unsigned char (*ids)[16]; /* index -> id */
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 empty */
    uint32_t nslots;
} intern_t;

static uint32_t uuid_hash(const unsigned char *id)
{
    uint32_t h;
    memcpy(&h, id + 12, sizeof h); /* the random part of a v4 UUID */
    return h * 2654435761u;
}

static uint32_t intern_find(const intern_t *t, const unsigned char *id)
{
    if (!t->nslots)
        return NONE;
    for (uint32_t i = uuid_hash(id) & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
        uint32_t s = t->slots[i];
        if (!s)
            return NONE;
        if (memcmp(t->ids[s - 1], id, 16) == 0)
            return s - 1;
    }
}

static void intern_rehash(intern_t *t, uint32_t nslots)
{
    free(t->slots);
    t->slots = xcalloc(nslots, sizeof *t->slots);
    t->nslots = nslots;
    for (uint32_t k = 0; k < t->n; k++) {
        uint32_t i = uuid_hash(t->ids[k]) & (nslots - 1);
        while (t->slots[i])
            i = (i + 1) & (nslots - 1);
        t->slots[i] = k + 1;
    }
}

static uint32_t intern_get(intern_t *t, const unsigned char *id)
{
    uint32_t k = intern_find(t, id);
    if (k != NONE)
        return k;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->ids = xrealloc(t->ids, t->cap * sizeof *t->ids);
    }
    memcpy(t->ids[t->n], id, 16);
    t->n++;
    if (t->n * 2 > t->nslots)
        intern_rehash(t, t->nslots ? t->nslots * 2 : 64);
    else {
        uint32_t i = uuid_hash(id) & (t->nslots - 1);
        while (t->slots[i])
            i = (i + 1) & (t->nslots - 1);
        t->slots[i] = t->n;
    }
    return t->n - 1;
}

static void intern_cleanup(intern_t *t)
{
    free(t->ids);
    free(t->slots);
}

/* ---- shards ---------------------------------------------------------------------------------- */

typedef struct {
    char *model;
    int dims, stride; /* stride: dims rounded up to 32 */
    size_t n, cap;
    int8_t *codes; /* n * stride */
    float *scale;
    uint32_t *source, *category;
    unsigned char (*id)[16];
} shard_t;

struct vindex {
    shard_t *shards;
    size_t n_shards;
    intern_t sources, categories;
};

vindex_t *vindex_new(void)
{
    return xcalloc(1, sizeof(vindex_t));
}

void vindex_free(vindex_t *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_shards; i++) {
        shard_t *s = &v->shards[i];
        free(s->model);
        free(s->codes);
        free(s->scale);
        free(s->source);
        free(s->category);
        free(s->id);
    }
    free(v->shards);
    intern_cleanup(&v->sources);
    intern_cleanup(&v->categories);
    free(v);
}

static shard_t *shard_find(const vindex_t *v, const char *model, int dims)
{
    for (size_t i = 0; i < v->n_shards; i++)
        if (v->shards[i].dims == dims && strcmp(v->shards[i].model, model) == 0)
            return &v->shards[i];
    return NULL;
}

/* Codes of vec into out (stride bytes, zero padded); returns the scale. */
static float quantise(const float *vec, int dims, int stride, int8_t *out)
{
    float max = 0;
    for (int i = 0; i < dims; i++)
        if (fabsf(vec[i]) > max)
            max = fabsf(vec[i]);
    float scale = max > 0 ? max / 127.0f : 1.0f;
    for (int i = 0; i < dims; i++)
        out[i] = (int8_t)lrintf(vec[i] / scale);
    memset(out + dims, 0, (size_t)(stride - dims));
    return scale;
}

void vindex_add(vindex_t *v, const unsigned char id[16], const unsigned char source[16],
                const unsigned char *category, const char *model, const float *vec, int dims)
{
    shard_t *s = shard_find(v, model, dims);
    if (!s) {
        v->shards = xrealloc(v->shards, (v->n_shards + 1) * sizeof *v->shards);
        s = &v->shards[v->n_shards++];
        memset(s, 0, sizeof *s);
        s->model = xstrdup(model);
        s->dims = dims;
        s->stride = (dims + 31) / 32 * 32;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->codes = xrealloc(s->codes, s->cap * (size_t)s->stride);
        s->scale = xrealloc(s->scale, s->cap * sizeof *s->scale);
        s->source = xrealloc(s->source, s->cap * sizeof *s->source);
        s->category = xrealloc(s->category, s->cap * sizeof *s->category);
        s->id = xrealloc(s->id, s->cap * sizeof *s->id);
    }
    size_t k = s->n++;
    s->scale[k] = quantise(vec, dims, s->stride, s->codes + k * (size_t)s->stride);
    s->source[k] = intern_get(&v->sources, source);
    s->category[k] = category ? intern_get(&v->categories, category) : NONE;
    memcpy(s->id[k], id, 16);
}

size_t vindex_remove_source(vindex_t *v, const unsigned char source[16])
{
    uint32_t src = intern_find(&v->sources, source);
    size_t gone = 0;
    if (src == NONE)
        return 0;
    for (size_t i = 0; i < v->n_shards; i++) {
        shard_t *s = &v->shards[i];
        size_t w = 0;
        for (size_t r = 0; r < s->n; r++) {
            if (s->source[r] == src) {
                gone++;
                continue;
            }
            if (w != r) {
                memcpy(s->codes + w * (size_t)s->stride, s->codes + r * (size_t)s->stride,
                       (size_t)s->stride);
                s->scale[w] = s->scale[r];
                s->source[w] = s->source[r];
                s->category[w] = s->category[r];
                memcpy(s->id[w], s->id[r], 16);
            }
            w++;
        }
        s->n = w;
    }
    return gone; /* the source stays interned: a later put of it reuses the slot */
}

size_t vindex_count(const vindex_t *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_shards; i++)
        n += v->shards[i].n;
    return n;
}

size_t vindex_bytes(const vindex_t *v)
{
    size_t b = sizeof *v + v->sources.cap * 16 + v->sources.nslots * 4 + v->categories.cap * 16 +
               v->categories.nslots * 4;
    for (size_t i = 0; i < v->n_shards; i++) {
        const shard_t *s = &v->shards[i];
        b += sizeof *s + s->cap * ((size_t)s->stride + 4 + 4 + 4 + 16);
    }
    return b;
}

/* ---- dot products ---------------------------------------------------------------------------- */

static int32_t dot_portable(const int8_t *a, const int8_t *b, int n)
{
    int32_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += (int32_t)a[i] * b[i];
    return sum;
}

__attribute__((target("avx2"))) static int32_t dot_avx2(const int8_t *a, const int8_t *b, int n)
{
    __m256i acc = _mm256_setzero_si256();
    for (int i = 0; i < n; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(a + i));
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(b + i));
        __m256i xl = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(x));
        __m256i xh = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(x, 1));
        __m256i yl = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(y));
        __m256i yh = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(y, 1));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xl, yl));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xh, yh));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

static bool force_portable;

void vindex_force_portable(bool on)
{
    force_portable = on;
}

static bool use_avx2(void)
{
    return !force_portable && __builtin_cpu_supports("avx2");
}

const char *vindex_kernel(void)
{
    return use_avx2() ? "avx2" : "portable";
}

/* ---- search ---------------------------------------------------------------------------------- */

/* Inserts (score, row) into the best-first list top[0..*n) of capacity k. */
static void top_push(vindex_hit_t *top, size_t *rows, size_t *n, size_t k, float score, size_t row)
{
    if (*n == k && score <= top[k - 1].score)
        return;
    size_t i = *n < k ? (*n)++ : k - 1;
    while (i > 0 && top[i - 1].score < score) {
        top[i] = top[i - 1];
        rows[i] = rows[i - 1];
        i--;
    }
    top[i].score = score;
    rows[i] = row;
}

size_t vindex_search(const vindex_t *v, const char *model, const float *q, int dims,
                     const unsigned char (*cats)[16], size_t n_cats, size_t k, vindex_hit_t *out)
{
    const shard_t *s = shard_find(v, model, dims);
    if (!s || !k || !s->n)
        return 0;
    uint8_t *allow = NULL;
    if (cats) { /* a bitmap over interned categories */
        allow = xcalloc(v->categories.n + 1, 1);
        for (size_t i = 0; i < n_cats; i++) {
            uint32_t c = intern_find(&v->categories, cats[i]);
            if (c != NONE)
                allow[c] = 1;
        }
    }
    int8_t *qc = xmalloc((size_t)s->stride);
    float qs = quantise(q, dims, s->stride, qc);
    size_t *rows = xmalloc(k * sizeof *rows), n = 0;
    int32_t (*dot)(const int8_t *, const int8_t *, int) = use_avx2() ? dot_avx2 : dot_portable;

    for (size_t r = 0; r < s->n; r++) {
        if (allow && (s->category[r] == NONE || !allow[s->category[r]]))
            continue;
        float score =
            (float)dot(qc, s->codes + r * (size_t)s->stride, s->stride) * qs * s->scale[r];
        top_push(out, rows, &n, k, score, r);
    }
    for (size_t i = 0; i < n; i++)
        memcpy(out[i].id, s->id[rows[i]], 16);
    free(rows);
    free(qc);
    free(allow);
    return n;
}
