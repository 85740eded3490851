/* test_hashembed.c - the offline embedder "hash-ngram-v1" (services/embed/hashembed.c): shape,
 * determinism, normalisation, and what it is for: Russian word forms and typos land nearer than
 * unrelated words, a question scores its answer above an unrelated passage (ru and en).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hashembed_cases.h"
#include "services/embed/hashembed.h"

#define D HASHEMBED_DIMS

static hashembed_t *h;

static void setup(void)
{
    h = hashembed_new(D);
}

static void teardown(void)
{
    hashembed_free(h);
}

static float sim(const char *a, const char *b)
{
    float va[D], vb[D];
    hashembed_text(h, a, strlen(a), va);
    hashembed_text(h, b, strlen(b), vb);
    return hashembed_dot(va, vb, D);
}

/* a is nearer to b than to every one of the unrelated words, by at least margin */
static void nearer(const char *a, const char *b, const char *const *unrelated, size_t n,
                   float margin)
{
    float near = sim(a, b);
    for (size_t i = 0; i < n; i++) {
        float far = sim(a, unrelated[i]);
        cr_expect_gt(near, far + margin, "sim(%s, %s) = %.3f, sim(%s, %s) = %.3f", a, b, near, a,
                     unrelated[i], far);
    }
}

TestSuite(hashembed, .init = setup, .fini = teardown);

Test(hashembed, shape_and_norm)
{
    float v[D], w[D];
    const char *t = "Договор поставки оборудования, invoice #42";
    int words = hashembed_text(h, t, strlen(t), v);
    cr_assert_eq(words, 5);
    double ss = 0;
    for (int i = 0; i < D; i++) {
        cr_assert(isfinite(v[i]));
        ss += (double)v[i] * v[i];
    }
    cr_assert_float_eq(ss, 1.0, 1e-5);
    hashembed_text(h, t, strlen(t), w); /* deterministic */
    cr_assert_eq(memcmp(v, w, sizeof v), 0);
    hashembed_t *other = hashembed_new(D); /* and the same in another instance */
    hashembed_text(other, t, strlen(t), w);
    hashembed_free(other);
    cr_assert_eq(memcmp(v, w, sizeof v), 0);
    cr_assert_eq(hashembed_dims(h), D);
}

Test(hashembed, normalisation)
{
    /* case, NFKC (full-width letters, the "ﬁ" ligature), ё = е: the same vector */
    cr_assert_float_eq(sim("ДОГОВОР Invoice", "договор invoice"), 1.0f, 1e-5);
    cr_assert_float_eq(sim("ｉｎｖｏｉｃｅ", "invoice"), 1.0f, 1e-5);
    cr_assert_float_eq(sim("ﬁle", "file"), 1.0f, 1e-5);
    cr_assert_float_eq(sim("ёлка", "елка"), 1.0f, 1e-5);
    /* punctuation and spacing do not matter, word order barely does */
    cr_assert_float_eq(sim("цена, доставка!", "  цена   доставка "), 1.0f, 1e-5);
}

Test(hashembed, stop_words_weigh_little)
{
    /* a question's function words barely move it from its content words */
    cr_assert_gt(sim("Как мне вернуть товар?", "вернуть товар"), 0.95f);
    cr_assert_gt(sim("How do I return the goods?", "return goods"), 0.95f);
    /* while the content words decide: only the stop words shared is far, the content shared is
     * near */
    cr_assert_lt(sim("как вернуть товар", "как оплатить счёт"), 0.15f);
    cr_assert_gt(sim("как вернуть товар", "товар вернуть можно"), 0.9f);
    /* stop words alone still make a unit vector */
    float v[D];
    cr_assert_eq(hashembed_text(h, "что это и как", strlen("что это и как"), v), 4);
    cr_assert_float_eq(hashembed_dot(v, v, D), 1.0f, 1e-5);
}

Test(hashembed, odd_input)
{
    float v[D];
    /* invalid UTF-8 bytes are skipped */
    cr_assert_eq(hashembed_text(h, "це\xff\xfeна", 8, v), 1);
    cr_assert_float_eq(sim("це\xff\xfeна", "цена"), 1.0f, 1e-5);
    /* nothing but spaces: the zero vector */
    cr_assert_eq(hashembed_text(h, "  \n\t ", 5, v), 0);
    for (int i = 0; i < D; i++)
        cr_assert_eq(v[i], 0.0f);
    /* only punctuation: still a unit vector */
    cr_assert_eq(hashembed_text(h, "?!...", 5, v), 0);
    cr_assert_float_eq(hashembed_dot(v, v, D), 1.0f, 1e-5);
    /* features that cancel exactly ("~" and "wc" land on one dimension with opposite signs and
     * equal weights, found by fuzz_hashembed): still a unit vector */
    hashembed_t *small = hashembed_new(64);
    float s64[64];
    cr_assert_eq(hashembed_text(small, "~wc", 3, s64), 2);
    cr_assert_float_eq(hashembed_dot(s64, s64, 64), 1.0f, 1e-5);
    hashembed_free(small);
    /* symbols (emoji, currency) are words */
    cr_assert_eq(hashembed_text(h, "100 ₽ 👍", strlen("100 ₽ 👍"), v), 3);
    /* a very long word and a long text */
    char big[20000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(hashembed_text(h, big, strlen(big), v), 1);
    cr_assert_float_eq(hashembed_dot(v, v, D), 1.0f, 1e-5);
}

Test(hashembed, russian_word_forms)
{
    static const char *const unrelated[] = {"погода", "собака", "телефон", "зарплата", "окно"};
    nearer("договор", "договора", unrelated, 5, 0.2f);
    nearer("договор", "договором", unrelated, 5, 0.2f);
    nearer("договора", "договорами", unrelated, 5, 0.2f);
    nearer("доставка", "доставки", unrelated, 5, 0.2f);
    static const char *const en_unrelated[] = {"weather", "dog", "phone", "salary", "window"};
    nearer("invoice", "invoices", en_unrelated, 5, 0.2f);
    nearer("delivery", "deliveries", en_unrelated, 5, 0.2f);
}

Test(hashembed, typos)
{
    static const char *const unrelated[] = {"погода", "собака", "телефон", "зарплата", "окно"};
    nearer("цена", "цэна", unrelated, 5, 0.05f);
    nearer("договор", "дагавор", unrelated, 5, 0.05f);
    nearer("доставка", "доставко", unrelated, 5, 0.1f);
    static const char *const en_unrelated[] = {"weather", "dog", "phone", "salary", "window"};
    nearer("invoice", "invoise", en_unrelated, 5, 0.1f);
    nearer("delivery", "delivary", en_unrelated, 5, 0.1f);
    nearer("payment", "paymnet", en_unrelated, 5, 0.05f);
}

Test(hashembed, question_finds_its_answer)
{
    for (size_t i = 0; i < HASHEMBED_N_QA; i++) {
        float good = sim(hashembed_qa[i].q, hashembed_qa[i].answer),
              bad = sim(hashembed_qa[i].q, hashembed_qa[i].other);
        cr_expect_gt(good, bad + 0.1f, "%s: answer %.3f, unrelated %.3f", hashembed_qa[i].q, good,
                     bad);
    }
}
