/* bench_bus.c - round-trip latency of the bus alone: svc.auth.ping (no database: the health check
 * is answered from the worker pool) and svc.auth.verify with an unknown token (one indexed
 * lookup), called back to back from one thread. Prints percentiles; asserts nothing. Run inside
 * `devstack test` (make bench). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/auth.pb-c.h"
#include "proto/common.pb-c.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/util.h"

#define N 5000

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void run(bus_t *bus, const char *label, const char *subject, const ProtobufCMessage *in)
{
    static int64_t lat[N];
    for (int i = 0; i < N + 200; i++) {
        int64_t t0 = time_mono_us();
        status_t st = bus_call(bus, subject, NULL, in, NULL, NULL, NULL, 0, 2000);
        if (st != ST_OK && st != ST_UNAUTHORIZED && st != ST_UNAVAILABLE) {
            fprintf(stderr, "%s: %s\n", subject, status_str(st));
            exit(1);
        }
        if (i >= 200) /* warm-up excluded */
            lat[i - 200] = time_mono_us() - t0;
    }
    qsort(lat, N, sizeof lat[0], cmp);
    printf("bus %-28s p50 %4lld us  p90 %4lld us  p99 %4lld us\n", label, (long long)lat[N / 2],
           (long long)lat[N * 9 / 10], (long long)lat[N * 99 / 100]);
}

int main(void)
{
    bus_t *bus = NULL;
    log_init("bench", "warn");
    const char *url = getenv("NATS_URL");
    if (!url || bus_connect("bench", url, 5000, &bus)) {
        fprintf(stderr, "bench_bus: needs NATS_URL of a running stack\n");
        return 1;
    }
    run(bus, "ping (worker pool, no db)", "svc.auth.ping", NULL);
    Auth__VerifyRequest v = AUTH__VERIFY_REQUEST__INIT;
    v.token = "not-a-session-token-000000000000000000000000";
    run(bus, "verify (one indexed lookup)", "svc.auth.verify", &v.base);
    bus_free(bus);
    return 0;
}
