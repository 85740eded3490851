/* test_spool.c - writing mails into the mail spool folder (services/auth/spool.c). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/auth/spool.h"

static char root[64];

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/auth-spool-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(spool, .init = setup, .fini = teardown);

Test(spool, creates_nested_dirs_and_writes_atomically)
{
    char dir[128], path[256], buf[64];
    char *name = NULL;
    snprintf(dir, sizeof dir, "%s/var/mail-spool", root);
    cr_assert_eq(auth_spool_init(dir), ST_OK);
    cr_assert_eq(auth_spool_init(dir), ST_OK, "idempotent");
    cr_assert_eq(auth_spool_write(dir, "reset", "hello", 5, &name), ST_OK);
    cr_assert(strstr(name, "-reset-") && strstr(name, ".eml"), "%s", name);
    cr_assert_neq(name[0], '.');

    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert_eq(n, 5);
    cr_assert(memcmp(buf, "hello", 5) == 0);

    /* Only the final file is left: no temporary. */
    DIR *d = opendir(dir);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            files++;
    closedir(d);
    cr_assert_eq(files, 1);
    free(name);
}

Test(spool, unwritable_dir_is_an_error)
{
    char *name = NULL;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/missing", root);
    cr_assert_eq(auth_spool_write(dir, "reset", "x", 1, &name), ST_INTERNAL);
    cr_assert_null(name);
}
