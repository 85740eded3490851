# The extractor's text decoding and its TXT and Markdown readers (services/ingest/extract/text.c,
# md.c): libuchardet, iconv, utf8proc, libcmark.
FUZZ_NAMES           += textdecode
fuzz_textdecode_SRCS := tests/fuzz/check.h services/ingest/extract/text.c services/ingest/extract/md.c \
                        services/ingest/extract/out.c libshared/src/markdown.c \
                        libshared/src/chunk.c libshared/src/text.c libshared/src/util.c \
                        $(BUILD)/gen/proto/ingest.pb-c.c $(BUILD)/gen/proto/rag.pb-c.c \
                        $(BUILD)/gen/proto/common.pb-c.c
fuzz_textdecode_LIBS := -I$(BUILD)/gen $(shell pkg-config --cflags --libs uchardet libutf8proc libcmark libprotobuf-c 2>/dev/null)
