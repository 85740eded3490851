/* test_validate.c - text, body, UUID, tag and paging checks (services/rag/validate.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "services/rag/validate.h"

static char why[RAG_WHY_SIZE];

Test(validate, counts_code_points)
{
    cr_assert_eq(text_utf8_count("", 0), 0);
    cr_assert_eq(text_utf8_count("договор", strlen("договор")), 7);
    cr_assert_eq(text_utf8_count("\xF0\x9F\x98\x80", 4), 1);
    cr_assert_eq(text_utf8_count("\xC0\xAF", 2), -1);
    cr_assert_eq(text_utf8_count("\xED\xA0\x80", 3), -1);
    cr_assert_eq(text_utf8_count("ab\xD0", 3), -1);
}

Test(validate, text_clean)
{
    char *out = NULL;
    cr_assert(text_clean("  Title \n", 1, 300, false, &out, why, sizeof why));
    cr_assert_str_eq(out, "Title");
    free(out);
    cr_assert_not(text_clean(NULL, 1, 300, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "is required");
    cr_assert_not(text_clean("   ", 1, 300, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must not be empty");
    cr_assert(text_clean("   ", 0, 300, false, &out, why, sizeof why), "optional text");
    cr_assert_str_eq(out, "");
    free(out);
    cr_assert_not(text_clean("a\nb", 1, 300, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must not contain control characters");
    cr_assert(text_clean("a\nb\tc", 1, 300, true, &out, why, sizeof why));
    free(out);
    cr_assert_not(text_clean("a\x07", 1, 300, true, &out, why, sizeof why));
    cr_assert_not(text_clean("a\xC2\x85", 1, 300, true, &out, why, sizeof why), "C1");
    cr_assert_not(text_clean("\xFF", 1, 300, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must be valid UTF-8");
    /* 300 Cyrillic characters (600 bytes) fit a 300-character limit, 301 do not */
    char s[700] = "";
    for (int i = 0; i < 300; i++)
        strcat(s, "я");
    cr_assert(text_clean(s, 1, 300, false, &out, why, sizeof why));
    free(out);
    strcat(s, "я");
    cr_assert_not(text_clean(s, 1, 300, false, &out, why, sizeof why));
    cr_assert_str_eq(why, "must be at most 300 characters");
}

Test(validate, body)
{
    cr_assert_eq(rag_body_check("# Title\n\n\ttext\r\n", why, sizeof why), 0);
    cr_assert_eq(rag_body_check("", why, sizeof why), 0);
    cr_assert_eq(rag_body_check("bell\x07", why, sizeof why), -1);
    cr_assert_eq(rag_body_check("\xC3", why, sizeof why), -1);
    char *big = malloc(RAG_BODY_MAX + 2);
    memset(big, 'a', RAG_BODY_MAX);
    big[RAG_BODY_MAX] = '\0';
    cr_assert_eq(rag_body_check(big, why, sizeof why), 0, "exactly 1 MiB is fine");
    big[RAG_BODY_MAX] = 'a';
    big[RAG_BODY_MAX + 1] = '\0';
    cr_assert_eq(rag_body_check(big, why, sizeof why), 1);
    cr_assert(strstr(why, "1048576"), "%s", why);
    free(big);
}

Test(validate, tags)
{
    char **out = NULL;
    char *ok[] = {" a ", "b c", "тег"};
    cr_assert(rag_tags_clean(ok, 3, &out, why, sizeof why));
    cr_assert_str_eq(out[0], "a");
    cr_assert_str_eq(out[2], "тег");
    rag_strv_free(out, 3);
    char *dup[] = {"a", "b", "a"};
    cr_assert_not(rag_tags_clean(dup, 3, &out, why, sizeof why));
    cr_assert_str_eq(why, "[2]: duplicate of [0]");
    char *empty[] = {"a", " "};
    cr_assert_not(rag_tags_clean(empty, 2, &out, why, sizeof why));
    cr_assert_str_eq(why, "[1]: must not be empty");
    char *many[RAG_TAGS_MAX + 1];
    for (int i = 0; i <= RAG_TAGS_MAX; i++)
        many[i] = "x";
    cr_assert_not(rag_tags_clean(many, RAG_TAGS_MAX + 1, &out, why, sizeof why));
    cr_assert(rag_tags_clean(NULL, 0, &out, why, sizeof why));
    rag_strv_free(out, 0);
}
