# The embed service's offline embedder: tokenising and hashing any text (services/embed/hashembed.c).
FUZZ_NAMES          += hashembed
fuzz_hashembed_SRCS := services/embed/hashembed.c services/embed/hashembed.h libshared/src/util.c \
                       $(BUILD)/gen/services/embed/stopwords.c
fuzz_hashembed_LIBS := -lutf8proc -lstemmer -lm -pthread
