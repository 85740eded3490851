/* text.c - UTF-8 validation and counting, trimming and clipping of user-supplied text (see
 * text.h). The one UTF-8 decoder of the code base: the log writer and every service use it. */
#include "shared/text.h"

#include <stdio.h>
#include <string.h>

#include "shared/util.h"

size_t text_utf8_seq_len(const unsigned char *s, size_t n)
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

long text_utf8_count(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    long count = 0;

    for (size_t i = 0; i < len; count++) {
        size_t n = text_utf8_seq_len(p + i, len - i);
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

bool text_has_control(const char *s, size_t len, bool multiline)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (multiline && (c == '\n' || c == '\t' || c == '\r'))
            continue;
        if (c < 0x20 || c == 0x7F)
            return true;
        if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F)
            return true; /* C1 controls U+0080..U+009F */
    }
    return false;
}

bool text_clean(const char *s, long min, long max, bool multiline, char **out, char *why,
                size_t whylen)
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
    count = text_utf8_count(start, (size_t)(end - start));
    if (count < 0)
        snprintf(why, whylen, "must be valid UTF-8");
    else if (count == 0 && min > 0)
        snprintf(why, whylen, "must not be empty");
    else if (count < min)
        snprintf(why, whylen, "must be at least %ld characters", min);
    else if (count > max)
        snprintf(why, whylen, "must be at most %ld characters", max);
    else if (text_has_control(start, (size_t)(end - start), multiline))
        snprintf(why, whylen, "must not contain control characters");
    else {
        *out = xstrndup(start, (size_t)(end - start));
        return true;
    }
    return false;
}

char *text_clip(const char *s, size_t max_bytes)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len, i = 0;
    char *copy;

    if (!s)
        return NULL;
    len = strlen(s);
    while (i < len) {
        size_t n = text_utf8_seq_len(p + i, len - i);
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
