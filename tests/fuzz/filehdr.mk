# The edge's file-answer headers (services/edge/filehdr.c): If-None-Match and Content-Disposition.
FUZZ_NAMES        += filehdr
fuzz_filehdr_SRCS := services/edge/filehdr.c services/edge/filehdr.h libshared/src/util.c
