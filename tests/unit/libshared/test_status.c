/* test_status.c - names and HTTP codes of status_t (libshared/src/status.c): every status is
 * named and mapped, the mapping is a bijection on the codes it uses, and anything else received
 * over the bus degrades to ST_INTERNAL. */
#include <criterion/criterion.h>
#include <string.h>

#include "shared/status.h"

/* The contract as documented in status.h; the bus and the edge depend on it staying stable. */
static const struct {
    status_t st;
    const char *name;
    int http;
} expected[] = {
    {ST_OK, "ok", 200},
    {ST_INVALID, "invalid_argument", 400},
    {ST_UNAUTHORIZED, "unauthorized", 401},
    {ST_FORBIDDEN, "forbidden", 403},
    {ST_NOT_FOUND, "not_found", 404},
    {ST_METHOD, "method_not_allowed", 405},
    {ST_CONFLICT, "conflict", 409},
    {ST_TOO_LARGE, "payload_too_large", 413},
    {ST_UNSUPPORTED, "unsupported_media_type", 415},
    {ST_UNPROCESSABLE, "unprocessable", 422},
    {ST_RATE_LIMITED, "rate_limited", 429},
    {ST_INTERNAL, "internal", 500},
    {ST_UNAVAILABLE, "unavailable", 503},
    {ST_TIMEOUT, "timeout", 504},
};

Test(status, table_covers_every_status)
{
    cr_assert_eq(sizeof expected / sizeof expected[0], (size_t)ST__COUNT,
                 "a status was added: extend this test and the edge's mapping");
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        cr_assert_eq(expected[i].st, (status_t)i);
}

Test(status, known_names_and_codes)
{
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        cr_assert_str_eq(status_str(expected[i].st), expected[i].name, "status %zu", i);
        cr_assert_eq(status_http(expected[i].st), expected[i].http, "status %zu", i);
    }
}

Test(status, every_status_has_a_distinct_name_and_code)
{
    for (int i = 0; i < ST__COUNT; i++) {
        const char *name = status_str((status_t)i);
        int code = status_http((status_t)i);
        cr_assert(name && *name, "status %d has no name", i);
        for (const char *p = name; *p; p++)
            cr_assert((*p >= 'a' && *p <= 'z') || *p == '_', "status %d name %s", i, name);
        if (i == ST_OK)
            cr_assert_eq(code, 200);
        else
            cr_assert(code >= 400 && code <= 599, "status %d code %d", i, code);
        for (int j = 0; j < i; j++) {
            cr_assert_str_neq(status_str((status_t)j), name, "statuses %d and %d", j, i);
            cr_assert_neq(status_http((status_t)j), code, "statuses %d and %d", j, i);
        }
    }
}

Test(status, from_http_inverts_every_code)
{
    for (int i = 0; i < ST__COUNT; i++)
        cr_assert_eq(status_from_http(status_http((status_t)i)), (status_t)i, "status %d (%s)", i,
                     status_str((status_t)i));
}

Test(status, any_2xx_is_ok)
{
    static const int codes[] = {200, 201, 202, 204, 206, 299};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        cr_assert_eq(status_from_http(codes[i]), ST_OK, "code %d", codes[i]);
}

Test(status, unknown_codes_are_internal)
{
    static const int codes[] = {-1,  0,   1,   100, 101, 199, 300, 301, 304, 399, 402,
                                406, 410, 418, 421, 499, 501, 502, 505, 599, 600, 99999};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        cr_assert_eq(status_from_http(codes[i]), ST_INTERNAL, "code %d", codes[i]);
}

Test(status, out_of_range_values_are_internal)
{
    cr_assert_str_eq(status_str(ST__COUNT), "internal");
    cr_assert_eq(status_http(ST__COUNT), 500);
    cr_assert_str_eq(status_str((status_t)1000), "internal");
    cr_assert_eq(status_http((status_t)1000), 500);
    cr_assert_str_eq(status_str((status_t)-1), "internal");
    cr_assert_eq(status_http((status_t)-1), 500);
}
