/* test_email.c - email normalisation and validation (services/auth/email.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/auth/email.h"

static bool ok(const char *in, const char *expect)
{
    char *out = NULL;
    bool valid = auth_email_normalize(in, &out);
    bool same = valid && expect && strcmp(out, expect) == 0;
    free(out);
    return same;
}

static bool bad(const char *in)
{
    char *out = NULL;
    bool valid = auth_email_normalize(in, &out);
    free(out);
    return !valid;
}

Test(email, normalises_case_and_space)
{
    cr_assert(ok("Anna.Petrova@Example.COM", "anna.petrova@example.com"));
    cr_assert(ok("  bob@example.org\n", "bob@example.org"));
    cr_assert(ok("x+tag@sub.example.co.uk", "x+tag@sub.example.co.uk"));
    cr_assert(ok("o'brien@example.ie", "o'brien@example.ie"));
}

Test(email, keeps_non_ascii)
{
    cr_assert(ok("Иван@пример.рф", "Иван@пример.рф")); /* only ASCII is lower-cased */
}

Test(email, rejects_malformed)
{
    cr_assert(bad(NULL));
    cr_assert(bad(""));
    cr_assert(bad("plainaddress"));
    cr_assert(bad("@example.com"));
    cr_assert(bad("user@"));
    cr_assert(bad("a@b@example.com"));
    cr_assert(bad("user@localhost"));    /* one label */
    cr_assert(bad("user@example..com")); /* empty label */
    cr_assert(bad("user@.example.com"));
    cr_assert(bad("user@example.com."));
    cr_assert(bad("user@-example.com")); /* hyphen at a label's edge */
    cr_assert(bad("user@example-.com"));
    cr_assert(bad("user@exa_mple.com"));
    cr_assert(bad("user@192.168.0.1")); /* numeric top-level label */
    cr_assert(bad("user@[192.168.0.1]"));
    cr_assert(bad(".user@example.com"));
    cr_assert(bad("user.@example.com"));
    cr_assert(bad("us..er@example.com"));
    cr_assert(bad("us er@example.com"));
    cr_assert(bad("\"quoted\"@example.com"));
    cr_assert(bad("user@exa\r\nmple.com"));
    cr_assert(bad("user\xFF@example.com")); /* not UTF-8 */
}

Test(email, length_limits)
{
    char local[70], addr[300];
    memset(local, 'a', 64);
    local[64] = '\0';
    snprintf(addr, sizeof addr, "%s@example.com", local);
    cr_assert_not(bad(addr));
    memset(local, 'a', 65);
    local[65] = '\0';
    snprintf(addr, sizeof addr, "%s@example.com", local);
    cr_assert(bad(addr), "local part over 64 bytes");

    /* 254 bytes in all is the most: a domain of four 60-char labels + ".com" is 247 */
    char label[61];
    memset(label, 'b', 60);
    label[60] = '\0';
    snprintf(addr, sizeof addr, "a@%s.%s.%s.%s.com", label, label, label, label);
    cr_assert_eq(strlen(addr), 249);
    cr_assert_not(bad(addr));
    snprintf(addr, sizeof addr, "aaaaaa@%s.%s.%s.%s.com", label, label, label, label);
    cr_assert_eq(strlen(addr), 254);
    cr_assert_not(bad(addr));
    snprintf(addr, sizeof addr, "aaaaaaa@%s.%s.%s.%s.com", label, label, label, label);
    cr_assert(bad(addr), "255 bytes");

    char longlabel[70];
    memset(longlabel, 'c', 64);
    longlabel[64] = '\0';
    snprintf(addr, sizeof addr, "a@%s.com", longlabel);
    cr_assert(bad(addr), "label over 63 bytes");
}
