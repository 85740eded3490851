/* test_compress.c - gzip of JSON answers: which answers qualify, and that what compress_gzip
 * makes is gzip that zlib inflates back to the input. */
#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "services/edge/compress.h"
#include "services/edge/edge.h"

edge_t edge; /* the edge's global, defined by main.c in the program */

Test(compress, only_json_over_the_threshold_for_clients_taking_gzip)
{
    cr_assert(compress_wanted("application/json", 2048, 1024, "gzip, deflate, br"));
    cr_assert(compress_wanted("application/json; charset=utf-8", 1024, 1024, "gzip"));
    cr_assert_not(compress_wanted("application/json", 1023, 1024, "gzip"));
    cr_assert_not(compress_wanted("application/json", 1 << 20, 0, "gzip"), "0 turns it off");
    cr_assert_not(compress_wanted("application/jsonx", 2048, 1024, "gzip"));
    cr_assert_not(compress_wanted("text/html", 2048, 1024, "gzip"));
    cr_assert_not(compress_wanted(NULL, 2048, 1024, "gzip"));
    cr_assert_not(compress_wanted("application/json", 2048, 1024, NULL));
    cr_assert_not(compress_wanted("application/json", 2048, 1024, "br"));
    cr_assert_not(compress_wanted("application/json", 2048, 1024, "gzip;q=0, br"));
    cr_assert_not(compress_wanted("application/json", 2048, 1024, "identity, gzip;q=0.5"));
}

Test(compress, gzip_inflates_back)
{
    buf_t in = BUF_INIT, gz = BUF_INIT;
    buf_puts(&gz, "kept:"); /* compress_gzip appends */
    buf_puts(&in, "{\"items\":[");
    for (int i = 0; i < 500; i++)
        buf_printf(&in, "%s{\"id\":%d,\"name\":\"agent %d\"}", i ? "," : "", i, i % 7);
    buf_puts(&in, "]}");
    cr_assert_eq(compress_gzip(in.data, in.len, &gz), ST_OK);
    cr_assert_eq(memcmp(gz.data, "kept:", 5), 0);
    cr_assert_lt(gz.len, in.len / 4, "%zu of %zu", gz.len, in.len);
    cr_assert_eq((unsigned char)gz.data[5], 0x1f, "gzip magic");
    cr_assert_eq((unsigned char)gz.data[6], 0x8b);

    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    char *out = malloc(in.len + 16);
    z.next_in = (Bytef *)gz.data + 5;
    z.avail_in = (uInt)(gz.len - 5);
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)(in.len + 16);
    cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    cr_assert_eq(z.total_out, in.len);
    cr_assert_eq(memcmp(out, in.data, in.len), 0);
    inflateEnd(&z);
    free(out);
    buf_cleanup(&in);
    buf_cleanup(&gz);
}

Test(compress, empty_input)
{
    buf_t gz = BUF_INIT;
    cr_assert_eq(compress_gzip("", 0, &gz), ST_OK);
    cr_assert_gt(gz.len, 10); /* header and trailer */
    buf_cleanup(&gz);
}
