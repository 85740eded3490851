/* tree.h - the category tree in memory: nesting a flat, ordered list, and checking a reorder.
 * Pure: no I/O, unit-tested. The acyclic invariant itself is kept by the store (moves are
 * checked against the ancestors of the new parent under a per-organisation lock).
 */
#ifndef RAG_TREE_H
#define RAG_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/rag.pb-c.h"

/* Nests flat[0..n) (every node's parent_id NULL or the id of another node; siblings in their
 * display order) into a tree: *roots gets the top-level nodes in order, each node's children
 * its children in order. Takes ownership of the nodes and of the flat array itself (*flat is
 * set to NULL); the roots array and the nodes are then freed with rag_tree_free. A node whose
 * parent is not in the list becomes a root. */
void rag_tree_build(Rag__Category ***flat, size_t n, Rag__Category ***roots /* OUT */,
                    size_t *nroots /* OUT */);
/* Frees roots[0..n) with all their descendants, and the array. NULL-safe. */
void rag_tree_free(Rag__Category **roots, size_t n);

/* True when ids[0..n) lists every element of children[0..nc) exactly once and nothing else;
 * otherwise false and a reason naming the first offending entry, e.g. `ids[2]: duplicate`,
 * `ids[0]: not a child of this parent`, `ids: missing <uuid>`. Compared exactly (ids are
 * canonical lower-case UUIDs by then). */
bool rag_tree_same_set(char *const *ids, size_t n, char *const *children, size_t nc, char *why,
                       size_t whylen);

#endif
