/* validate.c - UTF-8 counting, text clean-up, body, tag and paging checks (see validate.h). */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

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
    if (text_utf8_count(s, len) < 0) {
        snprintf(why, whylen, "must be valid UTF-8");
        return -1;
    }
    if (text_has_control(s, len, true)) {
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
        if (!text_clean(tags[done], 1, RAG_TAG_MAX, false, &v[done], reason, sizeof reason)) {
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
