/* fuzz_docx.c - libFuzzer target for the extractor's DOCX reader (services/ingest/extract/
 * docx.c: libzip + libxml2's xmlTextReader over strangers' archives). Besides "no crash, no
 * leak, no undefined behaviour": the reader answers either blocks or an error (422), never
 * both, and every block's text is valid UTF-8 without control characters but \n and \t.
 *
 *     make fuzz && build/fuzz/fuzz_docx -max_total_time=60 /tmp/corpus tests/fuzz/corpus/docx
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/check.h"
#include "services/ingest/extract/extract.h"
#include "shared/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    extract_out_t out;
    extract_out_init(&out, "docx", NULL);
    status_t st = extract_docx(data, size, &out);
    CHECK((st == ST_OK) == (out.res.error == NULL));
    CHECK(st == ST_OK || (out.res.n_blocks == 0 && out.res.error_status == 422));
    for (size_t i = 0; i < out.res.n_blocks; i++) {
        const char *t = out.res.blocks[i]->text;
        CHECK(text_utf8_count(t, strlen(t)) > 0);
        CHECK(!text_has_control(t, strlen(t), true));
        CHECK(!strchr(t, '\r'));
    }
    extract_out_cleanup(&out);
    return 0;
}
