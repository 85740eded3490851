/* provider_fixture.h - an embed replica on the provider path for one test: the fake
 * OpenAI-compatible server (tests/support/fakeembed.h) in this process, a private nats-server
 * (so the stack's offline embed replicas, serving the same subjects in the same queue group,
 * never answer these calls), and `embed` started with EMBED_BASE_URL pointing at the fake and
 * NATS_URL at the private server. The replica shares the stack's database (the cache table).
 */
#ifndef TESTS_EMBED_PROVIDER_FIXTURE_H
#define TESTS_EMBED_PROVIDER_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embed_helpers.h"
#include "shared/util.h"
#include "stack/stack.h"
#include "tests/support/fakeembed.h"
#include "tests/support/harness.h"

#define FIX_KEY  "sk-fixture-0123456789abcdef"
#define FIX_DIMS 48

typedef struct {
    fakeembed_t *fake;
    pid_t nats, embed;
    bus_t *bus;
    char org[37];
} fix_t;

/* Starts everything; extra_env (NULL-terminated, may be NULL) adds to or overrides the
 * replica's EMBED_* settings (defaults: the fixture's key, model text-embedding-3-small,
 * batches of 4). Waits until the replica answers svc.embed.info. */
static inline void fix_start(fix_t *f, const fakeembed_opts_t *fo, const char *const *extra_env)
{
    fakeembed_opts_t o = fo ? *fo : (fakeembed_opts_t){0};
    int nport = harness_free_port();
    char nurl[64], base[96], ports[16];
    const char *env[24];
    size_t n = 0;

    memset(f, 0, sizeof *f);
    uuid_new(f->org); /* a fresh organisation: its cache starts empty */
    if (!o.api_key)
        o.api_key = FIX_KEY;
    if (!o.dims)
        o.dims = FIX_DIMS;
    if (!o.models)
        o.models = "text-embedding-3-small";
    cr_assert_not_null(f->fake = fakeembed_start(&o));

    snprintf(ports, sizeof ports, "%d", nport);
    char *argv[] = {"/usr/sbin/nats-server", "-a", "127.0.0.1", "-p", ports, NULL};
    stack_spawn_opts_t so = STACK_SPAWN_OPTS_INIT;
    so.log_path = "/dev/null";
    so.own_group = false;
    cr_assert_eq(stack_spawn(argv[0], argv, NULL, &so, &f->nats), ST_OK);
    cr_assert_eq(stack_port_wait(nport, f->nats, 10000), ST_OK);

    snprintf(nurl, sizeof nurl, "NATS_URL=nats://127.0.0.1:%d", nport);
    snprintf(base, sizeof base, "EMBED_BASE_URL=http://127.0.0.1:%d/v1", fakeembed_port(f->fake));
    env[n++] = nurl;
    env[n++] = base;
    env[n++] = "EMBED_API_KEY=" FIX_KEY;
    env[n++] = "EMBED_MODEL=text-embedding-3-small";
    env[n++] = "EMBED_BATCH=4";
    env[n++] = "EMBED_TIMEOUT_MS=20000";
    for (size_t i = 0; extra_env && extra_env[i] && n + 1 < ARRAY_LEN(env); i++)
        env[n++] = extra_env[i];
    env[n] = NULL;
    cr_assert_gt(f->embed = harness_spawn_service("embed", env), 0);

    cr_assert_eq(bus_connect("test-embed-provider", nurl + strlen("NATS_URL="), 10000, &f->bus),
                 ST_OK);
    Embed__InfoReply *info = NULL;
    status_t st = ST_UNAVAILABLE;
    for (int i = 0; i < 300 && (st = embed_info(f->bus, &info)) != ST_OK; i++)
        usleep(50 * 1000);
    cr_assert_eq(st, ST_OK, "the provider replica did not start");
    protobuf_c_message_free_unpacked(&info->base, NULL);
}

static inline void fix_stop(fix_t *f)
{
    bus_free(f->bus);
    if (f->embed > 0)
        cr_expect_eq(harness_stop(f->embed), 0, "the embed replica did not stop cleanly");
    if (f->nats > 0)
        stack_proc_stop(f->nats, SIGTERM, 5000);
    fakeembed_stop(f->fake);
}

/* The number of cache rows of the fixture's organisation. */
static inline int fix_cache_rows(const fix_t *f)
{
    const char *p[] = {f->org};
    char *v = harness_pg_value_params("SELECT count(*) FROM embed.cache WHERE org_id = $1", 1, p);
    int n = v ? atoi(v) : -1;
    free(v);
    return n;
}

#endif
