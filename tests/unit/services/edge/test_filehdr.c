/* test_filehdr.c - the headers of file answers: Content-Disposition for ASCII, Cyrillic, quotes
 * and control bytes in names; If-None-Match lists, weak tags and "*"; which etags can be sent. */
#include <criterion/criterion.h>
#include <string.h>

#include "services/edge/edge.h"
#include "services/edge/filehdr.h"
#include "shared/util.h"

edge_t edge; /* the edge's global, defined by main.c in the program (linked, unused here) */

static void expect_disposition(const char *name, const char *want)
{
    buf_t b = BUF_INIT;
    filehdr_disposition(name, &b);
    cr_assert_str_eq(b.data, want);
    buf_cleanup(&b);
}

Test(filehdr, disposition_has_an_ascii_name_and_the_real_one)
{
    expect_disposition("report.pdf", "attachment; filename=\"report.pdf\"; "
                                     "filename*=UTF-8''report.pdf");
    expect_disposition("Отчёт 2024.pdf",
                       "attachment; filename=\"__________ 2024.pdf\"; "
                       "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%202024.pdf");
    expect_disposition("a\"b\\c\r\n;d.txt", "attachment; filename=\"a_b_c__;d.txt\"; "
                                            "filename*=UTF-8''a%22b%5Cc%0D%0A%3Bd.txt");
}

Test(filehdr, if_none_match)
{
    cr_assert(filehdr_etag_matches("\"abc\"", "abc"));
    cr_assert(filehdr_etag_matches("W/\"abc\"", "abc"));
    cr_assert(filehdr_etag_matches("\"x\", W/\"y\" ,\"abc\"", "abc"));
    cr_assert(filehdr_etag_matches("*", "abc"));
    cr_assert_not(filehdr_etag_matches(NULL, "abc"));
    cr_assert_not(filehdr_etag_matches("", "abc"));
    cr_assert_not(filehdr_etag_matches("\"abcd\"", "abc"));
    cr_assert_not(filehdr_etag_matches("\"ab\"", "abc"));
    cr_assert_not(filehdr_etag_matches("abc", "abc")); /* unquoted is no tag */
    cr_assert_not(filehdr_etag_matches("\"", "abc"));
}

Test(filehdr, etags_that_can_be_sent)
{
    cr_assert(filehdr_etag_ok("0123abcdef"));
    cr_assert_not(filehdr_etag_ok(NULL));
    cr_assert_not(filehdr_etag_ok(""));
    cr_assert_not(filehdr_etag_ok("a\"b"));
    cr_assert_not(filehdr_etag_ok("a b"));
    cr_assert_not(filehdr_etag_ok("a\r\nx: y"));
    char longtag[130];
    memset(longtag, 'a', sizeof longtag - 1);
    longtag[129] = '\0';
    cr_assert_not(filehdr_etag_ok(longtag));
    longtag[128] = '\0';
    cr_assert(filehdr_etag_ok(longtag));
}
