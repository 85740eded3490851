/* upload.c - UPLOAD routes: a multipart/form-data body streamed to the service, never held
 * whole. http.c feeds the body's bytes here as they arrive (only after authentication and the
 * origin check passed, and only as many as edge_upload_room allows); multipart.c splits the
 * form; the one file part's bytes go to svc.<service>.<rpc>_part as common.UploadPart messages
 * of UPLOAD_PART_MAX bytes, one in flight at a time, while the other fields (small) are kept to
 * fill the rpc's input. Reading pauses while a full part waits for the previous one's answer:
 * the bytes held are one part, the connection's buffer (http.c, PIPELINE_MAX) and a packed
 * message, all reused from part to part. At the end of the body the rpc is called once with
 * upload_id, file_name, file_type, file_size and file_parts set.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
#include "multipart.h"
#include "proto/common.pb-c.h"
#include "shared/crypto.h"
#include "shared/log.h"
#include "shared/pbjson.h"

#define UPLOAD_PART_MAX   (256 * 1024) /* bytes of one UploadPart (proto/common.proto) */
#define UPLOAD_FIELD_MAX  (64 * 1024)  /* bytes of one other field's value */
#define UPLOAD_FIELDS_MAX 16

/* The input fields the edge sets itself; a form field of one of these names is refused. */
static const char *const own_fields[] = {"upload_id", "file_name", "file_type", "file_size",
                                         "file_parts"};

struct edge_upload {
    mp_parser_t mp;
    struct lws *wsi;
    pss_t *pss;
    char id[37];
    bool authed;        /* bytes may be read and sent on */
    bool body_complete; /* the HTTP body has ended */
    bool in_flight;     /* a part call awaits its answer */
    bool failed;        /* answered with an error: the rest of the body is dropped */
    bool file_seen, in_file;
    int field;          /* the field being read (index into names/values), -1 none */
    buf_t pending;      /* file bytes not yet sent */
    buf_t packed;       /* the part being sent, packed (reused) */
    int parts;          /* parts sent */
    int64_t body_bytes; /* of the HTTP body so far */
    int64_t file_size;
    char file_name[MP_FILENAME_MAX];
    char file_type[MP_TYPE_MAX];
    int nfields;
    char *names[UPLOAD_FIELDS_MAX];
    buf_t values[UPLOAD_FIELDS_MAX];
};

static void uuid_v4(char out[37])
{
    uint8_t r[16];
    crypto_random_bytes(r, sizeof r);
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
}

/* Ends the upload with an error answer. The rest of the body is dropped; when it has not all
 * arrived the connection closes after the answer (reading a large body to its end for nothing
 * would only cost). */
static void fail(edge_upload_t *u, status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(edge_upload_t *u, status_t st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (u->failed || u->pss->responding)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    u->failed = true;
    if (!u->body_complete)
        u->pss->close_after = true;
    buf_cleanup(&u->pending);
    edge_respond_error(u->pss, st, msg);
}

/* ---- the form's parts ------------------------------------------------------------------------ */

static int part_begin(void *ctx, const mp_part_t *p)
{
    edge_upload_t *u = ctx;
    u->field = -1;
    if (strcmp(p->name, "file") == 0) {
        if (u->file_seen) {
            fail(u, ST_INVALID,
                 "the form has more than one file field: send exactly one, "
                 "named file");
            return 1;
        }
        u->file_seen = u->in_file = true;
        snprintf(u->file_name, sizeof u->file_name, "%s", p->filename);
        snprintf(u->file_type, sizeof u->file_type, "%s", p->content_type);
        return 0;
    }
    if (p->has_filename) {
        fail(u, ST_INVALID, "field %s is a file: the form takes one file, named file", p->name);
        return 1;
    }
    for (size_t i = 0; i < ARRAY_LEN(own_fields); i++)
        if (strcmp(p->name, own_fields[i]) == 0) {
            fail(u, ST_INVALID, "field %s is set by the server, not the form", p->name);
            return 1;
        }
    if (!protobuf_c_message_descriptor_get_field_by_name(u->pss->route->md->input, p->name)) {
        fail(u, ST_INVALID, "unknown field \"%s\"", p->name); /* before any part goes */
        return 1;
    }
    for (int i = 0; i < u->nfields; i++)
        if (strcmp(u->names[i], p->name) == 0) {
            fail(u, ST_INVALID, "field %s is repeated", p->name);
            return 1;
        }
    if (u->nfields == UPLOAD_FIELDS_MAX) {
        fail(u, ST_INVALID, "the form has more than %d fields besides the file", UPLOAD_FIELDS_MAX);
        return 1;
    }
    u->field = u->nfields++;
    u->names[u->field] = xstrdup(p->name);
    buf_init(&u->values[u->field]);
    return 0;
}

static bool send_part(edge_upload_t *u, size_t n);

static int part_data(void *ctx, const char *d, size_t n)
{
    edge_upload_t *u = ctx;
    if (u->in_file) {
        u->file_size += (int64_t)n;
        buf_append(&u->pending, d, n);
        return 0;
    }
    buf_t *v = &u->values[u->field];
    if (v->len + n > UPLOAD_FIELD_MAX) {
        fail(u, ST_TOO_LARGE, "field %s is over %d bytes", u->names[u->field], UPLOAD_FIELD_MAX);
        return 1;
    }
    buf_append(v, d, n);
    return 0;
}

static int part_end(void *ctx)
{
    edge_upload_t *u = ctx;
    if (u->field >= 0 && u->values[u->field].len &&
        memchr(u->values[u->field].data, '\0', u->values[u->field].len)) {
        fail(u, ST_INVALID, "field %s holds a NUL byte", u->names[u->field]);
        return 1;
    }
    u->in_file = false;
    u->field = -1;
    return 0;
}

static const mp_callbacks_t callbacks = {part_begin, part_data, part_end};

/* ---- parts to the service -------------------------------------------------------------------- */

/* Sends the first n bytes of pending as the next part. */
static bool send_part(edge_upload_t *u, size_t n)
{
    Common__UploadPart part = COMMON__UPLOAD_PART__INIT;
    bus_ctx_t ctx;
    const char *extra[16];
    char ua[256];

    part.upload_id = u->id;
    part.has_seq = true;
    part.seq = u->parts;
    part.has_data = true;
    part.data.data = (uint8_t *)u->pending.data;
    part.data.len = n;
    buf_reset(&u->packed);
    buf_reserve(&u->packed, protobuf_c_message_get_packed_size(&part.base));
    u->packed.len = protobuf_c_message_pack(&part.base, (uint8_t *)u->packed.data);
    edge_call_ctx(u->pss, &ctx, extra, ua);
    status_t st =
        edge_call(u->wsi, u->pss, u->pss->route->part_subject, u->packed.data, u->packed.len, &ctx);
    if (st) {
        fail(u, st,
             st == ST_TOO_LARGE ? "a part is over the bus's message size limit"
                                : "the service could not be reached");
        return false;
    }
    u->pss->stage = STAGE_PART;
    u->in_flight = true;
    u->parts++;
    memmove(u->pending.data, u->pending.data + n, u->pending.len - n);
    u->pending.len -= n;
    return true;
}

/* Sends what can be sent now; at the end of the body, the last part, then the rpc. */
static void pump(edge_upload_t *u)
{
    if (u->failed || u->in_flight)
        return;
    if (u->pending.len >= UPLOAD_PART_MAX) {
        send_part(u, UPLOAD_PART_MAX);
        return;
    }
    if (!u->body_complete)
        return;
    if (u->pending.len) {
        send_part(u, u->pending.len);
        return;
    }
    u->pss->stage = STAGE_CALL;
    edge_call_route(u->wsi, u->pss);
}

/* ---- the interface for http.c and dispatch.c ------------------------------------------------- */

bool edge_upload_begin(pss_t *pss, bool has_body)
{
    char boundary[MP_BOUNDARY_MAX + 1];
    if (pss->content_length > edge.cfg.max_upload) {
        if (pss->content_length > 2 * edge.cfg.max_upload)
            pss->close_after = true; /* else the body is read and dropped, see http.c */
        char msg[96];
        snprintf(msg, sizeof msg, "the upload is over the size limit of %lld bytes",
                 (long long)edge.cfg.max_upload);
        edge_respond_error(pss, ST_TOO_LARGE, msg);
        return false;
    }
    if (!mp_boundary(edge_header(pss, "content-type"), boundary, sizeof boundary)) {
        edge_respond_error(pss, ST_UNSUPPORTED,
                           "the body must be multipart/form-data with a boundary");
        return false;
    }
    edge_upload_t *u = xcalloc(1, sizeof *u);
    mp_init(&u->mp, boundary, &callbacks, u);
    u->wsi = pss->wsi;
    u->pss = pss;
    u->field = -1;
    uuid_v4(u->id);
    u->body_complete = !has_body;
    pss->upload = u;
    return true;
}

size_t edge_upload_room(const pss_t *pss)
{
    const edge_upload_t *u = pss->upload;
    if (!u->authed)
        return 0;
    if (u->failed)
        return SIZE_MAX; /* dropped */
    return u->pending.len >= UPLOAD_PART_MAX ? 0 : UPLOAD_PART_MAX - u->pending.len;
}

void edge_upload_data(struct lws *wsi, pss_t *pss, const char *d, size_t n)
{
    edge_upload_t *u = pss->upload;
    (void)wsi;
    if (u->failed || pss->responding)
        return;
    u->body_bytes += (int64_t)n;
    if (u->body_bytes > edge.cfg.max_upload) {
        fail(u, ST_TOO_LARGE, "the upload is over the size limit of %lld bytes",
             (long long)edge.cfg.max_upload);
        return;
    }
    switch (mp_feed(&u->mp, d, n)) {
    case MP_BAD:
        fail(u, ST_INVALID, "malformed form: %s", mp_error(&u->mp));
        return;
    case MP_STOPPED: /* answered by the callback */
        return;
    default:
        break;
    }
    pump(u);
}

void edge_upload_body_done(struct lws *wsi, pss_t *pss)
{
    edge_upload_t *u = pss->upload;
    (void)wsi;
    u->body_complete = true;
    if (u->failed || pss->responding)
        return;
    if (mp_finish(&u->mp) != MP_DONE) {
        fail(u, ST_INVALID, "malformed form: %s", mp_error(&u->mp));
        return;
    }
    if (!u->file_seen) {
        fail(u, ST_INVALID, "the form has no file: send it in a field named file");
        return;
    }
    pump(u);
}

void edge_upload_authed(struct lws *wsi, pss_t *pss)
{
    edge_upload_t *u = pss->upload;
    u->authed = true;
    if (pss->req.expect_continue && !u->body_complete) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        unsigned char b[LWS_PRE + sizeof cont];
        memcpy(b + LWS_PRE, cont, sizeof cont - 1);
        if (lws_write(wsi, b + LWS_PRE, sizeof cont - 1, LWS_WRITE_RAW) < 0) {
            lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
            return;
        }
    }
    if (u->body_complete) /* a body already read to its end (a small one, or none) */
        edge_upload_body_done(wsi, pss);
    edge_conn_resume(wsi, pss);
}

void edge_upload_part_reply(struct lws *wsi, pss_t *pss, cq_item_t *item)
{
    edge_upload_t *u = pss->upload;
    u->in_flight = false;
    if (item->st) {
        const char *retry = NULL;
        if (item->msg && natsMsgHeader_Get(item->msg, HDR_RETRY_AFTER, &retry) == NATS_OK && retry)
            edge_respond_add_header(pss, "retry-after", retry);
        fail(u, item->st, "%s", item->errmsg ? item->errmsg : status_str(item->st));
        edge_conn_resume(wsi, pss); /* the rest of the body is dropped */
        return;
    }
    pump(u);
    edge_conn_resume(wsi, pss);
}

status_t edge_upload_fill(const pss_t *pss, ProtobufCMessage *m, char *err, size_t errlen)
{
    const edge_upload_t *u = pss->upload;
    pbjson_err_t perr = {{0}};
    char size[24], parts[16];
    status_t st;

    for (int i = 0; i < u->nfields; i++) {
        for (int k = 0; k < pss->params.n; k++)
            if (strcmp(pss->params.names[k], u->names[i]) == 0) {
                snprintf(err, errlen, "field %.64s repeats a path parameter", u->names[i]);
                return ST_INVALID;
            }
        buf_t v = u->values[i];
        if ((st = pbjson_set_str(m, u->names[i], v.len ? v.data : "", &perr))) {
            if (st == ST_NOT_FOUND)
                snprintf(err, errlen, "unknown field \"%.200s\"", u->names[i]);
            else
                snprintf(err, errlen, "%s", perr.msg);
            return ST_INVALID;
        }
    }
    snprintf(size, sizeof size, "%lld", (long long)u->file_size);
    snprintf(parts, sizeof parts, "%d", u->parts);
    const char *set[][2] = {{"upload_id", u->id},
                            {"file_name", u->file_name},
                            {"file_type", u->file_type},
                            {"file_size", size},
                            {"file_parts", parts}};
    for (size_t i = 0; i < ARRAY_LEN(set); i++)
        if ((st = pbjson_set_str(m, set[i][0], set[i][1], &perr))) {
            snprintf(err, errlen, "the upload's %s cannot be given to the service: %s", set[i][0],
                     perr.msg);
            return ST_INTERNAL;
        }
    return ST_OK;
}

void edge_upload_free(pss_t *pss)
{
    edge_upload_t *u = pss->upload;
    if (!u)
        return;
    for (int i = 0; i < u->nfields; i++) {
        free(u->names[i]);
        buf_cleanup(&u->values[i]);
    }
    buf_cleanup(&u->pending);
    buf_cleanup(&u->packed);
    free(u);
    pss->upload = NULL;
}
