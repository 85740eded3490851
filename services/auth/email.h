/* email.h - email address normalisation and validation. Pure: no I/O.
 *
 * Addresses are compared case-insensitively by storing them normalised: surrounding whitespace
 * removed and ASCII letters lower-cased (non-ASCII characters are kept as they are: no IDNA or
 * Unicode case folding). Accepted: `local@domain` with one '@', at most 254 bytes; the local
 * part 1..64 bytes of RFC 5322 atext characters or UTF-8, dots only between characters (quoted
 * local parts are refused); the domain two or more dot-separated labels of 1..63 letters, digits,
 * hyphens (not at either end) or UTF-8, the last one not all digits (no IP literals).
 *
 *     char *email = NULL;
 *     if (!auth_email_normalize(in->email, &email)) -> "email: must be a valid email address"
 */
#ifndef AUTH_EMAIL_H
#define AUTH_EMAIL_H

#include <stdbool.h>

#define AUTH_EMAIL_MAX 254

/* True and a heap copy of the normalised address in *out (caller frees) when s is a valid
 * address; false (and *out untouched) otherwise, including for NULL. */
bool auth_email_normalize(const char *s, char **out /* OUT */);

#endif
