/* fuzz_hashembed.c - libFuzzer target for the offline embedder's reading of text
 * (services/embed/hashembed.c): any bytes a caller sends, valid UTF-8 or not.
 *
 * Besides "no crash, no leak, no undefined behaviour" it checks what callers rely on: every
 * value is finite, the vector has unit length (or is all zero with no words), and the same
 * bytes give the same vector twice in a row (nothing leaks from one text into the next).
 *
 *     make fuzz && build/fuzz/fuzz_hashembed -max_total_time=60 /tmp/corpus
 * tests/fuzz/corpus/hashembed
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/embed/hashembed.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#define DIMS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static hashembed_t *h;
    float a[DIMS], b[DIMS];
    double ss = 0;

    if (!h)
        h = hashembed_new(DIMS); /* kept across inputs, as a request keeps it across texts */
    int words = hashembed_text(h, (const char *)data, size, a);
    CHECK(words >= 0 && (size_t)words <= size);
    for (int i = 0; i < DIMS; i++) {
        CHECK(isfinite(a[i]));
        ss += (double)a[i] * a[i];
    }
    CHECK(fabs(ss - 1.0) < 1e-4 || (ss == 0 && words == 0));
    CHECK(hashembed_text(h, (const char *)data, size, b) == words);
    CHECK(memcmp(a, b, sizeof a) == 0);
    return 0;
}
