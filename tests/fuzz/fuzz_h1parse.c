/* fuzz_h1parse.c - libFuzzer target for the edge's HTTP/1.1 parser (services/edge/h1parse.c).
 *
 * The input is a connection's byte stream, consumed the way http.c does: a head, its body, the
 * next head, ... Besides "no crash, no leak, no undefined behaviour" it checks what the edge
 * relies on:
 *   - a head that parses is never refused or cut short when it arrives in pieces (every prefix
 *     is H1_INCOMPLETE), and never claims more bytes than it was given;
 *   - a body decodes to the same bytes with the same outcome whether fed at once or one byte
 *     at a time, and never yields bytes outside its input.
 *
 *     make fuzz && build/fuzz/fuzz_h1parse -max_total_time=60 /tmp/corpus tests/fuzz/corpus/h1parse
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/edge/h1parse.h"
#include "tests/fuzz/fuzz.h"

static const h1_limits_t limits = {.max_head = 1024, .max_uri = 256, .max_fields = 16};

/* Feeds in[0..len) to a fresh body decoder in pieces of `piece` bytes (0: all at once). Returns
 * the outcome; the decoded bytes go to out (room for len), their count to *olen, consumed
 * input to *consumed. */
static h1_result_t decode(const h1_req_t *req, const char *in, size_t len, size_t piece, char *out,
                          size_t *olen, size_t *consumed)
{
    h1_body_t b;
    h1_result_t r = H1_INCOMPLETE;
    size_t off = 0;
    h1_body_init(&b, req, 256);
    *olen = 0;
    if (h1_body_done(&b)) {
        *consumed = 0;
        return H1_OK;
    }
    while (off < len) {
        size_t avail = piece && piece < len - off ? piece : len - off;
        size_t used = 0, dlen = 0;
        const char *d = NULL;
        r = h1_body_feed(&b, in + off, avail, &used, &d, &dlen);
        if (r == H1_BAD)
            break;
        CHECK(used <= avail);
        if (dlen) {
            CHECK(d >= in + off && d + dlen <= in + off + used);
            memcpy(out + *olen, d, dlen);
            *olen += dlen;
        }
        off += used;
        if (r == H1_OK) {
            CHECK(h1_body_done(&b));
            break;
        }
        CHECK(used > 0 || dlen > 0);
    }
    *consumed = off;
    return r;
}

static void touch(const h1_req_t *req)
{
    char name[64], value[128];
    bool bad;
    int it = 0;
    CHECK(req->method && req->target && req->path);
    CHECK(req->path[0] == '/' || req->path[0] == '*');
    CHECK(strstr(req->path, "/../") == NULL);
    while (h1_header_next(req, "host", &it))
        ;
    (void)h1_list_has(h1_header(req, "connection"), "close");
    for (const char *q = req->query;
         h1_query_next(&q, name, sizeof name, value, sizeof value, &bad);)
        CHECK(strlen(name) < sizeof name && strlen(value) < sizeof value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t off = 0;
    char *out1 = malloc(size + 1), *out2 = malloc(size + 1);

    while (off < size) {
        h1_req_t req;
        size_t used = 0;
        h1_result_t r = h1_parse_head(in + off, size - off, &limits, &req, &used);
        if (r != H1_OK) {
            CHECK(r == H1_INCOMPLETE || h1_result_status(r) >= 400);
            CHECK(r == H1_INCOMPLETE || req.error);
            h1_req_cleanup(&req);
            break;
        }
        CHECK(used > 0 && used <= size - off);
        touch(&req);
        /* The same head in pieces: never refused early. */
        size_t cuts[3] = {used - 1, used / 2, 1};
        for (int i = 0; i < 3; i++) {
            h1_req_t part;
            size_t pu = 0;
            if (cuts[i] == 0 || cuts[i] >= used)
                continue;
            h1_result_t pr = h1_parse_head(in + off, cuts[i], &limits, &part, &pu);
            CHECK(pr == H1_INCOMPLETE);
            h1_req_cleanup(&part);
        }
        off += used;
        size_t n1, n2, c1, c2;
        h1_result_t b1 = decode(&req, in + off, size - off, 0, out1, &n1, &c1);
        h1_result_t b2 = decode(&req, in + off, size - off, 1, out2, &n2, &c2);
        if (b1 != H1_BAD) {
            CHECK(b1 == b2 && n1 == n2 && c1 == c2 && memcmp(out1, out2, n1) == 0);
            if (req.content_length >= 0 && !req.chunked && b1 == H1_OK)
                CHECK((int64_t)n1 == req.content_length);
        } else {
            CHECK(b2 == H1_BAD);
        }
        h1_req_cleanup(&req);
        if (b1 != H1_OK)
            break;
        off += c1;
    }
    free(out1);
    free(out2);
    return 0;
}
