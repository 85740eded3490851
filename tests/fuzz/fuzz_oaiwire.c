/* fuzz_oaiwire.c - libFuzzer target for the embed service's reading of a provider's answer
 * (services/embed/oaiwire.c): whatever an OpenAI-compatible endpoint sends back.
 *
 * The first byte picks how many texts were asked for (0-7) and the second the dimensions
 * required (0: any); the rest is the answer body. Besides "no crash, no leak, no undefined
 * behaviour" it checks what the service relies on: an accepted answer has exactly one vector
 * per text, of the required length, finite and of unit length; an error message is printable
 * and within its buffer; redaction never leaves the key.
 *
 *     make fuzz && build/fuzz/fuzz_oaiwire -max_total_time=60 /tmp/corpus tests/fuzz/corpus/oaiwire
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/embed/oaiwire.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t n = data[0] % 8;
    int want = data[1] % 4 == 0 ? 0 : data[1] % 4 + 1; /* 0, 2, 3, 4 */
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    float *v = NULL;
    int dims = -1, tokens = -1;
    char why[160];

    if (oaiwire_parse(body, len, n, want, &v, &dims, &tokens, why, sizeof why) == ST_OK) {
        CHECK(n > 0 && dims > 0 && dims <= OAIWIRE_MAX_DIMS && tokens >= 0);
        CHECK(want == 0 || dims == want);
        for (size_t i = 0; i < n; i++) {
            double ss = 0;
            for (int j = 0; j < dims; j++) {
                CHECK(isfinite(v[i * (size_t)dims + (size_t)j]));
                ss += (double)v[i * (size_t)dims + (size_t)j] * v[i * (size_t)dims + (size_t)j];
            }
            CHECK(fabs(ss - 1.0) < 1e-3);
        }
        free(v);
    } else {
        CHECK(v == NULL && memchr(why, '\0', sizeof why));
    }

    char msg[64];
    oaiwire_error_message(body, len, msg, sizeof msg);
    CHECK(strlen(msg) < sizeof msg);
    for (const char *p = msg; *p; p++)
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
    static const char key[] = "sk-fuzzkey-123456";
    oaiwire_redact(msg, sizeof msg, key);
    CHECK(strlen(msg) < sizeof msg && !strstr(msg, "fuzzke") && !strstr(msg, "123456"));
    return 0;
}
