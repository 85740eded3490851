/* test_edge_fuzz.c - a real edge fed random and mutated request streams over TCP (the fuzz
 * corpus's seeds, bit flips, splices, truncations, random bytes, random write sizes, clients
 * that hang up early) still answers /api/health and a pipelined GET + POST afterwards, and
 * stops cleanly on SIGTERM. It runs a second edge of its own so that SIGTERM can be checked. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/rawhttp.h"

#define CORPUS   "tests/fuzz/corpus/h1parse"
#define DURATION 15 /* seconds of traffic */
#define MAX_SEED 64

static buf_t seeds[MAX_SEED];
static int nseeds;

static void load_seeds(void)
{
    DIR *d = opendir(CORPUS);
    struct dirent *e;
    cr_assert(d, "run from the repository root: %s is missing", CORPUS);
    while ((e = readdir(d)) && nseeds < MAX_SEED) {
        char path[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", CORPUS, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char chunk[4096];
        size_t n;
        buf_init(&seeds[nseeds]);
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&seeds[nseeds], chunk, n);
        fclose(f);
        nseeds++;
    }
    closedir(d);
    cr_assert_gt(nseeds, 5);
}

/* One stream: a seed (or two spliced, or random bytes) with a few mutations. */
static void make_stream(buf_t *out, unsigned *rs)
{
    buf_reset(out);
    int kind = rand_r(rs) % 10;
    if (kind == 0) {
        size_t n = (size_t)(rand_r(rs) % 4096);
        for (size_t i = 0; i < n; i++)
            buf_putc(out, (char)rand_r(rs));
        return;
    }
    const buf_t *a = &seeds[rand_r(rs) % nseeds];
    buf_append(out, a->data, a->len);
    if (kind == 1) {
        const buf_t *b = &seeds[rand_r(rs) % nseeds];
        buf_append(out, b->data, b->len);
    }
    int muts = rand_r(rs) % 6;
    for (int m = 0; m < muts && out->len; m++) {
        size_t at = (size_t)rand_r(rs) % out->len;
        switch (rand_r(rs) % 5) {
        case 0: /* flip a bit */
            out->data[at] ^= (char)(1 << (rand_r(rs) % 8));
            break;
        case 1: /* a byte that matters to framing */
            out->data[at] = "\r\n\0 :;,0f-+"[rand_r(rs) % 11];
            break;
        case 2: /* truncate */
            out->len = at;
            break;
        case 3: { /* duplicate a span */
            size_t n = (size_t)rand_r(rs) % (out->len - at) + 1;
            char *copy = xstrndup(out->data + at, n);
            buf_append(out, copy, n);
            free(copy);
            break;
        }
        case 4: /* a digit (lengths, chunk sizes) */
            out->data[at] = (char)('0' + rand_r(rs) % 10);
            break;
        }
    }
}

static void send_stream(int port, const buf_t *s, unsigned *rs)
{
    int fd = rawhttp_connect(port);
    if (fd < 0)
        return;
    for (size_t off = 0; off < s->len;) {
        size_t n = rand_r(rs) % 3 ? s->len - off : (size_t)rand_r(rs) % (s->len - off) + 1;
        ssize_t w = send(fd, s->data + off, n, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (rand_r(rs) % 4) { /* read some of the answer, or hang up at once */
        rawhttp_t r = {0};
        rawhttp_read(fd, 30, &r);
        rawhttp_cleanup(&r);
    }
    close(fd);
}

Test(edge_fuzz, survives_random_streams_and_stops_on_sigterm, .timeout = 120)
{
    char port_env[32], url[64];
    int port = harness_free_port();
    cr_assert_gt(port, 0);
    snprintf(port_env, sizeof port_env, "EDGE_PORT=%d", port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    pid_t edge = harness_spawn_service("edge", (const char *[]){port_env, NULL});
    cr_assert_gt(edge, 0);
    cr_assert(harness_wait_ready(url, 20000));
    load_seeds();

    unsigned rs = (unsigned)time_now_ms();
    buf_t s = BUF_INIT;
    int64_t end = time_mono_us() + DURATION * 1000000LL;
    int streams = 0;
    while (time_mono_us() < end) {
        make_stream(&s, &rs);
        send_stream(port, &s, &rs);
        streams++;
    }
    buf_cleanup(&s);
    cr_log_info("%d streams sent", streams);

    cr_assert(rawhttp_healthy(port), "the edge still answers after %d streams", streams);
    const char *req = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
                      "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
    rawhttp_t r;
    rawhttp_exchange(port, req, strlen(req), 0, 0, &r);
    cr_assert_eq(r.n, 2, "%s", r.data);
    cr_assert_eq(r.status[0], 200);
    cr_assert_eq(r.status[1], 400);
    rawhttp_cleanup(&r);
    cr_assert_eq(harness_stop(edge), 0, "SIGTERM stops the edge cleanly (status 0)");
    for (int i = 0; i < nseeds; i++)
        buf_cleanup(&seeds[i]);
}
