/* test_validate_index.c - checks of index_put batches and retrieval modes
 * (services/rag/validate_index.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "services/rag/validate_index.h"

static float V[3] = {0.1f, 0.2f, 0.3f};

static void chunk(Rag__Chunk *c, int seq, const char *text, const char *model, size_t n)
{
    rag__chunk__init(c);
    c->has_seq = true;
    c->seq = seq;
    c->text = (char *)text;
    c->model = (char *)model;
    c->n_vector = n;
    c->vector = V;
}

static bool check(Rag__Chunk **cs, size_t n, char *why)
{
    Rag__IndexPutRequest in = RAG__INDEX_PUT_REQUEST__INIT;
    const char *model = NULL;
    int dims = -1;
    in.source_kind = "document";
    in.has_generation = true;
    in.generation = 1;
    in.n_chunks = n;
    in.chunks = cs;
    why[0] = '\0';
    bool ok = rag_put_check(&in, &model, &dims, why, 160);
    if (ok && n)
        cr_assert(strcmp(model, cs[0]->model) == 0 && dims == (int)cs[0]->n_vector);
    return ok;
}

Test(validate_index, batches)
{
    Rag__Chunk a, b, *cs[] = {&a, &b};
    char why[160];
    chunk(&a, 0, "one", "m", 3);
    chunk(&b, 1, "two", "m", 3);
    cr_assert(check(cs, 2, why), "%s", why);
    cr_assert(check(cs, 0, why), "an empty batch is fine");
    b.n_vector = 2;
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "chunks[1].vector"), "%s", why);
    b.n_vector = 3;
    b.model = "n";
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "chunks[1].model"), "%s", why);
    b.model = "m";
    b.seq = -1;
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "chunks[1].seq"), "%s", why);
    b.seq = 1;
    b.text = "bad\x01text";
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "chunks[1].text"), "%s", why);
    b.text = "\xff\xfe";
    cr_assert_not(check(cs, 2, why));
    b.text = "two";
    b.heading_path = "a\nb";
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "heading_path"), "%s", why);
    b.heading_path = NULL;
    V[1] = NAN;
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "finite"), "%s", why);
    V[1] = 0.2f;
    a.model = "";
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "chunks[0].model"), "%s", why);
    a.model = "m";
    a.n_vector = 0;
    b.n_vector = 0;
    cr_assert_not(check(cs, 2, why));
    cr_assert(strstr(why, "chunks[0].vector"), "%s", why);
}

Test(validate_index, request_fields)
{
    Rag__IndexPutRequest in = RAG__INDEX_PUT_REQUEST__INIT;
    const char *model;
    int dims;
    char why[160];
    cr_assert_not(rag_put_check(&in, &model, &dims, why, sizeof why));
    cr_assert(strstr(why, "source_kind"));
    in.source_kind = "article";
    cr_assert_not(rag_put_check(&in, &model, &dims, why, sizeof why));
    cr_assert(strstr(why, "generation"));
    in.has_generation = true;
    in.generation = 2;
    cr_assert(rag_put_check(&in, &model, &dims, why, sizeof why));
    in.title = "two\nlines";
    cr_assert_not(rag_put_check(&in, &model, &dims, why, sizeof why));
    cr_assert(strstr(why, "title"));
    in.title = "ok";
    in.n_chunks = 257;
    cr_assert_not(rag_put_check(&in, &model, &dims, why, sizeof why));
    cr_assert(strstr(why, "at most 256"));
}

Test(validate_index, modes)
{
    rag_mode_t m;
    cr_assert(rag_mode_parse(NULL, &m) && m == RAG_MODE_HYBRID);
    cr_assert(rag_mode_parse("", &m) && m == RAG_MODE_HYBRID);
    cr_assert(rag_mode_parse("fulltext", &m) && m == RAG_MODE_FULLTEXT);
    cr_assert(rag_mode_parse("vector", &m) && m == RAG_MODE_VECTOR);
    cr_assert_not(rag_mode_parse("Vector", &m));
    cr_assert_str_eq(rag_mode_name(RAG_MODE_VECTOR), "vector");
}
