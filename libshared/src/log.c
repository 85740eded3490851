/* log.c - JSON-lines logger on stderr. Each line is built in one buffer and written with one
 * write(2), so lines from different threads never interleave; strings go through json.h, so a
 * line is valid UTF-8 JSON whatever bytes a message holds (a cut sequence becomes U+FFFD). */
#include "shared/log.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shared/json.h"
#include "shared/util.h"

static log_level_t min_level = LOG_INFO;
static char service_name[32] = "?";

static const char *level_names[] = {"debug", "info", "warn", "error", "off"};

void log_init(const char *service, const char *level)
{
    snprintf(service_name, sizeof service_name, "%s", service ? service : "?");
    min_level = LOG_INFO;
    for (int i = 0; level && i <= LOG_OFF; i++)
        if (strcmp(level, level_names[i]) == 0)
            min_level = (log_level_t)i;
}

const char *log_service(void)
{
    return service_name;
}

bool log_enabled(log_level_t level)
{
    return level >= min_level && level < LOG_OFF;
}

static void vwrite(log_level_t level, const log_ctx_t *ctx, const log_field_t *fields,
                   size_t nfields, const char *fmt, va_list ap)
{
    char ts[40];
    char msg[1024];
    buf_t b = BUF_INIT;

    time_format_rfc3339(time_now_ms(), ts, sizeof ts);
    vsnprintf(msg, sizeof msg, fmt, ap);

    buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"service\":", ts, level_names[level]);
    json_put_cstr(&b, service_name);
    buf_puts(&b, ",\"msg\":");
    json_put_cstr(&b, msg);
    if (ctx && ctx->request_id) {
        buf_puts(&b, ",\"request_id\":");
        json_put_cstr(&b, ctx->request_id);
    }
    if (ctx && ctx->subject) {
        buf_puts(&b, ",\"subject\":");
        json_put_cstr(&b, ctx->subject);
    }
    if (ctx && ctx->org_id) {
        buf_puts(&b, ",\"org_id\":");
        json_put_cstr(&b, ctx->org_id);
    }
    for (size_t i = 0; i < nfields; i++) {
        buf_putc(&b, ',');
        json_put_cstr(&b, fields[i].key);
        buf_putc(&b, ':');
        if (fields[i].is_num && isfinite(fields[i].num))
            buf_printf(&b, "%.15g", fields[i].num);
        else if (fields[i].is_num)
            buf_puts(&b, "null");
        else
            json_put_cstr(&b, fields[i].str ? fields[i].str : "");
    }
    buf_puts(&b, "}\n");
    ssize_t w = write(STDERR_FILENO, b.data, b.len);
    (void)w;
    buf_cleanup(&b);
}

void log_write(log_level_t level, const log_ctx_t *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwrite(level, ctx, NULL, 0, fmt, ap);
    va_end(ap);
}

void log_write_fields(log_level_t level, const log_ctx_t *ctx, const log_field_t *fields,
                      size_t nfields, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwrite(level, ctx, fields, nfields, fmt, ap);
    va_end(ap);
}
