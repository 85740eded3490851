/* fuzz_textdecode.c - libFuzzer target for the extractor's text decoding (services/ingest/
 * extract/text.c: byte order marks, libuchardet's guess, iconv) and its TXT and Markdown
 * readers. Besides "no crash, no leak, no undefined behaviour": any bytes decode to valid UTF-8
 * (what does not convert becomes U+FFFD), an encoding is always named, and every block is clean.
 *
 *     make fuzz && build/fuzz/fuzz_textdecode -max_total_time=60 /tmp/c
 * tests/fuzz/corpus/textdecode
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/check.h"
#include "services/ingest/extract/extract.h"
#include "shared/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blocks(const extract_out_t *out)
{
    for (size_t i = 0; i < out->res.n_blocks; i++) {
        const char *t = out->res.blocks[i]->text;
        CHECK(text_utf8_count(t, strlen(t)) > 0);
        CHECK(!text_has_control(t, strlen(t), true));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    extract_out_t out;
    extract_decoder_t dec;
    extract_out_init(&out, "txt", NULL);
    if (extract_decoder_open(&dec, data, size, &out) == ST_OK) {
        CHECK(dec.enc[0]);
        char *utf8 = NULL;
        size_t n = 0;
        extract_decoder_run(&dec, data, size, &utf8, &n);
        CHECK(strlen(utf8) <= n);
        CHECK(text_utf8_count(utf8, n) >= 0 || memchr(utf8, '\0', n)); /* NUL is valid input */
        free(utf8);
        if (extract_txt_decoded(&dec, data, size, &out) == ST_OK)
            check_blocks(&out);
        extract_out_cleanup(&out);
        extract_out_init(&out, "md", NULL);
        if (extract_md_decoded(&dec, data, size, &out) == ST_OK)
            check_blocks(&out);
        extract_decoder_close(&dec);
    }
    extract_out_cleanup(&out);
    return 0;
}
