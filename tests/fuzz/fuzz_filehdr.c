/* fuzz_filehdr.c - libFuzzer target for the edge's file-answer headers
 * (services/edge/filehdr.c). The input is an If-None-Match value, a NUL, an entity tag, a NUL and
 * a file name (what the client and the stored document say). Besides "no crash, no undefined
 * behaviour" it checks that the Content-Disposition written is one header value (visible ASCII
 * and spaces only, so no header can be injected) and that a tag the edge would send matches an
 * If-None-Match made of exactly that tag.
 *
 *     make fuzz && build/fuzz/fuzz_filehdr -max_total_time=60 /tmp/corpus tests/fuzz/corpus/filehdr
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/edge/filehdr.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 3);
    memcpy(in, data, size);
    in[size] = in[size + 1] = in[size + 2] = '\0';
    const char *inm = in, *etag = inm + strlen(inm) + 1;
    if (etag > in + size)
        etag = in + size;
    const char *name = etag + strlen(etag) + 1;
    if (name > in + size)
        name = in + size;

    (void)filehdr_etag_matches(inm, etag);
    if (filehdr_etag_ok(etag)) {
        size_t n = strlen(etag);
        char *quoted = malloc(n + 3);
        quoted[0] = '"';
        memcpy(quoted + 1, etag, n);
        quoted[n + 1] = '"';
        quoted[n + 2] = '\0';
        CHECK(filehdr_etag_matches(quoted, etag));
        free(quoted);
    }
    buf_t b = BUF_INIT;
    filehdr_disposition(name, &b);
    for (size_t i = 0; i < b.len; i++)
        CHECK(b.data[i] >= 0x20 && b.data[i] < 0x7f);
    buf_cleanup(&b);
    free(in);
    return 0;
}
