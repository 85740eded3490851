/* password.c - the password policy: length in characters, common passwords, not the email. */
#include "password.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/util.h"
#include "shared/text.h"

static int cmp_str(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

bool auth_password_is_common(const char *pw)
{
    char *lower = xstrdup(pw);
    bool found;

    lower_ascii(lower);
    found = bsearch(lower, auth_common_passwords, auth_common_passwords_count,
                    sizeof auth_common_passwords[0], cmp_str) != NULL;
    free(lower);
    return found;
}

/* True if pw equals the whole address or its local part, ignoring ASCII case. */
static bool is_email_like(const char *pw, const char *email)
{
    const char *at;

    if (!email)
        return false;
    if (str_ieq(pw, email))
        return true;
    at = strchr(email, '@');
    return at && strlen(pw) == (size_t)(at - email) && strncasecmp(pw, email, strlen(pw)) == 0;
}

bool auth_password_check(const char *pw, const char *email, char *why, size_t whylen)
{
    long n;

    if (!pw || !*pw) {
        snprintf(why, whylen, "is required");
        return false;
    }
    n = text_utf8_count(pw, strlen(pw));
    if (n < 0)
        snprintf(why, whylen, "must be valid UTF-8");
    else if (n < AUTH_PASSWORD_MIN)
        snprintf(why, whylen, "must be at least %d characters", AUTH_PASSWORD_MIN);
    else if (n > AUTH_PASSWORD_MAX)
        snprintf(why, whylen, "must be at most %d characters", AUTH_PASSWORD_MAX);
    else if (auth_password_is_common(pw))
        snprintf(why, whylen, "is one of the most common passwords; choose a less guessable one");
    else if (is_email_like(pw, email))
        snprintf(why, whylen, "must not be your email address");
    else
        return true;
    return false;
}
