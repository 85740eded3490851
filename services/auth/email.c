/* email.c - normalises (trim, lower-case ASCII) and validates email addresses (see email.h). */
#include "email.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "shared/text.h"

#define LOCAL_MAX 64
#define LABEL_MAX 63

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext (after lower-casing) plus UTF-8 bytes (RFC 6531). */
static bool local_char(unsigned char c)
{
    return is_alnum(c) || c >= 0x80 || strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

static bool local_ok(const char *s, size_t len)
{
    if (len == 0 || len > LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (!local_char(c)) {
            return false;
        }
    }
    return true;
}

static bool domain_ok(const char *s, size_t len)
{
    size_t labels = 0, i = 0;
    bool last_numeric = false;

    while (i <= len) {
        size_t start = i;
        bool numeric = true;
        while (i < len && s[i] != '.') {
            unsigned char c = (unsigned char)s[i];
            if (!is_alnum(c) && c != '-' && c < 0x80)
                return false;
            if (c < '0' || c > '9')
                numeric = false;
            i++;
        }
        size_t n = i - start;
        if (n == 0 || n > LABEL_MAX || s[start] == '-' || s[i - 1] == '-')
            return false;
        labels++;
        last_numeric = numeric;
        i++; /* past the dot, or past the end */
    }
    return labels >= 2 && !last_numeric;
}

bool auth_email_normalize(const char *s, char **out)
{
    const char *start, *end, *at;
    char *e;
    size_t len;

    if (!s)
        return false;
    start = s;
    end = s + strlen(s);
    while (start < end && is_space(*start))
        start++;
    while (end > start && is_space(end[-1]))
        end--;
    len = (size_t)(end - start);
    if (len < 3 || len > AUTH_EMAIL_MAX || text_utf8_count(start, len) < 0)
        return false;
    e = xstrndup(start, len);
    for (size_t i = 0; i < len; i++)
        if (e[i] >= 'A' && e[i] <= 'Z')
            e[i] = (char)(e[i] - 'A' + 'a');
    at = strchr(e, '@');
    if (!at || strchr(at + 1, '@') || !local_ok(e, (size_t)(at - e)) ||
        !domain_ok(at + 1, len - (size_t)(at - e) - 1)) {
        free(e);
        return false;
    }
    *out = e;
    return true;
}
