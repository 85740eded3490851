/* test_detect.c - a document's format from its content (services/ingest/detect.c). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "extract/fixture.h"
#include "services/ingest/detect.h"

static doc_format_t detect_file(const char *file, const char *name, char *mime, size_t mime_len)
{
    size_t len;
    char *data = fixture(file, &len);
    doc_format_t f = detect_format(data, len, name, mime, mime_len);
    free(data);
    return f;
}

Test(detect, formats_from_content)
{
    char mime[128];
    cr_assert_eq(detect_file("sample.pdf", "x.docx", mime, sizeof mime), DOC_PDF);
    cr_assert_str_eq(mime, "application/pdf");
    cr_assert_eq(detect_file("encrypted.pdf", NULL, NULL, 0), DOC_PDF);
    cr_assert_eq(detect_file("sample.docx", "a.pdf", mime, sizeof mime), DOC_DOCX);
    cr_assert_str_eq(mime,
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    cr_assert_eq(detect_file("utf8.txt", "notes", NULL, 0), DOC_TXT);
    cr_assert_eq(detect_file("cp1251.txt", "a.txt", NULL, 0), DOC_TXT);
    cr_assert_eq(detect_file("koi8r.txt", NULL, NULL, 0), DOC_TXT);
    cr_assert_eq(detect_file("utf16.txt", NULL, NULL, 0), DOC_TXT);
    cr_assert_eq(detect_file("sample.md", "README.md", NULL, 0), DOC_MD);
    cr_assert_eq(detect_file("sample.md", "Notes.MARKDOWN", NULL, 0), DOC_MD);
    cr_assert_eq(detect_file("sample.md", "notes.txt", NULL, 0), DOC_TXT);
    cr_assert_eq(detect_file("image.png", "photo.md", mime, sizeof mime), DOC_UNKNOWN);
    cr_assert_str_eq(mime, "image/png");
}

Test(detect, plain_zip_is_not_docx)
{
    /* a stored zip with one entry "a.txt" */
    static const unsigned char zip[] = {
        'P', 'K', 3,  4, 10, 0, 0,   0,   0,   0,   0,   0,   0,   0,   0x43, 0xBE, 0xB7, 0xE8, 1,
        0,   0,   0,  1, 0,  0, 0,   5,   0,   0,   0,   'a', '.', 't', 'x',  't',  'x',  'P',  'K',
        1,   2,   20, 0, 10, 0, 0,   0,   0,   0,   0,   0,   0,   0,   0x43, 0xBE, 0xB7, 0xE8, 1,
        0,   0,   0,  1, 0,  0, 0,   5,   0,   0,   0,   0,   0,   0,   0,    0,    0,    0,    0,
        0,   0,   0,  0, 0,  0, 'a', '.', 't', 'x', 't', 'P', 'K', 5,   6,    0,    0,    0,    0,
        1,   0,   1,  0, 51, 0, 0,   0,   36,  0,   0,   0,   0,   0};
    char mime[128];
    cr_assert_eq(detect_format(zip, sizeof zip, "a.docx", mime, sizeof mime), DOC_UNKNOWN);
    cr_assert_str_eq(mime, "application/zip");
}

Test(detect, docx_named_only_in_the_zip)
{
    /* python's zipfile writes no OOXML hints libmagic knows: found by the entry's name */
    size_t len;
    char *data = fixture("sample.docx", &len);
    char mime[128];
    /* the first entry of sample.docx is [Content_Types].xml; hide it from libmagic */
    for (size_t i = 0; i + 19 <= len; i++)
        if (memcmp(data + i, "[Content_Types].xml", 19) == 0)
            data[i] = '(';
    cr_assert_eq(detect_format(data, len, NULL, mime, sizeof mime), DOC_DOCX);
    free(data);
}

Test(detect, empty_and_names)
{
    char mime[128];
    cr_assert_eq(detect_format("", 0, "a.txt", mime, sizeof mime), DOC_UNKNOWN);
    cr_assert_eq(detect_format("\0\1\2\3\4\5", 6, "a.txt", NULL, 0), DOC_UNKNOWN);
    cr_assert_str_eq(detect_format_name(DOC_PDF), "pdf");
    cr_assert_str_eq(detect_format_name(DOC_DOCX), "docx");
    cr_assert_str_eq(detect_format_name(DOC_TXT), "txt");
    cr_assert_str_eq(detect_format_name(DOC_MD), "md");
    cr_assert_str_eq(detect_format_name(DOC_UNKNOWN), "");
}

static void *detect_many(void *arg)
{
    const char *text = arg;
    for (int i = 0; i < 200; i++)
        if (detect_format(text, strlen(text), "a.md", NULL, 0) != DOC_MD)
            return (void *)1;
    return NULL;
}

Test(detect, thread_safe)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, detect_many, "# Title\n\nSome text.\n");
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert_null(r);
    }
}
