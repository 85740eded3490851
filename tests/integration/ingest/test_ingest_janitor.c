/* test_ingest_janitor.c - uploads that never finish are dropped with their pieces once older
 * than INGEST_UPLOAD_TTL_S, by any replica, across organisations; fresh ones stay. (Its own
 * binary: the short TTL of the replica it starts must not meet another test's upload.)
 */
#include "tests/integration/ingest/ingest_helpers.h"

Test(ingest_janitor, stale_uploads_go_with_their_pieces)
{
    char stale[37], fresh[37], org[37], user[37];
    uuid_new(stale);
    uuid_new(fresh);
    uuid_new(org);
    uuid_new(user);
    char *sql = fmt("INSERT INTO ingest.uploads (id, org_id, user_id, created_at, bytes, parts) "
                    "VALUES ('%s', '%s', '%s', now() - interval '2 hours', 3, 1), "
                    "('%s', '%s', '%s', now() + interval '1 hour', 3, 1); "
                    "INSERT INTO ingest.file_pieces (document_id, seq, data) "
                    "VALUES ('%s', 0, 'abc'), ('%s', 0, 'abc')",
                    stale, org, user, fresh, org, user, stale, fresh);
    cr_assert(harness_pg_exec(sql));
    free(sql);

    pid_t pid = harness_spawn_service("ingest", (const char *[]){"INGEST_UPLOAD_TTL_S=4", NULL});
    cr_assert_gt(pid, 0);
    char *gone = fmt("id = '%s'", stale), *pieces = fmt("document_id = '%s'", stale);
    char *kept = fmt("id = '%s'", fresh), *kept_pieces = fmt("document_id = '%s'", fresh);
    long n = 1;
    for (int i = 0; i < 200 && n; i++) { /* the janitor runs every second with this TTL */
        usleep(100 * 1000);
        n = ingest_count("uploads", gone);
    }
    cr_assert_eq(n, 0, "the stale upload is still there");
    cr_assert_eq(ingest_count("file_pieces", pieces), 0);
    cr_assert_eq(ingest_count("uploads", kept), 1);
    cr_assert_eq(ingest_count("file_pieces", kept_pieces), 1);
    cr_assert_eq(harness_stop(pid), 0);

    sql = fmt("DELETE FROM ingest.file_pieces WHERE %s; DELETE FROM ingest.uploads WHERE %s",
              kept_pieces, kept);
    cr_assert(harness_pg_exec(sql));
    free(sql);
    free(gone);
    free(pieces);
    free(kept);
    free(kept_pieces);
}
