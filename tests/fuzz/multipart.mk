# The edge's multipart/form-data parser (services/edge/multipart.c).
FUZZ_NAMES        += multipart
fuzz_multipart_SRCS := services/edge/multipart.c services/edge/multipart.h
