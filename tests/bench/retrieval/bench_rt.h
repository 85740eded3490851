/* bench_rt.h - shared steps of the retrieval benchmarks (bench_retrieve_*.c), run inside the
 * stack `make bench` starts: a signed-up organisation, vectors from svc.embed.embed, chunks put
 * with svc.rag.index_put as ingest puts them, POST /api/kb/retrieve through the edge, and the
 * ranks of its answers. Header-only; a failed step exits with a message (benchmarks print,
 * they do not assert).
 */
#ifndef TESTS_BENCH_RETRIEVAL_BENCH_RT_H
#define TESTS_BENCH_RETRIEVAL_BENCH_RT_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/embed.pb-c.h"
#include "proto/rag.pb-c.h"
#include "services/rag/fuse.h"
#include "shared/bus.h"
#include "shared/names.h"
#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/httpc.h"

static inline void rt_die(const char *what, const char *detail)
{
    fprintf(stderr, "bench: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

static inline double rt_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A new account with its own organisation: its client (session cookie) and org id (heap). */
static inline httpc_t *rt_sign_up(const char *tag, char **org)
{
    char uuid[37], *body = NULL;
    httpc_t *c = httpc_new(harness_env("EDGE_URL"));
    httpc_resp_t r = HTTPC_RESP_INIT;
    uuid_new(uuid);
    if (asprintf(&body,
                 "{\"email\":\"%s-%.8s@example.com\",\"password\":\"Bench-Passw0rd-2026\","
                 "\"name\":\"Bench\",\"org_name\":\"Bench %s\"}",
                 tag, uuid, tag) < 0)
        abort();
    if (httpc_req(c, "POST", "/api/auth/register", body, NULL, &r) || r.status != 201)
        rt_die("register", r.body.data);
    *org = xstrdup(httpc_resp_str(&r, "organization.id"));
    httpc_resp_cleanup(&r);
    free(body);
    return c;
}

/* Another client with c's session (one client per thread). */
static inline httpc_t *rt_clone(httpc_t *c)
{
    char *sid = httpc_cookie(c, "sid"), *h = NULL;
    httpc_t *d = httpc_new(harness_env("EDGE_URL"));
    if (asprintf(&h, "sid=%s", sid) < 0)
        abort();
    httpc_set_header(d, "Cookie", h);
    free(h);
    free(sid);
    return d;
}

/* Vectors of n texts (n <= 256): n * *dims floats into vals (grown as needed), the model. */
static inline void rt_embed(bus_t *bus, const char *org, char *const *texts, size_t n,
                            const char *purpose, float **vals, size_t *cap, int *dims, char **model)
{
    Embed__EmbedRequest in = EMBED__EMBED_REQUEST__INIT;
    Embed__EmbedReply *out = NULL;
    bus_ctx_t ctx = {.org_id = org};
    char err[256] = "";
    in.n_texts = n;
    in.texts = (char **)texts;
    in.purpose = (char *)purpose;
    if (bus_call(bus, SUBJ_EMBED_EMBED, &ctx, &in.base, &embed__embed_reply__descriptor,
                 (ProtobufCMessage **)&out, err, sizeof err, 30000))
        rt_die("svc.embed.embed", err);
    *dims = (int)out->vectors[0]->n_values;
    if (n * (size_t)*dims > *cap) {
        *cap = n * (size_t)*dims;
        *vals = xrealloc(*vals, *cap * sizeof **vals);
    }
    for (size_t i = 0; i < n; i++)
        memcpy(*vals + i * (size_t)*dims, out->vectors[i]->values, (size_t)*dims * sizeof **vals);
    if (model && !*model)
        *model = xstrdup(out->model);
    protobuf_c_message_free_unpacked(&out->base, NULL);
}

/* index_put of n chunks (texts[i] seq first_seq + i, vectors vals) of source; last says so. */
static inline void rt_put(bus_t *bus, const char *org, const char *source, const char *title,
                          char *const *texts, size_t n, int first_seq, const char *model,
                          const float *vals, int dims, bool last)
{
    Rag__IndexPutRequest in = RAG__INDEX_PUT_REQUEST__INIT;
    Rag__Chunk *cs = xcalloc(n + 1, sizeof *cs), **cp = xcalloc(n + 1, sizeof *cp);
    bus_ctx_t ctx = {.org_id = org};
    char err[256] = "";
    for (size_t i = 0; i < n; i++) {
        rag__chunk__init(&cs[i]);
        cs[i].has_seq = true;
        cs[i].seq = first_seq + (int)i;
        cs[i].text = texts[i];
        cs[i].model = (char *)model;
        cs[i].n_vector = (size_t)dims;
        cs[i].vector = (float *)vals + i * (size_t)dims;
        cp[i] = &cs[i];
    }
    in.source_kind = "document";
    in.source_id = (char *)source;
    in.title = (char *)title;
    in.has_generation = true;
    in.generation = 1;
    in.has_last = true;
    in.last = last;
    in.n_chunks = n;
    in.chunks = cp;
    if (bus_call(bus, SUBJ_RAG_INDEX_PUT, &ctx, &in.base, NULL, NULL, err, sizeof err, 60000))
        rt_die("svc.rag.index_put", err);
    free(cp);
    free(cs);
}

/* POST /api/kb/retrieve {q, mode, k} as c: the passages answered, best first (heap, *n), each
 * with its `field` score (fulltext_rank, vector_score, score), or exits. seconds (may be NULL)
 * gets the request's wall time. */
static inline rag_hit_t *rt_retrieve(httpc_t *c, const char *q, const char *mode, int k,
                                     const char *field, size_t *n, double *seconds)
{
    json_t *body = json_pack("{s:s, s:s, s:i}", "q", q, "mode", mode, "k", k);
    char *text = json_dumps(body, JSON_COMPACT);
    httpc_resp_t r = HTTPC_RESP_INIT;
    double t0 = rt_now();
    if (httpc_req(c, "POST", "/api/kb/retrieve", text, NULL, &r) || r.status != 200)
        rt_die("POST /api/kb/retrieve", r.body.data);
    if (seconds)
        *seconds = rt_now() - t0;
    json_t *items = json_object_get(httpc_resp_json(&r), "items");
    size_t m = json_array_size(items);
    rag_hit_t *hits = xcalloc(m + 1, sizeof *hits);
    for (size_t i = 0; i < m; i++) {
        json_t *it = json_array_get(items, i);
        snprintf(hits[i].id, sizeof hits[i].id, "%s",
                 json_string_value(json_object_get(it, "chunk_id")));
        hits[i].rank = field ? json_number_value(json_object_get(it, field)) : 0;
    }
    *n = m;
    httpc_resp_cleanup(&r);
    free(text);
    json_decref(body);
    return hits;
}

#endif
