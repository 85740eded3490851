# The extractor's DOCX reader (services/ingest/extract/docx.c) with libzip and libxml2.
FUZZ_NAMES     += docx
fuzz_docx_SRCS := tests/fuzz/check.h services/ingest/extract/docx.c services/ingest/extract/out.c \
                  libshared/src/chunk.c libshared/src/text.c libshared/src/util.c \
                  $(BUILD)/gen/proto/ingest.pb-c.c $(BUILD)/gen/proto/rag.pb-c.c \
                  $(BUILD)/gen/proto/common.pb-c.c
fuzz_docx_LIBS := -I$(BUILD)/gen $(shell pkg-config --cflags --libs libzip libxml-2.0 libutf8proc libprotobuf-c 2>/dev/null)
