/* test_embed_offline.c - svc.embed.embed and svc.embed.info with the stack's embed service, which
 * runs the offline embedder: shape, determinism, order, clipping, limits, the Org-Id rule.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "embed_helpers.h"
#include "tests/support/harness.h"

static bus_t *bus;

static void setup(void)
{
    cr_assert_eq(bus_connect("test-embed", harness_env("NATS_URL"), 10000, &bus), ST_OK);
}

static void teardown(void)
{
    bus_free(bus);
}

TestSuite(embed_offline, .init = setup, .fini = teardown, .timeout = 60);

Test(embed_offline, info_names_the_offline_model)
{
    Embed__InfoReply *info = NULL;
    cr_assert_eq(embed_info(bus, &info), ST_OK);
    cr_assert_str_eq(info->model, "hash-ngram-v1");
    cr_assert_eq(info->dims, 512);
    cr_assert(info->offline);
    protobuf_c_message_free_unpacked(&info->base, NULL);
}

Test(embed_offline, vectors_in_order_normalised_and_deterministic)
{
    const char *texts[] = {"Сколько стоит доставка?", "invoice", "Стоимость доставки 300 рублей",
                           "погода"};
    Embed__EmbedReply *a = NULL, *b = NULL;
    char err[256];
    cr_assert_eq(embed_call(bus, TEST_ORG, texts, 4, "passage", &a, err, sizeof err), ST_OK, "%s",
                 err);
    cr_assert_str_eq(a->model, "hash-ngram-v1");
    cr_assert_eq(a->dims, 512);
    cr_assert_eq(a->n_vectors, 4);
    cr_assert_eq(a->n_clipped, 0);
    cr_assert_eq(a->cached, 0);
    cr_assert_eq(a->prompt_tokens, 3 + 1 + 4 + 1); /* words, offline */
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(a->vectors[i]->n_values, 512);
        cr_assert_float_eq(vec_norm(a->vectors[i]), 1.0, 1e-4);
    }
    /* the question is nearer its answer than the unrelated word: the order is kept */
    cr_assert_gt(vec_dot(a->vectors[0], a->vectors[2]), vec_dot(a->vectors[0], a->vectors[3]));
    /* the same texts in another order, as a query, from another organisation: the same vectors */
    const char *swapped[] = {"погода", "Стоимость доставки 300 рублей", "invoice",
                             "Сколько стоит доставка?"};
    cr_assert_eq(embed_call(bus, TEST_ORG_2, swapped, 4, "query", &b, err, sizeof err), ST_OK);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(memcmp(a->vectors[i]->values, b->vectors[3 - i]->values, 512 * sizeof(float)),
                     0, "text %zu", i);
    protobuf_c_message_free_unpacked(&a->base, NULL);
    protobuf_c_message_free_unpacked(&b->base, NULL);
}

Test(embed_offline, long_texts_are_clipped_at_a_character_boundary)
{
    size_t n = 40000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2)
        memcpy(big + i, "ж", 2); /* 2 bytes each: 32768 is a boundary, clip there */
    big[n] = '\0';
    char *odd = malloc(n + 2);
    odd[0] = 'a'; /* shifted by one: 32768 falls inside a character */
    memcpy(odd + 1, big, n + 1);
    const char *texts[] = {"short", big, odd};
    Embed__EmbedReply *r = NULL;
    char err[256];
    cr_assert_eq(embed_call(bus, TEST_ORG, texts, 3, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->n_clipped, 2);
    cr_assert_eq(r->clipped[0], 1);
    cr_assert_eq(r->clipped[1], 2);
    cr_assert_float_eq(vec_norm(r->vectors[2]), 1.0, 1e-4);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    free(big);
    free(odd);
}

Test(embed_offline, limits)
{
    const char *texts[257];
    Embed__EmbedReply *r = NULL;
    char err[256];
    for (size_t i = 0; i < 257; i++)
        texts[i] = "text";
    cr_assert_eq(embed_call(bus, TEST_ORG, texts, 257, NULL, &r, err, sizeof err), ST_INVALID);
    cr_assert_str_eq(err, "texts: at most 256 texts per request");
    cr_assert_eq(embed_call(bus, TEST_ORG, texts, 256, NULL, &r, err, sizeof err), ST_OK, "%s",
                 err);
    cr_assert_eq(r->n_vectors, 256);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    cr_assert_eq(embed_call(bus, TEST_ORG, texts, 0, NULL, &r, err, sizeof err), ST_INVALID);
    cr_assert_str_eq(err, "texts: at least one text is required");

    const char *empty[] = {"fine", ""};
    cr_assert_eq(embed_call(bus, TEST_ORG, empty, 2, NULL, &r, err, sizeof err), ST_INVALID);
    cr_assert_str_eq(err, "texts[1]: must not be empty");
    const char *blank[] = {" \n\t\xc2\xa0\xe2\x80\x8b"}; /* spaces, NBSP, zero-width space */
    cr_assert_eq(embed_call(bus, TEST_ORG, blank, 1, NULL, &r, err, sizeof err), ST_INVALID);
    cr_assert_str_eq(err, "texts[0]: must not be empty");
    const char *bad[] = {"ok", "ok", "\xff\xfe"};
    cr_assert_eq(embed_call(bus, TEST_ORG, bad, 3, NULL, &r, err, sizeof err), ST_INVALID);
    cr_assert_str_eq(err, "texts[2]: must be valid UTF-8");
    const char *one[] = {"text"};
    cr_assert_eq(embed_call(bus, TEST_ORG, one, 1, "document", &r, err, sizeof err), ST_INVALID);
    cr_assert_str_eq(err, "purpose: must be \"query\" or \"passage\"");
}

Test(embed_offline, org_id_is_required)
{
    const char *one[] = {"text"};
    Embed__EmbedReply *r = NULL;
    char err[256];
    cr_assert_eq(embed_call(bus, NULL, one, 1, NULL, &r, err, sizeof err), ST_UNAUTHORIZED);
    cr_assert_str_eq(err, "not signed in");
    cr_assert_eq(embed_call(bus, "not-a-uuid", one, 1, NULL, &r, err, sizeof err), ST_UNAUTHORIZED);
}
