/* bench_retrieve_speed.c - retrieval speed and the vector index's accuracy and size.
 *
 * Through the stack (`make bench`): one organisation gets synthetic chunks (60 words of a
 * Russian + English shop vocabulary each; "заказ" or "order" in nine of ten, so a common word
 * matches most chunks), embedded by the embed service and put through svc.rag.index_put in
 * documents of 250 chunks. At 10,000 and at 100,000 chunks, POST /api/kb/retrieve is sent
 * through the edge for BENCH_RETRIEVE_SECONDS (default 5) per row by 1 and 16 connections:
 * requests/s, p50, p99, and CPU time per request of rag, edge, embed, PostgreSQL and
 * nats-server (from /proc, the processes of this stack only).
 *
 * In process, on the same 100,000 vectors: the int8 index (services/rag/vindex.c) with the
 * AVX2 and the portable kernel, and HNSW (Debian's hnswlib through hnsw_shim.h, M 16,
 * ef_construction 200, ef 64 and 128), against exact float32 search: time per search, recall@10
 * over 200 questions, build time and bytes per 100,000 chunks.
 * Usage: bench_retrieve_speed [chunks, default BENCH_RETRIEVE_CHUNKS or 100000].
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "services/rag/vindex.h"
#include "tests/bench/retrieval/bench_rt.h"
#include "tests/bench/retrieval/hnsw_shim.h"

#define DOC_CHUNKS 250
#define WORDS      60

static const char *const VOCAB[] = {
    "доставка",  "заказ",        "оплата",     "договор",    "счёт",        "кофе",
    "зерно",     "кофемашина",   "гарантия",   "возврат",    "скидка",      "склад",
    "курьер",    "поставка",     "клиент",     "менеджер",   "цена",        "прайс",
    "аренда",    "ремонт",       "фильтр",     "молоко",     "чай",         "бумага",
    "картридж",  "подписка",     "сертификат", "дегустация", "обжарка",     "помол",
    "эспрессо",  "капучино",     "офис",       "компания",   "бухгалтерия", "документ",
    "накладная", "акт",          "сроки",      "регион",     "город",       "Москва",
    "неделя",    "месяц",        "процент",    "рубль",      "килограмм",   "упаковка",
    "delivery",  "order",        "payment",    "contract",   "invoice",     "coffee",
    "beans",     "machine",      "warranty",   "refund",     "discount",    "warehouse",
    "courier",   "supply",       "customer",   "manager",    "price",       "list",
    "rental",    "repair",       "filter",     "milk",       "tea",         "paper",
    "cartridge", "subscription", "gift",       "tasting",    "roast",       "grind",
    "espresso",  "cappuccino",   "office",     "company",    "accounting",  "document",
    "waybill",   "terms",        "region",     "city",       "week",        "month",
    "percent",   "rouble",       "kilogram",   "package",    "express",     "pickup",
};
#define N_VOCAB (sizeof VOCAB / sizeof *VOCAB)

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* A word, Zipf-like: low indexes far more often. */
static const char *word(void)
{
    double u = (double)(next_rand() % 1000000) / 1e6;
    size_t i = (size_t)(pow(u, 2.5) * N_VOCAB);
    return VOCAB[i < N_VOCAB ? i : N_VOCAB - 1];
}

static char *synthetic_text(unsigned n)
{
    buf_t b = BUF_INIT;
    if (n % 10 != 9)
        buf_puts(&b, n % 2 ? "order " : "заказ ");
    for (int w = 0; w < WORDS; w++) {
        buf_puts(&b, word());
        buf_putc(&b, w % 12 == 11 ? '.' : ' ');
        if (w % 12 == 11)
            buf_putc(&b, ' ');
    }
    buf_printf(&b, "Item %u.", n);
    return b.data;
}

static const char *const QUESTIONS[] = {
    "сколько стоит доставка заказа",
    "how much is delivery of an order",
    "договор поставки сроки",
    "invoice payment terms",
    "гарантия на кофемашину",
    "coffee machine warranty repair",
    "скидка на кофе в зёрнах",
    "discount on coffee beans",
    "возврат и сроки возврата",
    "refund for a returned order",
    "аренда кофемашины для офиса",
    "rent a coffee machine for the office",
    "подписка на чай",
    "tea subscription",
    "накладная и акт для бухгалтерии",
    "waybill and documents for accounting",
    "заказ",
    "order",
    "молоко для капучино",
    "milk for cappuccino",
    "фильтр и картридж",
    "filter cartridge",
    "курьер самовывоз склад",
    "courier pickup warehouse",
    "дегустация обжарка помол",
    "tasting roast grind",
    "прайс цена рубль",
    "price list rouble",
    "Item 4242",
    "express delivery Москва",
};
#define N_Q (sizeof QUESTIONS / sizeof *QUESTIONS)

/* ---- CPU of this stack's processes ------------------------------------------------------------
 */

typedef struct {
    const char *name;
    pid_t pids[64];
    int n;
} group_t;

static char *read_proc(pid_t pid, const char *file, size_t *len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = xcalloc(1, 65536);
    *len = fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

/* utime + stime of pid in clock ticks (0 when gone). */
static long long ticks(pid_t pid)
{
    size_t len;
    char *s = read_proc(pid, "stat", &len);
    long long ut = 0, st = 0;
    char *p = s ? strrchr(s, ')') : NULL;
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &ut, &st);
    free(s);
    return ut + st;
}

static int ppid_of(pid_t pid)
{
    size_t len;
    char *s = read_proc(pid, "stat", &len);
    int pp = 0;
    char *p = s ? strrchr(s, ')') : NULL;
    if (p)
        sscanf(p + 2, "%*c %d", &pp);
    free(s);
    return pp;
}

static bool mem_has(const char *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return true;
    return false;
}

static group_t groups[5] = {{"rag"}, {"edge"}, {"embed"}, {"postgres"}, {"nats-server"}};

/* The processes of this stack: services by their binary and our NATS_URL in their environment,
 * PostgreSQL as the postmaster of $VAR_DIR/pg and its children, nats-server by its port. */
static void find_processes(void)
{
    char nats_env[256], pm_path[512], port[32];
    snprintf(nats_env, sizeof nats_env, "NATS_URL=%s", harness_env("NATS_URL"));
    snprintf(pm_path, sizeof pm_path, "%s/pg/postmaster.pid", harness_env("VAR_DIR"));
    snprintf(port, sizeof port, "%s", harness_env("NATS_PORT"));
    int postmaster = 0;
    FILE *f = fopen(pm_path, "r");
    if (f) {
        if (fscanf(f, "%d", &postmaster) != 1)
            postmaster = 0;
        fclose(f);
    }
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t pid = (pid_t)atoi(e->d_name);
        size_t clen = 0, elen = 0;
        if (pid <= 0)
            continue;
        char *cmd = read_proc(pid, "cmdline", &clen), *env = NULL;
        group_t *g = NULL;
        if (!cmd)
            continue;
        const char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
        if (pid == postmaster || (postmaster && ppid_of(pid) == postmaster))
            g = &groups[3];
        else if (strcmp(base, "nats-server") == 0 && mem_has(cmd, clen, port))
            g = &groups[4];
        else if ((env = read_proc(pid, "environ", &elen)) && mem_has(env, elen, nats_env))
            for (int i = 0; i < 3; i++)
                if (strcmp(base, groups[i].name) == 0)
                    g = &groups[i];
        if (g && g->n < 64)
            g->pids[g->n++] = pid;
        free(cmd);
        free(env);
    }
    if (d)
        closedir(d);
}

static void cpu_snapshot(long long out[5])
{
    for (int i = 0; i < 5; i++) {
        out[i] = 0;
        for (int j = 0; j < groups[i].n; j++)
            out[i] += ticks(groups[i].pids[j]);
    }
}

/* ---- load -------------------------------------------------------------------------------------
 */

typedef struct {
    httpc_t *c;
    const char *mode;
    int offset;
    double until;
    double *lat;
    size_t n, cap;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    for (size_t i = (size_t)w->offset; rt_now() < w->until; i++) {
        size_t n = 0;
        double s = 0;
        free(rt_retrieve(w->c, QUESTIONS[i % N_Q], w->mode, 5, NULL, &n, &s));
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 1024;
            w->lat = xrealloc(w->lat, w->cap * sizeof *w->lat);
        }
        w->lat[w->n++] = s;
    }
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void load_run(httpc_t *c, size_t chunks, const char *mode, int conns, double seconds)
{
    worker_t w[16];
    pthread_t t[16];
    long long c0[5], c1[5];
    double start = rt_now();

    cpu_snapshot(c0);
    for (int i = 0; i < conns; i++) {
        w[i] =
            (worker_t){.c = rt_clone(c), .mode = mode, .offset = i * 3, .until = start + seconds};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    size_t total = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(t[i], NULL);
        total += w[i].n;
    }
    double wall = rt_now() - start;
    cpu_snapshot(c1);
    double *all = xcalloc(total + 1, sizeof *all);
    size_t k = 0;
    for (int i = 0; i < conns; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
        httpc_free(w[i].c);
    }
    qsort(all, total, sizeof *all, by_value);
    double tick = (double)sysconf(_SC_CLK_TCK), cpu_total = 0;
    printf("  %6zu chunks %-8s connections=%-2d %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU/req:",
           chunks, mode, conns, (double)total / wall, all[total / 2] * 1e3,
           all[(size_t)((double)total * 0.99)] * 1e3);
    for (int i = 0; i < 5; i++) {
        double ms = (double)(c1[i] - c0[i]) / tick * 1e3 / (double)total;
        cpu_total += ms;
        printf(" %s %.2f", groups[i].name, ms);
    }
    printf(" = %.2f ms\n", cpu_total);
    fflush(stdout);
    free(all);
}

/* ---- the index in process ---------------------------------------------------------------------
 */

/* The labels of the 10 vectors of vecs with the highest dot product with v, best first. */
static void exact_top10(const float *vecs, size_t n, int dims, const float *v, size_t best[10])
{
    float bs[10];
    for (int k = 0; k < 10; k++)
        bs[k] = -2, best[k] = 0;
    for (size_t i = 0; i < n; i++) {
        const float *x = vecs + i * (size_t)dims;
        float s = 0;
        for (int d = 0; d < dims; d++)
            s += v[d] * x[d];
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
}

static void index_in_process(const float *vecs, size_t n, int dims, const char *model,
                             const float *qv, size_t nq)
{
    vindex_t *ix = vindex_new();
    unsigned char id[16] = {0}, src[16] = {0};
    for (size_t i = 0; i < n; i++) {
        memcpy(id, &i, sizeof i);
        size_t doc = i / DOC_CHUNKS;
        memcpy(src, &doc, sizeof doc);
        src[15] = 1;
        vindex_add(ix, id, src, NULL, model, vecs + i * (size_t)dims, dims);
    }
    printf("  int8 index: %zu vectors of %d dims in %.1f MB (%.1f MB per 100,000 chunks; "
           "float32 would be %.1f MB)\n",
           n, dims, (double)vindex_bytes(ix) / 1e6,
           (double)vindex_bytes(ix) / 1e6 * 100000.0 / (double)n,
           (double)n * (double)dims * 4 / 1e6);
    /* exact float top 10 per question */
    size_t found = 0, *exact = xcalloc(nq * 10, sizeof *exact);
    double t_exact = 0, t_avx = 0, t_port = 0;
    vindex_hit_t hits[10];
    for (size_t q = 0; q < nq; q++) {
        const float *v = qv + q * (size_t)dims;
        double t0 = rt_now();
        size_t *best = exact + q * 10;
        exact_top10(vecs, n, dims, v, best);
        t_exact += rt_now() - t0;
        vindex_force_portable(true);
        t0 = rt_now();
        vindex_search(ix, model, v, dims, NULL, 0, 10, hits);
        t_port += rt_now() - t0;
        vindex_force_portable(false);
        t0 = rt_now();
        size_t m = vindex_search(ix, model, v, dims, NULL, 0, 10, hits);
        t_avx += rt_now() - t0;
        for (size_t h = 0; h < m; h++) {
            size_t got;
            memcpy(&got, hits[h].id, sizeof got);
            for (int k = 0; k < 10; k++)
                found += got == best[k];
        }
    }
    printf("  search of %zu vectors, one thread: exact float32 %.2f ms, int8 portable %.2f ms, "
           "int8 %s %.2f ms; recall@10 of int8 against exact float: %.4f (%zu questions)\n",
           n, t_exact / (double)nq * 1e3, t_port / (double)nq * 1e3, vindex_kernel(),
           t_avx / (double)nq * 1e3, (double)found / (double)(nq * 10), nq);
    vindex_free(ix);

    /* HNSW on the same vectors; recall against the int8 index's reference: exact float. */
    double t0 = rt_now();
    hnsw_t *h = hnsw_new(dims, n, 16, 200);
    for (size_t i = 0; i < n; i++)
        hnsw_add(h, vecs + i * (size_t)dims, i);
    double build = rt_now() - t0;
    static const int efs[] = {64, 128};
    for (size_t e = 0; e < 2; e++) {
        size_t hfound = 0, labels[10];
        double t_h = 0;
        for (size_t q = 0; q < nq; q++) {
            const float *v = qv + q * (size_t)dims;
            const size_t *best = exact + q * 10;
            double t1 = rt_now();
            size_t m = hnsw_search(h, v, 10, efs[e], labels);
            t_h += rt_now() - t1;
            for (size_t j = 0; j < m; j++)
                for (int k = 0; k < 10; k++)
                    hfound += labels[j] == best[k];
        }
        printf("  HNSW (M 16, ef %d): %.3f ms per search, recall@10 %.4f; built in %.1f s; "
               "%.1f MB per 100,000 chunks\n",
               efs[e], t_h / (double)nq * 1e3, (double)hfound / (double)(nq * 10), build,
               (double)hnsw_bytes(h) / 1e6 * 100000.0 / (double)n);
    }
    hnsw_free(h);
    free(exact);
}

int main(int argc, char **argv)
{
    const char *max_env = getenv("BENCH_RETRIEVE_CHUNKS");
    size_t max = argc > 1 ? (size_t)atol(argv[1]) : max_env ? (size_t)atol(max_env) : 100000;
    const char *secs_env = getenv("BENCH_RETRIEVE_SECONDS");
    double seconds = secs_env ? atof(secs_env) : 5.0;
    char *org = NULL, *model = NULL;
    bus_t *bus = NULL;
    float *vals = NULL, *all = NULL;
    size_t cap = 0;
    int dims = 0;

    httpc_t *c = rt_sign_up("speed", &org);
    if (bus_connect("bench", harness_env("NATS_URL"), 5000, &bus))
        rt_die("bus", harness_env("NATS_URL"));
    find_processes();
    printf("bench_retrieve_speed: processes measured: rag %d, edge %d, embed %d, postgres %d, "
           "nats-server %d\n",
           groups[0].n, groups[1].n, groups[2].n, groups[3].n, groups[4].n);

    size_t done = 0;
    double put_s = 0;
    static const size_t steps[] = {10000, 100000};
    for (size_t s = 0; s < 2 && done < max; s++) {
        size_t target = steps[s] < max ? steps[s] : max;
        double t0 = rt_now();
        while (done < target) {
            char source[37];
            uuid_new(source);
            size_t in_doc = target - done < DOC_CHUNKS ? target - done : DOC_CHUNKS;
            char *texts[DOC_CHUNKS];
            for (size_t i = 0; i < in_doc; i++)
                texts[i] = synthetic_text((unsigned)(done + i));
            rt_embed(bus, org, texts, in_doc, "passage", &vals, &cap, &dims, &model);
            if (!all)
                all = xcalloc(max * (size_t)dims, sizeof *all);
            memcpy(all + done * (size_t)dims, vals, in_doc * (size_t)dims * sizeof *vals);
            rt_put(bus, org, source, "Catalogue", texts, in_doc, 0, model, vals, dims, true);
            for (size_t i = 0; i < in_doc; i++)
                free(texts[i]);
            done += in_doc;
        }
        put_s += rt_now() - t0;
        printf("  %zu chunks put (embedded + index_put) at %.0f chunks/s\n", done,
               (double)done / put_s);
        size_t n = 0;
        double first = 0;
        free(rt_retrieve(c, "заказ", "vector", 5, NULL, &n, &first));
        printf("  first vector search after the puts: %.1f ms\n", first * 1e3);
        load_run(c, done, "hybrid", 1, seconds);
        load_run(c, done, "hybrid", 16, seconds);
        load_run(c, done, "fulltext", 16, seconds);
        load_run(c, done, "vector", 16, seconds);
    }

    /* 200 questions: the list's questions and chunk-like texts, embedded as queries. */
    enum { NQ = 200 };
    float *qv = xcalloc((size_t)NQ * (size_t)dims, sizeof *qv);
    for (size_t b = 0; b < NQ; b += 50) {
        char *texts[50];
        for (size_t i = 0; i < 50; i++)
            texts[i] = b + i < N_Q ? xstrdup(QUESTIONS[b + i]) : synthetic_text(next_rand());
        rt_embed(bus, org, texts, 50, "query", &vals, &cap, &dims, NULL);
        memcpy(qv + b * (size_t)dims, vals, 50 * (size_t)dims * sizeof *vals);
        for (size_t i = 0; i < 50; i++)
            free(texts[i]);
    }
    index_in_process(all, done, dims, model, qv, NQ);

    free(qv);
    free(all);
    free(vals);
    free(model);
    free(org);
    httpc_free(c);
    bus_free(bus);
    return 0;
}
