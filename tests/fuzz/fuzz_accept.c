/* fuzz_accept.c - libFuzzer target for the edge's content negotiation (services/edge/accept.c)
 * and the list tokeniser it shares with the HTTP parser (h1_list_next in h1parse.c).
 *
 * The input is one header value (up to its first NUL: the parser refuses NULs in fields). Besides
 * "no crash, no leak, no undefined behaviour" it checks what the edge relies on:
 *   - the tokeniser's elements lie inside the value, are never empty, have no OWS around them,
 *     always advance the cursor, and each one is found again by h1_list_has;
 *   - accept_encoding_pick answers identity or a coding that was offered, identity when nothing
 *     is, and the same coding when only that one is offered;
 *   - accept_wants_html says yes only to a value that names html or a "*" range.
 *
 *     make fuzz && build/fuzz/fuzz_accept -max_total_time=60 /tmp/corpus tests/fuzz/corpus/accept
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/edge/accept.h"
#include "services/edge/h1parse.h"
#include "tests/fuzz/fuzz.h"

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

static void check_list(const char *v)
{
    size_t vlen = strlen(v), n, count = 0;
    const char *cur = v, *e;
    while (h1_list_next(&cur, &e, &n)) {
        CHECK(e >= v && n > 0 && e + n <= v + vlen);
        CHECK(cur >= e + n && cur <= v + vlen);
        CHECK(!ows(e[0]) && !ows(e[n - 1]) && e[0] != ',');
        CHECK(++count <= vlen);
        char *token = strndup(e, n);
        CHECK(token && h1_list_has(v, token));
        free(token);
    }
    CHECK(*cur == '\0');
}

static void check_encoding(const char *v)
{
    static const unsigned offers[] = {0, ACCEPT_OFFER_GZIP, ACCEPT_OFFER_BR,
                                      ACCEPT_OFFER_GZIP | ACCEPT_OFFER_BR};
    for (size_t i = 0; i < sizeof offers / sizeof offers[0]; i++) {
        accept_enc_t e = accept_encoding_pick(v, offers[i]);
        CHECK(e == ACCEPT_ENC_IDENTITY || e == ACCEPT_ENC_GZIP || e == ACCEPT_ENC_BR);
        CHECK(e == ACCEPT_ENC_IDENTITY || (offers[i] & (1u << e)));
        CHECK((accept_enc_name(e) == NULL) == (e == ACCEPT_ENC_IDENTITY));
        /* What wins among more offers also wins when it is the only one. */
        if (e != ACCEPT_ENC_IDENTITY)
            CHECK(accept_encoding_pick(v, 1u << e) == e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = malloc(size + 1);
    memcpy(v, data, size);
    v[size] = '\0';

    check_list(v);
    check_encoding(v);
    if (accept_wants_html(v))
        CHECK(strcasestr(v, "html") || strchr(v, '*'));
    free(v);
    return 0;
}
