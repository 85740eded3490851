/* retrieve_helpers.h - shared steps of the retrieval tests (test_retrieve_*.c): a bus client
 * calling rag's index rpcs as ingest does, passage vectors from svc.embed.embed, and an
 * in-process embedder serving svc.embed.* when the stack runs none.
 *
 * The in-process embedder hashes character trigrams of lower-cased words into 256 signed
 * dimensions (L2-normalised), so word forms (договор / договора) share most of their
 * trigrams. It answers only when no embed service does (svc.embed.info has no responders),
 * and vectors are always asked of whichever embedder serves, so passages and questions are
 * embedded alike either way.
 *
 * Header-only (static inline), like rag_helpers.h.
 */
#ifndef TESTS_INTEGRATION_RETRIEVE_HELPERS_H
#define TESTS_INTEGRATION_RETRIEVE_HELPERS_H

#include <math.h>

#include "proto/embed.pb-c.h"
#include "proto/rag.pb-c.h"
#include "rag_helpers.h"
#include "shared/bus.h"
#include "shared/names.h"

#define RT_DIMS 256

/* ---- the in-process embedder ------------------------------------------------------------------
 */

/* Lower-cases ASCII and Russian Cyrillic (А-Я, Ё) in place. */
static inline void rt_lower(unsigned char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (unsigned char)(*s + 32);
        else if (s[0] == 0xd0 && s[1] >= 0x90 && s[1] <= 0x9f) /* А-П -> а-п */
            s[1] = (unsigned char)(s[1] + 0x20), s++;
        else if (s[0] == 0xd0 && s[1] >= 0xa0 && s[1] <= 0xaf) /* Р-Я -> р-я (d1 80..8f) */
            s[0] = 0xd1, s[1] = (unsigned char)(s[1] - 0x20), s++;
        else if (s[0] == 0xd0 && s[1] == 0x81) /* Ё -> ё */
            s[0] = 0xd1, s[1] = 0x91, s++;
    }
}

static inline bool rt_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The trigram hash embedding of text into v[RT_DIMS]. */
static inline void rt_embed_text(const char *text, float *v)
{
    unsigned char *s = (unsigned char *)xstrdup(text);
    memset(v, 0, RT_DIMS * sizeof *v);
    rt_lower(s);
    for (unsigned char *p = s; *p;) {
        if (!rt_word_byte(*p)) {
            p++;
            continue;
        }
        unsigned char *w = p;
        while (*p && rt_word_byte(*p))
            p++;
        /* " word " split into code points; trigrams of code points */
        uint32_t cps[130];
        size_t n = 0;
        cps[n++] = ' ';
        for (unsigned char *q = w; q < p && n < 128;) {
            size_t len = *q < 0x80 ? 1 : *q < 0xe0 ? 2 : *q < 0xf0 ? 3 : 4;
            uint32_t cp = 0;
            for (size_t i = 0; i < len && q + i < p; i++)
                cp = cp << 8 | q[i];
            cps[n++] = cp;
            q += len;
        }
        cps[n++] = ' ';
        for (size_t i = 0; i + 3 <= n; i++) {
            uint32_t h = 2166136261u;
            for (size_t j = 0; j < 3; j++)
                h = (h ^ cps[i + j]) * 16777619u;
            v[h % RT_DIMS] += (h >> 16) & 1 ? 1.0f : -1.0f;
        }
    }
    double norm = 0;
    for (int i = 0; i < RT_DIMS; i++)
        norm += (double)v[i] * v[i];
    for (int i = 0; i < RT_DIMS && norm > 0; i++)
        v[i] = (float)(v[i] / sqrt(norm));
    free(s);
}

static inline status_t rt_fake_embed(void *svc, bus_req_t *req)
{
    (void)svc;
    Embed__EmbedRequest *in = NULL;
    Embed__EmbedReply out = EMBED__EMBED_REPLY__INIT;
    status_t st;
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        return st;
    Embed__Vector *vs = xcalloc(in->n_texts + 1, sizeof *vs);
    Embed__Vector **vp = xcalloc(in->n_texts + 1, sizeof *vp);
    float *vals = xcalloc((in->n_texts + 1) * RT_DIMS, sizeof *vals);
    for (size_t i = 0; i < in->n_texts; i++) {
        embed__vector__init(&vs[i]);
        rt_embed_text(in->texts[i], vals + i * RT_DIMS);
        vs[i].n_values = RT_DIMS;
        vs[i].values = vals + i * RT_DIMS;
        vp[i] = &vs[i];
    }
    out.model = "test-trigram-v1";
    out.has_dims = true;
    out.dims = RT_DIMS;
    out.n_vectors = in->n_texts;
    out.vectors = vp;
    bus_reply(req, ST_OK, &out.base);
    free(vals);
    free(vp);
    free(vs);
    protobuf_c_message_free_unpacked(&in->base, NULL);
    return ST_OK;
}

static inline status_t rt_fake_info(void *svc, bus_req_t *req)
{
    (void)svc;
    Embed__InfoReply out = EMBED__INFO_REPLY__INIT;
    out.model = "test-trigram-v1";
    out.has_dims = true;
    out.dims = RT_DIMS;
    bus_reply(req, ST_OK, &out.base);
    return ST_OK;
}

/* ---- the bus ------------------------------------------------------------------------------------
 */

typedef struct {
    bus_t *bus;  /* calls */
    bus_t *fake; /* the in-process embedder, when it serves */
} rt_t;

static inline void rt_start(rt_t *rt)
{
    memset(rt, 0, sizeof *rt);
    cr_assert_eq(bus_connect("test", harness_env("NATS_URL"), 5000, &rt->bus), ST_OK);
    bus_ctx_t ctx = {.org_id = "00000000-0000-4000-8000-000000000000"};
    Common__Empty e = COMMON__EMPTY__INIT;
    ProtobufCMessage *info = NULL;
    status_t st = bus_call(rt->bus, SUBJ_EMBED_INFO, &ctx, &e.base, &embed__info_reply__descriptor,
                           &info, NULL, 0, 2000);
    if (info)
        protobuf_c_message_free_unpacked(info, NULL);
    if (st == ST_UNAVAILABLE) {
        static const bus_method_t m[] = {{"embed", rt_fake_embed}, {"info", rt_fake_info}};
        cr_assert_eq(bus_connect("embed", harness_env("NATS_URL"), 5000, &rt->fake), ST_OK);
        cr_assert_eq(bus_serve(rt->fake, &embed__embed__descriptor, m, 2, NULL, 2), ST_OK);
    }
}

static inline void rt_stop(rt_t *rt)
{
    bus_free(rt->fake);
    bus_free(rt->bus);
}

/* The passage vectors of texts from whichever embedder serves: *model (heap) and n*dims floats
 * (heap) in *vals. */
static inline void rt_embed(rt_t *rt, const char *org, char *const *texts, size_t n,
                            const char *purpose, char **model, float **vals, int *dims)
{
    Embed__EmbedRequest in = EMBED__EMBED_REQUEST__INIT;
    Embed__EmbedReply *out = NULL;
    bus_ctx_t ctx = {.org_id = org};
    in.n_texts = n;
    in.texts = (char **)texts;
    in.purpose = (char *)purpose;
    cr_assert_eq(bus_call(rt->bus, SUBJ_EMBED_EMBED, &ctx, &in.base,
                          &embed__embed_reply__descriptor, (ProtobufCMessage **)&out, NULL, 0,
                          10000),
                 ST_OK);
    cr_assert_eq(out->n_vectors, n);
    *dims = (int)out->vectors[0]->n_values;
    *vals = xcalloc(n * (size_t)*dims, sizeof **vals);
    for (size_t i = 0; i < n; i++)
        memcpy(*vals + i * (size_t)*dims, out->vectors[i]->values, (size_t)*dims * sizeof **vals);
    *model = xstrdup(out->model);
    protobuf_c_message_free_unpacked(&out->base, NULL);
}

/* A source to put: texts[i] becomes chunk seq first_seq + i. */
typedef struct {
    const char *kind, *source, *category, *title;
    int generation;
    bool last;
    int first_seq;
} rt_put_t;

/* index_put as org; returns the status and (last) the live chunk count in *live. errmsg may be
 * NULL. vecs overrides the embedder (n * dims floats; model then names them). */
static inline status_t rt_put_vectors(rt_t *rt, const char *org, const rt_put_t *p,
                                      char *const *texts, size_t n, const char *model,
                                      const float *vecs, int dims, int *live, char *errmsg,
                                      size_t errlen)
{
    Rag__IndexPutRequest in = RAG__INDEX_PUT_REQUEST__INIT;
    Rag__Chunk *cs = xcalloc(n + 1, sizeof *cs), **cp = xcalloc(n + 1, sizeof *cp);
    Rag__IndexPutReply *out = NULL;
    bus_ctx_t ctx = {.org_id = org};
    for (size_t i = 0; i < n; i++) {
        rag__chunk__init(&cs[i]);
        cs[i].has_seq = true;
        cs[i].seq = p->first_seq + (int)i;
        cs[i].text = texts[i];
        cs[i].heading_path = "";
        cs[i].model = (char *)model;
        cs[i].n_vector = (size_t)dims;
        cs[i].vector = (float *)vecs + i * (size_t)dims;
        cp[i] = &cs[i];
    }
    in.source_kind = (char *)(p->kind ? p->kind : "document");
    in.source_id = (char *)p->source;
    in.category_id = (char *)p->category;
    in.title = (char *)(p->title ? p->title : "doc");
    in.has_generation = true;
    in.generation = p->generation ? p->generation : 1;
    in.has_last = true;
    in.last = p->last;
    in.n_chunks = n;
    in.chunks = cp;
    status_t st =
        bus_call(rt->bus, SUBJ_RAG_INDEX_PUT, &ctx, &in.base, &rag__index_put_reply__descriptor,
                 (ProtobufCMessage **)&out, errmsg, errlen, 20000);
    if (st == ST_OK && live)
        *live = out->chunks;
    if (out)
        protobuf_c_message_free_unpacked(&out->base, NULL);
    free(cp);
    free(cs);
    return st;
}

/* index_put of texts embedded by the embedder; asserts ST_OK; returns the live count (last). */
static inline int rt_put(rt_t *rt, const char *org, const rt_put_t *p, char *const *texts, size_t n)
{
    char *model = NULL, err[256] = "";
    float *vals = NULL;
    int dims = 0, live = -1;
    rt_embed(rt, org, texts, n, "passage", &model, &vals, &dims);
    status_t st = rt_put_vectors(rt, org, p, texts, n, model, vals, dims, &live, err, sizeof err);
    cr_assert_eq(st, ST_OK, "index_put: %s: %s", status_str(st), err);
    free(model);
    free(vals);
    return live;
}

static inline status_t rt_delete(rt_t *rt, const char *org, const char *source)
{
    Rag__IndexDeleteRequest in = RAG__INDEX_DELETE_REQUEST__INIT;
    bus_ctx_t ctx = {.org_id = org};
    in.source_id = (char *)source;
    return bus_call(rt->bus, SUBJ_RAG_INDEX_DELETE, &ctx, &in.base, NULL, NULL, NULL, 0, 20000);
}

/* POST /api/kb/retrieve as p with body; asserts 200; the answer in r (clean it). */
static inline void rt_retrieve(person_t *p, const char *body, httpc_resp_t *r)
{
    call_resp(p, "POST", "/api/kb/retrieve", body, 200, r);
}

/* The text of the first passage of a retrieve answer body ("" when none), heap. */
static inline char *rt_first(person_t *p, const char *body)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    rt_retrieve(p, body, &r);
    const char *t = httpc_resp_str(&r, "items.0.text");
    char *out = xstrdup(t ? t : "");
    httpc_resp_cleanup(&r);
    return out;
}

/* How many passages a retrieve answer holds. */
static inline int rt_count(person_t *p, const char *body)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    rt_retrieve(p, body, &r);
    int n = 0;
    for (;; n++) {
        char path[32];
        snprintf(path, sizeof path, "items.%d.chunk_id", n);
        if (!httpc_resp_str(&r, path))
            break;
    }
    httpc_resp_cleanup(&r);
    return n;
}

#endif
