/* tree.c - nests the flat category list into a tree and checks reorder requests (see tree.h). */
#include "tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

static int cmp_by_id(const void *a, const void *b)
{
    const Rag__Category *x = *(Rag__Category *const *)a, *y = *(Rag__Category *const *)b;
    return strcmp(x->id, y->id);
}

static int cmp_key(const void *key, const void *elem)
{
    return strcmp((const char *)key, (*(Rag__Category *const *)elem)->id);
}

void rag_tree_build(Rag__Category ***flat, size_t n, Rag__Category ***roots, size_t *nroots)
{
    Rag__Category **nodes = *flat, **by_id = xmalloc((n ? n : 1) * sizeof *by_id);
    Rag__Category **parent_of = xcalloc(n ? n : 1, sizeof *parent_of);
    Rag__Category **top = xmalloc((n ? n : 1) * sizeof *top);
    size_t ntop = 0;

    if (n)
        memcpy(by_id, nodes, n * sizeof *nodes);
    qsort(by_id, n, sizeof *by_id, cmp_by_id);
    /* First pass: find each parent and count its children. */
    for (size_t i = 0; i < n; i++) {
        Rag__Category **p = NULL;
        if (nodes[i]->parent_id)
            p = bsearch(nodes[i]->parent_id, by_id, n, sizeof *by_id, cmp_key);
        if (p && *p != nodes[i]) {
            parent_of[i] = *p;
            (*p)->n_children++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (nodes[i]->n_children)
            nodes[i]->children = xmalloc(nodes[i]->n_children * sizeof *nodes[i]->children);
        nodes[i]->n_children = 0;
    }
    /* Second pass, in list order, so siblings keep their order. */
    for (size_t i = 0; i < n; i++) {
        if (parent_of[i])
            parent_of[i]->children[parent_of[i]->n_children++] = nodes[i];
        else
            top[ntop++] = nodes[i];
    }
    *roots = top;
    *nroots = ntop;
    free(nodes);
    *flat = NULL;
    free(by_id);
    free(parent_of);
}

void rag_tree_free(Rag__Category **roots, size_t n)
{
    if (!roots)
        return;
    for (size_t i = 0; i < n; i++)
        if (roots[i])
            protobuf_c_message_free_unpacked(&roots[i]->base, NULL); /* frees the children */
    free(roots);
}

static bool in_list(const char *s, char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, v[i]) == 0)
            return true;
    return false;
}

bool rag_tree_same_set(char *const *ids, size_t n, char *const *children, size_t nc, char *why,
                       size_t whylen)
{
    for (size_t i = 0; i < n; i++) {
        if (in_list(ids[i], ids, i)) {
            snprintf(why, whylen, "ids[%zu]: duplicate", i);
            return false;
        }
        if (!in_list(ids[i], children, nc)) {
            snprintf(why, whylen, "ids[%zu]: not a child of this parent", i);
            return false;
        }
    }
    for (size_t i = 0; i < nc; i++) {
        if (!in_list(children[i], ids, n)) {
            snprintf(why, whylen, "ids: missing %s (every child of the parent must be listed)",
                     children[i]);
            return false;
        }
    }
    return true;
}
