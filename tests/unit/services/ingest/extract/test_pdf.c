/* test_pdf.c - the PDF reader (services/ingest/extract/pdf.c): text per page with the page
 * number, paragraphs from the layout, a hyphenated word joined, the title; encrypted, corrupt
 * and looping files end with a reason. */
#include "fixture.h"

static status_t read_pdf(const char *name, extract_out_t *out)
{
    size_t len;
    char *data = fixture(name, &len);
    extract_out_init(out, "pdf", NULL);
    status_t st = extract_pdf(data, len, out);
    if (st == ST_OK)
        st = extract_out_finish(out);
    free(data);
    return st;
}

Test(pdf, pages_and_paragraphs)
{
    extract_out_t out;
    cr_assert_eq(read_pdf("sample.pdf", &out), ST_OK);
    cr_assert_eq(out.res.pages, 2);
    cr_assert_str_eq(out.res.title, "Hotel Aurora handbook");
    char *got = blocks_text(&out);
    cr_assert_str_eq(
        got, "paragraph 0 1: Hotel Aurora: price list\n"
             "paragraph 0 1: A double room costs 120 euros per night, breakfast included. "
             "Check-in starts at 14:00 and check-out is until 12:00.\n"
             "paragraph 0 1: Двухместный номер стоит 120 евро за ночь, завтрак включён. "
             "Заезд с 14:00, выезд до 12:00.\n"
             "paragraph 0 2: Parking and pets\n"
             "paragraph 0 2: Guests park for free in the underground garage on level -1.\n"
             "paragraph 0 2: Собаки и кошки проживают бесплатно, если весят меньше 10 кг.\n");
    free(got);
    extract_out_cleanup(&out);
}

Test(pdf, encrypted)
{
    extract_out_t out;
    cr_assert_eq(read_pdf("encrypted.pdf", &out), ST_INVALID);
    cr_assert_eq(out.res.error_status, 422);
    cr_assert_str_eq(out.res.error, "the PDF is password-protected");
    extract_out_cleanup(&out);
}

Test(pdf, corrupt)
{
    extract_out_t out;
    cr_assert_eq(read_pdf("corrupt.pdf", &out), ST_INVALID);
    cr_assert_eq(out.res.error_status, 422);
    cr_assert(strncmp(out.res.error, "the PDF file is damaged (", 25) == 0, "%s", out.res.error);
    extract_out_cleanup(&out);
}

Test(pdf, page_tree_loop_ends)
{
    extract_out_t out;
    cr_assert_eq(read_pdf("pages_loop.pdf", &out), ST_INVALID);
    cr_assert_eq(out.res.error_status, 422);
    cr_assert_not_null(out.res.error);
    extract_out_cleanup(&out);
}

Test(pdf, empty_input)
{
    extract_out_t out;
    extract_out_init(&out, "pdf", NULL);
    cr_assert_eq(extract_pdf("", 0, &out), ST_INVALID);
    cr_assert_eq(out.res.error_status, 422);
    extract_out_cleanup(&out);
}
