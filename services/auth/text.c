/* text.c - UTF-8 validation and counting, trimming and clipping of user-supplied text. */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "shared/util.h"

/* Length of the UTF-8 sequence starting at s (at most n bytes available), 0 if invalid. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0; /* continuation byte, overlong lead (C0, C1) or beyond U+10FFFF (F5..FF) */
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

long auth_utf8_count(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    long count = 0;

    for (size_t i = 0; i < len; count++) {
        size_t n = seq_len(p + i, len - i);
        if (n == 0)
            return -1;
        i += n;
    }
    return count;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return true;
        /* C1 controls U+0080..U+009F are encoded C2 80..C2 9F */
        if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F)
            return true;
    }
    return false;
}

bool auth_text_clean(const char *s, long max, char **out, char *why, size_t whylen)
{
    const char *start, *end;
    long count;

    if (!s) {
        snprintf(why, whylen, "is required");
        return false;
    }
    start = s;
    end = s + strlen(s);
    while (start < end && is_space(*start))
        start++;
    while (end > start && is_space(end[-1]))
        end--;
    count = auth_utf8_count(start, (size_t)(end - start));
    if (count == 0)
        snprintf(why, whylen, "must not be empty");
    else if (count < 0)
        snprintf(why, whylen, "must be valid UTF-8");
    else if (count > max)
        snprintf(why, whylen, "must be at most %ld characters", max);
    else if (has_control(start, (size_t)(end - start)))
        snprintf(why, whylen, "must not contain control characters");
    else {
        *out = xstrndup(start, (size_t)(end - start));
        return true;
    }
    return false;
}

char *auth_text_clip(const char *s, size_t max_bytes)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len, i = 0;
    char *copy;

    if (!s)
        return NULL;
    len = strlen(s);
    while (i < len) {
        size_t n = seq_len(p + i, len - i);
        if (n == 0)
            return NULL;
        if (i + n > max_bytes)
            break;
        i += n;
    }
    copy = xstrndup(s, i);
    for (size_t j = 0; j < i; j++)
        if ((unsigned char)copy[j] < 0x20 || copy[j] == 0x7F)
            copy[j] = ' ';
    return copy;
}
