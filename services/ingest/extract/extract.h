/* extract.h - the readers of ingest-extract (the sandboxed child, see services/ingest/sandbox.h)
 * and the result they fill. Each reader is one file with one job: pdf.c (poppler-glib), docx.c
 * (libzip + libxml2), text.c (libuchardet + iconv + utf8proc: any encoding to NFC UTF-8, then
 * paragraphs), md.c (text.c's decoding, then shared/markdown.h). out.c builds the result and
 * writes it; limits.c is the child's rlimits and seccomp filter. No reader does I/O: the file
 * is in memory, so each is linkable into unit tests and fuzz targets.
 *
 *     extract_out_t out;
 *     extract_out_init(&out, "docx", mime);
 *     if (extract_docx(data, len, &out) == ST_OK) ... out.res holds the blocks or the error
 *     extract_out_cleanup(&out);
 */
#ifndef INGEST_EXTRACT_H
#define INGEST_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/ingest.pb-c.h"
#include "shared/chunk.h"
#include "shared/status.h"

/* Limits a reader keeps to on its own, besides the process's rlimits. */
#define EXTRACT_MAX_BLOCKS     200000               /* more: 422 "too many parts" */
#define EXTRACT_MAX_TEXT       (64u * 1024 * 1024)  /* bytes of text in all blocks */
#define EXTRACT_DOCX_MAX_XML   (256u * 1024 * 1024) /* uncompressed word/document.xml */
#define EXTRACT_DOCX_MAX_RATIO 200                  /* uncompressed / compressed */
#define EXTRACT_MAX_PAGES      20000                /* PDF pages */

typedef struct {
    Ingest__ExtractResult res; /* blocks owned, strings owned */
    size_t cap;                /* room in res.blocks */
    size_t text_bytes;         /* bytes of block text so far */
} extract_out_t;

/* format: "pdf" | "docx" | "txt" | "md"; mime may be NULL. */
void extract_out_init(extract_out_t *out, const char *format, const char *mime);
void extract_out_cleanup(extract_out_t *out);
/* Adds a block: text made valid UTF-8 (invalid bytes -> U+FFFD), NFC, without control
 * characters but \n and \t, trimmed; an empty result adds nothing. ST_INVALID (and the error
 * set) when the block or text limits are passed. */
status_t extract_out_block(extract_out_t *out, chunk_kind_t kind, int level, const char *text,
                           size_t len, int page);
/* Sets the error for the user (status 415 or 422) and drops the blocks. Returns ST_INVALID. */
status_t extract_out_fail(extract_out_t *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends a reader's work: a result with neither blocks nor an error gets the error "the file has
 * no text" (422). Returns ST_OK when out has blocks. */
status_t extract_out_finish(extract_out_t *out);
/* The title (cleaned like a block, one line). */
void extract_out_title(extract_out_t *out, const char *title, size_t len);
/* The result, packed with its 4-byte big-endian length prefix, into *buf (caller frees). */
void extract_out_pack(const extract_out_t *out, unsigned char **buf /* OUT */,
                      size_t *len /* OUT */);

/* Valid NFC UTF-8 copy of s[0..len) (invalid bytes -> U+FFFD; control characters but \n and \t
 * dropped, CR LF -> LF). Caller frees; *out_len gets its length. */
char *extract_clean_text(const char *s, size_t len, size_t *out_len /* OUT */);

/* The readers: ST_OK with blocks in out, or ST_INVALID with out's error set for the user. */
status_t extract_pdf(const void *data, size_t len, extract_out_t *out);
status_t extract_docx(const void *data, size_t len, extract_out_t *out);
status_t extract_txt(const void *data, size_t len, extract_out_t *out);
status_t extract_md(const void *data, size_t len, extract_out_t *out);

/* (text.c) A decoder chosen for one file: the byte order mark, else UTF-8 when the bytes are
 * valid UTF-8, else libuchardet's guess; its iconv descriptor opened at once, so main.c can
 * prepare it before the seccomp filter forbids loading iconv's modules. */
typedef struct {
    char enc[48]; /* the source encoding's name ("UTF-8", "WINDOWS-1251", "UTF-16LE", ...) */
    size_t skip;  /* bytes of byte order mark */
    void *cd;     /* iconv_t; NULL for UTF-8 */
} extract_decoder_t;

/* ST_INVALID (out's error set, 422) when no encoding fits or iconv lacks it. */
status_t extract_decoder_open(extract_decoder_t *dec /* OUT */, const void *data, size_t len,
                              extract_out_t *out);
void extract_decoder_close(extract_decoder_t *dec);
/* data to UTF-8 in *utf8 (caller frees, NUL-terminated); bytes that do not decode become
 * U+FFFD. */
void extract_decoder_run(extract_decoder_t *dec, const void *data, size_t len,
                         char **utf8 /* OUT */, size_t *utf8_len /* OUT */);
/* TXT and MD from text decoded with dec (the encoding is reported in out). */
status_t extract_txt_decoded(extract_decoder_t *dec, const void *data, size_t len,
                             extract_out_t *out);
status_t extract_md_decoded(extract_decoder_t *dec, const void *data, size_t len,
                            extract_out_t *out);
/* Opens a decoder for data, runs fn (extract_txt_decoded, extract_md_decoded), closes it. */
typedef status_t (*extract_decoded_fn)(extract_decoder_t *dec, const void *data, size_t len,
                                       extract_out_t *out);
status_t extract_with_decoder(extract_decoded_fn fn, const void *data, size_t len,
                              extract_out_t *out);

/* (limits.c) The child's limits: RLIMIT_CPU cpu_s, RLIMIT_AS mem_mb (skipped under
 * AddressSanitizer, whose shadow memory needs terabytes of address space), RLIMIT_FSIZE 0,
 * RLIMIT_NOFILE 16, RLIMIT_CORE 0. */
status_t extract_limits_set(int cpu_s, int mem_mb);
/* (limits.c) The seccomp filter: what is left to do once the input is read is computing,
 * allocating and writing stdout; opening a file fails with EACCES, anything else kills the
 * process with SIGSYS. */
status_t extract_seccomp_install(void);

#endif
