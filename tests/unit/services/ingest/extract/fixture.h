/* fixture.h - reading tests/fixtures/documents/ into memory for the tests of the extractor's
 * readers (the tests run from the repository's root). */
#ifndef TEST_INGEST_FIXTURE_H
#define TEST_INGEST_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/ingest/extract/extract.h"
#include "shared/util.h"

static inline char *fixture(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/documents/%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    buf_t b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

/* The reader's blocks as "kind level page: text" lines, for one comparison per test. */
static inline char *blocks_text(const extract_out_t *out)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < out->res.n_blocks; i++) {
        const Ingest__Block *k = out->res.blocks[i];
        buf_printf(&b, "%s %d %d: %s\n", k->kind, k->level, k->page, k->text);
    }
    return buf_steal(&b);
}

#endif
