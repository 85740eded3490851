/* log.h - structured logging: one JSON object per line on stderr.
 *
 * Every line carries time, level, service and msg; request-scoped lines add request_id, subject
 * and org_id through log_ctx_t. The level is checked before anything is formatted. Never pass
 * secrets, tokens, passwords or whole payloads.
 *
 *     log_init("auth", getenv("LOG_LEVEL"));
 *     LOG_INFO("listening on %s", url);
 *     log_ctx_t ctx = {.request_id = rid, .subject = subj, .org_id = org};
 *     LOG_CTX_WARN(&ctx, "login throttled for %d s", secs);
 */
#ifndef SHARED_LOG_H
#define SHARED_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF } log_level_t;

typedef struct {
    const char *request_id;
    const char *subject;
    const char *org_id;
} log_ctx_t;

/* service: short name put in every line. level: "debug"/"info"/"warn"/"error"/"off"; NULL=info. */
void log_init(const char *service, const char *level);
/* The service name given to log_init ("?" before): also the database application_name. */
const char *log_service(void);
bool log_enabled(log_level_t level);
void log_write(log_level_t level, const log_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Extra fields of a line (an access log's status, duration_ms, ...): a string (NULL is written
 * as "") or, when str is NULL through LOG_NUM, a number. Keys are plain ASCII identifiers. */
typedef struct {
    const char *key;
    const char *str;
    double num;
    bool is_num;
} log_field_t;
#define LOG_STR(k, v) ((log_field_t){(k), (v), 0, false})
#define LOG_NUM(k, v) ((log_field_t){(k), NULL, (double)(v), true})
/* log_write with fields after the context ones; whatever bytes the strings hold, the line stays
 * one valid JSON object (invalid UTF-8 becomes U+FFFD). Check log_enabled first. */
void log_write_fields(log_level_t level, const log_ctx_t *ctx, const log_field_t *fields,
                      size_t nfields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define LOG_AT(lvl, ctx, ...)                                                                      \
    do {                                                                                           \
        if (log_enabled(lvl))                                                                      \
            log_write(lvl, ctx, __VA_ARGS__);                                                      \
    } while (0)
#define LOG_DEBUG(...)        LOG_AT(LOG_DEBUG, NULL, __VA_ARGS__)
#define LOG_INFO(...)         LOG_AT(LOG_INFO, NULL, __VA_ARGS__)
#define LOG_WARN(...)         LOG_AT(LOG_WARN, NULL, __VA_ARGS__)
#define LOG_ERROR(...)        LOG_AT(LOG_ERROR, NULL, __VA_ARGS__)
#define LOG_CTX_DEBUG(c, ...) LOG_AT(LOG_DEBUG, c, __VA_ARGS__)
#define LOG_CTX_INFO(c, ...)  LOG_AT(LOG_INFO, c, __VA_ARGS__)
#define LOG_CTX_WARN(c, ...)  LOG_AT(LOG_WARN, c, __VA_ARGS__)
#define LOG_CTX_ERROR(c, ...) LOG_AT(LOG_ERROR, c, __VA_ARGS__)

#endif
