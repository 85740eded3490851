/* validate.c - UTF-8 counting, text clean-up, body, tag and paging checks (see validate.h). */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

/* Length of the UTF-8 sequence starting at s (n bytes available), 0 if invalid. */
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
        return 0;
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

long rag_utf8_count(const char *s, size_t len)
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

/* A control character other than those a multi-line text may hold. */
static bool has_control(const char *s, size_t len, bool multiline)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (multiline && (c == '\n' || c == '\t' || c == '\r'))
            continue;
        if (c < 0x20 || c == 0x7F)
            return true;
        if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F)
            return true; /* C1 controls */
    }
    return false;
}

bool rag_text_clean(const char *s, long min, long max, bool multiline, char **out, char *why,
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
    count = rag_utf8_count(start, (size_t)(end - start));
    if (count < 0)
        snprintf(why, whylen, "must be valid UTF-8");
    else if (count == 0 && min > 0)
        snprintf(why, whylen, "must not be empty");
    else if (count < min)
        snprintf(why, whylen, "must be at least %ld characters", min);
    else if (count > max)
        snprintf(why, whylen, "must be at most %ld characters", max);
    else if (has_control(start, (size_t)(end - start), multiline))
        snprintf(why, whylen, "must not contain control characters");
    else {
        *out = xstrndup(start, (size_t)(end - start));
        return true;
    }
    return false;
}

int rag_body_check(const char *s, char *why, size_t whylen)
{
    size_t len;

    if (!s) {
        snprintf(why, whylen, "is required");
        return -1;
    }
    len = strlen(s);
    if (len > RAG_BODY_MAX) {
        snprintf(why, whylen, "must be at most %d bytes (got %zu)", RAG_BODY_MAX, len);
        return 1;
    }
    if (rag_utf8_count(s, len) < 0) {
        snprintf(why, whylen, "must be valid UTF-8");
        return -1;
    }
    if (has_control(s, len, true)) {
        snprintf(why, whylen, "must not contain control characters other than tab and newline");
        return -1;
    }
    return 0;
}

bool rag_uuid_parse(const char *s, char out[37])
{
    if (!s || !uuid_valid(s))
        return false;
    for (int i = 0; i < 36; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
    out[36] = '\0';
    return true;
}

void rag_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

bool rag_tags_clean(char *const *tags, size_t n, char ***out, char *why, size_t whylen)
{
    char **v = NULL, reason[RAG_WHY_SIZE];
    size_t done = 0;
    bool ok = false;

    if (n > RAG_TAGS_MAX) {
        snprintf(why, whylen, "at most %d tags", RAG_TAGS_MAX);
        goto done;
    }
    v = xcalloc(n ? n : 1, sizeof *v);
    for (; done < n; done++) {
        if (!rag_text_clean(tags[done], 1, RAG_TAG_MAX, false, &v[done], reason, sizeof reason)) {
            snprintf(why, whylen, "[%zu]: %s", done, reason);
            goto done;
        }
        for (size_t j = 0; j < done; j++) {
            if (strcmp(v[j], v[done]) == 0) {
                snprintf(why, whylen, "[%zu]: duplicate of [%zu]", done, j);
                done++;
                goto done;
            }
        }
    }
    *out = v;
    v = NULL;
    ok = true;
done:
    rag_strv_free(v, done);
    return ok;
}

bool rag_page_check(bool has_page, int page, bool has_per_page, int per_page, int *page_out,
                    int *per_page_out, char *why, size_t whylen)
{
    if (has_page && (page < 1 || page > RAG_PAGE_MAX)) {
        snprintf(why, whylen, "page: must be between 1 and %d", RAG_PAGE_MAX);
        return false;
    }
    if (has_per_page && (per_page < 1 || per_page > RAG_PER_PAGE_MAX)) {
        snprintf(why, whylen, "per_page: must be between 1 and %d", RAG_PER_PAGE_MAX);
        return false;
    }
    *page_out = has_page ? page : 1;
    *per_page_out = has_per_page ? per_page : RAG_PER_PAGE_DEF;
    return true;
}
