/* lwslog.c - libwebsockets' own messages as JSON log lines (its levels mapped onto ours), instead
 * of plain text on stderr. lws calls the emitter on the loop's thread, one message at a time. */
#include <string.h>

#include "edge.h"
#include "shared/log.h"

static void emit(int level, const char *line)
{
    log_level_t to = (level & LLL_ERR)      ? LOG_ERROR
                     : (level & LLL_WARN)   ? LOG_WARN
                     : (level & LLL_NOTICE) ? LOG_INFO
                                            : LOG_DEBUG;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    LOG_AT(to, NULL, "lws: %.*s", (int)n, line);
}

void edge_lws_log_init(void)
{
    int mask = LLL_ERR | LLL_WARN;
    if (log_enabled(LOG_DEBUG))
        mask |= LLL_NOTICE | LLL_INFO;
    lws_set_log_level(mask, emit);
}
