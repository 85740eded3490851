/* test_json.c - the one JSON string writer (libshared/src/json.c): escapes, UTF-8 passed through,
 * invalid bytes replaced, and whatever bytes come in, jansson reads the result back. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "shared/json.h"

/* The quoted form of s[0..n). Caller frees. */
static char *quote(const char *s, size_t n)
{
    buf_t b = BUF_INIT;
    json_put_string(&b, s, n);
    return buf_steal(&b);
}

Test(json, escapes_quotes_backslashes_and_controls)
{
    const char in[] = "q\" b\\ s/ \n\t\r\b\f \x01\x1f\x7f end";
    char *out = quote(in, strlen(in));
    cr_assert_str_eq(out, "\"q\\\" b\\\\ s/ \\n\\t\\r\\b\\f \\u0001\\u001f\x7f end\"");
    free(out);
}

Test(json, nul_bytes_inside_are_escaped)
{
    char *out = quote("a\0b", 3);
    cr_assert_str_eq(out, "\"a\\u0000b\"");
    free(out);
}

Test(json, valid_utf8_passes_through)
{
    const char *in = "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80 \xe2\x80\xa8";
    char *out = quote(in, strlen(in));
    cr_assert_eq(strlen(out), strlen(in) + 2);
    cr_assert_eq(memcmp(out + 1, in, strlen(in)), 0);
    free(out);
}

Test(json, invalid_utf8_becomes_one_replacement_per_byte)
{
    /* a stray continuation, an overlong form, a surrogate, a sequence cut by the end */
    const char *in = "a\x80"
                     "b\xc0\xaf"
                     "c\xed\xa0\x80"
                     "d\xe2\x9c";
    char *out = quote(in, strlen(in));
    cr_assert_str_eq(out, "\"a\xef\xbf\xbd"
                          "b\xef\xbf\xbd\xef\xbf\xbd"
                          "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                          "d\xef\xbf\xbd\xef\xbf\xbd\"");
    free(out);
}

Test(json, cstr_writes_null_for_null)
{
    buf_t b = BUF_INIT;
    json_put_cstr(&b, NULL);
    buf_putc(&b, ',');
    json_put_cstr(&b, "");
    cr_assert_str_eq(b.data, "null,\"\"");
    buf_cleanup(&b);
}

/* Every byte string a pseudo-random generator makes is read back by a strict parser as a string
 * of the same length in code points as its valid parts plus one U+FFFD per bad byte. */
Test(json, any_bytes_give_valid_json)
{
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        unsigned char raw[64];
        size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            raw[i] = (unsigned char)(seed >> 16);
        }
        char *out = quote((const char *)raw, n);
        json_error_t err;
        json_t *v = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        cr_assert_not_null(v, "round %d: %s in %s", round, err.text, out);
        cr_assert(json_is_string(v));
        json_decref(v);
        free(out);
    }
}
