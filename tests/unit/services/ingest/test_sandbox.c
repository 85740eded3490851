/* test_sandbox.c - the sandboxed extraction (services/ingest/sandbox.c): the real extractor on
 * every fixture (good files answer blocks, bad ones an error for the user), and a stand-in that
 * misbehaves (tests/support/extract_hostile) stopped by each limit with its reason; no zombie and
 * no descriptor left behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "extract/fixture.h"
#include "services/ingest/sandbox.h"
#include "shared/util.h"

/* $(BUILD)/<rel>, from where this test binary lives ($(BUILD)/tests/unit/services/ingest/). */
static char *build_path(const char *rel)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(n, 0);
    self[n] = '\0';
    char *cut = strstr(self, "/tests/unit/services/ingest/");
    cr_assert_not_null(cut);
    *cut = '\0';
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s/%s", self, rel);
    return buf_steal(&b);
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void no_children_left(void)
{
    errno = 0;
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
    cr_assert_eq(errno, ECHILD);
}

/* Runs the real extractor on a fixture. */
static Ingest__ExtractResult *extract_fixture(const char *file, const char *name)
{
    size_t len;
    char *data = fixture(file, &len);
    char *bin = build_path("bin/ingest-extract");
    sandbox_limits_t l = {.bin = bin, .cpu_s = 20, .mem_mb = 1024, .wall_s = 60};
    Ingest__ExtractResult *r = NULL;
    char why[256] = "";
    status_t st = sandbox_extract_named(&l, name, data, len, &r, why, sizeof why);
    cr_assert_eq(st, ST_OK, "%s: %s (%s)", file, status_str(st), why);
    free(bin);
    free(data);
    return r;
}

Test(sandbox, good_files)
{
    int fds = open_fds();
    Ingest__ExtractResult *r = extract_fixture("sample.pdf", NULL);
    cr_assert_null(r->error);
    cr_assert_str_eq(r->format, "pdf");
    cr_assert_eq(r->pages, 2);
    cr_assert_eq(r->n_blocks, 6);
    cr_assert_eq(r->blocks[5]->page, 2);
    cr_assert_not_null(strstr(r->blocks[5]->text, "Собаки"));
    ingest__extract_result__free_unpacked(r, NULL);

    r = extract_fixture("sample.docx", "rules.docx");
    cr_assert_null(r->error);
    cr_assert_str_eq(r->format, "docx");
    cr_assert_eq(r->n_blocks, 12);
    ingest__extract_result__free_unpacked(r, NULL);

    r = extract_fixture("cp1251.txt", "rules.txt");
    cr_assert_str_eq(r->format, "txt");
    cr_assert_str_eq(r->encoding, "WINDOWS-1251");
    cr_assert_eq(r->n_blocks, 3);
    ingest__extract_result__free_unpacked(r, NULL);

    r = extract_fixture("sample.md", "hotel.md");
    cr_assert_str_eq(r->format, "md");
    cr_assert_str_eq(r->blocks[0]->kind, "heading");
    ingest__extract_result__free_unpacked(r, NULL);

    r = extract_fixture("sample.md", "hotel.txt"); /* the name tells md from txt */
    cr_assert_str_eq(r->format, "txt");
    ingest__extract_result__free_unpacked(r, NULL);
    cr_assert_eq(open_fds(), fds);
    no_children_left();
}

static void bad_file(const char *file, int status, const char *reason_prefix)
{
    Ingest__ExtractResult *r = extract_fixture(file, file);
    cr_assert_not_null(r->error, "%s has no error", file);
    cr_assert_eq(r->error_status, status, "%s: %d", file, r->error_status);
    cr_assert(strncmp(r->error, reason_prefix, strlen(reason_prefix)) == 0, "%s: %s", file,
              r->error);
    cr_assert_eq(r->n_blocks, 0);
    ingest__extract_result__free_unpacked(r, NULL);
}

Test(sandbox, bad_files_answer_a_reason)
{
    bad_file("encrypted.pdf", 422, "the PDF is password-protected");
    bad_file("corrupt.pdf", 422, "the PDF file is damaged");
    bad_file("pages_loop.pdf", 422, "the PDF has no text");
    bad_file("truncated.docx", 422, "the DOCX file is damaged");
    bad_file("bomb.docx", 422, "the file expands to more than");
    bad_file("image.png", 415, "files of type image/png cannot be read");
    no_children_left();
}

/* Big input and big answer at once: the pipes are pumped together. */
Test(sandbox, big_text_no_deadlock)
{
    buf_t b = BUF_INIT;
    while (b.len < 6u << 20)
        buf_puts(&b, "Номер стоит 120 евро за ночь, завтрак включён.\n\n");
    char *bin = build_path("bin/ingest-extract");
    sandbox_limits_t l = {.bin = bin, .wall_s = 60};
    Ingest__ExtractResult *r = NULL;
    char why[256];
    cr_assert_eq(sandbox_extract(&l, b.data, b.len, &r, why, sizeof why), ST_OK, "%s", why);
    cr_assert_null(r->error);
    cr_assert_gt(r->n_blocks, 60000);
    ingest__extract_result__free_unpacked(r, NULL);
    free(bin);
    buf_cleanup(&b);
    no_children_left();
}

/* The stand-in told what to do by its input. */
static status_t hostile(const char *what, sandbox_limits_t l, char *why, size_t why_len)
{
    char *bin = build_path("tests/support/extract-hostile");
    Ingest__ExtractResult *r = NULL;
    l.bin = bin;
    int fds = open_fds();
    status_t st = sandbox_extract(&l, what, strlen(what), &r, why, why_len);
    if (r)
        ingest__extract_result__free_unpacked(r, NULL);
    free(bin);
    cr_assert_eq(open_fds(), fds, "%s left a descriptor open", what);
    no_children_left();
    return st;
}

Test(sandbox, cpu_limit)
{
    char why[256];
    cr_assert_eq(hostile("spin", (sandbox_limits_t){.cpu_s = 1, .wall_s = 30}, why, sizeof why),
                 ST_UNPROCESSABLE);
    cr_assert_str_eq(why, "the file needs more than 1 s of processor time to read");
}

Test(sandbox, memory_limit)
{
    char why[256];
    cr_assert_eq(hostile("alloc", (sandbox_limits_t){.mem_mb = 64, .wall_s = 30}, why, sizeof why),
                 ST_UNPROCESSABLE);
    cr_assert_str_eq(why, "the file needs more than 64 MB of memory to read");
}

Test(sandbox, wall_time)
{
    char why[256];
    int64_t t0 = time_mono_us();
    cr_assert_eq(hostile("sleep", (sandbox_limits_t){.wall_s = 1}, why, sizeof why), ST_TIMEOUT);
    cr_assert_str_eq(why, "the file took longer than 1 s to read");
    cr_assert_lt(time_mono_us() - t0, 5000000);
    /* a grandchild holding stdout open dies with its process group */
    t0 = time_mono_us();
    cr_assert_eq(hostile("fork", (sandbox_limits_t){.wall_s = 1}, why, sizeof why), ST_TIMEOUT);
    cr_assert_lt(time_mono_us() - t0, 5000000);
}

Test(sandbox, seccomp_crash_and_bad_answers)
{
    char why[256];
    sandbox_limits_t l = {.wall_s = 30};
    cr_assert_eq(hostile("syscall", l, why, sizeof why), ST_UNPROCESSABLE);
    cr_assert_str_eq(why, "the reader tried something the sandbox forbids on this file");
    cr_assert_eq(hostile("crash", l, why, sizeof why), ST_UNPROCESSABLE);
    cr_assert_str_eq(why, "the reader crashed on this file (signal 11)");
    cr_assert_eq(hostile("garbage", l, why, sizeof why), ST_UNPROCESSABLE);
    cr_assert_str_eq(why, "the reader gave no usable answer for this file");
    cr_assert_eq(hostile("exit3", l, why, sizeof why), ST_UNPROCESSABLE);
    cr_assert_str_eq(why, "the reader failed on this file (exit status 3)");
    cr_assert_eq(hostile("flood", l, why, sizeof why), ST_UNPROCESSABLE);
    cr_assert_str_eq(why, "the file holds more text than can be indexed");
    cr_assert_eq(hostile("ok", l, why, sizeof why), ST_OK);
}

Test(sandbox, missing_binary)
{
    sandbox_limits_t l = {.bin = "/nonexistent/ingest-extract"};
    Ingest__ExtractResult *r = NULL;
    char why[256];
    cr_assert_eq(sandbox_extract(&l, "x", 1, &r, why, sizeof why), ST_UNAVAILABLE);
    cr_assert_null(r);
    cr_assert_str_eq(why, "the file cannot be read now (the reader cannot start)");
    no_children_left();
}

Test(sandbox, limits_from_env)
{
    sandbox_limits_t l;
    setenv("INGEST_EXTRACT_BIN", "/opt/x", 1);
    setenv("INGEST_EXTRACT_CPU_S", "5", 1);
    setenv("INGEST_EXTRACT_MEM_MB", "256", 1);
    unsetenv("INGEST_EXTRACT_WALL_S");
    cr_assert_eq(sandbox_limits_from_env(&l), ST_OK);
    cr_assert_str_eq(l.bin, "/opt/x");
    cr_assert_eq(l.cpu_s, 5);
    cr_assert_eq(l.mem_mb, 256);
    cr_assert_eq(l.wall_s, 0);
    setenv("INGEST_EXTRACT_WALL_S", "ten", 1);
    cr_assert_eq(sandbox_limits_from_env(&l), ST_INVALID);
    setenv("INGEST_EXTRACT_WALL_S", "-1", 1);
    cr_assert_eq(sandbox_limits_from_env(&l), ST_INVALID);
}
