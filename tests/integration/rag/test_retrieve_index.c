/* test_retrieve_index.c - rag's chunk store as ingest uses it: index_put batches (idempotent,
 * generations swapped by `last`, a redelivered `last`), list_chunks, index_delete, and the
 * validation of what is put. */
#include "retrieve_helpers.h"

static char *const THREE[] = {"first passage", "second passage", "third passage"};

/* A source's live chunk texts in order, joined by '|' (list_chunks). */
static char *live_texts(rt_t *rt, const char *org, const char *source)
{
    Rag__ListChunksRequest in = RAG__LIST_CHUNKS_REQUEST__INIT;
    Rag__ChunkList *out = NULL;
    bus_ctx_t ctx = {.org_id = org};
    buf_t b = BUF_INIT;
    in.source_id = (char *)source;
    in.has_per_page = true;
    in.per_page = 100;
    cr_assert_eq(bus_call(rt->bus, SUBJ_RAG_LIST_CHUNKS, &ctx, &in.base,
                          &rag__chunk_list__descriptor, (ProtobufCMessage **)&out, NULL, 0, 5000),
                 ST_OK);
    cr_assert_eq(out->total, (int)out->n_items);
    for (size_t i = 0; i < out->n_items; i++) {
        cr_assert_eq(out->items[i]->seq, (int)i, "in seq order");
        cr_assert_eq(out->items[i]->n_vector, 0, "vectors are left out");
        buf_printf(&b, "%s%s", i ? "|" : "", out->items[i]->text);
    }
    protobuf_c_message_free_unpacked(&out->base, NULL);
    buf_putc(&b, '\0');
    return b.data;
}

static long chunks_of(const char *source, const char *where)
{
    char *sql = fmt("SELECT count(*) FROM rag.chunks WHERE source_id = '%s' %s", source, where);
    char *v = harness_pg_value(sql);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    free(sql);
    return n;
}

Test(retrieve_index, batches_generations_and_redelivery, .timeout = 60)
{
    rt_t rt;
    rt_start(&rt);
    person_t o = {0};
    person_sign_up(&o, "rt-index");
    char src[37];
    uuid_new(src);

    /* Two batches of generation 1: invisible until `last`. */
    rt_put_t p = {.source = src, .generation = 1};
    rt_put(&rt, o.org_id, &p, THREE, 2);
    rt_put(&rt, o.org_id, &p, THREE, 2); /* redelivered: replaces itself */
    cr_assert_eq(chunks_of(src, ""), 2);
    char *t = live_texts(&rt, o.org_id, src);
    cr_assert_str_eq(t, "", "nothing is live before last");
    free(t);
    p.first_seq = 2;
    p.last = true;
    cr_assert_eq(rt_put(&rt, o.org_id, &p, THREE + 2, 1), 3);
    t = live_texts(&rt, o.org_id, src);
    cr_assert_str_eq(t, "first passage|second passage|third passage");
    free(t);
    /* A redelivered last changes nothing. */
    cr_assert_eq(rt_put(&rt, o.org_id, &p, THREE + 2, 1), 3);
    cr_assert_eq(chunks_of(src, "AND live"), 3);

    /* Generation 2 with other texts: generation 1 stays live until its last, then goes. */
    static char *const NEW[] = {"renewed passage"};
    rt_put_t p2 = {.source = src, .generation = 2};
    rt_put(&rt, o.org_id, &p2, NEW, 1);
    t = live_texts(&rt, o.org_id, src);
    cr_assert_str_eq(t, "first passage|second passage|third passage");
    free(t);
    p2.last = true;
    cr_assert_eq(rt_put(&rt, o.org_id, &p2, NEW, 1), 1);
    t = live_texts(&rt, o.org_id, src);
    cr_assert_str_eq(t, "renewed passage");
    free(t);
    cr_assert_eq(chunks_of(src, ""), 1, "only the new generation is left");

    /* An older generation arriving late is refused. */
    char err[256] = "";
    char *model = NULL;
    float *vals = NULL;
    int dims = 0;
    rt_embed(&rt, o.org_id, THREE, 1, "passage", &model, &vals, &dims);
    cr_assert_eq(
        rt_put_vectors(&rt, o.org_id, &p, THREE, 1, model, vals, dims, NULL, err, sizeof err),
        ST_CONFLICT);
    cr_assert(strstr(err, "generation"), "%s", err);

    /* Another organisation sees none of it. */
    person_t x = {0};
    person_sign_up(&x, "rt-index-other");
    t = live_texts(&rt, x.org_id, src);
    cr_assert_str_eq(t, "");
    free(t);
    cr_assert_eq(rt_delete(&rt, x.org_id, src), ST_OK, "deleting nothing is fine");
    cr_assert_eq(chunks_of(src, ""), 1, "another organisation's delete removes nothing");

    /* Delete: everything of the source goes; a second delete is fine. */
    cr_assert_eq(rt_delete(&rt, o.org_id, src), ST_OK);
    cr_assert_eq(chunks_of(src, ""), 0);
    cr_assert_eq(rag_count("sources", o.org_id), 0);
    cr_assert_eq(rt_delete(&rt, o.org_id, src), ST_OK);

    free(model);
    free(vals);
    person_free(&x);
    person_free(&o);
    rt_stop(&rt);
}

/* index_put of one chunk with the given fields; returns the status and the message. */
static status_t put_one(rt_t *rt, const char *org, const char *kind, const char *source,
                        int generation, const char *text, const float *vec, int dims,
                        const char *model, char *err)
{
    rt_put_t p = {.kind = kind, .source = source, .generation = generation, .last = true};
    char *texts[] = {(char *)text};
    err[0] = '\0';
    return rt_put_vectors(rt, org, &p, texts, 1, model, vec, dims, NULL, err, 256);
}

Test(retrieve_index, validation, .timeout = 60)
{
    rt_t rt;
    rt_start(&rt);
    person_t o = {0};
    person_sign_up(&o, "rt-valid");
    char src[37], err[256];
    uuid_new(src);
    float v[4] = {0.5f, 0.5f, 0.5f, 0.5f};

    cr_assert_eq(put_one(&rt, o.org_id, "folder", src, 1, "t", v, 4, "m", err), ST_INVALID);
    cr_assert(strstr(err, "source_kind"), "%s", err);
    cr_assert_eq(put_one(&rt, o.org_id, "document", "nope", 1, "t", v, 4, "m", err), ST_INVALID);
    cr_assert(strstr(err, "source_id"), "%s", err);
    cr_assert_eq(put_one(&rt, o.org_id, "document", src, -1, "t", v, 4, "m", err), ST_INVALID);
    cr_assert(strstr(err, "generation"), "%s", err);
    cr_assert_eq(put_one(&rt, o.org_id, "document", src, 1, "", v, 4, "m", err), ST_INVALID);
    cr_assert(strstr(err, "chunks[0].text"), "%s", err);
    cr_assert_eq(put_one(&rt, o.org_id, "document", src, 1, "t", v, 0, "m", err), ST_INVALID);
    cr_assert(strstr(err, "chunks[0].vector"), "%s", err);
    cr_assert_eq(put_one(&rt, o.org_id, "document", src, 1, "t", v, 4, "", err), ST_INVALID);
    cr_assert(strstr(err, "model"), "%s", err);
    float bad[4] = {0.5f, NAN, 0.5f, 0.5f};
    cr_assert_eq(put_one(&rt, o.org_id, "document", src, 1, "t", bad, 4, "m", err), ST_INVALID);
    cr_assert(strstr(err, "finite"), "%s", err);
    float inf[4] = {0.5f, INFINITY, 0.5f, 0.5f};
    cr_assert_eq(put_one(&rt, o.org_id, "document", src, 1, "t", inf, 4, "m", err), ST_INVALID);

    /* Two chunks of different lengths or models. */
    rt_put_t p = {.source = src, .generation = 1, .last = true};
    char *two[] = {"a", "b"};
    float six[6] = {1, 0, 0, 1, 0, 0};
    Rag__IndexPutRequest in = RAG__INDEX_PUT_REQUEST__INIT;
    Rag__Chunk c1 = RAG__CHUNK__INIT, c2 = RAG__CHUNK__INIT, *cs[] = {&c1, &c2};
    c1.has_seq = c2.has_seq = true;
    c2.seq = 1;
    c1.text = two[0];
    c2.text = two[1];
    c1.model = "m";
    c2.model = "m";
    c1.n_vector = 3;
    c1.vector = six;
    c2.n_vector = 2;
    c2.vector = six + 3;
    in.source_kind = "document";
    in.source_id = src;
    in.has_generation = true;
    in.generation = 1;
    in.n_chunks = 2;
    in.chunks = cs;
    bus_ctx_t ctx = {.org_id = o.org_id};
    cr_assert_eq(
        bus_call(rt.bus, SUBJ_RAG_INDEX_PUT, &ctx, &in.base, NULL, NULL, err, sizeof err, 5000),
        ST_INVALID);
    cr_assert(strstr(err, "chunks[1].vector"), "%s", err);
    c2.n_vector = 3;
    c2.model = "other";
    cr_assert_eq(
        bus_call(rt.bus, SUBJ_RAG_INDEX_PUT, &ctx, &in.base, NULL, NULL, err, sizeof err, 5000),
        ST_INVALID);
    cr_assert(strstr(err, "chunks[1].model"), "%s", err);

    /* 257 chunks in one batch. */
    Rag__Chunk **many = xcalloc(257, sizeof *many);
    for (int i = 0; i < 257; i++)
        many[i] = &c1;
    in.n_chunks = 257;
    in.chunks = many;
    cr_assert_eq(
        bus_call(rt.bus, SUBJ_RAG_INDEX_PUT, &ctx, &in.base, NULL, NULL, err, sizeof err, 5000),
        ST_INVALID);
    cr_assert(strstr(err, "at most 256"), "%s", err);
    free(many);

    /* Without an Org-Id. */
    bus_ctx_t none = {0};
    in.n_chunks = 0;
    cr_assert_eq(bus_call(rt.bus, SUBJ_RAG_INDEX_PUT, &none, &in.base, NULL, NULL, NULL, 0, 5000),
                 ST_UNAUTHORIZED);
    (void)p;
    cr_assert_eq(rag_count("chunks", o.org_id), 0, "nothing refused was stored");

    /* An empty last batch: a source without chunks is fine. */
    cr_assert_eq(rt_put_vectors(&rt, o.org_id, &(rt_put_t){.source = src, .last = true}, NULL, 0,
                                "m", NULL, 0, NULL, err, sizeof err),
                 ST_OK, "%s", err);
    person_free(&o);
    rt_stop(&rt);
}
