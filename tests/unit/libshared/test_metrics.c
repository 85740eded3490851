/* test_metrics.c - libshared/src/metrics.c and metrics_process.c: the exact text exposition
 * (HELP, TYPE, constant label first, one line per sample), histogram buckets (a value equal to
 * a bound counts in that bucket, cumulative counts, +Inf, _sum, _count), escaping of label
 * values and help text (quotes, backslashes, newlines, invalid UTF-8), promtool's verdict on
 * the result, collectors, and exact counts under concurrent updates and series creation. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/metrics.h"
#include "shared/util.h"

static char *expose(metrics_registry_t *r)
{
    buf_t b = BUF_INIT;
    metrics_expose(r, &b);
    return buf_steal(&b);
}

Test(metrics, counter_and_gauge_exposition)
{
    metrics_registry_t *r = metrics_registry_new();
    metrics_set_const_label(r, "service", "auth");
    metrics_family_t *c =
        metrics_counter(r, "bus_requests_total", "Requests served.", "method,status");
    metrics_family_t *g = metrics_gauge(r, "pool_in_use", "Connections lent out.", NULL);
    metrics_counter(r, "never_used_total", "Has no series: not written.", "x");

    metrics_inc(METRICS_GET(c, "login", "200"));
    metrics_inc(METRICS_GET(c, "login", "200"));
    metrics_add(METRICS_GET(c, "me", "401"), 3);
    metrics_set(metrics_get(g, NULL), 5);
    metrics_add(metrics_get(g, NULL), -2.5);
    cr_assert_eq(metrics_counter(r, "bus_requests_total", "again", "method,status"), c,
                 "registering a name again gives the same family");

    char *text = expose(r);
    cr_assert_str_eq(text,
                     "# HELP bus_requests_total Requests served.\n"
                     "# TYPE bus_requests_total counter\n"
                     "bus_requests_total{service=\"auth\",method=\"login\",status=\"200\"} 2\n"
                     "bus_requests_total{service=\"auth\",method=\"me\",status=\"401\"} 3\n"
                     "# HELP pool_in_use Connections lent out.\n"
                     "# TYPE pool_in_use gauge\n"
                     "pool_in_use{service=\"auth\"} 2.5\n");
    free(text);
    metrics_registry_free(r);
}

Test(metrics, no_labels_at_all)
{
    metrics_registry_t *r = metrics_registry_new();
    metrics_inc(metrics_get(metrics_counter(r, "ticks_total", "Ticks.", ""), NULL));
    char *text = expose(r);
    cr_assert_str_eq(text,
                     "# HELP ticks_total Ticks.\n# TYPE ticks_total counter\nticks_total 1\n");
    free(text);
    metrics_registry_free(r);
}

Test(metrics, histogram_buckets)
{
    static const double bounds[] = {0.1, 0.5, 1};
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *h = metrics_histogram(r, "req_seconds", "Latency.", "route", bounds, 3);
    metrics_series_t *s = METRICS_GET(h, "/a");

    metrics_observe(s, 0.05); /* bucket 0.1 */
    metrics_observe(s, 0.1);  /* equal to a bound: that bucket */
    metrics_observe(s, 0.3);  /* 0.5 */
    metrics_observe(s, 1);    /* 1 */
    metrics_observe(s, 7);    /* +Inf only */
    cr_assert_eq(metrics_hist_bucket(s, 0), 2);
    cr_assert_eq(metrics_hist_bucket(s, 1), 3);
    cr_assert_eq(metrics_hist_bucket(s, 2), 4);
    cr_assert_eq(metrics_hist_bucket(s, 3), 5);
    cr_assert_eq(metrics_hist_count(s), 5);
    cr_assert_float_eq(metrics_hist_sum(s), 8.45, 1e-9);

    char *text = expose(r);
    cr_assert_str_eq(text, "# HELP req_seconds Latency.\n"
                           "# TYPE req_seconds histogram\n"
                           "req_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
                           "req_seconds_bucket{route=\"/a\",le=\"0.5\"} 3\n"
                           "req_seconds_bucket{route=\"/a\",le=\"1\"} 4\n"
                           "req_seconds_bucket{route=\"/a\",le=\"+Inf\"} 5\n"
                           "req_seconds_sum{route=\"/a\"} 8.45\n"
                           "req_seconds_count{route=\"/a\"} 5\n");
    free(text);
    metrics_registry_free(r);
}

Test(metrics, default_latency_buckets)
{
    metrics_registry_t *r = metrics_registry_new();
    metrics_series_t *s = metrics_get(metrics_histogram(r, "x_seconds", "X.", NULL, NULL, 0), NULL);
    metrics_observe(s, 0.0004);
    metrics_observe(s, 11);
    char *text = expose(r);
    cr_assert_not_null(strstr(text, "x_seconds_bucket{le=\"0.0005\"} 1\n"), "%s", text);
    cr_assert_not_null(strstr(text, "x_seconds_bucket{le=\"10\"} 1\n"), "%s", text);
    cr_assert_not_null(strstr(text, "x_seconds_bucket{le=\"+Inf\"} 2\n"), "%s", text);
    free(text);
    metrics_registry_free(r);
}

Test(metrics, label_and_help_escaping)
{
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *c =
        metrics_counter(r, "odd_total", "Back\\slash and\nnewline \"kept\".", "v");
    metrics_inc(METRICS_GET(c, "a\"b\\c\nd"));
    metrics_inc(METRICS_GET(c, "bad \xff utf8 \xd0"));
    metrics_inc(METRICS_GET(c, "ру́сский"));
    char *text = expose(r);
    cr_assert_str_eq(text, "# HELP odd_total Back\\\\slash and\\nnewline \"kept\".\n"
                           "# TYPE odd_total counter\n"
                           "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"
                           "odd_total{v=\"bad \xef\xbf\xbd utf8 \xef\xbf\xbd\"} 1\n"
                           "odd_total{v=\"ру́сский\"} 1\n");
    free(text);
    metrics_registry_free(r);
}

/* promtool (Debian package prometheus, in infra/packages.txt) accepts what we write, escapes and
 * all. */
Test(metrics, promtool_accepts_the_exposition)
{
    metrics_registry_t *r = metrics_registry_new();
    metrics_set_const_label(r, "service", "t\"est");
    metrics_family_t *c =
        metrics_counter(r, "odd_requests_total", "Odd \\ help\nline.", "v,status");
    metrics_inc(METRICS_GET(c, "a\"b\\c\nd\xff", "200"));
    metrics_observe(
        METRICS_GET(metrics_histogram(r, "odd_request_duration_seconds", "Time.", "v", NULL, 0),
                    "x"),
        0.02);
    metrics_set(metrics_get(metrics_gauge(r, "odd_in_flight", "Now.", NULL), NULL), -1);
    char *text = expose(r);
    char path[] = "/tmp/test-metrics-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[4096] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    unlink(path);
    cr_assert_eq(rc, 0, "promtool check metrics failed (%d): %s\n%s", rc, out, text);
    free(text);
    metrics_registry_free(r);
}

static int collected;
static void collect(void *arg, metrics_registry_t *r)
{
    (void)r;
    collected++;
    metrics_set(arg, collected * 10);
}

Test(metrics, collectors_run_before_exposition)
{
    metrics_registry_t *r = metrics_registry_new();
    metrics_series_t *g = metrics_get(metrics_gauge(r, "refreshed", "On scrape.", NULL), NULL);
    metrics_collector_add(r, collect, g);
    char *text = expose(r);
    cr_assert_str_eq(text, "# HELP refreshed On scrape.\n# TYPE refreshed gauge\nrefreshed 10\n");
    free(text);
    metrics_collector_remove(r, collect, g);
    text = expose(r);
    cr_assert_eq(collected, 1, "removed: not run again");
    free(text);
    metrics_registry_free(r);
}

Test(metrics, process_metrics)
{
    metrics_process_register();
    metrics_process_register(); /* once only */
    char *text = expose(NULL);
    static const char *const names[] = {"\nprocess_resident_memory_bytes ",
                                        "\nprocess_virtual_memory_bytes ",
                                        "\nprocess_cpu_seconds_total ",
                                        "\nprocess_open_fds ",
                                        "\nprocess_max_fds ",
                                        "\nprocess_start_time_seconds "};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        const char *line = strstr(text, names[i]);
        cr_assert_not_null(line, "%s missing:\n%s", names[i], text);
        cr_assert_gt(strtod(line + strlen(names[i]), NULL), 0, "%s", line);
        cr_assert_null(strstr(line + 1, names[i]), "%s written twice", names[i]);
    }
    double start = strtod(strstr(text, names[5]) + strlen(names[5]), NULL);
    double now = (double)time_now_ms() / 1000; /* /proc's boot time is whole seconds */
    cr_assert(start > now - 3600 && start < now + 2, "start time %f is about now", start);
    free(text);
}

#define THREADS 8
#define ROUNDS  20000

static void *hammer(void *arg)
{
    metrics_registry_t *r = arg;
    metrics_family_t *c = metrics_counter(r, "hits_total", "Hits.", "k");
    metrics_family_t *h = metrics_histogram(r, "hit_seconds", "Time.", "k", NULL, 0);
    char key[16];
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(key, sizeof key, "k%d", i % 50); /* series created by whichever thread is first */
        metrics_inc(METRICS_GET(c, key));
        metrics_observe(METRICS_GET(h, "all"), 0.001);
    }
    return NULL;
}

Test(metrics, concurrent_updates_are_exact)
{
    metrics_registry_t *r = metrics_registry_new();
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, r);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);

    metrics_family_t *c = metrics_counter(r, "hits_total", "Hits.", "k");
    double total = 0;
    for (int k = 0; k < 50; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", k);
        total += metrics_value(METRICS_GET(c, key));
    }
    cr_assert_float_eq(total, THREADS * ROUNDS, 0.5);
    metrics_series_t *h =
        METRICS_GET(metrics_histogram(r, "hit_seconds", "Time.", "k", NULL, 0), "all");
    cr_assert_eq(metrics_hist_count(h), THREADS * ROUNDS);
    cr_assert_float_eq(metrics_hist_sum(h), THREADS * ROUNDS * 0.001, 1e-6);

    char *text = expose(r);
    int lines = 0;
    for (const char *p = text; (p = strstr(p, "hits_total{k=")); p++)
        lines++;
    cr_assert_eq(lines, 50, "one series per label value, however many threads raced: %d", lines);
    free(text);
    metrics_registry_free(r);
}
