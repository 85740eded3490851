# The embed service's reading of an OpenAI-compatible provider's answer (services/embed/oaiwire.c).
FUZZ_NAMES        += oaiwire
fuzz_oaiwire_SRCS := services/embed/oaiwire.c services/embed/oaiwire.h libshared/src/util.c
fuzz_oaiwire_LIBS := -ljansson -lm
