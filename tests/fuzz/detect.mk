# Format detection of uploads (services/ingest/detect.c) on libmagic.
FUZZ_NAMES       += detect
fuzz_detect_SRCS := tests/fuzz/check.h services/ingest/detect.c libshared/src/log.c libshared/src/util.c \
                    libshared/src/json.c libshared/src/text.c
fuzz_detect_LIBS := -lmagic -pthread
