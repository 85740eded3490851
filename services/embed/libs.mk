# The embed service's own libraries (see the Makefile): utf8proc (normalisation) and Snowball's
# libstemmer (Russian and English stems) for the offline embedder.
embed_LDLIBS := -lutf8proc -lstemmer
bench_embed_SVC := embed
