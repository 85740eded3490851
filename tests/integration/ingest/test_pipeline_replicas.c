/* test_pipeline_replicas.c - the pipeline when replicas die or are several, on a private
 * pipeline (tests/support/pipeline.h) so every replica is the test's own:
 * - an ingest replica killed (SIGKILL) in the middle of a big PDF: another replica finishes it
 *   after one AckWait, the document ends ready and its chunks are there once each;
 * - the same item delivered again after the document was indexed (a crash between the last
 *   batch and the acknowledgement) replaces its chunks instead of adding to them;
 * - a document deleted is gone from retrieval on both rag replicas as soon as the delete
 *   answered. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/ingest.pb-c.h"
#include "proto/rag.pb-c.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/names.h"
#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/pipeline.h"

#define PAGES 400 /* extraction and indexing take seconds: room to kill in the middle */

static const char *env_ingest[] = {"INGEST_ACK_WAIT_S=3", "INGEST_WORKERS=1", NULL};

static char *make_pdf(int pages, size_t *len)
{
    char *data = pipeline_make_pdf(pages, len);
    cr_assert_not_null(data);
    return data;
}

static bus_ctx_t ctx_of(const char *org, const char *user)
{
    return (bus_ctx_t){.org_id = org, .user_id = user, .role = "owner"};
}

/* Every live chunk of doc through svc.rag.list_chunks: how many, and whether each seq
 * 0..n-1 came exactly once. */
static int chunk_count(pipeline_t *p, const char *org, const char *user, const char *doc,
                       bool *each_once)
{
    int total = 0, seen_n = 0;
    char *seen = NULL;
    *each_once = true;
    for (int page = 1;; page++) {
        Rag__ListChunksRequest in = RAG__LIST_CHUNKS_REQUEST__INIT;
        Rag__ChunkList *out = NULL;
        bus_ctx_t ctx = ctx_of(org, user);
        char err[256] = "";
        in.source_id = (char *)doc;
        in.has_page = in.has_per_page = true;
        in.page = page;
        in.per_page = 100;
        cr_assert_eq(bus_call(p->bus, SUBJ_RAG_LIST_CHUNKS, &ctx, &in.base,
                              &rag__chunk_list__descriptor, (ProtobufCMessage **)&out, err,
                              sizeof err, 10000),
                     ST_OK, "list_chunks: %s", err);
        if (page == 1) {
            total = out->total;
            seen = xcalloc((size_t)total + 1, 1);
        }
        for (size_t i = 0; i < out->n_items; i++, seen_n++) {
            int seq = out->items[i]->seq;
            if (seq < 0 || seq >= total || seen[seq])
                *each_once = false;
            else
                seen[seq] = 1;
        }
        bool more = out->n_items > 0 && seen_n < total;
        rag__chunk_list__free_unpacked(out, NULL);
        if (!more)
            break;
    }
    if (seen_n != total)
        *each_once = false;
    free(seen);
    return total;
}

/* The source ids svc.rag.retrieve answers q with (k 5), joined by spaces. */
static char *retrieve(pipeline_t *p, const char *org, const char *user, const char *q)
{
    Rag__RetrieveRequest in = RAG__RETRIEVE_REQUEST__INIT;
    Rag__RetrieveReply *out = NULL;
    bus_ctx_t ctx = ctx_of(org, user);
    char err[256] = "";
    buf_t b = BUF_INIT;
    in.q = (char *)q;
    cr_assert_eq(bus_call(p->bus, SUBJ_RAG_RETRIEVE, &ctx, &in.base,
                          &rag__retrieve_reply__descriptor, (ProtobufCMessage **)&out, err,
                          sizeof err, 10000),
                 ST_OK, "retrieve: %s", err);
    for (size_t i = 0; i < out->n_items; i++)
        buf_printf(&b, "%s ", out->items[i]->source_id ? out->items[i]->source_id : "?");
    rag__retrieve_reply__free_unpacked(out, NULL);
    buf_putc(&b, '\0');
    return buf_steal(&b);
}

static char *doc_field(pipeline_t *p, const char *doc, const char *column)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s::text FROM ingest.documents WHERE id = $1", column);
    const char *params[] = {doc};
    return pipeline_sql(p, sql, 1, params);
}

static int doc_int(pipeline_t *p, const char *doc, const char *column)
{
    char *v = doc_field(p, doc, column);
    int n = v ? atoi(v) : -1;
    free(v);
    return n;
}

Test(pipeline_replicas, killed_mid_document_redelivered_and_deleted_everywhere, .timeout = 600)
{
    pipeline_t p;
    char org[37], user[37], doc[37];
    size_t len = 0;
    log_init("test", "error");
    uuid_new(org);
    uuid_new(user);
    char *pdf = make_pdf(PAGES, &len);

    cr_assert_eq(pipeline_start(&p), ST_OK);
    pid_t embed = pipeline_spawn(&p, "embed", NULL);
    cr_assert_gt(embed, 0);
    pid_t rag_a = pipeline_spawn(&p, "rag", NULL), rag_b = pipeline_spawn(&p, "rag", NULL);
    cr_assert_gt(rag_a, 0);
    cr_assert_gt(rag_b, 0);
    pid_t a = pipeline_spawn(&p, "ingest", env_ingest);
    cr_assert_gt(a, 0);

    /* Only a consumes: killed once it is well into the document. */
    cr_assert_eq(pipeline_seed(&p, org, user, "orbit.pdf", "pdf", pdf, len, doc), ST_OK);
    cr_assert_eq(pipeline_enqueue(&p, org, user, doc, 1), ST_OK);
    char *status = NULL;
    for (int i = 0; i < 600; i++) {
        free(status);
        status = doc_field(&p, doc, "status");
        if (status && strcmp(status, "queued") != 0 && strcmp(status, "extracting") != 0)
            break;
        usleep(50 * 1000);
    }
    cr_assert(status && (strcmp(status, "chunking") == 0 || strcmp(status, "embedding") == 0),
              "killed mid-document, not at %s", status ? status : "(none)");
    int progress_at_kill = doc_int(&p, doc, "progress");
    cr_assert_eq(harness_kill(a, SIGKILL), 0);
    cr_assert_geq(harness_wait_exit(a, 5000), 0);
    free(status);

    /* b takes it over after the AckWait and finishes it. */
    pid_t b = pipeline_spawn(&p, "ingest", env_ingest);
    cr_assert_gt(b, 0);
    status = pipeline_wait_status(&p, doc, 240000);
    char *error = doc_field(&p, doc, "error");
    cr_assert_str_eq(status, "ready", "after the kill at %d%%: %s", progress_at_kill,
                     error ? error : "");
    free(error);
    free(status);
    cr_assert_eq(doc_int(&p, doc, "attempts"), 2, "a's attempt and b's");
    cr_assert_eq(doc_int(&p, doc, "pages"), PAGES);
    int chunks = doc_int(&p, doc, "chunks");
    cr_assert_gt(chunks, PAGES / 2);
    bool each_once = false;
    cr_assert_eq(chunk_count(&p, org, user, doc, &each_once), chunks,
                 "rag holds the document's chunks once");
    cr_assert(each_once, "every seq once");

    /* The item again after the document was indexed, as if b had died before acknowledging:
     * the chunks replace themselves. */
    char *q = pipeline_sql(&p,
                           "UPDATE ingest.documents SET status = 'queued' WHERE id = $1 "
                           "RETURNING status",
                           1, (const char *[]){doc});
    free(q);
    Ingest__WorkItem item = INGEST__WORK_ITEM__INIT;
    item.org_id = org;
    item.document_id = doc;
    item.user_id = user;
    item.has_generation = true;
    item.generation = 1;
    uint8_t buf[256];
    size_t n = ingest__work_item__pack(&item, buf);
    cr_assert_eq(bus_js_publish(p.bus, SUBJ_WORK_INGEST_DOCUMENT, "again", buf, n), ST_OK);
    status = pipeline_wait_status(&p, doc, 240000);
    cr_assert_str_eq(status, "ready");
    free(status);
    cr_assert_eq(doc_int(&p, doc, "attempts"), 3);
    cr_assert_eq(chunk_count(&p, org, user, doc, &each_once), chunks, "not one chunk more");
    cr_assert(each_once);

    /* Found on both rag replicas (the queue group spreads the calls)... */
    for (int i = 0; i < 8; i++) {
        char *ids = retrieve(&p, org, user, "Сколько стоит двухместный номер за ночь?");
        cr_assert(strstr(ids, doc), "call %d: %s", i, ids);
        free(ids);
    }
    /* ...and gone from both as soon as the delete answered. */
    Ingest__DocumentRequest del = INGEST__DOCUMENT_REQUEST__INIT;
    bus_ctx_t ctx = ctx_of(org, user);
    char err[256] = "";
    del.id = doc;
    cr_assert_eq(bus_call(p.bus, "svc.ingest.delete_document", &ctx, &del.base, NULL, NULL, err,
                          sizeof err, 10000),
                 ST_OK, "delete: %s", err);
    for (int i = 0; i < 8; i++) {
        char *ids = retrieve(&p, org, user, "Сколько стоит двухместный номер за ночь?");
        cr_assert_null(strstr(ids, doc), "call %d still finds it: %s", i, ids);
        free(ids);
    }
    cr_assert_eq(chunk_count(&p, org, user, doc, &each_once), 0);

    harness_stop(b);
    harness_stop(rag_a);
    harness_stop(rag_b);
    harness_stop(embed);
    pipeline_stop(&p);
    free(pdf);
}
