/* test_docx.c - the DOCX reader (services/ingest/extract/docx.c): headings by style id, by a
 * Russian style name and by outline level, list depth, tables as rows, the title; damaged
 * archives and zip bombs end with a reason. */
#include "fixture.h"

static status_t read_docx(const char *name, extract_out_t *out)
{
    size_t len;
    char *data = fixture(name, &len);
    extract_out_init(out, "docx", NULL);
    status_t st = extract_docx(data, len, out);
    free(data);
    return st;
}

Test(docx, structure)
{
    extract_out_t out;
    cr_assert_eq(read_docx("sample.docx", &out), ST_OK);
    char *got = blocks_text(&out);
    cr_assert_str_eq(got, "heading 1 0: Hotel rules\n"
                          "paragraph 0 0: Check-in is from 14:00.\n"
                          "heading 2 0: Цены\n"
                          "paragraph 0 0: Номер стоит 120 евро за ночь.\n"
                          "heading 3 0: Included\n"
                          "list_item 1 0: Breakfast\n"
                          "list_item 2 0: Continental or full\n"
                          "list_item 1 0: Parking\n"
                          "table_row 0 0: Room | Price\n"
                          "table_row 0 0: Single | 90\n"
                          "table_row 0 0: Double | 120\n"
                          "paragraph 0 0: Pets are welcome.\n");
    cr_assert_str_eq(out.res.title, "Правила отеля");
    free(got);
    extract_out_cleanup(&out);
}

Test(docx, truncated_is_damaged)
{
    extract_out_t out;
    cr_assert_eq(read_docx("truncated.docx", &out), ST_INVALID);
    cr_assert_eq(out.res.error_status, 422);
    cr_assert_str_eq(out.res.error, "the DOCX file is damaged (not a readable zip archive)");
    cr_assert_eq(out.res.n_blocks, 0);
    extract_out_cleanup(&out);
}

Test(docx, zip_bomb_refused_before_inflating)
{
    extract_out_t out;
    cr_assert_eq(read_docx("bomb.docx", &out), ST_INVALID);
    cr_assert_eq(out.res.error_status, 422);
    cr_assert(strncmp(out.res.error, "the file expands to more than ", 30) == 0, "%s",
              out.res.error);
    extract_out_cleanup(&out);
}

/* A zip whose directory says document.xml is 300 MB: refused on the declared size. */
Test(docx, declared_size_over_the_cap)
{
    size_t len;
    unsigned char *data = (unsigned char *)fixture("sample.docx", &len);
    /* central directory entry of word/document.xml: uncompressed size at +24 */
    bool patched = false;
    for (size_t i = 0; i + 46 + 17 <= len; i++)
        if (memcmp(data + i, "PK\1\2", 4) == 0 && data[i + 28] == 17 &&
            memcmp(data + i + 46, "word/document.xml", 17) == 0) {
            uint32_t big = 300u << 20;
            memcpy(data + i + 24, &big, 4); /* little-endian host */
            patched = true;
        }
    cr_assert(patched);
    extract_out_t out;
    extract_out_init(&out, "docx", NULL);
    cr_assert_eq(extract_docx(data, len, &out), ST_INVALID);
    cr_assert_str_eq(out.res.error, "the file expands to more than 256 MB");
    extract_out_cleanup(&out);
    free(data);
}

Test(docx, not_a_zip_and_no_body)
{
    extract_out_t out;
    extract_out_init(&out, "docx", NULL);
    cr_assert_eq(extract_docx("PK\3\4 not really", 16, &out), ST_INVALID);
    cr_assert_eq(out.res.error_status, 422);
    extract_out_cleanup(&out);

    size_t len;
    char *zip = fixture("sample.docx", &len);
    /* rename the entry in both headers: the archive is fine but has no document */
    for (size_t i = 0; i + 17 <= len; i++)
        if (memcmp(zip + i, "word/document.xml", 17) == 0)
            zip[i] = 'x';
    extract_out_init(&out, "docx", NULL);
    cr_assert_eq(extract_docx(zip, len, &out), ST_INVALID);
    cr_assert_str_eq(out.res.error,
                     "the DOCX file has no document text (word/document.xml is missing)");
    extract_out_cleanup(&out);
    free(zip);
}
