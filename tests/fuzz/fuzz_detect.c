/* fuzz_detect.c - libFuzzer target for format detection (services/ingest/detect.c: libmagic
 * and the zip entry scan over an upload's first bytes). Besides "no crash, no leak, no undefined
 * behaviour": the answer is one of the formats, the MIME type is a NUL-terminated string, and
 * the name only ever moves text between TXT and MD.
 *
 *     make fuzz && build/fuzz/fuzz_detect -max_total_time=60 /tmp/c tests/fuzz/corpus/detect
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/check.h"
#include "services/ingest/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char mime[64];
    doc_format_t a = detect_format(data, size, "a.md", mime, sizeof mime);
    CHECK(strlen(mime) < sizeof mime);
    doc_format_t b = detect_format(data, size, NULL, NULL, 0);
    CHECK(a >= DOC_UNKNOWN && a <= DOC_MD);
    CHECK(a == b || (a == DOC_MD && b == DOC_TXT));
    return 0;
}
