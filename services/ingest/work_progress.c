/* work_progress.c - progress pushes of the pipeline (work_int.h): core NATS on
 * notify.user.<uploader>.document.progress, which the edge forwards to that user's WebSockets.
 * Status changes always go out; progress within a step at most every WORK_PUSH_GAP_US. */
#include <stdlib.h>
#include <string.h>

#include "services/ingest/work_int.h"
#include "shared/json.h"
#include "shared/log.h"
#include "shared/names.h"
#include "shared/util.h"

char *work_progress_json(const work_doc_t *d, const char *error)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "{\"id\":");
    json_put_cstr(&b, d->doc);
    buf_puts(&b, ",\"name\":");
    json_put_cstr(&b, d->name);
    buf_puts(&b, ",\"status\":");
    json_put_cstr(&b, d->status);
    buf_printf(&b, ",\"progress\":%d,\"pages\":%d,\"chunks\":%d,\"error\":", d->progress, d->pages,
               d->chunks);
    json_put_cstr(&b, error);
    buf_putc(&b, '}');
    return buf_steal(&b);
}

bool work_progress_due(const work_doc_t *d, const char *status, int progress, bool force,
                       int64_t now_us)
{
    if (force || !d->pushed_status || strcmp(d->pushed_status, status) != 0)
        return true;
    return progress != d->pushed_progress && now_us - d->pushed_us >= WORK_PUSH_GAP_US;
}

void work_progress(bus_t *bus, work_doc_t *d, const char *status, int progress, bool force,
                   const char *error)
{
    char subject[NAMES_SUBJECT_MAX];
    int64_t now = time_mono_us();

    progress = progress < 0 ? 0 : progress > 100 ? 100 : progress;
    bool due = work_progress_due(d, status, progress, force, now);
    d->status = status;
    d->progress = progress;
    if (!due || !d->user[0] ||
        !names_notify_user(subject, sizeof subject, d->user, NOTIFY_DOCUMENT_PROGRESS))
        return; /* no uploader to tell */
    char *json = work_progress_json(d, error);
    if (bus_publish(bus, subject, json, strlen(json)) != ST_OK)
        LOG_DEBUG("ingest: progress push for %s not sent", d->doc); /* best effort */
    free(json);
    d->pushed_us = now;
    d->pushed_status = status;
    d->pushed_progress = progress;
}
