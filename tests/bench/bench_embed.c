/* bench_embed.c - the offline embedder "hash-ngram-v1" (services/embed/hashembed.c): how well it
 * separates related from unrelated texts at several dimension counts (the measurement behind
 * HASHEMBED_DIMS), and its speed: texts per second and CPU time per text for short queries and
 * ~1 KB passages, on one thread; and, inside the stack `make bench` starts, what a cache
 * lookup of a batch in PostgreSQL costs against computing the same batch offline (why the
 * offline embedder skips the cache). Prints figures; asserts nothing.
 * Usage: bench_embed [seconds per speed run, default 2].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/embed/embed.h"
#include "services/embed/hashembed.h"
#include "shared/crypto.h"
#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/unit/services/embed/hashembed_cases.h"

/* Related pairs: Russian and English word forms, and typos. */
static const char *const related[][2] = {
    {"договор", "договора"},    {"договор", "договором"}, {"доставка", "доставки"},
    {"цена", "цены"},           {"оплата", "оплатой"},    {"invoice", "invoices"},
    {"delivery", "deliveries"}, {"payment", "payments"},  {"цена", "цэна"},
    {"договор", "дагавор"},     {"доставка", "доставко"}, {"invoice", "invoise"},
    {"delivery", "delivary"},   {"payment", "paymnet"},   {"гарантия", "гарантея"},
    {"warranty", "waranty"},
};
/* Unrelated words: every pair of different words of this list. */
static const char *const words[] = {
    "договор", "доставка", "цена",   "оплата",   "погода",   "собака",   "телефон", "зарплата",
    "окно",    "гарантия", "склад",  "менеджер", "invoice",  "delivery", "payment", "weather",
    "dog",     "phone",    "salary", "window",   "warranty", "storage",  "manager", "refund",
};
#define N_REL   (sizeof related / sizeof *related)
#define N_WORDS (sizeof words / sizeof *words)

static float sim(hashembed_t *h, const char *a, const char *b)
{
    int d = hashembed_dims(h);
    float *va = malloc((size_t)d * sizeof *va), *vb = malloc((size_t)d * sizeof *vb);
    hashembed_text(h, a, strlen(a), va);
    hashembed_text(h, b, strlen(b), vb);
    float s = hashembed_dot(va, vb, d);
    free(va);
    free(vb);
    return s;
}

static void separation(int dims)
{
    hashembed_t *h = hashembed_new(dims);
    double rel = 0, rel_min = 1, un = 0, un_max = -1, un_sq = 0, qa_margin = 0, qa_min = 1;
    int nun = 0;
    for (size_t i = 0; i < N_REL; i++) {
        float s = sim(h, related[i][0], related[i][1]);
        rel += s;
        rel_min = s < rel_min ? s : rel_min;
    }
    for (size_t i = 0; i < N_WORDS; i++)
        for (size_t j = i + 1; j < N_WORDS; j++) {
            float s = sim(h, words[i], words[j]);
            un += s;
            un_sq += (double)s * s;
            un_max = s > un_max ? s : un_max;
            nun++;
        }
    for (size_t i = 0; i < HASHEMBED_N_QA; i++) {
        float m = sim(h, hashembed_qa[i].q, hashembed_qa[i].answer) -
                  sim(h, hashembed_qa[i].q, hashembed_qa[i].other);
        qa_margin += m;
        qa_min = m < qa_min ? m : qa_min;
    }
    printf("  dims %4d: related mean %.3f min %.3f | unrelated mean %+.3f rms %.3f max %.3f | "
           "q->answer margin mean %.3f min %.3f\n",
           dims, rel / N_REL, rel_min, un / nun, sqrt(un_sq / nun), un_max,
           qa_margin / HASHEMBED_N_QA, qa_min);
    hashembed_free(h);
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void speed(const char *label, const char *text, double seconds)
{
    hashembed_t *h = hashembed_new(HASHEMBED_DIMS);
    float v[HASHEMBED_DIMS];
    size_t len = strlen(text);
    long n = 0;
    double c0 = cpu_s(), w0 = wall_s();
    while (wall_s() - w0 < seconds)
        for (int k = 0; k < 100; k++, n++)
            hashembed_text(h, text, len, v);
    double cpu = cpu_s() - c0, wall = wall_s() - w0;
    printf("  %-26s %6zu bytes: %9.0f texts/s, %7.1f us CPU per text (%.1f MB/s)\n", label, len,
           n / wall, cpu / n * 1e6, (double)len * n / wall / 1e6);
    hashembed_free(h);

    /* what a request pays to set up the stemmers (once per request of up to 256 texts) */
    if (strcmp(label, "query") == 0) {
        int m = 2000;
        c0 = cpu_s();
        for (int i = 0; i < m; i++)
            hashembed_free(hashembed_new(HASHEMBED_DIMS));
        printf("  %-26s %.1f us CPU per request\n", "embedder setup (stemmers)",
               (cpu_s() - c0) / m * 1e6);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A batch of `n` passages: computed offline vs looked up in embed.cache (median of runs). */
static void cache_vs_compute(const char *passage, int n)
{
    const char *url = harness_env_opt("DATABASE_URL_EMBED");
    db_pool_t *pool = NULL;
    enum { RUNS = 30 };
    double compute[RUNS], compute_cpu[RUNS], lookup[RUNS];
    int dims = HASHEMBED_DIMS;
    size_t plen = strlen(passage);
    float *vecs = malloc((size_t)n * (size_t)dims * sizeof *vecs);
    float *got = malloc((size_t)n * (size_t)dims * sizeof *got);
    bool *hit = calloc((size_t)n, sizeof *hit);
    uint8_t(*keys)[32] = malloc((size_t)n * sizeof *keys);
    char *texts = malloc(plen + 16);
    char org[37];

    if (!url || db_pool_new(url, 1, &pool) != ST_OK) {
        printf("  (cache lookup: not measured, no stack database)\n");
        goto done;
    }
    uuid_new(org);
    hashembed_t *h = hashembed_new(dims);
    for (int r = 0; r < RUNS; r++) {
        double w0 = wall_s(), c0 = cpu_s();
        for (int i = 0; i < n; i++) {
            int l = snprintf(texts, plen + 16, "%d %s", i, passage);
            hashembed_text(h, texts, (size_t)l, vecs + (size_t)i * dims);
            if (r == 0)
                crypto_sha256(texts, (size_t)l, keys[i]);
        }
        compute[r] = wall_s() - w0;
        compute_cpu[r] = cpu_s() - c0;
    }
    hashembed_free(h);
    if (embed_store_put(pool, org, "bench-cache", dims, (const uint8_t(*)[32])keys, (size_t)n, vecs,
                        NULL) != ST_OK) {
        printf("  (cache lookup: not measured, the insert failed)\n");
        goto done;
    }
    for (int r = 0; r < RUNS; r++) {
        double w0 = wall_s();
        embed_store_get(pool, org, "bench-cache", dims, (const uint8_t(*)[32])keys, (size_t)n, got,
                        hit);
        lookup[r] = wall_s() - w0;
    }
    qsort(compute, RUNS, sizeof *compute, cmp_double);
    qsort(compute_cpu, RUNS, sizeof *compute_cpu, cmp_double);
    qsort(lookup, RUNS, sizeof *lookup, cmp_double);
    printf("  batch of %3d ~1 KB passages: computed offline %.2f ms (%.2f ms CPU), cache lookup "
           "in PostgreSQL %.2f ms (medians; lookup / compute CPU %.2fx)\n",
           n, compute[RUNS / 2] * 1e3, compute_cpu[RUNS / 2] * 1e3, lookup[RUNS / 2] * 1e3,
           lookup[RUNS / 2] / compute_cpu[RUNS / 2]);
done:
    db_pool_free(pool);
    free(vecs);
    free(got);
    free(hit);
    free(keys);
    free(texts);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    static const int dims[] = {256, 384, 512, 768, 1024};

    printf("bench_embed: hash-ngram-v1 separation (cosine) by dimensions\n");
    for (size_t i = 0; i < sizeof dims / sizeof *dims; i++)
        separation(dims[i]);

    static char passage[1100];
    const char *para = "Договор поставки заключается на один год. Оплата по счёту в течение "
                       "10 банковских дней; delivery within 5 business days, invoice attached. ";
    passage[0] = '\0';
    while (strlen(passage) + strlen(para) < sizeof passage)
        strcat(passage, para);
    printf("bench_embed: speed at %d dims, one thread\n", HASHEMBED_DIMS);
    speed("query", "Сколько стоит доставка по Москве?", seconds);
    speed("passage (ru+en)", passage, seconds);
    printf("bench_embed: cache or compute (the offline embedder skips the cache)\n");
    cache_vs_compute(passage, 1); /* a repeated question */
    cache_vs_compute(passage, 64);
    cache_vs_compute(passage, 256);
    return 0;
}
