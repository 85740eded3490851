/* download.c - DOWNLOAD routes: a file answered from the common.FilePart messages of the
 * route's rpc, fetched one at a time. Part 0 (asked by dispatch.c) gives the headers: its size
 * is the Content-Length, its etag a strong ETag (If-None-Match -> 304), its name the
 * Content-Disposition (RFC 6266: an ASCII filename and filename*=UTF-8''); the next part is asked
 * for only when the socket has taken the previous one (respond.c calls edge_download_write on
 * WRITEABLE), so a slow client holds one part, not the file. Once the head is out a failure can
 * only cut the connection: the client sees fewer bytes than Content-Length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
#include "filehdr.h"
#include "proto/common.pb-c.h"
#include "shared/log.h"

#define WRITE_CHUNK 16384

struct edge_download {
    Common__FilePart *part; /* the part being written (owned) */
    size_t off;             /* of its data, written */
    int next_seq;           /* the part to fetch next */
    int parts;
    int64_t size;
};

static Common__FilePart *unpack(natsMsg *msg)
{
    return common__file_part__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                                     (const uint8_t *)natsMsg_GetData(msg));
}

/* The first part: the answer's head, or 304. */
static void first_part(pss_t *pss, Common__FilePart *p)
{
    char etag[136];
    buf_t cd = BUF_INIT;
    const char *ctype =
        p->content_type && *p->content_type ? p->content_type : "application/octet-stream";

    if (!p->has_size || p->size < 0 || !p->has_parts || p->parts < 0 ||
        (p->parts == 0) != (p->size == 0) || p->data.len > (size_t)p->size ||
        (p->parts == 1 && p->data.len != (size_t)p->size) || strchr(ctype, '\r') ||
        strchr(ctype, '\n')) {
        common__file_part__free_unpacked(p, NULL);
        edge_respond_error(pss, ST_INTERNAL, "malformed file from the service");
        return;
    }
    edge_respond_add_header(pss, "cache-control", "private, no-cache");
    if (filehdr_etag_ok(p->etag)) {
        snprintf(etag, sizeof etag, "\"%s\"", p->etag);
        edge_respond_add_header(pss, "etag", etag);
        if (filehdr_etag_matches(edge_header(pss, "if-none-match"), p->etag)) {
            common__file_part__free_unpacked(p, NULL);
            edge_respond(pss, 304, NULL, NULL, 0);
            return;
        }
    }
    filehdr_disposition(p->file_name && *p->file_name ? p->file_name : "file", &cd);
    edge_respond_add_header(pss, "content-disposition", cd.data);
    edge_respond_add_header(pss, "x-content-type-options", "nosniff");
    buf_cleanup(&cd);

    edge_download_t *dl = xcalloc(1, sizeof *dl);
    dl->part = p;
    dl->next_seq = 1;
    dl->parts = p->parts;
    dl->size = p->size;
    pss->download = dl;
    edge_respond(pss, 200, ctype, NULL, 0); /* respond.c takes the length from dl->size */
}

void edge_download_reply(struct lws *wsi, pss_t *pss, cq_item_t *item)
{
    edge_download_t *dl = pss->download;
    Common__FilePart *p = item->msg && !item->st ? unpack(item->msg) : NULL;

    if (!dl) { /* part 0 (errors were answered by dispatch.c) */
        if (!p)
            edge_respond_error(pss, ST_INTERNAL, "malformed reply from the service");
        else
            first_part(pss, p);
        return;
    }
    pss->stage = STAGE_RESPOND;
    if (!p || p->data.len == 0) {
        log_ctx_t ctx = {.request_id = pss->request_id, .subject = pss->route->subject};
        LOG_CTX_WARN(&ctx, "download: part %d of %d failed (%s): connection cut", dl->next_seq - 1,
                     dl->parts, item->errmsg ? item->errmsg : status_str(item->st));
        if (p)
            common__file_part__free_unpacked(p, NULL);
        lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        return;
    }
    dl->part = p;
    dl->off = 0;
    lws_callback_on_writable(wsi);
}

int64_t edge_download_size(const pss_t *pss)
{
    return pss->download->size;
}

int edge_download_write(struct lws *wsi, pss_t *pss)
{
    edge_download_t *dl = pss->download;
    unsigned char buf[LWS_PRE + WRITE_CHUNK];

    if (pss->stage == STAGE_FETCH)
        return 0; /* waiting for the next part */
    if (dl->part && dl->off < dl->part->data.len) {
        size_t n = dl->part->data.len - dl->off;
        if (n > WRITE_CHUNK)
            n = WRITE_CHUNK;
        if ((int64_t)(pss->resp_sent + n) > dl->size)
            return -1; /* more bytes than announced: cut rather than corrupt the stream */
        memcpy(buf + LWS_PRE, dl->part->data.data + dl->off, n);
        if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_RAW) != (int)n)
            return -1;
        dl->off += n;
        pss->resp_sent += n;
    }
    if ((int64_t)pss->resp_sent >= dl->size)
        return edge_exchange_done(wsi, pss);
    if (dl->part && dl->off < dl->part->data.len) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* This part is out and the socket took it: ask for the next one. */
    common__file_part__free_unpacked(dl->part, NULL);
    dl->part = NULL;
    if (dl->next_seq >= dl->parts)
        return -1; /* the parts ended before the size they announced */
    if (edge_fetch_part(wsi, pss, dl->next_seq++))
        return -1;
    pss->stage = STAGE_FETCH;
    return 0;
}

void edge_download_free(pss_t *pss)
{
    edge_download_t *dl = pss->download;
    if (!dl)
        return;
    if (dl->part)
        common__file_part__free_unpacked(dl->part, NULL);
    free(dl);
    pss->download = NULL;
}
