/* test_password.c - the password policy and the common-password table (services/auth/password.c).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "services/auth/password.h"
#include "shared/text.h"

static const char *reason(const char *pw, const char *email)
{
    static char why[TEXT_WHY_SIZE];
    return auth_password_check(pw, email, why, sizeof why) ? NULL : why;
}

Test(password, table_is_sorted_lower_case_and_sized)
{
    cr_assert_gt(auth_common_passwords_count, 3000);
    for (size_t i = 0; i < auth_common_passwords_count; i++) {
        const char *p = auth_common_passwords[i];
        cr_assert_geq(strlen(p), AUTH_PASSWORD_MIN, "%s", p);
        for (const char *c = p; *c; c++)
            cr_assert(!(*c >= 'A' && *c <= 'Z'), "upper case in %s", p);
        if (i > 0)
            cr_assert_lt(strcmp(auth_common_passwords[i - 1], p), 0, "order at %s", p);
    }
}

Test(password, common_passwords_case_insensitive)
{
    cr_assert(auth_password_is_common("password"));
    cr_assert(auth_password_is_common("Password1"));
    cr_assert(auth_password_is_common("QWERTYUIOP"));
    cr_assert(auth_password_is_common("12345678"));
    cr_assert(auth_password_is_common("iloveyou"));
    cr_assert_not(auth_password_is_common("correct horse battery staple"));
    cr_assert_str_eq(reason("Password123", NULL),
                     "is one of the most common passwords; choose a less guessable one");
}

Test(password, length_in_characters)
{
    cr_assert_str_eq(reason("Tr0ub4!", NULL), "must be at least 8 characters");
    cr_assert_null(reason("Tr0ub4!x", NULL));
    cr_assert_null(reason("ёжикёжик", NULL)); /* 8 characters, 16 bytes */
    cr_assert_str_eq(reason("ёжикёжи", NULL), "must be at least 8 characters"); /* 14 bytes */
    char big[200];
    memset(big, 'q', 128);
    big[128] = '\0';
    cr_assert_null(reason(big, NULL));
    big[128] = 'q';
    big[129] = '\0';
    cr_assert_str_eq(reason(big, NULL), "must be at most 128 characters");
}

Test(password, other_rules)
{
    cr_assert_str_eq(reason(NULL, NULL), "is required");
    cr_assert_str_eq(reason("", NULL), "is required");
    cr_assert_str_eq(reason("abc\xFFxyz12", NULL), "must be valid UTF-8");
    cr_assert_str_eq(reason("Anna.Petrova@example.com", "anna.petrova@example.com"),
                     "must not be your email address");
    cr_assert_str_eq(reason("ANNA.PETROVA", "anna.petrova@example.com"),
                     "must not be your email address");
    cr_assert_null(reason("anna.petrova-x", "anna.petrova@example.com"));
}
