/* main.c - ingest-extract: the sandboxed reader of one uploaded file (see services/ingest/
 * sandbox.h, which runs it). The file comes on stdin; one length-prefixed ingest.ExtractResult
 * goes to stdout, exit 0. Order matters: limits first, then the input is read and the format
 * detected (libmagic opens its database), the libraries a format needs are initialised, and only
 * then is the seccomp filter installed and the file parsed.
 *
 *     ingest-extract [--name FILE_NAME] [--max-bytes N] [--cpu SECONDS] [--mem MB] <file >result
 */
#include <errno.h>
#include <libxml/parser.h>
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/ingest/detect.h"
#include "services/ingest/extract/extract.h"
#include "shared/util.h"

typedef struct {
    const char *name;
    long long max_bytes;
    int cpu_s, mem_mb;
} args_t;

static bool parse_args(int argc, char **argv, args_t *a)
{
    *a = (args_t){.max_bytes = 50ll << 20};
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return false;
        char *end = NULL;
        const char *v = argv[++i];
        if (strcmp(argv[i - 1], "--name") == 0) {
            a->name = v;
            continue;
        }
        long long n = strtoll(v, &end, 10);
        if (!*v || *end || n <= 0 || n > (1ll << 40))
            return false;
        if (strcmp(argv[i - 1], "--max-bytes") == 0)
            a->max_bytes = n;
        else if (strcmp(argv[i - 1], "--cpu") == 0 && n < 1000000)
            a->cpu_s = (int)n;
        else if (strcmp(argv[i - 1], "--mem") == 0 && n < 1000000)
            a->mem_mb = (int)n;
        else
            return false;
    }
    return true;
}

/* All of stdin up to max + 1 bytes (*over when there was more than max). */
static bool read_all(long long max, buf_t *b, bool *over)
{
    *over = false;
    for (;;) {
        buf_reserve(b, 1 << 16);
        size_t room = b->cap - b->len - 1;
        ssize_t n = read(0, b->data + b->len, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            return true;
        b->len += (size_t)n;
        if ((long long)b->len > max) {
            *over = true;
            return true;
        }
    }
}

static bool write_all(const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(1, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* poppler sets up its global state with the first document: do it on a tiny one, before the
 * filter. */
static void warm_poppler(void)
{
    static const char tiny[] = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                               "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                               "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
                               "trailer<</Root 1 0 R>>\n%%EOF\n";
    extract_out_t out;
    extract_out_init(&out, "pdf", NULL);
    extract_pdf(tiny, sizeof tiny - 1, &out);
    extract_out_cleanup(&out);
}

int main(int argc, char **argv)
{
    args_t a;
    buf_t in = BUF_INIT;
    extract_out_t out;
    extract_decoder_t dec = {.cd = NULL};
    char mime[128] = "";
    bool over = false;
    unsigned char *packed = NULL;
    size_t packed_len = 0;
    int rc = 1;

    if (!parse_args(argc, argv, &a)) {
        fprintf(stderr,
                "usage: ingest-extract [--name NAME] [--max-bytes N] [--cpu S] [--mem MB]\n");
        return 2;
    }
    if (extract_limits_set(a.cpu_s, a.mem_mb) != ST_OK) {
        fprintf(stderr, "ingest-extract: cannot set limits\n");
        return 1;
    }
    if (!read_all(a.max_bytes, &in, &over)) {
        fprintf(stderr, "ingest-extract: cannot read stdin\n");
        goto done;
    }
    doc_format_t f = over ? DOC_UNKNOWN : detect_format(in.data, in.len, a.name, mime, sizeof mime);
    extract_out_init(&out, detect_format_name(f), mime);
    status_t st = ST_OK;
    if (over)
        st = extract_out_fail(&out, 422, "the file is larger than %lld MB", a.max_bytes >> 20);
    else if (f == DOC_UNKNOWN)
        st = extract_out_fail(&out, 415,
                              "files of type %s cannot be read: upload PDF, DOCX, TXT or Markdown",
                              mime[0] ? mime : "unknown");
    else if (f == DOC_PDF)
        warm_poppler();
    else if (f == DOC_DOCX)
        xmlInitParser();
    else
        st = extract_decoder_open(&dec, in.data, in.len, &out);

    if (st == ST_OK) {
        if (extract_seccomp_install() != ST_OK) {
            fprintf(stderr, "ingest-extract: cannot install the seccomp filter\n");
            goto cleanup;
        }
        switch (f) {
        case DOC_PDF:
            extract_pdf(in.data, in.len, &out);
            break;
        case DOC_DOCX:
            extract_docx(in.data, in.len, &out);
            break;
        case DOC_TXT:
            extract_txt_decoded(&dec, in.data, in.len, &out);
            break;
        default:
            extract_md_decoded(&dec, in.data, in.len, &out);
            break;
        }
        extract_out_finish(&out);
    }
    extract_out_pack(&out, &packed, &packed_len);
    rc = write_all(packed, packed_len) ? 0 : 1;
cleanup:
    free(packed);
    extract_decoder_close(&dec);
    extract_out_cleanup(&out);
done:
    buf_cleanup(&in);
    return rc;
}
