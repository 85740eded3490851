/* text.h - UTF-8 checks and clean-up of user-supplied text, shared by every service. Pure.
 *
 * Lengths in the API are characters: Unicode code points of valid UTF-8 (shortest forms only,
 * no surrogates, nothing above U+10FFFF), so a 100-character Russian name is not cut at 50.
 *
 *     char *name = NULL, why[TEXT_WHY_SIZE];
 *     if (!text_clean(in->name, 1, 100, false, &name, why, sizeof why)) {
 *         bus_req_fail(req, "name: %s", why); ...
 *     }
 */
#ifndef SHARED_TEXT_H
#define SHARED_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any reason text_clean writes ("must be at most 100 characters", ...). */
#define TEXT_WHY_SIZE 96

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 when it is not valid. */
size_t text_utf8_seq_len(const unsigned char *s, size_t n);
/* Code points in s[0..len) if it is valid UTF-8, else -1. */
long text_utf8_count(const char *s, size_t len);

/* True when s[0..len) holds a control character (C0, DEL, C1); tab, CR and LF are allowed when
 * multiline. */
bool text_has_control(const char *s, size_t len, bool multiline);

/* Trims surrounding whitespace, then requires min..max characters of valid UTF-8 without
 * control characters (tab, CR and LF allowed when multiline). On success true and a heap copy
 * of the trimmed text in *out (caller frees); otherwise false, a short reason ("is required",
 * "must not be empty", "must be at most 100 characters", ...) in why, *out untouched. s may be
 * NULL ("is required"). */
bool text_clean(const char *s, long min, long max, bool multiline, char **out /* OUT */, char *why,
                size_t whylen);

/* A heap copy of s cut to at most max_bytes on a character boundary, control characters
 * replaced by spaces; NULL when s is NULL or not valid UTF-8. For informational values (a
 * User-Agent header) that must never make an insert fail. */
char *text_clip(const char *s, size_t max_bytes);

#endif
