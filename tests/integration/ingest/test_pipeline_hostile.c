/* test_pipeline_hostile.c - files that cannot be read end `failed` with a reason a user can
 * read, and the service keeps serving: a truncated PDF, an encrypted PDF (qpdf), a DOCX without
 * its document part, a text file with no text, and every file of extract's hostile fixtures
 * (tests/fixtures/documents/hostile/: zip bombs, looping PDFs...) when they are there. After
 * them a good file still ends ready, and the failed ones were not retried (a permanent failure
 * is one attempt). */
#include <dirent.h>

#include "pipeline_helpers.h"

#define HOSTILE_DIR "tests/fixtures/documents/hostile"

/* A readable reason: a sentence, not a status code or a stack of internals. */
static void assert_readable(const char *name, const kb_doc_t *d)
{
    cr_assert_str_eq(d->status, "failed", "%s ended %s", name, d->status);
    cr_assert(d->error && strlen(d->error) >= 10, "%s: reason '%s'", name,
              d->error ? d->error : "");
    cr_assert_null(strstr(d->error, "internal"), "%s: %s", name, d->error);
}

/* Runs cmd (which writes path) and reads path (then removed). */
static char *made_by(char *cmd, char *path, size_t *len)
{
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char *data = pipeline_slurp(path, len);
    cr_assert_not_null(data, "%s", cmd);
    unlink(path);
    free(cmd);
    free(path);
    return data;
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
    const char *var = harness_env("VAR_DIR");
    uploads_t u = {.n = 0};
    size_t len = 0;
    int me = (int)getpid();

    /* A PDF cut in the middle: the magic says PDF, the rest is not there. */
    char *pdf = kb_make_pdf(20, &len);
    add(&u, &owner, "truncated.pdf", pdf, len / 3, cat);

    /* The same PDF encrypted with a password (qpdf). */
    char *plain = fmt("%s/hostile-%d.pdf", var, me);
    FILE *f = fopen(plain, "wb");
    cr_assert_not_null(f);
    fwrite(pdf, 1, len, f);
    fclose(f);
    free(pdf);
    char *data = made_by(
        fmt("qpdf --encrypt secret secret 256 -- %s %s/hostile-%d-locked.pdf", plain, var, me),
        fmt("%s/hostile-%d-locked.pdf", var, me), &len);
    unlink(plain);
    free(plain);
    add(&u, &owner, "encrypted.pdf", data, len, cat);
    free(data);

    /* A DOCX that is a zip of the right types and no document. */
    char *docx = fmt("%s/hostile-%d.docx", var, me);
    data = made_by(fmt("tests/support/gen_docx.py %s x && /usr/bin/python3 -c \"import zipfile,"
                       "sys;z=zipfile.ZipFile(sys.argv[1]);d={i:z.read(i) for i in z.namelist() "
                       "if i!='word/document.xml'};z.close();w=zipfile.ZipFile(sys.argv[1],'w');"
                       "[w.writestr(k,v) for k,v in d.items()];w.close()\" %s",
                       docx, docx),
                   docx, &len);
    add(&u, &owner, "hollow.docx", data, len, cat);
    free(data);

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

    /* extract's hostile fixtures. */
    DIR *dir = opendir(HOSTILE_DIR);
    for (struct dirent *e; dir && (e = readdir(dir)) && u.n < 60;) {
        if (e->d_name[0] == '.')
            continue;
        char *path = fmt("%s/%s", HOSTILE_DIR, e->d_name);
        data = pipeline_slurp(path, &len);
        cr_assert_not_null(data, "%s", path);
        long status = 0;
        char *id = kb_upload(&owner, e->d_name, data, len, cat, &status);
        if (status == 415 || status == 413) { /* refused at the door: fine too */
            free(id);
        } else {
            cr_assert(status == 201, "%s: %ld", e->d_name, status);
            u.names[u.n] = xstrdup(e->d_name);
            u.ids[u.n++] = id;
        }
        free(data);
        free(path);
    }
    if (dir)
        closedir(dir);

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
