# The edge's readers of client-controlled header values: cookie, origin, X-Forwarded-For
# (services/edge/fields.c).
FUZZ_NAMES      += fields
fuzz_fields_SRCS := services/edge/fields.c services/edge/fields.h tests/fuzz/fuzz.h
