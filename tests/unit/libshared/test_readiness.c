/* test_readiness.c - libshared/src/readiness.c: a process with no check is not ready, one
 * failing check makes it unready and names itself with its reason, removal stops a check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/readiness.h"

static bool pass(void *arg, char *why, size_t whylen)
{
    (void)why;
    (void)whylen;
    (*(int *)arg)++;
    return true;
}

static bool fail(void *arg, char *why, size_t whylen)
{
    (void)arg;
    snprintf(why, whylen, "disconnected from NATS");
    return false;
}

Test(readiness, nothing_registered_is_not_ready)
{
    buf_t b = BUF_INIT;
    cr_assert_not(readiness_check(&b));
    cr_assert_str_eq(b.data, "[]");
    buf_cleanup(&b);
}

Test(readiness, all_must_pass)
{
    int runs = 0;
    buf_t b = BUF_INIT;
    readiness_add("database", pass, &runs);
    cr_assert(readiness_check(&b));
    cr_assert_str_eq(b.data, "[{\"name\":\"database\",\"status\":\"ok\"}]");
    buf_reset(&b);

    readiness_add("bus", fail, NULL);
    cr_assert_not(readiness_check(&b));
    cr_assert_str_eq(b.data, "[{\"name\":\"database\",\"status\":\"ok\"},"
                             "{\"name\":\"bus\",\"status\":\"disconnected from NATS\"}]");
    cr_assert_eq(runs, 2);

    readiness_remove(fail, NULL);
    readiness_remove(fail, NULL); /* not there any more: nothing happens */
    cr_assert(readiness_check(NULL));
    readiness_remove(pass, &runs);
    cr_assert_not(readiness_check(NULL));
    cr_assert_eq(runs, 3);
    buf_cleanup(&b);
}
