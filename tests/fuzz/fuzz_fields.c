/* fuzz_fields.c - libFuzzer target for the edge's readers of client-controlled header values
 * (services/edge/fields.c): the sid cookie, origins, X-Forwarded-For.
 *
 * The input is one or more field values separated by newlines (a value holds no newline or NUL:
 * the HTTP parser refuses them). Besides "no crash, no leak, no undefined behaviour" it checks
 * what the edge relies on:
 *   - a cookie value found is non-empty, fits, holds no ';' and was in the field;
 *   - a normalised origin is http(s)://, lower case, and normalises to itself again;
 *   - the client address taken from X-Forwarded-For is the entry `hops` places from the right
 *     (or the left-most), made only of address characters, and none without a trusted hop.
 *
 *     make fuzz && build/fuzz/fuzz_fields -max_total_time=60 /tmp/corpus tests/fuzz/corpus/fields
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/edge/fields.h"
#include "tests/fuzz/fuzz.h"

static void check_cookie(const char *v)
{
    char out[32];
    int r = fields_cookie(v, "sid", out, sizeof out);
    CHECK(r >= -1 && r <= 1);
    if (r == 1)
        CHECK(out[0] && strlen(out) < sizeof out && !strchr(out, ';') && strstr(v, out));
}

static void check_origin(const char *v)
{
    char out[128], again[128];
    for (int path_ok = 0; path_ok <= 1; path_ok++) {
        if (!fields_origin_norm(v, strlen(v), path_ok, out, sizeof out))
            continue;
        CHECK(strncmp(out, "http://", 7) == 0 || strncmp(out, "https://", 8) == 0);
        const char *host = strstr(out, "://") + 3;
        CHECK(*host && !strchr(host, '/'));
        for (const char *p = out; *p; p++)
            CHECK(!(*p >= 'A' && *p <= 'Z'));
        CHECK(fields_origin_norm(out, strlen(out), false, again, sizeof again));
        CHECK(strcmp(out, again) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *all = malloc(size + 1);
    memcpy(all, data, size);
    all[size] = '\0';
    fields_xff_t xff = {.n = 0};

    for (char *v = all, *next; v; v = next) {
        next = strchr(v, '\n');
        if (next)
            *next++ = '\0';
        check_cookie(v);
        check_origin(v);
        fields_xff_add(&xff, v);
    }
    CHECK(xff.n >= 0 && xff.n <= FIELDS_XFF_MAX);
    for (int hops = 0; hops <= 4; hops++) {
        char ip[64];
        if (!fields_xff_client(&xff, hops, ip, sizeof ip))
            continue;
        CHECK(hops >= 1 && xff.n > 0);
        CHECK(ip[0] && strspn(ip, "0123456789abcdefABCDEF:.[]") == strlen(ip));
        /* the entry `hops` places from the right, or the left-most */
        int i = xff.n - hops < 0 ? 0 : xff.n - hops;
        CHECK(xff.len[i] == strlen(ip) && memcmp(xff.entry[i], ip, xff.len[i]) == 0);
    }
    free(all);
    return 0;
}
