/* common.c - small helpers shared by the rag handlers: errors, log context, the caller. */
#include "rag.h"

#include <stdarg.h>
#include <string.h>

#include "shared/util.h"

status_t rag_fail(bus_req_t *req, status_t st, const char *fmt, ...)
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

status_t rag_fail_store(bus_req_t *req, status_t st, const rag_err_t *err)
{
    if (st && err->msg[0])
        bus_req_fail(req, "%s", err->msg);
    return st;
}

void rag_log_ctx(const bus_req_t *req, log_ctx_t *ctx)
{
    ctx->request_id = bus_req_id(req);
    ctx->subject = bus_req_subject(req);
    ctx->org_id = bus_req_org(req);
}

status_t rag_caller(bus_req_t *req, bool write, rag_caller_t *c)
{
    const char *org = bus_req_org(req), *user = bus_req_user(req), *role = bus_req_role(req);
    bool can_write = role && (strcmp(role, "owner") == 0 || strcmp(role, "admin") == 0);

    if (!uuid_valid(org))
        return rag_fail(req, ST_UNAUTHORIZED, "no organization");
    if (write && !can_write)
        return rag_fail(req, ST_FORBIDDEN,
                        "changing the knowledge base needs the owner or admin role");
    c->org = org;
    c->user = uuid_valid(user) ? user : NULL;
    c->can_write = can_write;
    return ST_OK;
}

void rag_changed(rag_svc_t *svc, const char *org)
{
    buscache_drop(svc->lists, org);
}
