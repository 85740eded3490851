/* sandbox.h - runs the extractor (the program ingest-extract, services/ingest/extract/) on a
 * file in a child process with limits: CPU seconds, address space, wall time, no new files, no
 * network, a seccomp filter allowing only what reading stdin and writing stdout need. The file
 * goes in on stdin, one length-prefixed ingest.ExtractResult comes back on stdout.
 *
 * Settings (environment): INGEST_EXTRACT_BIN (default: ingest-extract next to the running
 * program), INGEST_EXTRACT_CPU_S (60), INGEST_EXTRACT_MEM_MB (1024), INGEST_EXTRACT_WALL_S (120).
 */
#ifndef INGEST_SANDBOX_H
#define INGEST_SANDBOX_H

#include <stddef.h>

#include "proto/ingest.pb-c.h"
#include "shared/status.h"

typedef struct {
    const char *bin;           /* NULL: the default */
    int cpu_s, mem_mb, wall_s; /* 0: the defaults */
} sandbox_limits_t;

/* Reads the limits from the environment (a malformed number: ST_INVALID, logged). */
status_t sandbox_limits_from_env(sandbox_limits_t *out /* OUT */);

/* Extracts data[0..len) in a child. ST_OK with *out (free with
 * ingest__extract_result__free_unpacked(*out, NULL)) when the child answered, including a
 * result that carries `error` (unsupported, broken, encrypted file); otherwise a status and a
 * reason for the user in why ("the file took longer than 120 s to read", "the file needs more
 * than 1024 MB of memory to read", "the reader crashed on this file"). */
status_t sandbox_extract(const sandbox_limits_t *limits, const void *data, size_t len,
                         Ingest__ExtractResult **out /* OUT */, char *why, size_t why_len);
/* The same with the file's name (may be NULL), which tells Markdown from plain text once the
 * content is text (detect.h). The statuses: ST_OK (the child answered); ST_TIMEOUT (the wall
 * time passed: the child is killed); ST_UNPROCESSABLE (the file made the child hit its CPU or
 * memory limit, the seccomp filter, crash, or answer too much or garbage: retrying will not
 * help); ST_UNAVAILABLE (the child could not be started: no binary, no processes or pipes). */
status_t sandbox_extract_named(const sandbox_limits_t *limits, const char *name, const void *data,
                               size_t len, Ingest__ExtractResult **out /* OUT */, char *why,
                               size_t why_len);

#endif
