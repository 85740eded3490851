# The edge's Accept / Accept-Encoding negotiation (services/edge/accept.c) and the list
# tokeniser it shares with the HTTP parser (services/edge/h1parse.c).
FUZZ_NAMES      += accept
fuzz_accept_SRCS := services/edge/accept.c services/edge/accept.h services/edge/h1parse.c \
                    services/edge/h1parse.h libshared/src/util.c tests/fuzz/fuzz.h
