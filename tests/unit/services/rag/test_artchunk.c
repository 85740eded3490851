/* test_artchunk.c - articles into chunks and the text embedded for a chunk
 * (services/rag/artchunk.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "services/rag/artchunk.h"

Test(artchunk, markdown_sections_become_chunks_with_heading_paths)
{
    chunk_list_t l;
    rag_article_chunks("# Delivery\n\nWe ship every day.\n\n## Prices\n\n- Moscow: free\n"
                       "- Elsewhere: 300 roubles\n\n# Returns\n\nFourteen days.",
                       &l);
    cr_assert_eq(l.n, 3);
    cr_assert_str_eq(l.items[0].heading_path, "Delivery");
    cr_assert(strstr(l.items[0].text, "We ship every day."));
    cr_assert_str_eq(l.items[1].heading_path, "Delivery > Prices");
    cr_assert(strstr(l.items[1].text, "Moscow: free") && strstr(l.items[1].text, "300 roubles"));
    cr_assert_str_eq(l.items[2].heading_path, "Returns");
    for (size_t i = 0; i < l.n; i++)
        cr_assert_eq(l.items[i].seq, (int)i);
    chunk_list_free(&l);
    rag_article_chunks("", &l);
    cr_assert_eq(l.n, 0);
    chunk_list_free(&l);
    rag_article_chunks(NULL, &l);
    cr_assert_eq(l.n, 0);
    chunk_list_free(&l);
}

Test(artchunk, embed_text_gives_context)
{
    char *t = rag_embed_text("FAQ", "Delivery > Prices", "Free in Moscow.");
    cr_assert_str_eq(t, "FAQ > Delivery > Prices\n\nFree in Moscow.");
    free(t);
    t = rag_embed_text("FAQ", "", "Free.");
    cr_assert_str_eq(t, "FAQ\n\nFree.");
    free(t);
    t = rag_embed_text(NULL, NULL, "Free.");
    cr_assert_str_eq(t, "Free.");
    free(t);
    t = rag_embed_text("", "", "");
    cr_assert_str_eq(t, "");
    free(t);
}
