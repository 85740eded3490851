/* handlers_upload.c - files in: svc.ingest.upload_part stores each part the edge streams
 * (common.UploadPart, in order, under the upload's id), refusing at once a file whose first
 * bytes are no PDF, DOCX, text or Markdown (415) or that grows past INGEST_MAX_FILE_BYTES (413);
 * svc.ingest.upload then makes the pieces a document: checks the category with rag, hashes the
 * pieces (SHA-256), creates the document (201) or finds the organisation's copy of the same
 * file (200, duplicate), and queues it for the pipeline after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "ingest.h"
#include "proto/rag.pb-c.h"
#include "shared/names.h"
#include "shared/util.h"
#include "store.h"
#include "work.h"

#define UNSUPPORTED_TEXT "only PDF, DOCX, plain text and Markdown files are taken"

static ingest_app_t *app_of(svc_t *svc)
{
    return svc->app;
}

status_t ingest_handle_upload_part(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Common__UploadPart *in = NULL;
    svc_why_t why = {""};
    svc_caller_t c;
    char id[37], mime[128] = "";
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_caller(req, INGEST_WRITE_WHAT, &c)) ||
        (st = svc_uuid(req, "upload_id", in->upload_id, id)))
        goto done;
    if (!in->has_seq || in->seq < 0) {
        st = svc_fail(req, ST_INVALID, "seq: must be 0 or more");
        goto done;
    }
    if (!in->has_data || in->data.len == 0 || in->data.len > INGEST_PART_MAX) {
        st = svc_fail(req, ST_INVALID, "data: must hold 1 to %d bytes", INGEST_PART_MAX);
        goto done;
    }
    if (in->seq == 0) { /* the type, from the content, before anything is stored */
        size_t n = in->data.len < DETECT_HEAD_BYTES ? in->data.len : DETECT_HEAD_BYTES;
        if (detect_format(in->data.data, n, NULL, mime, sizeof mime) == DOC_UNKNOWN) {
            st = svc_fail(req, ST_UNSUPPORTED, "the file is %s: " UNSUPPORTED_TEXT,
                          mime[0] ? mime : "of an unknown type");
            goto done;
        }
    }
    st = ingest_store_put_piece(svc->db, c.org, c.user, id, in->seq, in->data.data, in->data.len,
                                app_of(svc)->max_file_bytes, &why);
    if (st)
        svc_fail_why(req, st, &why, "upload_id: no such upload");
done:
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* The category, when one is named, must be the organisation's (asked of rag). */
static status_t check_category(svc_t *svc, bus_req_t *req, const char *category)
{
    Rag__CategoriesCheckRequest in = RAG__CATEGORIES_CHECK_REQUEST__INIT;
    Rag__CategoriesCheckReply *out = NULL;
    char err[128] = "", *ids[] = {(char *)category};
    bus_ctx_t ctx;
    status_t st;

    in.ids = ids;
    in.n_ids = 1;
    bus_ctx_from_req(req, &ctx);
    st = bus_call(svc->bus, SUBJ_RAG_CATEGORIES_CHECK, &ctx, &in.base,
                  &rag__categories_check_reply__descriptor, (ProtobufCMessage **)&out, err,
                  sizeof err, BUS_DEFAULT_TIMEOUT_MS);
    if (st) {
        log_ctx_t lc;
        svc_log_ctx(req, &lc);
        LOG_CTX_ERROR(&lc, "ingest: %s: %s (%s)", SUBJ_RAG_CATEGORIES_CHECK, status_str(st), err);
        st = svc_fail(req, ST_UNAVAILABLE, "category_id: the knowledge base cannot be asked now");
    } else if (out->n_unknown) {
        st = svc_fail(req, ST_NOT_FOUND, "category_id: no such category");
    }
    svc_msg_free(out);
    return st;
}

/* The last path component of a name a browser or client sent ("C:\a\b.pdf" -> "b.pdf"). */
static const char *base_name(const char *name)
{
    const char *b = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}

status_t ingest_handle_upload(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Ingest__UploadRequest *in = NULL;
    Ingest__Document *doc = NULL;
    ingest_upload_facts_t facts = {0};
    svc_why_t why = {""};
    svc_caller_t c = {0};
    char id[37] = "", category[37], mime[128] = "", *name = NULL;
    bool dup = false;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_caller(req, INGEST_WRITE_WHAT, &c)) ||
        (st = svc_uuid(req, "upload_id", in->upload_id, id)))
        goto done;
    if (!in->has_file_size || in->file_size < 0 || !in->has_file_parts || in->file_parts < 0) {
        st = svc_fail(req, ST_INVALID, "file_size and file_parts: must be set");
        goto done;
    }
    if (in->file_size == 0) {
        st = svc_fail(req, ST_INVALID, "file: the file is empty");
        goto done;
    }
    if ((st = svc_text(req, "file_name", base_name(in->file_name ? in->file_name : ""), 1, 255,
                       false, &name)))
        goto done;
    bool has_category = in->category_id && *in->category_id;
    if (has_category && ((st = svc_uuid(req, "category_id", in->category_id, category)) ||
                         (st = check_category(svc, req, category))))
        goto done;
    if ((st = ingest_store_upload_facts(svc->db, c.org, c.user, id, in->file_parts, in->file_size,
                                        DETECT_HEAD_BYTES, &facts, &why))) {
        svc_fail_why(req, st, &why, "upload_id: no such upload");
        goto done;
    }
    doc_format_t f = detect_format(facts.head, facts.head_len, name, mime, sizeof mime);
    if (f == DOC_UNKNOWN) {
        st = svc_fail(req, ST_UNSUPPORTED, "the file is %s: " UNSUPPORTED_TEXT,
                      mime[0] ? mime : "of an unknown type");
        goto done;
    }
    ingest_new_doc_t nd = {.org = c.org,
                           .user = c.user,
                           .request_id = bus_req_id(req),
                           .id = id,
                           .category = has_category ? category : NULL,
                           .name = name,
                           .format = detect_format_name(f),
                           .mime_type = mime,
                           .sha256 = facts.sha256,
                           .size = in->file_size};
    if ((st = ingest_store_create_document(svc->db, &nd, &doc, &dup)))
        goto done;
    if (!dup) {
        status_t q = ingest_work_enqueue(svc, c.org, c.user, doc->id, 1, bus_req_id(req));
        if (q) { /* the document waits as queued: a reindex queues it again */
            log_ctx_t lc;
            svc_log_ctx(req, &lc);
            LOG_CTX_ERROR(&lc, "ingest: document %s not queued: %s", doc->id, status_str(q));
        }
    } else {
        bus_req_reply_header(req, HDR_OK_STATUS, "200"); /* the existing one, not created */
    }
done:
    if (st && c.org && id[0]) /* refused: the client sends the file again, under a new id */
        ingest_store_drop_upload(svc->db, c.org, id);
    bus_reply(req, st, st == ST_OK ? &doc->base : NULL);
    svc_msg_free(doc);
    ingest_upload_facts_cleanup(&facts);
    free(name);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
