/* test_util.c - libshared/src/util.c: the aborting allocators, buf_t growth, printf, steal and
 * reset, RFC 3339 formatting of known instants, UUID generation and validation, and the small
 * string helpers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

/* ---- allocators ------------------------------------------------------------------------------ */

Test(util, xmalloc_zero_is_not_null)
{
    void *p = xmalloc(0);
    cr_assert_not_null(p);
    free(p);
    p = xcalloc(0, 0);
    cr_assert_not_null(p);
    free(p);
    p = xrealloc(NULL, 0);
    cr_assert_not_null(p);
    free(p);
}

Test(util, xcalloc_zeroes_and_xrealloc_keeps)
{
    unsigned char *p = xcalloc(100, 3);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(p[i], 0);
    for (int i = 0; i < 300; i++)
        p[i] = (unsigned char)i;
    p = xrealloc(p, 100000);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(p[i], (unsigned char)i);
    free(p);
}

Test(util, xstrdup_and_xstrndup)
{
    char *s = xstrdup("hello");
    cr_assert_str_eq(s, "hello");
    free(s);
    s = xstrdup("");
    cr_assert_str_eq(s, "");
    free(s);

    s = xstrndup("hello world", 5);
    cr_assert_str_eq(s, "hello");
    free(s);
    s = xstrndup("abc", 0);
    cr_assert_str_eq(s, "");
    free(s);
    s = xstrndup("abc", 3);
    cr_assert_str_eq(s, "abc");
    free(s);

    /* n bytes are copied as they are (not a strnlen): data with an embedded NUL survives. */
    const char bin[] = {'a', '\0', 'b', 'c'};
    s = xstrndup(bin, sizeof bin);
    cr_assert_eq(memcmp(s, bin, sizeof bin), 0);
    cr_assert_eq(s[sizeof bin], '\0');
    free(s);

    /* Not NUL-terminated input of exactly n bytes. */
    char raw[3] = {'x', 'y', 'z'};
    s = xstrndup(raw, sizeof raw);
    cr_assert_str_eq(s, "xyz");
    free(s);
}

/* ---- buf_t ----------------------------------------------------------------------------------- */

Test(util, buf_init_is_empty)
{
    buf_t a = BUF_INIT, b;
    buf_init(&b);
    cr_assert_null(a.data);
    cr_assert_eq(a.len, 0);
    cr_assert_eq(a.cap, 0);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    buf_cleanup(&a); /* cleanup of an unused buffer is fine */
    buf_cleanup(NULL);
}

Test(util, buf_puts_putc_append)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "abc");
    cr_assert_eq(b.len, 3);
    cr_assert_str_eq(b.data, "abc");
    cr_assert_geq(b.cap, b.len + 1);
    buf_putc(&b, 'd');
    cr_assert_eq(b.len, 4);
    cr_assert_str_eq(b.data, "abcd");
    buf_append(&b, "efgh", 2);
    cr_assert_eq(b.len, 6);
    cr_assert_str_eq(b.data, "abcdef");
    buf_append(&b, "zzz", 0);
    cr_assert_eq(b.len, 6);
    cr_assert_str_eq(b.data, "abcdef");
    buf_puts(&b, "");
    cr_assert_eq(b.len, 6);
    buf_cleanup(&b);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
}

Test(util, buf_empty_append_allocates_an_empty_string)
{
    buf_t b = BUF_INIT;
    buf_append(&b, "", 0);
    cr_assert_not_null(b.data);
    cr_assert_str_eq(b.data, "");
    cr_assert_eq(b.len, 0);
    buf_cleanup(&b);
}

Test(util, buf_binary_data_with_nul)
{
    buf_t b = BUF_INIT;
    const char bin[] = {'\0', 'x', '\0', '\xff'};
    buf_append(&b, bin, sizeof bin);
    buf_putc(&b, '\0');
    cr_assert_eq(b.len, 5);
    cr_assert_eq(memcmp(b.data, bin, sizeof bin), 0);
    cr_assert_eq(b.data[4], '\0');
    cr_assert_eq(b.data[5], '\0'); /* the terminator after len */
    buf_cleanup(&b);
}

Test(util, buf_grows_geometrically_and_stays_terminated)
{
    buf_t b = BUF_INIT;
    size_t reallocs = 0, last_cap = 0;
    for (int i = 0; i < 100000; i++) {
        buf_putc(&b, (char)('a' + i % 26));
        cr_assert_lt(b.len, b.cap);
        cr_assert_eq(b.data[b.len], '\0');
        if (b.cap != last_cap) {
            cr_assert(last_cap == 0 || b.cap >= 2 * last_cap, "cap %zu -> %zu", last_cap, b.cap);
            last_cap = b.cap;
            reallocs++;
        }
    }
    cr_assert_eq(b.len, 100000);
    cr_assert_eq(strlen(b.data), 100000);
    cr_assert_leq(reallocs, 20, "%zu reallocations for 100000 bytes", reallocs);
    for (size_t i = 0; i < b.len; i++)
        cr_assert_eq(b.data[i], (char)('a' + i % 26));
    buf_cleanup(&b);
}

Test(util, buf_reserve_makes_room_without_changing_content)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "keep");
    buf_reserve(&b, 5000);
    cr_assert_geq(b.cap, 4 + 5000 + 1);
    cr_assert_eq(b.len, 4);
    cr_assert_str_eq(b.data, "keep");
    char *before = b.data;
    size_t cap = b.cap;
    buf_reserve(&b, 10); /* already room: nothing moves */
    cr_assert_eq(b.data, before);
    cr_assert_eq(b.cap, cap);
    buf_cleanup(&b);
}

Test(util, buf_append_large_block)
{
    buf_t b = BUF_INIT;
    size_t n = 1 << 20;
    char *big = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('0' + i % 10);
    buf_puts(&b, "<");
    buf_append(&b, big, n);
    buf_puts(&b, ">");
    cr_assert_eq(b.len, n + 2);
    cr_assert_eq(b.data[0], '<');
    cr_assert_eq(memcmp(b.data + 1, big, n), 0);
    cr_assert_eq(b.data[n + 1], '>');
    cr_assert_eq(b.data[n + 2], '\0');
    free(big);
    buf_cleanup(&b);
}

Test(util, buf_printf_short_and_appending)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%d items", 42);
    cr_assert_str_eq(b.data, "42 items");
    cr_assert_eq(b.len, 8);
    buf_printf(&b, ", %s=%.2f", "ratio", 0.5);
    cr_assert_str_eq(b.data, "42 items, ratio=0.50");
    cr_assert_eq(b.len, strlen("42 items, ratio=0.50"));
    buf_printf(&b, "%s", "");
    cr_assert_eq(b.len, strlen("42 items, ratio=0.50"));
    buf_cleanup(&b);
}

Test(util, buf_printf_empty_on_fresh_buffer)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s", "");
    cr_assert_not_null(b.data);
    cr_assert_str_eq(b.data, "");
    cr_assert_eq(b.len, 0);
    buf_cleanup(&b);
}

/* Output longer than the room reserved up front takes the second vsnprintf path. */
Test(util, buf_printf_longer_than_reserved)
{
    buf_t b = BUF_INIT;
    size_t n = 10000;
    char *s = xmalloc(n + 1);
    memset(s, 'q', n);
    s[n] = '\0';
    buf_puts(&b, "head:");
    buf_printf(&b, "[%s]%d", s, 7);
    cr_assert_eq(b.len, 5 + 1 + n + 2); /* "head:" "[" s "]7" */
    cr_assert_eq(strncmp(b.data, "head:[", 6), 0);
    cr_assert_eq(memcmp(b.data + 6, s, n), 0);
    cr_assert_str_eq(b.data + 6 + n, "]7");
    cr_assert_eq(strlen(b.data), b.len);

    /* Exactly filling the buffer's remaining room, at every offset around a boundary. */
    for (size_t k = 0; k < 300; k++) {
        buf_t c = BUF_INIT;
        buf_printf(&c, "%.*s", (int)k, s);
        cr_assert_eq(c.len, k);
        cr_assert_eq(strlen(c.data), k);
        buf_printf(&c, "%.*s", (int)(300 - k), s);
        cr_assert_eq(c.len, 300);
        cr_assert_eq(strlen(c.data), 300);
        buf_cleanup(&c);
    }
    free(s);
    buf_cleanup(&b);
}

Test(util, buf_reset_keeps_the_allocation)
{
    buf_t b = BUF_INIT;
    buf_reset(&b); /* on an empty buffer: nothing to do */
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);

    buf_puts(&b, "some text that is here");
    char *data = b.data;
    size_t cap = b.cap;
    buf_reset(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.data, data);
    cr_assert_eq(b.cap, cap);
    cr_assert_str_eq(b.data, "");
    buf_puts(&b, "new");
    cr_assert_str_eq(b.data, "new");
    cr_assert_eq(b.data, data);
    buf_cleanup(&b);
}

Test(util, buf_steal_hands_over_and_empties)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "x=%d", 5);
    char *data = b.data;
    char *s = buf_steal(&b);
    cr_assert_eq(s, data);
    cr_assert_str_eq(s, "x=5");
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    free(s);

    /* Reusable after a steal. */
    buf_puts(&b, "again");
    s = buf_steal(&b);
    cr_assert_str_eq(s, "again");
    free(s);

    /* An empty buffer gives an empty string, never NULL. */
    s = buf_steal(&b);
    cr_assert_not_null(s);
    cr_assert_str_eq(s, "");
    free(s);
    buf_cleanup(&b);
}

/* ---- time ------------------------------------------------------------------------------------ */

Test(util, rfc3339_known_instants)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {999, "1970-01-01T00:00:00.999Z"},
        {1000, "1970-01-01T00:00:01.000Z"},
        {86399999, "1970-01-01T23:59:59.999Z"},
        {86400000, "1970-01-02T00:00:00.000Z"},
        {951782400000, "2000-02-29T00:00:00.000Z"},
        {1700000000123, "2023-11-14T22:13:20.123Z"},
        {1709210096789, "2024-02-29T12:34:56.789Z"},
        {4102444799999, "2099-12-31T23:59:59.999Z"},
        {-1000, "1969-12-31T23:59:59.000Z"},
        {-86400000, "1969-12-31T00:00:00.000Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        memset(out, 'X', sizeof out);
        time_format_rfc3339(cases[i].ms, out, sizeof out);
        cr_assert_str_eq(out, cases[i].text, "%lld", (long long)cases[i].ms);
    }
}

/* Instants before the epoch that are not whole seconds: the division must floor, not truncate
 * toward zero (which once gave "1970-01-01T00:00:00.-01Z"). */
Test(util, rfc3339_negative_milliseconds)
{
    char out[32];
    time_format_rfc3339(-1, out, sizeof out);
    cr_assert_str_eq(out, "1969-12-31T23:59:59.999Z");
    time_format_rfc3339(-1500, out, sizeof out);
    cr_assert_str_eq(out, "1969-12-31T23:59:58.500Z");
}

Test(util, rfc3339_truncates_to_outlen)
{
    char out[11];
    memset(out, 'X', sizeof out);
    time_format_rfc3339(0, out, sizeof out);
    cr_assert_str_eq(out, "1970-01-01");
}

Test(util, rfc3339_now_matches_the_clock)
{
    int64_t now = time_now_ms();
    char out[32];
    time_format_rfc3339(now, out, sizeof out);
    cr_assert_eq(strlen(out), 24, "%s", out);
    cr_assert_eq(out[4], '-');
    cr_assert_eq(out[10], 'T');
    cr_assert_eq(out[19], '.');
    cr_assert_eq(out[23], 'Z');
    cr_assert(strncmp(out, "20", 2) == 0, "%s", out);
}

Test(util, clocks_are_consistent)
{
    int64_t us = time_now_us(), ms = time_now_ms();
    cr_assert_geq(ms, us / 1000);
    cr_assert_lt(ms - us / 1000, 1000);
    cr_assert_gt(ms, 1600000000000LL); /* after 2020 */
    int64_t m1 = time_mono_us();
    int64_t m2 = time_mono_us();
    cr_assert_geq(m2, m1);
}

/* ---- UUIDs ----------------------------------------------------------------------------------- */

static bool is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int cmp_uuid(const void *a, const void *b)
{
    return memcmp(a, b, 37);
}

Test(util, uuid_new_format_version_and_variant)
{
    for (int n = 0; n < 2000; n++) {
        char id[37];
        memset(id, 'X', sizeof id);
        uuid_new(id);
        cr_assert_eq(strlen(id), 36, "%s", id);
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                cr_assert_eq(id[i], '-', "%s", id);
            else
                cr_assert(is_lower_hex(id[i]), "%s: char %d", id, i);
        }
        cr_assert_eq(id[14], '4', "version nibble: %s", id);
        cr_assert(strchr("89ab", id[19]), "variant bits: %s", id);
        cr_assert(uuid_valid(id), "%s", id);
    }
}

Test(util, uuid_new_is_unique_and_random)
{
    enum { N = 20000 };
    char(*ids)[37] = xmalloc(N * sizeof *ids);
    for (int i = 0; i < N; i++)
        uuid_new(ids[i]);
    qsort(ids, N, sizeof *ids, cmp_uuid);
    for (int i = 1; i < N; i++)
        cr_assert_neq(memcmp(ids[i - 1], ids[i], 37), 0, "duplicate %s", ids[i]);

    /* Every random hex position takes many values; the variant position exactly 8,9,a,b. */
    for (int pos = 0; pos < 36; pos++) {
        if (pos == 8 || pos == 13 || pos == 18 || pos == 23 || pos == 14)
            continue;
        bool seen[16] = {false};
        int distinct = 0;
        for (int i = 0; i < N; i++) {
            char c = ids[i][pos];
            int v = c <= '9' ? c - '0' : c - 'a' + 10;
            if (!seen[v]) {
                seen[v] = true;
                distinct++;
            }
        }
        if (pos == 19)
            cr_assert(distinct == 4 && seen[8] && seen[9] && seen[10] && seen[11]);
        else
            cr_assert_eq(distinct, 16, "position %d: %d distinct digits", pos, distinct);
    }
    free(ids);
}

Test(util, uuid_valid_accepts_canonical_forms)
{
    static const char *good[] = {
        "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "123e4567-e89b-12d3-a456-426614174000",
        "123E4567-E89B-12D3-A456-426614174000", "123e4567-E89B-12d3-A456-426614174000",
        "01234567-89ab-cdef-0123-456789abcdef",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(uuid_valid(good[i]), "%s", good[i]);
}

Test(util, uuid_valid_rejects)
{
    static const char *bad[] = {
        "",
        "123e4567",
        "123e4567-e89b-12d3-a456-42661417400",           /* 35 chars */
        "123e4567-e89b-12d3-a456-4266141740000",         /* 37 chars */
        "123e4567-e89b-12d3-a456-426614174000 ",         /* trailing space */
        "123e4567-e89b-12d3-a456-426614174000\n",        /* trailing newline */
        " 123e4567-e89b-12d3-a456-426614174000",         /* leading space */
        "123e4567e89b12d3a456426614174000",              /* no hyphens */
        "123e4567-e89b-12d3-a456_426614174000",          /* wrong separator */
        "123e4567-e89b12d3--a456-426614174000",          /* hyphen moved */
        "123e456-7e89b-12d3-a456-426614174000",          /* hyphen moved */
        "123e4567-e89b-12d3-a456-42661417400g",          /* non-hex */
        "g23e4567-e89b-12d3-a456-426614174000",          /* non-hex */
        "123e4567-e89b-12d3-a456-4266 4174000",          /* space inside */
        "{123e4567-e89b-12d3-a456-426614174000}",        /* braces */
        "urn:uuid:123e4567-e89b-12d3-a456-426614174000", /* URN */
        "123e4567-e89b-12d3-a456-426614174000-",
        "------------------------------------",
        "+23e4567-e89b-12d3-a456-426614174000",
        "0x3e4567-e89b-12d3-a456-426614174000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(uuid_valid(bad[i]), "accepted \"%s\"", bad[i]);
    cr_assert_not(uuid_valid(NULL));
}

/* Every position, replaced by each kind of wrong character, makes the UUID invalid. */
Test(util, uuid_valid_rejects_each_position)
{
    const char *good = "123e4567-e89b-12d3-a456-426614174000";
    static const char wrong[] = {'g', 'G', 'z', ' ', '-', ':', '\x80', '\xff', '/', '@', '`'};
    for (int pos = 0; pos < 36; pos++) {
        for (size_t w = 0; w < sizeof wrong; w++) {
            char s[37];
            memcpy(s, good, 37);
            bool hyphen_pos = pos == 8 || pos == 13 || pos == 18 || pos == 23;
            if (wrong[w] == '-' && hyphen_pos)
                continue; /* that is the right character */
            s[pos] = wrong[w];
            cr_assert_not(uuid_valid(s), "accepted \"%s\" (pos %d)", s, pos);
        }
        if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
            char s[37];
            memcpy(s, good, 37);
            s[pos] = 'a'; /* a hex digit where the hyphen belongs */
            cr_assert_not(uuid_valid(s), "accepted \"%s\"", s);
        }
        /* Truncated at pos: the NUL is never a valid character. */
        char t[37];
        memcpy(t, good, 37);
        t[pos] = '\0';
        cr_assert_not(uuid_valid(t), "accepted prefix of length %d", pos);
    }
}

/* ---- strings --------------------------------------------------------------------------------- */

Test(util, str_ieq_cases)
{
    cr_assert(str_ieq("Content-Type", "content-type"));
    cr_assert(str_ieq("ABC", "abc"));
    cr_assert(str_ieq("", ""));
    cr_assert(str_ieq("x1-Y_z", "X1-y_Z"));
    cr_assert_not(str_ieq("abc", "abcd"));
    cr_assert_not(str_ieq("abcd", "abc"));
    cr_assert_not(str_ieq("abc", "abd"));
    cr_assert_not(str_ieq("", "a"));
    cr_assert_not(str_ieq(NULL, "a"));
    cr_assert_not(str_ieq("a", NULL));
    cr_assert_not(str_ieq(NULL, NULL));
    cr_assert_not(str_ieq("[", "{")); /* ASCII only: no folding outside letters */
    cr_assert_not(str_ieq("@", "`"));
}

Test(util, str_has_prefix_cases)
{
    cr_assert(str_has_prefix("/api/auth/me", "/api/"));
    cr_assert(str_has_prefix("/api/", "/api/"));
    cr_assert(str_has_prefix("anything", ""));
    cr_assert(str_has_prefix("", ""));
    cr_assert_not(str_has_prefix("/api", "/api/"));
    cr_assert_not(str_has_prefix("", "a"));
    cr_assert_not(str_has_prefix("/apx/", "/api/"));
    cr_assert_not(str_has_prefix(NULL, "a"));
    cr_assert_not(str_has_prefix(NULL, ""));
    /* Case-sensitive: callers match paths, subjects and token prefixes. */
    cr_assert_not(str_has_prefix("/API/x", "/api/"));
    cr_assert_not(str_has_prefix("Token:abc", "token:"));
}

Test(util, array_len)
{
    int a[7];
    const char *b[] = {"x", "y", "z"};
    cr_assert_eq(ARRAY_LEN(a), 7);
    cr_assert_eq(ARRAY_LEN(b), 3);
}
