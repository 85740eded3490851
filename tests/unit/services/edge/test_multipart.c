/* test_multipart.c - the edge's multipart/form-data parser: boundaries from Content-Type, parts
 * with their names, file names (filename and filename*) and types, bytes that look like the
 * delimiter, preamble and epilogue, every split of the input giving the same parts, and the
 * malformed forms it refuses. */
#include <criterion/criterion.h>
#include <string.h>

#include "services/edge/edge.h"
#include "services/edge/multipart.h"
#include "shared/util.h"

edge_t edge; /* the edge's global, defined by main.c in the program (linked, unused here) */

/* What the callbacks saw, as text: "[name|filename|type]data" per part, "!" at each end. */
typedef struct {
    buf_t log;
    int stop_at; /* stop on this part's begin (1-based); 0 never */
    int parts;
} seen_t;

static int on_begin(void *ctx, const mp_part_t *p)
{
    seen_t *s = ctx;
    buf_printf(&s->log, "[%s|%s%s|%s]", p->name, p->has_filename ? "f:" : "", p->filename,
               p->content_type);
    return ++s->parts == s->stop_at;
}

static int on_data(void *ctx, const char *d, size_t n)
{
    seen_t *s = ctx;
    cr_assert_gt(n, 0);
    buf_append(&s->log, d, n);
    return 0;
}

static int on_end(void *ctx)
{
    buf_putc(&((seen_t *)ctx)->log, '!');
    return 0;
}

static const mp_callbacks_t cbs = {on_begin, on_data, on_end};

/* Parses body in pieces of `piece` bytes (0: whole); returns the final result, log in s. */
static mp_result_t run(const char *boundary, const char *body, size_t len, size_t piece, seen_t *s)
{
    mp_parser_t *p = xmalloc(sizeof *p);
    mp_result_t r = MP_MORE;
    mp_init(p, boundary, &cbs, s);
    for (size_t off = 0; off < len && (r == MP_MORE || r == MP_DONE);) {
        size_t n = piece && len - off > piece ? piece : len - off;
        r = mp_feed(p, body + off, n);
        off += n;
    }
    if (r == MP_MORE || r == MP_DONE)
        r = mp_finish(p);
    free(p);
    return r;
}

static const char form[] = "preamble to ignore\r\n"
                           "--XyZ\r\n"
                           "Content-Disposition: form-data; name=\"category_id\"\r\n"
                           "\r\n"
                           "abc\r\n"
                           "--XyZ  \r\n"
                           "content-disposition: form-data; name=file; filename=\"a b.pdf\"\r\n"
                           "Content-Type: application/pdf\r\n"
                           "\r\n"
                           "%PDF\r\n--XyQ\r\r\n-\r\n--Xy\r\n\r\n"
                           "--XyZ--\r\n"
                           "epilogue --XyZ garbage";
static const char form_log[] = "[category_id||]abc![file|f:a b.pdf|application/pdf]"
                               "%PDF\r\n--XyQ\r\r\n-\r\n--Xy\r\n!";

Test(multipart, parts_names_and_bytes)
{
    seen_t s = {BUF_INIT, 0, 0};
    cr_assert_eq(run("XyZ", form, sizeof form - 1, 0, &s), MP_DONE);
    cr_assert_str_eq(s.log.data, form_log);
    buf_cleanup(&s.log);
}

Test(multipart, every_split_gives_the_same_parts)
{
    for (size_t piece = 1; piece < sizeof form; piece++) {
        seen_t s = {BUF_INIT, 0, 0};
        cr_assert_eq(run("XyZ", form, sizeof form - 1, piece, &s), MP_DONE, "piece %zu", piece);
        cr_assert_str_eq(s.log.data, form_log, "piece %zu", piece);
        buf_cleanup(&s.log);
    }
    /* and every two-piece split */
    for (size_t cut = 0; cut < sizeof form; cut++) {
        seen_t s = {BUF_INIT, 0, 0};
        mp_parser_t *p = xmalloc(sizeof *p);
        mp_init(p, "XyZ", &cbs, &s);
        mp_feed(p, form, cut);
        mp_feed(p, form + cut, sizeof form - 1 - cut);
        cr_assert_eq(mp_finish(p), MP_DONE);
        cr_assert_str_eq(s.log.data, form_log, "cut %zu", cut);
        free(p);
        buf_cleanup(&s.log);
    }
}

Test(multipart, binary_bytes_pass_through)
{
    char body[600];
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (char)(i * 7 % 256); /* NULs, CRs, LFs, dashes */
    buf_puts(&b, "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n");
    buf_append(&b, body, sizeof body);
    buf_puts(&b, "\r\n--b--");
    seen_t s = {BUF_INIT, 0, 0};
    cr_assert_eq(run("b", b.data, b.len, 3, &s), MP_DONE);
    const char *data = strchr(s.log.data, ']') + 1;
    cr_assert_eq(s.log.len - (size_t)(data - s.log.data), sizeof body + 1);
    cr_assert(memcmp(data, body, sizeof body) == 0);
    buf_cleanup(&s.log);
    buf_cleanup(&b);
}

Test(multipart, filename_star_wins_and_escapes)
{
    static const char f[] = "--q\r\n"
                            "Content-Disposition: form-data; name=\"file\"; "
                            "filename=\"fallback.txt\"; filename*=UTF-8''%D0%BF%D1%80%20x.txt\r\n"
                            "\r\nA\r\n--q\r\n"
                            "Content-Disposition: form-data; name=\"f2\"; "
                            "filename=\"C:\\dir\\say \\\"hi\\\".txt\"\r\n"
                            "\r\n\r\n--q\r\n"
                            "Content-Disposition: form-data; name=\"f3\"; filename=\"\"\r\n"
                            "\r\n\r\n--q--";
    seen_t s = {BUF_INIT, 0, 0};
    cr_assert_eq(run("q", f, sizeof f - 1, 0, &s), MP_DONE);
    cr_assert_str_eq(s.log.data, "[file|f:пр x.txt|]A![f2|f:C:\\dir\\say \"hi\".txt|]![f3|f:|]!");
    buf_cleanup(&s.log);
}

Test(multipart, a_callback_stops_the_parser)
{
    seen_t s = {BUF_INIT, 2, 0};
    cr_assert_eq(run("XyZ", form, sizeof form - 1, 0, &s), MP_STOPPED);
    cr_assert_eq(s.parts, 2);
    buf_cleanup(&s.log);
}

static void expect_bad(const char *boundary, const char *body, const char *why)
{
    for (size_t piece = 0; piece < 3; piece++) {
        seen_t s = {BUF_INIT, 0, 0};
        mp_parser_t *p = xmalloc(sizeof *p);
        mp_result_t r = MP_MORE;
        mp_init(p, boundary, &cbs, &s);
        for (size_t off = 0, len = strlen(body); off < len && r != MP_BAD;) {
            size_t n = piece && len - off > piece ? piece : len - off;
            r = mp_feed(p, body + off, n);
            off += n;
        }
        if (r != MP_BAD)
            r = mp_finish(p);
        cr_assert_eq(r, MP_BAD, "%s", body);
        cr_assert(strstr(mp_error(p), why), "%s: %s", body, mp_error(p));
        cr_assert_eq(mp_feed(p, "x", 1), MP_BAD); /* stays failed */
        free(p);
        buf_cleanup(&s.log);
    }
}

Test(multipart, malformed_forms_are_refused)
{
    expect_bad("b", "", "closing boundary");
    expect_bad("b", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx", "closing boundary");
    expect_bad("b", "--b\r\n\r\nx\r\n--b--", "no Content-Disposition");
    expect_bad("b", "--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--",
               "not form-data");
    expect_bad("b", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "no name");
    expect_bad("b", "--b\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n\r\n--b--",
               "repeated");
    expect_bad("b", "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\n\r\n--b--",
               "malformed");
    expect_bad("b", "--b\nContent-Disposition: form-data; name=a\n\nx\r\n--b--", "CRLF");
    expect_bad("b", "--b\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\n\r\n--b--",
               "bare LF");
    expect_bad("b", "--b\r\nno colon\r\n\r\n\r\n--b--", "malformed header");
    expect_bad("b", "--bx\r\n", "neither");
    buf_t big = BUF_INIT;
    buf_puts(&big, "--b\r\nContent-Disposition: form-data; name=a\r\nX-Pad: ");
    for (int i = 0; i < MP_HEAD_MAX; i++)
        buf_putc(&big, 'p');
    buf_puts(&big, "\r\n\r\n\r\n--b--");
    expect_bad("b", big.data, "too large");
    buf_cleanup(&big);
}

Test(multipart, boundary_from_content_type)
{
    char b[MP_BOUNDARY_MAX + 1];
    cr_assert(mp_boundary("multipart/form-data; boundary=----WebKitFormBoundaryA1", b, sizeof b));
    cr_assert_str_eq(b, "----WebKitFormBoundaryA1");
    cr_assert(mp_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\"", b, sizeof b));
    cr_assert_str_eq(b, "a b:c");
    cr_assert_not(mp_boundary(NULL, b, sizeof b));
    cr_assert_not(mp_boundary("application/json", b, sizeof b));
    cr_assert_not(mp_boundary("multipart/form-data", b, sizeof b));
    cr_assert_not(mp_boundary("multipart/form-data; boundary=", b, sizeof b));
    cr_assert_not(mp_boundary("multipart/form-data; boundary=\"a \"", b, sizeof b));
    cr_assert_not(mp_boundary("multipart/form-data; boundary=\"a\rb\"", b, sizeof b));
    cr_assert_not(mp_boundary("multipart/form-data; boundary=a; boundary=b", b, sizeof b));
    cr_assert_not(mp_boundary("multipart/mixed; boundary=a", b, sizeof b));
    char longb[128];
    memset(longb, 'x', sizeof longb);
    snprintf(longb, sizeof longb, "multipart/form-data; boundary=%071d", 0);
    cr_assert_not(mp_boundary(longb, b, sizeof b));
    snprintf(longb, sizeof longb, "multipart/form-data; boundary=%070d", 0);
    cr_assert(mp_boundary(longb, b, sizeof b));
}
