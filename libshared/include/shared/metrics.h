/* metrics.h - Prometheus metrics: counters, gauges and histograms with labels, updated with
 * atomics, written out in the Prometheus text exposition format (version 0.0.4).
 *
 * A family is one metric name with its help text and label names; a series is the family at
 * one set of label values. Families are registered once (registering a name again returns the
 * same family) and series are created on first use, then never freed before the registry:
 * callers may keep series pointers. Updating a series is a few atomic operations; finding one
 * walks a hash chain without taking a lock (creating one takes the family's mutex).
 *
 *     static metrics_family_t *reqs;
 *     reqs = metrics_counter(NULL, "bus_requests_total", "Requests served", "method,status");
 *     metrics_inc(METRICS_GET(reqs, "login", "200"));
 *
 *     metrics_family_t *lat = metrics_histogram(NULL, "bus_request_duration_seconds",
 *                                               "Time to answer", "method", NULL, 0);
 *     metrics_observe(METRICS_GET(lat, "login"), 0.0042);
 *
 *     buf_t out = BUF_INIT;
 *     metrics_expose(NULL, &out);   // what GET /metrics answers
 *
 * NULL as registry means the process's registry (metrics_default). Every series written out
 * carries the registry's constant labels first (the process's `service`, set by healthsrv).
 * Names and label names must be valid Prometheus names and a family must be registered with the
 * same type and labels each time: anything else is a programming error (abort). Label values
 * are any text: quotes, backslashes and newlines are escaped, invalid UTF-8 becomes U+FFFD.
 * Keep label values to a bounded set (route patterns, method names, status codes), never ids.
 */
#ifndef SHARED_METRICS_H
#define SHARED_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "shared/util.h"

typedef struct metrics_registry metrics_registry_t;
typedef struct metrics_family metrics_family_t;
typedef struct metrics_series metrics_series_t;

typedef enum { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM } metrics_type_t;

/* Latency buckets in seconds used when a histogram is registered without its own: 0.5 ms to
 * 10 s (the edge answers in well under a millisecond, a slow database call takes seconds). */
#define METRICS_LATENCY_BUCKETS                                                                    \
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
#define METRICS_MAX_LABELS  6
#define METRICS_MAX_BUCKETS 32

metrics_registry_t *metrics_registry_new(void);
void metrics_registry_free(metrics_registry_t *r); /* NULL-safe; not the default registry */
/* The process's registry, created on first use and kept for the life of the process. */
metrics_registry_t *metrics_default(void);
/* A label written first on every series of r, e.g. ("service", "auth"). Set it before the first
 * exposition; a second call replaces the value. */
void metrics_set_const_label(metrics_registry_t *r, const char *name, const char *value);

/* Registers (or finds) a family. labels: comma-separated label names ("method,status"), NULL or
 * "" for none. A counter's name ends in _total. */
metrics_family_t *metrics_counter(metrics_registry_t *r, const char *name, const char *help,
                                  const char *labels);
metrics_family_t *metrics_gauge(metrics_registry_t *r, const char *name, const char *help,
                                const char *labels);
/* bounds: upper bounds in increasing order (the +Inf bucket is implicit); NULL, 0 for
 * METRICS_LATENCY_BUCKETS. */
metrics_family_t *metrics_histogram(metrics_registry_t *r, const char *name, const char *help,
                                    const char *labels, const double *bounds, size_t nbounds);

/* The series at these label values (one per label name of the family; NULL for a family
 * without labels), created on first use. Values are copied. */
metrics_series_t *metrics_get(metrics_family_t *f, const char *const *values);
#define METRICS_GET(f, ...) metrics_get((f), (const char *const[]){__VA_ARGS__})

/* Counters and gauges. A counter only goes up (metrics_add with a negative value aborts). */
void metrics_inc(metrics_series_t *s);
void metrics_add(metrics_series_t *s, double v);
void metrics_set(metrics_series_t *s, double v); /* gauges only */
double metrics_value(const metrics_series_t *s);
/* Histograms: counts v in the first bucket whose bound is >= v, and adds it to the sum. */
void metrics_observe(metrics_series_t *s, double v);
uint64_t metrics_hist_count(const metrics_series_t *s);
double metrics_hist_sum(const metrics_series_t *s);
/* Observations <= the i-th bound (cumulative, as exposed); i == nbounds is +Inf. */
uint64_t metrics_hist_bucket(const metrics_series_t *s, size_t i);

/* Collectors refresh gauges just before an exposition (process metrics, a pool's size). They
 * run one at a time, on the thread that exposes. metrics_collector_remove returns once the
 * collector is not running and will not run again. */
typedef void (*metrics_collect_fn)(void *arg, metrics_registry_t *r);
void metrics_collector_add(metrics_registry_t *r, metrics_collect_fn fn, void *arg);
void metrics_collector_remove(metrics_registry_t *r, metrics_collect_fn fn, void *arg);

/* Runs the collectors, then appends every family that has series, in registration order, to
 * out in the text format (HELP, TYPE, then one line per sample). */
void metrics_expose(metrics_registry_t *r, buf_t *out);
/* The content type of that text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* metrics_process.c: a collector of the standard process_* metrics (resident and virtual
 * memory, CPU seconds, open and maximum file descriptors, start time) in the default registry;
 * calls after the first do nothing. */
void metrics_process_register(void);

/* Seconds since t0_us, a time_mono_us() reading: what latency histograms observe. */
double metrics_since(int64_t t0_us);

#endif
