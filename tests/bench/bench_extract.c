/* bench_extract.c - extraction + chunking speed: PDF pages per second (poppler, in process and
 * through the sandboxed child, which adds the process start and the pipes), DOCX and TXT
 * megabytes per second (TXT in UTF-8 and in Windows-1251, which goes through uchardet and
 * iconv). Figures only (tests assert behaviour). The PDF comes from make-pdf (cairo), the DOCX
 * is written here with libzip.
 *
 *     build/tests/bench/bench_extract [PAGES]      (default 200)
 */
#include <iconv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "services/ingest/extract/extract.h"
#include "services/ingest/sandbox.h"
#include "shared/chunk.h"
#include "shared/util.h"

typedef status_t (*reader_fn)(const void *data, size_t len, extract_out_t *out);

/* One extract + chunk; the chunk count through *chunks. */
static status_t extract_and_chunk(reader_fn fn, const char *fmt, const void *data, size_t len,
                                  size_t *chunks)
{
    extract_out_t out;
    extract_out_init(&out, fmt, NULL);
    status_t st = fn(data, len, &out);
    if (st == ST_OK) {
        chunk_block_t *blocks = xcalloc(out.res.n_blocks + 1, sizeof *blocks);
        for (size_t i = 0; i < out.res.n_blocks; i++) {
            const Ingest__Block *b = out.res.blocks[i];
            chunk_kind_t k = CHUNK_PARAGRAPH;
            chunk_kind_parse(b->kind, &k);
            blocks[i] = (chunk_block_t){k, b->level, b->text, strlen(b->text), b->page};
        }
        chunk_list_t l;
        chunk_opts_t o = chunk_opts_default();
        chunk_blocks(blocks, out.res.n_blocks, &o, &l);
        *chunks = l.n;
        chunk_list_free(&l);
        free(blocks);
    } else {
        fprintf(stderr, "bench_extract: %s: %s\n", fmt, out.res.error ? out.res.error : "failed");
    }
    extract_out_cleanup(&out);
    return st;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf_t b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

/* $(BUILD)/<rel> from this binary's place, $(BUILD)/tests/bench/. */
static char *build_path(const char *rel)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *cut = strstr(self, "/tests/bench/");
    if (cut)
        *cut = '\0';
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s/%s", self, rel);
    return buf_steal(&b);
}

static char *prose(size_t bytes)
{
    static const char *const s[] = {
        "A double room costs 120 euros per night, breakfast included. ",
        "Двухместный номер стоит 120 евро за ночь, завтрак включён. ",
        "Check-in starts at 14:00 and check-out is until 12:00. ",
        "Собаки и кошки проживают бесплатно, если весят меньше 10 кг. ",
    };
    buf_t b = BUF_INIT;
    for (size_t i = 0; b.len < bytes; i++) {
        buf_puts(&b, s[i % 4]);
        if (i % 5 == 4)
            buf_puts(&b, "\n\n");
    }
    return buf_steal(&b);
}

/* A DOCX whose document.xml holds the prose as paragraphs, in memory. */
static char *make_docx(size_t text_bytes, size_t *len)
{
    buf_t xml = BUF_INIT;
    char *text = prose(text_bytes);
    buf_puts(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://"
                   "schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n"))
        buf_printf(&xml, "<w:p><w:r><w:t>%s</w:t></w:r></w:p>", p);
    buf_puts(&xml, "</w:body></w:document>");
    free(text);

    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    zip_source_t *doc = zip_source_buffer(za, xml.data, xml.len, 0);
    zip_file_add(za, "word/document.xml", doc, ZIP_FL_OVERWRITE);
    zip_close(za);
    zip_stat_t st;
    zip_source_stat(src, &st);
    char *out = xmalloc(st.size);
    zip_source_open(src);
    *len = (size_t)zip_source_read(src, out, st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    buf_cleanup(&xml);
    return out;
}

static double now_s(void)
{
    return (double)time_mono_us() / 1e6;
}

/* Runs fn on data until at least min_s have passed; seconds per run. */
static double per_run(reader_fn fn, const char *fmt, const void *data, size_t len, double min_s,
                      size_t *chunks)
{
    int runs = 0;
    double t0 = now_s(), t;
    do {
        if (extract_and_chunk(fn, fmt, data, len, chunks) != ST_OK)
            return -1;
        runs++;
    } while ((t = now_s() - t0) < min_s);
    return t / runs;
}

int main(int argc, char **argv)
{
    int pages = argc > 1 ? atoi(argv[1]) : 200;
    char *make_pdf = build_path("tests/support/make-pdf"),
         *extractor = build_path("bin/ingest-extract");
    char pdf_path[] = "/tmp/bench-extract-XXXXXX";
    int fd = mkstemp(pdf_path);
    size_t len, chunks = 0;
    if (fd < 0)
        return 1;
    close(fd);
    buf_t cmd = BUF_INIT;
    buf_printf(&cmd, "%s %s %d", make_pdf, pdf_path, pages);
    if (system(cmd.data) != 0) {
        fprintf(stderr, "bench_extract: %s failed\n", cmd.data);
        return 1;
    }
    char *pdf = slurp(pdf_path, &len);
    unlink(pdf_path);

    printf("extract + chunk (one core; figures only)\n");
    double t = per_run(extract_pdf, "pdf", pdf, len, 2.0, &chunks);
    printf("  PDF in process       %5d pages %6.1f KB: %8.1f pages/s (%zu chunks)\n", pages,
           len / 1024.0, pages / t, chunks);

    /* the same file through the sandboxed child, as ingest runs it */
    sandbox_limits_t l = {.bin = extractor};
    int runs = 0;
    double t0 = now_s();
    char why[256];
    do {
        Ingest__ExtractResult *r = NULL;
        if (sandbox_extract(&l, pdf, len, &r, why, sizeof why) != ST_OK) {
            fprintf(stderr, "bench_extract: sandbox: %s\n", why);
            break;
        }
        ingest__extract_result__free_unpacked(r, NULL);
        runs++;
    } while (now_s() - t0 < 2.0);
    if (runs)
        printf("  PDF in the sandbox   %5d pages: %8.1f pages/s (extract only, with the child's "
               "start)\n",
               pages, pages * runs / (now_s() - t0));
    free(pdf);

    size_t dlen;
    char *docx = make_docx(8u << 20, &dlen);
    t = per_run(extract_docx, "docx", docx, dlen, 2.0, &chunks);
    printf("  DOCX %5.1f MB text (%.1f MB zipped): %8.1f MB/s of text\n", 8.0, dlen / 1048576.0,
           8.0 / t);
    free(docx);

    char *txt = prose(16u << 20);
    size_t tlen = strlen(txt);
    t = per_run(extract_txt, "txt", txt, tlen, 2.0, &chunks);
    printf("  TXT UTF-8     %5.1f MB: %8.1f MB/s (%zu chunks)\n", tlen / 1048576.0,
           tlen / 1048576.0 / t, chunks);
    /* the same prose in Windows-1251: uchardet + iconv */
    iconv_t cd = iconv_open("WINDOWS-1251", "UTF-8");
    char *w = xmalloc(tlen), *in = txt, *o = w;
    size_t left = tlen, room = tlen;
    iconv(cd, &in, &left, &o, &room);
    iconv_close(cd);
    size_t wlen = (size_t)(o - w);
    t = per_run(extract_txt, "txt", w, wlen, 2.0, &chunks);
    printf("  TXT cp1251    %5.1f MB: %8.1f MB/s (%zu chunks)\n", wlen / 1048576.0,
           wlen / 1048576.0 / t, chunks);
    free(w);
    free(txt);
    buf_cleanup(&cmd);
    free(make_pdf);
    free(extractor);
    return 0;
}
