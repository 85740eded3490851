# The edge's HTTP/1.1 parser (services/edge/h1parse.c).
FUZZ_NAMES      += h1parse
fuzz_h1parse_SRCS := services/edge/h1parse.c services/edge/h1parse.h libshared/src/util.c tests/fuzz/fuzz.h
