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
