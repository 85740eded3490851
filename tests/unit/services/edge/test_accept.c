/* test_accept.c - content negotiation: the coding an Accept-Encoding value picks (q-values,
 * identity, "*", ties, malformed values) and which Accept values take HTML. */
#include <criterion/criterion.h>

#include "services/edge/accept.h"
#include "services/edge/edge.h"

edge_t edge; /* the edge's global, defined by main.c in the program */

#define BOTH (ACCEPT_OFFER_GZIP | ACCEPT_OFFER_BR)

Test(accept, browsers_get_brotli_and_older_clients_gzip)
{
    cr_assert_eq(accept_encoding_pick("gzip, deflate, br, zstd", BOTH), ACCEPT_ENC_BR);
    cr_assert_eq(accept_encoding_pick("gzip, deflate", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("GZIP", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("x-gzip", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("br", BOTH), ACCEPT_ENC_BR);
}

Test(accept, only_what_is_offered)
{
    cr_assert_eq(accept_encoding_pick("br", ACCEPT_OFFER_GZIP), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("gzip, br", ACCEPT_OFFER_GZIP), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("gzip, br", 0), ACCEPT_ENC_IDENTITY);
}

Test(accept, absent_or_empty_means_identity)
{
    cr_assert_eq(accept_encoding_pick(NULL, BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("", BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("identity", BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("deflate, zstd", BOTH), ACCEPT_ENC_IDENTITY);
}

Test(accept, q_values_are_honoured)
{
    cr_assert_eq(accept_encoding_pick("br;q=0.5, gzip;q=0.8", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("br;q=0.8, gzip;q=0.5", BOTH), ACCEPT_ENC_BR);
    cr_assert_eq(accept_encoding_pick("br ; q=0.5 , gzip ; Q=0.8", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("gzip;q=0, br;q=0", BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("br;q=0, gzip", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("br;q=0.000, gzip;q=0.001", BOTH), ACCEPT_ENC_GZIP);
    /* identity named with a higher q than the codings wins */
    cr_assert_eq(accept_encoding_pick("identity;q=1, gzip;q=0.5", BOTH), ACCEPT_ENC_IDENTITY);
    /* a coding named with a low q still beats an identity nobody named */
    cr_assert_eq(accept_encoding_pick("gzip;q=0.1", BOTH), ACCEPT_ENC_GZIP);
}

Test(accept, star_covers_what_is_not_named)
{
    cr_assert_eq(accept_encoding_pick("*", BOTH), ACCEPT_ENC_BR);
    cr_assert_eq(accept_encoding_pick("*;q=0.5, br;q=0", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("*;q=0", BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("identity;q=0, *;q=0.3", ACCEPT_OFFER_GZIP), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("identity;q=0, gzip", ACCEPT_OFFER_GZIP), ACCEPT_ENC_GZIP);
    /* nothing acceptable at all: identity rather than a refusal */
    cr_assert_eq(accept_encoding_pick("identity;q=0", BOTH), ACCEPT_ENC_IDENTITY);
}

Test(accept, malformed_q_values_are_ignored)
{
    cr_assert_eq(accept_encoding_pick("br;q=2, gzip", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("br;q=0.5x, gzip;q=0.1", BOTH), ACCEPT_ENC_GZIP);
    cr_assert_eq(accept_encoding_pick("br;q=1.0001", BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("br;q=, gzip;q=.5", BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick(";;,,, ;q=1", BOTH), ACCEPT_ENC_IDENTITY);
    cr_assert_eq(accept_encoding_pick("br;level=3;q=1.000", BOTH), ACCEPT_ENC_BR);
}

Test(accept, quoted_parameters_do_not_split_the_list)
{
    /* A comma or ';' inside a quoted parameter belongs to it (RFC 9110 5.6.4, 5.6.6). */
    cr_assert_not(accept_wants_html("application/json;x=\"a, text/html\""));
    cr_assert_not(accept_wants_html("text/html;x=\";q=1\";q=0"));
    cr_assert(accept_wants_html("application/json;x=\"a,b\", text/html"));
    cr_assert_eq(accept_encoding_pick("gzip;x=\"br\";q=0.5, br;y=\"a;q=0\"", BOTH), ACCEPT_ENC_BR);
}

Test(accept, names_of_codings)
{
    cr_assert_str_eq(accept_enc_name(ACCEPT_ENC_BR), "br");
    cr_assert_str_eq(accept_enc_name(ACCEPT_ENC_GZIP), "gzip");
    cr_assert_null(accept_enc_name(ACCEPT_ENC_IDENTITY));
}

Test(accept, html_is_wanted_by_navigations)
{
    cr_assert(accept_wants_html(NULL));
    cr_assert(accept_wants_html("text/html,application/xhtml+xml,application/xml;q=0.9,"
                                "image/avif,image/webp,*/*;q=0.8"));
    cr_assert(accept_wants_html("*/*"));
    cr_assert(accept_wants_html("text/*;q=0.1"));
    cr_assert(accept_wants_html("TEXT/HTML"));
    cr_assert_not(accept_wants_html("application/json"));
    cr_assert_not(accept_wants_html("image/avif,image/webp,image/*;q=0.8"));
    cr_assert_not(accept_wants_html("text/css,*/*;q=0"));
    cr_assert_not(accept_wants_html("text/html;q=0, application/json"));
    cr_assert_not(accept_wants_html(""));
}
