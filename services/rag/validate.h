/* validate.h - checks of user-supplied knowledge-base input. Pure: no I/O, unit-tested.
 *
 * Lengths are counted in characters (Unicode code points of valid UTF-8), except the article
 * body, whose limit is in bytes (RAG_BODY_MAX). Every check writes a short reason naming no
 * field ("must be at most 300 characters"); the handler prefixes the field name.
 *
 *     char *title = NULL, why[RAG_WHY_SIZE];
 *     if (!text_clean(in->title, 1, RAG_TITLE_MAX, false, &title, why, sizeof why))
 *         st = svc_fail(req, ST_INVALID, "title: %s", why);
 */
#ifndef RAG_VALIDATE_H
#define RAG_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/text.h"

#define RAG_WHY_SIZE       96
#define RAG_NAME_MAX       200     /* category names, characters */
#define RAG_DESC_MAX       2000    /* category descriptions, characters */
#define RAG_TITLE_MAX      300     /* article titles, characters */
#define RAG_BODY_MAX       1048576 /* article bodies, bytes (1 MiB) */
#define RAG_TAGS_MAX       50      /* tags per article */
#define RAG_TAG_MAX        50      /* characters per tag */
#define RAG_Q_MAX          500     /* search query, characters */
#define RAG_REORDER_MAX    1000    /* ids in one reorder */
#define RAG_EVENT_BODY_MAX 65536   /* bodies larger than this are left out of events */

/* An article body: valid UTF-8, no NUL-like control characters other than \t \n \r, at most
 * RAG_BODY_MAX bytes. Returns 0 when fine, 1 when too large, -1 when invalid; why set on error. */
int rag_body_check(const char *s, char *why, size_t whylen);

/* Tags: at most RAG_TAGS_MAX, each cleaned by text_clean (1..RAG_TAG_MAX, one line), no two
 * equal. On success *out is a heap array of n heap strings (free with rag_strv_free); on failure
 * why names the offending index ("[2]: must not be empty"). */
bool rag_tags_clean(char *const *tags, size_t n, char ***out /* OUT */, char *why, size_t whylen);
void rag_strv_free(char **v, size_t n);

#endif
