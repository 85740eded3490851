/* test_pipeline_retries.c - transient failures on a private pipeline (tests/support/pipeline.h):
 * with no embed service the document goes back to queued and its item comes again with a
 * growing backoff; once embed is there it ends ready; with embed gone for good it ends failed
 * "processing failed N times: <the last reason>" at the last delivery (INGEST_MAX_DELIVER). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/pipeline.h"

static const char TEXT[] = "Скидка постоянного клиента «Сокол» составляет двенадцать процентов.\n"
                           "The Sokol loyalty discount is twelve percent.\n";

static char *field(pipeline_t *p, const char *doc, const char *expr)
{
    char *sql = NULL;
    if (asprintf(&sql, "SELECT (%s)::text FROM ingest.documents WHERE id = $1", expr) < 0)
        abort();
    char *v = pipeline_sql(p, sql, 1, (const char *[]){doc});
    free(sql);
    return v;
}

static int attempts(pipeline_t *p, const char *doc)
{
    char *v = field(p, doc, "attempts");
    int n = v ? atoi(v) : -1;
    free(v);
    return n;
}

Test(pipeline_retries, unavailable_embed_retried_then_ready_or_failed_at_the_last_delivery,
     .timeout = 300)
{
    pipeline_t p;
    char org[37], user[37], doc[37], doomed[37];
    log_init("test", "error");
    uuid_new(org);
    uuid_new(user);
    cr_assert_eq(pipeline_start(&p), ST_OK);
    pid_t rag = pipeline_spawn(&p, "rag", NULL);
    pid_t ingest = pipeline_spawn(&p, "ingest", (const char *[]){"INGEST_MAX_DELIVER=5", NULL});
    cr_assert(rag > 0 && ingest > 0);

    /* No embed service: tried, back to queued, tried again. */
    cr_assert_eq(pipeline_seed(&p, org, user, "sokol.txt", "txt", TEXT, strlen(TEXT), doc), ST_OK);
    cr_assert_eq(pipeline_enqueue(&p, org, user, doc, 1), ST_OK);
    for (int i = 0; i < 200 && attempts(&p, doc) < 2; i++)
        usleep(50 * 1000);
    cr_assert_eq(attempts(&p, doc), 2, "the item came again");
    char *status = field(&p, doc, "status");
    cr_assert(strcmp(status, "queued") == 0 || strcmp(status, "extracting") == 0 ||
                  strcmp(status, "chunking") == 0 || strcmp(status, "embedding") == 0,
              "waiting, not %s", status);
    free(status);

    /* embed arrives before the last delivery: ready. */
    pid_t embed = pipeline_spawn(&p, "embed", NULL);
    cr_assert_gt(embed, 0);
    status = pipeline_wait_status(&p, doc, 60000);
    cr_assert_str_eq(status, "ready");
    free(status);
    int n = attempts(&p, doc);
    cr_assert(n >= 2 && n <= 5, "attempts %d", n);

    /* embed gone for good: failed at the fifth delivery (after 0.5 + 1 + 2 + 4 s of backoff),
     * naming the last reason. */
    cr_assert_eq(harness_stop(embed), 0);
    cr_assert_eq(pipeline_seed(&p, org, user, "doomed.txt", "txt", TEXT, strlen(TEXT), doomed),
                 ST_OK);
    cr_assert_eq(pipeline_enqueue(&p, org, user, doomed, 1), ST_OK);
    status = pipeline_wait_status(&p, doomed, 60000);
    cr_assert_str_eq(status, "failed");
    free(status);
    char *error = field(&p, doomed, "error");
    cr_assert(error && strstr(error, "processing failed 5 times: "), "%s", error ? error : "");
    free(error);
    cr_assert_eq(attempts(&p, doomed), 5);

    harness_stop(ingest);
    harness_stop(rag);
    pipeline_stop(&p);
}
