/* hashembed.c - the offline embedder "hash-ngram-v1" (see hashembed.h): normalise with
 * utf8proc, split into words, hash words, stems (libstemmer) and character n-grams with signs
 * into a fixed number of dimensions, weigh by sublinear term frequency, L2-normalise.
 */
#include "hashembed.h"

#include <libstemmer.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "shared/util.h"

/* Kinds of feature: the first byte hashed, and a weight each. */
enum { F_WORD = 'w', F_STEM = 's', F_GRAM = 'g', F_GAP = 'p', F_WHOLE = 'x' };

#define GRAM_MIN 3
#define GRAM_MAX 5
#define WORD_MAX 64 /* code points of a word that make n-grams (longer: the first 64) */
#define W_WORD   0.7f
#define W_STEM   0.7f
#define W_GRAM   0.35f
#define W_SHORT  0.15f /* stop words and words of one or two characters */

/* stopwords.txt, embedded by the Makefile: Russian and English function words (prepositions,
 * pronouns, conjunctions, particles, auxiliaries, question words), lower case. */
extern const char *const embed_stopwords[];
extern const size_t embed_stopwords_count;

static void stop_build(void);
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

/* A text's features are counted in an open-addressing table of their hashes (kind and weight
 * class in the low 2 bits, the sign in bit 2, the dimension in the top 32); `slot` lists the
 * slots in use in insertion order, to read them back and to clear only those. */
struct hashembed {
    int dims;
    struct sb_stemmer *ru, *en;
    uint64_t *key; /* 0: empty */
    uint32_t *cnt;
    size_t cap;     /* a power of two */
    uint32_t *slot; /* used slots, in insertion order */
    size_t n;       /* distinct features of this text */
};

hashembed_t *hashembed_new(int dims)
{
    hashembed_t *h = xcalloc(1, sizeof *h);
    pthread_once(&stop_once, stop_build);
    h->dims = dims < 16 ? 16 : dims > 8192 ? 8192 : dims;
    h->ru = sb_stemmer_new("russian", "UTF_8");
    h->en = sb_stemmer_new("english", "UTF_8");
    if (!h->ru || !h->en)
        abort(); /* only out of memory: both algorithms are built into libstemmer */
    h->cap = 1024;
    h->key = xcalloc(h->cap, sizeof *h->key);
    h->cnt = xcalloc(h->cap, sizeof *h->cnt);
    h->slot = xmalloc(h->cap / 2 * sizeof *h->slot);
    return h;
}

void hashembed_free(hashembed_t *h)
{
    if (!h)
        return;
    sb_stemmer_delete(h->ru);
    sb_stemmer_delete(h->en);
    free(h->key);
    free(h->cnt);
    free(h->slot);
    free(h);
}

int hashembed_dims(const hashembed_t *h)
{
    return h->dims;
}

float hashembed_dot(const float *a, const float *b, int dims)
{
    float s = 0;
    for (int i = 0; i < dims; i++)
        s += a[i] * b[i];
    return s;
}

/* FNV-1a over kind + bytes, then a SplitMix64 finaliser so every bit is mixed. */
static uint64_t hash_bytes(int kind, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t x = 0xcbf29ce484222325ULL;
    x = (x ^ (unsigned char)kind) * 0x100000001b3ULL;
    for (size_t i = 0; i < len; i++)
        x = (x ^ p[i]) * 0x100000001b3ULL;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* The low 2 bits of a stored feature say its weight class (the hash keeps its other bits). */
enum { C_WORD = 0, C_STEM = 1, C_GRAM = 2, C_SHORT = 3 };

static size_t find(const hashembed_t *h, uint64_t x)
{
    size_t mask = h->cap - 1, i = (size_t)(x >> 3) & mask;
    while (h->key[i] && h->key[i] != x)
        i = (i + 1) & mask;
    return i;
}

/* Doubles the table, keeping the insertion order of the slot list. */
static void grow(hashembed_t *h)
{
    uint64_t *okey = h->key;
    uint32_t *ocnt = h->cnt;
    h->cap *= 2;
    h->key = xcalloc(h->cap, sizeof *h->key);
    h->cnt = xcalloc(h->cap, sizeof *h->cnt);
    h->slot = xrealloc(h->slot, h->cap / 2 * sizeof *h->slot);
    for (size_t k = 0; k < h->n; k++) {
        size_t i = find(h, okey[h->slot[k]]);
        h->key[i] = okey[h->slot[k]];
        h->cnt[i] = ocnt[h->slot[k]];
        h->slot[k] = (uint32_t)i;
    }
    free(okey);
    free(ocnt);
}

/* Counts the feature of hash `hash` in weight class cls. */
static void add_hash(hashembed_t *h, uint64_t hash, int cls)
{
    uint64_t x = (hash & ~(uint64_t)3) | (uint64_t)cls;
    if (x == 0) /* 0 marks an empty slot */
        x = 8;
    if ((h->n + 1) * 2 > h->cap)
        grow(h);
    size_t i = find(h, x);
    if (!h->key[i]) {
        h->key[i] = x;
        h->slot[h->n++] = (uint32_t)i;
    }
    h->cnt[i]++;
}

static void add(hashembed_t *h, int kind, int cls, const void *data, size_t len)
{
    add_hash(h, hash_bytes(kind, data, len), cls);
}

/* The stop words as the sorted hashes of their word features, built once. */
static uint64_t *stop_hash;
static size_t stop_n;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void stop_build(void)
{
    stop_hash = xmalloc((embed_stopwords_count ? embed_stopwords_count : 1) * sizeof *stop_hash);
    for (size_t i = 0; i < embed_stopwords_count; i++)
        stop_hash[stop_n++] = hash_bytes(F_WORD, embed_stopwords[i], strlen(embed_stopwords[i]));
    qsort(stop_hash, stop_n, sizeof *stop_hash, cmp_u64);
}

static bool is_stop(uint64_t word_hash)
{
    return bsearch(&word_hash, stop_hash, stop_n, sizeof *stop_hash, cmp_u64) != NULL;
}

static bool is_word_cp(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO);
}

static bool is_symbol_cp(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_SM && c <= UTF8PROC_CATEGORY_SO;
}

/* Features of one word w[0..len) (normalised UTF-8) of ncp code points; ends[i] is where code
 * point i ends in w (for the first WORD_MAX). */
static void word_features(hashembed_t *h, const char *w, size_t len, const size_t *ends, int ncp,
                          bool cyrillic, bool latin)
{
    uint64_t wh = hash_bytes(F_WORD, w, len);
    bool light = ncp <= 2 || is_stop(wh); /* the word only, lightly */
    add_hash(h, wh, light ? C_SHORT : C_WORD);
    if (light)
        return;
    struct sb_stemmer *st = cyrillic ? h->ru : latin ? h->en : NULL;
    if (st) {
        const sb_symbol *s = sb_stemmer_stem(st, (const sb_symbol *)w, (int)len);
        if (s)
            add(h, F_STEM, C_STEM, s, (size_t)sb_stemmer_length(st));
    }
    /* n-grams of "<word>" (the first WORD_MAX code points): '<' and '>' are one byte each */
    char buf[WORD_MAX * 4 + 2];
    int n = ncp > WORD_MAX ? WORD_MAX : ncp;
    size_t wl = ends[n - 1];
    buf[0] = '<';
    memcpy(buf + 1, w, wl);
    buf[wl + 1] = '>';
    int total = n + 2;
    size_t pos[WORD_MAX + 3]; /* pos[i]: where code point i of "<word>" starts in buf */
    pos[0] = 0;
    pos[1] = 1;
    for (int i = 2; i <= n + 1; i++)
        pos[i] = 1 + ends[i - 2];
    pos[n + 2] = wl + 2;
    for (int g = GRAM_MIN; g <= GRAM_MAX && g <= total; g++)
        for (int i = 0; i + g <= total; i++)
            add(h, F_GRAM, C_GRAM, buf + pos[i], pos[i + g] - pos[i]);
    /* gapped pairs (code points i and i + 2): one changed letter leaves most of them */
    for (int i = 0; i + 3 <= total; i++) {
        char pair[10];
        size_t la = pos[i + 1] - pos[i], lb = pos[i + 3] - pos[i + 2];
        memcpy(pair, buf + pos[i], la);
        memcpy(pair + la, buf + pos[i + 2], lb);
        add(h, F_GAP, C_GRAM, pair, la + lb);
    }
}

/* Copies the valid UTF-8 of s[0..len) into a new buffer (invalid bytes dropped). */
static char *valid_utf8(const char *s, size_t len, size_t *outlen)
{
    char *r = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0 || cp == 0) {
            i++;
            continue;
        }
        memcpy(r + n, s + i, (size_t)k);
        n += (size_t)k;
        i += (size_t)k;
    }
    r[n] = '\0';
    *outlen = n;
    return r;
}

int hashembed_text(hashembed_t *h, const char *text, size_t len, float *out)
{
    size_t vlen;
    char *valid = valid_utf8(text, len, &vlen);
    utf8proc_uint8_t *norm = NULL;
    utf8proc_ssize_t nlen =
        utf8proc_map((const utf8proc_uint8_t *)valid, (utf8proc_ssize_t)vlen, &norm,
                     UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                         UTF8PROC_IGNORE | UTF8PROC_LUMP);
    size_t ends[WORD_MAX];
    int words = 0;

    free(valid);
    if (nlen < 0) { /* cannot happen on valid UTF-8 short of memory */
        nlen = 0;
        norm = NULL;
    }
    h->n = 0;
    memset(out, 0, (size_t)h->dims * sizeof *out);

    /* words: runs of letters, digits and marks; ё folded to е; symbols one feature each */
    char *w = xmalloc((size_t)nlen * 2 + 8);
    size_t wl = 0;
    int ncp = 0;
    bool cyr = false, lat = false;
    for (utf8proc_ssize_t i = 0; i <= nlen;) {
        utf8proc_int32_t cp = -1;
        utf8proc_ssize_t k = 1;
        if (i < nlen && (k = utf8proc_iterate(norm + i, nlen - i, &cp)) <= 0) {
            i++;
            continue;
        }
        if (cp == 0x451) /* ё */
            cp = 0x435;
        if (cp >= 0 && is_word_cp(cp)) {
            wl += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)w + wl);
            if (ncp < WORD_MAX)
                ends[ncp] = wl;
            ncp++;
            cyr = cyr || (cp >= 0x400 && cp <= 0x4ff);
            lat = lat || (cp >= 'a' && cp <= 'z');
        } else {
            if (ncp) {
                word_features(h, w, wl, ends, ncp, cyr, lat);
                words++;
            }
            wl = 0;
            ncp = 0;
            cyr = lat = false;
            if (cp >= 0 && is_symbol_cp(cp)) {
                utf8proc_uint8_t sb[4];
                add(h, F_WORD, C_SHORT, sb, (size_t)utf8proc_encode_char(cp, sb));
                words++;
            }
        }
        i += k;
    }
    free(w);

    if (h->n == 0) { /* only punctuation (or nothing): the whole text, without spaces */
        buf_t b = BUF_INIT;
        for (utf8proc_ssize_t i = 0; i < nlen;) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate(norm + i, nlen - i, &cp);
            if (k <= 0)
                break;
            if (utf8proc_category(cp) != UTF8PROC_CATEGORY_ZS && cp > ' ')
                buf_append(&b, norm + i, (size_t)k);
            i += k;
        }
        if (b.len)
            add(h, F_WHOLE, C_WORD, b.data, b.len);
        buf_cleanup(&b);
    }
    free(norm);

    /* sublinear tf, in insertion order (deterministic); the table is cleared as it is read */
    static const float cls_w[4] = {W_WORD, W_STEM, W_GRAM, W_SHORT};
    uint32_t first = 0;
    for (size_t k = 0; k < h->n; k++) {
        size_t i = h->slot[k];
        uint64_t x = h->key[i];
        float wgt = cls_w[x & 3] * (1.0f + logf((float)h->cnt[i]));
        uint32_t idx = (uint32_t)(((x >> 32) * (uint64_t)h->dims) >> 32);
        out[idx] += (x & 4) ? -wgt : wgt;
        if (k == 0)
            first = idx;
        h->key[i] = 0;
        h->cnt[i] = 0;
    }
    bool had = h->n > 0;
    h->n = 0;
    double ss = 0;
    for (int i = 0; i < h->dims; i++)
        ss += (double)out[i] * out[i];
    if (ss > 0) {
        float inv = (float)(1.0 / sqrt(ss));
        for (int i = 0; i < h->dims; i++)
            out[i] *= inv;
    } else if (had) { /* features that cancelled out exactly (same dimension, opposite signs,
                         equal weights): the first one alone, so a text is never the zero vector */
        out[first] = 1.0f;
    }
    return words;
}
