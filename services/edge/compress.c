/* compress.c - gzip of a buffer with zlib, and the rule for which answers get it. respond.c
 * calls both when an answer is set; nothing here touches lws. */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "services/edge/accept.h"
#include "services/edge/compress.h"

#define GZIP_WINDOW (15 + 16) /* 32 KiB window, gzip wrapper */

bool compress_wanted(const char *content_type, size_t len, size_t min_bytes,
                     const char *accept_encoding)
{
    static const char json[] = "application/json";
    if (min_bytes == 0 || len < min_bytes || !content_type)
        return false;
    if (strncasecmp(content_type, json, sizeof json - 1) != 0 ||
        (content_type[sizeof json - 1] && content_type[sizeof json - 1] != ';'))
        return false;
    return accept_encoding_pick(accept_encoding, ACCEPT_OFFER_GZIP) == ACCEPT_ENC_GZIP;
}

status_t compress_gzip(const void *data, size_t len, buf_t *out)
{
    z_stream z;
    status_t st = ST_INTERNAL;

    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return ST_INTERNAL;
    uLong bound = deflateBound(&z, (uLong)len);
    size_t start = out->len;
    buf_reserve(out, bound);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out->data + start;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        goto done;
    out->len = start + z.total_out;
    out->data[out->len] = '\0'; /* buf_t keeps its data NUL-terminated */
    st = ST_OK;
done:
    deflateEnd(&z);
    return st;
}
