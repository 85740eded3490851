/* common.c - small helpers shared by the agents handlers: messages, errors, the caller. */
#include "agents.h"

#include <stdarg.h>
#include <string.h>

#include "shared/buscache.h"
#include "shared/util.h"

void *agents_msg_new(const ProtobufCMessageDescriptor *desc)
{
    void *msg = xcalloc(1, desc->sizeof_message);
    protobuf_c_message_init(desc, msg);
    return msg;
}

void agents_msg_free(void *msg)
{
    if (msg)
        protobuf_c_message_free_unpacked(msg, NULL);
}

status_t agents_fail(bus_req_t *req, status_t st, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    bus_req_fail(req, "%s", b.data);
    buf_cleanup(&b);
    return st;
}

status_t agents_caller(bus_req_t *req, bool write, agents_caller_t *out)
{
    const char *org = bus_req_org(req), *user = bus_req_user(req), *role = bus_req_role(req);

    if (!uuid_valid(org) || !uuid_valid(user))
        return agents_fail(req, ST_UNAUTHORIZED, "not signed in");
    out->org = org;
    out->user = user;
    out->can_write = role && (strcmp(role, "owner") == 0 || strcmp(role, "admin") == 0);
    if (write && !out->can_write)
        return agents_fail(req, ST_FORBIDDEN, "only owners and admins may change agents");
    return ST_OK;
}

status_t agents_path_id(bus_req_t *req, const char *field, const char *s, char out[37])
{
    if (!uuid_valid(s))
        return agents_fail(req, ST_INVALID, "%s: must be a UUID", field);
    for (int i = 0; i < 36; i++)
        out[i] = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];
    out[36] = '\0';
    return ST_OK;
}

bool agents_clear_has(char **clear, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(clear[i], name) == 0)
            return true;
    return false;
}

status_t agents_check_clear(bus_req_t *req, char **clear, size_t n, const char *const *allowed,
                            bool (*sent)(const void *msg, const char *name), const void *msg)
{
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, clear[i]) == 0;
        if (!known) {
            buf_t names = BUF_INIT;
            for (const char *const *a = allowed; *a; a++)
                buf_printf(&names, "%s%s", a == allowed ? "" : ", ", *a);
            status_t st =
                agents_fail(req, ST_INVALID, "clear[%zu]: must be one of %s", i, names.data);
            buf_cleanup(&names);
            return st;
        }
        if (sent(msg, clear[i]))
            return agents_fail(req, ST_INVALID, "clear[%zu]: %s is also sent", i, clear[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(clear[i], clear[j]) == 0)
                return agents_fail(req, ST_INVALID, "clear[%zu]: duplicate of clear[%zu]", i, j);
    }
    return ST_OK;
}

void agents_log_ctx(const bus_req_t *req, log_ctx_t *ctx)
{
    ctx->request_id = bus_req_id(req);
    ctx->subject = bus_req_subject(req);
    ctx->org_id = bus_req_org(req);
}

void agents_changed(agents_svc_t *svc, const char *org)
{
    buscache_drop(svc->lists, org);
}
