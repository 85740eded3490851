# Markdown to blocks and chunking (libshared/src/markdown.c, libshared/src/chunk.c).
FUZZ_NAMES      += chunk
fuzz_chunk_SRCS := tests/fuzz/check.h libshared/src/markdown.c libshared/src/chunk.c libshared/src/text.c libshared/src/util.c
fuzz_chunk_LIBS := -lcmark
