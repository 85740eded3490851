/* accept.h - reading the Accept and Accept-Encoding request headers (RFC 9110 12.5): which
 * content coding a client takes, with q-values, "identity" and "*", and whether it would take an
 * HTML page. Pure functions over header strings: unit-tested in tests/unit/services/edge.
 *
 *     accept_enc_t e = accept_encoding_pick("gzip;q=0.8, br", ACCEPT_OFFER_GZIP | ACCEPT_OFFER_BR);
 *     // e == ACCEPT_ENC_BR
 */
#ifndef EDGE_ACCEPT_H
#define EDGE_ACCEPT_H

#include <stdbool.h>

typedef enum { ACCEPT_ENC_IDENTITY, ACCEPT_ENC_GZIP, ACCEPT_ENC_BR } accept_enc_t;

/* Bits of what the server can send besides identity. */
#define ACCEPT_OFFER_GZIP (1u << ACCEPT_ENC_GZIP)
#define ACCEPT_OFFER_BR   (1u << ACCEPT_ENC_BR)

/* The best coding of those offered for an Accept-Encoding value (NULL when the header is
 * absent): the highest q wins, ties go to the smaller (br, then gzip, then identity). A coding
 * not named takes the q of "*", or 0; identity, not named, takes the q of "*", or else the
 * lowest q above 0 (acceptable, but any named coding is preferred to it). When nothing
 * is acceptable (e.g. "identity;q=0" alone) the answer is identity: RFC 9110 lets the server send
 * it rather than refuse. x-gzip counts as gzip; names are case-insensitive. */
accept_enc_t accept_encoding_pick(const char *accept_encoding, unsigned offered);

/* "br", "gzip", or NULL for identity. */
const char *accept_enc_name(accept_enc_t e);

/* True when an Accept value takes text/html: absent (NULL means any type), or a range text/html,
 * text/ * or * / * (without the spaces) with q above 0. */
bool accept_wants_html(const char *accept);

#endif
