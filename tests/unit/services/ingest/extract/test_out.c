/* test_out.c - the extractor's result (services/ingest/extract/out.c): clean text, limits, the
 * error replacing the blocks, and the length-prefixed packing. */
#include "fixture.h"

Test(out, clean_text)
{
    size_t n;
    char *s = extract_clean_text("a\x00"
                                 "b\x7F\xC2\x85"
                                 "c\r\nd\re\f\xFF\t",
                                 15, &n);
    cr_assert_str_eq(s, "abc\nd\ne\n\xEF\xBF\xBD\t");
    cr_assert_eq(n, strlen(s));
    free(s);
    s = extract_clean_text("", 0, &n);
    cr_assert_str_eq(s, "");
    free(s);
}

Test(out, blocks_fail_and_pack)
{
    extract_out_t out;
    extract_out_init(&out, "txt", "text/plain");
    cr_assert_eq(extract_out_block(&out, CHUNK_HEADING, 2, "  Title \n", 9, 3), ST_OK);
    cr_assert_eq(extract_out_block(&out, CHUNK_PARAGRAPH, 0, " \n\t ", 4, 0), ST_OK); /* skipped */
    cr_assert_eq(out.res.n_blocks, 1);
    cr_assert_str_eq(out.res.blocks[0]->text, "Title");
    cr_assert_str_eq(out.res.blocks[0]->kind, "heading");
    cr_assert_eq(out.res.blocks[0]->page, 3);

    unsigned char *buf;
    size_t len;
    extract_out_pack(&out, &buf, &len);
    size_t n = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
    cr_assert_eq(n + 4, len);
    Ingest__ExtractResult *r = ingest__extract_result__unpack(NULL, n, buf + 4);
    cr_assert_not_null(r);
    cr_assert_str_eq(r->blocks[0]->text, "Title");
    cr_assert_str_eq(r->mime_type, "text/plain");
    ingest__extract_result__free_unpacked(r, NULL);
    free(buf);

    cr_assert_eq(extract_out_fail(&out, 422, "broken %d", 7), ST_INVALID);
    cr_assert_eq(out.res.n_blocks, 0);
    cr_assert_str_eq(out.res.error, "broken 7");
    cr_assert_eq(out.res.error_status, 422);
    extract_out_cleanup(&out);
    extract_out_cleanup(NULL);
}

Test(out, too_many_blocks)
{
    extract_out_t out;
    extract_out_init(&out, "txt", NULL);
    status_t st = ST_OK;
    size_t i;
    for (i = 0; i <= EXTRACT_MAX_BLOCKS && st == ST_OK; i++)
        st = extract_out_block(&out, CHUNK_PARAGRAPH, 0, "x", 1, 0);
    cr_assert_eq(st, ST_INVALID);
    cr_assert_eq(i, EXTRACT_MAX_BLOCKS + 1);
    cr_assert_eq(out.res.n_blocks, 0);
    cr_assert_eq(out.res.error_status, 422);
    extract_out_cleanup(&out);
}
