/* test_markdown.c - Markdown to chunk blocks on libcmark (libshared/src/markdown.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "shared/markdown.h"
#include "shared/text.h"

static markdown_blocks_t parse(const char *md)
{
    markdown_blocks_t b;
    markdown_blocks(md, strlen(md), &b);
    return b;
}

static void expect(const markdown_blocks_t *b, size_t i, chunk_kind_t kind, int level,
                   const char *text)
{
    cr_assert_lt(i, b->n, "block %zu missing (%zu blocks)", i, b->n);
    cr_assert_eq(b->items[i].kind, kind, "block %zu kind %d", i, b->items[i].kind);
    cr_assert_eq(b->items[i].level, level, "block %zu level %d", i, b->items[i].level);
    cr_assert_str_eq(b->items[i].text, text);
    cr_assert_eq(b->items[i].len, strlen(text));
}

Test(markdown, empty)
{
    markdown_blocks_t b = parse("");
    cr_assert_eq(b.n, 0);
    markdown_blocks_free(&b);
    markdown_blocks(NULL, 0, &b);
    cr_assert_eq(b.n, 0);
    markdown_blocks_free(&b);
    markdown_blocks_free(NULL);
}

Test(markdown, headings_paragraphs_inline)
{
    markdown_blocks_t b = parse("# Цены\n\nНомер стоит **100** евро,\nсм. [сайт](http://x.ru).\n\n"
                                "Setext\n------\n\n![a cat](cat.png) and <b>html</b> `code`\n");
    expect(&b, 0, CHUNK_HEADING, 1, "Цены");
    expect(&b, 1, CHUNK_PARAGRAPH, 0, "Номер стоит 100 евро, см. сайт.");
    expect(&b, 2, CHUNK_HEADING, 2, "Setext");
    expect(&b, 3, CHUNK_PARAGRAPH, 0, "a cat and html code");
    cr_assert_eq(b.n, 4);
    markdown_blocks_free(&b);
}

Test(markdown, lists_with_depth)
{
    markdown_blocks_t b = parse("- one\n- two\n  1. two-a\n     - deep\n- three\n");
    expect(&b, 0, CHUNK_LIST_ITEM, 1, "one");
    expect(&b, 1, CHUNK_LIST_ITEM, 1, "two");
    expect(&b, 2, CHUNK_LIST_ITEM, 2, "two-a");
    expect(&b, 3, CHUNK_LIST_ITEM, 3, "deep");
    expect(&b, 4, CHUNK_LIST_ITEM, 1, "three");
    cr_assert_eq(b.n, 5);
    markdown_blocks_free(&b);
}

Test(markdown, code_and_html_blocks)
{
    markdown_blocks_t b =
        parse("```c\nint x;\n\nreturn x;\n```\n\n<div>\ndropped\n</div>\n\n    indented\n");
    expect(&b, 0, CHUNK_CODE, 0, "int x;\n\nreturn x;");
    expect(&b, 1, CHUNK_CODE, 0, "indented");
    cr_assert_eq(b.n, 2);
    markdown_blocks_free(&b);
}

Test(markdown, pipe_tables_as_rows)
{
    markdown_blocks_t b =
        parse("| Room | Price |\n|:-----|------:|\n| Single | 100 |\n| Double \\| twin | 150 |\n\n"
              "a | b\n--|--\n1 | 2\n\nnot | a table\njust text\n");
    expect(&b, 0, CHUNK_TABLE_ROW, 0, "Room | Price");
    expect(&b, 1, CHUNK_TABLE_ROW, 0, "Single | 100");
    expect(&b, 2, CHUNK_TABLE_ROW, 0, "Double | twin | 150"); /* cmark unescapes "\|" */
    expect(&b, 3, CHUNK_TABLE_ROW, 0, "a | b");
    expect(&b, 4, CHUNK_TABLE_ROW, 0, "1 | 2");
    expect(&b, 5, CHUNK_PARAGRAPH, 0, "not | a table just text");
    cr_assert_eq(b.n, 6);
    markdown_blocks_free(&b);
}

Test(markdown, invalid_utf8_replaced)
{
    markdown_blocks_t b;
    const char md[] = "bad \xFF byte\0nul";
    markdown_blocks(md, sizeof md - 1, &b);
    cr_assert_eq(b.n, 1);
    cr_assert_geq(text_utf8_count(b.items[0].text, b.items[0].len), 0);
    cr_assert_not_null(strstr(b.items[0].text, "\xEF\xBF\xBD"));
    markdown_blocks_free(&b);
}

Test(markdown, chunks_an_article)
{
    markdown_blocks_t b =
        parse("# Hotel\n\n## Prices\n\nA room costs 100 euros.\n\n## Pets\n\nDogs are welcome.\n");
    chunk_list_t l;
    chunk_opts_t o = chunk_opts_default();
    chunk_blocks(b.items, b.n, &o, &l);
    cr_assert_eq(l.n, 2);
    cr_assert_str_eq(l.items[0].heading_path, "Hotel > Prices");
    cr_assert_str_eq(l.items[1].heading_path, "Hotel > Pets");
    cr_assert_str_eq(l.items[1].text, "Dogs are welcome.");
    chunk_list_free(&l);
    markdown_blocks_free(&b);
}
