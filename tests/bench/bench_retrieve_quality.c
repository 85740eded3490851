/* bench_retrieve_quality.c - how well retrieval ranks, on the corpus in tests/bench/retrieval/
 * (64 passages of a small shop's knowledge base and 70 questions, Russian and English, each
 * naming the passage it must find). Every passage is put as one chunk of its own document
 * through svc.rag.index_put with vectors of the embed service; every question is asked through
 * the edge (POST /api/kb/retrieve) in fulltext, vector and hybrid mode. Prints hit@1, hit@5
 * and MRR (over the first 10) per mode, and the two fusions compared on the same candidates:
 * reciprocal rank fusion (what hybrid uses) and a weighted blend of the scores (fuse.h).
 * Usage (inside the stack, `make bench`): bench_retrieve_quality [corpus dir].
 */
#include "tests/bench/retrieval/bench_rt.h"

#define K 10

typedef struct {
    char id[64];
    char *text;
    char chunk[37];
} passage_t;

typedef struct {
    char target[64];
    char *q;
} question_t;

static passage_t P[256];
static size_t np;
static question_t Q[512];
static size_t nq;

static char *read_file(const char *dir, const char *name)
{
    char path[1024];
    buf_t b = BUF_INIT;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        rt_die("cannot read", path);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    buf_putc(&b, '\0');
    return b.data;
}

static void load(const char *dir)
{
    char *md = read_file(dir, "passages.md"), *tsv = read_file(dir, "questions.tsv");
    for (char *line = strtok(md, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "## ", 3) == 0 && np < 256)
            snprintf(P[np++].id, sizeof P[0].id, "%s", line + 3);
        else if (np && line[0] && line[0] != '<' && !P[np - 1].text)
            P[np - 1].text = xstrdup(line);
    }
    for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || !tab || nq >= 512)
            continue;
        *tab = '\0';
        snprintf(Q[nq].target, sizeof Q[0].target, "%s", line);
        Q[nq++].q = xstrdup(tab + 1);
    }
    free(md);
    free(tsv);
}

/* 1-based rank of the question's passage among the first K ids, 0 when absent. */
static int rank_of(const question_t *q, const char *(*id_at)(const void *, size_t),
                   const void *list, size_t n)
{
    for (size_t i = 0; i < n && i < K; i++)
        for (size_t p = 0; p < np; p++)
            if (strcmp(P[p].chunk, id_at(list, i)) == 0 && strcmp(P[p].id, q->target) == 0)
                return (int)i + 1;
    return 0;
}

static const char *hit_id(const void *l, size_t i)
{
    return ((const rag_hit_t *)l)[i].id;
}

static const char *cand_id(const void *l, size_t i)
{
    return ((const rag_cand_t *)l)[i].id;
}

/* The id of the one live chunk of source (svc.rag.list_chunks). */
static void chunk_of(bus_t *bus, const char *org, const char *source, char out[37])
{
    Rag__ListChunksRequest in = RAG__LIST_CHUNKS_REQUEST__INIT;
    Rag__ChunkList *l = NULL;
    bus_ctx_t ctx = {.org_id = org};
    in.source_id = (char *)source;
    if (bus_call(bus, SUBJ_RAG_LIST_CHUNKS, &ctx, &in.base, &rag__chunk_list__descriptor,
                 (ProtobufCMessage **)&l, NULL, 0, 5000) ||
        l->n_items != 1)
        rt_die("svc.rag.list_chunks", source);
    snprintf(out, 37, "%s", l->items[0]->id);
    protobuf_c_message_free_unpacked(&l->base, NULL);
}

typedef struct {
    const char *name;
    int hit1, hit5;
    double mrr;
} score_t;

static void count(score_t *s, int rank)
{
    s->hit1 += rank == 1;
    s->hit5 += rank >= 1 && rank <= 5;
    s->mrr += rank ? 1.0 / rank : 0;
}

static void print(const score_t *s)
{
    printf("  %-28s hit@1 %5.1f%%  hit@5 %5.1f%%  MRR %.3f\n", s->name, 100.0 * s->hit1 / nq,
           100.0 * s->hit5 / nq, s->mrr / nq);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/bench/retrieval";
    char *org = NULL, *model = NULL;
    bus_t *bus = NULL;
    float *vals = NULL;
    size_t cap = 0;
    int dims = 0;

    load(dir);
    if (np < 2 || nq < 2)
        rt_die("corpus", dir);
    httpc_t *c = rt_sign_up("quality", &org);
    if (bus_connect("bench", harness_env("NATS_URL"), 5000, &bus))
        rt_die("bus", harness_env("NATS_URL"));
    for (size_t i = 0; i < np; i++) { /* one document a passage */
        char source[37];
        uuid_new(source);
        rt_embed(bus, org, &P[i].text, 1, "passage", &vals, &cap, &dims, &model);
        rt_put(bus, org, source, "FAQ", &P[i].text, 1, 0, model, vals, dims, true);
        chunk_of(bus, org, source, P[i].chunk);
    }

    score_t ft = {"fulltext"}, vec = {"vector"}, hyb = {"hybrid (the service)"},
            rrf = {"fusion: reciprocal rank"}, blend = {"fusion: weighted blend"};
    for (size_t i = 0; i < nq; i++) {
        size_t nf = 0, nv = 0, nh = 0, nc = 0;
        rag_hit_t *f = rt_retrieve(c, Q[i].q, "fulltext", 50, "fulltext_rank", &nf, NULL);
        rag_hit_t *v = rt_retrieve(c, Q[i].q, "vector", 50, "vector_score", &nv, NULL);
        rag_hit_t *h = rt_retrieve(c, Q[i].q, "hybrid", K, "score", &nh, NULL);
        count(&ft, rank_of(&Q[i], hit_id, f, nf));
        count(&vec, rank_of(&Q[i], hit_id, v, nv));
        count(&hyb, rank_of(&Q[i], hit_id, h, nh));
        rag_cand_t *cands = NULL;
        rag_fuse(f, nf, true, v, nv, true, RAG_FUSE_RRF, 0, &cands, &nc);
        count(&rrf, rank_of(&Q[i], cand_id, cands, nc));
        free(cands);
        rag_fuse(f, nf, true, v, nv, true, RAG_FUSE_BLEND, 0, &cands, &nc);
        count(&blend, rank_of(&Q[i], cand_id, cands, nc));
        free(cands);
        free(f);
        free(v);
        free(h);
    }
    printf("bench_retrieve_quality: %zu passages, %zu questions (ru + en), model %s (%d dims)\n",
           np, nq, model, dims);
    print(&ft);
    print(&vec);
    print(&hyb);
    print(&rrf);
    print(&blend);

    for (size_t i = 0; i < np; i++)
        free(P[i].text);
    for (size_t i = 0; i < nq; i++)
        free(Q[i].q);
    free(vals);
    free(model);
    free(org);
    httpc_free(c);
    bus_free(bus);
    return 0;
}
