/* json.h - the one JSON string writer: every JSON text the platform writes (API answers, error
 * bodies, log lines) quotes its strings through here, so the output is valid UTF-8 JSON whatever
 * bytes came in.
 *
 * '"', '\\' and the C0 controls are escaped (\n, \t, ... or \u00XX); valid UTF-8 is copied as is
 * (including U+2028/U+2029, which JSON allows); each byte that does not start a valid UTF-8
 * sequence (see text_utf8_seq_len) becomes U+FFFD. Pure; no allocation but the buffer's growth.
 *
 *     buf_t b = BUF_INIT;
 *     buf_puts(&b, "{\"message\":");
 *     json_put_cstr(&b, message);          // "say \"hi\"\n" -> "say \"hi\"\n" escaped
 *     buf_putc(&b, '}');
 */
#ifndef SHARED_JSON_H
#define SHARED_JSON_H

#include <stddef.h>

#include "shared/util.h"

/* Appends s[0..n) as a quoted JSON string (n bytes; NULs inside are escaped as \u0000). */
void json_put_string(buf_t *b, const char *s, size_t n);
/* Appends the NUL-terminated s as a quoted JSON string; NULL writes null. */
void json_put_cstr(buf_t *b, const char *s);

#endif
