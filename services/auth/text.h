/* text.h - UTF-8 counting and clean-up of user-supplied text (names, headers). Pure: no I/O.
 *
 * Lengths in the API are counted in characters, i.e. Unicode code points of valid UTF-8, so a
 * 100-character Russian name is not cut at 50.
 *
 *     char *name = NULL, why[AUTH_WHY_SIZE];
 *     if (!auth_text_clean(in->name, AUTH_NAME_MAX, &name, why, sizeof why)) {
 *         bus_req_fail(req, "name: %s", why); ...
 *     }
 */
#ifndef AUTH_TEXT_H
#define AUTH_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Number of code points in s[0..len) if it is valid UTF-8 (shortest forms only, no surrogates,
 * nothing above U+10FFFF), else -1. */
long auth_utf8_count(const char *s, size_t len);

/* Room for any reason written by the validators of this service ("must be at most ..."). */
#define AUTH_WHY_SIZE 96

/* Validates a display name (a person's or an organisation's): trims surrounding whitespace, then
 * requires 1..max characters of valid UTF-8 without control characters. On success returns true
 * and a heap copy of the trimmed text in *out (caller frees); otherwise false, a short reason
 * ("is required", "must be at most 100 characters", ...) in why, and *out untouched. s may be
 * NULL. */
bool auth_text_clean(const char *s, long max, char **out /* OUT */, char *why, size_t whylen);

/* A heap copy of s cut to at most max_bytes on a character boundary, with control characters
 * replaced by spaces; NULL when s is NULL or not valid UTF-8. For informational values such as
 * the User-Agent header that must never make an insert fail. */
char *auth_text_clip(const char *s, size_t max_bytes);

#endif
