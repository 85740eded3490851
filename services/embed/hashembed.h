/* hashembed.h - "hash-ngram-v1": the offline embedder. Pure (no I/O), deterministic, no weights.
 *
 * A text is normalised (Unicode NFKC + case folding with utf8proc, ё as е), split into words
 * (runs of letters, digits and marks; other symbols count one each, punctuation separates),
 * and every word gives features: the word itself, its Snowball stem (Russian for Cyrillic
 * words, English for Latin ones) and its character 3-, 4- and 5-grams with word-boundary marks
 * ("<цена>" -> "<це", "цен", ...). Each feature is hashed (64-bit) to one of `dims` dimensions
 * with a sign from another bit of the hash; its weight is sublinear in its count in the text
 * (1 + ln tf) times the weight of its kind. Stop words (stopwords.txt: Russian and English
 * function words) and words of one or two characters give only the word, with a low weight.
 * The sum is L2-normalised, so the dot product of two vectors is their cosine similarity.
 *
 * It is a bag of sub-word features, not a language model: word forms, typos and shared roots
 * land near each other; synonyms, paraphrases and translations do not.
 *
 *     hashembed_t *h = hashembed_new(HASHEMBED_DIMS);
 *     float v[HASHEMBED_DIMS];
 *     int words = hashembed_text(h, "Сколько стоит доставка?", 41, v);
 *     hashembed_free(h);
 *
 * A hashembed_t holds two stemmers, which are not thread-safe: one per thread (or per call).
 */
#ifndef EMBED_HASHEMBED_H
#define EMBED_HASHEMBED_H

#include <stddef.h>

#define HASHEMBED_MODEL "hash-ngram-v1"
/* Chosen by measurement (tests/bench/bench_embed.c prints the separation at 256..1024). */
#define HASHEMBED_DIMS 512

typedef struct hashembed hashembed_t;

/* dims: 16..8192. Never NULL (allocation failure aborts). */
hashembed_t *hashembed_new(int dims);
/* NULL-safe. */
void hashembed_free(hashembed_t *h);
int hashembed_dims(const hashembed_t *h);

/* Embeds text[0..len) into out[dims] (L2-normalised, finite). Bytes that are not valid UTF-8
 * are skipped. Returns the number of words (the offline "token" count); a text with no word
 * and no symbol still gets a vector from its whole normalised form, and one with no
 * non-space character at all gets the zero vector and 0. */
int hashembed_text(hashembed_t *h, const char *text, size_t len, float *out /* OUT */);

/* Cosine similarity of two L2-normalised vectors (their dot product). */
float hashembed_dot(const float *a, const float *b, int dims);

#endif
