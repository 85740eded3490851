/* test_log.c - libshared/src/log.c: every line on stderr is one JSON object with time, level,
 * service and msg (plus request_id, subject, org_id when given), strings are escaped so the line
 * stays one valid JSON object, and levels filter before anything is formatted.
 *
 * stderr is redirected to a temporary file for the duration of each capture (dup2), then parsed
 * line by line with jansson. Each Criterion test runs in its own process, so log_init's global
 * state does not leak between tests. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/util.h"

typedef struct {
    FILE *file;
    int saved_fd;
} capture_t;

static void capture_begin(capture_t *c)
{
    fflush(stderr);
    c->file = tmpfile();
    cr_assert_not_null(c->file);
    c->saved_fd = dup(STDERR_FILENO);
    cr_assert_geq(c->saved_fd, 0);
    cr_assert_geq(dup2(fileno(c->file), STDERR_FILENO), 0);
}

/* Restores stderr and returns everything written meanwhile (caller frees). */
static char *capture_end(capture_t *c)
{
    buf_t b = BUF_INIT;
    char chunk[4096];
    size_t n;

    fflush(stderr);
    cr_assert_geq(dup2(c->saved_fd, STDERR_FILENO), 0);
    close(c->saved_fd);
    rewind(c->file);
    while ((n = fread(chunk, 1, sizeof chunk, c->file)) > 0)
        buf_append(&b, chunk, n);
    fclose(c->file);
    return buf_steal(&b);
}

/* Splits text into lines (each must end with '\n') and parses each as one JSON object. */
static json_t *parse_lines(const char *text)
{
    json_t *arr = json_array();
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        cr_assert_not_null(nl, "last line not terminated: %s", p);
        json_error_t err;
        json_t *obj = json_loadb(p, (size_t)(nl - p), 0, &err);
        cr_assert_not_null(obj, "not JSON (%s): %.*s", err.text, (int)(nl - p), p);
        cr_assert(json_is_object(obj), "not an object: %.*s", (int)(nl - p), p);
        json_array_append_new(arr, obj);
        p = nl + 1;
    }
    return arr;
}

static const char *field(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return NULL;
    cr_assert(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* Runs fn between capture_begin/capture_end and parses the output. */
#define CAPTURE(lines_var, ...)                                                                    \
    do {                                                                                           \
        capture_t cap_;                                                                            \
        capture_begin(&cap_);                                                                      \
        __VA_ARGS__;                                                                               \
        char *text_ = capture_end(&cap_);                                                          \
        lines_var = parse_lines(text_);                                                            \
        free(text_);                                                                               \
    } while (0)

/* ---- fields ---------------------------------------------------------------------------------- */

Test(log, line_has_the_base_fields)
{
    json_t *lines;
    char before[32], after[32];

    log_init("auth", "debug");
    time_format_rfc3339(time_now_ms(), before, sizeof before);
    CAPTURE(lines, LOG_INFO("listening on %s:%d", "127.0.0.1", 8080));
    time_format_rfc3339(time_now_ms(), after, sizeof after);

    cr_assert_eq(json_array_size(lines), 1);
    json_t *o = json_array_get(lines, 0);
    cr_assert_eq(json_object_size(o), 4, "only time, level, service, msg without a context");
    cr_assert_str_eq(field(o, "level"), "info");
    cr_assert_str_eq(field(o, "service"), "auth");
    cr_assert_str_eq(field(o, "msg"), "listening on 127.0.0.1:8080");
    const char *t = field(o, "time");
    cr_assert_not_null(t);
    cr_assert_eq(strlen(t), 24, "%s", t);
    cr_assert(strcmp(t, before) >= 0 && strcmp(t, after) <= 0, "%s not in [%s, %s]", t, before,
              after);
    /* The first key is time, then level (grep-friendly, stable order). */
    cr_assert_null(json_object_get(o, "request_id"));
    json_decref(lines);
}

Test(log, raw_line_shape)
{
    capture_t c;
    log_init("svc", NULL);
    capture_begin(&c);
    LOG_WARN("x");
    char *text = capture_end(&c);
    cr_assert(str_has_prefix(text, "{\"time\":\""), "%s", text);
    cr_assert(strstr(text, "\"level\":\"warn\""), "%s", text);
    cr_assert_eq(text[strlen(text) - 1], '\n');
    cr_assert_eq(strchr(text, '\n'), text + strlen(text) - 1, "exactly one line");
    free(text);
}

Test(log, every_level_name)
{
    json_t *lines;
    log_init("svc", "debug");
    CAPTURE(lines, {
        LOG_DEBUG("d");
        LOG_INFO("i");
        LOG_WARN("w");
        LOG_ERROR("e");
    });
    cr_assert_eq(json_array_size(lines), 4);
    static const char *levels[] = {"debug", "info", "warn", "error"};
    static const char *msgs[] = {"d", "i", "w", "e"};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(field(json_array_get(lines, i), "level"), levels[i]);
        cr_assert_str_eq(field(json_array_get(lines, i), "msg"), msgs[i]);
    }
    json_decref(lines);
}

Test(log, context_fields)
{
    json_t *lines;
    log_init("edge", "info");
    log_ctx_t full = {.request_id = "req-1", .subject = "svc.auth.me", .org_id = "org-9"};
    log_ctx_t only_subject = {.subject = "svc.auth.sign_in"};
    log_ctx_t empty = {0};
    CAPTURE(lines, {
        LOG_CTX_WARN(&full, "login throttled for %d s", 30);
        LOG_CTX_INFO(&only_subject, "one");
        LOG_CTX_ERROR(&empty, "two");
        log_write(LOG_INFO, NULL, "three");
    });
    cr_assert_eq(json_array_size(lines), 4);

    json_t *o = json_array_get(lines, 0);
    cr_assert_eq(json_object_size(o), 7);
    cr_assert_str_eq(field(o, "level"), "warn");
    cr_assert_str_eq(field(o, "service"), "edge");
    cr_assert_str_eq(field(o, "msg"), "login throttled for 30 s");
    cr_assert_str_eq(field(o, "request_id"), "req-1");
    cr_assert_str_eq(field(o, "subject"), "svc.auth.me");
    cr_assert_str_eq(field(o, "org_id"), "org-9");

    o = json_array_get(lines, 1);
    cr_assert_eq(json_object_size(o), 5);
    cr_assert_str_eq(field(o, "subject"), "svc.auth.sign_in");
    cr_assert_null(json_object_get(o, "request_id"));
    cr_assert_null(json_object_get(o, "org_id"));

    cr_assert_eq(json_object_size(json_array_get(lines, 2)), 4);
    cr_assert_eq(json_object_size(json_array_get(lines, 3)), 4);
    json_decref(lines);
}

/* ---- escaping -------------------------------------------------------------------------------- */

Test(log, escapes_quotes_backslashes_and_controls)
{
    json_t *lines;
    const char *nasty = "say \"hi\"\\ now\nnext line\r\ttab \x01\x02\x1f\x7f end";
    const char *rid = "r\"1\n";
    const char *subj = "a\\b";
    const char *org = "\x1b[31mred";
    log_init("q\"svc\n", "info");
    log_ctx_t ctx = {.request_id = rid, .subject = subj, .org_id = org};
    CAPTURE(lines, LOG_CTX_ERROR(&ctx, "%s", nasty));
    cr_assert_eq(json_array_size(lines), 1, "a newline in a value must not split the line");
    json_t *o = json_array_get(lines, 0);
    cr_assert_str_eq(field(o, "msg"), nasty);
    cr_assert_str_eq(field(o, "service"), "q\"svc\n");
    cr_assert_str_eq(field(o, "request_id"), rid);
    cr_assert_str_eq(field(o, "subject"), subj);
    cr_assert_str_eq(field(o, "org_id"), org);
    json_decref(lines);
}

Test(log, control_characters_use_unicode_escapes)
{
    capture_t c;
    log_init("svc", "info");
    capture_begin(&c);
    LOG_INFO("a\x01"
             "b\x1f"
             "c\bd\fe");
    char *text = capture_end(&c);
    cr_assert(strstr(text, "a\\u0001b\\u001fc\\bd\\fe"), "%s", text);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        cr_assert(*p >= 0x20 || (*p == '\n' && p[1] == '\0'), "raw control byte 0x%02x", *p);
    free(text);
}

Test(log, utf8_passes_through)
{
    json_t *lines;
    const char *s = "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80";
    log_init("svc", "info");
    CAPTURE(lines, LOG_INFO("%s", s));
    cr_assert_str_eq(field(json_array_get(lines, 0), "msg"), s);
    json_decref(lines);
}

Test(log, empty_message)
{
    json_t *lines;
    log_init("svc", "info");
    CAPTURE(lines, LOG_INFO("%s", ""));
    cr_assert_str_eq(field(json_array_get(lines, 0), "msg"), "");
    json_decref(lines);
}

Test(log, long_message_is_truncated_but_valid)
{
    json_t *lines;
    size_t n = 5000;
    char *big = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 100 == 99 ? '"' : 'a';
    big[n] = '\0';
    log_init("svc", "info");
    CAPTURE(lines, LOG_INFO("%s", big));
    cr_assert_eq(json_array_size(lines), 1);
    const char *msg = field(json_array_get(lines, 0), "msg");
    size_t len = strlen(msg);
    cr_assert(len >= 500 && len < n, "length %zu", len);
    cr_assert_eq(strncmp(msg, big, len), 0, "the message is a prefix of the original");
    json_decref(lines);
    free(big);
}

/* A message cut in the middle of a multi-byte UTF-8 sequence (or any invalid UTF-8 in a
 * message) must still give a line that strict JSON readers accept. */
Test(log, truncation_keeps_utf8_valid)
{
    json_t *lines;
    char big[2100];
    memset(big, 'a', sizeof big);
    for (size_t i = 1; i + 1 < sizeof big; i += 2) {
        big[i] = '\xc3';
        big[i + 1] = '\xa9';
    }
    big[sizeof big - 1] = '\0';
    log_init("svc", "info");
    CAPTURE(lines, LOG_INFO("%s", big));
    cr_assert_eq(json_array_size(lines), 1);
    json_decref(lines);
}

Test(log, invalid_utf8_becomes_replacement_characters)
{
    json_t *lines;
    log_init("svc", "info");
    CAPTURE(lines, LOG_INFO("bad \xff byte, lone \xc3, surrogate \xed\xa0\x80, ok \xc3\xa9"));
    cr_assert_eq(json_array_size(lines), 1, "the line is valid JSON");
    const char *msg = field(json_array_get(lines, 0), "msg");
    cr_assert(strstr(msg, "bad \xef\xbf\xbd byte"), "%s", msg);
    cr_assert(strstr(msg, "ok \xc3\xa9"), "valid sequences pass through: %s", msg);
    json_decref(lines);
}

Test(log, long_service_name_is_cut)
{
    json_t *lines;
    log_init("a-very-long-service-name-that-goes-on-and-on", "info");
    CAPTURE(lines, LOG_INFO("x"));
    const char *svc = field(json_array_get(lines, 0), "service");
    cr_assert_gt(strlen(svc), 0);
    cr_assert(str_has_prefix("a-very-long-service-name-that-goes-on-and-on", svc), "%s", svc);
    json_decref(lines);

    log_init(NULL, "info");
    CAPTURE(lines, LOG_INFO("y"));
    cr_assert_str_eq(field(json_array_get(lines, 0), "service"), "?");
    json_decref(lines);
}

/* ---- levels ---------------------------------------------------------------------------------- */

static int counter;
static int bump(void)
{
    return ++counter;
}

Test(log, debug_is_suppressed_at_info)
{
    json_t *lines;
    log_init("svc", "info");
    cr_assert_not(log_enabled(LOG_DEBUG));
    cr_assert(log_enabled(LOG_INFO));
    cr_assert(log_enabled(LOG_WARN));
    cr_assert(log_enabled(LOG_ERROR));
    cr_assert_not(log_enabled(LOG_OFF));
    counter = 0;
    CAPTURE(lines, {
        LOG_DEBUG("hidden %d", bump());
        LOG_CTX_DEBUG(&((log_ctx_t){.request_id = "r"}), "hidden too %d", bump());
        LOG_INFO("shown %d", bump());
    });
    cr_assert_eq(counter, 1, "arguments of a disabled level are not evaluated");
    cr_assert_eq(json_array_size(lines), 1);
    cr_assert_str_eq(field(json_array_get(lines, 0), "msg"), "shown 1");
    json_decref(lines);
}

Test(log, level_thresholds)
{
    static const struct {
        const char *name;
        bool debug, info, warn, error;
    } cases[] = {
        {"debug", true, true, true, true},   {"info", false, true, true, true},
        {"warn", false, false, true, true},  {"error", false, false, false, true},
        {"off", false, false, false, false}, {NULL, false, true, true, true},
        {"bogus", false, true, true, true},  {"DEBUG", false, true, true, true},
        {"", false, true, true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *n = cases[i].name ? cases[i].name : "(null)";
        log_init("svc", cases[i].name);
        cr_assert_eq(log_enabled(LOG_DEBUG), cases[i].debug, "%s", n);
        cr_assert_eq(log_enabled(LOG_INFO), cases[i].info, "%s", n);
        cr_assert_eq(log_enabled(LOG_WARN), cases[i].warn, "%s", n);
        cr_assert_eq(log_enabled(LOG_ERROR), cases[i].error, "%s", n);
        cr_assert_not(log_enabled(LOG_OFF), "%s", n);
    }
}

Test(log, warn_level_writes_only_warn_and_error)
{
    json_t *lines;
    log_init("svc", "warn");
    CAPTURE(lines, {
        LOG_DEBUG("d");
        LOG_INFO("i");
        LOG_WARN("w");
        LOG_ERROR("e");
    });
    cr_assert_eq(json_array_size(lines), 2);
    cr_assert_str_eq(field(json_array_get(lines, 0), "msg"), "w");
    cr_assert_str_eq(field(json_array_get(lines, 1), "msg"), "e");
    json_decref(lines);
}

Test(log, off_writes_nothing)
{
    capture_t c;
    log_init("svc", "off");
    counter = 0;
    capture_begin(&c);
    LOG_DEBUG("d %d", bump());
    LOG_INFO("i %d", bump());
    LOG_WARN("w %d", bump());
    LOG_ERROR("e %d", bump());
    char *text = capture_end(&c);
    cr_assert_str_eq(text, "");
    cr_assert_eq(counter, 0);
    free(text);
}

Test(log, reinit_changes_level)
{
    log_init("svc", "error");
    cr_assert_not(log_enabled(LOG_WARN));
    log_init("svc", "debug");
    cr_assert(log_enabled(LOG_DEBUG));
    log_init("svc", NULL);
    cr_assert_not(log_enabled(LOG_DEBUG));
    cr_assert(log_enabled(LOG_INFO));
}

/* ---- threads --------------------------------------------------------------------------------- */

enum { THREADS = 8, PER_THREAD = 300 };

static void *log_many(void *arg)
{
    int id = (int)(intptr_t)arg;
    char rid[16];
    snprintf(rid, sizeof rid, "t%d", id);
    log_ctx_t ctx = {.request_id = rid, .subject = "svc.x.y"};
    for (int i = 0; i < PER_THREAD; i++)
        LOG_CTX_INFO(&ctx, "thread %d line %d padding %0200d", id, i, 0);
    return NULL;
}

Test(log, concurrent_lines_never_interleave)
{
    json_t *lines;
    pthread_t th[THREADS];
    log_init("svc", "info");
    CAPTURE(lines, {
        for (int i = 0; i < THREADS; i++)
            pthread_create(&th[i], NULL, log_many, (void *)(intptr_t)i);
        for (int i = 0; i < THREADS; i++)
            pthread_join(th[i], NULL);
    });
    cr_assert_eq(json_array_size(lines), THREADS * PER_THREAD);
    int next[THREADS] = {0};
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        int id = -1, n = -1;
        cr_assert_eq(sscanf(field(o, "msg"), "thread %d line %d", &id, &n), 2);
        cr_assert(id >= 0 && id < THREADS);
        char rid[16];
        snprintf(rid, sizeof rid, "t%d", id);
        cr_assert_str_eq(field(o, "request_id"), rid);
        cr_assert_eq(n, next[id], "thread %d: lines in order", id);
        next[id]++;
    }
    json_decref(lines);
}

/* ---- extra fields (the edge's access log) ------------------------------------------------------
 */

Test(log, extra_fields_stay_valid_json)
{
    json_t *lines;
    log_init("edge", "info");
    log_ctx_t ctx = {.request_id = "r1", .org_id = "o1"};
    log_field_t f[] = {
        LOG_STR("path", "/api/\xff\"x\\\n\x01y"),
        LOG_NUM("status", 404),
        LOG_NUM("duration_ms", 1.25),
        LOG_STR("client_ip", NULL),
        LOG_NUM("nan", 0.0 / 0.0),
    };
    CAPTURE(lines, log_write_fields(LOG_INFO, &ctx, f, ARRAY_LEN(f), "GET %s", "/x"));
    cr_assert_eq(json_array_size(lines), 1);
    json_t *o = json_array_get(lines, 0);
    cr_assert_str_eq(field(o, "msg"), "GET /x");
    cr_assert_str_eq(field(o, "request_id"), "r1");
    cr_assert_str_eq(field(o, "org_id"), "o1");
    cr_assert_str_eq(field(o, "path"), "/api/\xef\xbf\xbd\"x\\\n\x01y");
    cr_assert_eq(json_integer_value(json_object_get(o, "status")), 404);
    cr_assert_float_eq(json_real_value(json_object_get(o, "duration_ms")), 1.25, 1e-9);
    cr_assert_str_eq(field(o, "client_ip"), "");
    cr_assert(json_is_null(json_object_get(o, "nan")), "a number that is not finite is null");
    json_decref(lines);
}
