/* test_text.c - UTF-8 counting, display-name cleaning and header clipping (libshared/src/text.c).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shared/text.h"
#include "shared/util.h"

static long count(const char *s)
{
    return text_utf8_count(s, strlen(s));
}

Test(text, counts_code_points)
{
    cr_assert_eq(count(""), 0);
    cr_assert_eq(count("abc"), 3);
    cr_assert_eq(count("пароль"), 6);           /* 2-byte sequences */
    cr_assert_eq(count("€uro"), 4);             /* 3-byte */
    cr_assert_eq(count("\xF0\x9F\x98\x80"), 1); /* U+1F600, 4-byte */
}

Test(text, rejects_invalid_utf8)
{
    cr_assert_eq(count("\xC0\xAF"), -1);             /* overlong '/' */
    cr_assert_eq(count("\xE0\x80\xAF"), -1);         /* overlong, 3 bytes */
    cr_assert_eq(count("\xED\xA0\x80"), -1);         /* surrogate U+D800 */
    cr_assert_eq(count("\xF4\x90\x80\x80"), -1);     /* above U+10FFFF */
    cr_assert_eq(count("\x80"), -1);                 /* lone continuation */
    cr_assert_eq(count("ab\xD0"), -1);               /* truncated sequence */
    cr_assert_eq(count("\xF8\x88\x80\x80\x80"), -1); /* 5-byte form */
}

Test(text, clean_trims_and_copies)
{
    char *out = NULL, why[TEXT_WHY_SIZE];
    cr_assert(text_clean("  Anna Petrova \t", 1, 100, false, &out, why, sizeof why));
    cr_assert_str_eq(out, "Anna Petrova");
    free(out);
}

Test(text, clean_reasons)
{
    char *out = NULL, why[TEXT_WHY_SIZE];
    cr_assert_not(text_clean(NULL, 1, 100, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "is required");
    cr_assert_not(text_clean("   ", 1, 100, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must not be empty");
    cr_assert_not(text_clean("a\x01"
                             "b",
                             1, 100, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must not contain control characters");
    cr_assert_not(text_clean("a\xC2\x85"
                             "b",
                             1, 100, false, &out, why, sizeof why)); /* C1 NEL */
    cr_assert_not(text_clean("\xFF", 1, 100, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must be valid UTF-8");
    cr_assert_null(out);
}

Test(text, clean_counts_characters_not_bytes)
{
    char name[401], *out = NULL, why[TEXT_WHY_SIZE];
    name[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(name, "я"); /* 100 characters, 200 bytes */
    cr_assert(text_clean(name, 1, 100, false, &out, why, sizeof why));
    free(out);
    strcat(name, "я");
    cr_assert_not(text_clean(name, 1, 100, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must be at most 100 characters");
}

Test(text, clip_respects_characters)
{
    char *c = text_clip("abcdef", 4);
    cr_assert_str_eq(c, "abcd");
    free(c);
    c = text_clip("aяb", 2); /* 'я' is 2 bytes: not split */
    cr_assert_str_eq(c, "a");
    free(c);
    c = text_clip("a\r\nb", 10);
    cr_assert_str_eq(c, "a  b");
    free(c);
    cr_assert_null(text_clip("\xFF", 10));
    cr_assert_null(text_clip(NULL, 10));
}

Test(text, utf8_validation_edges)
{
    static const char *const good[] = {"",
                                       "ascii",
                                       "\xc2\x80",
                                       "\xdf\xbf",
                                       "\xe0\xa0\x80",
                                       "\xed\x9f\xbf",
                                       "\xee\x80\x80",
                                       "\xef\xbf\xbf",
                                       "\xf0\x90\x80\x80",
                                       "\xf4\x8f\xbf\xbf",
                                       "\xe2\x80\xa8"};
    static const char *const bad[] = {"\x80",
                                      "\xbf",
                                      "\xc0\x80",
                                      "\xc1\xbf",
                                      "\xc2",
                                      "\xc2\x41",
                                      "\xe0\x9f\xbf",
                                      "\xed\xa0\x80",
                                      "\xed\xbf\xbf",
                                      "\xe2\x82",
                                      "\xf0\x8f\xbf\xbf",
                                      "\xf4\x90\x80\x80",
                                      "\xf5\x80\x80\x80",
                                      "\xf8\x88\x80\x80\x80",
                                      "\xff",
                                      "a\xfe"};
    for (size_t i = 0; i < ARRAY_LEN(good); i++)
        cr_assert(text_utf8_count(good[i], strlen(good[i])) >= 0, "good[%zu]", i);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        cr_assert_not(text_utf8_count(bad[i], strlen(bad[i])) >= 0, "bad[%zu]", i);
    /* a valid sequence cut by the length bound */
    cr_assert_not(text_utf8_count("\xe2\x9c\x93", 2) >= 0);
    cr_assert_eq(text_utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    cr_assert_eq(text_utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 3), 0);
}
