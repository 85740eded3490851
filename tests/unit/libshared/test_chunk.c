/* test_chunk.c - the structure-aware chunker (libshared/src/chunk.c): heading paths, sizes,
 * overlap, long blocks cut at sentence/word/character boundaries, pages, clean UTF-8.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shared/chunk.h"
#include "shared/text.h"
#include "shared/util.h"

static chunk_block_t blk(chunk_kind_t kind, int level, const char *text, int page)
{
    return (chunk_block_t){
        .kind = kind, .level = level, .text = text, .len = strlen(text), .page = page};
}

static chunk_block_t para(const char *text)
{
    return blk(CHUNK_PARAGRAPH, 0, text, 0);
}

/* Every chunk: valid UTF-8, chars right, within max, seq in order. */
static void check_all(const chunk_list_t *l, size_t max)
{
    for (size_t i = 0; i < l->n; i++) {
        long cps = text_utf8_count(l->items[i].text, strlen(l->items[i].text));
        cr_assert_geq(cps, 1, "chunk %zu is not valid UTF-8 or empty", i);
        cr_assert_eq((size_t)cps, l->items[i].chars);
        cr_assert_leq((size_t)cps, max, "chunk %zu has %ld code points", i, cps);
        cr_assert_eq(l->items[i].seq, (int)i);
        cr_assert_not(text_has_control(l->items[i].text, strlen(l->items[i].text), true));
        cr_assert_geq(text_utf8_count(l->items[i].heading_path, strlen(l->items[i].heading_path)),
                      0);
    }
}

/* n sentences "Sentence <i> says something about prices." */
static char *sentences(int n, const char *word)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%sSentence %d says %s about prices.", i ? " " : "", i, word);
    return buf_steal(&b);
}

Test(chunk, kinds_round_trip)
{
    chunk_kind_t k;
    for (int i = CHUNK_HEADING; i <= CHUNK_CODE; i++) {
        cr_assert(chunk_kind_parse(chunk_kind_name((chunk_kind_t)i), &k));
        cr_assert_eq(k, (chunk_kind_t)i);
    }
    cr_assert_not(chunk_kind_parse("picture", &k));
    cr_assert_not(chunk_kind_parse(NULL, &k));
    chunk_opts_t o = chunk_opts_default();
    cr_assert_eq(o.target, 1000);
    cr_assert_eq(o.max, 1600);
    cr_assert_eq(o.overlap, 150);
    cr_assert_not(o.split_pages);
}

Test(chunk, empty_input_and_blank_blocks)
{
    chunk_list_t l;
    chunk_opts_t o = chunk_opts_default();
    chunk_blocks(NULL, 0, &o, &l);
    cr_assert_eq(l.n, 0);
    chunk_list_free(&l);

    chunk_block_t b[] = {para(""), para("   \n\t "), blk(CHUNK_HEADING, 1, "Only a heading", 0)};
    chunk_blocks(b, 3, &o, &l);
    cr_assert_eq(l.n, 0);
    chunk_list_free(&l);
    chunk_list_free(NULL);
}

Test(chunk, heading_paths)
{
    chunk_block_t b[] = {
        para("Before any heading."),
        blk(CHUNK_HEADING, 1, "Chapter 2", 0),
        blk(CHUNK_HEADING, 2, "Prices", 0),
        para("A room costs 100 euros."),
        blk(CHUNK_HEADING, 2, "Delivery", 0),
        para("We deliver on Mondays."),
        blk(CHUNK_HEADING, 3, "  Express  \n delivery ", 0),
        para("Express costs extra."),
        blk(CHUNK_HEADING, 1, "Chapter 3", 0),
        para("The end."),
    };
    chunk_list_t l;
    chunk_opts_t o = chunk_opts_default();
    chunk_blocks(b, ARRAY_LEN(b), &o, &l);
    cr_assert_eq(l.n, 5);
    cr_assert_str_eq(l.items[0].heading_path, "");
    cr_assert_str_eq(l.items[0].text, "Before any heading.");
    cr_assert_str_eq(l.items[1].heading_path, "Chapter 2 > Prices");
    cr_assert_str_eq(l.items[1].text, "A room costs 100 euros.");
    cr_assert_str_eq(l.items[2].heading_path, "Chapter 2 > Delivery");
    cr_assert_str_eq(l.items[3].heading_path, "Chapter 2 > Delivery > Express delivery");
    cr_assert_str_eq(l.items[4].heading_path, "Chapter 3");
    check_all(&l, o.max);
    chunk_list_free(&l);
}

Test(chunk, small_blocks_join_up_to_target)
{
    chunk_block_t b[40];
    char *texts[40];
    for (int i = 0; i < 40; i++) {
        texts[i] = sentences(2, "nothing"); /* ~80 characters */
        b[i] = para(texts[i]);
    }
    chunk_opts_t o = chunk_opts_default();
    o.target = 400;
    o.max = 600;
    o.overlap = 0;
    chunk_list_t l;
    chunk_blocks(b, 40, &o, &l);
    cr_assert_gt(l.n, 5);
    cr_assert_lt(l.n, 15);
    size_t total = 0;
    for (size_t i = 0; i < l.n; i++) {
        cr_assert_leq(l.items[i].chars, o.target);
        if (i + 1 < l.n)
            cr_assert_gt(l.items[i].chars, o.target / 2, "chunk %zu too small", i);
        total += l.items[i].chars;
    }
    /* no overlap: every block exactly once (plus the blank lines between blocks) */
    size_t blocks = 0;
    for (int i = 0; i < 40; i++)
        blocks += strlen(texts[i]);
    cr_assert_geq(total, blocks);
    cr_assert_lt(total, blocks + 40 * 2);
    check_all(&l, o.max);
    chunk_list_free(&l);
    for (int i = 0; i < 40; i++)
        free(texts[i]);
}

Test(chunk, overlap_repeats_whole_sentences)
{
    char *long_text = sentences(60, "something");
    chunk_block_t b[] = {blk(CHUNK_HEADING, 1, "Rules", 0), para(long_text)};
    chunk_opts_t o = chunk_opts_default();
    o.target = 300;
    o.max = 500;
    o.overlap = 100;
    chunk_list_t l;
    chunk_blocks(b, 2, &o, &l);
    cr_assert_gt(l.n, 3);
    check_all(&l, o.max);
    for (size_t i = 1; i < l.n; i++) {
        const char *t = l.items[i].text;
        /* starts with a whole sentence that ended the previous chunk */
        cr_assert(strncmp(t, "Sentence ", 9) == 0, "chunk %zu starts with \"%.20s\"", i, t);
        const char *dot = strchr(t, '.');
        cr_assert_not_null(dot);
        size_t n = (size_t)(dot - t + 1);
        char *first = xstrndup(t, n);
        cr_assert_not_null(strstr(l.items[i - 1].text, first), "chunk %zu does not overlap", i);
        free(first);
        cr_assert_str_eq(l.items[i].heading_path, "Rules");
    }
    /* the last sentence is there */
    cr_assert_not_null(strstr(l.items[l.n - 1].text, "Sentence 59 says"));
    chunk_list_free(&l);
    free(long_text);
}

Test(chunk, no_overlap_across_headings)
{
    char *a = sentences(10, "alpha"), *c = sentences(10, "gamma");
    chunk_block_t b[] = {blk(CHUNK_HEADING, 1, "A", 0), para(a), blk(CHUNK_HEADING, 1, "C", 0),
                         para(c)};
    chunk_opts_t o = chunk_opts_default();
    chunk_list_t l;
    chunk_blocks(b, 4, &o, &l);
    cr_assert_eq(l.n, 2);
    cr_assert_null(strstr(l.items[1].text, "alpha"));
    chunk_list_free(&l);
    free(a);
    free(c);
}

Test(chunk, long_block_without_sentences_cut_at_words)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < 500; i++)
        buf_puts(&b, "слово ");
    chunk_block_t blocks[] = {para(b.data)};
    chunk_opts_t o = chunk_opts_default();
    o.target = 100;
    o.max = 160;
    o.overlap = 0;
    chunk_list_t l;
    chunk_blocks(blocks, 1, &o, &l);
    cr_assert_gt(l.n, 10);
    check_all(&l, o.max);
    for (size_t i = 0; i < l.n; i++) {
        const char *t = l.items[i].text;
        size_t n = strlen(t);
        cr_assert(strncmp(t, "слово", strlen("слово")) == 0);
        cr_assert(n >= strlen("слово") && strcmp(t + n - strlen("слово"), "слово") == 0,
                  "chunk %zu cut inside a word", i);
    }
    chunk_list_free(&l);
    buf_cleanup(&b);
}

Test(chunk, long_word_cut_on_code_points)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        buf_puts(&b, i % 3 ? "я" : "\xF0\x9F\x98\x80"); /* 2- and 4-byte sequences, no spaces */
    chunk_block_t blocks[] = {para(b.data)};
    chunk_opts_t o = chunk_opts_default();
    o.target = 97;
    o.max = 120;
    o.overlap = 0;
    chunk_list_t l;
    chunk_blocks(blocks, 1, &o, &l);
    check_all(&l, o.max);
    size_t total = 0;
    for (size_t i = 0; i < l.n; i++)
        total += l.items[i].chars;
    cr_assert_eq(total, 1000);
    chunk_list_free(&l);
    buf_cleanup(&b);
}

Test(chunk, invalid_utf8_and_controls_cleaned)
{
    chunk_block_t b[] = {para("bad \xFF\xC0 bytes\x01 and\r\nlines"),
                         blk(CHUNK_HEADING, 1, "Head\x07ing\xE2\x82", 0), para("x")};
    chunk_opts_t o = chunk_opts_default();
    chunk_list_t l;
    chunk_blocks(b, 3, &o, &l);
    cr_assert_eq(l.n, 2);
    cr_assert_str_eq(l.items[0].text, "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes  and\nlines");
    cr_assert_str_eq(l.items[1].heading_path, "Head ing\xEF\xBF\xBD\xEF\xBF\xBD");
    check_all(&l, o.max);
    chunk_list_free(&l);
}

Test(chunk, pages_recorded_and_split)
{
    chunk_block_t b[] = {blk(CHUNK_PARAGRAPH, 0, "Page one text.", 1),
                         blk(CHUNK_PARAGRAPH, 0, "More of page one.", 1),
                         blk(CHUNK_PARAGRAPH, 0, "Page two text.", 2),
                         blk(CHUNK_PARAGRAPH, 0, "Page three.", 3)};
    chunk_opts_t o = chunk_opts_default();
    chunk_list_t l;
    chunk_blocks(b, 4, &o, &l);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.items[0].page, 1);
    chunk_list_free(&l);

    o.split_pages = true;
    chunk_blocks(b, 4, &o, &l);
    cr_assert_eq(l.n, 3);
    cr_assert_eq(l.items[0].page, 1);
    cr_assert_str_eq(l.items[0].text, "Page one text.\n\nMore of page one.");
    cr_assert_eq(l.items[1].page, 2);
    cr_assert_eq(l.items[2].page, 3);
    chunk_list_free(&l);

    /* without splitting, a chunk that starts on page 2 says so */
    char *big = sentences(30, "page");
    chunk_block_t c[] = {blk(CHUNK_PARAGRAPH, 0, big, 1), blk(CHUNK_PARAGRAPH, 0, big, 2)};
    o.split_pages = false;
    chunk_blocks(c, 2, &o, &l);
    cr_assert_gt(l.n, 1);
    cr_assert_eq(l.items[0].page, 1);
    cr_assert_eq(l.items[l.n - 1].page, 2);
    chunk_list_free(&l);
    free(big);
}

Test(chunk, lists_and_tables_keep_lines)
{
    chunk_block_t b[] = {
        para("Options:"),
        blk(CHUNK_LIST_ITEM, 1, "Breakfast", 0),
        blk(CHUNK_LIST_ITEM, 2, "Continental", 0),
        blk(CHUNK_LIST_ITEM, 1, "Parking", 0),
        blk(CHUNK_TABLE_ROW, 0, "Room | Price", 0),
        blk(CHUNK_TABLE_ROW, 0, "Single | 100", 0),
    };
    chunk_opts_t o = chunk_opts_default();
    chunk_list_t l;
    chunk_blocks(b, ARRAY_LEN(b), &o, &l);
    cr_assert_eq(l.n, 1);
    cr_assert_str_eq(
        l.items[0].text,
        "Options:\n\n- Breakfast\n  - Continental\n- Parking\nRoom | Price\nSingle | 100");
    chunk_list_free(&l);
}

Test(chunk, russian_text_counts_code_points)
{
    /* 600 Cyrillic letters = 1200 bytes: one chunk at target 1000 characters */
    buf_t b = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_puts(&b, i ? " цены." : "цены.");
    chunk_block_t blocks[] = {blk(CHUNK_HEADING, 1, "Прайс-лист", 0), para(b.data)};
    chunk_opts_t o = chunk_opts_default();
    chunk_list_t l;
    chunk_blocks(blocks, 2, &o, &l);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.items[0].chars, 599);
    cr_assert_str_eq(l.items[0].heading_path, "Прайс-лист");
    chunk_list_free(&l);
    buf_cleanup(&b);
}

Test(chunk, code_kept_verbatim)
{
    chunk_block_t b[] = {blk(CHUNK_CODE, 0, "int main(void)\n{\n\treturn 0;\n}", 0)};
    chunk_opts_t o = chunk_opts_default();
    chunk_list_t l;
    chunk_blocks(b, 1, &o, &l);
    cr_assert_eq(l.n, 1);
    cr_assert_str_eq(l.items[0].text, "int main(void)\n{\n\treturn 0;\n}");
    chunk_list_free(&l);
}
