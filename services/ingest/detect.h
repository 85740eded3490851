/* detect.h - a document's format from its content (libmagic on the first bytes), never from its
 * name alone: the name only tells Markdown from plain text once the content is text. Used by the
 * upload handler (415 at once) and by the extractor (the same answer, from the whole file).
 */
#ifndef INGEST_DETECT_H
#define INGEST_DETECT_H

#include <stddef.h>

typedef enum { DOC_UNKNOWN = 0, DOC_PDF, DOC_DOCX, DOC_TXT, DOC_MD } doc_format_t;

/* How many leading bytes detection needs at most (the upload handler keeps these). */
#define DETECT_HEAD_BYTES 65536

/* The format of a file whose first bytes are head[0..len) (len <= DETECT_HEAD_BYTES suffices);
 * name (may be NULL) tells md from txt. mime (may be NULL) receives libmagic's MIME type.
 * Thread-safe. */
doc_format_t detect_format(const void *head, size_t len, const char *name, char *mime,
                           size_t mime_len);
/* "pdf" | "docx" | "txt" | "md", "" for DOC_UNKNOWN. */
const char *detect_format_name(doc_format_t f);

#endif
