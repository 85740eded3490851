/* test_ingest_stream.c - the upload as bytes on the wire: a form written to a raw socket a few
 * bytes at a time and in chunked encoding, the edge's own limit (EDGE_MAX_UPLOAD) from
 * Content-Length at once and while streaming a chunked body, and a 50 MiB file (ingest's limit,
 * INGEST_MAX_FILE_BYTES's default) that goes through while the edge's resident memory grows by
 * less than 5 MiB, comes back byte for byte, and one byte more that is refused with 413.
 */
#include <signal.h>
#include <unistd.h>

#include "tests/integration/ingest/ingest_helpers.h"
#include "tests/support/rawhttp.h"

#define MIB (1024L * 1024)

/* A multipart body with one file (and a category when given), and its boundary. */
static char *form_body(const char *boundary, const char *name, const char *text, size_t *len)
{
    char *b = fmt("--%s\r\n"
                  "Content-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                  "Content-Type: text/plain\r\n\r\n"
                  "%s\r\n"
                  "--%s--\r\n",
                  boundary, name, text, boundary);
    *len = strlen(b);
    return b;
}

/* The request head for body (chunked when len is 0) as p. */
static char *form_head(person_t *p, const char *boundary, size_t len)
{
    char *sid = httpc_cookie(p->c, "sid");
    char *h = len ? fmt("POST /api/kb/documents HTTP/1.1\r\nHost: x\r\nCookie: sid=%s\r\n"
                        "Content-Type: multipart/form-data; boundary=%s\r\n"
                        "Content-Length: %zu\r\n\r\n",
                        sid, boundary, len)
                  : fmt("POST /api/kb/documents HTTP/1.1\r\nHost: x\r\nCookie: sid=%s\r\n"
                        "Content-Type: multipart/form-data; boundary=\"%s\"\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n",
                        sid, boundary);
    free(sid);
    return h;
}

/* body in chunks of 1, 2, 3, ... bytes, with the last chunk. */
static void chunked(const char *body, size_t len, buf_t *out)
{
    size_t n = 1;
    for (size_t off = 0; off < len; off += n, n = n % 97 + 1) {
        if (n > len - off)
            n = len - off;
        buf_printf(out, "%zx\r\n", n);
        buf_append(out, body + off, n);
        buf_puts(out, "\r\n");
    }
    buf_puts(out, "0\r\n\r\n");
}

static int edge_port(void)
{
    return (int)strtol(harness_env("EDGE_PORT"), NULL, 10);
}

Test(ingest_stream, split_writes_and_chunked_bodies)
{
    person_t o = {0};
    person_sign_up(&o, "ing-raw");
    char uuid[37];
    uuid_new(uuid);
    const char *boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    char *text = fmt("raw socket text %s, with \r\n--%.10s inside\r\n", uuid, boundary);
    size_t len;
    char *body = form_body(boundary, "raw.txt", text, &len);
    char *head = form_head(&o, boundary, len);
    buf_t wire = BUF_INIT;
    buf_puts(&wire, head);
    buf_append(&wire, body, len);

    rawhttp_t r;
    rawhttp_exchange(edge_port(), wire.data, wire.len, 7, 0, &r);
    cr_assert_eq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 201, "%s", r.data);
    char *id = json_field(r.body[0], "id");
    cr_assert_not_null(id);
    rawhttp_cleanup(&r);
    char *fpath = fmt("/api/kb/documents/%s/file", id);
    httpc_resp_t dl = HTTPC_RESP_INIT;
    req(o.c, "GET", fpath, NULL, &dl);
    expect_status(&dl, 200);
    cr_assert_eq(dl.body.len, strlen(text));
    cr_assert(memcmp(dl.body.data, text, strlen(text)) == 0);
    httpc_resp_cleanup(&dl);

    /* The same form, chunked, another file, then a pipelined GET on the same connection. */
    free(text);
    free(body);
    free(head);
    text = fmt("chunked text %s\n", uuid);
    body = form_body(boundary, "chunked.txt", text, &len);
    head = form_head(&o, boundary, 0);
    buf_reset(&wire);
    buf_puts(&wire, head);
    chunked(body, len, &wire);
    buf_puts(&wire, "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    rawhttp_exchange(edge_port(), wire.data, wire.len, 13, 0, &r);
    cr_assert_eq(r.n, 2, "%s", r.data);
    cr_assert_eq(r.status[0], 201, "%s", r.data);
    cr_assert_eq(r.status[1], 200, "%s", r.data);
    rawhttp_cleanup(&r);

    /* Expect: 100-continue: the edge invites the body once the caller is known. */
    free(text);
    free(body);
    free(head);
    text = fmt("expected text %s\n", uuid);
    body = form_body(boundary, "expect.txt", text, &len);
    head = form_head(&o, boundary, len);
    buf_reset(&wire);
    buf_append(&wire, head, strlen(head) - 2);
    buf_puts(&wire, "Expect: 100-continue\r\n\r\n");
    buf_append(&wire, body, len);
    rawhttp_exchange(edge_port(), wire.data, wire.len, 0, 0, &r);
    cr_assert_eq(r.n, 2, "%s", r.data);
    cr_assert_eq(r.status[0], 100, "%s", r.data);
    cr_assert_eq(r.status[1], 201, "%s", r.data);
    rawhttp_cleanup(&r);

    /* A form that breaks off: 400, and the connection closes. */
    buf_reset(&wire);
    free(head);
    head = form_head(&o, boundary, len);
    buf_puts(&wire, head);
    buf_append(&wire, body, len - 8); /* the closing boundary cut */
    buf_puts(&wire, "XXXXXXXX");
    rawhttp_exchange(edge_port(), wire.data, wire.len, 0, 0, &r);
    cr_assert_eq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 400, "%s", r.data);
    rawhttp_cleanup(&r);

    buf_cleanup(&wire);
    free(fpath);
    free(id);
    free(text);
    free(body);
    free(head);
    person_free(&o);
}

/* Another edge of the stack on a free port with extra settings (plus `extra`, may be NULL). */
static pid_t spawn_edge(int port, const char *extra, char **url)
{
    char penv[32];
    snprintf(penv, sizeof penv, "EDGE_PORT=%d", port);
    /* The sanitizer's quarantine keeps freed blocks resident: without it what is measured is
     * the edge's own memory, not ASan's bookkeeping. */
    const char *asan = getenv("ASAN_OPTIONS");
    char *aenv = fmt("ASAN_OPTIONS=%s%squarantine_size_mb=0", asan ? asan : "", asan ? ":" : "");
    pid_t pid = harness_spawn_service("edge", (const char *[]){penv, aenv, extra, NULL});
    cr_assert_gt(pid, 0);
    *url = fmt("http://127.0.0.1:%d", port);
    cr_assert(harness_wait_ready(*url, 20000), "the second edge did not get ready");
    free(aenv);
    return pid;
}

Test(ingest_stream, the_edge_limit_holds_from_the_head_and_while_streaming)
{
    person_t o = {0};
    person_sign_up(&o, "ing-lim");
    int port = harness_free_port();
    char *url = NULL;
    pid_t edge = spawn_edge(port, "EDGE_MAX_UPLOAD=4096", &url);

    const char *boundary = "b0undary";
    char *big = xmalloc(5000);
    memset(big, 'x', 4999);
    big[4999] = '\0';
    size_t len;
    char *body = form_body(boundary, "big.txt", big, &len);
    char *head = form_head(&o, boundary, len);
    rawhttp_t r;
    rawhttp_exchange(port, head, strlen(head), 0, 0, &r); /* refused before the body */
    cr_assert_eq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 413, "%s", r.data);
    cr_assert(strstr(r.body[0], "4096"), "%s", r.data);
    rawhttp_cleanup(&r);

    free(head);
    head = form_head(&o, boundary, 0);
    buf_t wire = BUF_INIT;
    buf_puts(&wire, head);
    chunked(body, len, &wire);
    rawhttp_exchange(port, wire.data, wire.len, 0, 0, &r);
    cr_assert_eq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 413, "%s", r.data);
    cr_assert(r.closed);
    rawhttp_cleanup(&r);
    char *where = fmt("org_id = '%s'", o.org_id);
    cr_assert_eq(ingest_count("documents", where), 0);
    free(where);

    /* Under the limit the same edge takes it. */
    free(body);
    body = form_body(boundary, "small.txt", "small text", &len);
    free(head);
    head = form_head(&o, boundary, len);
    buf_reset(&wire);
    buf_puts(&wire, head);
    buf_append(&wire, body, len);
    rawhttp_exchange(port, wire.data, wire.len, 0, 0, &r);
    cr_assert_eq(r.n, 1, "%s", r.data);
    cr_assert_eq(r.status[0], 201, "%s", r.data);
    rawhttp_cleanup(&r);

    cr_assert_eq(harness_stop(edge), 0);
    buf_cleanup(&wire);
    free(big);
    free(body);
    free(head);
    free(url);
    person_free(&o);
}

/* VmRSS or VmHWM of pid in bytes. */
static long proc_mem(pid_t pid, const char *key)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            kb = strtol(line + strlen(key) + 1, NULL, 10);
    fclose(f);
    return kb * 1024;
}

Test(ingest_stream, fifty_mib_go_through_in_little_edge_memory)
{
    person_t o = {0};
    person_sign_up(&o, "ing-50");
    int port = harness_free_port();
    char *url = NULL;
    pid_t edge = spawn_edge(port, NULL, &url);
    char uuid[37];
    uuid_new(uuid);

    /* A small upload first: what the edge allocates once is in its footprint already. */
    gen_file_t warm;
    gen_init(&warm, 600 * 1024, uuid);
    up_part_t wp = {"file", "warm.txt", "text/plain", NULL, 0, &warm};
    char *body = NULL;
    long s = upload_parts(&o, url, &wp, 1, NULL, &body);
    cr_assert_eq(s, 201, "%ld %s", s, body ? body : "");
    free(body);
    long before = proc_mem(edge, "VmRSS:");

    gen_file_t g;
    gen_init(&g, 50 * MIB, uuid + 1);
    up_part_t p = {"file", "fifty.txt", "text/plain", NULL, 0, &g};
    int64_t t0 = time_mono_us();
    s = upload_parts(&o, url, &p, 1, NULL, &body);
    double secs = (double)(time_mono_us() - t0) / 1e6;
    long peak = proc_mem(edge, "VmHWM:");
    cr_assert_eq(s, 201, "%ld %s", s, body ? body : "");
    char sha[65];
    gen_hex(&g, sha);
    char *id = json_field(body, "id"), *sha_got = json_field(body, "sha256");
    cr_assert_str_eq(sha_got, sha);
    fprintf(stderr,
            "50 MiB upload: %.1f s (%.1f MiB/s); edge RSS %.1f MiB before, peak %.1f MiB "
            "(+%.2f MiB)\n",
            secs, 50 / secs, before / 1048576.0, peak / 1048576.0, (peak - before) / 1048576.0);
    cr_assert_lt(peak - before, 5 * MIB, "the edge grew by %.2f MiB", (peak - before) / 1048576.0);
    free(body);

    /* Back byte for byte. */
    char *fpath = fmt("/api/kb/documents/%s/file", id);
    httpc_t *c = httpc_new(url);
    char *sid = httpc_cookie(o.c, "sid"), *cookie = fmt("Cookie: sid=%s", sid);
    httpc_set_timeout(c, 300000);
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "GET", fpath, NULL, (const char *[]){cookie, NULL}, &r), ST_OK);
    expect_status(&r, 200);
    cr_assert_eq((long)r.body.len, 50 * MIB);
    char sha_dl[65];
    crypto_sha256_hex(r.body.data, r.body.len, sha_dl);
    cr_assert_str_eq(sha_dl, sha);
    httpc_resp_cleanup(&r);

    /* One byte over INGEST_MAX_FILE_BYTES: ingest refuses the part that passes it. */
    gen_file_t over;
    gen_init(&over, 50 * MIB + 1, uuid + 2);
    up_part_t op = {"file", "over.txt", "text/plain", NULL, 0, &over};
    s = upload_parts(&o, url, &op, 1, NULL, &body);
    cr_assert_eq(s, 413, "%ld %s", s, body ? body : "");
    free(body);
    char *where = fmt("org_id = '%s'", o.org_id);
    cr_assert_eq(ingest_count("documents", where), 2);
    cr_assert_eq(ingest_count("uploads", where), 0);
    free(where);

    cr_assert_eq(harness_stop(edge), 0);
    httpc_free(c);
    free(sid);
    free(cookie);
    free(fpath);
    free(id);
    free(sha_got);
    free(url);
    person_free(&o);
}
