/* test_embed_janitor.c - the cache stays under EMBED_CACHE_MAX_ROWS: the janitor deletes the
 * least recently used rows. (Its own binary: the janitor evicts across organisations, so it
 * must not run beside the cache assertions of test_embed_provider.)
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provider_fixture.h"

TestSuite(embed_janitor, .timeout = 120);

static int all_rows(void)
{
    char *v = harness_pg_value("SELECT count(*) FROM embed.cache");
    int n = v ? atoi(v) : -1;
    free(v);
    return n;
}

Test(embed_janitor, evicts_the_least_recently_used_beyond_the_bound)
{
    fix_t f;
    const char *env[] = {"EMBED_CACHE_MAX_ROWS=6", "EMBED_CACHE_JANITOR_MS=100", NULL};
    fix_start(&f, NULL, env);
    Embed__EmbedReply *r = NULL;
    char err[256];

    cr_assert(harness_pg_exec("DELETE FROM embed.cache"));
    const char *old[] = {"old one", "old two", "old three", "old four"};
    cr_assert_eq(embed_call(f.bus, f.org, old, 4, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    /* make them older than what follows (used_at is touched at most once a minute) */
    cr_assert(harness_pg_exec("UPDATE embed.cache SET used_at = now() - interval '1 hour'"));
    const char *fresh[] = {"new one", "new two", "new three", "new four", "new five", "new six"};
    cr_assert_eq(embed_call(f.bus, f.org, fresh, 6, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    int n = -1;
    for (int i = 0; i < 100 && (n = all_rows()) > 6; i++)
        usleep(100 * 1000);
    cr_assert_eq(n, 6, "rows: %d", n);
    /* the old ones went; the new ones are all still cached */
    cr_assert_eq(embed_call(f.bus, f.org, fresh, 6, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->cached, 6);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    cr_assert_eq(embed_call(f.bus, f.org, old, 4, NULL, &r, err, sizeof err), ST_OK, "%s", err);
    cr_assert_eq(r->cached, 0);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    fix_stop(&f);
}
