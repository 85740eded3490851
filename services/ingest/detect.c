/* detect.c - a document's format from its first bytes (detect.h) with libmagic.
 *
 * One magic cookie, loaded once (magic_load parses the whole compiled database: slow) and used
 * under a mutex (a cookie is not thread-safe). libmagic names a Word file it recognises as
 * OOXML; a DOCX written by other tools is only "application/zip", so then the zip's headers in
 * the head are searched for the entry word/document.xml.
 */
#include "services/ingest/detect.h"

#include <magic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "shared/log.h"

#define MIME_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t cookie;

static void load(void)
{
    cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF |
                        MAGIC_NO_CHECK_TAR);
    if (cookie && magic_load(cookie, NULL) != 0) {
        LOG_ERROR("detect: cannot load the magic database: %s", magic_error(cookie));
        magic_close(cookie);
        cookie = NULL;
    }
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* True when head holds a zip entry header (local or central) named word/document.xml. */
static bool zip_has_word_document(const unsigned char *head, size_t len)
{
    static const char want[] = "word/document.xml";
    const size_t wlen = sizeof want - 1;
    for (size_t i = 0; i + 4 <= len; i++) {
        if (head[i] != 'P' || head[i + 1] != 'K')
            continue;
        size_t name_at, name_len;
        if (head[i + 2] == 3 && head[i + 3] == 4 && i + 30 <= len) { /* local file header */
            name_len = le16(head + i + 26);
            name_at = i + 30;
        } else if (head[i + 2] == 1 && head[i + 3] == 2 && i + 46 <= len) { /* central dir */
            name_len = le16(head + i + 28);
            name_at = i + 46;
        } else {
            continue;
        }
        if (name_len == wlen && name_at + wlen <= len && memcmp(head + name_at, want, wlen) == 0)
            return true;
    }
    return false;
}

static bool name_is_markdown(const char *name)
{
    if (!name)
        return false;
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".markdown") == 0);
}

doc_format_t detect_format(const void *head, size_t len, const char *name, char *mime,
                           size_t mime_len)
{
    char type[128] = "";
    doc_format_t f = DOC_UNKNOWN;

    if (len > DETECT_HEAD_BYTES)
        len = DETECT_HEAD_BYTES;
    pthread_once(&once, load);
    if (!cookie)
        goto done;
    pthread_mutex_lock(&lock);
    const char *t = magic_buffer(cookie, head, len);
    snprintf(type, sizeof type, "%s", t ? t : "application/octet-stream");
    pthread_mutex_unlock(&lock);

    if (strcmp(type, "application/pdf") == 0)
        f = DOC_PDF;
    else if (strcmp(type, MIME_DOCX) == 0)
        f = DOC_DOCX;
    else if (strcmp(type, "application/zip") == 0 && zip_has_word_document(head, len)) {
        f = DOC_DOCX;
        snprintf(type, sizeof type, "%s", MIME_DOCX);
    } else if (strncmp(type, "text/", 5) == 0)
        f = name_is_markdown(name) ? DOC_MD : DOC_TXT;
done:
    if (mime && mime_len)
        snprintf(mime, mime_len, "%s", type);
    return f;
}

const char *detect_format_name(doc_format_t f)
{
    switch (f) {
    case DOC_PDF:
        return "pdf";
    case DOC_DOCX:
        return "docx";
    case DOC_TXT:
        return "txt";
    case DOC_MD:
        return "md";
    default:
        return "";
    }
}
