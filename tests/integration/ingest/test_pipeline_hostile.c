/* test_pipeline_hostile.c - files that cannot be read end `failed` with a reason a user can
 * read, and the service keeps serving: extract's hostile fixtures (tests/fixtures/documents/:
 * an encrypted PDF, a corrupt one, a PDF whose page tree loops, a DOCX cut in half, a DOCX zip
 * bomb), a PDF cut in the middle, a text file with no text. After them a good file still ends
 * ready, and the failed ones were not retried (a permanent failure is one attempt). */
#include "pipeline_helpers.h"

#define FIXTURES "tests/fixtures/documents/"

/* A readable reason: a sentence, not a status code or a stack of internals. */
static void assert_readable(const char *name, const kb_doc_t *d)
{
    cr_assert_str_eq(d->status, "failed", "%s ended %s", name, d->status);
    cr_assert(d->error && strlen(d->error) >= 10, "%s: reason '%s'", name,
              d->error ? d->error : "");
    cr_assert_null(strstr(d->error, "internal"), "%s: %s", name, d->error);
}

typedef struct {
    char *ids[64], *names[64];
    int n;
} uploads_t;

static void add(uploads_t *u, person_t *p, const char *name, const char *data, size_t len,
                const char *cat)
{
    u->names[u->n] = xstrdup(name);
    u->ids[u->n++] = kb_upload(p, name, data, len, cat, NULL);
}

Test(pipeline_hostile, bad_files_fail_with_a_reason_and_the_service_keeps_serving, .timeout = 600)
{
    person_t owner = {0};
    person_sign_up(&owner, "hostile");
    char *cat = mk_category(&owner, "Hostile", NULL);
    uploads_t u = {.n = 0};
    size_t len = 0;

    static const char *const fixtures[] = {"encrypted.pdf", "corrupt.pdf", "pages_loop.pdf",
                                           "truncated.docx", "bomb.docx"};
    for (size_t i = 0; i < ARRAY_LEN(fixtures); i++) {
        char *path = fmt(FIXTURES "%s", fixtures[i]);
        char *data = pipeline_slurp(path, &len);
        cr_assert_not_null(data, "fixture %s", path);
        add(&u, &owner, fixtures[i], data, len, cat);
        free(data);
        free(path);
    }

    /* A PDF cut in the middle: the magic says PDF, the rest is not there. */
    char *pdf = kb_make_pdf(20, &len);
    add(&u, &owner, "cut.pdf", pdf, len / 3, cat);
    free(pdf);

    /* Text without a word in it. */
    long blank_status = 0;
    char *blank = kb_upload(&owner, "blank.txt", "\n\n   \t\n\n", 8, cat, &blank_status);
    if (blank_status == 415) { /* libmagic may see no text at all: refused at the door */
        free(blank);
    } else {
        cr_assert_eq(blank_status, 201);
        u.names[u.n] = xstrdup("blank.txt");
        u.ids[u.n++] = blank;
    }

    for (int i = 0; i < u.n; i++) {
        kb_doc_t d;
        cr_assert_not_null(u.ids[i], "%s uploaded", u.names[i]);
        kb_wait(&owner, u.ids[i], 240000, &d);
        assert_readable(u.names[i], &d);
        cr_assert_eq(d.attempts, 1, "%s: a permanent failure is not retried", u.names[i]);
        kb_doc_cleanup(&d);
    }

    /* Still serving: a good file goes through. */
    static const char good[] = "Пункт выдачи на Лиговском проспекте закрыт на ремонт до марта. "
                               "The pickup point on Ligovsky Prospekt is closed for repairs "
                               "until March.";
    char *ok = kb_upload(&owner, "ligovsky.txt", good, strlen(good), cat, NULL);
    kb_doc_t d;
    kb_wait_ready(&owner, ok, &d);
    kb_doc_cleanup(&d);
    cr_assert_eq(kb_rank(&owner, "Когда откроется пункт выдачи на Лиговском?", NULL, 5, ok), 1);
    free(ok);

    for (int i = 0; i < u.n; i++) {
        free(u.ids[i]);
        free(u.names[i]);
    }
    free(cat);
    person_free(&owner);
}
