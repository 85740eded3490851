/* test_tree.c - nesting the flat category list and checking reorders (services/rag/tree.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "services/rag/tree.h"
#include "shared/pbjson.h"
#include "shared/util.h"

static Rag__Category *node(const char *id, const char *parent)
{
    Rag__Category *c = (Rag__Category *)pbjson_new(&rag__category__descriptor);
    c->id = xstrdup(id);
    c->name = xstrdup(id);
    c->parent_id = parent ? xstrdup(parent) : NULL;
    return c;
}

static void render(Rag__Category **v, size_t n, buf_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(out, ',');
        buf_puts(out, v[i]->id);
        if (v[i]->n_children) {
            buf_putc(out, '(');
            render(v[i]->children, v[i]->n_children, out);
            buf_putc(out, ')');
        }
    }
}

static char *build(Rag__Category **nodes, size_t n)
{
    Rag__Category **flat = xmalloc((n ? n : 1) * sizeof *flat), **roots = NULL;
    size_t nroots = 0;
    buf_t b = BUF_INIT;
    if (n)
        memcpy(flat, nodes, n * sizeof *flat);
    rag_tree_build(&flat, n, &roots, &nroots);
    cr_assert_null(flat, "ownership taken");
    render(roots, nroots, &b);
    rag_tree_free(roots, nroots);
    return buf_steal(&b);
}

Test(tree, nests_keeping_sibling_order)
{
    /* children listed before their parents, siblings in display order */
    Rag__Category *v[] = {node("c1", "c"), node("b", NULL), node("a2", "a"),  node("a", NULL),
                          node("a1", "a"), node("c", "b"),  node("a21", "a2")};
    char *s = build(v, ARRAY_LEN(v));
    cr_assert_str_eq(s, "b(c(c1)),a(a2(a21),a1)");
    free(s);
}

Test(tree, empty_and_orphans)
{
    char *s = build(NULL, 0);
    cr_assert_str_eq(s, "");
    free(s);
    Rag__Category *v[] = {node("x", "missing"), node("y", NULL), node("z", "z")};
    s = build(v, ARRAY_LEN(v));
    cr_assert_str_eq(s, "x,y,z", "unknown parents and self-parents become roots");
    free(s);
    rag_tree_free(NULL, 0);
}

Test(tree, same_set)
{
    char why[128];
    char *kids[] = {"a", "b", "c"};
    char *ok[] = {"c", "a", "b"};
    cr_assert(rag_tree_same_set(ok, 3, kids, 3, why, sizeof why));
    cr_assert(rag_tree_same_set(NULL, 0, NULL, 0, why, sizeof why));
    char *missing[] = {"c", "a"};
    cr_assert_not(rag_tree_same_set(missing, 2, kids, 3, why, sizeof why));
    cr_assert(strstr(why, "missing b"), "%s", why);
    char *dup[] = {"c", "a", "b", "a"};
    cr_assert_not(rag_tree_same_set(dup, 4, kids, 3, why, sizeof why));
    cr_assert_str_eq(why, "ids[3]: duplicate");
    char *stranger[] = {"c", "a", "x"};
    cr_assert_not(rag_tree_same_set(stranger, 3, kids, 3, why, sizeof why));
    cr_assert_str_eq(why, "ids[2]: not a child of this parent");
}
