/* fuzz_chunk.c - libFuzzer target for Markdown parsing and chunking (libshared/src/markdown.c,
 * libshared/src/chunk.c): rag's articles and ingest's .md files come from users.
 *
 * The first byte picks small chunk options (so cuts, overlap and the max are all exercised on
 * short inputs), the rest is Markdown. Besides "no crash, no leak, no undefined behaviour" it
 * checks what the callers rely on: every block and chunk is valid UTF-8, every chunk is
 * non-empty, within `max` code points, free of control characters but \n and \t, numbered in
 * order, and its `chars` is its code point count. The same bytes as plain paragraphs (any
 * bytes, not Markdown) must hold to the same rules.
 *
 *     make fuzz && build/fuzz/fuzz_chunk -max_total_time=60 /tmp/corpus tests/fuzz/corpus/chunk
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/check.h"
#include "shared/chunk.h"
#include "shared/markdown.h"
#include "shared/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_chunks(const chunk_list_t *l, const chunk_opts_t *o)
{
    for (size_t i = 0; i < l->n; i++) {
        const chunk_t *k = &l->items[i];
        size_t len = strlen(k->text);
        long cps = text_utf8_count(k->text, len);
        CHECK(cps >= 1);
        CHECK((size_t)cps == k->chars);
        CHECK(k->chars <= (o->max < 1 ? 1 : o->max));
        CHECK(!text_has_control(k->text, len, true));
        CHECK(!strchr(k->text, '\r'));
        CHECK(k->seq == (int)i);
        CHECK(text_utf8_count(k->heading_path, strlen(k->heading_path)) >= 0);
        CHECK(!text_has_control(k->heading_path, strlen(k->heading_path), false));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const char *md = (const char *)data + 1;
    size_t len = size - 1;
    chunk_opts_t o = chunk_opts_default();
    if (sel & 1) {
        o.target = 1 + (sel >> 2) % 40;
        o.max = o.target + (sel >> 4) % 20;
        o.overlap = (sel >> 1) % 16;
    }
    o.split_pages = sel & 2;

    markdown_blocks_t b;
    markdown_blocks(md, len, &b);
    for (size_t i = 0; i < b.n; i++) {
        CHECK(b.items[i].text && strlen(b.items[i].text) == b.items[i].len);
        CHECK(text_utf8_count(b.items[i].text, b.items[i].len) >= 0);
    }
    chunk_list_t l;
    chunk_blocks(b.items, b.n, &o, &l);
    check_chunks(&l, &o);
    chunk_list_free(&l);
    markdown_blocks_free(&b);

    /* raw bytes: lines as blocks of every kind, pages rising */
    size_t nb = 0, start = 0;
    chunk_block_t raw[64];
    for (size_t i = 0; i <= len && nb < 64; i++) {
        if (i < len && md[i] != '\n')
            continue;
        raw[nb] = (chunk_block_t){.kind = (chunk_kind_t)(nb % 5),
                                  .level = (int)(nb % 9) - 1,
                                  .text = md + start,
                                  .len = i - start,
                                  .page = (int)(nb / 4)};
        nb++;
        start = i + 1;
    }
    chunk_blocks(raw, nb, &o, &l);
    check_chunks(&l, &o);
    chunk_list_free(&l);
    return 0;
}
