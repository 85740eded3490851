/* test_oaiwire.c - the OpenAI embeddings wire format (services/embed/oaiwire.c): the request
 * body, the checks of an answer, error messages and key redaction. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "services/embed/oaiwire.h"

static status_t parse(const char *body, size_t n, int want, float **v, int *dims, char *why)
{
    int tokens = -1;
    return oaiwire_parse(body, strlen(body), n, want, v, dims, &tokens, why, 160);
}

Test(oaiwire, request_body)
{
    const char *texts[] = {"привет \"мир\"", "two"};
    char *s = oaiwire_request("text-embedding-3-small", texts, 2, 256);
    json_t *j = json_loads(s, 0, NULL);
    cr_assert_not_null(j);
    cr_assert_str_eq(json_string_value(json_object_get(j, "model")), "text-embedding-3-small");
    cr_assert_str_eq(json_string_value(json_object_get(j, "encoding_format")), "float");
    cr_assert_eq(json_integer_value(json_object_get(j, "dimensions")), 256);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "input"), 0)), texts[0]);
    json_decref(j);
    free(s);
    s = oaiwire_request("m", texts, 1, 0);
    cr_assert_null(strstr(s, "dimensions"));
    free(s);
}

Test(oaiwire, answer_in_index_order_normalised)
{
    float *v = NULL;
    int dims = 0, tokens = 0;
    char why[160];
    const char *body = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":1,"
                       "\"embedding\":[0,3,4]},{\"object\":\"embedding\",\"index\":0,"
                       "\"embedding\":[1,0,0]}],\"usage\":{\"prompt_tokens\":7}}";
    cr_assert_eq(oaiwire_parse(body, strlen(body), 2, 0, &v, &dims, &tokens, why, sizeof why),
                 ST_OK, "%s", why);
    cr_assert_eq(dims, 3);
    cr_assert_eq(tokens, 7);
    cr_assert_float_eq(v[0], 1.0f, 1e-6); /* index 0 first */
    cr_assert_float_eq(v[4], 0.6f, 1e-6); /* index 1, normalised: (0, 3, 4) / 5 */
    cr_assert_float_eq(v[5], 0.8f, 1e-6);
    free(v);
}

Test(oaiwire, bad_answers)
{
    static const struct {
        const char *body;
        size_t n;
        int want;
        const char *why;
    } cases[] = {
        {"nope", 1, 0, "the answer is not a JSON object"},
        {"{\"object\":\"list\"}", 1, 0, "the answer has no data array"},
        {"{\"data\":[{\"embedding\":[1]}]}", 2, 0, "the answer has 1 embeddings for 2 texts"},
        {"{\"data\":[{\"embedding\":\"AACAPw==\"}]}", 1, 0, "data[0] has no embedding array"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[1]}]}", 2, 0,
         "data[1] has a bad or repeated index"},
        {"{\"data\":[{\"index\":5,\"embedding\":[1]}]}", 1, 0,
         "data[0] has a bad or repeated index"},
        {"{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1]}]}", 2, 0,
         "data[1] has 1 dimensions, not 2"},
        {"{\"data\":[{\"embedding\":[1,2]}]}", 1, 3, "the embeddings have 2 dimensions, not 3"},
        {"{\"data\":[{\"embedding\":[]}]}", 1, 0, "the embeddings have 0 dimensions"},
        {"{\"data\":[{\"embedding\":[1,\"x\"]}]}", 1, 0,
         "data[0] has a value that is not a finite number"},
        {"{\"data\":[{\"embedding\":[1e300]}]}", 1, 0,
         "data[0] has a value that is not a finite number"},
        {"{\"data\":[{\"embedding\":[0,0]}]}", 1, 0, "data[0] is a zero vector"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        float *v = NULL;
        int dims = -1;
        char why[160] = "";
        cr_assert_eq(parse(cases[i].body, cases[i].n, cases[i].want, &v, &dims, why), ST_INVALID,
                     "%s", cases[i].body);
        cr_assert_str_eq(why, cases[i].why, "%s", cases[i].body);
        cr_assert_null(v);
        cr_assert_eq(dims, -1);
    }
}

Test(oaiwire, error_messages)
{
    char m[64];
    const char *e = "{\"error\":{\"message\":\"Bad\\nthing \\u00e9\",\"type\":\"x\"}}";
    oaiwire_error_message(e, strlen(e), m, sizeof m);
    cr_assert_str_eq(m, "Badthing é");
    oaiwire_error_message("{\"error\":\"plain\"}", 17, m, sizeof m);
    cr_assert_str_eq(m, "plain");
    oaiwire_error_message("<html>502</html>", 16, m, sizeof m);
    cr_assert_str_eq(m, "");
    /* cut at a character boundary */
    const char *ru = "{\"error\":{\"message\":\"ошибка\"}}";
    oaiwire_error_message(ru, strlen(ru), m, 6);
    cr_assert_str_eq(m, "ош");
}

Test(oaiwire, redaction)
{
    char m[128] = "Incorrect API key provided: sk-abc***wxyz. See the docs.";
    oaiwire_redact(m, sizeof m, "sk-abcdef-ghijk-wxyz");
    cr_assert_str_eq(m, "Incorrect API key provided: [redacted] See the docs.");
    char k[128] = "key sk-abcdef-ghijk-wxyz is bad, so is abcdef-g";
    oaiwire_redact(k, sizeof k, "sk-abcdef-ghijk-wxyz");
    cr_assert_str_eq(k, "key [redacted] is bad, so is [redacted]");
    char keep[64] = "Rate limit reached, try later";
    oaiwire_redact(keep, sizeof keep, NULL);
    cr_assert_str_eq(keep, "Rate limit reached, try later");
    char small[12] = "a ***";
    oaiwire_redact(small, sizeof small, "");
    cr_assert_str_eq(small, "a [redacted"); /* cut to the buffer */
}
