/* test_work_blocks.c - the extractor's blocks as the chunker's input, and the text a chunk is
 * embedded by (services/ingest/work_blocks.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "services/ingest/work_int.h"

static Ingest__Block block(const char *kind, int level, const char *text, int page)
{
    Ingest__Block b = INGEST__BLOCK__INIT;
    b.kind = (char *)kind;
    b.text = (char *)text;
    b.has_level = level != 0;
    b.level = level;
    b.has_page = page != 0;
    b.page = page;
    return b;
}

Test(work_blocks, kinds_levels_pages_and_empty_blocks)
{
    Ingest__Block b[] = {
        block("heading", 2, "Prices", 1), block("paragraph", 0, "Ten roubles.", 1),
        block("list_item", 3, "one", 2),  block("table_row", 0, "a | b", 2),
        block("code", 0, "x = 1", 3),     block("hologram", 0, "unknown kind", 3),
        block("paragraph", 0, "", 4),     block(NULL, 0, "no kind", 0),
    };
    Ingest__Block *ptrs[8];
    for (int i = 0; i < 8; i++)
        ptrs[i] = &b[i];
    Ingest__ExtractResult r = INGEST__EXTRACT_RESULT__INIT;
    r.n_blocks = 8;
    r.blocks = ptrs;

    chunk_block_t *out = NULL;
    size_t n = 0;
    work_blocks(&r, &out, &n);
    cr_assert_eq(n, 7, "the empty block is skipped");
    cr_assert_eq(out[0].kind, CHUNK_HEADING);
    cr_assert_eq(out[0].level, 2);
    cr_assert_eq(out[0].page, 1);
    cr_assert_eq(out[1].kind, CHUNK_PARAGRAPH);
    cr_assert_eq(out[1].len, strlen("Ten roubles."));
    cr_assert_eq(out[1].text, b[1].text, "borrowed, not copied");
    cr_assert_eq(out[2].kind, CHUNK_LIST_ITEM);
    cr_assert_eq(out[2].level, 3);
    cr_assert_eq(out[3].kind, CHUNK_TABLE_ROW);
    cr_assert_eq(out[4].kind, CHUNK_CODE);
    cr_assert_eq(out[5].kind, CHUNK_PARAGRAPH, "an unknown kind is a paragraph");
    cr_assert_eq(out[6].kind, CHUNK_PARAGRAPH, "no kind is a paragraph");
    cr_assert_eq(out[6].page, 0);
    free(out);
}

Test(work_blocks, no_blocks)
{
    Ingest__ExtractResult r = INGEST__EXTRACT_RESULT__INIT;
    chunk_block_t *out = (chunk_block_t *)&r;
    size_t n = 99;
    work_blocks(&r, &out, &n);
    cr_assert_null(out);
    cr_assert_eq(n, 0);
}

Test(work_blocks, embed_text_carries_the_heading_path)
{
    chunk_t c = {.text = "Ten roubles.", .heading_path = "Chapter 2 > Prices"};
    char *t = work_embed_text(&c);
    cr_assert_str_eq(t, "Chapter 2 > Prices\nTen roubles.");
    free(t);
    c.heading_path = "";
    t = work_embed_text(&c);
    cr_assert_str_eq(t, "Ten roubles.");
    free(t);
}
