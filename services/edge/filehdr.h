/* filehdr.h - the headers of a file answer, pure (no I/O): Content-Disposition with a file name
 * any client can take (RFC 6266: an ASCII fallback and filename*=UTF-8'' for the real one) and
 * If-None-Match against an entity tag (RFC 9110 13.1.2). download.c uses them; the unit tests
 * and the fuzzer (tests/fuzz/fuzz_filehdr.c) call them directly.
 */
#ifndef EDGE_FILEHDR_H
#define EDGE_FILEHDR_H

#include <stdbool.h>

#include "shared/util.h"

/* Appends `attachment; filename="<name, non-ASCII and quotes as _>";
 * filename*=UTF-8''<name percent-encoded>` to out. */
void filehdr_disposition(const char *name, buf_t *out);
/* True when the If-None-Match value inm (may be NULL) is "*" or lists etag (the tag's text
 * without quotes), W/ prefixes ignored (the weak comparison If-None-Match uses). */
bool filehdr_etag_matches(const char *inm, const char *etag);
/* True when etag can be sent as a quoted entity tag: 1-128 visible ASCII characters, no '"'. */
bool filehdr_etag_ok(const char *etag);

#endif
