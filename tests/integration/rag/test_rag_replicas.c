/* test_rag_replicas.c - two more rag replicas join the stack's own: requests through one edge are
 * spread over all of them (queue group `rag`), and after one replica stops cleanly and another is
 * killed hard, every later request is still answered by the one left. */
#include "rag_helpers.h"

/* How many categories the replica's log says it created. */
static int created_by(pid_t pid)
{
    char *path = harness_log_path("rag", pid), *log = slurp(path);
    int n = 0;
    for (const char *line = log; line && *line;) {
        const char *end = strchr(line, '\n');
        char *l = xstrndup(line, end ? (size_t)(end - line) : strlen(line));
        if (strstr(l, "\"msg\":\"category ") && strstr(l, " created\""))
            n++;
        free(l);
        line = end ? end + 1 : NULL;
    }
    free(log);
    free(path);
    return n;
}

Test(rag_replicas, spread_and_survive, .timeout = 120)
{
    const char *env[] = {"LOG_LEVEL=info", NULL};
    pid_t r1 = harness_spawn_service("rag", env), r2 = harness_spawn_service("rag", env);
    cr_assert_gt(r1, 0);
    cr_assert_gt(r2, 0);
    rag_wait_serving(r1);
    rag_wait_serving(r2);
    person_t o = {0};
    person_sign_up(&o, "rag-replicas");
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%02d", i);
        free(mk_category(&o, name, NULL));
    }
    cr_assert_gt(created_by(r1), 0, "replica 1 answered none of 40");
    cr_assert_gt(created_by(r2), 0, "replica 2 answered none of 40");

    cr_assert_eq(harness_stop(r1), 0, "a clean stop exits 0");
    cr_assert_eq(harness_kill(r2, SIGKILL), 0);
    harness_wait_exit(r2, 5000);
    usleep(200 * 1000); /* the server notices the dropped connection */
    for (int i = 0; i < 20; i++)
        free(mk_article(&o, "after", "the replicas went", NULL));
    cr_assert_eq(rag_count("categories", o.org_id), 40);
    cr_assert_eq(rag_count("articles", o.org_id), 20);
    cr_assert_eq(rag_events("evt.rag.article.created", o.org_id), 20);
    person_free(&o);
}
