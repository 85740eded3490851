/* json.c - JSON string quoting (see json.h). On the path of every edge reply and every log line:
 * bytes that need nothing are copied in runs, and only bytes above 0x7F go to the one UTF-8
 * decoder of the code base (text_utf8_seq_len). */
#include "shared/json.h"

#include <string.h>

#include "shared/text.h"

/* How each byte is written inside a JSON string: 0 as is, 'u' as \u00XX, 'U' is a UTF-8 lead or
 * stray byte to validate, anything else is the letter after a backslash. */
static const char esc[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f',  'r', 'u', 'u', /* 00 */
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  'u', 'u', 'u', /* 10 */
    0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   /* 20 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   /* 30 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   /* 40 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,   0,   0,   /* 50 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   /* 60 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   /* 70 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* 80 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* 90 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* a0 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* b0 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* c0 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* d0 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* e0 */
    'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U', 'U',  'U', 'U', 'U', /* f0 */
};

/* Inline append: buf_append is out of line and a string makes many tiny writes. */
static inline void out_n(buf_t *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap)
        buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void json_put_string(buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0, k;

    buf_reserve(b, n + 2);
    b->data[b->len++] = '"';
    while (i < n) {
        char e = esc[p[i]];
        if (!e) {
            i++;
            continue;
        }
        if (e == 'U' && (k = text_utf8_seq_len(p + i, n - i))) {
            i += k;
            continue;
        }
        out_n(b, s + run, i - run);
        if (e == 'U') {
            out_n(b, "\xEF\xBF\xBD", 3); /* U+FFFD for each invalid byte */
        } else if (e == 'u') {
            char u[6] = {'\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]};
            out_n(b, u, 6);
        } else {
            char two[2] = {'\\', e};
            out_n(b, two, 2);
        }
        run = ++i;
    }
    out_n(b, s + run, n - run);
    out_n(b, "\"", 1);
}

void json_put_cstr(buf_t *b, const char *s)
{
    if (s)
        json_put_string(b, s, strlen(s));
    else
        out_n(b, "null", 4);
}
