/* test_embed_provider.c - svc.embed.embed on the provider path against the fake OpenAI-compatible
 * server: batches split at EMBED_BATCH with the order kept (the fake may list items in any
 * order), vectors as the provider made them, the cache (hits counted in `cached`, the fake not
 * called again, per organisation), retries after 429 and 500, persistent failures, a bad key and
 * an unknown model as 503 naming the provider's message without the key, EMBED_DIMS, info.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provider_fixture.h"

TestSuite(embed_provider, .timeout = 120);

static const char *const TEN[] = {"Сколько стоит доставка?",
                                  "invoice",
                                  "третий",
                                  "four",
                                  "пятый текст",
                                  "six",
                                  "семь",
                                  "eight",
                                  "девять",
                                  "ten"};

/* Vector i is the fake's vector of text (of dims values). */
static void expect_fake_vector(const Embed__EmbedReply *r, size_t i, const char *text, int dims)
{
    float want[FIX_DIMS];
    fakeembed_vector(text, strlen(text), dims, want);
    cr_assert_lt(i, r->n_vectors);
    cr_assert_eq(r->vectors[i]->n_values, (size_t)dims);
    for (int j = 0; j < dims; j++)
        cr_assert_float_eq(r->vectors[i]->values[j], want[j], 1e-6, "text %zu, value %d", i, j);
}

/* Each vector is the fake's vector of its own text. */
static void expect_fake_vectors(const Embed__EmbedReply *r, const char *const *texts, size_t n,
                                int dims)
{
    cr_assert_eq(r->n_vectors, n);
    for (size_t i = 0; i < n; i++)
        expect_fake_vector(r, i, texts[i], dims);
}

Test(embed_provider, batches_in_order_then_the_cache)
{
    fix_t f;
    fakeembed_opts_t fo = {.reversed = true};
    fix_start(&f, &fo, NULL);
    Embed__EmbedReply *r = NULL;
    fakeembed_stats_t s;
    char err[256];

    cr_assert_eq(embed_call(f.bus, f.org, TEN, 10, "passage", &r, err, sizeof err), ST_OK, "%s",
                 err);
    cr_assert_str_eq(r->model, "text-embedding-3-small");
    cr_assert_eq(r->dims, FIX_DIMS);
    cr_assert_eq(r->cached, 0);
    cr_assert_gt(r->prompt_tokens, 0);
    expect_fake_vectors(r, TEN, 10, FIX_DIMS);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fakeembed_stats(f.fake, &s);
    cr_assert_eq(s.requests, 3, "10 texts in batches of 4: %d requests", s.requests);
    cr_assert_eq(s.max_batch, 4);
    cr_assert_eq(s.inputs, 10);
    cr_assert_eq(fix_cache_rows(&f), 10);

    /* the same texts again: all from the cache, the fake not called */
    cr_assert_eq(embed_call(f.bus, f.org, TEN, 10, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->cached, 10);
    cr_assert_eq(r->prompt_tokens, 0);
    expect_fake_vectors(r, TEN, 10, FIX_DIMS);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fakeembed_stats(f.fake, &s);
    cr_assert_eq(s.requests, 3);

    /* some new, some known: only the new ones go out, the order is kept */
    const char *mix[] = {"новый", TEN[3], "another new", TEN[0], TEN[9]};
    cr_assert_eq(embed_call(f.bus, f.org, mix, 5, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->cached, 3);
    expect_fake_vectors(r, mix, 5, FIX_DIMS);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fakeembed_stats(f.fake, &s);
    cr_assert_eq(s.requests, 4);
    cr_assert_eq(s.inputs, 12);

    /* the same new text twice in one request: both answered, stored once */
    const char *twice[] = {"дважды", "дважды"};
    cr_assert_eq(embed_call(f.bus, f.org, twice, 2, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    expect_fake_vectors(r, twice, 2, FIX_DIMS);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    cr_assert_eq(fix_cache_rows(&f), 13);
    cr_assert_eq(embed_call(f.bus, f.org, twice, 2, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->cached, 2);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    /* another organisation shares nothing */
    char other[37];
    uuid_new(other);
    cr_assert_eq(embed_call(f.bus, other, TEN, 2, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->cached, 0);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fix_stop(&f);
}

/* The replica's /metrics (it serves them on the port the fixture gave it). */
static char *metrics_of(int port)
{
    char url[64], *body = NULL;
    int code = 0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    cr_assert_eq(stack_http("GET", url, NULL, NULL, 5000, &code, &body), ST_OK);
    cr_assert_eq(code, 200);
    return body;
}

Test(embed_provider, retries_after_429_and_500)
{
    fix_t f;
    int hport = harness_free_port();
    char henv[32];
    snprintf(henv, sizeof henv, "HEALTH_PORT=%d", hport);
    const char *env[] = {henv, NULL};
    fix_start(&f, NULL, env);
    Embed__EmbedReply *r = NULL;
    fakeembed_stats_t s;
    char err[256];

    fakeembed_fail_next(f.fake, 2, 429, 0);
    cr_assert_eq(embed_call(f.bus, f.org, TEN, 3, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    expect_fake_vectors(r, TEN, 3, FIX_DIMS);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fakeembed_stats(f.fake, &s);
    cr_assert_eq(s.requests, 3, "two 429s, then the answer: %d", s.requests);
    cr_assert_eq(s.answered, 1);

    fakeembed_reset(f.fake);
    fakeembed_fail_next(f.fake, 1, 500, -1);
    cr_assert_eq(embed_call(f.bus, f.org, TEN + 3, 3, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    expect_fake_vectors(r, TEN + 3, 3, FIX_DIMS);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fakeembed_stats(f.fake, &s);
    cr_assert_eq(s.requests, 2);

    /* 500 every time: 503 after EMBED_MAX_ATTEMPTS (4), naming the provider's answer */
    fakeembed_reset(f.fake);
    fakeembed_fail_next(f.fake, 100, 500, -1);
    cr_assert_eq(embed_call(f.bus, f.org, TEN + 6, 2, NULL, &r, err, sizeof err), ST_UNAVAILABLE);
    cr_assert_str_eq(err, "embedding provider answered 500: The server had an error while "
                          "processing your request. Sorry about that!");
    fakeembed_stats(f.fake, &s);
    cr_assert_eq(s.requests, 4);
    cr_assert_eq(fix_cache_rows(&f), 6, "nothing is cached from a failure");

    /* what happened, in /metrics: three requests answered 200, one 500 after 3 retries; the 429s
     * and the first 500 were retries of requests that ended 200 */
    char *m = metrics_of(hport);
    cr_assert(strstr(m, "embed_provider_requests_total{service=\"embed\",status=\"200\"} 2\n"),
              "%s", m);
    cr_assert(strstr(m, "embed_provider_requests_total{service=\"embed\",status=\"500\"} 1\n"),
              "%s", m);
    cr_assert(strstr(m, "embed_provider_retries_total{service=\"embed\"} 6\n"), "%s", m);
    cr_assert(strstr(m, "embed_texts_total{service=\"embed\",source=\"provider\"} 6\n"), "%s", m);
    free(m);
    fix_stop(&f);
}

Test(embed_provider, a_slow_provider_is_a_timeout)
{
    fix_t f;
    const char *env[] = {"EMBED_TIMEOUT_MS=400", NULL};
    fix_start(&f, NULL, env);
    Embed__EmbedReply *r = NULL;
    char err[256];

    fakeembed_delay_next(f.fake, 1, 1500);
    int64_t t0 = time_mono_us();
    cr_assert_eq(embed_call(f.bus, f.org, TEN, 2, NULL, &r, err, sizeof err), ST_TIMEOUT);
    cr_assert_lt(time_mono_us() - t0, 1400 * 1000, "the deadline was not kept");
    cr_assert_str_eq(err, "embedding provider did not answer in time");
    /* the next request is answered, once the fake (one thread) is done with the slow one */
    usleep(1300 * 1000);
    cr_assert_eq(embed_call(f.bus, f.org, TEN, 2, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fix_stop(&f);
}

Test(embed_provider, a_bad_key_is_503_naming_the_provider_not_the_key)
{
    fix_t f;
    const char *key = "sk-wrongwrong-7f3a9c2e5d";
    const char *env[] = {"EMBED_API_KEY=sk-wrongwrong-7f3a9c2e5d", NULL};
    fix_start(&f, NULL, env);
    Embed__EmbedReply *r = NULL;
    fakeembed_stats_t s;
    char err[256];

    cr_assert_eq(embed_call(f.bus, f.org, TEN, 1, NULL, &r, err, sizeof err), ST_UNAVAILABLE);
    cr_assert(strstr(err, "embedding provider answered 401: Incorrect API key provided: "
                          "[redacted] You can find your API key at"),
              "%s", err);
    cr_assert_null(strstr(err, "7f3a"), "%s", err);
    cr_assert_null(strstr(err, "wrongwrong"), "%s", err);
    fakeembed_stats(f.fake, &s);
    cr_assert_eq(s.requests, 1, "a 401 is not retried");
    /* nor is the key in the replica's log */
    char *path = harness_log_path("embed", f.embed);
    fix_stop(&f);
    FILE *log = fopen(path, "r");
    cr_assert_not_null(log, "%s", path);
    char line[4096];
    int lines = 0;
    while (fgets(line, sizeof line, log) && ++lines)
        cr_assert_null(strstr(line, key + 3), "the key in the log: %s", line);
    fclose(log);
    cr_assert_gt(lines, 0, "the replica logged nothing (not even the provider's 401)");
    free(path);
}

Test(embed_provider, an_unknown_model_is_503_naming_it)
{
    fix_t f;
    const char *env[] = {"EMBED_MODEL=text-embedding-9", NULL};
    fix_start(&f, NULL, env);
    Embed__EmbedReply *r = NULL;
    char err[256];

    cr_assert_eq(embed_call(f.bus, f.org, TEN, 2, NULL, &r, err, sizeof err), ST_UNAVAILABLE);
    cr_assert_str_eq(err, "embedding provider answered 404: The model `text-embedding-9` does "
                          "not exist or you do not have access to it.");
    fix_stop(&f);
}

Test(embed_provider, dims_and_info)
{
    fix_t f;
    const char *env[] = {"EMBED_DIMS=32", NULL};
    fakeembed_opts_t fo = {.unnormalised = true}; /* the service normalises what is not */
    fix_start(&f, &fo, env);
    Embed__InfoReply *info = NULL;
    Embed__EmbedReply *r = NULL;
    char err[256];

    cr_assert_eq(embed_info(f.bus, &info), ST_OK);
    cr_assert_str_eq(info->model, "text-embedding-3-small:32");
    cr_assert_eq(info->dims, 32);
    cr_assert_not(info->offline);
    protobuf_c_message_free_unpacked(&info->base, NULL);

    cr_assert_eq(embed_call(f.bus, f.org, TEN, 5, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_str_eq(r->model, "text-embedding-3-small:32");
    cr_assert_eq(r->dims, 32);
    expect_fake_vectors(r, TEN, 5, 32); /* asked for 32 dimensions: the cut, re-normalised */
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fix_stop(&f);
}

Test(embed_provider, info_dims_known_after_the_first_answer)
{
    fix_t f;
    fix_start(&f, NULL, NULL);
    Embed__InfoReply *info = NULL;
    Embed__EmbedReply *r = NULL;
    char err[256];

    cr_assert_eq(embed_info(f.bus, &info), ST_OK);
    cr_assert_eq(info->dims, 0);
    protobuf_c_message_free_unpacked(&info->base, NULL);
    cr_assert_eq(embed_call(f.bus, f.org, TEN, 1, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    cr_assert_eq(embed_info(f.bus, &info), ST_OK);
    cr_assert_eq(info->dims, FIX_DIMS);
    protobuf_c_message_free_unpacked(&info->base, NULL);
    fix_stop(&f);
}

Test(embed_provider, prefixes_by_purpose_and_a_lower_clip)
{
    fix_t f;
    const char *env[] = {"EMBED_QUERY_PREFIX=query: ", "EMBED_PASSAGE_PREFIX=passage: ",
                         "EMBED_MAX_TEXT_BYTES=300", NULL};
    fix_start(&f, NULL, env);
    Embed__EmbedReply *r = NULL;
    char err[256], long_text[401];

    memset(long_text, 'x', 400);
    long_text[400] = '\0';
    const char *texts[] = {"доставка", long_text};
    cr_assert_eq(embed_call(f.bus, f.org, texts, 2, "query", &r, err, sizeof err), ST_OK, "%s",
                 err);
    cr_assert_eq(r->n_vectors, 2);
    expect_fake_vector(r, 0, "query: доставка", FIX_DIMS); /* with the query prefix */
    cr_assert_eq(r->n_clipped, 1);
    cr_assert_eq(r->clipped[0], 1);
    char clipped[320];
    snprintf(clipped, sizeof clipped, "query: %.300s", long_text);
    expect_fake_vector(r, 1, clipped, FIX_DIMS); /* clipped at 300 bytes, then prefixed */
    protobuf_c_message_free_unpacked(&r->base, NULL);

    /* a passage (the default purpose) is another text to the model, and to the cache */
    cr_assert_eq(embed_call(f.bus, f.org, texts, 1, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->cached, 0);
    const char *p[] = {"passage: доставка"};
    expect_fake_vectors(r, p, 1, FIX_DIMS);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    cr_assert_eq(embed_call(f.bus, f.org, texts, 1, "query", &r, err, sizeof err), ST_OK, "%s",
                 err);
    cr_assert_eq(r->cached, 1);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fix_stop(&f);
}
