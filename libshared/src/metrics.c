/* metrics.c - the Prometheus metrics registry (see metrics.h): families with label names, series
 * found through lock-free hash chains (created under the family's mutex, published with a
 * release store, never freed before the registry), values kept in atomics (a double's bits for
 * counters, gauges and sums; a count per histogram bucket), and the text exposition format.
 */
#include "shared/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/text.h"

#define SERIES_BUCKETS 64

struct metrics_series {
    metrics_family_t *family;
    struct metrics_series *chain; /* hash chain; immutable once published */
    struct metrics_series *next;  /* creation order, under the family's mutex */
    uint64_t hash;
    char *values[METRICS_MAX_LABELS];
    _Atomic uint64_t value;     /* a double's bits: counter, gauge, histogram sum */
    _Atomic uint64_t buckets[]; /* histograms: nbounds + 1 counts, not cumulative */
};

struct metrics_family {
    char *name, *help;
    metrics_type_t type;
    int nlabels;
    char *labels[METRICS_MAX_LABELS];
    double bounds[METRICS_MAX_BUCKETS];
    size_t nbounds;
    pthread_mutex_t mu;
    _Atomic(metrics_series_t *) heads[SERIES_BUCKETS];
    metrics_series_t *first, *last;
    struct metrics_family *next;
};

typedef struct collector {
    metrics_collect_fn fn;
    void *arg;
    struct collector *next;
} collector_t;

struct metrics_registry {
    pthread_mutex_t mu; /* families, constant label */
    metrics_family_t *families, *last;
    char *const_name, *const_value;
    pthread_mutex_t collect_mu; /* collectors, and running them */
    collector_t *collectors;
};

static const double default_bounds[] = {METRICS_LATENCY_BUCKETS};

/* ---- registries --------------------------------------------------------------------------- */

metrics_registry_t *metrics_registry_new(void)
{
    metrics_registry_t *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->collect_mu, NULL);
    return r;
}

static void family_free(metrics_family_t *f)
{
    for (metrics_series_t *s = f->first, *next; s; s = next) {
        next = s->next;
        for (int i = 0; i < f->nlabels; i++)
            free(s->values[i]);
        free(s);
    }
    for (int i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->name);
    free(f->help);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void metrics_registry_free(metrics_registry_t *r)
{
    if (!r)
        return;
    for (metrics_family_t *f = r->families, *next; f; f = next) {
        next = f->next;
        family_free(f);
    }
    for (collector_t *c = r->collectors, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(r->const_name);
    free(r->const_value);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->collect_mu);
    free(r);
}

static metrics_registry_t *default_registry;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void default_create(void)
{
    default_registry = metrics_registry_new();
}

metrics_registry_t *metrics_default(void)
{
    pthread_once(&default_once, default_create);
    return default_registry;
}

static metrics_registry_t *reg_of(metrics_registry_t *r)
{
    return r ? r : metrics_default();
}

static bool name_ok(const char *s, bool colon)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (colon && *s == ':')))
            return false;
    return true;
}

void metrics_set_const_label(metrics_registry_t *r, const char *name, const char *value)
{
    r = reg_of(r);
    if (!name_ok(name, false)) {
        LOG_ERROR("metrics: invalid label name \"%s\"", name ? name : "");
        abort();
    }
    pthread_mutex_lock(&r->mu);
    free(r->const_name);
    free(r->const_value);
    r->const_name = xstrdup(name);
    r->const_value = xstrdup(value ? value : "");
    pthread_mutex_unlock(&r->mu);
}

/* ---- families ----------------------------------------------------------------------------- */

/* Splits "a,b" into names; false when one is not a valid label name (or "le", reserved). */
static bool parse_labels(const char *labels, char *out[METRICS_MAX_LABELS], int *n)
{
    char *copy = xstrdup(labels ? labels : ""), *save = NULL;
    bool ok = true;
    *n = 0;
    for (char *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save)) {
        ok = *n < METRICS_MAX_LABELS && name_ok(t, false) && strcmp(t, "le") != 0 &&
             strncmp(t, "__", 2) != 0;
        if (ok)
            out[(*n)++] = xstrdup(t);
    }
    free(copy);
    return ok;
}

static bool same_shape(const metrics_family_t *f, metrics_type_t type, char **labels, int n,
                       const double *bounds, size_t nbounds)
{
    if (f->type != type || f->nlabels != n || f->nbounds != nbounds)
        return false;
    for (int i = 0; i < n; i++)
        if (strcmp(f->labels[i], labels[i]) != 0)
            return false;
    for (size_t i = 0; i < nbounds; i++)
        if (f->bounds[i] != bounds[i])
            return false;
    return true;
}

static metrics_family_t *family_register(metrics_registry_t *r, metrics_type_t type,
                                         const char *name, const char *help, const char *labels,
                                         const double *bounds, size_t nbounds)
{
    char *names[METRICS_MAX_LABELS];
    int n = 0;
    bool ok = name_ok(name, true) && parse_labels(labels, names, &n) && nbounds > 0 &&
              nbounds <= METRICS_MAX_BUCKETS;
    for (size_t i = 1; ok && i < nbounds; i++)
        ok = bounds[i - 1] < bounds[i];
    if (!ok) {
        LOG_ERROR("metrics: invalid family %s{%s}", name ? name : "", labels ? labels : "");
        abort(); /* a programming error, like a bad format string */
    }
    r = reg_of(r);
    pthread_mutex_lock(&r->mu);
    metrics_family_t *f = r->families;
    while (f && strcmp(f->name, name) != 0)
        f = f->next;
    if (f && !same_shape(f, type, names, n, bounds, nbounds)) {
        LOG_ERROR("metrics: %s registered twice with different types or labels", name);
        abort();
    }
    if (!f) {
        f = xcalloc(1, sizeof *f);
        f->name = xstrdup(name);
        f->help = xstrdup(help ? help : "");
        f->type = type;
        f->nlabels = n;
        for (int i = 0; i < n; i++)
            f->labels[i] = names[i], names[i] = NULL;
        memcpy(f->bounds, bounds, nbounds * sizeof *bounds);
        f->nbounds = nbounds;
        pthread_mutex_init(&f->mu, NULL);
        if (r->last)
            r->last->next = f;
        else
            r->families = f;
        r->last = f;
    }
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < n; i++)
        free(names[i]);
    return f;
}

metrics_family_t *metrics_counter(metrics_registry_t *r, const char *name, const char *help,
                                  const char *labels)
{
    size_t n = strlen(name ? name : "");
    if (n < 6 || strcmp(name + n - 6, "_total") != 0) {
        LOG_ERROR("metrics: counter %s must end in _total", name ? name : "");
        abort();
    }
    return family_register(r, METRICS_COUNTER, name, help, labels, default_bounds, 1);
}

metrics_family_t *metrics_gauge(metrics_registry_t *r, const char *name, const char *help,
                                const char *labels)
{
    return family_register(r, METRICS_GAUGE, name, help, labels, default_bounds, 1);
}

metrics_family_t *metrics_histogram(metrics_registry_t *r, const char *name, const char *help,
                                    const char *labels, const double *bounds, size_t nbounds)
{
    if (!bounds || !nbounds) {
        bounds = default_bounds;
        nbounds = ARRAY_LEN(default_bounds);
    }
    return family_register(r, METRICS_HISTOGRAM, name, help, labels, bounds, nbounds);
}

/* ---- series ------------------------------------------------------------------------------- */

static uint64_t hash_values(int n, const char *const *values)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, with a separator between values */
    for (int i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)values[i]; *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    return h;
}

static metrics_series_t *find(metrics_series_t *s, uint64_t h, int n, const char *const *values)
{
    for (; s; s = s->chain) {
        if (s->hash != h)
            continue;
        int i = 0;
        while (i < n && strcmp(s->values[i], values[i]) == 0)
            i++;
        if (i == n)
            return s;
    }
    return NULL;
}

metrics_series_t *metrics_get(metrics_family_t *f, const char *const *values)
{
    static const char *const none[1] = {""};
    bool ok = f->nlabels == 0 || values;
    for (int i = 0; ok && i < f->nlabels; i++)
        ok = values[i] != NULL;
    if (f->nlabels == 0)
        values = none;
    if (!ok) {
        LOG_ERROR("metrics: %s needs %d label values", f->name, f->nlabels);
        abort();
    }
    uint64_t h = hash_values(f->nlabels, values);
    _Atomic(metrics_series_t *) *head = &f->heads[h % SERIES_BUCKETS];
    metrics_series_t *s =
        find(atomic_load_explicit(head, memory_order_acquire), h, f->nlabels, values);
    if (s)
        return s;
    pthread_mutex_lock(&f->mu);
    s = find(atomic_load_explicit(head, memory_order_relaxed), h, f->nlabels, values);
    if (!s) {
        size_t nb = f->type == METRICS_HISTOGRAM ? f->nbounds + 1 : 0;
        s = xcalloc(1, sizeof *s + nb * sizeof s->buckets[0]);
        s->family = f;
        s->hash = h;
        for (int i = 0; i < f->nlabels; i++)
            s->values[i] = xstrdup(values[i]);
        s->chain = atomic_load_explicit(head, memory_order_relaxed);
        if (f->last)
            f->last->next = s;
        else
            f->first = s;
        f->last = s;
        atomic_store_explicit(head, s, memory_order_release);
    }
    pthread_mutex_unlock(&f->mu);
    return s;
}

static double bits_to_double(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static uint64_t double_to_bits(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static void atomic_add_double(_Atomic uint64_t *p, double v)
{
    uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(p, &old, double_to_bits(bits_to_double(old) + v),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void metrics_inc(metrics_series_t *s)
{
    metrics_add(s, 1);
}

void metrics_add(metrics_series_t *s, double v)
{
    if (s->family->type == METRICS_HISTOGRAM || (s->family->type == METRICS_COUNTER && v < 0)) {
        LOG_ERROR("metrics: cannot add %g to %s", v, s->family->name);
        abort();
    }
    atomic_add_double(&s->value, v);
}

void metrics_set(metrics_series_t *s, double v)
{
    if (s->family->type != METRICS_GAUGE) {
        LOG_ERROR("metrics: %s is not a gauge", s->family->name);
        abort();
    }
    atomic_store_explicit(&s->value, double_to_bits(v), memory_order_relaxed);
}

double metrics_value(const metrics_series_t *s)
{
    return bits_to_double(atomic_load_explicit(&s->value, memory_order_relaxed));
}

void metrics_observe(metrics_series_t *s, double v)
{
    const metrics_family_t *f = s->family;
    size_t i = 0;
    if (f->type != METRICS_HISTOGRAM) {
        LOG_ERROR("metrics: %s is not a histogram", f->name);
        abort();
    }
    while (i < f->nbounds && !(v <= f->bounds[i]))
        i++;
    atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
    atomic_add_double(&s->value, v);
}

uint64_t metrics_hist_bucket(const metrics_series_t *s, size_t i)
{
    uint64_t n = 0;
    for (size_t k = 0; k <= i && k <= s->family->nbounds; k++)
        n += atomic_load_explicit(&s->buckets[k], memory_order_relaxed);
    return n;
}

uint64_t metrics_hist_count(const metrics_series_t *s)
{
    return metrics_hist_bucket(s, s->family->nbounds);
}

double metrics_hist_sum(const metrics_series_t *s)
{
    return metrics_value(s);
}

double metrics_since(int64_t t0_us)
{
    return (double)(time_mono_us() - t0_us) / 1e6;
}

/* ---- collectors --------------------------------------------------------------------------- */

void metrics_collector_add(metrics_registry_t *r, metrics_collect_fn fn, void *arg)
{
    r = reg_of(r);
    collector_t *c = xmalloc(sizeof *c);
    pthread_mutex_lock(&r->collect_mu);
    *c = (collector_t){fn, arg, r->collectors};
    r->collectors = c;
    pthread_mutex_unlock(&r->collect_mu);
}

void metrics_collector_remove(metrics_registry_t *r, metrics_collect_fn fn, void *arg)
{
    r = reg_of(r);
    pthread_mutex_lock(&r->collect_mu);
    for (collector_t **pp = &r->collectors; *pp; pp = &(*pp)->next) {
        if ((*pp)->fn == fn && (*pp)->arg == arg) {
            collector_t *c = *pp;
            *pp = c->next;
            free(c);
            break;
        }
    }
    pthread_mutex_unlock(&r->collect_mu);
}

/* ---- exposition --------------------------------------------------------------------------- */

static void put_number(buf_t *out, double v)
{
    if (isnan(v))
        buf_puts(out, "NaN");
    else if (isinf(v))
        buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    else
        buf_printf(out, "%.15g", v);
}

/* Text with `\`, newline (and in label values `"`) escaped; invalid UTF-8 becomes U+FFFD. */
static void put_escaped(buf_t *out, const char *s, bool quote)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), plain = 0;
    while (plain < n && p[plain] < 0x80 && p[plain] != '\\' && p[plain] != '\n' && p[plain] != '"')
        plain++;
    buf_append(out, p, plain); /* the usual case: all of it */
    p += plain;
    n -= plain;
    while (n) {
        size_t len = text_utf8_seq_len(p, n);
        if (len == 0) {
            buf_puts(out, "\xef\xbf\xbd");
            p++, n--;
            continue;
        }
        if (*p == '\\')
            buf_puts(out, "\\\\");
        else if (*p == '\n')
            buf_puts(out, "\\n");
        else if (*p == '"' && quote)
            buf_puts(out, "\\\"");
        else
            buf_append(out, p, len);
        p += len;
        n -= len;
    }
}

/* name{const,labels[,le="x"]} */
static void put_series_name(buf_t *out, const metrics_registry_t *r, const metrics_family_t *f,
                            const metrics_series_t *s, const char *suffix, const char *le)
{
    bool any = false;
    buf_puts(out, f->name);
    buf_puts(out, suffix);
    if (r->const_name) {
        buf_printf(out, "{%s=\"", r->const_name);
        put_escaped(out, r->const_value, true);
        buf_putc(out, '"');
        any = true;
    }
    for (int i = 0; i < f->nlabels; i++) {
        buf_printf(out, "%c%s=\"", any ? ',' : '{', f->labels[i]);
        put_escaped(out, s->values[i], true);
        buf_putc(out, '"');
        any = true;
    }
    if (le) {
        buf_printf(out, "%cle=\"%s\"", any ? ',' : '{', le);
        any = true;
    }
    if (any)
        buf_putc(out, '}');
    buf_putc(out, ' ');
}

static void put_histogram(buf_t *out, const metrics_registry_t *r, const metrics_family_t *f,
                          const metrics_series_t *s)
{
    uint64_t cum = 0;
    char le[40];
    for (size_t i = 0; i <= f->nbounds; i++) {
        cum += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
        if (i < f->nbounds)
            snprintf(le, sizeof le, "%.15g", f->bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        put_series_name(out, r, f, s, "_bucket", le);
        buf_printf(out, "%llu\n", (unsigned long long)cum);
    }
    put_series_name(out, r, f, s, "_sum", NULL);
    put_number(out, metrics_value(s));
    buf_putc(out, '\n');
    put_series_name(out, r, f, s, "_count", NULL);
    buf_printf(out, "%llu\n", (unsigned long long)cum);
}

void metrics_expose(metrics_registry_t *r, buf_t *out)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    r = reg_of(r);

    pthread_mutex_lock(&r->collect_mu);
    for (collector_t *c = r->collectors; c; c = c->next)
        c->fn(c->arg, r);
    pthread_mutex_unlock(&r->collect_mu);

    pthread_mutex_lock(&r->mu);
    for (metrics_family_t *f = r->families; f; f = f->next) {
        pthread_mutex_lock(&f->mu);
        if (f->first) {
            buf_printf(out, "# HELP %s ", f->name);
            put_escaped(out, f->help, false);
            buf_printf(out, "\n# TYPE %s %s\n", f->name, types[f->type]);
        }
        for (const metrics_series_t *s = f->first; s; s = s->next) {
            if (f->type == METRICS_HISTOGRAM) {
                put_histogram(out, r, f, s);
                continue;
            }
            put_series_name(out, r, f, s, "", NULL);
            put_number(out, metrics_value(s));
            buf_putc(out, '\n');
        }
        pthread_mutex_unlock(&f->mu);
    }
    pthread_mutex_unlock(&r->mu);
}
