/* fuzz.h - what the libFuzzer targets of tests/fuzz share: CHECK, an assertion that stays on in
 * every build and aborts, so that libFuzzer reports the input that broke it. */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stdint.h>
#include <stdlib.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
