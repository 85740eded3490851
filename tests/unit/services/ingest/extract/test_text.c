/* test_text.c - plain text and Markdown (services/ingest/extract/text.c, md.c): UTF-8,
 * Windows-1251, KOI8-R and UTF-16 to the same paragraphs with the encoding reported; bytes that
 * do not decode become U+FFFD; Markdown keeps its structure. */
#include "fixture.h"

static const char *const want_txt = "paragraph 0 0: Правила проживания в отеле \"Аврора\".\n"
                                    "paragraph 0 0: Заезд начинается в 14:00, выезд до 12:00.\n"
                                    "Поздний выезд стоит 30 евро.\n"
                                    "paragraph 0 0: Домашние животные весом до 10 кг проживают "
                                    "бесплатно.\n";

static void check_txt(const char *name, const char *enc)
{
    size_t len;
    char *data = fixture(name, &len);
    extract_out_t out;
    extract_out_init(&out, "txt", NULL);
    cr_assert_eq(extract_txt(data, len, &out), ST_OK);
    cr_assert_str_eq(out.res.encoding, enc);
    char *got = blocks_text(&out);
    cr_assert_str_eq(got, want_txt, "%s", name);
    free(got);
    free(data);
    extract_out_cleanup(&out);
}

Test(text, encodings)
{
    check_txt("utf8.txt", "UTF-8");
    check_txt("cp1251.txt", "WINDOWS-1251");
    check_txt("koi8r.txt", "KOI8-R");
    check_txt("utf16.txt", "UTF-16LE");
}

Test(text, utf8_bom_crlf_and_nfc)
{
    /* BOM, CRLF, a decomposed "й" (и + combining breve) and a control character */
    const char in[] = "\xEF\xBB\xBFline one\r\nline\x01 two\r\n\r\n\xD0\xB8\xCC\x86\r\n";
    extract_out_t out;
    extract_out_init(&out, "txt", NULL);
    cr_assert_eq(extract_txt(in, sizeof in - 1, &out), ST_OK);
    cr_assert_str_eq(out.res.encoding, "UTF-8");
    char *got = blocks_text(&out);
    cr_assert_str_eq(got, "paragraph 0 0: line one\nline two\nparagraph 0 0: \xD0\xB9\n");
    free(got);
    extract_out_cleanup(&out);
}

Test(text, undecodable_bytes_replaced)
{
    /* UTF-16LE with a BOM and a lone surrogate */
    const char in[] = "\xFF\xFE"
                      "a\0\x00\xD8"
                      "b\0";
    extract_out_t out;
    extract_out_init(&out, "txt", NULL);
    cr_assert_eq(extract_txt(in, sizeof in - 1, &out), ST_OK);
    cr_assert_eq(out.res.n_blocks, 1);
    cr_assert_not_null(strstr(out.res.blocks[0]->text, "\xEF\xBF\xBD"), "%s",
                       out.res.blocks[0]->text);
    cr_assert_eq(out.res.blocks[0]->text[0], 'a');
    extract_out_cleanup(&out);
}

Test(text, markdown)
{
    size_t len;
    char *data = fixture("sample.md", &len);
    extract_out_t out;
    extract_out_init(&out, "md", NULL);
    cr_assert_eq(extract_md(data, len, &out), ST_OK);
    cr_assert_str_eq(out.res.title, "Hotel Aurora");
    char *got = blocks_text(&out);
    cr_assert_str_eq(got, "heading 1 0: Hotel Aurora\n"
                          "heading 2 0: Prices\n"
                          "paragraph 0 0: A double room costs 120 euros per night (details).\n"
                          "table_row 0 0: Room | Price\n"
                          "table_row 0 0: Single | 90\n"
                          "table_row 0 0: Double | 120\n"
                          "heading 2 0: Правила\n"
                          "list_item 1 0: Заезд с 14:00\n"
                          "list_item 2 0: ранний заезд по запросу\n"
                          "list_item 1 0: Выезд до 12:00\n");
    free(got);
    free(data);
    extract_out_cleanup(&out);
}

Test(text, empty_has_no_text)
{
    extract_out_t out;
    extract_out_init(&out, "txt", NULL);
    cr_assert_eq(extract_txt("\n \n\t\n", 5, &out), ST_OK);
    cr_assert_eq(extract_out_finish(&out), ST_INVALID);
    cr_assert_str_eq(out.res.error, "the file has no text that can be read");
    extract_out_cleanup(&out);
}
