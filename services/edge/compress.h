/* compress.h - gzip for the edge's JSON answers (zlib). The console's files are compressed at
 * build time (web/scripts/compress.mjs); only answers made per request are compressed here.
 *
 *     buf_t gz = BUF_INIT;
 *     if (compress_wanted("application/json", len, 1024, accept_encoding) &&
 *         compress_gzip(body, len, &gz) == ST_OK)
 *         ... send gz.data with Content-Encoding: gzip ...
 *     buf_cleanup(&gz);
 */
#ifndef EDGE_COMPRESS_H
#define EDGE_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/status.h"
#include "shared/util.h"

/* True when an answer should go gzipped: JSON (application/json, any parameters), at least
 * min_bytes long (min_bytes 0: never), and the request's Accept-Encoding (NULL when absent)
 * prefers gzip to identity (see accept_encoding_pick). */
bool compress_wanted(const char *content_type, size_t len, size_t min_bytes,
                     const char *accept_encoding);

/* Appends data gzipped (RFC 1952, zlib's default level) to out. ST_INTERNAL if zlib fails. */
status_t compress_gzip(const void *data, size_t len, buf_t *out /* OUT */);

#endif
