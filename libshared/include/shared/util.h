/* util.h - allocation that aborts on failure, a growable byte buffer, time and small helpers.
 *
 * Allocation failure is not a recoverable condition in these services: x* functions abort, so
 * call sites stay free of NULL checks. buf_t is the one growable buffer type used everywhere
 * (JSON output, HTTP bodies, SQL text).
 *
 *     buf_t b = BUF_INIT;
 *     buf_printf(&b, "%d items", n);
 *     use(b.data, b.len);      // always NUL-terminated when non-NULL
 *     buf_cleanup(&b);
 */
#ifndef SHARED_UTIL_H
#define SHARED_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

typedef struct {
    char *data; /* NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_init(buf_t *b);
void buf_cleanup(buf_t *b);
void buf_reset(buf_t *b); /* len = 0, keeps the allocation */
void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *data, size_t n);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Hands the data to the caller (NUL-terminated, never NULL) and leaves b empty. */
char *buf_steal(buf_t *b);

/* Wall clock in microseconds / milliseconds since the epoch; monotonic clock in microseconds. */
int64_t time_now_us(void);
int64_t time_now_ms(void);
int64_t time_mono_us(void);
/* RFC 3339 UTC timestamp with milliseconds into out (at least 32 bytes). */
void time_format_rfc3339(int64_t epoch_ms, char *out, size_t outlen);

/* True if s is a canonical lower- or upper-case 8-4-4-4-12 hex UUID. */
bool uuid_valid(const char *s);
/* A new random (v4) UUID, lower case, into out[37]. */
void uuid_new(char out[37]);

/* str_ieq: equal ignoring ASCII case (false if either is NULL). str_has_prefix: s starts with
 * prefix, case-sensitively (false if s is NULL). */
bool str_ieq(const char *a, const char *b);
bool str_has_prefix(const char *s, const char *prefix);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
